// Only backend.ts is imported here: the fast kernels must register themselves on demand, or a
// caller that never imports the trainer (the AutoHAS supernet) silently runs the slow cpu kernels.
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../../core/training/backend.js';

describe('initBackend without the trainer imported', () => {
  it('finds the fast kernel packs', async () => {
    const info = await initBackend('auto');
    expect(info.name).toMatch(/^(tensorflow|cpu\+\w+)$/);
    expect((await initBackend('cpu+js')).name).toBe('cpu+js');
  });
});
