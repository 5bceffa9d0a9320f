import { describe, expect, it } from 'vitest';
import { InvalidS3UriError, parseS3Uri, trimPrefix, tryParseS3Uri } from '../../../core/store/s3-uri.js';

describe('parseS3Uri', () => {
  it('splits bucket and key as written', () => {
    expect(parseS3Uri('s3://my-bucket')).toEqual({ bucket: 'my-bucket', key: '' });
    expect(parseS3Uri('s3://my-bucket/')).toEqual({ bucket: 'my-bucket', key: '' });
    expect(parseS3Uri('s3://my.bucket/a/b.csv')).toEqual({ bucket: 'my.bucket', key: 'a/b.csv' });
    expect(parseS3Uri('s3://b12/runs/')).toEqual({ bucket: 'b12', key: 'runs/' });
  });

  it('names the URI and the problem when it cannot', () => {
    expect(() => parseS3Uri('file:///x')).toThrow(/"file:\/\/\/x": it does not start with s3:\/\//);
    expect(() => parseS3Uri('s3://Bad_Bucket/x')).toThrow(/"Bad_Bucket" is not a valid bucket name/);
    expect(() => parseS3Uri('s3://')).toThrow(InvalidS3UriError);
    expect(() => parseS3Uri('s3://bucket-a', { requireKey: true })).toThrow(/names no object/);
    expect(() => parseS3Uri('s3://bucket-a/', { requireKey: true })).toThrow(/names no object/);
  });

  it('tryParseS3Uri is undefined for anything else', () => {
    expect(tryParseS3Uri('builtin:digits')).toBeUndefined();
    expect(tryParseS3Uri('s3://x')).toBeUndefined();
    expect(tryParseS3Uri('s3://bucket-a/k')).toEqual({ bucket: 'bucket-a', key: 'k' });
  });

  it('trims prefixes the way stores use them', () => {
    expect(trimPrefix('/a/b/')).toBe('a/b');
    expect(trimPrefix('')).toBe('');
  });
});
