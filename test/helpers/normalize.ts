// Two runs of the same spec and seed compare equal once what measures time, or names paths, is gone.

/** Fields that measure time (actualUSD is priced from measured seconds), and ones that name paths. */
export const RUN_SPECIFIC_FIELDS = new Set([
  'trainSeconds',
  'examplesPerSec',
  'actualUSD',
  'updatedAt',
  'searchId',
  'modelPrefix',
]);

/** A deep copy without the run-specific fields. */
export function withoutRunSpecific(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutRunSpecific);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !RUN_SPECIFIC_FIELDS.has(k))
        .map(([k, x]) => [k, withoutRunSpecific(x)]),
    );
  return v;
}
