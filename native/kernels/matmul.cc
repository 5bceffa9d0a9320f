// Batched matrix products for the tfjs cpu backend's BatchMatMul, the same arithmetic in the
// same order as its JavaScript loops, so the same bits: blocks of 48 in i, j and k; within a
// k block each product (exact in double: two float32 mantissas fit in 53 bits) is summed in
// double in k order, and the block's sum is added to the float32 result, rounded once.
// -ffp-contract=off is not needed for that (an FMA of an exact product rounds the same), but the
// build passes it anyway for batchnorm.cc.
#include "elementwise.h"

namespace cosearch {

namespace {
constexpr int kBlock = 48;  // the cpu backend's blockSize
}

// geom: batch, batchA, batchB, left (M), right (N), shared (K), aBatch, aOuter, aInner, bBatch,
// bOuter, bInner: the cpu kernel's strides of a's and b's 3-D views. out holds batch · M · N.
void batchMatMul(const float* __restrict a, const float* __restrict b, float* __restrict out, const int64_t* geom) {
  const int64_t batch = geom[0], batchA = geom[1], batchB = geom[2], M = geom[3], N = geom[4], K = geom[5];
  const int64_t aBatch = geom[6], aOuter = geom[7], aInner = geom[8];
  const int64_t bBatch = geom[9], bOuter = geom[10], bInner = geom[11];
  const int64_t size = M * N;
  // By output rows of one batch entry: each element is written by one thread, in the same order.
  parallelFor(int(batch * M), batch * M * N * K, [&](int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      const int64_t bi = r / M, i = r % M;
      const float* ar = a + (bi % batchA) * aBatch + i * aOuter;
      const float* bb = b + (bi % batchB) * bBatch;
      float* o = out + bi * size + i * N;
      for (int64_t j = 0; j < N; j++) o[j] = 0.f;
      for (int64_t j0 = 0; j0 < N; j0 += kBlock) {
        const int64_t j1 = imin(j0 + kBlock, N);
        for (int64_t k0 = 0; k0 < K; k0 += kBlock) {
          const int64_t k1 = imin(k0 + kBlock, K);
          for (int64_t j = j0; j < j1; j++) {
            double sum = 0.0;
            for (int64_t k = k0; k < k1; k++) sum += double(ar[k * aInner]) * double(bb[k * bInner + j * bOuter]);
            o[j] = float(double(o[j]) + sum);
          }
        }
      }
    }
  });
}

}  // namespace cosearch
