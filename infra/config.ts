// The stack's CDK context, read and checked in one place. Values given with `-c key=value`
// arrive as strings, values from cdk.json as JSON; both are accepted.
import type { Node } from 'constructs';
import { S3_BUCKET_NAME } from '../core/store/s3-uri.js';

export interface StackConfig {
  /** `zip` (default): pure-JS tfjs in a zip bundle; `image`: a container image with tfjs-node. */
  trainer: 'zip' | 'image';
  /** Buckets outside the stack whose s3:// datasets a spec may name; granted read. */
  datasetBuckets: string[];
  /** Days a search's objects are kept. */
  retentionDays: number;
  /** An e-mail address subscribed to the stack's alarm topic, if given. */
  alarmEmail?: string;
  /** Longest one execution of the loop may run, in hours (it then times out and is marked failed). */
  executionTimeoutHours: number;
  /** Run cdk-nag's AwsSolutions checks at synth (default true). */
  nag: boolean;
}

/**
 * One execution covers at most ITERATIONS_PER_EXECUTION iterations (or the supernet phase); a
 * week leaves room for throttled, 15-minute children in waves, yet ends a stuck one.
 */
export const DEFAULT_EXECUTION_TIMEOUT_HOURS = 7 * 24;

export const CONTEXT = {
  trainer: 'cosearch:trainer',
  datasetBuckets: 'cosearch:datasetBuckets',
  retentionDays: 'cosearch:retentionDays',
  alarmEmail: 'cosearch:alarmEmail',
  executionTimeoutHours: 'cosearch:executionTimeoutHours',
  nag: 'cosearch:nag',
} as const;

function list(v: unknown): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.map(String);
  const s = String(v).trim();
  if (s.startsWith('[')) return (JSON.parse(s) as unknown[]).map(String);
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

export function parseConfig(get: (key: string) => unknown): StackConfig {
  const trainer = String(get(CONTEXT.trainer) ?? 'zip');
  if (trainer !== 'zip' && trainer !== 'image')
    throw new Error(`context ${CONTEXT.trainer} must be "zip" or "image", got "${trainer}"`);
  const datasetBuckets = list(get(CONTEXT.datasetBuckets));
  for (const b of datasetBuckets)
    if (!S3_BUCKET_NAME.test(b))
      throw new Error(`context ${CONTEXT.datasetBuckets}: "${b}" is not a bucket name`);
  const retentionDays = Number(get(CONTEXT.retentionDays) ?? 180);
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new Error(`context ${CONTEXT.retentionDays} must be a positive integer`);
  const email = get(CONTEXT.alarmEmail);
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(email)))
    throw new Error(`context ${CONTEXT.alarmEmail} must be an e-mail address, got "${String(email)}"`);
  const executionTimeoutHours = Number(get(CONTEXT.executionTimeoutHours) ?? DEFAULT_EXECUTION_TIMEOUT_HOURS);
  // Step Functions allows a standard execution up to one year.
  if (!Number.isFinite(executionTimeoutHours) || executionTimeoutHours < 1 || executionTimeoutHours > 8760)
    throw new Error(`context ${CONTEXT.executionTimeoutHours} must be 1-8760 hours`);
  const nag = get(CONTEXT.nag);
  return {
    trainer,
    datasetBuckets,
    retentionDays,
    ...(email ? { alarmEmail: String(email) } : {}),
    executionTimeoutHours,
    nag: !(nag === false || nag === 'false'),
  };
}

export function readContext(node: Node): StackConfig {
  return parseConfig((k) => node.tryGetContext(k));
}
