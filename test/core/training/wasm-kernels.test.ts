// The committed WebAssembly module: intact, and exactly what its sources build.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WASM_BASE64, WASM_SHA256 } from '../../../core/training/kernels/wasm-binary.js';
import { buildWasm, committedWasm, compilerVersion, WASM_TS } from '../../../scripts/build-wasm.js';

/** The compiler the committed module was built with, as its header names it. */
const recorded = /\(([^)]*clang version [^)]*)\)/.exec(readFileSync(WASM_TS, 'utf8').split('\n')[0]!)?.[1];
let compiler: string | undefined;
try {
  compiler = compilerVersion();
} catch {
  compiler = undefined;
}

describe('wasm-binary.ts', () => {
  it('holds the bytes its checksum names', () => {
    const bytes = Buffer.from(WASM_BASE64, 'base64');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(WASM_SHA256);
    expect(committedWasm().equals(bytes)).toBe(true);
  });

  // CI installs clang and lld (.ci/run); elsewhere, without the same compiler, the bytes would differ.
  it.skipIf(compiler !== recorded)(
    `is what the sources build (needs ${recorded}; here: ${compiler ?? 'no clang'})`,
    () => {
      expect(buildWasm().equals(committedWasm())).toBe(true);
    },
    120_000,
  );
});
