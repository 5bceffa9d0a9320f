// Bad datasets stop `cosearch validate` and `cosearch run` with exit 2, the file named, no stack
// trace, and nothing written to the store; `cosearch train --dataset s3://…` reads through S3.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../../lambdas/store/s3-store.js';
import { cosearch, mainInOneProcess, type Run } from '../../helpers/cli.js';
import { type RunningS3rver, startS3rver } from '../../helpers/s3rver.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cosearch-bin-dataset-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function put(name: string, body: string | Uint8Array): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, body);
  return p;
}

/** A float32 IDX images file of n 2×2 images with one NaN, and its labels. */
function floatIdxWithNaN(n: number): { images: Buffer; labels: Buffer } {
  const head = Buffer.from([0, 0, 0x0d, 3, 0, 0, 0, n, 0, 0, 0, 2, 0, 0, 0, 2]);
  const body = Buffer.alloc(n * 4 * 4);
  for (let i = 0; i < n * 4; i++) body.writeFloatBE(i === 5 ? Number.NaN : 0.5, 4 * i);
  const labels = Buffer.concat([
    Buffer.from([0, 0, 8, 1, 0, 0, 0, n]),
    Buffer.from(Array.from({ length: n }, (_, i) => i % 2)),
  ]);
  return { images: Buffer.concat([head, body]), labels };
}

describe('a bad dataset: exit 2 naming the file, no stack, nothing in the store', () => {
  const cases: { name: string; make: () => Promise<object>; message: RegExp }[] = [
    {
      name: 'a CSV label of 999,999,999 without numClasses',
      make: async () => ({
        uri: `file://${await put('huge.csv', `${'1,1,1,1,0\n'.repeat(30)}1,1,1,1,999999999\n`)}`,
        format: 'csv',
        shape: [2, 2, 1],
      }),
      message: /huge.csv line 31: label 999999999 would make 1000000000 classes/,
    },
    {
      name: 'a NaN pixel in a float IDX',
      make: async () => {
        const { images, labels } = floatIdxWithNaN(30);
        await put('fl-labels-idx1-ubyte', labels);
        return { uri: `file://${await put('fl-images-idx3-ubyte', images)}`, format: 'idx' };
      },
      message: /fl-images-idx3-ubyte: value 5 \(example 1, position \[0,1\]\) is NaN/,
    },
    {
      name: 'a CSV of 3,000 blank lines with shape 512,512,16',
      make: async () => ({
        uri: `file://${await put('blank.csv', '\n'.repeat(3000))}`,
        format: 'csv',
        shape: [512, 512, 16],
      }),
      message: /blank.csv: no examples/,
    },
    {
      name: 'a missing file',
      make: async () => ({ uri: `file://${join(dir, 'gone.csv')}`, format: 'csv', shape: [2, 2, 1] }),
      message: /cannot read dataset file:\/\/.*gone.csv/,
    },
  ];

  // One process runs every case through the CLI's real main.
  let runs: Run[] = [];
  let stores: string[] = [];
  beforeAll(async () => {
    stores = cases.map((c) => join(dir, `store-${c.name.replace(/\W+/g, '-')}`));
    const args: string[][] = [];
    for (const [i, c] of cases.entries()) {
      const spec = await put(
        `${c.name.replace(/\W+/g, '-')}.json`,
        JSON.stringify({ dataset: await c.make() }),
      );
      args.push(['validate', spec], ['run', spec, '--store', stores[i]!]);
    }
    runs = await mainInOneProcess(args);
  });

  for (const [i, c] of cases.entries())
    it(c.name, () => {
      for (const [k, cmd] of ['validate', 'run'].entries()) {
        const out = runs[2 * i + k]!;
        expect([cmd, out.code]).toEqual([cmd, 2]);
        expect(out.stderr).toMatch(new RegExp(`^cosearch ${cmd}: bad dataset: `));
        expect(out.stderr).toMatch(c.message);
        expect(out.stderr).not.toMatch(/\n\s+at /);
      }
      expect(existsSync(stores[i]!)).toBe(false);
    });
});

describe('cosearch train --dataset s3://…', () => {
  let server: RunningS3rver;
  beforeAll(async () => {
    server = await startS3rver('cosearch-data');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reads the dataset through the S3 store reader (COSEARCH_S3_ENDPOINT)', async () => {
    const store = new S3Store({ bucket: server.bucket, prefix: '', ...server.storeOptions });
    // 60 8×8 images in 3 classes: enough for a 2-step run of the default child.
    const rows = Array.from({ length: 60 }, (_, i) =>
      [...Array.from({ length: 64 }, (_, k) => (i * k) % 17), i % 3].join(','),
    );
    await store.put('sets/tiny.csv', `${rows.join('\n')}\n`);
    store.client.destroy();
    const env = {
      COSEARCH_S3_ENDPOINT: server.endpoint,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
    };
    const ok = await cosearch(
      [
        'train',
        '--dataset',
        `s3://${server.bucket}/sets/tiny.csv`,
        '--shape',
        '8,8,1',
        '--steps',
        '2',
        '--json',
      ],
      env,
    );
    expect(ok.stderr).not.toMatch(/no reader|Error/);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'ok', stepsDone: 2 });
    const missing = await cosearch(
      ['train', '--dataset', `s3://${server.bucket}/sets/none.csv`, '--shape', '8,8,1', '--steps', '2'],
      env,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read dataset s3:\/\/cosearch-data\/sets\/none.csv/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
