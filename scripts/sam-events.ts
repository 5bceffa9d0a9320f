// Regenerates events/*.json: one realistic event per Lambda, recorded from a real local run of
// the SAM example search (fixed spec and seed, so the ids in the events stay valid).
// Usage: npx tsx scripts/sam-events.ts
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSearch } from '../core/engine/create.js';
import { FileStore } from '../core/store/file-store.js';
import { HANDLERS } from '../infra/handlers.js';
import { localDefinition } from '../local/definition.js';
import { localHandlers, runLocalExecution } from '../local/runner.js';
import { SAM_AUTOHAS_ID, SAM_SEARCH_ID, samAutohasSpec, samSpec } from './sam-spec.js';

const fileOf = (handler: string) =>
  HANDLERS[handler as keyof typeof HANDLERS].split('/').pop()!.replace('.ts', '');

export async function recordEvents(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'cosearch-sam-'));
  try {
    const store = new FileStore(dir);
    await createSearch(store, samSpec(), SAM_SEARCH_ID);
    await createSearch(store, samAutohasSpec(), SAM_AUTOHAS_ID);
    const def = localDefinition();
    const events: Record<string, unknown> = {};
    // Record exactly what each handler receives (after the Task's Parameters).
    const real = localHandlers({ store });
    const recording = Object.fromEntries(
      Object.entries(real).map(([name, h]) => [
        name,
        async (input: Parameters<typeof h>[0]) => {
          events[name] ??= input;
          return h(input);
        },
      ]),
    );
    // The AutoHAS search adds SupernetChunk's event; the other steps keep the first search's.
    for (const id of [SAM_SEARCH_ID, SAM_AUTOHAS_ID])
      await runLocalExecution({ store }, id, { definition: def, handlers: recording });
    return events;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const events = await recordEvents();
  for (const [handler, input] of Object.entries(events))
    await writeFile(`events/${fileOf(handler)}.json`, `${JSON.stringify(input, null, 2)}\n`);
  process.stdout.write(`wrote ${Object.keys(events).length} step events\n`);
}
