// The payloads between states: ids and keys only, never data.
import { z } from 'zod';
import { SEARCH_ID_PATTERN } from '../../core/engine/keys.js';

export const SearchId = z.string().regex(SEARCH_ID_PATTERN, { message: 'invalid search id' });
export const Cid = z.string().regex(/^[0-9a-f]{16}$/, { message: 'invalid candidate id' });
export const Iteration = z.number().int().min(1).max(100_000);

export const InitEvent = z.object({ searchId: SearchId });
export const IterationEvent = z.object({ searchId: SearchId, iteration: Iteration });
export const CandidateEvent = z.object({ searchId: SearchId, iteration: Iteration, cid: Cid });
export const UpdateEvent = z.object({
  searchId: SearchId,
  iteration: Iteration,
  children: z
    .array(z.object({ cid: Cid, status: z.string().max(32), error: z.string().max(256).optional() }).loose())
    .max(10_000),
});
export const FinalizeEvent = z.object({ searchId: SearchId });
