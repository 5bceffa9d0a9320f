import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from '../../../core/spec/json-schema.js';
import { SearchSpec } from '../../../core/spec/schema.js';

describe('specJsonSchema', () => {
  const schema = specJsonSchema() as {
    $schema?: string;
    type?: string;
    additionalProperties?: unknown;
    properties?: Record<string, { properties?: Record<string, unknown> }>;
  };

  it('describes the input form of a spec: an object with every top-level group', () => {
    expect(schema.$schema).toMatch(/2020-12/);
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(Object.keys(SearchSpec.shape).sort());
    expect(schema.properties?.strategy?.properties?.name).toMatchObject({
      enum: [
        'reinforce',
        'reinforce-lstm',
        'ppo',
        'random',
        'evolution',
        'autohas',
        'two-phase',
        'tpe',
        'mobo',
      ],
    });
  });

  it('docs/spec.schema.json is up to date (regenerate: npx tsx bin/cosearch.ts schema --out docs/spec.schema.json)', async () => {
    const onDisk = await readFile(new URL('../../../docs/spec.schema.json', import.meta.url), 'utf8');
    expect(onDisk).toBe(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
  });
});
