// The WebAssembly module's memory allocator: tensors passed in and out, and the kernels' scratch.
// Blocks come in power-of-two sizes, each size with its own free list, so a training loop that
// asks for the same sizes every step reuses the same blocks and the heap stops growing after the
// first step. One spin lock: allocations are few per kernel call, and any thread may allocate.
#include "../native/kernels/common.h"

extern unsigned char __heap_base;

namespace cosearch {

namespace {

constexpr size_t kHeader = 16;  // keeps payloads 16-byte aligned, like the blocks themselves
constexpr int kMinClass = 5;    // 32-byte blocks (16 of header)
constexpr int kClasses = 32;

struct Heap {
  int32_t lock;
  size_t top;  // end of the blocks handed out so far; 0 before the first allocation
  void* free[kClasses];
};
Heap gHeap;

void lockHeap() {
  int32_t unlocked = 0;
  while (!__atomic_compare_exchange_n(&gHeap.lock, &unlocked, 1, true, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    unlocked = 0;
}
void unlockHeap() { __atomic_store_n(&gHeap.lock, 0, __ATOMIC_RELEASE); }

int classOf(size_t bytes) {
  int k = kMinClass;
  while (k < kClasses && (size_t(1) << k) < bytes + kHeader) k++;
  return k;
}

// A fresh block of 2^k bytes at the top of the heap, growing memory when needed; null if it cannot.
unsigned char* carve(int k) {
  const size_t size = size_t(1) << k;
  if (gHeap.top == 0) gHeap.top = (reinterpret_cast<size_t>(&__heap_base) + 15) & ~size_t(15);
  const size_t end = gHeap.top + size;
  if (end < gHeap.top) return nullptr;
  const size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    const size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == size_t(-1)) return nullptr;
  }
  unsigned char* b = reinterpret_cast<unsigned char*>(gHeap.top);
  gHeap.top = end;
  return b;
}

}  // namespace

void* heapAlloc(size_t bytes) {
  const int k = classOf(bytes);
  if (k >= kClasses) return nullptr;
  lockHeap();
  unsigned char* b = static_cast<unsigned char*>(gHeap.free[k]);
  if (b)
    gHeap.free[k] = *reinterpret_cast<void**>(b + kHeader);
  else
    b = carve(k);
  unlockHeap();
  if (!b) return nullptr;
  *reinterpret_cast<int32_t*>(b) = k;
  return b + kHeader;
}

void heapFree(void* p) {
  if (!p) return;
  unsigned char* b = static_cast<unsigned char*>(p) - kHeader;
  const int k = *reinterpret_cast<int32_t*>(b);
  lockHeap();
  *reinterpret_cast<void**>(p) = gHeap.free[k];
  gHeap.free[k] = b;
  unlockHeap();
}

void* scratchAlloc(size_t bytes) {
  void* p = heapAlloc(bytes);
  if (!p) __builtin_trap();  // out of memory: the JS side reports the trap as a failed kernel
  return p;
}
void scratchFree(void* p) { heapFree(p); }

}  // namespace cosearch
