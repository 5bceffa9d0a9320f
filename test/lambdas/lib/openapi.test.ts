// The generated OpenAPI document passes Redocly's recommended lint with no errors, and none of
// the problems it once had (no servers, no operationIds, a repeated anyOf member) comes back even
// as a warning. Redocly runs on the document as generated, not on the copy in docs/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dedupeAnyOf, openApiText } from '../../../lambdas/lib/openapi.js';

const CLI = fileURLToPath(new URL('../../../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cosearch-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** Runs `redocly lint --format=json`; undefined, with the reason, when the binary cannot run. */
function lint(file: string): { report?: LintReport; reason?: string } {
  if (!existsSync(CLI)) return { reason: `@redocly/cli is not installed (${CLI}); run npm ci` };
  const r = spawnSync(process.execPath, [CLI, 'lint', '--format=json', file], {
    encoding: 'utf8',
    timeout: 120_000,
    // No usage telemetry and no update check: the lint must not reach out.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (r.error) return { reason: `@redocly/cli cannot run: ${r.error.message}` };
  try {
    return { report: JSON.parse(r.stdout) as LintReport };
  } catch {
    throw new Error(`redocly lint printed no JSON report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

describe('docs/openapi.json under redocly lint', () => {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, openApiText());
  const { report, reason } = lint(file);

  it.skipIf(!report)(`has no errors${reason ? ` (skipped: ${reason})` : ''}`, () => {
    const errors = report!.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    expect(report!.totals.errors).toBe(0);
  });

  it.skipIf(!report)('no longer lacks servers or operationIds, or repeats an anyOf member', () => {
    const rules = new Set(report!.problems.map((p) => p.ruleId));
    for (const r of ['no-empty-servers', 'operation-operationId', 'no-illogical-composition-keywords'])
      expect([r, rules.has(r)]).toEqual([r, false]);
  });

  it.skipIf(!report)('catches a broken document (the lint really runs)', () => {
    const broken = JSON.parse(openApiText()) as { servers?: unknown; paths: Record<string, object> };
    delete broken.servers;
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, JSON.stringify(broken));
    const r = lint(bad).report!;
    expect(r.totals.errors).toBeGreaterThan(0);
    expect(r.problems.map((p) => p.ruleId)).toContain('no-empty-servers');
  });
});

describe('dedupeAnyOf', () => {
  it('drops repeated members, and unwraps a single one left, at any depth', () => {
    const int = (max: number) => ({ type: 'integer', minimum: 1, maximum: max });
    expect(
      dedupeAnyOf({
        shape: { type: 'array', items: { anyOf: [int(512), int(512), int(16)] } },
        same: { description: 'x', anyOf: [int(4), int(4)] },
        list: [{ anyOf: [int(1), int(2)] }],
      }),
    ).toEqual({
      shape: { type: 'array', items: { anyOf: [int(512), int(16)] } },
      same: { description: 'x', ...int(4) },
      list: [{ anyOf: [int(1), int(2)] }],
    });
  });
});
