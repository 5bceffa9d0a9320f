// `cosearch train`: train one child network and print its result.
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../../core/data/dataset.js';
import { keys, SEARCH_ID_PATTERN } from '../../core/engine/keys.js';
import { loadSpec, type TrainingRecord } from '../../core/engine/state.js';
import { childSeed } from '../../core/engine/train.js';
import { archFileSchema } from '../../core/network/arch-schema.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../../core/network/defaults.js';
import type { Candidate, Hyperparameters, NetworkArch } from '../../core/space/types.js';
import { formatIssues, zodIssues } from '../../core/spec/parse.js';
import { DatasetSpec, TrainingSpec } from '../../core/spec/schema.js';
import { FileStore } from '../../core/store/file-store.js';
import { getJson, listAll, tryGetJson } from '../../core/store/json.js';
import type { Store } from '../../core/store/store.js';
import { BACKEND_CHOICES, type BackendChoice } from '../../core/training/backends.js';
import { trainChild } from '../../core/training/train.js';
import { type Command, type FlagValues, parseFlags, positiveInt, UsageError } from '../cli.js';
import { datasetReader } from './dataset-check.js';
import { openStoreFlag, storeOption, usableDir } from './store-flag.js';

async function readArch(path: string): Promise<{ network: NetworkArch; hyperparameters?: Hyperparameters }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UsageError(
      `cannot read arch ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  const r = archFileSchema(raw).safeParse(raw);
  if (!r.success)
    throw new UsageError(
      `${path} is not an architecture (a mobile-cnn NetworkArch, or {network, hyperparameters}):\n${formatIssues(zodIssues(r.error, archFileSchema(raw), raw))}`,
    );
  return r.data;
}

type DatasetFormat = DatasetSpec['format'];
const FORMATS = ['builtin', 'csv', 'idx', 'cifar10'] as const satisfies readonly DatasetFormat[];

/** The format a dataset URI implies: IDX by its `-ubyte` name, CIFAR-10 by `.bin` or a directory. */
function datasetFormat(uri: string): DatasetFormat {
  if (uri.startsWith('builtin:')) return 'builtin';
  if (/-ubyte(\.gz)?$/.test(uri)) return 'idx';
  return /\.bin(\.gz)?$/.test(uri) || uri.endsWith('/') ? 'cifar10' : 'csv';
}

function number(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${v}"`);
  return n;
}

const FLAGS = {
  from: {
    type: 'string',
    value: 'SEARCH_ID/CID',
    description:
      "retrain a stored candidate exactly: its network, hyper-parameters, seed, the search's dataset split and training settings",
  },
  store: { ...storeOption.store, description: 'the store --from reads (file://DIR, a path or s3://...)' },
  arch: {
    type: 'string',
    value: 'FILE.json',
    defaultText: 'a small built-in mobile-cnn',
    description: 'a mobile-cnn NetworkArch, or {network, hyperparameters}',
  },
  dataset: {
    type: 'string',
    value: 'URI',
    default: 'builtin:digits',
    description: 'builtin:NAME, file:// or s3:// data',
  },
  format: {
    type: 'string',
    value: 'FORMAT',
    choices: FORMATS,
    defaultText: 'from the URI: *-ubyte is idx, *.bin or DIR/ is cifar10, else csv',
    description: 'the dataset file format',
  },
  test: {
    type: 'string',
    value: 'URI',
    defaultText: 'a split of --dataset',
    description: 'a test set of its own',
  },
  shape: {
    type: 'string',
    value: 'H,W,C',
    defaultText: "the dataset's",
    description: 'input shape of a CSV dataset',
  },
  classes: { type: 'string', value: 'N', defaultText: 'from the labels', description: 'number of classes' },
  steps: {
    type: 'string',
    value: 'N',
    defaultText: 'the training spec default',
    description: 'training steps (batches)',
  },
  epochs: { type: 'string', value: 'N', description: 'train for N passes over the data instead of --steps' },
  'batch-size': {
    type: 'string',
    value: 'N',
    defaultText: String(DEFAULT_HYPERPARAMETERS.batchSize),
    description: 'examples per step',
  },
  lr: {
    type: 'string',
    value: 'X',
    defaultText: String(DEFAULT_HYPERPARAMETERS.learningRate),
    description: 'learning rate',
  },
  optimizer: {
    type: 'string',
    value: 'NAME',
    choices: ['adam', 'sgd'],
    defaultText: DEFAULT_HYPERPARAMETERS.optimizer,
    description: 'optimizer',
  },
  'weight-decay': {
    type: 'string',
    value: 'X',
    defaultText: String(DEFAULT_HYPERPARAMETERS.weightDecay),
    description: 'L2 weight decay',
  },
  seed: {
    type: 'string',
    value: 'N',
    default: '0',
    description: 'seeds initializers, shuffling and the data split',
  },
  'max-seconds': {
    type: 'string',
    value: 'S',
    defaultText: 'the training spec default',
    description:
      'wall-clock guard, checked between training steps: training stops at the first step that ends after S seconds (a single long step is not interrupted)',
  },
  backend: {
    type: 'string',
    value: 'NAME',
    choices: BACKEND_CHOICES,
    default: 'auto',
    description: 'tfjs backend (auto picks the fastest that loads)',
  },
  save: { type: 'string', value: 'DIR', description: 'save the trained tfjs model under DIR/model/' },
  json: { type: 'boolean', description: 'print the training result as one JSON object' },
} as const;

type Values = FlagValues<typeof FLAGS>;

/** The job the flags describe: a network file or the default, on a dataset, with these settings. */
async function manualJob(values: Values) {
  const file = values.arch ? await readArch(values.arch) : { network: DEFAULT_ARCH };
  const hp: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS, ...file.hyperparameters };
  const bs = positiveInt('batch-size', values['batch-size'], 4096);
  if (bs !== undefined) hp.batchSize = bs;
  const lr = number('lr', values.lr);
  if (lr !== undefined) {
    if (!(lr > 0)) throw new UsageError(`--lr must be > 0, got ${lr}`);
    hp.learningRate = lr;
  }
  const wd = number('weight-decay', values['weight-decay']);
  if (wd !== undefined) {
    // The same bounds as a spec's space.hyperparameters.weightDecay.
    if (!(wd >= 0 && wd <= 1)) throw new UsageError(`--weight-decay must be between 0 and 1, got ${wd}`);
    hp.weightDecay = wd;
  }
  if (values.optimizer === 'adam' || values.optimizer === 'sgd') hp.optimizer = values.optimizer;
  const uri = values.dataset;
  const shape = values.shape?.split(',').map(Number);
  const ds = DatasetSpec.safeParse({
    uri,
    format: values.format === undefined ? datasetFormat(uri) : values.format,
    ...(values.test ? { test: { uri: values.test } } : {}),
    ...(shape ? { shape } : {}),
    ...(values.classes ? { numClasses: Number(values.classes) } : {}),
  });
  if (!ds.success)
    throw new UsageError(`bad dataset options:\n${formatIssues(zodIssues(ds.error, DatasetSpec))}`);
  const steps = positiveInt('steps', values.steps);
  const epochs = positiveInt('epochs', values.epochs);
  if (epochs !== undefined) hp.epochs = epochs;
  const tr = TrainingSpec.safeParse({
    ...(steps !== undefined ? { steps } : {}),
    ...(values['max-seconds'] ? { maxSeconds: number('max-seconds', values['max-seconds']) } : {}),
  });
  if (!tr.success)
    throw new UsageError(`bad training options:\n${formatIssues(zodIssues(tr.error, TrainingSpec))}`);
  const seed = number('seed', values.seed) ?? 0;
  if (!Number.isInteger(seed) || seed < 0)
    throw new UsageError(`--seed must be a whole number ≥ 0, got ${seed}`);
  return {
    arch: file.network,
    hyperparameters: hp,
    dataset: ds.data,
    training: tr.data,
    seed,
    dataSeed: seed,
  };
}

/** The training record the search kept for this candidate (its first iteration), if any. */
async function storedTraining(
  store: Store,
  searchId: string,
  cid: string,
): Promise<TrainingRecord | undefined> {
  const keysOf = (await listAll(store, `${keys.root(searchId)}metrics/`)).filter((k) =>
    k.endsWith(`/${cid}/training.json`),
  );
  for (const k of keysOf.sort()) {
    const r = await tryGetJson<TrainingRecord>(store, k);
    if (r && !r.cached) return r;
  }
  return undefined;
}

/** Options --from fixes: giving them too would not retrain the stored candidate. */
const FIXED_BY_FROM = [
  'arch',
  'dataset',
  'format',
  'test',
  'shape',
  'classes',
  'steps',
  'epochs',
  'batch-size',
  'lr',
  'optimizer',
  'weight-decay',
  'seed',
  'max-seconds',
] as const;

/** Everything trainChild needs to retrain a stored candidate as its search trained it. */
async function fromStored(store: Store, ref: string) {
  const m = /^([^/]+)\/([0-9a-f]{1,64})$/.exec(ref);
  if (!m) throw new UsageError(`--from must be SEARCH_ID/CID, got "${ref}"`);
  const [, searchId, cidPrefix] = m as unknown as [string, string, string];
  if (!SEARCH_ID_PATTERN.test(searchId)) throw new UsageError(`--from: invalid search id "${searchId}"`);
  if (!(await store.tryGet(keys.spec(searchId))))
    throw new UsageError(`--from: no search ${searchId} in ${store.uri}`);
  const spec = await loadSpec(store, searchId);
  // The candidate files are candidates/iter-{k}/{cid}.json: a cid may be given by a unique prefix.
  const found = new Map<string, string>();
  for (const k of await listAll(store, `${keys.root(searchId)}candidates/`)) {
    const c = /\/iter-\d+\/([0-9a-f]+)\.json$/.exec(k)?.[1];
    if (c?.startsWith(cidPrefix) && !found.has(c)) found.set(c, k);
  }
  if (found.size === 0) throw new UsageError(`--from: search ${searchId} has no candidate ${cidPrefix}`);
  if (found.size > 1)
    throw new UsageError(
      `--from: ${cidPrefix} names ${found.size} candidates (${[...found.keys()].slice(0, 5).join(', ')}...): give more of the id`,
    );
  const [[cid, key]] = [...found] as [[string, string]];
  const cand = await getJson<Candidate>(store, key);
  return {
    searchId,
    cid,
    spec,
    arch: cand.network,
    hyperparameters: cand.hyperparameters,
    dataset: spec.dataset,
    training: spec.training,
    seed: childSeed(spec, cid),
    // The search splits its data with the strategy seed, for every child alike.
    dataSeed: spec.strategy.seed,
    // Its quantized copy was scored at the accelerator's weight width (8 when it names none).
    ...(cand.accelerator.weightBits !== undefined ? { weightBits: cand.accelerator.weightBits } : {}),
  };
}

export const command: Command = {
  name: 'train',
  summary:
    'Train one child network on a dataset, or retrain a stored candidate exactly, and print its accuracy, speed and size.',
  usage:
    'cosearch train [--arch FILE.json] [--dataset URI] [--steps N | --epochs N] [options]\n       cosearch train --from SEARCH_ID/CID [--store URI] [--save DIR] [--backend NAME] [--json]',
  flags: FLAGS,
  examples: [
    ['cosearch train', 'the built-in network on builtin:digits'],
    ['cosearch train --arch net.json --steps 200 --lr 0.01 --save out', 'your network, saved to out/model/'],
    ['cosearch train --from s20250101120000-1a2b3c4d/3f9a', 'retrain candidate 3f9a… of that search exactly'],
  ],
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS, false);
    let job: {
      arch: NetworkArch;
      hyperparameters: Hyperparameters;
      dataset: DatasetSpec;
      training: TrainingSpec;
      seed: number;
      dataSeed: number;
      weightBits?: number;
    };
    let stored: { searchId: string; cid: string; record?: TrainingRecord } | undefined;
    if (values.from !== undefined) {
      const clash = FIXED_BY_FROM.find((f) => argv.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)));
      if (clash)
        throw new UsageError(`--${clash} cannot be combined with --from: the stored candidate fixes it`);
      const store = await openStoreFlag(values.store, 'read');
      const f = await fromStored(store, values.from);
      job = f;
      const record = await storedTraining(store, f.searchId, f.cid);
      stored = { searchId: f.searchId, cid: f.cid, ...(record ? { record } : {}) };
      if (!values.json)
        process.stderr.write(
          `retraining ${f.cid} of ${f.searchId} (seed ${f.seed}, data split seed ${f.dataSeed})\n`,
        );
    } else job = await manualJob(values);
    // Checked before training: a --save path that cannot be written fails now, not after the run.
    if (values.save !== undefined) await usableDir('save', values.save, values.save, 'write');

    const ctl = new AbortController();
    const onSigint = () => ctl.abort();
    process.once('SIGINT', onSigint);
    let result: Awaited<ReturnType<typeof trainChild>>;
    try {
      result = await trainChild({
        ...job,
        readBytes: await datasetReader(job.dataset),
        backend: values.backend as BackendChoice,
        signal: ctl.signal,
        saveModel: values.save ? { store: new FileStore(values.save), prefix: 'model' } : undefined,
        onProgress: (p) =>
          process.stderr.write(
            `step ${p.step}/${p.totalSteps}  loss ${p.loss.toFixed(4)}  ${p.elapsedSeconds.toFixed(1)}s\n`,
          ),
      });
    } catch (e) {
      if (e instanceof DatasetError) throw new UsageError(e.message);
      throw e;
    } finally {
      process.off('SIGINT', onSigint);
    }
    const was = stored?.record;
    // The quantized copy too: the search's reward reads it, and it depends on the weight width.
    const same = was
      ? was.testAccuracy === result.testAccuracy &&
        was.valAccuracy === result.valAccuracy &&
        was.quantized?.testAccuracy === result.quantized?.testAccuracy &&
        was.quantized?.valAccuracy === result.quantized?.valAccuracy
      : undefined;
    if (values.json)
      process.stdout.write(
        `${JSON.stringify(stored ? { ...result, from: { searchId: stored.searchId, cid: stored.cid, stored: was ?? null, sameAccuracy: same ?? null } } : result)}\n`,
      );
    else {
      const r = result;
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      const q = r.quantized;
      process.stdout.write(
        `${r.status}${r.reason ? ` (${r.reason})` : ''}: test accuracy ${(r.testAccuracy * 100).toFixed(2)}%, ` +
          `validation ${(r.valAccuracy * 100).toFixed(2)}%, ${r.stepsDone} steps in ${r.trainSeconds.toFixed(1)}s ` +
          `(${r.examplesPerSec.toFixed(0)} examples/s on ${r.backend}), ${r.params} params, ${r.macs} MACs\n` +
          (q
            ? `quantized (${q.weightBits}-bit weights, ${q.activationBits}-bit activations): test accuracy ${pct(q.testAccuracy)}, validation ${pct(q.valAccuracy)}\n`
            : '') +
          (values.save && r.status === 'ok' ? `model saved to ${values.save}/model/model.json\n` : '') +
          (was
            ? `the search recorded test accuracy ${pct(was.testAccuracy)}, validation ${pct(was.valAccuracy)}${was.quantized ? `; quantized ${pct(was.quantized.testAccuracy)}, ${pct(was.quantized.valAccuracy)}` : ''}: ${same ? 'the same' : 'different (another backend, or a changed trainer)'}\n`
            : ''),
      );
    }
    return result.status === 'failed' ? 1 : 0;
  },
};
