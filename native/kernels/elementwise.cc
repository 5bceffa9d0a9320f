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

namespace {

// Half a float vector, widened to a vector of doubles (4 lanes natively, 2 in WebAssembly).
constexpr int DW = VW / 2;
typedef float hf __attribute__((vector_size(DW * 4)));
typedef double vd __attribute__((vector_size(DW * 8)));

// Channels [j0, j0 + NB·DW) of one [inner, c] slab: NB vectors of double sums, each channel's
// carried over i in order, so the bits are those of one double per channel.
template <int NB>
void channelSumBlock(const float* __restrict base, int64_t inner, int64_t c, int64_t j0, bool mean,
                     float* __restrict out) {
  vd acc[NB];
  for (int v = 0; v < NB; v++) acc[v] = vd{};
  const float* p = base + j0;
  for (int64_t i = 0; i < inner; i++, p += c)
    for (int v = 0; v < NB; v++) {
      hf h;
      __builtin_memcpy(&h, p + v * DW, sizeof h);
      acc[v] += __builtin_convertvector(h, vd);
    }
  for (int v = 0; v < NB; v++)
    for (int l = 0; l < DW; l++) out[j0 + v * DW + l] = float(mean ? acc[v][l] / double(inner) : acc[v][l]);
}

}  // namespace

// out[o, j] = Σ_i x[o, i, j] (or the mean), accumulated in double in i order like the JS loop.
void channelSum(const float* __restrict x, float* __restrict out, int64_t outer, int64_t inner, int64_t c,
                bool mean) {
  // Work goes out per example (outer) when there are several, else per block of channels: each
  // channel's sum runs over inner in order on one thread, so the blocks' width never changes a
  // bit. Blocks as wide as the threads allow (up to 8 double vectors) keep several sums in flight.
  const int64_t lanes = (c + DW - 1) / DW;
  const int64_t perThread = (lanes + threadCount() - 1) / threadCount();
  const int64_t bw = outer > 1 ? lanes : imin<int64_t>(8, imax<int64_t>(1, perThread));
  const int64_t cb = (lanes + bw - 1) / bw;
  parallelFor(int(outer * cb), outer * inner * c, [&](int p0, int p1) {
    for (int p = p0; p < p1; p++) {
      const int64_t o = p / cb, l0 = (p % cb) * bw, l1 = imin<int64_t>(lanes, l0 + bw);
      const float* base = x + o * inner * c;
      float* dst = out + o * c;
      // Whole double vectors in blocks of up to 8, then the channels past the last whole one.
      int64_t l = l0;
      const int64_t whole = imin<int64_t>(l1, c / DW);
      for (; l + 8 <= whole; l += 8) channelSumBlock<8>(base, inner, c, l * DW, mean, dst);
      switch (whole - l) {
        case 7: channelSumBlock<7>(base, inner, c, l * DW, mean, dst); break;
        case 6: channelSumBlock<6>(base, inner, c, l * DW, mean, dst); break;
        case 5: channelSumBlock<5>(base, inner, c, l * DW, mean, dst); break;
        case 4: channelSumBlock<4>(base, inner, c, l * DW, mean, dst); break;
        case 3: channelSumBlock<3>(base, inner, c, l * DW, mean, dst); break;
        case 2: channelSumBlock<2>(base, inner, c, l * DW, mean, dst); break;
        case 1: channelSumBlock<1>(base, inner, c, l * DW, mean, dst); break;
        default: break;
      }
      for (int64_t j = imax<int64_t>(l0, whole) * DW; j < imin<int64_t>(c, l1 * DW); j++) {
        double acc = 0.0;
        for (int64_t i = 0; i < inner; i++) acc += base[i * c + j];
        dst[j] = float(mean ? acc / double(inner) : acc);
      }
    }
  });
}

}  // namespace cosearch
