// The N-API surface of the cosearch native kernels: plain functions on Float32Arrays that return
// a new Float32Array (the tfjs cpu backend owns its inputs, so nothing is written in place).
#include <node_api.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdlib>
#include <cstring>

#include "common.h"
#include "elementwise.h"

namespace cosearch {

namespace {

bool floatArray(napi_env env, napi_value v, float** data, size_t* len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &off) != napi_ok || type != napi_float32_array)
    return false;
  *data = static_cast<float*>(p);
  return true;
}

napi_value fail(napi_env env, const char* msg) {
  napi_throw_type_error(env, nullptr, msg);
  return nullptr;
}

// A new Float32Array of n floats; *data points at its storage, left uninitialized: a Node Buffer
// is malloc'd without the zero fill an ArrayBuffer gets, and every kernel writes all its output.
napi_value newFloats(napi_env env, size_t n, float** data) {
  napi_value buf, ab, result;
  void* p;
  if (napi_create_buffer(env, n * sizeof(float), &p, &buf) != napi_ok) return nullptr;
  napi_typedarray_type type;
  size_t len, offset;
  void* base;
  if (napi_get_typedarray_info(env, buf, &type, &len, &base, &ab, &offset) != napi_ok) return nullptr;
  if (offset % sizeof(float) == 0 &&
      napi_create_typedarray(env, napi_float32_array, n, ab, offset, &result) == napi_ok) {
    *data = static_cast<float*>(p);
    return result;
  }
  // A pooled, misaligned Buffer (small sizes only): a plain zeroed ArrayBuffer instead.
  if (napi_create_arraybuffer(env, n * sizeof(float), &p, &ab) != napi_ok) return nullptr;
  if (napi_create_typedarray(env, napi_float32_array, n, ab, 0, &result) != napi_ok) return nullptr;
  *data = static_cast<float*>(p);
  return result;
}

bool int64Arg(napi_env env, napi_value v, int64_t* out) { return napi_get_value_int64(env, v, out) == napi_ok; }

// Whether argument i is absent, undefined or null.
bool absent(napi_env env, size_t argc, napi_value* argv, size_t i) {
  if (argc <= i) return true;
  napi_valuetype t;
  napi_typeof(env, argv[i], &t);
  return t == napi_null || t == napi_undefined;
}

// The caller's output array (argument `i`, optional) when given, else a new one of n floats.
// Outputs must not overlap the inputs; the JS side hands in only arrays no tensor holds.
napi_value outArray(napi_env env, size_t argc, napi_value* argv, size_t i, size_t n, float** data) {
  if (absent(env, argc, argv, i)) return newFloats(env, n, data);
  size_t len;
  if (!floatArray(env, argv[i], data, &len) || len != n) return nullptr;
  return argv[i];
}

// conv(op, a: Float32Array, b: Float32Array, geom: Int32Array(13), out?: Float32Array,
//      bias?: Float32Array | null, relu?: boolean) -> out. bias and relu: the forward ops' epilogue.
napi_value Conv(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 4 || argc > 7) return fail(env, "conv(op, a, b, geom, out?, bias?, relu?) takes 4 to 7 arguments");
  int32_t op;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok) return fail(env, "op must be an integer");
  float *a, *b;
  size_t na, nb;
  if (!floatArray(env, argv[1], &a, &na) || !floatArray(env, argv[2], &b, &nb))
    return fail(env, "a and b must be Float32Arrays");
  napi_typedarray_type gt;
  size_t gl, goff;
  void* gp;
  napi_value gab;
  if (napi_get_typedarray_info(env, argv[3], &gt, &gl, &gp, &gab, &goff) != napi_ok || gt != napi_int32_array ||
      gl != 13)
    return fail(env, "geom must be an Int32Array of 13");
  Geom g;
  std::memcpy(&g, gp, sizeof(Geom));
  const size_t xs = size_t(g.batch) * g.inH * g.inW * g.inC;
  const size_t ys = size_t(g.batch) * g.outH * g.outW * g.outC;
  const size_t ws = size_t(g.kH) * g.kW * g.inC * (op >= 3 ? 1 : g.outC);
  size_t ea, eb, out;
  switch (op) {
    case 0: case 3: ea = xs; eb = ws; out = ys; break;  // forward
    case 1: case 4: ea = ys; eb = ws; out = xs; break;  // input gradient
    case 2: case 5: ea = xs; eb = ys; out = ws; break;  // filter gradient
    default: return fail(env, "unknown op");
  }
  if (na != ea || nb != eb) return fail(env, "array sizes do not match the geometry");
  float* o;
  napi_value result = outArray(env, argc, argv, 4, out, &o);
  if (!result) return fail(env, "out must be a Float32Array of the output's size");
  Epilogue e;
  if (!absent(env, argc, argv, 5)) {
    float* bias;
    size_t nbias;
    if (!floatArray(env, argv[5], &bias, &nbias) || nbias != size_t(g.outC))
      return fail(env, "bias must be a Float32Array of outC floats");
    e.bias = bias;
  }
  if (!absent(env, argc, argv, 6) && napi_get_value_bool(env, argv[6], &e.relu) != napi_ok)
    return fail(env, "relu must be a boolean");
  if (e.any() && op != kConv2d && op != kDepthwise) return fail(env, "bias and relu apply to forward ops only");
  runConv(op, a, b, o, g, e);
  return result;
}

// ew(op, a: Float32Array, b: Float32Array, c: number, out?: Float32Array) -> out (a's length).
// Same-shape ops need b as long as a; vector ops need b of k vectors of c, k dividing a's rows of c.
napi_value Ew(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4 && argc != 5) return fail(env, "ew(op, a, b, c, out?) takes 4 or 5 arguments");
  int32_t op;
  int64_t c;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || !int64Arg(env, argv[3], &c))
    return fail(env, "op and c must be integers");
  float *a, *b;
  size_t na, nb;
  if (!floatArray(env, argv[1], &a, &na) || !floatArray(env, argv[2], &b, &nb))
    return fail(env, "a and b must be Float32Arrays");
  if (op < kRelu || op > kVecDiv) return fail(env, "unknown op");
  const bool unary = op == kRelu || op == kStep;
  const bool vec = op >= kAddVec;
  // Vector ops: b holds k vectors of c, k dividing the map's rows.
  if (vec ? (c <= 0 || nb == 0 || nb % size_t(c) != 0 || na % size_t(c) != 0 || (na / size_t(c)) % (nb / size_t(c)) != 0)
          : (!unary && nb != na))
    return fail(env, "array sizes do not match the op");
  float* o;
  napi_value result = outArray(env, argc, argv, 4, na, &o);
  if (!result) return fail(env, "out must be a Float32Array as long as a");
  elementwise(op, a, b, o, int64_t(na), vec ? c : 1, int64_t(nb));
  return result;
}

// channelSum(x: Float32Array, outer, inner, c, mean: boolean, out?: Float32Array) -> out (outer·c)
napi_value ChannelSum(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 5 && argc != 6) return fail(env, "channelSum(x, outer, inner, c, mean, out?) takes 5 or 6 arguments");
  float* x;
  size_t nx;
  int64_t outer, inner, c;
  bool mean;
  if (!floatArray(env, argv[0], &x, &nx)) return fail(env, "x must be a Float32Array");
  if (!int64Arg(env, argv[1], &outer) || !int64Arg(env, argv[2], &inner) || !int64Arg(env, argv[3], &c) ||
      napi_get_value_bool(env, argv[4], &mean) != napi_ok)
    return fail(env, "outer, inner, c must be integers and mean a boolean");
  if (outer < 0 || inner <= 0 || c <= 0 || size_t(outer * inner * c) != nx)
    return fail(env, "x's length is not outer * inner * c");
  float* o;
  napi_value result = outArray(env, argc, argv, 5, size_t(outer * c), &o);
  if (!result) return fail(env, "out must be a Float32Array of outer * c");
  channelSum(x, o, outer, inner, c, mean);
  return result;
}

// Tensor buffers of a few MB are allocated and freed every step. By default glibc maps each one
// fresh and unmaps it on free, so every step page-faults its whole working set again (about 4 µs
// a page on these VMs, more than the arithmetic). Keeping freed memory in the heap lets the next
// step reuse already-mapped pages. COSEARCH_MALLOPT=0 leaves malloc alone.
void tuneMalloc() {
#if defined(__GLIBC__)
  const char* env = std::getenv("COSEARCH_MALLOPT");
  if (env && std::strcmp(env, "0") == 0) return;
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

bool doubleArray(napi_env env, napi_value v, double** data, size_t* len) {
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &off) != napi_ok || type != napi_float64_array)
    return false;
  *data = static_cast<double*>(p);
  return true;
}

// Float32Array arguments [from, from + count) into ptrs, each of the given length.
bool floats(napi_env env, napi_value* argv, size_t from, size_t count, const size_t* lens, float** ptrs) {
  for (size_t i = 0; i < count; i++) {
    size_t len;
    if (!floatArray(env, argv[from + i], &ptrs[i], &len) || len != lens[i]) return false;
  }
  return true;
}

// bnTrain(x, c, gamma, beta, eps, y, mean, variance, xhat, invStd: Float64Array, relu?: boolean):
// fills the outputs (y after a fused ReLU when relu is true).
napi_value BnTrain(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t c;
  double eps;
  float* x;
  size_t nx, ni;
  double* invStd;
  bool relu = false;
  if (!absent(env, argc, argv, 10) && napi_get_value_bool(env, argv[10], &relu) != napi_ok)
    return fail(env, "bnTrain: relu must be a boolean");
  if (argc < 10 || !floatArray(env, argv[0], &x, &nx) || !int64Arg(env, argv[1], &c) ||
      napi_get_value_double(env, argv[4], &eps) != napi_ok || !doubleArray(env, argv[9], &invStd, &ni))
    return fail(env, "bnTrain(x, c, gamma, beta, eps, y, mean, variance, xhat, invStd) argument types");
  if (c <= 0 || nx % size_t(c) != 0 || ni != size_t(c)) return fail(env, "bnTrain: x's length is not a multiple of c");
  const size_t cc = size_t(c);
  const size_t lens[] = {cc, cc, nx, cc, cc, nx};
  float* p[6];  // gamma, beta, y, mean, variance, xhat
  if (!floats(env, argv, 2, 2, lens, p) || !floats(env, argv, 5, 4, lens + 2, p + 2))
    return fail(env, "bnTrain: gamma, beta, mean, variance need c floats; y and xhat as many as x");
  batchNormTrain(x, int64_t(nx / cc), c, p[0], p[1], eps, p[2], p[3], p[4], p[5], invStd, relu);
  return nullptr;
}

// bnGrad(dy, xhat, invStd: Float64Array, gamma, c, dx, dGamma, dBeta, reluOut?: Float32Array):
// fills the outputs; reluOut (the forward's y after a fused ReLU) masks dy first.
napi_value BnGrad(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int64_t c;
  float* dy;
  size_t n, ni;
  double* invStd;
  if (argc < 8 || !floatArray(env, argv[0], &dy, &n) || !doubleArray(env, argv[2], &invStd, &ni) ||
      !int64Arg(env, argv[4], &c))
    return fail(env, "bnGrad(dy, xhat, invStd, gamma, c, dx, dGamma, dBeta) argument types");
  if (c <= 0 || n % size_t(c) != 0 || ni != size_t(c)) return fail(env, "bnGrad: dy's length is not a multiple of c");
  const size_t cc = size_t(c);
  const size_t lens[] = {n, cc, n, cc, cc};
  float* p[5];  // xhat, gamma, dx, dGamma, dBeta
  if (!floats(env, argv, 1, 1, lens, p) || !floats(env, argv, 3, 1, lens + 1, p + 1) ||
      !floats(env, argv, 5, 3, lens + 2, p + 2))
    return fail(env, "bnGrad: xhat and dx need as many floats as dy; gamma, dGamma, dBeta c");
  float* reluOut = nullptr;
  size_t nr;
  if (!absent(env, argc, argv, 8) && (!floatArray(env, argv[8], &reluOut, &nr) || nr != n))
    return fail(env, "bnGrad: reluOut needs as many floats as dy");
  batchNormGrad(dy, p[0], invStd, p[1], int64_t(n / cc), c, p[2], p[3], p[4], reluOut);
  return nullptr;
}

// matmul(a, b, geom: Int32Array(12), out): tfjs's BatchMatMul (native/kernels/matmul.cc) into
// out, which it returns. a and b are the whole 3-D views: batchA·M·K and batchB·K·N floats.
napi_value MatMul(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  float *a, *b, *o;
  size_t na, nb, no;
  napi_typedarray_type gt;
  size_t gl, goff;
  void* gp;
  napi_value gab;
  if (argc != 4 || !floatArray(env, argv[0], &a, &na) || !floatArray(env, argv[1], &b, &nb) ||
      !floatArray(env, argv[3], &o, &no))
    return fail(env, "matmul(a, b, geom, out) takes three Float32Arrays and a geometry");
  if (napi_get_typedarray_info(env, argv[2], &gt, &gl, &gp, &gab, &goff) != napi_ok || gt != napi_int32_array ||
      gl != 12)
    return fail(env, "geom must be an Int32Array of 12");
  int64_t g[12];
  for (int i = 0; i < 12; i++) g[i] = static_cast<const int32_t*>(gp)[i];
  if (na != size_t(g[1] * g[3] * g[5]) || nb != size_t(g[2] * g[5] * g[4]) || no != size_t(g[0] * g[3] * g[4]))
    return fail(env, "matmul: array sizes do not match the geometry");
  batchMatMul(a, b, o, g);
  return argv[3];
}

// setThreads(n) -> the previous count (1 until set; the JS side applies COSEARCH_THREADS). Results
// do not depend on it (see common.h).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], prev;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t n;
  if (argc != 1 || napi_get_value_int32(env, argv[0], &n) != napi_ok) return fail(env, "setThreads(n) takes an integer");
  napi_create_int32(env, setThreadCount(n), &prev);
  return prev;
}

// helperPieces() -> pieces of work the helper threads have run so far.
napi_value HelperPieces(napi_env env, napi_callback_info) {
  napi_value r;
  napi_create_int32(env, helperPieces(), &r);
  return r;
}

napi_value Init(napi_env env, napi_value exports) {
  tuneMalloc();
  const struct {
    const char* name;
    napi_callback cb;
  } fns[] = {{"conv", Conv}, {"ew", Ew}, {"channelSum", ChannelSum}, {"setThreads", SetThreads},
                {"bnTrain", BnTrain}, {"bnGrad", BnGrad}, {"helperPieces", HelperPieces}, {"matmul", MatMul}};
  for (const auto& f : fns) {
    napi_value fn;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn);
    napi_set_named_property(env, exports, f.name, fn);
  }
  return exports;
}

}  // namespace

}  // namespace cosearch

NAPI_MODULE(NODE_GYP_MODULE_NAME, cosearch::Init)
