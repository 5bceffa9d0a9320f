import { estimateCost } from '../../core/cost/model.js';
import { hashOf } from '../../core/hash.js';
import { SearchSpace } from '../../core/space/encoding.js';
import type { SpecIssue } from '../../core/spec/parse.js';
import { searchPlan } from '../../core/spec/plan.js';
import { type Command, EXIT_BAD_INPUT, parseFlags, UsageError } from '../cli.js';
import { checkSpecDataset, describeCheck } from './dataset-check.js';
import { loadRunnableSpec, SpecProblems } from './spec-file.js';

const FLAGS = {
  json: {
    type: 'boolean',
    description: 'print {valid: true, ...summary} or {valid: false, problems: [{path, message}]} on stdout',
  },
} as const;

/** The problems of a refused spec as JSON paths and messages; a dataset problem is under $.dataset. */
function problemsOf(e: UsageError): SpecIssue[] {
  if (e instanceof SpecProblems) return e.issues;
  return [{ path: e.message.startsWith('bad dataset:') ? '$.dataset' : '$', message: e.message }];
}

export const command: Command = {
  name: 'validate',
  summary: 'Validate a search spec; exit 0 when valid, 2 with every problem and its JSON path when not.',
  usage: 'cosearch validate [SPEC.json] [--json]',
  args: [{ name: 'SPEC.json', description: 'the spec to check (default: the built-in example)' }],
  flags: FLAGS,
  examples: [
    ['cosearch validate spec.json', 'every problem with its JSON path, or a summary'],
    ['cosearch validate spec.json --json | jq .problems', 'problems as JSON (exit 2 when invalid)'],
  ],
  details:
    'Checks the dataset too (its files, shape, labels and sizes). An unknown field gets the closest\nallowed name; a bad choice lists the allowed values. Exit 0 when valid, 2 when not.',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS);
    if (positionals.length > 1)
      throw new UsageError(`expected at most one spec file, got ${positionals.length}`);
    const file = positionals[0];
    try {
      const spec = await loadRunnableSpec(file);
      const dataset = await checkSpecDataset(spec.dataset);
      const space = new SearchSpace(spec);
      const plan = searchPlan(spec);
      const { supernet } = plan;
      const summary = {
        valid: true,
        specHash: hashOf(spec),
        decisions: space.decisions.length,
        log10SpaceSize: Number(space.log10Size.toFixed(2)),
        maxCandidates: plan.maxCandidates,
        ...(supernet ? { supernetSteps: supernet.steps } : {}),
        estimatedUSD: estimateCost(spec).totalUSD,
        dataset,
      };
      if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `${file ?? 'built-in example'}: valid (spec hash ${summary.specHash}, ${summary.decisions} decisions, ~10^${summary.log10SpaceSize} candidates, at most ${summary.maxCandidates} evaluated${supernet ? ` after a supernet of ${supernet.steps} steps` : ''})\ndataset ${describeCheck(dataset)}\nestimated AWS cost: at most $${summary.estimatedUSD.toFixed(4)} (zip trainer; budget $${spec.budget.maxUSD})\n`,
        );
      return 0;
    } catch (e) {
      if (!(values.json && e instanceof UsageError)) throw e;
      // --json: the problems go to stdout as data, so scripts and editors need not parse stderr.
      process.stdout.write(
        `${JSON.stringify({ valid: false, ...(file ? { file } : {}), problems: problemsOf(e) })}\n`,
      );
      return EXIT_BAD_INPUT;
    }
  },
};
