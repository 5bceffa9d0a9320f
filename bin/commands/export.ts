// `cosearch export`: a search's trials for the tools people use (a spreadsheet, Optuna, MLflow).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { keys } from '../../core/engine/keys.js';
import { collectSearch } from '../../core/export/collect.js';
import { mlflowRuns } from '../../core/export/mlflow.js';
import { optunaJournal } from '../../core/export/optuna.js';
import { trialsCsv } from '../../core/export/trials.js';
import { type Command, parseFlags, UsageError } from '../cli.js';
import { openStoreFlag, searchIdArg, storeOption } from './store-flag.js';

const FORMATS = ['csv', 'optuna', 'mlflow'] as const;

const FLAGS = {
  ...storeOption,
  format: {
    type: 'string',
    value: 'FORMAT',
    choices: FORMATS,
    default: 'csv',
    description:
      'csv: one row per trial; optuna: an Optuna JournalStorage file; mlflow: an MLflow runs directory',
  },
  out: {
    type: 'string',
    value: 'PATH',
    defaultText: 'csv: stdout; optuna: SEARCH_ID.optuna.log; mlflow: ./mlruns',
    description: 'where to write (a file, or the mlruns directory for mlflow)',
  },
} as const;

const EXAMPLE_ID = 's20250101120000-1a2b3c4d';

export const command: Command = {
  name: 'export',
  summary: 'Export every trial of a search: a CSV, an Optuna study (JournalStorage) or MLflow runs.',
  usage: 'cosearch export SEARCH_ID [--format csv|optuna|mlflow] [--out PATH] [--store URI]',
  args: [{ name: 'SEARCH_ID', required: true, description: 'a search with results (see `cosearch ls`)' }],
  flags: FLAGS,
  examples: [
    [`cosearch export ${EXAMPLE_ID} > trials.csv`, 'every trial, a column per decision'],
    [`cosearch export ${EXAMPLE_ID} --format optuna`, 'then: optuna-dashboard ./ID.optuna.log'],
    [
      `cosearch export ${EXAMPLE_ID} --format mlflow --out mlruns`,
      'then: mlflow ui --backend-store-uri ./mlruns',
    ],
  ],
  details:
    'Optuna: one multi-objective study named SEARCH_ID (accuracy max; latency, energy, area min), every\n' +
    'decision a categorical parameter, the loss curve as intermediate values; Optuna ≥ 3.1 reads it with\n' +
    'optuna.load_study(study_name=ID, storage=JournalStorage(JournalFileStorage(PATH))).\n' +
    'MLflow: one experiment "cosearch-ID", one run per trial with params, metrics (training_loss per\n' +
    'step), tags and a candidate.json artifact. Trials have no wall-clock times of their own: each\n' +
    'starts when the search started and lasts its training time.',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS);
    const store = await openStoreFlag(values.store, 'read');
    const id = searchIdArg(positionals);
    if (!(await store.tryGet(keys.spec(id)))) throw new UsageError(`no search ${id} in ${store.uri}`);
    const x = await collectSearch(store, id);
    if (!x)
      throw new UsageError(`search ${id} has no results yet: export it when it has finished or stopped`);
    const say = (line: string) => process.stderr.write(`${line}\n`);
    switch (values.format) {
      case 'csv': {
        const text = trialsCsv(x.rows);
        if (values.out === undefined) process.stdout.write(text);
        else {
          await writeFile(values.out, text);
          say(`${x.rows.length} trials written to ${values.out}`);
        }
        return 0;
      }
      case 'optuna': {
        const out = values.out ?? `${id}.optuna.log`;
        await writeFile(out, optunaJournal(x));
        say(`study "${id}" with ${x.rows.length} trials written to ${out} (an Optuna JournalStorage file)`);
        say(`  optuna-dashboard ${out}`);
        say(
          `  python3 -c "import optuna; s = optuna.load_study(study_name='${id}', storage=optuna.storages.JournalStorage(optuna.storages.JournalFileStorage('${out}'))); print(s.trials_dataframe())"`,
        );
        return 0;
      }
      default: {
        const dir = resolve(values.out ?? 'mlruns');
        const files = mlflowRuns(x, pathToFileURL(dir).href);
        for (const f of files) {
          const path = join(dir, f.path);
          await mkdir(dirname(path), { recursive: true });
          await writeFile(path, f.content);
        }
        // MLflow's file store expects its default experiment beside the others.
        const defaultMeta = join(dir, '0', 'meta.yaml');
        await mkdir(dirname(defaultMeta), { recursive: true });
        await writeFile(
          defaultMeta,
          `artifact_location: ${pathToFileURL(join(dir, '0')).href}\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n`,
          { flag: 'wx' },
        ).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'EEXIST') throw e;
        });
        say(`experiment "cosearch-${id}" with ${x.rows.length} runs written to ${dir}`);
        say(`  mlflow ui --backend-store-uri ${dir}`);
        return 0;
      }
    }
  },
};
