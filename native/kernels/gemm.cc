// Register-tiled single-precision GEMM for the conv kernels' im2col products. The matrices here
// are small (K and N up to a few hundred), so B stays in cache unpacked and only C is tiled:
// MR rows × NV vectors of accumulators live in registers while p runs over the full depth.
#include "common.h"

namespace cosearch {

namespace {

template <int MR, int NV>
inline void tile(int K, const float* __restrict A, int64_t rsA, int64_t csA, const float* __restrict B, int64_t ldb,
                 float* __restrict C, int64_t ldc, bool acc) {
  vf c[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) c[i][v] = acc ? loadv(C + i * ldc + VW * v) : splatv(0.f);
  for (int p = 0; p < K; p++) {
    const float* bp = B + p * ldb;
    vf b[NV];
    for (int v = 0; v < NV; v++) b[v] = loadv(bp + VW * v);
    const float* ap = A + p * csA;
    for (int i = 0; i < MR; i++) {
      vf a = splatv(ap[i * rsA]);
      for (int v = 0; v < NV; v++) c[i][v] = fmav(a, b[v], c[i][v]);
    }
  }
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) storev(C + i * ldc + VW * v, c[i][v]);
}

// Columns that do not fill a vector: the same per-element order with the scalar twin of fmav.
inline void scalarCols(int M, int j0, int N, int K, const float* A, int64_t rsA, int64_t csA, const float* B,
                       int64_t ldb, float* C, int64_t ldc, bool acc) {
  for (int i = 0; i < M; i++)
    for (int j = j0; j < N; j++) {
      float s = acc ? C[i * ldc + j] : 0.f;
      for (int p = 0; p < K; p++) s = fma1(A[i * rsA + p * csA], B[p * ldb + j], s);
      C[i * ldc + j] = s;
    }
}

// The wide strip: NVW vectors × MRW rows of accumulators, which with NVW B vectors and one
// broadcast must fit the registers: 16 on x86-64 (V8 keeps one for itself), 32 with AVX-512.
// Measured on R1's shapes (CPU time, one thread): WebAssembly ran 4 × 2 (16 columns) 1.5x faster
// than 2 × 6, which spilled; with AVX-512's registers 2 × 8 ran about 12% faster than 2 × 6.
#ifndef COSEARCH_GEMM_NVW
#if defined(__wasm__)
#define COSEARCH_GEMM_NVW 4
#define COSEARCH_GEMM_MRW 2
#elif defined(__AVX512VL__)
#define COSEARCH_GEMM_NVW 2
#define COSEARCH_GEMM_MRW 8
#else
#define COSEARCH_GEMM_NVW 2
#define COSEARCH_GEMM_MRW 6
#endif
#endif
constexpr int NVW = COSEARCH_GEMM_NVW, MRW = COSEARCH_GEMM_MRW;

template <int NV>
inline void rows(int M, int K, const float* A, int64_t rsA, int64_t csA, const float* B, int64_t ldb, float* C,
                 int64_t ldc, bool acc) {
  constexpr int MR = NV == 1 ? 8 : MRW;
  static_assert(MR <= 8, "the remainder switch below handles up to 7 rows");
  int i = 0;
  for (; i + MR <= M; i += MR) tile<MR, NV>(K, A + i * rsA, rsA, csA, B, ldb, C + i * ldc, ldc, acc);
  const float* a = A + i * rsA;
  float* c = C + i * ldc;
  switch (M - i) {
    case 7: tile<7, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    case 6: tile<6, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    case 5: tile<5, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    case 4: tile<4, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    case 3: tile<3, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    case 2: tile<2, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    case 1: tile<1, NV>(K, a, rsA, csA, B, ldb, c, ldc, acc); break;
    default: break;
  }
}

}  // namespace

void gemm(int M, int N, int K, const float* A, int64_t rsA, int64_t csA, const float* B, int64_t ldb, float* C,
          int64_t ldc, bool accumulate) {
  int j = 0;
  // Wide strips, then 1 vector × 8 rows, then scalars.
  for (; j + NVW * VW <= N; j += NVW * VW) rows<NVW>(M, K, A, rsA, csA, B + j, ldb, C + j, ldc, accumulate);
  for (; j + VW <= N; j += VW) rows<1>(M, K, A, rsA, csA, B + j, ldb, C + j, ldc, accumulate);
  if (j < N) scalarCols(M, j, N, K, A, rsA, csA, B, ldb, C, ldc, accumulate);
}

}  // namespace cosearch
