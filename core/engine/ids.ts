// Search ids: the CLI and the API mint them the same way, and neither imports the other for it.
import { randomBytes } from 'node:crypto';

/**
 * A fresh search id: a sortable UTC time part and a random part. Ids are names, not inputs to
 * the search, so the random part does not touch reproducibility (that is the spec's seed).
 */
export function newSearchId(now: number): string {
  const t = new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `s${t}-${randomBytes(4).toString('hex')}`;
}
