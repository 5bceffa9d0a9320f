// The Lambda handlers the stack deploys, by name. The local runner uses the same table to
// map each function of the synthesized template back to its handler module.
export const HANDLERS = {
  init: 'lambdas/handlers/init.ts',
  sampleCandidates: 'lambdas/handlers/sample-candidates.ts',
  simulateAccelerator: 'lambdas/handlers/simulate-accelerator.ts',
  trainChild: 'lambdas/handlers/train-child.ts',
  updatePolicy: 'lambdas/handlers/update-policy.ts',
  finalize: 'lambdas/handlers/finalize.ts',
  supernetChunk: 'lambdas/handlers/supernet-chunk.ts',
  markFailed: 'lambdas/handlers/mark-failed.ts',
  api: 'lambdas/handlers/api.ts',
} as const;

export type HandlerName = keyof typeof HANDLERS;

/** CloudFormation metadata key that names a function's handler in the template. */
export const HANDLER_METADATA_KEY = 'cosearch:handler';
