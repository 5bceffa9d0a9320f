// `npx tsx native/build.ts`: compile the optional native kernels now rather than on first use.
import { buildNative } from '../core/training/kernels/native.js';

try {
  process.stdout.write(`built ${buildNative()}\n`);
} catch (e) {
  const err = e as Error & { stderr?: Buffer };
  process.stderr.write(
    `native kernels not built (the JS kernels will be used): ${err.stderr ?? err.message}\n`,
  );
  process.exitCode = 1;
}
