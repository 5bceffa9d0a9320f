// `cdk synth` must stay light: the CDK app's import graph reaches no tfjs and no trainer.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the CDK app', () => {
  it('imports neither tfjs nor the trainer', async () => {
    const r = await build({
      entryPoints: ['infra/app.ts'],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const files = Object.keys(r.metafile.inputs);
    const packages = Object.values(r.metafile.inputs).flatMap((i) =>
      i.imports.filter((x) => x.external).map((x) => x.path),
    );
    expect(files.length).toBeGreaterThan(5);
    expect(packages.filter((p) => p.startsWith('@tensorflow/'))).toEqual([]);
    // The backend vocabulary (pure data) is the one training module infra may read.
    const heavy = files.filter(
      (f) =>
        (f.startsWith('core/training/') && f !== 'core/training/backends.ts') ||
        f.startsWith('core/autohas/'),
    );
    expect(heavy).toEqual([]);
  });
});
