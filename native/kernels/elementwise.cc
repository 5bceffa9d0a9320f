// Memory-bound elementwise ops for the tfjs cpu backend: ReLU, its gradient, same-shape binary
// ops, a per-channel vector broadcast over a channels-last map, and per-channel sums. Each output
// element is computed independently (sums per channel in a fixed order), so threads split freely.
#include "elementwise.h"

namespace cosearch {

namespace {

// Elementwise jobs below this many floats stay on one thread (waking the pool costs a few µs).
constexpr int64_t kParallelFloats = 1 << 16;

template <typename F>
void rowsParallel(int64_t rows, int64_t rowLen, F f) {
  const int64_t n = rows * rowLen;
  if (n < kParallelFloats || rows < 2) {
    f(0, rows);
    return;
  }
  // parallelFor counts in int; split rows into at most 64 pieces.
  const int pieces = int(imin<int64_t>(rows, 64));
  parallelFor(pieces, n * 4, [&](int p0, int p1) {
    f(rows * p0 / pieces, rows * p1 / pieces);
  });
}

}  // namespace

void elementwise(int op, const float* __restrict a, const float* __restrict b, float* __restrict out, int64_t n,
                 int64_t c, int64_t nb) {
  switch (op) {
    case kRelu:  // max(0, x) as in the cpu kernel: -0 gives +0, NaN stays NaN
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        int64_t i = i0;
        for (; i + VW <= i1; i += VW) storev(out + i, reluv(loadv(a + i)));
        for (; i < i1; i++) out[i] = relu1(a[i]);
      });
      return;
    case kStep:  // alpha 0; NaN stays NaN as in the cpu kernel
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        int64_t i = i0;
        for (; i + VW <= i1; i += VW) storev(out + i, stepv(loadv(a + i)));
        for (; i < i1; i++) out[i] = step1(a[i]);
      });
      return;
    case kReluGrad:  // dy · step(x), the product the cpu backend's ReLU gradient computes
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        int64_t i = i0;
        for (; i + VW <= i1; i += VW) storev(out + i, loadv(a + i) * stepv(loadv(b + i)));
        for (; i < i1; i++) out[i] = a[i] * step1(b[i]);
      });
      return;
    case kAdd:
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) out[i] = a[i] + b[i];
      });
      return;
    case kSub:
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) out[i] = a[i] - b[i];
      });
      return;
    case kMul:
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) out[i] = a[i] * b[i];
      });
      return;
    case kDiv:
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) out[i] = a[i] / b[i];
      });
      return;
    default:
      break;
  }
  // Channel-vector ops: a is the [n / c, c] map, b holds nb / c vectors of c, and map row r takes
  // vector r / (rows per vector): one vector for the whole map, or one per example.
  const int64_t rows = n / c, per = rows / (nb / c);
  auto vecOp = [&](auto f) {
    if (nb == 1) {  // a scalar: one flat loop
      const float v = b[0];
      rowsParallel(n, 1, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; i++) out[i] = f(a[i], v);
      });
      return;
    }
    rowsParallel(rows, c, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1;) {
        const int64_t vi = r / per, end = imin(r1, (vi + 1) * per);
        const float* __restrict v = b + vi * c;
        for (; r < end; r++)
          for (int64_t j = 0; j < c; j++) out[r * c + j] = f(a[r * c + j], v[j]);
      }
    });
  };
  switch (op) {
    case kAddVec: vecOp([](float m, float v) { return m + v; }); return;
    case kSubVec: vecOp([](float m, float v) { return m - v; }); return;
    case kVecSub: vecOp([](float m, float v) { return v - m; }); return;
    case kMulVec: vecOp([](float m, float v) { return m * v; }); return;
    case kDivVec: vecOp([](float m, float v) { return m / v; }); return;
    case kVecDiv: vecOp([](float m, float v) { return v / m; }); return;
    default: break;
  }
}

// out[o, j] = Σ_i x[o, i, j] (or the mean), accumulated in double in i order like the JS loop.
void channelSum(const float* __restrict x, float* __restrict out, int64_t outer, int64_t inner, int64_t c,
                bool mean) {
  // Work goes out per example (outer) when there are several, else per block of channels: each
  // channel's sum runs over inner in order on one thread, so the blocks' width never changes a
  // bit. Blocks as wide as the threads allow keep several sums in flight.
  const int64_t lanes = (c + DW - 1) / DW;
  const int64_t perThread = (lanes + threadCount() - 1) / threadCount();
  const int64_t bw = outer > 1 ? lanes : imax<int64_t>(1, perThread);
  const int64_t cb = (lanes + bw - 1) / bw;
  parallelFor(int(outer * cb), outer * inner * c, [&](int p0, int p1) {
    for (int p = p0; p < p1; p++) {
      const int64_t o = p / cb, j0 = (p % cb) * bw * DW, j1 = imin<int64_t>(c, j0 + bw * DW);
      const float* __restrict base = x + o * inner * c;
      float* __restrict dst = out + o * c;
      const int64_t tail = vectorGroups<8>(j0, j1, DW, [&](auto group, int64_t j) {
        constexpr int NB = decltype(group)::nv;
        vd acc[NB] = {};
        const float* q = base + j;
        for (int64_t i = 0; i < inner; i++, q += c)
          for (int v = 0; v < NB; v++) acc[v] += widen(q + v * DW);
        for (int v = 0; v < NB; v++)
          for (int l = 0; l < DW; l++) dst[j + v * DW + l] = float(mean ? acc[v][l] / double(inner) : acc[v][l]);
      });
      for (int64_t j = tail; j < j1; j++) {
        double acc = 0.0;
        for (int64_t i = 0; i < inner; i++) acc += base[i * c + j];
        dst[j] = float(mean ? acc / double(inner) : acc);
      }
    }
  });
}

}  // namespace cosearch
