// A step's error as Step Functions carries it: the name kept, the message capped, no stack, so a
// Map of 100 failing children stays far below the 256 KiB payload limit.
import type { Context } from 'aws-lambda';
import { expect, it } from 'vitest';
import { FileStore } from '../../../core/store/file-store.js';
import { InitEvent } from '../../../lambdas/lib/events.js';
import { MAX_ERROR_MESSAGE, stepHandler } from '../../../lambdas/lib/step-handler.js';

it('keeps the name, caps the message and drops the stack', async () => {
  const h = stepHandler(
    InitEvent,
    async () => {
      throw Object.assign(new Error(`cannot read searches/s1/state.json: ${'x'.repeat(10_000)}`), {
        name: 'CorruptObjectError',
      });
    },
    () => ({ store: new FileStore('/nonexistent-cosearch') }),
  );
  const e = (await h({ searchId: 's1-abc' }, {} as Context).catch((x: unknown) => x)) as Error;
  expect(e.name).toBe('CorruptObjectError');
  expect(e.message.length).toBe(MAX_ERROR_MESSAGE);
  expect(e.message.startsWith('cannot read searches/s1/state.json: xxx')).toBe(true);
  expect(e.stack).toBe('CorruptObjectError');
  // What Lambda puts in the Cause (errorType, errorMessage, trace from the stack), times 100 children.
  const cause = JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: e.stack!.split('\n') });
  expect(100 * (cause.length + 200)).toBeLessThan(256 * 1024 * 0.5);
});
