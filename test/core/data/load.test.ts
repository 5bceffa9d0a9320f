import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../core/data/dataset.js';
import { parseIdx } from '../../../core/data/idx.js';
import { loadDataset } from '../../../core/data/load.js';
import { DatasetSpec } from '../../../core/spec/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'cosearch-data-'));
const file = (name: string, body: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, body);
  return `file://${p}`;
};

/** n rows of a 2×2×1 image CSV, label last, labels cycling through k classes. */
const csv = (n: number, k: number, header = false): string => {
  const rows = header ? ['a,b,c,d,label'] : [];
  for (let i = 0; i < n; i++) rows.push(`${i % 7},${(i * 3) % 5},1,${i % 2},${i % k}`);
  return `${rows.join('\n')}\n`;
};

function idx(type: number, dims: number[], data: number[]): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  for (const [i, d] of dims.entries()) head.writeUInt32BE(d, 4 + 4 * i);
  return Buffer.concat([head, Buffer.from(data)]);
}

describe('builtin:digits', () => {
  it('loads 1,797 8×8 images split 70/15/15, normalized on the train split', async () => {
    const d = await loadDataset(DatasetSpec.parse({}), { seed: 0 });
    expect(d.shape).toEqual([8, 8, 1]);
    expect(d.numClasses).toBe(10);
    expect(d.train.n + d.val.n + d.test.n).toBe(1797);
    expect(d.test.n).toBe(Math.round(1797 * 0.15));
    expect(d.train.x.length).toBe(d.train.n * 64);
    const mean = d.train.x.reduce((a, b) => a + b, 0) / d.train.x.length;
    expect(Math.abs(mean)).toBeLessThan(1e-4);
    expect(new Set(d.test.y).size).toBe(10);
  });

  it('splits by seed: same seed same split, another seed another', async () => {
    const spec = DatasetSpec.parse({});
    const a = await loadDataset(spec, { seed: 1 });
    const b = await loadDataset(spec, { seed: 1 });
    const c = await loadDataset(spec, { seed: 2 });
    expect(Array.from(a.test.y)).toEqual(Array.from(b.test.y));
    expect(a.train.x).toEqual(b.train.x);
    expect(Array.from(a.test.y)).not.toEqual(Array.from(c.test.y));
  });

  it('caps training samples without touching validation and test', async () => {
    const full = await loadDataset(DatasetSpec.parse({}), { seed: 1 });
    const capped = await loadDataset(DatasetSpec.parse({ maxTrainSamples: 100 }), { seed: 1 });
    expect(capped.train.n).toBe(100);
    expect(Array.from(capped.test.y)).toEqual(Array.from(full.test.y));
  });
});

describe('csv datasets', () => {
  const spec = (uri: string, extra: object = {}) =>
    DatasetSpec.parse({ uri, format: 'csv', shape: [2, 2, 1], ...extra });

  it('reads plain, gzipped and headed CSVs', async () => {
    const a = await loadDataset(spec(file('a.csv', csv(40, 3))), { seed: 0 });
    const b = await loadDataset(spec(file('a.csv.gz', gzipSync(csv(40, 3, true)))), { seed: 0 });
    expect(a.numClasses).toBe(3);
    expect(a.train.n + a.val.n + a.test.n).toBe(40);
    expect(a.train.x).toEqual(b.train.x);
  });

  it('honours labelColumn', async () => {
    const rows = ['2,1,1,1,1', '0,0,0,0,1', '1,1,0,1,0'].join('\n');
    const body = Array.from({ length: 10 }, () => rows).join('\n');
    const d = await loadDataset(spec(file('lc.csv', body), { labelColumn: 0 }), { seed: 0 });
    expect(d.numClasses).toBe(3);
  });

  it('reads s3:// through the injected reader only', async () => {
    const s3 = DatasetSpec.parse({ uri: 's3://bucket-x/d.csv', format: 'csv', shape: [2, 2, 1] });
    const seen: string[] = [];
    const d = await loadDataset(s3, {
      seed: 0,
      readBytes: async (u) => {
        seen.push(u);
        return new TextEncoder().encode(csv(30, 2));
      },
    });
    expect(seen).toEqual(['s3://bucket-x/d.csv']);
    expect(d.numClasses).toBe(2);
    await expect(loadDataset(s3, { seed: 0 })).rejects.toThrow(/s3:\/\/bucket-x\/d.csv.*no reader/);
  });

  it('names the file and line of a wrong row width', async () => {
    const uri = file('bad-width.csv', `${csv(5, 2)}1,2,3,4\n`);
    await expect(loadDataset(spec(uri), { seed: 0 })).rejects.toThrow(
      /bad-width.csv line 6: expected 5 columns/,
    );
  });

  it('rejects labels out of range and non-numbers', async () => {
    await expect(
      loadDataset(spec(file('lab.csv', csv(30, 4)), { numClasses: 3 }), { seed: 0 }),
    ).rejects.toThrow(/line 4: label 3 out of range for numClasses 3/);
    await expect(loadDataset(spec(file('neg.csv', '1,1,1,1,-1\n')), { seed: 0 })).rejects.toThrow(
      DatasetError,
    );
    await expect(loadDataset(spec(file('nan.csv', `${csv(3, 2)}1,x,1,1,0\n`)), { seed: 0 })).rejects.toThrow(
      /line 4 column 2: not a number/,
    );
  });

  it('reports a missing file, corrupt gzip, binary junk and too few rows', async () => {
    await expect(loadDataset(spec(`file://${join(dir, 'nope.csv')}`), { seed: 0 })).rejects.toThrow(
      /cannot read dataset .*nope.csv/,
    );
    const junk = new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5]);
    await expect(loadDataset(spec(file('junk.csv.gz', junk)), { seed: 0 })).rejects.toThrow(/corrupt gzip/);
    await expect(
      loadDataset(spec(file('bin.csv', new Uint8Array([0xff, 0xfe, 0x00]))), { seed: 0 }),
    ).rejects.toThrow(/not UTF-8/);
    await expect(loadDataset(spec(file('few.csv', csv(3, 2))), { seed: 0 })).rejects.toThrow(/too few/);
  });
});

describe('idx datasets', () => {
  const n = 30;
  const images = idx(
    0x08,
    [n, 2, 3],
    Array.from({ length: n * 6 }, (_, i) => i % 256),
  );
  const labels = idx(
    0x08,
    [n],
    Array.from({ length: n }, (_, i) => i % 4),
  );

  it('reads gzipped images with their labels file beside them', async () => {
    const uri = file('train-images-idx3-ubyte.gz', gzipSync(images));
    file('train-labels-idx1-ubyte.gz', gzipSync(labels));
    const d = await loadDataset(DatasetSpec.parse({ uri, format: 'idx' }), { seed: 0 });
    expect(d.shape).toEqual([2, 3, 1]);
    expect(d.numClasses).toBe(4);
    expect(d.train.n + d.val.n + d.test.n).toBe(n);
  });

  it('rejects a shape mismatch, a count mismatch, a truncated file and a bad magic', async () => {
    const uri = file('a-images-idx3-ubyte', images);
    file('a-labels-idx1-ubyte', labels);
    await expect(
      loadDataset(DatasetSpec.parse({ uri, format: 'idx', shape: [3, 2, 1] }), { seed: 0 }),
    ).rejects.toThrow(/images are \[2,3,1\] but the spec says shape \[3,2,1\]/);
    const uri2 = file('b-images-idx3-ubyte', images);
    file(
      'b-labels-idx1-ubyte',
      idx(
        0x08,
        [n - 1],
        Array.from({ length: n - 1 }, () => 0),
      ),
    );
    await expect(loadDataset(DatasetSpec.parse({ uri: uri2, format: 'idx' }), { seed: 0 })).rejects.toThrow(
      /29 labels for 30 images/,
    );
    expect(() => parseIdx(images.subarray(0, images.length - 1), 'x')).toThrow(/header says \[30,2,3\]/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4, 5]), 'y')).toThrow(/bad magic/);
    await expect(
      loadDataset(DatasetSpec.parse({ uri: file('weird.bin', images), format: 'idx' }), { seed: 0 }),
    ).rejects.toThrow(/names the images file/);
  });
});
