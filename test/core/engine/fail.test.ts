import { describe, expect, it } from 'vitest';
import { describeFailure, failureText, locationIn, MAX_FAILURE_MESSAGE } from '../../../core/engine/fail.js';

describe('describeFailure', () => {
  it("reads Lambda's JSON cause: type and message, the trace dropped, the key found", () => {
    const cause = JSON.stringify({
      errorType: 'CorruptObjectError',
      errorMessage: 'corrupt object: searches/s1/state.json in s3://bkt: it is empty',
      trace: ['CorruptObjectError: corrupt object', '    at getJson (file:///var/task/index.mjs:1:1)'],
    });
    expect(describeFailure('CorruptObjectError', cause)).toEqual({
      error: 'CorruptObjectError',
      message: 'corrupt object: searches/s1/state.json in s3://bkt: it is empty',
      key: 'searches/s1/state.json',
    });
  });

  it('takes plain-text causes as they are, and names files and S3 objects', () => {
    expect(describeFailure('DatasetError', 'cannot read dataset file:///data/x.csv: ENOENT')).toEqual({
      error: 'DatasetError',
      message: 'cannot read dataset file:///data/x.csv: ENOENT',
      key: 'file:///data/x.csv',
    });
    expect(locationIn('cannot read s3://bkt/datasets/a.csv (AccessDenied)')).toBe('s3://bkt/datasets/a.csv');
    expect(describeFailure('States.Timeout', undefined)).toEqual({
      error: 'States.Timeout',
      message: 'no cause given',
    });
  });

  it('records throttling distinctly, and caps long messages', () => {
    const t = describeFailure('Lambda.TooManyRequestsException', 'Rate Exceeded.');
    expect(t.error).toBe('Throttled');
    expect(failureText(t)).toBe(
      'Throttled: Lambda.TooManyRequestsException after every retry (Lambda concurrency exhausted): Rate Exceeded.',
    );
    expect(describeFailure('Error', 'x'.repeat(5000)).message).toHaveLength(MAX_FAILURE_MESSAGE);
  });
});
