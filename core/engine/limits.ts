// The loop's shape, shared by the engine, the cost model and the state machine (infra). No
// imports: `cdk synth` reads these without loading the trainer.
export const LOOP_LIMITS = {
  /** Batches above this are evaluated by the Distributed Map, which reads the list from S3. */
  inlineMapMaxItems: 100,
  /** Continue-as-new after every this many iterations (the history limit is 25,000 events). */
  iterationsPerExecution: 10,
  /** TrainChild's function timeout: a Lambda runs at most 15 minutes. */
  trainChildTimeoutSeconds: 900,
  /**
   * The most training.maxSeconds may be: one TrainChild invocation also loads data, evaluates
   * and saves within its timeout. Longer children train in chunks (training.stepsPerChunk).
   */
  trainChildMaxSeconds: 840,
} as const;
