// The WebAssembly module's interface (called by core/training/kernels/wasm.ts): the same kernels
// as the N-API addon (native/kernels), on pointers into the module's shared memory.
#include "../native/kernels/common.h"
#include "../native/kernels/elementwise.h"

namespace cosearch {
void* heapAlloc(size_t bytes);
void heapFree(void* p);
}  // namespace cosearch

using namespace cosearch;

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

// Memory for n bytes (16-byte aligned), or 0 when the memory cannot grow that far.
EXPORT(cs_malloc) void* csMalloc(size_t n) { return heapAlloc(n); }
EXPORT(cs_free) void csFree(void* p) { heapFree(p); }

// Conv op (ConvOp in common.h) with the 13 geometry ints at geom; 0 for an unknown op. A forward
// op's epilogue: bias (outC floats, or 0 for none), then ReLU when relu is not 0.
EXPORT(cs_conv)
int csConv(int op, const float* a, const float* b, const int32_t* geom, float* out, const float* bias, int relu) {
  Geom g;
  __builtin_memcpy(&g, geom, sizeof g);
  Epilogue e;
  e.bias = bias;
  e.relu = relu != 0;
  if (e.any() && op != kConv2d && op != kDepthwise) return 0;
  return runConv(op, a, b, out, g, e) ? 1 : 0;
}

// Elementwise op (native/kernels/elementwise.h) over n floats; c is the channel count of vector
// ops, nb the floats of b.
EXPORT(cs_ew) void csEw(int op, const float* a, const float* b, float* out, int n, int c, int nb) {
  elementwise(op, a, b, out, n, c, nb);
}

EXPORT(cs_channel_sum) void csChannelSum(const float* x, float* out, int outer, int inner, int c, int mean) {
  channelSum(x, out, outer, inner, c, mean != 0);
}

EXPORT(cs_bn_train)
void csBnTrain(const float* x, int rows, int c, const float* gamma, const float* beta, double eps, float* y,
               float* mean, float* variance, float* xhat, double* invStd, int relu) {
  batchNormTrain(x, rows, c, gamma, beta, eps, y, mean, variance, xhat, invStd, relu != 0);
}

EXPORT(cs_bn_grad)
// reluOut: 0, or the forward's y after a fused ReLU (masks dy).
void csBnGrad(const float* dy, const float* xhat, const double* invStd, const float* gamma, int rows, int c,
              float* dx, float* dGamma, float* dBeta, const float* reluOut) {
  batchNormGrad(dy, xhat, invStd, gamma, rows, c, dx, dGamma, dBeta, reluOut);
}

// tfjs's BatchMatMul (native/kernels/matmul.cc); geom holds its 12 ints.
EXPORT(cs_matmul) void csMatMul(const float* a, const float* b, float* out, const int32_t* geom) {
  int64_t g[12];
  for (int i = 0; i < 12; i++) g[i] = geom[i];
  batchMatMul(a, b, out, g);
}

// Threads the kernels may use, the caller included; returns the previous count.
EXPORT(cs_set_threads) int csSetThreads(int n) { return setThreadCount(n); }
EXPORT(cs_helpers_started) int csHelpersStarted() { return helpersStarted(); }
EXPORT(cs_helper_pieces) int csHelperPieces() { return helperPieces(); }

// A worker thread's entry, after cs_set_stack gave it a stack of its own: never returns.
EXPORT(cs_helper) void csHelper() {
  helperStarted();
  helperLoop();
}
