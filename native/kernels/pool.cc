// The kernels' fork-join pool, shared by the native addon and the WebAssembly module. Helper
// threads are started once (natively here, in WebAssembly by the JS side as worker threads that
// call cs_helper) and then wait for jobs; a kernel call publishes a job, takes pieces itself, and
// returns once every piece is done. Pieces are claimed from a counter, so a thread slowed by
// another process simply takes fewer.
//
// Protocol (all atomics sequentially consistent): `gen` is even while a job is published and odd
// while the caller rewrites it; a helper counts itself into `active`, re-checks `gen` and only then
// reads the job, and the caller rewrites a job only once `active` is 0. So a helper never reads a
// half-written job, and never runs a piece of the wrong one.
#include "common.h"

#if !defined(__wasm__)
#include <stdlib.h>

#include <thread>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#else
#include <chrono>
#endif
#endif

namespace cosearch {

namespace {

inline int32_t ld(const int32_t* p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
inline void st(int32_t* p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
inline int32_t add(int32_t* p, int32_t v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }

inline void relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

// Blocks while *p == v (may return early); wakes every thread blocked on p.
void block(int32_t* p, int32_t v) {
#if defined(__wasm__)
  __builtin_wasm_memory_atomic_wait32(p, v, -1);
#elif defined(__linux__)
  syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE, v, nullptr, nullptr, 0);
#else
  if (ld(p) == v) std::this_thread::sleep_for(std::chrono::microseconds(20));
#endif
}
void wake(int32_t* p) {
#if defined(__wasm__)
  __builtin_wasm_memory_atomic_notify(p, ~0u);
#elif defined(__linux__)
  syscall(SYS_futex, p, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
#else
  (void)p;
#endif
}

// Polls a while before blocking: kernels come back to back within a step, and a futex round
// trip costs more than most gaps between them.
constexpr int kSpins = 1 << 14;

struct Pool {
  int32_t lock;        // 1 while a caller owns the pool (the native addon is shared by JS threads)
  int32_t gen;         // even: a job is published; odd: the caller is writing the next
  int32_t active;      // helpers inside the current job
  int32_t tickets;     // helpers that joined the current job
  int32_t maxHelpers;  // how many may join it
  int32_t next, done, pieces;
  int32_t genSleepers, doneSleepers, activeSleepers;
  void (*fn)(void*, int);
  void* ctx;
  int32_t threads;       // the count the kernels may use, the caller included
  int32_t started;       // helpers running
  int32_t helperPieces;  // pieces the helpers ran, ever (tests check that threads really worked)
};
Pool gPool = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nullptr, nullptr, 1, 0, 0};

// Waits until *p != v, polling first; `sleepers` counts the blocked so that wakers can skip the call.
void waitChange(int32_t* p, int32_t v, int32_t* sleepers) {
  for (int k = 0; k < kSpins; k++) {
    if (ld(p) != v) return;
    relax();
  }
  while (ld(p) == v) {
    add(sleepers, 1);
    block(p, v);
    add(sleepers, -1);
  }
}

void work(Pool& P, bool helper) {
  const int32_t pieces = ld(&P.pieces);
  for (;;) {
    const int32_t i = add(&P.next, 1);
    if (i >= pieces) return;
    P.fn(P.ctx, i);
    if (helper) add(&P.helperPieces, 1);
    if (add(&P.done, 1) == pieces - 1 && ld(&P.doneSleepers) > 0) wake(&P.done);
  }
}

#if !defined(__wasm__)
// Helpers are started when a job first needs them and live as long as the process.
void ensureHelpers(int32_t n) {
  for (int32_t s = ld(&gPool.started); s < n; s = ld(&gPool.started))
    if (__atomic_compare_exchange_n(&gPool.started, &s, s + 1, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
      std::thread(helperLoop).detach();
}
#endif

}  // namespace

void helperLoop() {
  Pool& P = gPool;
  int32_t seen = ld(&P.gen);
  for (;;) {
    const int32_t g = ld(&P.gen);
    if ((g & 1) || g == seen) {
      waitChange(&P.gen, g, &P.genSleepers);
      continue;
    }
    add(&P.active, 1);
    if (ld(&P.gen) == g) {
      seen = g;
      if (add(&P.tickets, 1) < ld(&P.maxHelpers)) work(P, true);
    }
    // Wake the caller only if it sleeps: an unconditional wake was a system call per job (19
    // a step on R1), and kept the helper from the next job meanwhile.
    if (add(&P.active, -1) == 1 && ld(&P.activeSleepers) > 0) wake(&P.active);
  }
}

int threadCount() { return ld(&gPool.threads); }

int setThreadCount(int n) {
  const int32_t prev = ld(&gPool.threads);
  st(&gPool.threads, imax(1, imin(n, 64)));
  return prev;
}

int helpersStarted() { return ld(&gPool.started); }
int helperPieces() { return ld(&gPool.helperPieces); }

#if defined(__wasm__)
void helperStarted() { add(&gPool.started, 1); }
#else
void* scratchAlloc(size_t bytes) {
  void* p = malloc(bytes);
  if (!p) abort();  // the N-API front end cannot unwind a failed kernel; out of memory is fatal anyway
  return p;
}
void scratchFree(void* p) { free(p); }
#endif

void runPieces(int pieces, void (*fn)(void*, int), void* ctx) {
  Pool& P = gPool;
  int32_t helpers = imin(threadCount() - 1, pieces - 1);
#if !defined(__wasm__)
  if (helpers > 0) ensureHelpers(helpers);
#endif
  helpers = imin(helpers, ld(&P.started));
  int32_t unlocked = 0;
  // Busy (another JS thread's call, or a piece calling back in): everything on this thread.
  if (helpers <= 0 || !__atomic_compare_exchange_n(&P.lock, &unlocked, 1, false, __ATOMIC_SEQ_CST,
                                                    __ATOMIC_SEQ_CST)) {
    for (int i = 0; i < pieces; i++) fn(ctx, i);
    return;
  }
  const int32_t g = ld(&P.gen);
  st(&P.gen, g + 1);
  for (int32_t a; (a = ld(&P.active)) != 0;) waitChange(&P.active, a, &P.activeSleepers);
  P.fn = fn;
  P.ctx = ctx;
  st(&P.pieces, pieces);
  st(&P.next, 0);
  st(&P.done, 0);
  st(&P.tickets, 0);
  st(&P.maxHelpers, helpers);
  st(&P.gen, g + 2);
  if (ld(&P.genSleepers) > 0) wake(&P.gen);
  work(P, false);
  for (int32_t d; (d = ld(&P.done)) != pieces;) waitChange(&P.done, d, &P.doneSleepers);
  st(&P.lock, 0);
}

}  // namespace cosearch
