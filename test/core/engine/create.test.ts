import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSearch, SpecNotRunnableError } from '../../../core/engine/create.js';
import { keys } from '../../../core/engine/keys.js';
import { SearchSpec } from '../../../core/spec/schema.js';
import { FileStore } from '../../../core/store/file-store.js';
import { listAll } from '../../../core/store/json.js';
import { tinySpec } from '../../helpers/tiny-spec.js';

const store = () => new FileStore(mkdtempSync(join(tmpdir(), 'cosearch-create-')));

describe('createSearch', () => {
  it('writes the spec, a created state and the index entry that ls and GET /searches read', async () => {
    const s = store();
    await createSearch(s, tinySpec(), 'abc-1', () => Date.parse('2026-01-01T00:00:00Z'));
    const all = await listAll(s, '');
    expect(all).toEqual(
      expect.arrayContaining([keys.spec('abc-1'), keys.state('abc-1'), keys.searchIndex('abc-1')]),
    );
    expect(keys.searchIdOfIndexKey(keys.searchIndex('abc-1'))).toBe('abc-1');
    // A retry with the same id and spec changes nothing.
    await createSearch(s, tinySpec(), 'abc-1');
    expect(await listAll(s, '')).toEqual(all);
  });

  it('refuses a spec the engine cannot run, writing nothing, with every field named', async () => {
    const s = store();
    const spec = SearchSpec.parse({
      strategy: { name: 'autohas' },
      space: { hyperparameters: { optimizer: ['adam', 'sgd'] } },
    });
    const err = await createSearch(s, spec, 'abc-2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecNotRunnableError);
    expect((err as SpecNotRunnableError).issues.map((i) => i.path)).toContain(
      '$.space.hyperparameters.optimizer',
    );
    expect(await listAll(s, '')).toEqual([]);
  });
});
