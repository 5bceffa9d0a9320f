// Shared pieces of the cosearch kernels: geometry, SIMD vectors, scratch memory, threads.
//
// The same sources build two ways: as the N-API addon (g++ on the user's machine, see
// core/training/kernels/native.ts) and as a WebAssembly module (clang --target=wasm32, see
// scripts/build-wasm.ts). So nothing here needs a C++ standard library: no <vector>, <thread> or
// <algorithm>, only compiler builtins; the platform parts (memory, waiting) are in pool.cc.
//
// Determinism: every output element is computed by one thread in a fixed order, and the scalar
// and vector paths use the same fused (or unfused) multiply-add, so results do not depend on the
// thread count or on where a tile edge falls.
#pragma once

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace cosearch {

struct Geom {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft;
};

template <typename T>
inline T imin(T a, T b) {
  return a < b ? a : b;
}
template <typename T>
inline T imax(T a, T b) {
  return a < b ? b : a;
}

// One SIMD register of floats: 8 lanes with AVX (-march=native on x86), 4 in WebAssembly
// (simd128). GCC/clang vector extensions, lowered to whatever the target has.
#if defined(__wasm__)
constexpr int VW = 4;
#else
constexpr int VW = 8;
#endif
typedef float vf __attribute__((vector_size(VW * 4)));

inline vf loadv(const float* p) {
  vf r;
  __builtin_memcpy(&r, p, sizeof r);
  return r;
}
inline void storev(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
inline vf splatv(float a) {
#if defined(__wasm__)
  return vf{a, a, a, a};
#else
  return vf{a, a, a, a, a, a, a, a};
#endif
}

// Half a float vector widened to doubles (4 lanes natively, 2 in WebAssembly): sums kept in
// double, a vector of channels at a time, with each lane's arithmetic that of a scalar double.
constexpr int DW = VW / 2;
typedef double vd __attribute__((vector_size(DW * 8)));
typedef float hf __attribute__((vector_size(DW * 4)));
inline hf loadh(const float* p) {
  hf h;
  __builtin_memcpy(&h, p, sizeof h);
  return h;
}
inline vd widen(hf h) { return __builtin_convertvector(h, vd); }
inline vd widen(const float* p) { return widen(loadh(p)); }

// A group of N vectors whose count is known at compile time, so that its accumulators can live
// in registers: f(Vectors<N>{}, i) reads decltype(arg)::nv.
template <int N>
struct Vectors {
  static constexpr int nv = N;
};
template <int N, typename F>
inline void groupOf(int64_t count, int64_t i, F& f) {
  if constexpr (N > 0) {
    if (count == N)
      f(Vectors<N>{}, i);
    else
      groupOf<N - 1>(count, i, f);
  }
}
// Covers [i0, i1) with groups of up to Max whole vectors of `width` elements, in order; returns
// where the elements past the last whole vector start (for the scalar twin).
template <int Max, typename F>
inline int64_t vectorGroups(int64_t i0, int64_t i1, int width, F f) {
  int64_t i = i0;
  for (; i + int64_t(Max) * width <= i1; i += int64_t(Max) * width) f(Vectors<Max>{}, i);
  const int64_t rest = (i1 - i) / width;
  groupOf<Max - 1>(rest, i, f);
  return i + rest * width;
}

// c + a * b, rounded once where the CPU has FMA; the scalar twin rounds the same way.
inline vf fmav(vf a, vf b, vf c) {
#if defined(__x86_64__) && defined(__FMA__)
  return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}
inline float fma1(float a, float b, float c) {
#if defined(__x86_64__) && defined(__FMA__)
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

// Scratch memory (malloc natively, the module's allocator in WebAssembly); safe from any thread.
void* scratchAlloc(size_t bytes);
void scratchFree(void* p);

// n elements of scratch, freed at scope exit; zero-filled when asked.
template <typename T>
class Buf {
 public:
  explicit Buf(size_t n, bool zero = false) : p_(static_cast<T*>(scratchAlloc(n * sizeof(T) + 1))) {
    if (zero) __builtin_memset(static_cast<void*>(p_), 0, n * sizeof(T));
  }
  ~Buf() { scratchFree(p_); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  T* data() { return p_; }
  T& operator[](size_t i) { return p_[i]; }

 private:
  T* p_;
};

// The kernels' thread pool (pool.cc): persistent threads that wait for work; none is started
// per call. Threads the kernels may use, this one included (1: everything on the caller).
int threadCount();
int setThreadCount(int n);
// Runs fn(ctx, i) for every i in [0, pieces), spread over the pool; returns when all are done.
// Pieces are claimed in any order, so fn must give each piece's outputs by itself.
void runPieces(int pieces, void (*fn)(void*, int), void* ctx);
// A helper thread's body: waits for jobs and works on them, forever.
void helperLoop();
// Helpers running (natively: started so far; in WebAssembly: workers that called helperStarted).
int helpersStarted();
// Pieces the helpers have run since the process started.
int helperPieces();
#if defined(__wasm__)
void helperStarted();
#endif

// Runs f(begin, end) over [0, n) in contiguous ranges, on the pool; small jobs (work below 250k
// multiply-adds) stay on the calling thread. Which thread runs a range never changes a result.
template <typename F>
void parallelFor(int n, int64_t work, F f) {
  const int t = imin(threadCount(), n);
  if (t <= 1 || work < 250000) {
    if (n > 0) f(0, n);
    return;
  }
  // A few ranges per thread, so that a thread slowed by another process leaves its share to the others.
  struct Ctx {
    F* f;
    int n, pieces;
  } ctx{&f, n, imin(n, 4 * t)};
  runPieces(
      ctx.pieces,
      [](void* c, int i) {
        const Ctx& x = *static_cast<Ctx*>(c);
        const int b = int(int64_t(x.n) * i / x.pieces), e = int(int64_t(x.n) * (i + 1) / x.pieces);
        if (b < e) (*x.f)(b, e);
      },
      &ctx);
}

// A 1×1 stride-1 unpadded conv: the NHWC input already is the GEMM's left matrix.
inline bool isDirect(const Geom& g) {
  return g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
         g.outH == g.inH && g.outW == g.inW;
}

// What a forward conv does to its output before returning it: add a per-channel bias (when
// given) then apply ReLU (when asked), while each block is still in cache. The same float
// operations as separate add and ReLU kernels, so the same bits.
struct Epilogue {
  const float* bias = nullptr;
  bool relu = false;
  bool any() const { return bias != nullptr || relu; }
};

// max(0, x) as the tfjs cpu kernel computes it: -0 gives +0, NaN stays NaN. Written with explicit
// vector selects: the scalar ternaries with a NaN test do not vectorize.
inline vf reluv(vf x) {
  const vf zero = splatv(0.f);
  vf r = x > zero ? x : zero;
  return x != x ? x : r;
}
inline float relu1(float x) { return x > 0.f ? x : x != x ? x : 0.f; }
// step(x) with alpha 0, as the ReLU gradient uses it: 1 above 0, else 0, NaN kept.
inline vf stepv(vf x) {
  const vf zero = splatv(0.f);
  vf s = x > zero ? splatv(1.f) : zero;
  return x != x ? x : s;
}
inline float step1(float x) { return x > 0.f ? 1.f : x != x ? x : 0.f; }

// The epilogue over `rows` rows of c channels at y, in place.
inline void applyEpilogue(float* __restrict y, int64_t rows, int c, const Epilogue& e) {
  if (!e.any()) return;
  for (int64_t r = 0; r < rows; r++) {
    float* row = y + r * c;
    int j = 0;
    for (; j + VW <= c; j += VW) {
      vf v = loadv(row + j);
      if (e.bias) v = v + loadv(e.bias + j);
      if (e.relu) v = reluv(v);
      storev(row + j, v);
    }
    for (; j < c; j++) {
      float v = row[j];
      if (e.bias) v = v + e.bias[j];
      if (e.relu) v = relu1(v);
      row[j] = v;
    }
  }
}

// Conv kernels (conv.cc). The caller zero-fills the output of conv2dBackpropInput unless
// isDirect; the others overwrite theirs.
void conv2d(const float* x, const float* w, float* y, const Geom& g, const Epilogue& e = {});
void conv2dBackpropInput(const float* dy, const float* w, float* dx, const Geom& g);
void conv2dBackpropFilter(const float* x, const float* dy, float* dw, const Geom& g);
void depthwise(const float* x, const float* w, float* y, const Geom& g, const Epilogue& e = {});
void depthwiseBackpropInput(const float* dy, const float* w, float* dx, const Geom& g);
void depthwiseBackpropFilter(const float* x, const float* dy, float* dw, const Geom& g);

// Conv op codes shared by both front ends (module.cc, wasm/exports.cc) and the TS side.
enum ConvOp { kConv2d = 0, kConvInput = 1, kConvFilter = 2, kDepthwise = 3, kDepthwiseInput = 4, kDepthwiseFilter = 5 };
// Runs conv op `op` (zero-filling the output first where the kernel accumulates); false if unknown.
// The epilogue applies to the forward ops (kConv2d, kDepthwise) only.
bool runConv(int op, const float* a, const float* b, float* out, const Geom& g, const Epilogue& e = {});

// C[M,N] (= or +=) A·B with A(i,p) = A[i*rsA + p*csA] (so A may be a transposed view),
// B row-major with row stride ldb, C with row stride ldc. Each C element is summed over p in order.
void gemm(int M, int N, int K, const float* A, int64_t rsA, int64_t csA, const float* B, int64_t ldb, float* C,
          int64_t ldc, bool accumulate);

}  // namespace cosearch
