// cosearch fast conv kernels for the tfjs cpu backend (NHWC input, HWIO filters, depthwise
// multiplier 1). Plain N-API, no dependencies; built by native/build.mjs with the system g++.
//
// Determinism: forward and input-gradient outputs are per example, so any thread split gives
// the same bits. Filter gradients are summed over a fixed number of batch chunks (not threads),
// then reduced in chunk order, so the result does not depend on the thread count either.
#include <node_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

namespace {

struct Geom {
  int batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft;
};

constexpr int kFilterChunks = 8;

int threadCount() {
  static int n = [] {
    const char* env = std::getenv("COSEARCH_THREADS");
    int t = env ? std::atoi(env) : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, std::min(t, 16));
  }();
  return n;
}

// Runs f(begin, end) over [0, n) split into contiguous ranges, one per thread.
template <typename F>
void parallelFor(int n, int64_t work, F f) {
  int t = std::min(threadCount(), n);
  if (t <= 1 || work < 2000000) {
    f(0, n);
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

void conv2d(const float* __restrict x, const float* __restrict w, float* __restrict y, const Geom& g) {
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  parallelFor(g.batch, work, [&](int b0, int b1) {
    for (int b = b0; b < b1; b++)
      for (int oy = 0; oy < g.outH; oy++)
        for (int ox = 0; ox < g.outW; ox++) {
          float* __restrict yr = y + ((int64_t(b) * g.outH + oy) * g.outW + ox) * g.outC;
          for (int ky = 0; ky < g.kH; ky++) {
            int iy = oy * g.strideH + ky - g.padTop;
            if (iy < 0 || iy >= g.inH) continue;
            for (int kx = 0; kx < g.kW; kx++) {
              int ix = ox * g.strideW + kx - g.padLeft;
              if (ix < 0 || ix >= g.inW) continue;
              const float* xr = x + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC;
              const float* wr = w + int64_t(ky * g.kW + kx) * g.inC * g.outC;
              for (int ci = 0; ci < g.inC; ci++) {
                float xv = xr[ci];
                if (xv == 0.f) continue;
                const float* __restrict wc = wr + int64_t(ci) * g.outC;
                for (int co = 0; co < g.outC; co++) yr[co] += xv * wc[co];
              }
            }
          }
        }
  });
}

// dx = conv-transpose(dy, w); w is pre-transposed to [kH, kW, outC, inC] so the inner loop runs
// over contiguous input channels and vectorizes without reassociating sums.
void conv2dBackpropInput(const float* __restrict dy, const float* __restrict w, float* __restrict dx,
                         const Geom& g) {
  std::vector<float> wt(size_t(g.kH) * g.kW * g.inC * g.outC);
  for (int k = 0; k < g.kH * g.kW; k++)
    for (int ci = 0; ci < g.inC; ci++)
      for (int co = 0; co < g.outC; co++)
        wt[(size_t(k) * g.outC + co) * g.inC + ci] = w[(size_t(k) * g.inC + ci) * g.outC + co];
  const float* __restrict wtp = wt.data();
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  parallelFor(g.batch, work, [&](int b0, int b1) {
    for (int b = b0; b < b1; b++)
      for (int oy = 0; oy < g.outH; oy++)
        for (int ox = 0; ox < g.outW; ox++) {
          const float* dyr = dy + ((int64_t(b) * g.outH + oy) * g.outW + ox) * g.outC;
          for (int ky = 0; ky < g.kH; ky++) {
            int iy = oy * g.strideH + ky - g.padTop;
            if (iy < 0 || iy >= g.inH) continue;
            for (int kx = 0; kx < g.kW; kx++) {
              int ix = ox * g.strideW + kx - g.padLeft;
              if (ix < 0 || ix >= g.inW) continue;
              float* __restrict dxr = dx + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC;
              const float* wr = wtp + int64_t(ky * g.kW + kx) * g.outC * g.inC;
              for (int co = 0; co < g.outC; co++) {
                float d = dyr[co];
                if (d == 0.f) continue;
                const float* __restrict wc = wr + int64_t(co) * g.inC;
                for (int ci = 0; ci < g.inC; ci++) dxr[ci] += d * wc[ci];
              }
            }
          }
        }
  });
}

template <typename Body>
void filterGrad(float* __restrict dw, size_t n, const Geom& g, int64_t work, Body body) {
  // Fixed chunks of the batch, each into its own buffer, reduced in order.
  int chunks = std::min(kFilterChunks, g.batch);
  std::vector<float> part(size_t(chunks) * n, 0.f);
  int per = (g.batch + chunks - 1) / chunks;
  parallelFor(chunks, work, [&](int c0, int c1) {
    for (int c = c0; c < c1; c++) {
      int b0 = c * per, b1 = std::min(g.batch, b0 + per);
      for (int b = b0; b < b1; b++) body(b, part.data() + size_t(c) * n);
    }
  });
  std::memset(dw, 0, n * sizeof(float));
  for (int c = 0; c < chunks; c++) {
    const float* p = part.data() + size_t(c) * n;
    for (size_t i = 0; i < n; i++) dw[i] += p[i];
  }
}

void conv2dBackpropFilter(const float* __restrict x, const float* __restrict dy, float* __restrict dw,
                          const Geom& g) {
  const size_t n = size_t(g.kH) * g.kW * g.inC * g.outC;
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  filterGrad(dw, n, g, work, [&](int b, float* __restrict acc) {
    for (int oy = 0; oy < g.outH; oy++)
      for (int ox = 0; ox < g.outW; ox++) {
        const float* __restrict dyr = dy + ((int64_t(b) * g.outH + oy) * g.outW + ox) * g.outC;
        for (int ky = 0; ky < g.kH; ky++) {
          int iy = oy * g.strideH + ky - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (int kx = 0; kx < g.kW; kx++) {
            int ix = ox * g.strideW + kx - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            const float* xr = x + ((int64_t(b) * g.inH + iy) * g.inW + ix) * g.inC;
            float* ar = acc + int64_t(ky * g.kW + kx) * g.inC * g.outC;
            for (int ci = 0; ci < g.inC; ci++) {
              float xv = xr[ci];
              if (xv == 0.f) continue;
              float* __restrict ac = ar + int64_t(ci) * g.outC;
              for (int co = 0; co < g.outC; co++) ac[co] += xv * dyr[co];
            }
          }
        }
      }
  });
}

void depthwise(const float* __restrict x, const float* __restrict w, float* __restrict y, const Geom& g) {
  const int C = g.inC;
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * C * g.kH * g.kW;
  parallelFor(g.batch, work, [&](int b0, int b1) {
    for (int b = b0; b < b1; b++)
      for (int oy = 0; oy < g.outH; oy++)
        for (int ox = 0; ox < g.outW; ox++) {
          float* __restrict yr = y + ((int64_t(b) * g.outH + oy) * g.outW + ox) * C;
          for (int ky = 0; ky < g.kH; ky++) {
            int iy = oy * g.strideH + ky - g.padTop;
            if (iy < 0 || iy >= g.inH) continue;
            for (int kx = 0; kx < g.kW; kx++) {
              int ix = ox * g.strideW + kx - g.padLeft;
              if (ix < 0 || ix >= g.inW) continue;
              const float* __restrict xr = x + ((int64_t(b) * g.inH + iy) * g.inW + ix) * C;
              const float* __restrict wr = w + int64_t(ky * g.kW + kx) * C;
              for (int c = 0; c < C; c++) yr[c] += xr[c] * wr[c];
            }
          }
        }
  });
}

void depthwiseBackpropInput(const float* __restrict dy, const float* __restrict w, float* __restrict dx,
                            const Geom& g) {
  const int C = g.inC;
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * C * g.kH * g.kW;
  parallelFor(g.batch, work, [&](int b0, int b1) {
    for (int b = b0; b < b1; b++)
      for (int oy = 0; oy < g.outH; oy++)
        for (int ox = 0; ox < g.outW; ox++) {
          const float* __restrict dyr = dy + ((int64_t(b) * g.outH + oy) * g.outW + ox) * C;
          for (int ky = 0; ky < g.kH; ky++) {
            int iy = oy * g.strideH + ky - g.padTop;
            if (iy < 0 || iy >= g.inH) continue;
            for (int kx = 0; kx < g.kW; kx++) {
              int ix = ox * g.strideW + kx - g.padLeft;
              if (ix < 0 || ix >= g.inW) continue;
              float* __restrict dxr = dx + ((int64_t(b) * g.inH + iy) * g.inW + ix) * C;
              const float* __restrict wr = w + int64_t(ky * g.kW + kx) * C;
              for (int c = 0; c < C; c++) dxr[c] += dyr[c] * wr[c];
            }
          }
        }
  });
}

void depthwiseBackpropFilter(const float* __restrict x, const float* __restrict dy, float* __restrict dw,
                             const Geom& g) {
  const int C = g.inC;
  const size_t n = size_t(g.kH) * g.kW * C;
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * C * g.kH * g.kW;
  filterGrad(dw, n, g, work, [&](int b, float* __restrict acc) {
    for (int oy = 0; oy < g.outH; oy++)
      for (int ox = 0; ox < g.outW; ox++) {
        const float* __restrict dyr = dy + ((int64_t(b) * g.outH + oy) * g.outW + ox) * C;
        for (int ky = 0; ky < g.kH; ky++) {
          int iy = oy * g.strideH + ky - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (int kx = 0; kx < g.kW; kx++) {
            int ix = ox * g.strideW + kx - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            const float* __restrict xr = x + ((int64_t(b) * g.inH + iy) * g.inW + ix) * C;
            float* __restrict ar = acc + int64_t(ky * g.kW + kx) * C;
            for (int c = 0; c < C; c++) ar[c] += xr[c] * dyr[c];
          }
        }
      }
  });
}

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

// run(op, a: Float32Array, b: Float32Array, geom: Int32Array(13)) -> Float32Array
napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc != 4) return fail(env, "run(op, a, b, geom) takes 4 arguments");
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
  // Expected input sizes and output size per op.
  size_t ea, eb, out;
  switch (op) {
    case 0: case 3: ea = xs; eb = ws; out = ys; break;   // forward
    case 1: case 4: ea = ys; eb = ws; out = xs; break;   // input gradient
    case 2: case 5: ea = xs; eb = ys; out = ws; break;   // filter gradient
    default: return fail(env, "unknown op");
  }
  if (na != ea || nb != eb) return fail(env, "array sizes do not match the geometry");
  napi_value abuf, result;
  void* outp;
  if (napi_create_arraybuffer(env, out * sizeof(float), &outp, &abuf) != napi_ok) return fail(env, "out of memory");
  float* o = static_cast<float*>(outp);
  std::memset(o, 0, out * sizeof(float));
  switch (op) {
    case 0: conv2d(a, b, o, g); break;
    case 1: conv2dBackpropInput(a, b, o, g); break;
    case 2: conv2dBackpropFilter(a, b, o, g); break;
    case 3: depthwise(a, b, o, g); break;
    case 4: depthwiseBackpropInput(a, b, o, g); break;
    case 5: depthwiseBackpropFilter(a, b, o, g); break;
  }
  napi_create_typedarray(env, napi_float32_array, out, abuf, 0, &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_value fn, threads;
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, Run, nullptr, &fn);
  napi_set_named_property(env, exports, "run", fn);
  napi_create_int32(env, threadCount(), &threads);
  napi_set_named_property(env, exports, "threads", threads);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
