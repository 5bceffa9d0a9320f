// `cosearch train`: train one child network and print its result.
import { readFile } from 'node:fs/promises';
import { DatasetError } from '../../core/data/dataset.js';
import { archFileSchema } from '../../core/network/arch-schema.js';
import { DEFAULT_ARCH, DEFAULT_HYPERPARAMETERS } from '../../core/network/defaults.js';
import type { Hyperparameters, NetworkArch } from '../../core/space/types.js';
import { formatIssues, zodIssues } from '../../core/spec/parse.js';
import { DatasetSpec, TrainingSpec } from '../../core/spec/schema.js';
import { FileStore } from '../../core/store/file-store.js';
import { BACKEND_CHOICES, type BackendChoice } from '../../core/training/backends.js';
import { trainChild } from '../../core/training/train.js';
import { type Command, parseFlags, positiveInt, printUsage, UsageError } from '../cli.js';
import { datasetReader } from './dataset-check.js';

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
      `${path} is not an architecture (a mobile-cnn NetworkArch, or {network, hyperparameters}):\n${formatIssues(zodIssues(r.error))}`,
    );
  return r.data;
}

type DatasetFormat = DatasetSpec['format'];
const FORMATS: readonly DatasetFormat[] = ['builtin', 'csv', 'idx', 'cifar10'];

/** The format a dataset URI implies: IDX by its `-ubyte` name, CIFAR-10 by `.bin` or a directory. */
function datasetFormat(uri: string): DatasetFormat {
  if (uri.startsWith('builtin:')) return 'builtin';
  if (/-ubyte(\.gz)?$/.test(uri)) return 'idx';
  return /\.bin(\.gz)?$/.test(uri) || uri.endsWith('/') ? 'cifar10' : 'csv';
}

function formatFlag(value: string | undefined, uri: string): DatasetFormat {
  if (value === undefined) return datasetFormat(uri);
  if (!(FORMATS as readonly string[]).includes(value))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${value}"`);
  return value as DatasetFormat;
}

function number(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${v}"`);
  return n;
}

export const command: Command = {
  name: 'train',
  summary: 'Train one child network on a dataset and print its accuracy, speed and size.',
  usage:
    'cosearch train [--arch FILE.json] [--dataset URI] [--format csv|idx|cifar10] [--test URI] [--shape H,W,C] [--classes N] [--steps N | --epochs N] ' +
    '[--batch-size N] [--lr X] [--optimizer adam|sgd] [--weight-decay X] [--seed N] [--max-seconds S] ' +
    `[--backend ${BACKEND_CHOICES.join('|')}] [--save DIR] [--json]`,
  async run(argv) {
    const { values } = parseFlags(
      argv,
      {
        arch: { type: 'string' },
        dataset: { type: 'string' },
        format: { type: 'string' },
        test: { type: 'string' },
        shape: { type: 'string' },
        classes: { type: 'string' },
        steps: { type: 'string' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        lr: { type: 'string' },
        optimizer: { type: 'string' },
        'weight-decay': { type: 'string' },
        seed: { type: 'string' },
        'max-seconds': { type: 'string' },
        backend: { type: 'string' },
        save: { type: 'string' },
        json: { type: 'boolean' },
      },
      false,
    );
    if (values.help) {
      printUsage(this);
      return 0;
    }
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
    if (wd !== undefined) hp.weightDecay = wd;
    if (values.optimizer !== undefined) {
      if (values.optimizer !== 'adam' && values.optimizer !== 'sgd')
        throw new UsageError(`--optimizer must be adam or sgd, got "${values.optimizer}"`);
      hp.optimizer = values.optimizer;
    }
    const backend = values.backend ?? 'auto';
    if (!(BACKEND_CHOICES as readonly string[]).includes(backend))
      throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}`);

    const uri = values.dataset ?? 'builtin:digits';
    const shape = values.shape?.split(',').map(Number);
    const ds = DatasetSpec.safeParse({
      uri,
      format: formatFlag(values.format, uri),
      ...(values.test ? { test: { uri: values.test } } : {}),
      ...(shape ? { shape } : {}),
      ...(values.classes ? { numClasses: Number(values.classes) } : {}),
    });
    if (!ds.success) throw new UsageError(`bad dataset options:\n${formatIssues(zodIssues(ds.error))}`);
    const steps = positiveInt('steps', values.steps);
    const epochs = positiveInt('epochs', values.epochs);
    if (epochs !== undefined) hp.epochs = epochs;
    const tr = TrainingSpec.safeParse({
      ...(steps !== undefined ? { steps } : {}),
      ...(values['max-seconds'] ? { maxSeconds: number('max-seconds', values['max-seconds']) } : {}),
    });
    if (!tr.success) throw new UsageError(`bad training options:\n${formatIssues(zodIssues(tr.error))}`);
    const seed = number('seed', values.seed) ?? 0;
    if (!Number.isInteger(seed) || seed < 0)
      throw new UsageError(`--seed must be a whole number ≥ 0, got ${seed}`);

    const ctl = new AbortController();
    const onSigint = () => ctl.abort();
    process.once('SIGINT', onSigint);
    let result: Awaited<ReturnType<typeof trainChild>>;
    try {
      result = await trainChild({
        arch: file.network,
        hyperparameters: hp,
        dataset: ds.data,
        readBytes: await datasetReader(ds.data),
        training: tr.data,
        seed,
        dataSeed: seed,
        backend: backend as BackendChoice,
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
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const r = result;
      process.stdout.write(
        `${r.status}${r.reason ? ` (${r.reason})` : ''}: test accuracy ${(r.testAccuracy * 100).toFixed(2)}%, ` +
          `validation ${(r.valAccuracy * 100).toFixed(2)}%, ${r.stepsDone} steps in ${r.trainSeconds.toFixed(1)}s ` +
          `(${r.examplesPerSec.toFixed(0)} examples/s on ${r.backend}), ${r.params} params, ${r.macs} MACs\n` +
          (values.save && r.status === 'ok' ? `model saved to ${values.save}/model/model.json\n` : ''),
      );
    }
    return result.status === 'failed' ? 1 : 0;
  },
};
