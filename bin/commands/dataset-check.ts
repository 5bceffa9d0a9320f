// The dataset side of validate / run / train: a reader for s3:// datasets (loaded only when one is
// named, so validate stays light), and the pre-flight check whose errors exit 2 naming the file.
import { type CheckOptions, checkDataset, type DatasetCheck } from '../../core/data/check.js';
import { DatasetError } from '../../core/data/dataset.js';
import type { ReadBytes } from '../../core/data/source.js';
import { type CheckedSearch, checkSearch, SpecNotRunnableError } from '../../core/engine/create.js';
import { formatIssues } from '../../core/spec/parse.js';
import type { DatasetSpec, SearchSpec } from '../../core/spec/schema.js';
import { isS3Uri } from '../../core/store/s3-uri.js';
import { UsageError } from '../cli.js';

/** The S3 reader the engine uses, when the dataset has an s3:// file; else undefined. */
export async function datasetReader(d: DatasetSpec): Promise<ReadBytes | undefined> {
  if (![d.uri, d.test?.uri].some((u) => u !== undefined && isS3Uri(u))) return undefined;
  return (await import('../../lambdas/lib/context.js')).s3Reader();
}

/** checkDataset for the CLI: a DatasetError becomes a UsageError (exit 2, no stack trace). */
export async function checkSpecDataset(d: DatasetSpec, opts: CheckOptions = {}): Promise<DatasetCheck> {
  try {
    return await checkDataset(d, { readBytes: await datasetReader(d), ...opts });
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(`bad dataset: ${e.message}`);
    throw e;
  }
}

/** checkSearch for the CLI (runnable spec, sound dataset): a refusal exits 2 naming the field or file. */
export async function checkSearchForCli(spec: SearchSpec): Promise<CheckedSearch> {
  try {
    return await checkSearch(spec, { readBytes: await datasetReader(spec.dataset) });
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(`bad dataset: ${e.message}`);
    if (e instanceof SpecNotRunnableError)
      throw new UsageError(`spec cannot run as given:\n${formatIssues(e.issues)}`);
    throw e;
  }
}

/** One line for people: what was found and how deeply it was checked. */
export function describeCheck(c: DatasetCheck): string {
  const n =
    c.examples.data === undefined ? 'examples' : `${c.examples.data.toLocaleString('en-US')} examples`;
  const test =
    c.examples.test === undefined ? '' : ` + a test set of ${c.examples.test.toLocaleString('en-US')}`;
  const classes = c.numClasses === undefined ? '' : `, ${c.numClasses} classes`;
  const depth = c.depth === 'full' ? 'read whole' : 'headers and sizes checked';
  return `${c.uri}: ${n}${test} of [${c.shape}]${classes} (${depth})`;
}
