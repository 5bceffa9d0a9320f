import { estimateCost } from '../../core/cost/model.js';
import { hashOf } from '../../core/hash.js';
import { SearchSpace } from '../../core/space/encoding.js';
import { searchPlan } from '../../core/spec/plan.js';
import { type Command, parseFlags, printUsage } from '../cli.js';
import { checkSpecDataset, describeCheck } from './dataset-check.js';
import { loadRunnableSpec } from './spec-file.js';

export const command: Command = {
  name: 'validate',
  summary: 'Validate a search spec; exit 0 when valid, 2 with every problem and its JSON path when not.',
  usage: 'cosearch validate [SPEC.json] [--json]',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' } });
    if (values.help) {
      printUsage(this);
      return 0;
    }
    const spec = await loadRunnableSpec(positionals[0]);
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
        `${positionals[0] ?? 'built-in example'}: valid (spec hash ${summary.specHash}, ${summary.decisions} decisions, ~10^${summary.log10SpaceSize} candidates, at most ${summary.maxCandidates} evaluated${supernet ? ` after a supernet of ${supernet.steps} steps` : ''})\ndataset ${describeCheck(dataset)}\nestimated AWS cost: at most $${summary.estimatedUSD.toFixed(4)} (zip trainer; budget $${spec.budget.maxUSD})\n`,
      );
    return 0;
  },
};
