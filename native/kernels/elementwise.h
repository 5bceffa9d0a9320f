// Elementwise op codes shared by elementwise.cc and the N-API module (and native.ts).
#pragma once

#include "common.h"

namespace cosearch {

enum EwOp {
  kRelu = 0,
  kStep = 1,
  kReluGrad = 2,  // a = dy, b = x
  kAdd = 3,
  kSub = 4,
  kMul = 5,
  kDiv = 6,
  kAddVec = 7,  // a = map, b = channel vector (or one per block of rows, see elementwise.cc)
  kSubVec = 8,  // map - vector
  kVecSub = 9,  // vector - map
  kMulVec = 10,
  kDivVec = 11,  // map / vector
  kVecDiv = 12,  // vector / map
};

// n floats of a (and b for same-shape ops, nb floats of vectors for vector ops) into out.
void elementwise(int op, const float* a, const float* b, float* out, int64_t n, int64_t c, int64_t nb);
void channelSum(const float* x, float* out, int64_t outer, int64_t inner, int64_t c, bool mean);

// batchnorm.cc: training-mode batch-norm over [rows, c] (see core/network/fast-batchnorm.ts).
// With relu, y is max(0, ·) of the normalized output (a fused ReLU); the gradient then takes that
// y as reluOut and masks dy by it. reluOut is null otherwise.
void batchNormTrain(const float* x, int64_t rows, int64_t c, const float* gamma, const float* beta, double eps,
                    float* y, float* mean, float* variance, float* xhat, double* invStd, bool relu);
void batchNormGrad(const float* dy, const float* xhat, const double* invStd, const float* gamma, int64_t rows,
                   int64_t c, float* dx, float* dGamma, float* dBeta, const float* reluOut);

// matmul.cc: tfjs's BatchMatMul loops (see there for geom's 12 entries).
void batchMatMul(const float* a, const float* b, float* out, const int64_t* geom);

}  // namespace cosearch
