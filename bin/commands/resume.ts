import { keys, SEARCH_ID_PATTERN } from '../../core/engine/keys.js';
import { type Command, parseFlags, printUsage, UsageError } from '../cli.js';
import { DRIVE_OPTIONS, driveSearch, workersFlag } from './run.js';
import { openStoreFlag } from './store-flag.js';

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
    const id = positionals[0];
    if (!id || positionals.length > 1) throw new UsageError('give exactly one SEARCH_ID');
    if (!SEARCH_ID_PATTERN.test(id)) throw new UsageError(`invalid search id "${id}"`);
    const store = openStoreFlag(values.store);
    if (!(await store.tryGet(keys.spec(id)))) throw new UsageError(`no search ${id} in ${store.uri}`);
    // A resumed search is wanted again: clear a stop flag left by Ctrl-C.
    await store.delete(keys.stop(id));
    return driveSearch(store, id, values.json === true, workersFlag(values.workers));
  },
};
