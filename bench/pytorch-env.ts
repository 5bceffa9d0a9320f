// The environment every PyTorch baseline process starts with (trainer and parity benches).
//
// glibc malloc settings: with glibc's defaults, a PyTorch process lands, at random from one start
// to the next, in a mode where the activations' multi-megabyte buffers go back to the kernel when
// freed and are faulted in again at the next step: R1 then runs at 50-100 ms of CPU a step instead
// of 7-10 (measured here: 16 slow of 28 processes; with these settings, 0 of 10). Keeping freed
// memory in the heap gives PyTorch its fast mode every time, so the benches compare against
// PyTorch at its best. They change no result, only speed.
const TORCH_MALLOC_ENV = {
  MALLOC_MMAP_THRESHOLD_: String(32 << 20),
  MALLOC_TRIM_THRESHOLD_: String(1 << 30),
};

/** This process's environment with the baseline's settings and `extra` on top. */
export function pytorchEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...TORCH_MALLOC_ENV, ...extra };
}
