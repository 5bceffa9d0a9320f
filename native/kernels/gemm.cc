// Single-precision GEMM for the conv kernels' im2col products, GotoBLAS/BLIS style: B is packed
// into panels of NR columns (depth-major, zero-padded), A into panels of MR rows, and an MR × NR
// micro-kernel keeps its whole C tile in vector registers while p runs over a depth block.
//
// Vectors are as wide as the target has: 16 floats with AVX-512 (g++ -march=native on a machine
// that has it), 8 with AVX2 or AVX, 4 with SSE and in WebAssembly (simd128); chosen at build time,
// since the native addon is compiled on the machine that runs it.
//
// Determinism: every C element is one chain c = fma(a_p, b_p, c) over p = 0..K-1 in order,
// starting from 0 (or from C when accumulating); depth blocks run in order, C stored between them.
// Edge tiles run the same arithmetic with fewer rows, or on B zero-padded in columns (never in
// depth), so a result never depends on where a tile edge falls, on the blocking, or on which
// thread computes the tile.
#include "common.h"

#if defined(__x86_64__) && (defined(__FMA__) || defined(__AVX512F__))
#include <immintrin.h>
#endif

namespace cosearch {

namespace {

#if defined(__wasm__)
constexpr int GW = 4;
#elif defined(__AVX512F__)
constexpr int GW = 16;
#elif defined(__AVX__)
constexpr int GW = 8;
#else
constexpr int GW = 4;
#endif
typedef float gv __attribute__((vector_size(GW * 4)));

inline gv gload(const float* p) {
  gv r;
  __builtin_memcpy(&r, p, sizeof r);
  return r;
}
inline void gstore(float* p, gv v) { __builtin_memcpy(p, &v, sizeof v); }
// Spelled out: `gv{} + a` costs an add of a zero vector per broadcast.
inline gv gsplat(float a) {
#if defined(__wasm__) || !(defined(__AVX512F__) || defined(__AVX__))
  return gv{a, a, a, a};
#elif defined(__AVX512F__)
  return gv{a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a};
#else
  return gv{a, a, a, a, a, a, a, a};
#endif
}

// c + a · b, rounded once where the CPU has FMA (the same rule as fmav/fma1 in common.h).
inline gv gfma(gv a, gv b, gv c) {
#if defined(__x86_64__) && defined(__FMA__) && defined(__AVX512F__)
  return (gv)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__x86_64__) && defined(__FMA__)
  return (gv)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

// Micro-kernel shapes: NV vectors × MR rows of accumulators, which with NV B vectors and one
// broadcast must fit the registers: 32 with AVX-512, 16 with AVX2/SSE and in WebAssembly (where V8
// keeps some for itself). The narrow shape is for C no wider than one vector.
#ifndef COSEARCH_GEMM_NVW
#if defined(__wasm__)
#define COSEARCH_GEMM_NVW 4
#define COSEARCH_GEMM_MRW 2
#elif defined(__AVX512F__)
#define COSEARCH_GEMM_NVW 2
#define COSEARCH_GEMM_MRW 12
#elif defined(__AVX__)
#define COSEARCH_GEMM_NVW 2
#define COSEARCH_GEMM_MRW 6
#else
#define COSEARCH_GEMM_NVW 2
#define COSEARCH_GEMM_MRW 6
#endif
#endif
#ifndef COSEARCH_GEMM_MRN
#if defined(__AVX512F__)
#define COSEARCH_GEMM_MRN 16
#else
#define COSEARCH_GEMM_MRN 8
#endif
#endif

#ifndef COSEARCH_GEMM_PACK_A_PANELS
#if defined(__wasm__)
#define COSEARCH_GEMM_PACK_A_PANELS 100
#define COSEARCH_GEMM_PACK_B_TILES 1000
#else
#define COSEARCH_GEMM_PACK_A_PANELS 2
#define COSEARCH_GEMM_PACK_B_TILES 4
#endif
#endif

// Blocking: one B panel (KC × NR) stays in L1 while the A block (MC × KC, in L2) streams past it.
// R1's matrices fit in one depth block each; deeper ones are cut.
constexpr int kKC = 384;
constexpr int kMC = 144;

// C tile (MR × NV·GW at c, row stride ldc) = (acc ? C : 0) + A · B over depth k, with
// A(i, p) = a[i·ars + p·acs] and B(p, vector v) at b + p·bs + v·GW. Packed panels have ars 1,
// acs MR and bs NV·GW (Packed fixes those two, so their addresses need no registers); operands
// already laid out well enough are read in place. Not inlined: inlined into the blocking loops,
// g++ kept the accumulators in memory, storing all of them on every step.
#if defined(__wasm__)
#define COSEARCH_MICRO inline
#else
#define COSEARCH_MICRO __attribute__((noinline))
#endif
template <int MR, int NV, bool Packed = false>
COSEARCH_MICRO void micro(int k, const float* __restrict a, int64_t ars, int64_t acs,
                                     const float* __restrict b, int64_t bs, float* __restrict c, int64_t ldc,
                                     bool acc) {
  if constexpr (Packed) {
    ars = 1;
    acs = MR;
  }
  gv r[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) r[i][v] = acc ? gload(c + i * ldc + GW * v) : gsplat(0.f);
  for (int p = 0; p < k; p++, a += acs, b += bs) {
    gv bv[NV];
    for (int v = 0; v < NV; v++) bv[v] = gload(b + GW * v);
    for (int i = 0; i < MR; i++) {
      const gv av = gsplat(a[i * ars]);
      for (int v = 0; v < NV; v++) r[i][v] = gfma(av, bv[v], r[i][v]);
    }
  }
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NV; v++) gstore(c + i * ldc + GW * v, r[i][v]);
}

// micro<R, NV> for the R = rows (1..MR) given at run time: a short last row tile runs with fewer
// accumulators on its own rows rather than on a zero-padded copy.
template <int MR, int NV>
inline void microRows(int rows, int k, const float* a, int64_t ars, int64_t acs, const float* b, int64_t bs, float* c,
                      int64_t ldc, bool acc) {
  if constexpr (MR > 1) {
    if (rows < MR) return microRows<MR - 1, NV>(rows, k, a, ars, acs, b, bs, c, ldc, acc);
  }
  micro<MR, NV>(k, a, ars, acs, b, bs, c, ldc, acc);
}

// Rows [i0, i0 + mc) × depth [p0, p0 + kc) of A into MR-row panels: Ap[(panel·kc + p)·MR + i],
// rows past M zero.
template <int MR>
void packA(int mc, int kc, int i0, int p0, int M, const float* A, int64_t rsA, int64_t csA, float* __restrict ap) {
  for (int ib = 0; ib < mc; ib += MR, ap += int64_t(kc) * MR) {
    const int rows = imin(MR, M - (i0 + ib));
    const float* a = A + int64_t(i0 + ib) * rsA + int64_t(p0) * csA;
    if (csA == 1) {
      for (int i = 0; i < rows; i++)
        for (int p = 0; p < kc; p++) ap[p * MR + i] = a[i * rsA + p];
    } else {
      for (int p = 0; p < kc; p++)
        for (int i = 0; i < rows; i++) ap[p * MR + i] = a[i * rsA + p * csA];
    }
    for (int i = rows; i < MR; i++)
      for (int p = 0; p < kc; p++) ap[p * MR + i] = 0.f;
  }
}

// Columns [j0, j0 + NR) (those below N) × depth [p0, p0 + kc) of B into one panel:
// Bp[p·NR + j], columns past N zero.
template <int NR>
void packB(int kc, int j0, int p0, int N, const float* B, int64_t ldb, float* __restrict bp) {
  const int cols = imin(NR, N - j0);
  const float* b = B + int64_t(p0) * ldb + j0;
  for (int p = 0; p < kc; p++) {
    float* d = bp + p * NR;
    int j = 0;
    if (cols == NR)
      for (; j < NR; j += GW) gstore(d + j, gload(b + p * ldb + j));
    for (; j < cols; j++) d[j] = b[p * ldb + j];
    for (; j < NR; j++) d[j] = 0.f;
  }
}

// ceil(n / ceil(n / cap)): splits n into equal-ish blocks of at most cap.
inline int blockOf(int n, int cap) {
  const int parts = (n + cap - 1) / cap;
  return (n + parts - 1) / parts;
}

// Packing costs a pass over the operand; it pays only when the packed copy is read many times.
// A is reread once per column panel, B once per row tile: in R1's products (N 16 or 32, one
// panel) A is read in place, and B is packed only where it is wider than a panel.
template <int MR, int NV>
void gemmBlocked(int M, int N, int K, const float* A, int64_t rsA, int64_t csA, const float* B, int64_t ldb, float* C,
                 int64_t ldc, bool accumulate) {
  constexpr int NR = NV * GW;
  const int KC = blockOf(K, kKC);
  const int MC = imin(kMC / MR * MR, (M + MR - 1) / MR * MR);
  const int panels = (N + NR - 1) / NR;
  const bool packAll = panels >= COSEARCH_GEMM_PACK_A_PANELS;
  const bool packBAll = ldb != NR && M >= COSEARCH_GEMM_PACK_B_TILES * MR;
  const bool someB = packBAll || N % NR != 0;  // a partial last panel is always packed
  Buf<float> bbuf(someB ? size_t(KC) * NR : 0), abuf(packAll ? size_t(KC) * MC : 0);
  float tile[MR * NR];
  for (int p0 = 0; p0 < K; p0 += KC) {
    const int kc = imin(KC, K - p0);
    const bool acc = accumulate || p0 > 0;
    for (int i0 = 0; i0 < M; i0 += MC) {
      const int mc = imin(MC, M - i0);
      const int mcPad = (mc + MR - 1) / MR * MR;
      if (packAll) packA<MR>(mcPad, kc, i0, p0, M, A, rsA, csA, abuf.data());
      for (int j0 = 0; j0 < N; j0 += NR) {
        const int cols = imin(NR, N - j0);
        const float* bp = B + int64_t(p0) * ldb + j0;
        int64_t bs = ldb;
        if (cols < NR || packBAll) {
          packB<NR>(kc, j0, p0, N, B, ldb, bbuf.data());
          bp = bbuf.data();
          bs = NR;
        }
        for (int ib = 0; ib < mcPad; ib += MR) {
          const int rows = imin(MR, mc - ib);
          float* c = C + int64_t(i0 + ib) * ldc + j0;
          const float* ap = A + int64_t(i0 + ib) * rsA + int64_t(p0) * csA;
          int64_t ars = rsA, acs = csA;
          if (packAll) {
            ap = abuf.data() + int64_t(ib) * kc;
            ars = 1;
            acs = MR;
          }
          if (cols == NR && rows == MR && packAll) {
            micro<MR, NV, true>(kc, ap, 1, MR, bp, bs, c, ldc, acc);
            continue;
          }
          if (cols == NR) {
            microRows<MR, NV>(rows, kc, ap, ars, acs, bp, bs, c, ldc, acc);
            continue;
          }
          // A column edge: the micro-kernel on a full-width tile (B zero-padded), then only the valid columns out.
          for (int i = 0; i < rows; i++)
            for (int j = 0; j < NR; j++) tile[i * NR + j] = acc && j < cols ? c[i * ldc + j] : 0.f;
          microRows<MR, NV>(rows, kc, ap, ars, acs, bp, bs, tile, NR, acc);
          for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) c[i * ldc + j] = tile[i * NR + j];
        }
      }
    }
  }
}

}  // namespace

void gemm(int M, int N, int K, const float* A, int64_t rsA, int64_t csA, const float* B, int64_t ldb, float* C,
          int64_t ldc, bool accumulate) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!accumulate)
      for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) C[int64_t(i) * ldc + j] = 0.f;
    return;
  }
  // One vector wide or less: the narrow shape, whose tile has more rows and wastes no columns.
  if (N <= GW)
    gemmBlocked<COSEARCH_GEMM_MRN, 1>(M, N, K, A, rsA, csA, B, ldb, C, ldc, accumulate);
  else
    gemmBlocked<COSEARCH_GEMM_MRW, COSEARCH_GEMM_NVW>(M, N, K, A, rsA, csA, B, ldb, C, ldc, accumulate);
}

}  // namespace cosearch
