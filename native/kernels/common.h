// Shared pieces of the cosearch native kernels: geometry, 8-float vectors, threads.
//
// Determinism: every output element is computed by one thread in a fixed order, and the scalar
// and vector paths use the same fused (or unfused) multiply-add, so results do not depend on the
// thread count or on where a tile edge falls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__x86_64__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace cosearch {

struct Geom {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft;
};

// GCC vector extension: AVX registers with -march=native on x86, pairs of SSE/NEON elsewhere.
typedef float v8 __attribute__((vector_size(32)));

inline v8 load8(const float* p) {
  v8 r;
  std::memcpy(&r, p, sizeof r);
  return r;
}
inline void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }
inline v8 splat8(float a) { return v8{a, a, a, a, a, a, a, a}; }

// c + a * b, rounded once where the CPU has FMA; the scalar twin rounds the same way.
inline v8 fma8(v8 a, v8 b, v8 c) {
#if defined(__x86_64__) && defined(__FMA__)
  return (v8)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
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

int threadCount();

// Runs f(begin, end) over [0, n) split into contiguous ranges, one per thread; small jobs
// (work below ~1M multiply-adds) stay on the calling thread.
template <typename F>
void parallelFor(int n, int64_t work, F f) {
  int t = std::min(threadCount(), n);
  if (t <= 1 || work < 1000000) {
    if (n > 0) f(0, n);
    return;
  }
  std::vector<std::thread> ts;
  int per = (n + t - 1) / t;
  for (int i = 1; i < t; i++) {
    int b = i * per, e = std::min(n, b + per);
    if (b < e) ts.emplace_back(f, b, e);
  }
  f(0, std::min(n, per));
  for (auto& th : ts) th.join();
}

// A 1×1 stride-1 unpadded conv: the NHWC input already is the GEMM's left matrix.
inline bool isDirect(const Geom& g) {
  return g.kH == 1 && g.kW == 1 && g.strideH == 1 && g.strideW == 1 && g.padTop == 0 && g.padLeft == 0 &&
         g.outH == g.inH && g.outW == g.inW;
}

// Conv kernels (conv.cc). The caller zero-fills the output of conv2dBackpropInput unless
// isDirect; the others overwrite theirs.
void conv2d(const float* x, const float* w, float* y, const Geom& g);
void conv2dBackpropInput(const float* dy, const float* w, float* dx, const Geom& g);
void conv2dBackpropFilter(const float* x, const float* dy, float* dw, const Geom& g);
void depthwise(const float* x, const float* w, float* y, const Geom& g);
void depthwiseBackpropInput(const float* dy, const float* w, float* dx, const Geom& g);
void depthwiseBackpropFilter(const float* x, const float* dy, float* dw, const Geom& g);

// C[M,N] (= or +=) A·B with A(i,p) = A[i*rsA + p*csA] (so A may be a transposed view),
// B row-major with row stride ldb, C with row stride ldc. Each C element is summed over p in order.
void gemm(int M, int N, int K, const float* A, int64_t rsA, int64_t csA, const float* B, int64_t ldb, float* C,
          int64_t ldc, bool accumulate);

}  // namespace cosearch
