// s3://BUCKET[/KEY] locations, parsed in one place: the store opener, the dataset reader, the
// API's dataset checks and presigned links all split a URI the same way. Pure: no AWS here.

/** S3's bucket naming rule (3-63 of lower-case letters, digits, dots and hyphens). */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const S3_SCHEME = 's3://';

export interface S3Location {
  bucket: string;
  /** Everything after the bucket's slash, as written ('' for s3://bucket or s3://bucket/). */
  key: string;
}

export class InvalidS3UriError extends Error {
  constructor(
    readonly uri: string,
    reason: string,
  ) {
    super(`invalid S3 URI "${uri.slice(0, 300)}": ${reason}`);
    this.name = 'InvalidS3UriError';
  }
}

export const isS3Uri = (uri: string): boolean => uri.startsWith(S3_SCHEME);

/**
 * Bucket and key of an s3:// URI. Throws InvalidS3UriError naming the URI when the scheme is not
 * s3://, the bucket name is not a valid one, or (with requireKey) no object key is given.
 */
export function parseS3Uri(uri: string, options: { requireKey?: boolean } = {}): S3Location {
  if (typeof uri !== 'string' || !isS3Uri(uri))
    throw new InvalidS3UriError(String(uri), 'it does not start with s3://');
  const rest = uri.slice(S3_SCHEME.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!S3_BUCKET_NAME.test(bucket))
    throw new InvalidS3UriError(uri, `"${bucket.slice(0, 80)}" is not a valid bucket name`);
  if (options.requireKey && key === '')
    throw new InvalidS3UriError(uri, 'it names no object (s3://BUCKET/KEY)');
  return { bucket, key };
}

/** Bucket and key, or undefined for anything that is not a valid s3:// URI. */
export function tryParseS3Uri(uri: string): S3Location | undefined {
  try {
    return parseS3Uri(uri);
  } catch {
    return undefined;
  }
}

/** A key prefix as stores use it: no leading or trailing slashes ('' for none). */
export const trimPrefix = (prefix: string): string => prefix.replace(/^\/+|\/+$/g, '');
