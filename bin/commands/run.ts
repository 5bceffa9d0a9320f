import { resolve } from 'node:path';
import { keys } from '../../core/engine/keys.js';
import { createSearch, type SearchState } from '../../core/engine/steps.js';
import { getJson } from '../../core/store/json.js';
import { newSearchId } from '../../lambdas/lib/api.js';
import { s3Reader } from '../../lambdas/lib/context.js';
import { openStore } from '../../lambdas/store/open-store.js';
import { runLocalExecution } from '../../local/runner.js';
import { type Command, parseFlags, printUsage, UsageError } from '../cli.js';
import { loadSpecFile } from './spec-file.js';

export const command: Command = {
  name: 'run',
  summary: 'Run a search locally through the synthesized state machine (no path: the built-in example).',
  usage: 'cosearch run [SPEC.json] [--store URI] [--json]',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      store: { type: 'string', default: 'file://./runs' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      printUsage(this);
      return 0;
    }
    if (positionals.length > 1)
      throw new UsageError(`expected at most one spec file, got ${positionals.length}`);
    const spec = await loadSpecFile(positionals[0]);
    let store: ReturnType<typeof openStore>;
    try {
      store = openStore(values.store);
    } catch (e) {
      throw new UsageError(`--store: ${(e as Error).message}`);
    }
    const searchId = newSearchId(Date.now());
    const log = (line: string) => {
      if (!values.json) process.stdout.write(`${line}\n`);
    };
    await createSearch(store, spec, searchId);
    log(
      `search ${searchId}: ${spec.strategy.name}, ${spec.strategy.iterations} iterations × ${spec.strategy.batchSize} candidates, dataset ${spec.dataset.uri}, store ${store.uri}`,
    );
    const t0 = performance.now();
    const ctx = { store, readBytes: s3Reader() };
    const exec = await runLocalExecution(ctx, searchId, {
      onEvent: (e) => {
        if (e.type !== 'StateExited' || e.state?.name !== 'UpdatePolicy') return;
        void getJson<SearchState>(store, keys.state(searchId)).then((s) =>
          log(
            `  iteration ${s.iteration}/${s.iterations}: ${s.candidatesEvaluated} evaluated (${s.trained} trained, ${s.infeasible} infeasible, ${s.failed} failed, ${s.cached} cached), best reward ${s.bestReward?.toFixed(4) ?? '-'}  [${((performance.now() - t0) / 1000).toFixed(1)} s]`,
          ),
        );
      },
    });
    const results = await getJson<{ paretoFront: unknown[]; candidatesEvaluated: number; status: string }>(
      store,
      keys.results(searchId),
    );
    const where = store.uri.startsWith('file://')
      ? resolve(store.uri.slice('file://'.length), keys.results(searchId))
      : `${store.uri}/${keys.results(searchId)}`;
    if (values.json)
      process.stdout.write(
        `${JSON.stringify({ searchId, results: where, events: exec.events, ...results })}\n`,
      );
    else
      log(
        `done in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${results.status}, ${results.candidatesEvaluated} candidates evaluated, Pareto front of ${results.paretoFront.length}\nresults: ${where}`,
      );
    return 0;
  },
};
