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
  parallelFor(blocks, rows * c, [&](int b0, int b1) {
    for (int64_t i = rows * b0 / blocks; i < rows * b1 / blocks; i++)
      for (int64_t j = 0; j < c; j++) {
        const double h = (x[i * c + j] - mean[j]) * invStd[j];
        xhat[i * c + j] = float(h);
        const float v = float(gamma[j] * h + beta[j]);
        y[i * c + j] = relu ? relu1(v) : v;
      }
  });
}

void batchNormGrad(const float* __restrict dyIn, const float* __restrict xhat, const double* __restrict invStd,
                   const float* __restrict gamma, int64_t rows, int64_t c, float* __restrict dx,
                   float* __restrict dGamma, float* __restrict dBeta, const float* __restrict reluOut) {
  // After a fused ReLU, the gradient reaching the batch norm is dy · step(y), as the ReLU
  // gradient kernel computes it (exact: a product by 1 or 0, NaN where y is NaN).
  Buf<float> masked(reluOut ? size_t(rows * c) : 0);
  const float* __restrict dy = dyIn;
  if (reluOut) {
    elementwise(kReluGrad, dyIn, reluOut, masked.data(), rows * c, 1, rows * c);
    dy = masked.data();
  }
  const double n = double(rows);
  const size_t cc = static_cast<size_t>(c);
  Buf<double> sDy(cc, true), sDyX(cc, true), k(cc, true);
  parallelFor(channelBlocks(c), 2 * rows * c, [&](int b0, int b1) {
    for (int blk = b0; blk < b1; blk++) {
      const int64_t j0 = int64_t(blk) * kChannelBlock, j1 = imin<int64_t>(c, j0 + kChannelBlock);
      if (j1 - j0 == kChannelBlock) {
        // A full block: the sums in registers (the same per-channel order as the loop below).
        double s[kChannelBlock] = {}, sx[kChannelBlock] = {};
        for (int64_t i = 0; i < rows; i++)
          for (int q = 0; q < kChannelBlock; q++) {
            s[q] += dy[i * c + j0 + q];
            sx[q] += double(dy[i * c + j0 + q]) * xhat[i * c + j0 + q];
          }
        for (int q = 0; q < kChannelBlock; q++) {
          sDy[j0 + q] = s[q];
          sDyX[j0 + q] = sx[q];
        }
      } else {
        for (int64_t i = 0; i < rows; i++)
          for (int64_t j = j0; j < j1; j++) {
            sDy[j] += dy[i * c + j];
            sDyX[j] += double(dy[i * c + j]) * xhat[i * c + j];
          }
      }
      for (int64_t j = j0; j < j1; j++) k[j] = (gamma[j] * invStd[j]) / n;
    }
  });
  const int blocks = rowBlocks(rows);
  parallelFor(blocks, rows * c, [&](int b0, int b1) {
    for (int64_t i = rows * b0 / blocks; i < rows * b1 / blocks; i++)
      for (int64_t j = 0; j < c; j++)
        dx[i * c + j] = float(k[j] * (n * dy[i * c + j] - sDy[j] - xhat[i * c + j] * sDyX[j]));
  });
  for (int64_t j = 0; j < c; j++) {
    dGamma[j] = float(sDyX[j]);
    dBeta[j] = float(sDy[j]);
  }
}

}  // namespace cosearch
