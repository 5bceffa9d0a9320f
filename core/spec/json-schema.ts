import { z } from 'zod';
import { SearchSpec } from './schema.js';

/** JSON Schema (draft 2020-12) of the input form of a spec: defaults make fields optional. */
export function specJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://cosearch.dev/schema/spec.schema.json',
    title: 'cosearch search spec',
    ...z.toJSONSchema(SearchSpec, { io: 'input', unrepresentable: 'any' }),
  };
}
