// Batch-norm training statistics, normalization and gradient over a channels-last array: the
// same arithmetic in the same order as batchNormTrain / batchNormGrad in
// core/network/fast-batchnorm.ts (double accumulators, double intermediates, one rounding to
// float32 per output), so both give the same bits; the build passes -ffp-contract=off for that.
#include "elementwise.h"

namespace cosearch {

namespace {
// Reductions run per block of channels (each channel summed over the rows in order, whatever
// the thread count); elementwise passes run per block of rows.
constexpr int kChannelBlock = 8;
inline int channelBlocks(int64_t c) { return int((c + kChannelBlock - 1) / kChannelBlock); }
inline int rowBlocks(int64_t rows) { return int(imin<int64_t>(rows, 256)); }
template <bool B>
struct BoolConst {
  static constexpr bool value = B;
};

// The gradient reaching the batch norm at element i: dy, or after a fused ReLU dy · step(y), as
// the ReLU gradient kernel computes it (exact: a product by 1 or 0, NaN where y is NaN).
template <bool Relu>
inline float gradAt(const float* __restrict dy, const float* __restrict reluOut, int64_t i) {
  if constexpr (Relu) return dy[i] * step1(reluOut[i]);
  return dy[i];
}

template <bool Relu>
void batchNormGradT(const float* __restrict dy, const float* __restrict xhat, const double* __restrict invStd,
                    const float* __restrict gamma, int64_t rows, int64_t c, float* __restrict dx,
                    float* __restrict dGamma, float* __restrict dBeta, const float* __restrict reluOut) {
  const double n = double(rows);
  const size_t cc = static_cast<size_t>(c);
  Buf<double> sDy(cc, true), sDyX(cc, true), k(cc, true);
  // One piece per thread: every piece streams all the rows, so more pieces than threads would
  // only read the array more times.
  const int blocksOfC = channelBlocks(c), pieces = imin(threadCount(), blocksOfC);
  parallelFor(pieces, 2 * rows * c, [&](int p0, int p1) {
    const int b0 = int(int64_t(blocksOfC) * p0 / pieces), b1 = int(int64_t(blocksOfC) * p1 / pieces);
    const int64_t j0 = int64_t(b0) * kChannelBlock, j1 = imin<int64_t>(c, int64_t(b1) * kChannelBlock);
    // One stream over the rows for the piece's channels (per-block register passes re-read the
    // whole array once per block of 8 channels), into the piece's own accumulators: threads
    // updating neighbouring channels of shared arrays made 2 threads 3x slower than 1.
    const int64_t w = j1 - j0;
    Buf<double> s(size_t(2 * w), true);
    double* __restrict sd = s.data();
    double* __restrict sx = s.data() + w;
    for (int64_t i = 0; i < rows; i++) {
      const int64_t o = i * c + j0;
      for (int64_t q = 0; q < w; q++) {
        const float g = gradAt<Relu>(dy, reluOut, o + q);
        sd[q] += g;
        sx[q] += double(g) * xhat[o + q];
      }
    }
    for (int64_t q = 0; q < w; q++) {
      sDy[j0 + q] = sd[q];
      sDyX[j0 + q] = sx[q];
    }
    for (int64_t j = j0; j < j1; j++) k[j] = (gamma[j] * invStd[j]) / n;
  });
  const int blocks = rowBlocks(rows);
  parallelFor(blocks, rows * c, [&](int b0, int b1) {
    for (int64_t i = rows * b0 / blocks; i < rows * b1 / blocks; i++)
      for (int64_t j = 0; j < c; j++)
        dx[i * c + j] = float(k[j] * (n * gradAt<Relu>(dy, reluOut, i * c + j) - sDy[j] - xhat[i * c + j] * sDyX[j]));
  });
  for (int64_t j = 0; j < c; j++) {
    dGamma[j] = float(sDyX[j]);
    dBeta[j] = float(sDy[j]);
  }
}
}  // namespace

void batchNormTrain(const float* __restrict x, int64_t rows, int64_t c, const float* __restrict gamma,
                    const float* __restrict beta, double eps, float* __restrict y, float* __restrict mean32,
                    float* __restrict variance, float* __restrict xhat, double* __restrict invStd, bool relu) {
  const double n = double(rows);
  const size_t cc = static_cast<size_t>(c);
  Buf<double> sum(cc, true), mean(cc, true), sq(cc, true);
  parallelFor(channelBlocks(c), 2 * rows * c, [&](int b0, int b1) {
    for (int blk = b0; blk < b1; blk++) {
      const int64_t j0 = int64_t(blk) * kChannelBlock;
      if (j0 + kChannelBlock <= c) {
        // A full block: the sums in registers (the same per-channel order as the loop below).
        double s[kChannelBlock] = {}, q[kChannelBlock] = {}, m[kChannelBlock];
        for (int64_t i = 0; i < rows; i++)
          for (int k = 0; k < kChannelBlock; k++) s[k] += x[i * c + j0 + k];
        for (int k = 0; k < kChannelBlock; k++) m[k] = s[k] / n;
        for (int64_t i = 0; i < rows; i++)
          for (int k = 0; k < kChannelBlock; k++) {
            const double d = x[i * c + j0 + k] - m[k];
            q[k] += d * d;
          }
        for (int k = 0; k < kChannelBlock; k++) {
          sum[j0 + k] = s[k];
          mean[j0 + k] = m[k];
          sq[j0 + k] = q[k];
        }
      } else {
        const int64_t j1 = c;
        for (int64_t i = 0; i < rows; i++)
          for (int64_t j = j0; j < j1; j++) sum[j] += x[i * c + j];
        for (int64_t j = j0; j < j1; j++) mean[j] = sum[j] / n;
        for (int64_t i = 0; i < rows; i++)
          for (int64_t j = j0; j < j1; j++) {
            const double d = x[i * c + j] - mean[j];
            sq[j] += d * d;
          }
      }
      for (int64_t j = j0; j < imin<int64_t>(c, j0 + kChannelBlock); j++) {
        variance[j] = float(sq[j] / n);
        invStd[j] = 1 / __builtin_sqrt(sq[j] / n + eps);
        mean32[j] = float(mean[j]);
      }
    }
  });
  const int blocks = rowBlocks(rows);
  // Two copies of the loop, so that neither tests relu per element.
  auto normalize = [&](auto withRelu) {
    parallelFor(blocks, rows * c, [&](int b0, int b1) {
      for (int64_t i = rows * b0 / blocks; i < rows * b1 / blocks; i++)
        for (int64_t j = 0; j < c; j++) {
          const double h = (x[i * c + j] - mean[j]) * invStd[j];
          xhat[i * c + j] = float(h);
          const float v = float(gamma[j] * h + beta[j]);
          y[i * c + j] = decltype(withRelu)::value ? relu1(v) : v;
        }
    });
  };
  if (relu)
    normalize(BoolConst<true>{});
  else
    normalize(BoolConst<false>{});
}

void batchNormGrad(const float* __restrict dy, const float* __restrict xhat, const double* __restrict invStd,
                   const float* __restrict gamma, int64_t rows, int64_t c, float* __restrict dx,
                   float* __restrict dGamma, float* __restrict dBeta, const float* __restrict reluOut) {
  if (reluOut)
    batchNormGradT<true>(dy, xhat, invStd, gamma, rows, c, dx, dGamma, dBeta, reluOut);
  else
    batchNormGradT<false>(dy, xhat, invStd, gamma, rows, c, dx, dGamma, dBeta, reluOut);
}

}  // namespace cosearch
