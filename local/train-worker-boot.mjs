// Worker entry: registers tsx in this thread (under vitest or a plain node the loader of the
// parent thread is not inherited), then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./train-worker.ts');
