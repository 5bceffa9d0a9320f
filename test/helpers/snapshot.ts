import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under root, by relative path. */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[p.slice(root.length)] = await readFile(p, 'utf8');
    }
  };
  await walk(root);
  return out;
}
