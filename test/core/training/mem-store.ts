// A tiny in-memory Store for trainer tests.
import { AlreadyExistsError, type ListPage, NotFoundError, type Store } from '../../../core/store/store.js';

export class MemStore implements Store {
  readonly uri = 'mem://test';
  readonly objects = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array> {
    const v = this.objects.get(key);
    if (!v) throw new NotFoundError(key);
    return v.slice();
  }
  async tryGet(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.slice();
  }
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body.slice());
  }
  async putIfAbsent(key: string, body: Uint8Array | string): Promise<void> {
    if (this.objects.has(key)) throw new AlreadyExistsError(key);
    await this.put(key, body);
  }
  async list(prefix: string): Promise<ListPage> {
    return { keys: [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort() };
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
}
