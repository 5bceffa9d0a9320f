// Each state-machine step: the schema of its event and the core function it calls.
import { supernetChunk } from '../../core/engine/autohas.js';
import { markFailed } from '../../core/engine/fail.js';
import { finalizeSearch } from '../../core/engine/finalize.js';
import { initSearch } from '../../core/engine/init.js';
import { sampleCandidates } from '../../core/engine/sample.js';
import { simulateCandidate } from '../../core/engine/simulate.js';
import { trainCandidate } from '../../core/engine/train.js';
import { updatePolicy } from '../../core/engine/update.js';
import {
  CandidateEvent,
  FinalizeEvent,
  InitEvent,
  IterationEvent,
  MarkFailedEvent,
  UpdateEvent,
} from './events.js';

export const STEPS = {
  init: { event: InitEvent, step: initSearch },
  sampleCandidates: { event: IterationEvent, step: sampleCandidates },
  simulateAccelerator: { event: CandidateEvent, step: simulateCandidate },
  trainChild: { event: CandidateEvent, step: trainCandidate },
  updatePolicy: { event: UpdateEvent, step: updatePolicy },
  finalize: { event: FinalizeEvent, step: finalizeSearch },
  supernetChunk: { event: InitEvent, step: supernetChunk },
  markFailed: { event: MarkFailedEvent, step: markFailed },
} as const;

export type StepName = keyof typeof STEPS;
