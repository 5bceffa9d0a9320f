import { LOCAL_API_PORT } from '../../lambdas/lib/routes.js';
import { DEFAULT_MAX_SEARCHES, DEFAULT_SERVE_WORKERS, serve } from '../../local/api-server.js';
import { type Command, parseFlags, positiveInt } from '../cli.js';
import { workersFlag } from './run.js';
import { openStoreFlag, storeOption } from './store-flag.js';

const SERVE_FLAGS = {
  ...storeOption,
  port: { type: 'string', value: 'N', default: String(LOCAL_API_PORT), description: 'TCP port on 127.0.0.1' },
  workers: {
    type: 'string',
    value: 'N',
    default: String(DEFAULT_SERVE_WORKERS),
    description:
      'training threads shared by all running searches (each holds tfjs and a dataset); 0 trains in the server',
  },
  'max-searches': {
    type: 'string',
    value: 'N',
    default: String(DEFAULT_MAX_SEARCHES),
    description: 'searches run at once; more POST /searches answer 429',
  },
} as const;

export const command: Command = {
  name: 'serve',
  summary: 'Serve the REST API on 127.0.0.1, running searches locally (no SigV4: loopback only).',
  usage: 'cosearch serve [--port N] [--store URI] [--workers N] [--max-searches N]',
  flags: SERVE_FLAGS,
  examples: [
    ['cosearch serve', `the API on http://127.0.0.1:${LOCAL_API_PORT} over ./runs`],
    [
      `curl -X POST http://127.0.0.1:${LOCAL_API_PORT}/searches -d '{}'`,
      'then start a search from another shell',
    ],
  ],
  async run(argv) {
    const { values } = parseFlags(argv, SERVE_FLAGS, false);
    const port = positiveInt('port', values.port, 65_535) ?? LOCAL_API_PORT;
    const workers = workersFlag(values.workers);
    const maxSearches = positiveInt('max-searches', values['max-searches'], 64);
    const store = await openStoreFlag(values.store, 'write');
    const s = await serve({
      store,
      port,
      ...(workers !== undefined ? { workers } : {}),
      ...(maxSearches !== undefined ? { maxSearches } : {}),
      log: (l) => process.stdout.write(`${l}\n`),
    });
    process.stdout.write(
      `cosearch API on ${s.url} (store ${store.uri}); try: curl -X POST ${s.url}/searches -d '{}'\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await s.close();
    return 0;
  },
};
