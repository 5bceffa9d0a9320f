// Convolutions for the tfjs cpu backend (NHWC input, HWIO filters, depthwise multiplier 1).
// Regular convs are im2col + GEMM (gemm.cc) in blocks of output pixels that stay in cache; 1×1
// stride-1 convs skip im2col (the input already is the matrix). Depthwise convs are direct loops.
//
// Determinism: forward and input-gradient outputs are split between threads by output rows or by
// example, so any split gives the same bits. Filter gradients are summed over a fixed number of
// batch chunks (not threads), then reduced in chunk order, so they do not depend on the thread
// count either.
#include "common.h"

namespace cosearch {

namespace {

constexpr int kFilterChunks = 8;
constexpr int kRowBlock = 96;          // output pixels per im2col block (forward, input gradient)
constexpr int kFilterRowBlock = 256;   // output pixels per im2col block (filter gradient)

// n floats; an inline loop because the runs are short (inC floats per tap) and a memcpy call
// per run cost more than the copy.
inline void copyFloats(float* __restrict dst, const float* __restrict src, int n) {
  int i = 0;
  for (; i + VW <= n; i += VW) storev(dst + i, loadv(src + i));
  for (; i < n; i++) dst[i] = src[i];
}
inline void zeroFloats(float* dst, int n) {
  int i = 0;
  for (; i + VW <= n; i += VW) storev(dst + i, splatv(0.f));
  for (; i < n; i++) dst[i] = 0.f;
}

// Output pixel m as (example, row, column), advanced pixel by pixel: a 64-bit division per
// pixel cost more than copying its taps for few-channel inputs.
struct Pixel {
  int64_t b;
  int oy, ox;
  Pixel(int64_t m, const Geom& g) {
    ox = int(m % g.outW);
    const int64_t t = m / g.outW;
    oy = int(t % g.outH);
    b = t / g.outH;
  }
  void next(const Geom& g) {
    if (++ox < g.outW) return;
    ox = 0;
    if (++oy < g.outH) return;
    oy = 0;
    b++;
  }
};

// ceil(a / b) for b > 0 and any sign of a.
inline int ceilDiv(int a, int b) { return a >= 0 ? (a + b - 1) / b : -(-a / b); }

// im2col for inputs of fewer channels than a vector (the first conv of a network): tap by tap,
// a strided copy along each output row, so the inner loop has no bounds test and copies more
// than a few floats per call.
void im2colFewChannels(const float* __restrict x, const Geom& g, int64_t m0, int64_t m1, float* __restrict col) {
  const int K = g.kH * g.kW * g.inC;
  const int C = g.inC;
  Pixel p(m0, g);
  for (int64_t m = m0; m < m1;) {
    // The rest of this output row that falls in the block: n pixels from (p.b, p.oy, p.ox).
    const int n = int(imin<int64_t>(m1 - m, g.outW - p.ox));
    float* seg = col + (m - m0) * K;
    for (int ky = 0; ky < g.kH; ky++) {
      const int iy = p.oy * g.strideH + ky - g.padTop;
      const bool rowIn = iy >= 0 && iy < g.inH;
      for (int kx = 0; kx < g.kW; kx++) {
        float* __restrict d = seg + (ky * g.kW + kx) * C;
        // Pixels j in [lo, hi) read input column ix = (p.ox + j)·stride + kx - pad inside the image.
        const int off = kx - g.padLeft;
        int lo = 0, hi = 0;
        if (rowIn) {
          lo = imin(n, imax(0, ceilDiv(-off, g.strideW) - p.ox));
          hi = imax(lo, imin(n, ceilDiv(g.inW - off, g.strideW) - p.ox));
        }
        const float* __restrict src =
            hi > lo ? x + ((p.b * g.inH + iy) * g.inW + (p.ox + lo) * g.strideW + off) * C : x;
        const int step = g.strideW * C;
        if (C == 1) {
          // The common case (a grayscale image): one float per pixel and tap.
          for (int j = 0; j < lo; j++) d[j * K] = 0.f;
          for (int j = lo; j < hi; j++) d[j * K] = src[(j - lo) * step];
          for (int j = hi; j < n; j++) d[j * K] = 0.f;
        } else {
          for (int j = 0; j < lo; j++)
            for (int c = 0; c < C; c++) d[j * K + c] = 0.f;
          for (int j = lo; j < hi; j++)
            for (int c = 0; c < C; c++) d[j * K + c] = src[(j - lo) * step + c];
          for (int j = hi; j < n; j++)
            for (int c = 0; c < C; c++) d[j * K + c] = 0.f;
        }
      }
    }
    m += n;
    p.ox += n - 1;
    p.next(g);
  }
}

// Rows [m0, m1) of the im2col matrix: one row per output pixel, K = kH·kW·inC columns, zeros
// where a tap falls in the padding.
void im2col(const float* __restrict x, const Geom& g, int64_t m0, int64_t m1, float* __restrict col) {
  if (g.inC < VW) {
    im2colFewChannels(x, g, m0, m1, col);
    return;
  }
  const int K = g.kH * g.kW * g.inC;
  const int C = g.inC;
  Pixel p(m0, g);
  for (int64_t m = m0; m < m1; m++, p.next(g)) {
    float* row = col + (m - m0) * K;
    // Taps kx in [kx0, kx1) fall inside the image and read one contiguous run of the input row.
    const int ix0 = p.ox * g.strideW - g.padLeft;
    const int kx0 = imax(0, -ix0), kx1 = imin(g.kW, g.inW - ix0);
    for (int ky = 0; ky < g.kH; ky++) {
      const int iy = p.oy * g.strideH + ky - g.padTop;
      float* dst = row + ky * g.kW * C;
      if (iy < 0 || iy >= g.inH || kx0 >= kx1) {
        zeroFloats(dst, g.kW * C);
        continue;
      }
      zeroFloats(dst, kx0 * C);
      copyFloats(dst + kx0 * C, x + ((p.b * g.inH + iy) * g.inW + ix0 + kx0) * C, (kx1 - kx0) * C);
      zeroFloats(dst + kx1 * C, (g.kW - kx1) * C);
    }
  }
}

// dx += col2im(dcol) for rows [m0, m1) of whole examples (or all of one example).
void col2imAdd(const float* __restrict dcol, const Geom& g, int64_t m0, int64_t m1, float* __restrict dx) {
  const int K = g.kH * g.kW * g.inC;
  const int C = g.inC;
  Pixel p(m0, g);
  for (int64_t m = m0; m < m1; m++, p.next(g)) {
    const float* row = dcol + (m - m0) * K;
    for (int ky = 0; ky < g.kH; ky++) {
      const int iy = p.oy * g.strideH + ky - g.padTop;
      if (iy < 0 || iy >= g.inH) continue;
      float* dst = dx + ((p.b * g.inH + iy) * g.inW) * C;
      for (int kx = 0; kx < g.kW; kx++) {
        const int ix = p.ox * g.strideW + kx - g.padLeft;
        if (ix < 0 || ix >= g.inW) continue;
        float* __restrict d = dst + int64_t(ix) * C;
        const float* __restrict s = row + (ky * g.kW + kx) * C;
        for (int c = 0; c < C; c++) d[c] += s[c];
      }
    }
  }
}

template <typename Body>
void filterGrad(float* __restrict dw, size_t n, const Geom& g, int64_t work, Body body) {
  // Fixed chunks of the batch, each into its own buffer, reduced in order.
  const int chunks = imin(kFilterChunks, g.batch);
  Buf<float> part(size_t(chunks) * n, true);
  const int per = (g.batch + chunks - 1) / chunks;
  parallelFor(chunks, work, [&](int c0, int c1) {
    for (int c = c0; c < c1; c++) {
      const int b0 = imin(g.batch, c * per), b1 = imin(g.batch, b0 + per);
      if (b0 < b1) body(b0, b1, part.data() + size_t(c) * n);
    }
  });
  __builtin_memset(dw, 0, n * sizeof(float));
  for (int c = 0; c < chunks; c++) {
    const float* p = part.data() + size_t(c) * n;
    for (size_t i = 0; i < n; i++) dw[i] += p[i];
  }
}

// The direct path for inputs of fewer channels than a vector (a network's first conv, on the
// image), where im2col would write kH·kW·inC floats per output pixel to read them back once.
// Each output element is the GEMM's own chain: fused multiply-adds from 0 over the taps in
// im2col's column order k = (ky·kW + kx)·inC + c, padding taps included as zeros (forward); or
// over the output pixels in order (filter gradient). So the bits are im2col + GEMM's.
bool directFewChannels(const Geom& g) { return g.inC < VW && g.outC >= VW && g.kH * g.kW * g.inC <= 4096; }

// Example b's image, zero-padded so that every tap of every output pixel falls inside it.
class Padded {
 public:
  explicit Padded(const Geom& g)
      : g_(g),
        hp_((g.outH - 1) * g.strideH + g.kH),
        wp_((g.outW - 1) * g.strideW + g.kW),
        buf_(size_t(hp_) * wp_ * g.inC),
        off_(size_t(g.kH) * g.kW * g.inC) {
    const int C = g.inC;
    for (int ky = 0; ky < g.kH; ky++)
      for (int kx = 0; kx < g.kW; kx++)
        for (int c = 0; c < C; c++) off_[(ky * g.kW + kx) * C + c] = (ky * wp_ + kx) * C + c;
  }
  void fill(const float* __restrict x, int64_t b) {
    const int C = g_.inC;
    const int px0 = imin(wp_, g_.padLeft), px1 = imax(px0, imin(wp_, g_.padLeft + g_.inW));
    for (int py = 0; py < hp_; py++) {
      float* row = buf_.data() + size_t(py) * wp_ * C;
      const int iy = py - g_.padTop;
      if (iy < 0 || iy >= g_.inH) {
        zeroFloats(row, wp_ * C);
        continue;
      }
      zeroFloats(row, px0 * C);
      copyFloats(row + px0 * C, x + ((b * g_.inH + iy) * g_.inW + (px0 - g_.padLeft)) * C, (px1 - px0) * C);
      zeroFloats(row + px1 * C, (wp_ - px1) * C);
    }
  }
  // Output pixel (oy, ox)'s window; tap k reads window()[off()[k]].
  const float* window(int oy, int ox) {
    return buf_.data() + (int64_t(oy) * g_.strideH * wp_ + int64_t(ox) * g_.strideW) * g_.inC;
  }
  const int* off() { return off_.data(); }

 private:
  const Geom& g_;
  int hp_, wp_;
  Buf<float> buf_;
  Buf<int> off_;
};

// Where the vectors of an n-wide row start: every VW floats, the last one moved back to end at n
// when n is not a multiple (it recomputes a few columns, to the same bits). n >= VW.
int vectorStarts(int n, int* starts) {
  int k = 0;
  for (int j = 0; j + VW <= n; j += VW) starts[k++] = j;
  if (n % VW != 0) starts[k++] = n - VW;
  return k;
}

// NV vectors of P consecutive output pixels (windows `step` floats apart): Σ over the K taps of
// window[off[k]] · w[k][cols]. P·NV independent chains keep the FMA units busy.
template <int P, int NV>
inline void pixelDot(const float* __restrict win, int64_t step, const int* __restrict off, int K,
                     const float* __restrict w, int N, const int* __restrict cols, float* __restrict out) {
  vf acc[P][NV];
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) acc[p][v] = splatv(0.f);
  for (int k = 0; k < K; k++) {
    const float* wr = w + int64_t(k) * N;
    vf wv[NV];
    for (int v = 0; v < NV; v++) wv[v] = loadv(wr + cols[v]);
    for (int p = 0; p < P; p++) {
      const vf a = splatv(win[p * step + off[k]]);
      for (int v = 0; v < NV; v++) acc[p][v] = fmav(a, wv[v], acc[p][v]);
    }
  }
  for (int p = 0; p < P; p++)
    for (int v = 0; v < NV; v++) storev(out + int64_t(p) * N + cols[v], acc[p][v]);
}

// One output row's pixels, 4 at a time, then one by one.
template <int NV>
void rowDot(Padded& pad, const Geom& g, int oy, int K, const float* w, const int* cols, float* row) {
  const int N = g.outC;
  const int64_t step = int64_t(g.strideW) * g.inC;
  int ox = 0;
  for (; ox + 4 <= g.outW; ox += 4)
    pixelDot<4, NV>(pad.window(oy, ox), step, pad.off(), K, w, N, cols, row + int64_t(ox) * N);
  for (; ox < g.outW; ox++) pixelDot<1, NV>(pad.window(oy, ox), step, pad.off(), K, w, N, cols, row + int64_t(ox) * N);
}

void conv2dFewChannels(const float* __restrict x, const float* __restrict w, float* __restrict y, const Geom& g,
                       const Epilogue& e) {
  const int K = g.kH * g.kW * g.inC, N = g.outC;
  Buf<int> cols(size_t(N / VW + 1));
  const int nc = vectorStarts(N, cols.data());
  parallelFor(g.batch, int64_t(g.batch) * g.outH * g.outW * K * N, [&](int b0, int b1) {
    Padded pad(g);
    for (int b = b0; b < b1; b++) {
      pad.fill(x, b);
      for (int oy = 0; oy < g.outH; oy++) {
        float* row = y + (int64_t(b) * g.outH + oy) * g.outW * N;
        for (int v0 = 0; v0 < nc; v0 += 3) {
          const int* cv = cols.data() + v0;
          switch (imin(3, nc - v0)) {
            case 1: rowDot<1>(pad, g, oy, K, w, cv, row); break;
            case 2: rowDot<2>(pad, g, oy, K, w, cv, row); break;
            default: rowDot<3>(pad, g, oy, K, w, cv, row); break;
          }
        }
        applyEpilogue(row, g.outW, N, e);
      }
    }
  });
}

// T taps [k0, k0 + T) of the filter gradient at NV vectors of output columns (dy columns
// dcol[v], accumulator columns acol[v]), carried on over one example's output pixels in order
// from the accumulators at acc (row k at acc + k·ld): the T·NV chains stay in registers.
template <int T, int NV>
inline void tapsGrad(Padded& pad, const Geom& g, const float* __restrict dyb, const int* dcol, const int* acol,
                     int k0, float* __restrict acc, int64_t ld) {
  const int N = g.outC;
  const int* off = pad.off() + k0;
  vf a[T][NV];
  for (int t = 0; t < T; t++)
    for (int v = 0; v < NV; v++) a[t][v] = loadv(acc + (k0 + t) * ld + acol[v]);
  for (int oy = 0; oy < g.outH; oy++) {
    const float* dr = dyb + int64_t(oy) * g.outW * N;
    for (int ox = 0; ox < g.outW; ox++) {
      const float* win = pad.window(oy, ox);
      vf d[NV];
      for (int v = 0; v < NV; v++) d[v] = loadv(dr + int64_t(ox) * N + dcol[v]);
      for (int t = 0; t < T; t++) {
        const vf x = splatv(win[off[t]]);
        for (int v = 0; v < NV; v++) a[t][v] = fmav(x, d[v], a[t][v]);
      }
    }
  }
  for (int t = 0; t < T; t++)
    for (int v = 0; v < NV; v++) storev(acc + (k0 + t) * ld + acol[v], a[t][v]);
}

// All K taps at NV vector columns, in groups of at most 12 / NV taps of near-equal size.
template <int NV>
void allTapsGrad(Padded& pad, const Geom& g, const float* dyb, const int* dcol, const int* acol, int K,
                 float* acc, int64_t ld) {
  constexpr int kMax = 12 / NV;
  const int groups = (K + kMax - 1) / kMax;
  for (int i = 0, k0 = 0; i < groups; i++) {
    const int k1 = int(int64_t(K) * (i + 1) / groups);
    switch (k1 - k0) {
#define COSEARCH_TAPS(n) \
  case n: tapsGrad<(n <= kMax ? n : 1), NV>(pad, g, dyb, dcol, acol, k0, acc, ld); break;
      COSEARCH_TAPS(1) COSEARCH_TAPS(2) COSEARCH_TAPS(3) COSEARCH_TAPS(4) COSEARCH_TAPS(5) COSEARCH_TAPS(6)
      COSEARCH_TAPS(7) COSEARCH_TAPS(8) COSEARCH_TAPS(9) COSEARCH_TAPS(10) COSEARCH_TAPS(11) COSEARCH_TAPS(12)
#undef COSEARCH_TAPS
      default: break;
    }
    k0 = k1;
  }
}

void conv2dBackpropFilterFewChannels(const float* __restrict x, const float* __restrict dy, float* __restrict dw,
                                     const Geom& g) {
  const int K = g.kH * g.kW * g.inC, N = g.outC;
  const int64_t P = int64_t(g.outH) * g.outW;
  // Whole vectors of columns accumulate in place; the last N % VW columns in a vector of their
  // own (ending at column N, so it overlaps the previous one) whose other lanes are dropped.
  const int full = N / VW, tailCol = N % VW != 0 ? N - VW : -1;
  // The same fixed batch chunks as the im2col path, each chain running over its pixels in order.
  filterGrad(dw, size_t(K) * N, g, int64_t(g.batch) * P * K * N, [&](int b0, int b1, float* acc) {
    Padded pad(g);
    Buf<float> tail(tailCol >= 0 ? size_t(K) * VW : 0, true);
    const int zero = 0;
    for (int b = b0; b < b1; b++) {
      pad.fill(x, b);
      const float* dyb = dy + b * P * N;
      int v = 0;
      for (; v + 2 <= full; v += 2) {
        const int c2[2] = {v * VW, (v + 1) * VW};
        allTapsGrad<2>(pad, g, dyb, c2, c2, K, acc, N);
      }
      if (v < full) {
        const int c1 = v * VW;
        allTapsGrad<1>(pad, g, dyb, &c1, &c1, K, acc, N);
      }
      if (tailCol >= 0) allTapsGrad<1>(pad, g, dyb, &tailCol, &zero, K, tail.data(), VW);
    }
    if (tailCol >= 0)
      for (int k = 0; k < K; k++)
        for (int j = full * VW; j < N; j++) acc[int64_t(k) * N + j] = tail[size_t(k) * VW + (j - tailCol)];
  });
}

}  // namespace

void conv2d(const float* x, const float* w, float* y, const Geom& g, const Epilogue& e) {
  if (directFewChannels(g)) {
    conv2dFewChannels(x, w, y, g, e);
    return;
  }
  const int K = g.kH * g.kW * g.inC, N = g.outC;
  const int64_t M = int64_t(g.batch) * g.outH * g.outW;
  const bool direct = isDirect(g);
  const int blocks = int((M + kRowBlock - 1) / kRowBlock);
  parallelFor(blocks, M * K * N, [&](int k0, int k1) {
    Buf<float> col(direct ? 0 : size_t(kRowBlock) * K);
    for (int k = k0; k < k1; k++) {
      const int64_t m0 = int64_t(k) * kRowBlock, m1 = imin(M, m0 + kRowBlock);
      const float* a = x + m0 * K;
      if (!direct) {
        im2col(x, g, m0, m1, col.data());
        a = col.data();
      }
      gemm(int(m1 - m0), N, K, a, K, 1, w, N, y + m0 * N, N, false);
      applyEpilogue(y + m0 * N, m1 - m0, N, e);
    }
  });
}

// dx = col2im(dy · wᵀ); wᵀ is [outC, K] so the GEMM reads it row by row.
void conv2dBackpropInput(const float* dy, const float* w, float* dx, const Geom& g) {
  const int K = g.kH * g.kW * g.inC, N = g.outC;
  Buf<float> wt(size_t(K) * N);
  for (int k = 0; k < K; k++)
    for (int co = 0; co < N; co++) wt[size_t(co) * K + k] = w[size_t(k) * N + co];
  const int64_t M = int64_t(g.batch) * g.outH * g.outW;
  if (isDirect(g)) {
    const int blocks = int((M + kRowBlock - 1) / kRowBlock);
    parallelFor(blocks, M * K * N, [&](int k0, int k1) {
      for (int k = k0; k < k1; k++) {
        const int64_t m0 = int64_t(k) * kRowBlock, m1 = imin(M, m0 + kRowBlock);
        gemm(int(m1 - m0), K, N, dy + m0 * N, N, 1, wt.data(), K, dx + m0 * K, K, false);
      }
    });
    return;
  }
  // By whole examples: taps of neighbouring output pixels overlap, but never across examples.
  // Small images go a few examples per GEMM (about kRowBlock rows); large ones a block at a time.
  const int64_t P = int64_t(g.outH) * g.outW;
  const int per = int(imax<int64_t>(1, (kRowBlock + P / 2) / P));
  const int64_t rows = per > 1 ? per * P : kRowBlock;
  parallelFor((g.batch + per - 1) / per, M * K * N, [&](int e0, int e1) {
    Buf<float> dcol(size_t(rows) * K);
    const int64_t end = imin<int64_t>(g.batch, int64_t(e1) * per) * P;
    for (int64_t m0 = int64_t(e0) * per * P; m0 < end;) {
      const int64_t m1 = per > 1 ? imin(end, m0 + rows) : imin((m0 / P + 1) * P, m0 + kRowBlock);
      gemm(int(m1 - m0), K, N, dy + m0 * N, N, 1, wt.data(), K, dcol.data(), K, false);
      col2imAdd(dcol.data(), g, m0, m1, dx);
      m0 = m1;
    }
  });
}

// dw[K, N] = colᵀ · dy, the im2col matrix read transposed (rsA = 1, csA = K).
void conv2dBackpropFilter(const float* x, const float* dy, float* dw, const Geom& g) {
  if (directFewChannels(g)) {
    conv2dBackpropFilterFewChannels(x, dy, dw, g);
    return;
  }
  const int K = g.kH * g.kW * g.inC, N = g.outC;
  const int64_t P = int64_t(g.outH) * g.outW;
  const bool direct = isDirect(g);
  filterGrad(dw, size_t(K) * N, g, int64_t(g.batch) * P * K * N, [&](int b0, int b1, float* acc) {
    Buf<float> col(direct ? 0 : size_t(kFilterRowBlock) * K);
    for (int64_t m0 = b0 * P; m0 < b1 * P; m0 += kFilterRowBlock) {
      const int64_t m1 = imin(b1 * P, m0 + kFilterRowBlock);
      const float* a = x + m0 * K;
      if (!direct) {
        im2col(x, g, m0, m1, col.data());
        a = col.data();
      }
      gemm(K, N, int(m1 - m0), a, 1, K, dy + m0 * N, N, acc, N, true);
    }
  });
}

// Depthwise tap sums: out[c] = Σ over the taps of a[tap][c] · b[tap][c], each channel's chain
// of multiply-adds from 0 in tap order, written once (so the output needs no zero fill). The
// channels go in groups of NV vectors whose accumulators stay in registers through all the taps
// (with the group size known at compile time), then the scalar twin for the last few.
// Taps listed as row pointers: tap t reads a[t] and b[t].
inline void tapSum(int C, int taps, const float* const* a, const float* const* b, float* __restrict out) {
  const int tail = int(vectorGroups<4>(0, C, VW, [&](auto group, int c) {
    constexpr int NV = decltype(group)::nv;
    vf acc[NV];
    for (int v = 0; v < NV; v++) acc[v] = splatv(0.f);
    for (int t = 0; t < taps; t++)
      for (int v = 0; v < NV; v++) acc[v] = fmav(loadv(a[t] + c + v * VW), loadv(b[t] + c + v * VW), acc[v]);
    for (int v = 0; v < NV; v++) storev(out + c + v * VW, acc[v]);
  }));
  for (int c = tail; c < C; c++) {
    float acc = 0.f;
    for (int t = 0; t < taps; t++) acc = fma1(a[t][c], b[t][c], acc);
    out[c] = acc;
  }
}

// tapSum for a pixel whose taps all fall inside the image: tap t reads base + off[t] and weight
// row t, in the same order and arithmetic as tapSum, so both give the same bits.
inline void tapSumInside(int C, int taps, const float* __restrict base, const int64_t* __restrict off,
                         const float* __restrict w, float* __restrict out) {
  const int tail = int(vectorGroups<4>(0, C, VW, [&](auto group, int c) {
    constexpr int NV = decltype(group)::nv;
    vf acc[NV];
    for (int v = 0; v < NV; v++) acc[v] = splatv(0.f);
    for (int t = 0; t < taps; t++) {
      const float* xp = base + off[t] + c;
      const float* wp = w + int64_t(t) * C + c;
      for (int v = 0; v < NV; v++) acc[v] = fmav(loadv(xp + v * VW), loadv(wp + v * VW), acc[v]);
    }
    for (int v = 0; v < NV; v++) storev(out + c + v * VW, acc[v]);
  }));
  for (int c = tail; c < C; c++) {
    float acc = 0.f;
    for (int t = 0; t < taps; t++) acc = fma1(base[off[t] + c], w[int64_t(t) * C + c], acc);
    out[c] = acc;
  }
}

// Output columns [lo, hi) whose kernel window lies inside the input columns (likewise for rows).
inline void insideRange(int in, int out, int k, int stride, int pad, int* lo, int* hi) {
  *lo = imin(out, ceilDiv(pad, stride));
  *hi = imax(*lo, imin(out, in - k + pad >= 0 ? (in - k + pad) / stride + 1 : 0));
}

void depthwise(const float* __restrict x, const float* __restrict w, float* __restrict y, const Geom& g,
               const Epilogue& e) {
  const int C = g.inC;
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * C * g.kH * g.kW;
  const int taps = g.kH * g.kW;
  Buf<int64_t> off(static_cast<size_t>(taps));  // tap offsets from a window's top-left input element
  for (int ky = 0; ky < g.kH; ky++)
    for (int kx = 0; kx < g.kW; kx++) off[ky * g.kW + kx] = (int64_t(ky) * g.inW + kx) * C;
  int oyLo, oyHi, oxLo, oxHi;
  insideRange(g.inH, g.outH, g.kH, g.strideH, g.padTop, &oyLo, &oyHi);
  insideRange(g.inW, g.outW, g.kW, g.strideW, g.padLeft, &oxLo, &oxHi);
  // By output row (example, oy): each output element is written by one thread.
  parallelFor(g.batch * g.outH, work, [&](int r0, int r1) {
    Buf<const float*> xs(static_cast<size_t>(taps)), ws(static_cast<size_t>(taps));
    for (int r = r0; r < r1; r++) {
      const int b = r / g.outH, oy = r % g.outH;
      const bool rowInside = oy >= oyLo && oy < oyHi;
      for (int ox = 0; ox < g.outW; ox++) {
        float* out = y + ((int64_t(b) * g.outH + oy) * g.outW + ox) * C;
        if (rowInside && ox >= oxLo && ox < oxHi) {
          const int iy = oy * g.strideH - g.padTop, ix = ox * g.strideW - g.padLeft;
          tapSumInside(C, taps, x + ((int64_t(b) * g.inH + iy) * g.inW + ix) * C, off.data(), w, out);
          continue;
        }
        int n = 0;
        for (int ky = 0; ky < g.kH; ky++) {
          const int iy = oy * g.strideH + ky - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          for (int kx = 0; kx < g.kW; kx++) {
            const int ix = ox * g.strideW + kx - g.padLeft;
            if (ix < 0 || ix >= g.inW) continue;
            xs[n] = x + ((int64_t(b) * g.inH + iy) * g.inW + ix) * C;
            ws[n++] = w + int64_t(ky * g.kW + kx) * C;
          }
        }
        tapSum(C, n, xs.data(), ws.data(), out);
      }
      applyEpilogue(y + (int64_t(b) * g.outH + oy) * g.outW * C, g.outW, C, e);
    }
  });
}

// Gathered per input pixel (the output pixels whose taps cover it) rather than scattered per
// output pixel: each dx element is written once, with no zero fill and no read-modify-write.
void depthwiseBackpropInput(const float* __restrict dy, const float* __restrict w, float* __restrict dx,
                            const Geom& g) {
  const int C = g.inC;
  // Which taps of which output positions cover input position i, along one axis: (k, o) pairs
  // with o · stride + k - pad = i, by kernel index (the order the forward pass sums them in),
  // computed once per axis instead of dividing per pixel. Row i holds count[i] of at most k pairs.
  struct Tap {
    int k, o;
  };
  struct Axis {
    Buf<Tap> taps;
    Buf<int> count;
    int k;
    Axis(int in, int out, int k, int stride, int pad) : taps(size_t(in) * k), count(size_t(in), true), k(k) {
      for (int kk = 0; kk < k; kk++)
        for (int o = 0; o < out; o++) {
          const int i = o * stride + kk - pad;
          if (i >= 0 && i < in) taps[size_t(i) * k + count[i]++] = {kk, o};
        }
    }
    const Tap* at(int i) { return taps.data() + size_t(i) * k; }
  };
  Axis rows(g.inH, g.outH, g.kH, g.strideH, g.padTop);
  Axis cols(g.inW, g.outW, g.kW, g.strideW, g.padLeft);
  const int64_t work = int64_t(g.batch) * g.outH * g.outW * C * g.kH * g.kW;
  // By input row (example, iy); taps summed in registers in the forward pass's order (by kernel
  // row, then column), a group of channel vectors at a time.
  parallelFor(g.batch * g.inH, work, [&](int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      const int b = r / g.inH, iy = r % g.inH;
      const Tap* ry = rows.at(iy);
      const int ny = rows.count[iy];
      const float* dyb = dy + int64_t(b) * g.outH * g.outW * C;
      for (int ix = 0; ix < g.inW; ix++) {
        const Tap* rx = cols.at(ix);
        const int nx = cols.count[ix];
        float* __restrict out = dx + ((int64_t(b) * g.inH + iy) * g.inW + ix) * C;
        const int tail = int(vectorGroups<4>(0, C, VW, [&](auto group, int c) {
          constexpr int NV = decltype(group)::nv;
          vf acc[NV];
          for (int v = 0; v < NV; v++) acc[v] = splatv(0.f);
          for (int a = 0; a < ny; a++) {
            const float* drow = dyb + int64_t(ry[a].o) * g.outW * C + c;
            const float* wrow = w + int64_t(ry[a].k) * g.kW * C + c;
            for (int q = 0; q < nx; q++) {
              const float* dp = drow + int64_t(rx[q].o) * C;
              const float* wp = wrow + int64_t(rx[q].k) * C;
              for (int v = 0; v < NV; v++) acc[v] = fmav(loadv(dp + v * VW), loadv(wp + v * VW), acc[v]);
            }
          }
          for (int v = 0; v < NV; v++) storev(out + c + v * VW, acc[v]);
        }));
        for (int c = tail; c < C; c++) {
          float acc = 0.f;
          for (int a = 0; a < ny; a++) {
            const float* drow = dyb + int64_t(ry[a].o) * g.outW * C + c;
            const float* wrow = w + int64_t(ry[a].k) * g.kW * C + c;
            for (int q = 0; q < nx; q++) acc = fma1(drow[int64_t(rx[q].o) * C], wrow[int64_t(rx[q].k) * C], acc);
          }
          out[c] = acc;
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
  // Each chunk, for every output row and tap, sums the row's products in registers over the
  // columns whose tap falls inside the image, then adds that to the tap's accumulator: a fixed
  // order, whatever the thread count.
  filterGrad(dw, n, g, work, [&](int b0, int b1, float* __restrict acc) {
    for (int b = b0; b < b1; b++)
      for (int oy = 0; oy < g.outH; oy++) {
        const float* __restrict dyr = dy + (int64_t(b) * g.outH + oy) * g.outW * C;
        for (int ky = 0; ky < g.kH; ky++) {
          const int iy = oy * g.strideH + ky - g.padTop;
          if (iy < 0 || iy >= g.inH) continue;
          const float* __restrict xr = x + (int64_t(b) * g.inH + iy) * g.inW * C;
          for (int kx = 0; kx < g.kW; kx++) {
            const int off = kx - g.padLeft;
            const int lo = imin(g.outW, imax(0, ceilDiv(-off, g.strideW)));
            const int hi = imax(lo, imin(g.outW, ceilDiv(g.inW - off, g.strideW)));
            float* __restrict a = acc + int64_t(ky * g.kW + kx) * C;
            const int64_t xs = int64_t(g.strideW) * C;
            int c = 0;
            for (; c + VW <= C; c += VW) {
              vf r = splatv(0.f);
              const float* xp = xr + int64_t(lo * g.strideW + off) * C + c;
              for (int ox = lo; ox < hi; ox++, xp += xs) r = fmav(loadv(xp), loadv(dyr + int64_t(ox) * C + c), r);
              storev(a + c, loadv(a + c) + r);
            }
            for (; c < C; c++) {
              float r = 0.f;
              const float* xp = xr + int64_t(lo * g.strideW + off) * C + c;
              for (int ox = lo; ox < hi; ox++, xp += xs) r = fma1(*xp, dyr[int64_t(ox) * C + c], r);
              a[c] += r;
            }
          }
        }
      }
  });
}

bool runConv(int op, const float* a, const float* b, float* out, const Geom& g, const Epilogue& e) {
  switch (op) {
    case kConv2d: conv2d(a, b, out, g, e); return true;
    case kConvInput:
      // col2im accumulates into zeros; the direct (1×1) path writes every element.
      if (!isDirect(g)) __builtin_memset(out, 0, sizeof(float) * size_t(g.batch) * g.inH * g.inW * g.inC);
      conv2dBackpropInput(a, b, out, g);
      return true;
    case kConvFilter: conv2dBackpropFilter(a, b, out, g); return true;
    case kDepthwise: depthwise(a, b, out, g, e); return true;
    case kDepthwiseInput: depthwiseBackpropInput(a, b, out, g); return true;
    case kDepthwiseFilter: depthwiseBackpropFilter(a, b, out, g); return true;
    default: return false;
  }
}

}  // namespace cosearch
