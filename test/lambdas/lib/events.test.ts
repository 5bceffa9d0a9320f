// The payloads that carry failures: a child's caught error becomes one reason line, and
// MarkFailed accepts both the state machine's Catch and EventBridge's status-change event.
import { describe, expect, it } from 'vitest';
import { MarkFailedEvent, UpdateEvent } from '../../../lambdas/lib/events.js';

const cid = '0123456789abcdef';

describe('UpdateEvent', () => {
  it("turns a failed child's Error and Cause into one reason with the message", () => {
    const cause = JSON.stringify({
      errorType: 'DatasetError',
      errorMessage: 'cannot read dataset s3://bkt/datasets/gone.csv: NoSuchKey',
      trace: ['DatasetError: cannot read dataset', '    at x'],
    });
    const e = UpdateEvent.parse({
      searchId: 's1-abc',
      iteration: 1,
      children: [
        { cid, status: 'failed', error: 'DatasetError', failure: { Error: 'DatasetError', Cause: cause } },
        { cid: 'fedcba9876543210', status: 'ok' },
        { cid: 'aaaaaaaaaaaaaaaa', status: 'failed', error: 'States.Timeout' },
      ],
    });
    expect(e.children).toEqual([
      {
        cid,
        status: 'failed',
        error: 'DatasetError: cannot read dataset s3://bkt/datasets/gone.csv: NoSuchKey',
      },
      { cid: 'fedcba9876543210', status: 'ok' },
      // No cause to add: the name stays as it was.
      { cid: 'aaaaaaaaaaaaaaaa', status: 'failed', error: 'States.Timeout' },
    ]);
  });
});

describe('MarkFailedEvent', () => {
  it("takes the Catch's error object", () => {
    expect(
      MarkFailedEvent.parse({ searchId: 's1-abc', error: { Error: 'States.Runtime', Cause: 'bad path' } }),
    ).toEqual({ searchId: 's1-abc', error: 'States.Runtime', cause: 'bad path' });
  });

  it("takes EventBridge's execution status change, the search id from the execution input", () => {
    const event = {
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: {
        executionArn: 'arn:aws:states:eu-west-1:1:execution:Cosearch-search-loop:s1-abc-i10',
        name: 's1-abc-i10',
        status: 'TIMED_OUT',
        input: '{"searchId":"s1-abc","iteration":10}',
        error: null,
        cause: null,
      },
    };
    expect(MarkFailedEvent.parse(event)).toEqual({
      searchId: 's1-abc',
      error: 'States.Timeout',
      cause: 'execution s1-abc-i10 ended TIMED_OUT',
    });
    const bad = { ...event, detail: { ...event.detail, input: '{"searchId":"../x"}' } };
    expect(MarkFailedEvent.safeParse(bad).success).toBe(false);
  });
});
