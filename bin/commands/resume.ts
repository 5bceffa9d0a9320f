import { keys } from '../../core/engine/keys.js';
import { type Command, parseFlags, printUsage, UsageError } from '../cli.js';
import { DRIVE_OPTIONS, driveSearch, workersFlag } from './run.js';
import { openStoreFlag, searchIdArg } from './store-flag.js';

export const command: Command = {
  name: 'resume',
  summary: 'Continue a stopped or interrupted search from its last complete iteration.',
  usage: 'cosearch resume SEARCH_ID [--store URI] [--workers N] [--json]',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, DRIVE_OPTIONS);
    if (values.help) {
      printUsage(this);
      return 0;
    }
    const id = searchIdArg(positionals);
    const store = openStoreFlag(values.store);
    if (!(await store.tryGet(keys.spec(id)))) throw new UsageError(`no search ${id} in ${store.uri}`);
    // A resumed search is wanted again: clear a stop flag left by Ctrl-C.
    await store.delete(keys.stop(id));
    return driveSearch(store, id, values.json === true, workersFlag(values.workers));
  },
};
