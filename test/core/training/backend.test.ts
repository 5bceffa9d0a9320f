import { afterAll, describe, expect, it } from 'vitest';
import { backendChoiceFromEnv, initBackend, tf } from '../../../core/training/backend.js';
import '../../../core/training/kernels/index.js';

afterAll(async () => {
  await initBackend('cpu');
});

describe('initBackend', () => {
  it('auto picks tfjs-node when it loads, else the cpu backend with fast kernels, and says why', async () => {
    const info = await initBackend('auto');
    if (info.name === 'tensorflow') expect(tf.getBackend()).toBe('tensorflow');
    else {
      expect(info.name).toMatch(/^cpu\+(native|wasm)$/);
      expect(tf.getBackend()).toBe('cpu');
      expect(info.notes.join()).toMatch(/tfjs-node unavailable/);
    }
  });

  it('cpu is the plain backend; tensorflow fails clearly where the binding is missing', async () => {
    expect((await initBackend('cpu')).name).toBe('cpu');
    const patched = tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc;
    for (const name of ['cpu+js', 'cpu+wasm'] as const) {
      expect((await initBackend(name)).name).toBe(name);
      expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).not.toBe(patched);
    }
    expect((await initBackend('cpu')).name).toBe('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBe(patched);
    const node = await initBackend('tensorflow').then(
      (i) => i.name,
      (e: Error) => e.message,
    );
    expect(node === 'tensorflow' || /tfjs-node is not usable here/.test(node)).toBe(true);
  });

  it('refuses an unknown COSEARCH_BACKEND instead of silently taking auto', () => {
    expect(backendChoiceFromEnv({})).toBe('auto');
    expect(backendChoiceFromEnv({ COSEARCH_BACKEND: 'cpu+js' })).toBe('cpu+js');
    expect(() => backendChoiceFromEnv({ COSEARCH_BACKEND: 'cpu-fast' })).toThrow(
      /COSEARCH_BACKEND must be one of/,
    );
  });
});
