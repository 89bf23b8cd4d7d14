// fp32 kernels for the ssl3d 'native' tfjs backend, channels-last (NDHWC / NHWC).
//
// This file is compiled once per instruction set (see native/build.mjs) with -DSSL3D_NS=<name>
// and the matching -m flags; the vector width L follows from the compiler's target macros. All
// code lives in an anonymous namespace (internal linkage) and uses only C library calls, so no
// function compiled for AVX-512 can be shared with the AVX2 or baseline copies at link time.
//
// Why hand-written: tfjs-cpu runs 3D convolutions at 0.3–1 GFLOP/s and no maintained library
// offers channels-last direct 3D convolutions with all three passes that we could ship without
// downloads. The design (measured in shared research notes) is a direct "implicit GEMM":
// zero-pad the input once, then for each output row accumulate an MR x (L*NV) register tile of
// outputs over all taps and input channels, broadcasting one input scalar per FMA row.
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#ifndef SSL3D_NS
#error "compile with -DSSL3D_NS=ssl3d_avx512|ssl3d_avx2|ssl3d_base"
#endif

namespace SSL3D_NS {
namespace {

#if defined(__AVX512F__)
constexpr int L = 16;
constexpr int MR1 = 16, MR2 = 12, MR4 = 6;  // register tiles for NV = 1, 2, 4 vectors of L
constexpr int CBMAX = 12;                  // bfil: input-channel rows per tile (x 2 vectors)
constexpr int MRW = 24;                    // single-vector tile that reuses each input over 3 taps
constexpr const char* ISA_NAME = "avx512";
#elif defined(__AVX2__)
constexpr int L = 8;
constexpr int MR1 = 12, MR2 = 6, MR4 = 0;
constexpr int CBMAX = 6;
constexpr int MRW = 12;
constexpr const char* ISA_NAME = "avx2";
#else
constexpr int L = 4;
constexpr int MR1 = 12, MR2 = 6, MR4 = 0;
constexpr int CBMAX = 6;
constexpr int MRW = 12;
constexpr const char* ISA_NAME = "scalar";
#endif

typedef float V __attribute__((vector_size(L * 4)));

inline V vld(const float* p) { V v; memcpy(&v, p, sizeof v); return v; }
inline void vst(float* p, V v) { memcpy(p, &v, sizeof v); }
inline V vset(float x) {
#if defined(__AVX512F__)
  return (V)_mm512_set1_ps(x);
#elif defined(__AVX__)
  return (V)_mm256_set1_ps(x);
#elif defined(__SSE__)
  return (V)_mm_set1_ps(x);
#else
  V v;
  for (int i = 0; i < L; i++) v[i] = x;
  return v;
#endif
}
inline long lmin(long a, long b) { return a < b ? a : b; }
inline long lmax(long a, long b) { return a > b ? a : b; }
inline long ceil_div(long a, long b) { return (a + b - 1) / b; }
inline long round_up(long a, long b) { return ceil_div(a, b) * b; }

float* alloc_f(long n) {
  long bytes = round_up(lmax(n, 1) * 4, 64);
  void* p = aligned_alloc(64, bytes);
  if (!p) {
    // No way to unwind through the kernels; fail loudly instead of crashing on a null write.
    fprintf(stderr, "ssl3d native: out of memory allocating %ld bytes of scratch space\n", bytes);
    abort();
  }
  return (float*)p;
}

// Static split of [0, n) into nthreads contiguous parts; deterministic for a given thread count.
inline void split(long n, int tid, int nt, long* b, long* e) {
  *b = n * tid / nt;
  *e = n * (tid + 1) / nt;
}

// Parallel loop over [0, n): f(begin, end) on contiguous static ranges, one per thread; runs on
// the calling thread alone when n < grain (too little work to wake the pool).
template <typename F>
struct PforCtx { F* f; long n; };
template <typename F>
void pfor_task(void* p, int tid, int nt) {
  PforCtx<F>* c = (PforCtx<F>*)p;
  long b, e;
  split(c->n, tid, nt, &b, &e);
  if (b < e) (*c->f)(b, e);
}
template <typename F>
void pfor(long n, long grain, F f) {
  if (n <= 0) return;
  if (n < grain) { f(0L, n); return; }
  PforCtx<F> c = {&f, n};
  ssl3d_parallel(pfor_task<F>, &c);
}

// Dynamic loop over the chunks [0, n): every thread claims the next chunk from a shared counter
// until none is left, so a thread that starts late (the caller returning from JavaScript) or is
// preempted (V8's GC threads, a busy neighbour) delays only its current chunk, not a whole static
// share. Chunks write disjoint outputs (or partial sums combined in chunk order afterwards), so
// the result never depends on which thread ran which chunk, nor on the number of threads.
template <typename F>
struct DforCtx { F* f; long n; long next; };
template <typename F>
void dfor_task(void* p, int, int) {
  DforCtx<F>* c = (DforCtx<F>*)p;
  for (;;) {
    long i = __atomic_fetch_add(&c->next, 1L, __ATOMIC_RELAXED);
    if (i >= c->n) return;
    (*c->f)(i);
  }
}
template <typename F>
void dfor(long n, F f) {
  if (n <= 0) return;
  if (n == 1 || ssl3d_nthreads() == 1) {
    for (long i = 0; i < n; i++) f(i);
    return;
  }
  DforCtx<F> c = {&f, n, 0};
  ssl3d_parallel(dfor_task<F>, &c);
}

// Independent chunks a conv pass is cut into: at least this many per thread where the shape has
// them, so that 16 threads on a 32³ volume still balance (tested through convChunks).
constexpr long CHUNKS_PER_THREAD = 4;

// ---------------------------------------------------------------------------------------------
// Direct-convolution micro-kernel. C[m][0:NV*L] = sum_t sum_k a[toff[t] + m*ams + k] * b[boff[t] + k*ldb + ...]
// nstore < NV*L stores only the first nstore outputs of each row (channel tails).
template <int MR, int NV>
void kern(const float* a, long ams, const long* toff, const long* boff, int T, int CI, const float* b, long ldb,
          float* c, long cms, int nstore) {
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int m = 0; m < MR; m++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[m][v] = V{};
  for (int t = 0; t < T; t++) {
    const float* at = a + toff[t];
    const float* bt = b + boff[t];
    for (int k = 0; k < CI; k++) {
      V bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) bv[v] = vld(bt + (long)k * ldb + v * L);
#pragma GCC unroll 16
      for (int m = 0; m < MR; m++) {
        V av = vset(at[m * ams + k]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[m][v] += av * bv[v];
      }
    }
  }
  if (nstore == NV * L) {
#pragma GCC unroll 16
    for (int m = 0; m < MR; m++)
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) vst(c + m * cms + v * L, acc[m][v]);
  } else {
    for (int m = 0; m < MR; m++) {
      float tmp[NV * L];
      for (int v = 0; v < NV; v++) vst(tmp + v * L, acc[m][v]);
      memcpy(c + m * cms, tmp, sizeof(float) * nstore);
    }
  }
}

typedef void (*KernFn)(const float*, long, const long*, const long*, int, int, const float*, long, float*, long, int);

template <int NV, int MRMAX>
struct KernTable {
  KernFn f[MRMAX + 1];
};

template <int NV, int M>
struct FillK {
  static void fill(KernFn* f) {
    f[M] = &kern<M, NV>;
    FillK<NV, M - 1>::fill(f);
  }
};
template <int NV>
struct FillK<NV, 0> {
  static void fill(KernFn* f) { f[0] = nullptr; }
};

template <int NV, int MRMAX>
KernTable<NV, MRMAX> make_table() {
  KernTable<NV, MRMAX> t;
  FillK<NV, MRMAX>::fill(t.f);
  return t;
}

// Function pointer tables, MR = 1..MRMAX for each NV.
const KernTable<1, MR1> K1 = make_table<1, MR1>();
const KernTable<2, MR2> K2 = make_table<2, MR2>();
#if defined(__AVX512F__)
const KernTable<4, MR4> K4 = make_table<4, MR4>();
#endif

// Micro-kernel for one output vector (<= L channels) that folds 3 consecutive taps along W into
// the tile: output m of tap e reads input position m + e, so each broadcast input value feeds up to
// 3 FMAs (one per tap) instead of 1. For 16-channel outputs (the full-resolution U-Net convs and
// their input gradients) the plain tile is bound by one broadcast load per FMA.
//   C[m][0:L] = sum_t sum_k sum_e a[toff[t] + (m+e)*ams + k] * b[boff[t] + e*bstep + k*ldb]
template <int MR>
void kern3(const float* a, long ams, const long* toff, const long* boff, long bstep, int T, int CI, const float* b,
           long ldb, float* c, long cms, int nstore) {
  constexpr int KE = 3;
  V acc[MR];
#pragma GCC unroll 32
  for (int m = 0; m < MR; m++) acc[m] = V{};
  for (int t = 0; t < T; t++) {
    const float* at = a + toff[t];
    const float* bt = b + boff[t];
    for (int k = 0; k < CI; k++) {
      V w0 = vld(bt + (long)k * ldb), w1 = vld(bt + bstep + (long)k * ldb), w2 = vld(bt + 2 * bstep + (long)k * ldb);
#pragma GCC unroll 32
      for (int j = 0; j < MR + KE - 1; j++) {
        V av = vset(at[j * ams + k]);
        if (j < MR) acc[j] += av * w0;
        if (j >= 1 && j - 1 < MR) acc[j - 1] += av * w1;
        if (j >= 2 && j - 2 < MR) acc[j - 2] += av * w2;
      }
    }
  }
  if (nstore == L) {
#pragma GCC unroll 32
    for (int m = 0; m < MR; m++) vst(c + m * cms, acc[m]);
  } else {
    for (int m = 0; m < MR; m++) {
      float tmp[L];
      vst(tmp, acc[m]);
      memcpy(c + m * cms, tmp, sizeof(float) * nstore);
    }
  }
}

typedef void (*Kern3Fn)(const float*, long, const long*, const long*, long, int, int, const float*, long, float*, long, int);
template <int M>
struct Fill3 {
  static void fill(Kern3Fn* f) {
    f[M] = &kern3<M>;
    Fill3<M - 1>::fill(f);
  }
};
template <>
struct Fill3<0> {
  static void fill(Kern3Fn* f) { f[0] = nullptr; }
};
struct Kern3Table { Kern3Fn f[MRW + 1]; };
Kern3Table make_k3() {
  Kern3Table t;
  Fill3<MRW>::fill(t.f);
  return t;
}
const Kern3Table K3 = make_k3();

// A "job": a set of output rows, each a run of M positions, all using the same taps.
struct ConvJob {
  const float* a;        // input base
  long aN, aI, aJ;       // input offsets per row index (n, i, j)
  long ams;              // input offset between consecutive positions of a row
  const long* toff;      // per-tap input offsets
  const long* boff;      // per-tap weight offsets
  int T, CI;
  const float* b;        // packed weights [..][CI][COP]
  long ldb;              // = COP
  float* c;              // output base
  long cN, cI, cJ, cms;  // output offsets
  long NR, NI, NJ;       // row counts
  long M;                // positions per row
  long CO;               // outputs to store per position
  long bstep3 = 0;       // != 0: each tap t stands for 3 taps along W (kern3), weights bstep3 apart
};

// Co blocks: (co0, nv) chunks of the COP columns.
struct CoBlocks {
  int n;
  int co0[64];
  int nv[64];
};

CoBlocks co_blocks(long CO) {
  CoBlocks cb;
  cb.n = 0;
  long nvt = ceil_div(CO, L);
  long v = 0;
  while (v < nvt) {
    long rem = nvt - v;
    int nv = 1;
#if defined(__AVX512F__)
    if (rem >= 4) nv = 4; else
#endif
    if (rem >= 2) nv = 2;
    if (cb.n < 64) {
      cb.co0[cb.n] = (int)(v * L);
      cb.nv[cb.n] = nv;
      cb.n++;
    } else {
      // more than 64 blocks (CO > 4096 on AVX-512): extend the last block's range in the loop below
      cb.nv[cb.n - 1] += nv;
    }
    v += nv;
  }
  return cb;
}

void run_row_block(const ConvJob& j, const float* arow, float* crow, int co0, int nv) {
  long nst = lmin(j.CO - co0, (long)nv * L);
  const float* b = j.b + co0;
  float* c = crow + co0;
  if (j.bstep3 != 0) {  // only set up when every block is one vector (CO <= L)
    long m = 0;
    for (; m + MRW <= j.M; m += MRW) K3.f[MRW](arow + m * j.ams, j.ams, j.toff, j.boff, j.bstep3, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
    if (m < j.M) K3.f[j.M - m](arow + m * j.ams, j.ams, j.toff, j.boff, j.bstep3, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
    return;
  }
  if (nv == 4) {
#if defined(__AVX512F__)
    long m = 0;
    for (; m + MR4 <= j.M; m += MR4) K4.f[MR4](arow + m * j.ams, j.ams, j.toff, j.boff, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
    if (m < j.M) K4.f[j.M - m](arow + m * j.ams, j.ams, j.toff, j.boff, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
#endif
  } else if (nv == 2) {
    long m = 0;
    for (; m + MR2 <= j.M; m += MR2) K2.f[MR2](arow + m * j.ams, j.ams, j.toff, j.boff, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
    if (m < j.M) K2.f[j.M - m](arow + m * j.ams, j.ams, j.toff, j.boff, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
  } else if (nv == 1) {
    long m = 0;
    for (; m + MR1 <= j.M; m += MR1) K1.f[MR1](arow + m * j.ams, j.ams, j.toff, j.boff, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
    if (m < j.M) K1.f[j.M - m](arow + m * j.ams, j.ams, j.toff, j.boff, j.T, j.CI, b, j.ldb, c + m * j.cms, j.cms, (int)nst);
  } else {
    // wider than a tile (CO very large): split into single-vector tiles
    for (int v = 0; v < nv; v++) run_row_block(j, arow, crow, co0 + v * L, 1);
  }
}

// The independent units of a job: (output row, co block) pairs, each written by exactly one chunk.
long job_units(const ConvJob& j) { return j.NR * j.NI * j.NJ * co_blocks(j.CO).n; }

// Units are grouped into contiguous chunks (neighbouring rows share input planes in cache); the
// chunks are claimed dynamically. 16 chunks per thread where there are enough units.
void run_conv_job(const ConvJob& j) {
  if (j.NR * j.NI * j.NJ == 0 || j.M == 0) return;
  CoBlocks cb = co_blocks(j.CO);
  long units = j.NR * j.NI * j.NJ * cb.n;
  long nchunks = lmin(units, 16L * ssl3d_nthreads());
  dfor(nchunks, [&](long ch) {
    long u0, u1;
    split(units, (int)ch, (int)nchunks, &u0, &u1);
    for (long u = u0; u < u1; u++) {
      long row = u / cb.n;
      int blk = (int)(u % cb.n);
      long r = row / (j.NI * j.NJ);
      long rem = row % (j.NI * j.NJ);
      long i = rem / j.NJ, jj = rem % j.NJ;
      const float* arow = j.a + r * j.aN + i * j.aI + jj * j.aJ;
      float* crow = j.c + r * j.cN + i * j.cI + jj * j.cJ;
      run_row_block(j, arow, crow, cb.co0[blk], cb.nv[blk]);
    }
  });
}

// ---------------------------------------------------------------------------------------------
struct CD {
  long n, d, h, w, ci, kd, kh, kw, co, sd, sh, sw, pd, ph, pw, od, oh, ow;
};

CD read_cd(const int32_t* q) {
  CD c;
  c.n = q[0]; c.d = q[1]; c.h = q[2]; c.w = q[3]; c.ci = q[4];
  c.kd = q[5]; c.kh = q[6]; c.kw = q[7]; c.co = q[8];
  c.sd = q[9]; c.sh = q[10]; c.sw = q[11];
  c.pd = q[12]; c.ph = q[13]; c.pw = q[14];
  c.od = q[15]; c.oh = q[16]; c.ow = q[17];
  return c;
}

// Copy src [N][D][H][W][C] into a zeroed dst [N][Dp][Hp][Wp][CP] at offset (fd, fh, fw); parts of
// src that fall outside dst are dropped. CP >= C pads channels with zeros.
struct PadCtx {
  const float* src; float* dst;
  long N, D, H, W, C, Dp, Hp, Wp, CP, fd, fh, fw;
};

void pad_task(void* p, int tid, int nt) {
  const PadCtx& q = *(const PadCtx*)p;
  long planes = q.N * q.Dp;
  long b, e;
  split(planes, tid, nt, &b, &e);
  for (long pl = b; pl < e; pl++) {
    long n = pl / q.Dp, dp = pl % q.Dp;
    float* dplane = q.dst + pl * q.Hp * q.Wp * q.CP;
    memset(dplane, 0, sizeof(float) * q.Hp * q.Wp * q.CP);
    long d = dp - q.fd;
    if (d < 0 || d >= q.D) continue;
    for (long hp = 0; hp < q.Hp; hp++) {
      long h = hp - q.fh;
      if (h < 0 || h >= q.H) continue;
      long w0 = lmax(0, -q.fw), w1 = lmin(q.W, q.Wp - q.fw);
      if (w1 <= w0) continue;
      const float* s = q.src + (((n * q.D + d) * q.H + h) * q.W) * q.C;
      float* t = dplane + hp * q.Wp * q.CP;
      if (q.CP == q.C) {
        memcpy(t + (w0 + q.fw) * q.C, s + w0 * q.C, sizeof(float) * (w1 - w0) * q.C);
      } else {
        for (long w = w0; w < w1; w++) memcpy(t + (w + q.fw) * q.CP, s + w * q.C, sizeof(float) * q.C);
      }
    }
  }
}

void pad_into(const float* src, float* dst, long N, long D, long H, long W, long C, long Dp, long Hp, long Wp,
              long CP, long fd, long fh, long fw) {
  PadCtx q = {src, dst, N, D, H, W, C, Dp, Hp, Wp, CP, fd, fh, fw};
  ssl3d_parallel(pad_task, &q);
}

// ---------------------------------------------------------------------------------------------
// Forward: y[n,o,co] = sum_k,ci xpad[n, o*s + k, ci] * w[k, ci, co]
void conv_fwd(const float* x, const float* w, float* y, const int32_t* dims) {
  CD c = read_cd(dims);
  long Dp = lmax((c.od - 1) * c.sd + c.kd, 1), Hp = lmax((c.oh - 1) * c.sh + c.kh, 1), Wp = lmax((c.ow - 1) * c.sw + c.kw, 1);
  bool needPad = c.pd || c.ph || c.pw || Dp > c.d || Hp > c.h || Wp > c.w;
  const float* xp = x;
  float* xbuf = nullptr;
  if (needPad) {
    xbuf = alloc_f(c.n * Dp * Hp * Wp * c.ci);
    pad_into(x, xbuf, c.n, c.d, c.h, c.w, c.ci, Dp, Hp, Wp, c.ci, c.pd, c.ph, c.pw);
    xp = xbuf;
  } else {
    Dp = c.d; Hp = c.h; Wp = c.w;
  }
  long T = c.kd * c.kh * c.kw;
  long COP = round_up(c.co, L);
  float* wp = alloc_f(T * c.ci * COP);
  pfor(T * c.ci, 4096, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      memcpy(wp + r * COP, w + r * c.co, sizeof(float) * c.co);
      for (long k = c.co; k < COP; k++) wp[r * COP + k] = 0.f;
    }
  });
  long* toff = (long*)malloc(sizeof(long) * T * 2);
  long* boff = toff + T;
  long t = 0;
  for (long a = 0; a < c.kd; a++)
    for (long b = 0; b < c.kh; b++)
      for (long e = 0; e < c.kw; e++, t++) {
        toff[t] = ((a * Hp + b) * Wp + e) * c.ci;
        boff[t] = t * c.ci * COP;
      }
  // Single-vector outputs, stride 1 along W and 3 taps along W: fold the W taps into kern3.
  bool fold = c.co <= L && c.sw == 1 && c.kw == 3;
  if (fold) {
    t = 0;
    for (long a = 0; a < c.kd; a++)
      for (long b = 0; b < c.kh; b++, t++) {
        toff[t] = ((a * Hp + b) * Wp) * c.ci;
        boff[t] = (a * c.kh + b) * c.kw * c.ci * COP;
      }
  }
  ConvJob j;
  if (fold) j.bstep3 = c.ci * COP;
  j.a = xp; j.aN = Dp * Hp * Wp * c.ci; j.aI = c.sd * Hp * Wp * c.ci; j.aJ = c.sh * Wp * c.ci; j.ams = c.sw * c.ci;
  j.toff = toff; j.boff = boff; j.T = (int)(fold ? t : T); j.CI = (int)c.ci; j.b = wp; j.ldb = COP;
  j.c = y; j.cN = c.od * c.oh * c.ow * c.co; j.cI = c.oh * c.ow * c.co; j.cJ = c.ow * c.co; j.cms = c.co;
  j.NR = c.n; j.NI = c.od; j.NJ = c.oh; j.M = c.ow; j.CO = c.co;
  run_conv_job(j);
  free(toff);
  free(wp);
  free(xbuf);
}

// Backprop to the input, as a sum of stride-1 convolutions over dy (one per residue of the input
// position modulo the stride, "sub-pixel" form), with W transposed to [k][co][ci]:
//   dx[n, i, ci] = sum over k with (i + p - k) % s == 0 of dy[n, (i + p - k)/s, co] * w[k, ci, co]
struct DimPlan {
  long emin, emax;  // range of dy offsets over all residues
};

void conv_bin(const float* dy, const float* w, float* dx, const int32_t* dims) {
  CD c = read_cd(dims);
  long K[3] = {c.kd, c.kh, c.kw}, S[3] = {c.sd, c.sh, c.sw}, P[3] = {c.pd, c.ph, c.pw};
  long I[3] = {c.d, c.h, c.w}, O[3] = {c.od, c.oh, c.ow};
  long F[3], E[3];  // dy front pad and padded extent per dim
  for (int q = 0; q < 3; q++) {
    long emin = 0, emax = 0;
    bool any = false;
    for (long r = 0; r < S[q]; r++)
      for (long k = 0; k < K[q]; k++) {
        long num = r + P[q] - k;
        if (((num % S[q]) + S[q]) % S[q] != 0) continue;
        long e = (num >= 0) ? num / S[q] : -((-num) / S[q]);
        if (!any) { emin = emax = e; any = true; }
        emin = lmin(emin, e); emax = lmax(emax, e);
      }
    long Q = ceil_div(I[q], S[q]);
    F[q] = lmax(0, -emin);
    E[q] = F[q] + lmax(O[q], Q - 1 + emax + 1);
  }
  long CI = c.co;  // channels of dy: the reduction dimension here
  long dyN = E[0] * E[1] * E[2] * CI;
  float* dyp = alloc_f(c.n * dyN);
  pad_into(dy, dyp, c.n, c.od, c.oh, c.ow, CI, E[0], E[1], E[2], CI, F[0], F[1], F[2]);
  long T = c.kd * c.kh * c.kw;
  long CIP = round_up(c.ci, L);  // output channels of this pass = input channels of the conv
  float* wt = alloc_f(T * CI * CIP);
  pfor(T * CI, 2048, [&](long r0, long r1) {
    for (long r = r0; r < r1; r++) {
      long t = r / CI, co = r % CI;
      float* row = wt + r * CIP;
      for (long ci = 0; ci < c.ci; ci++) row[ci] = w[(t * c.ci + ci) * c.co + co];
      for (long ci = c.ci; ci < CIP; ci++) row[ci] = 0.f;
    }
  });
  long* toff = (long*)malloc(sizeof(long) * T * 2);
  long* boff = toff + T;
  // Input gradients with <= L channels, stride 1 along W, 3 taps along W: fold them into kern3.
  bool fold = c.ci <= L && c.sw == 1 && c.kw == 3;
  for (long rd = 0; rd < c.sd && rd < c.d; rd++)
    for (long rh = 0; rh < c.sh && rh < c.h; rh++)
      for (long rw = 0; rw < c.sw && rw < c.w; rw++) {
        int nt = 0;
        for (long a = 0; a < c.kd; a++) {
          long na = rd + c.pd - a;
          if (((na % c.sd) + c.sd) % c.sd) continue;
          long ea = na >= 0 ? na / c.sd : -((-na) / c.sd);
          for (long b = 0; b < c.kh; b++) {
            long nb = rh + c.ph - b;
            if (((nb % c.sh) + c.sh) % c.sh) continue;
            long eb = nb >= 0 ? nb / c.sh : -((-nb) / c.sh);
            if (fold) {  // the 3 W taps as one kern3 tap: e' = 2 - e reads dy at (position + e' + pw - 2)
              toff[nt] = ((ea * E[1] + eb) * E[2] + (c.pw - 2)) * CI;
              boff[nt] = ((a * c.kh + b) * c.kw + 2) * CI * CIP;
              nt++;
              continue;
            }
            for (long e = 0; e < c.kw; e++) {
              long ne = rw + c.pw - e;
              if (((ne % c.sw) + c.sw) % c.sw) continue;
              long ee = ne >= 0 ? ne / c.sw : -((-ne) / c.sw);
              toff[nt] = ((ea * E[1] + eb) * E[2] + ee) * CI;
              boff[nt] = ((a * c.kh + b) * c.kw + e) * CI * CIP;
              nt++;
            }
          }
        }
        ConvJob j;
        if (fold) j.bstep3 = -CI * CIP;
        j.a = dyp + ((F[0] * E[1] + F[1]) * E[2] + F[2]) * CI;
        j.aN = dyN; j.aI = E[1] * E[2] * CI; j.aJ = E[2] * CI; j.ams = CI;
        j.toff = toff; j.boff = boff; j.T = nt; j.CI = (int)CI; j.b = wt; j.ldb = CIP;
        j.c = dx + ((rd * c.h + rh) * c.w + rw) * c.ci;
        j.cN = c.d * c.h * c.w * c.ci; j.cI = c.sd * c.h * c.w * c.ci; j.cJ = c.sh * c.w * c.ci; j.cms = c.sw * c.ci;
        j.NR = c.n; j.NI = ceil_div(c.d - rd, c.sd); j.NJ = ceil_div(c.h - rh, c.sh); j.M = ceil_div(c.w - rw, c.sw);
        j.CO = c.ci;
        run_conv_job(j);
      }
  free(toff);
  free(wt);
  free(dyp);
}

// Backprop to the filter: dw[k, ci, co] = sum_{n,o} xpad[n, o*s + k, ci] * dy[n, o, co].
// Each thread accumulates a private dW over its share of (n, od) slabs; the partial results are
// added in thread order at the end, so the result is the same from run to run.
template <int CB, int NV>
void bfil_tile(const float* xs, long xRow, long xms, const float* dys, long dyRow, long COP, long OH, long OW,
               float* dw, long ldw) {
  V acc[CB][NV];
#pragma GCC unroll 12
  for (int q = 0; q < CB; q++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) acc[q][v] = V{};
  for (long oh = 0; oh < OH; oh++) {
    const float* xr = xs + oh * xRow;
    const float* dr = dys + oh * dyRow;
    for (long ow = 0; ow < OW; ow++) {
      V bv[NV];
#pragma GCC unroll 2
      for (int v = 0; v < NV; v++) bv[v] = vld(dr + ow * COP + v * L);
      const float* xp = xr + ow * xms;
#pragma GCC unroll 12
      for (int q = 0; q < CB; q++) {
        V av = vset(xp[q]);
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) acc[q][v] += av * bv[v];
      }
    }
  }
#pragma GCC unroll 12
  for (int q = 0; q < CB; q++)
#pragma GCC unroll 2
    for (int v = 0; v < NV; v++) {
      float* p = dw + q * ldw + v * L;
      vst(p, vld(p) + acc[q][v]);
    }
}

typedef void (*BfilFn)(const float*, long, long, const float*, long, long, long, long, float*, long);

template <int NV, int M>
struct FillB {
  static void fill(BfilFn* f) {
    f[M] = &bfil_tile<M, NV>;
    FillB<NV, M - 1>::fill(f);
  }
};
template <int NV>
struct FillB<NV, 0> {
  static void fill(BfilFn* f) { f[0] = nullptr; }
};
struct BfilTable {
  BfilFn f1[CBMAX + 1];
  BfilFn f2[CBMAX + 1];
};
BfilTable make_btable() {
  BfilTable t;
  FillB<1, CBMAX>::fill(t.f1);
  FillB<2, CBMAX>::fill(t.f2);
  return t;
}
const BfilTable KB = make_btable();

struct BfilCtx {
  CD c;
  const float* xp; long Dp, Hp, Wp;
  const float* dyp; long COP;
  float* priv;  // slab mode: [nparts][T][CI][COP]; tile mode: the [T][CI][COP] result
  long privN, nparts;
  long ncib, ncop;  // input-channel blocks of CBMAX and output-channel vector pairs
};

// dw[t][ci0..ci0+cb)[v*L..(v+nvv)*L) += sum over output rows oh0..oh0+ohn of plane (n, od) of
// x(tap t) * dy.
inline void bfil_block(const BfilCtx& q, long n, long od, long oh0, long ohn, long t, long ci0, int cb, long v, int nvv,
                       float* dw) {
  const CD& c = q.c;
  long a = t / (c.kh * c.kw), b = (t / c.kw) % c.kh, e = t % c.kw;
  const float* dys = q.dyp + (((n * c.od + od) * c.oh) + oh0) * c.ow * q.COP;
  const float* xs = q.xp + (((n * q.Dp + od * c.sd + a) * q.Hp + oh0 * c.sh + b) * q.Wp + e) * c.ci;
  long xRow = c.sh * q.Wp * c.ci, xms = c.sw * c.ci;
  BfilFn f = nvv == 2 ? KB.f2[cb] : KB.f1[cb];
  f(xs + ci0, xRow, xms, dys + v * L, c.ow * q.COP, q.COP, ohn, c.ow, dw + (t * c.ci + ci0) * q.COP + v * L, q.COP);
}

// The filter gradient's work split, fixed by the shape alone (never by the thread count), so the
// result has the same bits for any SSL3D_THREADS.
//  - Slab mode (small dW over a large volume): the output rows (n, od, oh) are cut into `parts`
//    contiguous pieces; each part sums all taps over its rows into a private dW (its x and dy rows
//    stay in cache across the taps), and the parts are added in part order. Up to 64 parts (4 per
//    thread at 16 threads), but at most one per 512 output positions, so that zeroing and adding
//    the private copies stays ~1/1000 of the arithmetic; at most 32 MB of copies.
//  - Tile mode (large dW over a small volume: the deep layers): every (tap, ci block, co pair)
//    tile of dW is one chunk, summed over all rows in order, with no private copies. Each tile
//    reads all of x and dy, so only when they are small (about an L2 cache) and there are enough
//    tiles to share out.
struct BfilPlan { bool slab; long parts, tiles; };

BfilPlan bfil_plan(const CD& c) {
  long COP = round_up(c.co, L);
  long T = c.kd * c.kh * c.kw;
  long privN = T * c.ci * COP;
  long rows = c.n * c.od * c.oh;
  long positions = rows * c.ow;
  long Dp = lmax((c.od - 1) * c.sd + c.kd, 1), Hp = lmax((c.oh - 1) * c.sh + c.kh, 1), Wp = lmax((c.ow - 1) * c.sw + c.kw, 1);
  long volume = c.n * Dp * Hp * Wp * c.ci + positions * COP;  // padded x + dy, in floats
  BfilPlan p;
  p.tiles = T * ceil_div(c.ci, CBMAX) * ceil_div(COP / L, 2);
  long parts = 64;
  while (parts > 1 && (parts > rows || parts * 512 > positions || parts * privN > (8L << 20))) parts /= 2;
  p.parts = parts;
  p.slab = parts >= 64 || (parts >= 2 && (p.tiles < 64 || volume > (1L << 20)));
  return p;
}

void conv_bfil(const float* x, const float* dy, float* dwOut, const int32_t* dims) {
  CD c = read_cd(dims);
  long Dp = lmax((c.od - 1) * c.sd + c.kd, 1), Hp = lmax((c.oh - 1) * c.sh + c.kh, 1), Wp = lmax((c.ow - 1) * c.sw + c.kw, 1);
  bool needPad = c.pd || c.ph || c.pw || Dp > c.d || Hp > c.h || Wp > c.w;
  const float* xp = x;
  float* xbuf = nullptr;
  if (needPad) {
    xbuf = alloc_f(c.n * Dp * Hp * Wp * c.ci);
    pad_into(x, xbuf, c.n, c.d, c.h, c.w, c.ci, Dp, Hp, Wp, c.ci, c.pd, c.ph, c.pw);
    xp = xbuf;
  } else {
    Dp = c.d; Hp = c.h; Wp = c.w;
  }
  long COP = round_up(c.co, L);
  const float* dyp = dy;
  float* dybuf = nullptr;
  if (COP != c.co) {
    dybuf = alloc_f(c.n * c.od * c.oh * c.ow * COP);
    pad_into(dy, dybuf, c.n, c.od, c.oh, c.ow, c.co, c.od, c.oh, c.ow, COP, 0, 0, 0);
    dyp = dybuf;
  }
  long T = c.kd * c.kh * c.kw;
  long privN = T * c.ci * COP;
  long rows = c.n * c.od * c.oh;
  long nvt = COP / L;
  BfilCtx q = {c, xp, Dp, Hp, Wp, dyp, COP, nullptr, privN, 1, ceil_div(c.ci, CBMAX), ceil_div(nvt, 2)};
  BfilPlan plan = bfil_plan(c);
  if (plan.slab) {
    q.nparts = plan.parts;
    q.priv = alloc_f(privN * q.nparts);
    dfor(q.nparts, [&](long part) {
      float* dw = q.priv + part * privN;
      memset(dw, 0, sizeof(float) * privN);
      long r0, r1;
      split(rows, (int)part, (int)q.nparts, &r0, &r1);
      // the part's rows, one (n, od) plane segment at a time
      for (long r = r0; r < r1;) {
        long plane = r / c.oh, oh0 = r % c.oh;
        long ohn = lmin(c.oh - oh0, r1 - r);
        for (long t = 0; t < T; t++)
          for (long ci0 = 0; ci0 < c.ci; ci0 += CBMAX) {
            int cb = (int)lmin(CBMAX, c.ci - ci0);
            for (long v = 0; v < nvt; v += 2)
              bfil_block(q, plane / c.od, plane % c.od, oh0, ohn, t, ci0, cb, v, (int)lmin(2, nvt - v), dw);
          }
        r += ohn;
      }
    });
    // Sum the parts in part order, in parallel over the rows of dW.
    pfor(T * c.ci, 256, [&](long r0, long r1) {
      for (long r = r0; r < r1; r++)
        for (long co = 0; co < c.co; co++) {
          float s = 0.f;
          for (long t = 0; t < q.nparts; t++) s += q.priv[t * privN + r * COP + co];
          dwOut[r * c.co + co] = s;
        }
    });
  } else {
    q.priv = COP == c.co ? dwOut : alloc_f(privN);
    long slabs = c.n * c.od;
    dfor(plan.tiles, [&](long u) {
      long t = u / (q.ncib * q.ncop), rem = u % (q.ncib * q.ncop);
      long ci0 = (rem / q.ncop) * CBMAX, v = (rem % q.ncop) * 2;
      int cb = (int)lmin(CBMAX, c.ci - ci0), nvv = (int)lmin(2, nvt - v);
      for (long ci = ci0; ci < ci0 + cb; ci++) memset(q.priv + (t * c.ci + ci) * COP + v * L, 0, sizeof(float) * nvv * L);
      for (long s = 0; s < slabs; s++) bfil_block(q, s / c.od, s % c.od, 0, c.oh, t, ci0, cb, v, nvv, q.priv);
    });
    if (q.priv != dwOut)
      pfor(T * c.ci, 4096, [&](long r0, long r1) {
        for (long r = r0; r < r1; r++) memcpy(dwOut + r * c.co, q.priv + r * COP, sizeof(float) * c.co);
      });
  }
  if (q.priv != dwOut) free(q.priv);
  free(dybuf);
  free(xbuf);
}

// Independent chunks of a conv pass (which: 0 forward, 1 input gradient, 2 filter gradient) for
// the work splits above; the input gradient reports its smallest sub-pixel job.
long conv_chunks(int which, const int32_t* dims) {
  CD c = read_cd(dims);
  if (which == 0) return c.n * c.od * c.oh * co_blocks(c.co).n;
  if (which == 1) {
    long m = -1;
    for (long rd = 0; rd < c.sd && rd < c.d; rd++)
      for (long rh = 0; rh < c.sh && rh < c.h; rh++)
        for (long rw = 0; rw < c.sw && rw < c.w; rw++) {
          long u = c.n * ceil_div(c.d - rd, c.sd) * ceil_div(c.h - rh, c.sh) * co_blocks(c.ci).n;
          m = m < 0 ? u : lmin(m, u);
        }
    return lmax(m, 0);
  }
  BfilPlan p = bfil_plan(c);
  return p.slab ? p.parts : p.tiles;
}

// ---------------------------------------------------------------------------------------------
// C[bt] = op(A[bt]) · op(B[bt]); batch broadcasting when one side has batch 1.
void matmul(const float* A, const float* B, float* C, const int32_t* dims) {
  long bA = dims[0], bB = dims[1], M = dims[2], K = dims[3], N = dims[4];
  bool tA = dims[5] != 0, tB = dims[6] != 0;
  long batch = lmax(bA, bB);
  long NP = round_up(N, L);
  float* ap = nullptr;
  if (tA) ap = alloc_f(bA * M * K);
  // B is used in place when it is already [K][N] with N a multiple of the vector width.
  bool packB = tB || NP != N;
  float* bp = packB ? alloc_f(bB * K * NP) : nullptr;
  for (long q = 0; q < bA && tA; q++)
    for (long k = 0; k < K; k++)
      for (long m = 0; m < M; m++) ap[q * M * K + m * K + k] = A[q * K * M + k * M + m];
  for (long q = 0; q < bB && packB; q++) {
    float* dst = bp + q * K * NP;
    if (tB) {
      for (long k = 0; k < K; k++) {
        for (long nn = 0; nn < N; nn++) dst[k * NP + nn] = B[q * N * K + nn * K + k];
        for (long nn = N; nn < NP; nn++) dst[k * NP + nn] = 0.f;
      }
    } else {
      for (long k = 0; k < K; k++) {
        memcpy(dst + k * NP, B + q * K * N + k * N, sizeof(float) * N);
        for (long nn = N; nn < NP; nn++) dst[k * NP + nn] = 0.f;
      }
    }
  }
  const float* a = tA ? ap : A;
  long toff[1] = {0}, boff[1] = {0};
  // Rows are chunks of up to 48 rows of A, so that both threads get work.
  long chunk = 48;
  long nch = ceil_div(M, chunk);
  for (long q = 0; q < batch; q++) {
    const float* aq = a + (bA == 1 ? 0 : q) * M * K;
    const float* bq = (packB ? bp : B) + (bB == 1 ? 0 : q) * K * NP;
    float* cq = C + q * M * N;
    long full = M / chunk;
    ConvJob j;
    j.ams = K; j.toff = toff; j.boff = boff; j.T = 1; j.CI = (int)K; j.b = bq; j.ldb = NP; j.cms = N; j.CO = N;
    j.aN = 0; j.aI = 0; j.cN = 0; j.cI = 0; j.NR = 1; j.NI = 1;
    if (full > 0) {
      j.a = aq; j.aJ = chunk * K; j.c = cq; j.cJ = chunk * N; j.NJ = full; j.M = chunk;
      run_conv_job(j);
    }
    if (full < nch) {
      j.a = aq + full * chunk * K; j.aJ = 0; j.c = cq + full * chunk * N; j.cJ = 0; j.NJ = 1; j.M = M - full * chunk;
      run_conv_job(j);
    }
  }
  free(ap);
  free(bp);
}

// ---------------------------------------------------------------------------------------------
// Pooling (max: first strictly greater element wins, like tfjs-cpu; avg: divides by the number of
// valid elements in forward and by the full window size in the gradient, like tfjs-cpu).
struct PD {
  long n, d, h, w, c, kd, kh, kw, sd, sh, sw, pd, ph, pw, od, oh, ow;
};
PD read_pd(const int32_t* q) {
  PD p;
  p.n = q[0]; p.d = q[1]; p.h = q[2]; p.w = q[3]; p.c = q[4];
  p.kd = q[5]; p.kh = q[6]; p.kw = q[7]; p.sd = q[8]; p.sh = q[9]; p.sw = q[10];
  p.pd = q[11]; p.ph = q[12]; p.pw = q[13]; p.od = q[14]; p.oh = q[15]; p.ow = q[16];
  return p;
}

struct PoolCtx {
  PD p; const float* x; float* y; int kind;
};

void pool_task(void* arg, int tid, int nt) {
  const PoolCtx& q = *(const PoolCtx*)arg;
  const PD& p = q.p;
  long rows = p.n * p.od * p.oh;
  long r0, r1;
  split(rows, tid, nt, &r0, &r1);
  float* best = (float*)malloc(sizeof(float) * p.c);
  for (long r = r0; r < r1; r++) {
    long n = r / (p.od * p.oh), od = (r / p.oh) % p.od, oh = r % p.oh;
    long d0 = od * p.sd - p.pd, h0 = oh * p.sh - p.ph;
    for (long ow = 0; ow < p.ow; ow++) {
      long w0 = ow * p.sw - p.pw;
      float init = q.kind == 0 ? -INFINITY : 0.f;
      for (long ch = 0; ch < p.c; ch++) best[ch] = init;
      long count = 0;
      for (long a = lmax(d0, 0); a < lmin(d0 + p.kd, p.d); a++)
        for (long b = lmax(h0, 0); b < lmin(h0 + p.kh, p.h); b++)
          for (long e = lmax(w0, 0); e < lmin(w0 + p.kw, p.w); e++) {
            const float* xs = q.x + (((n * p.d + a) * p.h + b) * p.w + e) * p.c;
            count++;
            if (q.kind == 0) {
              for (long ch = 0; ch < p.c; ch++) best[ch] = xs[ch] > best[ch] ? xs[ch] : best[ch];
            } else {
              for (long ch = 0; ch < p.c; ch++) best[ch] += xs[ch];
            }
          }
      float* ys = q.y + (((n * p.od + od) * p.oh + oh) * p.ow + ow) * p.c;
      if (q.kind == 0) memcpy(ys, best, sizeof(float) * p.c);
      else for (long ch = 0; ch < p.c; ch++) ys[ch] = best[ch] / (float)count;
    }
  }
  free(best);
}

void pool(const float* x, float* y, const int32_t* dims, int kind) {
  PoolCtx q = {read_pd(dims), x, y, kind};
  ssl3d_parallel(pool_task, &q);
}

// Gradient: scatter dy into dx. dx is zeroed in parallel first; then threads take (n, od) output
// planes when windows do not overlap along D (stride >= window: every input element receives
// from at most one plane, so no two threads write one element), else whole samples.
struct PoolGradCtx {
  PD p; const float* dy; const float* x; float* dx; int kind; bool planes;
};

void pool_grad_task(void* arg, int tid, int nt) {
  const PoolGradCtx& q = *(const PoolGradCtx*)arg;
  const PD& p = q.p;
  long u0, u1;
  split(q.planes ? p.n * p.od : p.n, tid, nt, &u0, &u1);
  float* best = (float*)malloc(sizeof(float) * p.c);
  long* arg_ = (long*)malloc(sizeof(long) * p.c);
  float inv = 1.f / (float)(p.kd * p.kh * p.kw);
  for (long u = u0; u < u1; u++) {
    long n = q.planes ? u / p.od : u;
    long odb = q.planes ? u % p.od : 0, ode = q.planes ? odb + 1 : p.od;
    for (long od = odb; od < ode; od++)
      for (long oh = 0; oh < p.oh; oh++)
        for (long ow = 0; ow < p.ow; ow++) {
          long d0 = od * p.sd - p.pd, h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
          const float* dys = q.dy + (((n * p.od + od) * p.oh + oh) * p.ow + ow) * p.c;
          if (q.kind == 0) {
            for (long ch = 0; ch < p.c; ch++) { best[ch] = -INFINITY; arg_[ch] = -1; }
            for (long a = lmax(d0, 0); a < lmin(d0 + p.kd, p.d); a++)
              for (long b = lmax(h0, 0); b < lmin(h0 + p.kh, p.h); b++)
                for (long e = lmax(w0, 0); e < lmin(w0 + p.kw, p.w); e++) {
                  long off = (((n * p.d + a) * p.h + b) * p.w + e) * p.c;
                  const float* xs = q.x + off;
                  for (long ch = 0; ch < p.c; ch++)
                    if (xs[ch] > best[ch]) { best[ch] = xs[ch]; arg_[ch] = off + ch; }
                }
            for (long ch = 0; ch < p.c; ch++)
              if (arg_[ch] >= 0) q.dx[arg_[ch]] += dys[ch];
          } else {
            for (long a = lmax(d0, 0); a < lmin(d0 + p.kd, p.d); a++)
              for (long b = lmax(h0, 0); b < lmin(h0 + p.kh, p.h); b++)
                for (long e = lmax(w0, 0); e < lmin(w0 + p.kw, p.w); e++) {
                  float* dxs = q.dx + (((n * p.d + a) * p.h + b) * p.w + e) * p.c;
                  for (long ch = 0; ch < p.c; ch++) dxs[ch] += dys[ch] * inv;
                }
          }
        }
  }
  free(arg_);
  free(best);
}

void pool_grad(const float* dy, const float* x, float* dx, const int32_t* dims, int kind) {
  PoolGradCtx q = {read_pd(dims), dy, x, dx, kind, false};
  q.planes = q.p.sd >= q.p.kd;
  long total = q.p.n * q.p.d * q.p.h * q.p.w * q.p.c;
  pfor(total, 1 << 16, [&](long b, long e) { memset(dx + b, 0, sizeof(float) * (e - b)); });
  ssl3d_parallel(pool_grad_task, &q);
}

// ---------------------------------------------------------------------------------------------
// Broadcasting binary ops over shapes of equal rank (the caller merges adjacent dimensions).
enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAX, OP_MIN, OP_SQDIFF };

template <int OP>
inline float bop(float a, float b) {
  if (OP == OP_ADD) return a + b;
  if (OP == OP_SUB) return a - b;
  if (OP == OP_MUL) return a * b;
  if (OP == OP_DIV) return a / b;
  if (OP == OP_MAX) return (a != a || b != b) ? NAN : (a > b ? a : b);
  if (OP == OP_MIN) return (a != a || b != b) ? NAN : (a < b ? a : b);
  float d = a - b;
  return d * d;
}

struct BinCtx {
  const float* a; const float* b; float* out;
  long as[8], bs[8], os[8];  // strides (0 = broadcast) and out shape
  int rank;
};

template <int OP>
void binary_rows(const BinCtx& q, long o, long i0, long i1) {
  int R = q.rank;
  long inner = q.os[R - 1];
  long sa = q.as[R - 1], sb = q.bs[R - 1];
  long rem = o, ao = 0, bo = 0;
  for (int i = R - 2; i >= 0; i--) {
    long idx = rem % q.os[i];
    rem /= q.os[i];
    ao += idx * q.as[i];
    bo += idx * q.bs[i];
  }
  const float* a = q.a + ao;
  const float* b = q.b + bo;
  float* out = q.out + o * inner;
  if (sa && sb) for (long i = i0; i < i1; i++) out[i] = bop<OP>(a[i], b[i]);
  else if (sa) { float bv = b[0]; for (long i = i0; i < i1; i++) out[i] = bop<OP>(a[i], bv); }
  else if (sb) { float av = a[0]; for (long i = i0; i < i1; i++) out[i] = bop<OP>(av, b[i]); }
  else { float v = bop<OP>(a[0], b[0]); for (long i = i0; i < i1; i++) out[i] = v; }
}

// Threads take equal ranges of output elements (rows may be split), so a same-shape op that
// collapses to one long row still uses every thread.
template <int OP>
void binary_task(void* arg, int tid, int nt) {
  const BinCtx& q = *(const BinCtx*)arg;
  int R = q.rank;
  long inner = q.os[R - 1];
  long outer = 1;
  for (int i = 0; i < R - 1; i++) outer *= q.os[i];
  long e0, e1;
  split(outer * inner, tid, nt, &e0, &e1);
  while (e0 < e1) {
    long o = e0 / inner, i0 = e0 % inner;
    long i1 = lmin(inner, i0 + (e1 - e0));
    binary_rows<OP>(q, o, i0, i1);
    e0 += i1 - i0;
  }
}

void binary(int op, const float* a, const int32_t* ash, const float* b, const int32_t* bsh, float* out,
            const int32_t* osh, int rank) {
  BinCtx q;
  q.a = a; q.b = b; q.out = out; q.rank = rank;
  long sa = 1, sb = 1;
  for (int i = rank - 1; i >= 0; i--) {
    q.os[i] = osh[i];
    q.as[i] = (ash[i] == 1 && osh[i] != 1) ? 0 : sa;
    q.bs[i] = (bsh[i] == 1 && osh[i] != 1) ? 0 : sb;
    sa *= ash[i];
    sb *= bsh[i];
  }
  ssl3d_task_fn f = nullptr;
  switch (op) {
    case OP_ADD: f = binary_task<OP_ADD>; break;
    case OP_SUB: f = binary_task<OP_SUB>; break;
    case OP_MUL: f = binary_task<OP_MUL>; break;
    case OP_DIV: f = binary_task<OP_DIV>; break;
    case OP_MAX: f = binary_task<OP_MAX>; break;
    case OP_MIN: f = binary_task<OP_MIN>; break;
    default: f = binary_task<OP_SQDIFF>; break;
  }
  ssl3d_parallel(f, &q);
}

// ---------------------------------------------------------------------------------------------
// Reductions over any set of axes (the caller merges adjacent axes with the same flag). Sums are
// accumulated in double. The rows of x are cut into a FIXED number of chunks (independent of the
// thread count); each chunk sums its rows in input order into its own accumulator and the chunks
// are added in chunk order, so results are bit-identical for any number of threads.
enum { R_SUM, R_MEAN, R_MAX, R_MIN };

constexpr long RCHUNKS = 32;

struct RedCtx {
  int op, rank;
  const float* x;
  long shape[8], ostr[8];
  long inner, outer, os, nchunks;
  bool lastRed;
  double* acc;  // [nchunks][os] (sum) ...
  float* facc;  // ... or [nchunks][os] (max / min)
};

// Rows [o0, o1) of x into acc (sum) or facc (max/min), both of length os.
void reduce_rows(const RedCtx& q, long o0, long o1, double* acc, float* facc) {
  int rank = q.rank;
  long idx[8] = {0};
  long off = 0, rem = o0;
  for (int d = rank - 2; d >= 0; d--) {
    idx[d] = rem % q.shape[d];
    rem /= q.shape[d];
    off += idx[d] * q.ostr[d];
  }
  long inner = q.inner;
  bool sum = q.op == R_SUM || q.op == R_MEAN, isMax = q.op == R_MAX;
  for (long o = o0; o < o1; o++) {
    const float* xs = q.x + o * inner;
    if (sum) {
      if (q.lastRed) {
        double s = 0;
        for (long i = 0; i < inner; i++) s += xs[i];
        acc[off] += s;
      } else {
        double* ac = acc + off;
        for (long i = 0; i < inner; i++) ac[i] += xs[i];
      }
    } else if (q.lastRed) {
      float m = facc[off];
      for (long i = 0; i < inner; i++) {
        float v = xs[i];
        if (v != v) m = v;
        else if (m == m) m = isMax ? (v > m ? v : m) : (v < m ? v : m);
      }
      facc[off] = m;
    } else {
      float* oc = facc + off;
      for (long i = 0; i < inner; i++) {
        float v = xs[i], m = oc[i];
        if (v != v) oc[i] = v;
        else if (m == m) oc[i] = isMax ? (v > m ? v : m) : (v < m ? v : m);
      }
    }
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      off += q.ostr[d];
      if (idx[d] < q.shape[d]) break;
      off -= q.ostr[d] * idx[d];
      idx[d] = 0;
    }
  }
}

void reduce_task(void* arg, int tid, int nt) {
  const RedCtx& q = *(const RedCtx*)arg;
  long c0, c1;
  split(q.nchunks, tid, nt, &c0, &c1);
  for (long c = c0; c < c1; c++) {
    long o0, o1;
    split(q.outer, (int)c, (int)q.nchunks, &o0, &o1);
    reduce_rows(q, o0, o1, q.acc ? q.acc + c * q.os : nullptr, q.facc ? q.facc + c * q.os : nullptr);
  }
}

// Every output row independent (only trailing axes reduced): split the outputs over threads.
void reduce_last_task(void* arg, int tid, int nt) {
  const RedCtx& q = *(const RedCtx*)arg;
  long o0, o1;
  split(q.outer, tid, nt, &o0, &o1);
  reduce_rows(q, o0, o1, q.acc, q.facc);
}

void reduce(int op, const float* x, const int32_t* shape, const int32_t* red, int rank, float* out) {
  RedCtx q;
  memset(&q, 0, sizeof q);
  q.op = op; q.rank = rank; q.x = x;
  long os = 1, total = 1, rcount = 1;
  for (int i = rank - 1; i >= 0; i--) {
    q.shape[i] = shape[i];
    q.ostr[i] = red[i] ? 0 : os;
    if (!red[i]) os *= shape[i];
    else rcount *= shape[i];
    total *= shape[i];
  }
  q.os = os;
  q.inner = shape[rank - 1];
  q.outer = total / lmax(q.inner, 1);
  q.lastRed = red[rank - 1] != 0;
  bool sum = op == R_SUM || op == R_MEAN;
  // Rows map to distinct outputs when the reduced axes are a suffix ([keep..., red...] merged to
  // [outer, inner] with the last axis reduced): no partial accumulators needed.
  bool suffix = q.lastRed && (rank == 1 || (rank == 2 && !red[0]));
  if (suffix) {
    q.nchunks = 1;
    if (sum) q.acc = (double*)calloc(os, sizeof(double));
    else {
      q.facc = out;
      for (long i = 0; i < os; i++) out[i] = op == R_MAX ? -INFINITY : INFINITY;
    }
    if (total >= 65536) ssl3d_parallel(reduce_last_task, &q);
    else reduce_last_task(&q, 0, 1);
  } else {
    // Fixed chunk count: bounded scratch, enough parallel work, thread-count independent.
    q.nchunks = lmax(1, lmin(lmin(RCHUNKS, q.outer), (16L << 20) / lmax(os, 1)));
    if (total < 65536) q.nchunks = 1;
    if (sum) q.acc = (double*)calloc(q.nchunks * os, sizeof(double));
    else {
      q.facc = alloc_f(q.nchunks * os);
      for (long i = 0; i < q.nchunks * os; i++) q.facc[i] = op == R_MAX ? -INFINITY : INFINITY;
    }
    if (q.nchunks > 1) ssl3d_parallel(reduce_task, &q);
    else reduce_task(&q, 0, 1);
    // Combine the chunks in chunk order (sums in double; max/min in the same NaN-aware way).
    for (long c = 1; c < q.nchunks; c++) {
      if (sum) {
        double* a0 = q.acc;
        const double* ac = q.acc + c * os;
        for (long i = 0; i < os; i++) a0[i] += ac[i];
      } else {
        float* a0 = q.facc;
        const float* ac = q.facc + c * os;
        bool isMax = op == R_MAX;
        for (long i = 0; i < os; i++) {
          float v = ac[i], m = a0[i];
          if (v != v) a0[i] = v;
          else if (m == m) a0[i] = isMax ? (v > m ? v : m) : (v < m ? v : m);
        }
      }
    }
    if (!sum) {
      memcpy(out, q.facc, sizeof(float) * os);
      free(q.facc);
    }
  }
  if (sum) {
    double scale = op == R_MEAN ? 1.0 / (double)lmax(rcount, 1) : 1.0;
    for (long i = 0; i < os; i++) out[i] = (float)(q.acc[i] * scale);
    free(q.acc);
  }
}

// ---------------------------------------------------------------------------------------------
enum { U_RELU, U_LEAKY, U_ELU, U_SIGMOID, U_TANH, U_EXP, U_LOG, U_SQRT, U_SQUARE, U_NEG, U_ABS, U_RELU6, U_STEP,
       U_RSQRT, U_RECIP, U_LOG1P, U_SOFTPLUS, U_CLIP };

struct UnCtx { int op; const float* x; float* out; long n; float alpha; float beta; };

void unary_task(void* arg, int tid, int nt) {
  const UnCtx& q = *(const UnCtx*)arg;
  long b, e;
  split(q.n, tid, nt, &b, &e);
  const float* x = q.x;
  float* o = q.out;
  float al = q.alpha, be = q.beta;
  // softplus thresholds as in tfjs-cpu: log(float epsilon) + 2
  const float spt = -13.942385152878742f;
  switch (q.op) {
    case U_RELU: for (long i = b; i < e; i++) o[i] = x[i] < 0.f ? 0.f : x[i]; break;
    case U_LEAKY: for (long i = b; i < e; i++) o[i] = x[i] < 0.f ? al * x[i] : x[i]; break;
    case U_ELU: for (long i = b; i < e; i++) o[i] = x[i] >= 0.f ? x[i] : expm1f(x[i]); break;
    case U_SIGMOID: for (long i = b; i < e; i++) o[i] = 1.f / (1.f + expf(-x[i])); break;
    case U_TANH: for (long i = b; i < e; i++) o[i] = tanhf(x[i]); break;
    case U_EXP: for (long i = b; i < e; i++) o[i] = expf(x[i]); break;
    case U_LOG: for (long i = b; i < e; i++) o[i] = logf(x[i]); break;
    case U_SQRT: for (long i = b; i < e; i++) o[i] = sqrtf(x[i]); break;
    case U_SQUARE: for (long i = b; i < e; i++) o[i] = x[i] * x[i]; break;
    case U_NEG: for (long i = b; i < e; i++) o[i] = -x[i]; break;
    case U_ABS: for (long i = b; i < e; i++) o[i] = fabsf(x[i]); break;
    case U_RELU6: for (long i = b; i < e; i++) o[i] = x[i] < 0.f ? 0.f : (x[i] > 6.f ? 6.f : x[i]); break;
    case U_STEP: for (long i = b; i < e; i++) o[i] = x[i] != x[i] ? x[i] : (x[i] > 0.f ? 1.f : al); break;
    case U_RSQRT: for (long i = b; i < e; i++) o[i] = 1.f / sqrtf(x[i]); break;
    case U_RECIP: for (long i = b; i < e; i++) o[i] = 1.f / x[i]; break;
    case U_LOG1P: for (long i = b; i < e; i++) o[i] = log1pf(x[i]); break;
    case U_SOFTPLUS:
      for (long i = b; i < e; i++) {
        float v = x[i];
        o[i] = v < spt ? expf(v) : (v > -spt ? v : log1pf(expf(v)));
      }
      break;
    case U_CLIP: for (long i = b; i < e; i++) o[i] = x[i] > be ? be : (x[i] < al ? al : x[i]); break;
    default: break;
  }
}

void unary(int op, const float* x, float* out, long n, float alpha, float beta) {
  UnCtx q = {op, x, out, n, alpha, beta};
  if (n < 65536) unary_task(&q, 0, 1);
  else ssl3d_parallel(unary_task, &q);
}

// ---------------------------------------------------------------------------------------------
struct TrCtx { const float* x; float* out; long os[8]; long is[8]; int rank; };

void transpose_task(void* arg, int tid, int nt) {
  const TrCtx& q = *(const TrCtx*)arg;
  int R = q.rank;
  long inner = q.os[R - 1];
  long sl = q.is[R - 1];
  long outer = 1;
  for (int i = 0; i < R - 1; i++) outer *= q.os[i];
  long o0, o1;
  split(outer, tid, nt, &o0, &o1);
  for (long o = o0; o < o1; o++) {
    long rem = o, src = 0;
    for (int i = R - 2; i >= 0; i--) {
      long idx = rem % q.os[i];
      rem /= q.os[i];
      src += idx * q.is[i];
    }
    float* out = q.out + o * inner;
    const float* x = q.x + src;
    if (sl == 1) memcpy(out, x, sizeof(float) * inner);
    else for (long i = 0; i < inner; i++) out[i] = x[i * sl];
  }
}

void transpose(const float* x, const int32_t* shape, const int32_t* perm, int rank, float* out) {
  TrCtx q;
  q.x = x; q.out = out; q.rank = rank;
  long istr[8];
  long s = 1;
  for (int i = rank - 1; i >= 0; i--) { istr[i] = s; s *= shape[i]; }
  for (int i = 0; i < rank; i++) { q.os[i] = shape[perm[i]]; q.is[i] = istr[perm[i]]; }
  ssl3d_parallel(transpose_task, &q);
}

// ---------------------------------------------------------------------------------------------
// Strided row copy: the building block of Concat and SplitV along any axis.
struct CopyCtx { const float* src; float* dst; long rows, len, ss, ds; };

void copy_task(void* arg, int tid, int nt) {
  const CopyCtx& q = *(const CopyCtx*)arg;
  long b, e;
  split(q.rows, tid, nt, &b, &e);
  for (long r = b; r < e; r++) memcpy(q.dst + r * q.ds, q.src + r * q.ss, sizeof(float) * q.len);
}

void copy_rows(const float* src, float* dst, const int64_t* d) {
  CopyCtx q = {src + d[4], dst + d[5], (long)d[0], (long)d[1], (long)d[2], (long)d[3]};
  if (q.rows * q.len < 65536) copy_task(&q, 0, 1);
  else ssl3d_parallel(copy_task, &q);
}

// ---------------------------------------------------------------------------------------------
// Strided block copy: the building block of Slice, PadV2 and Tile (and so BroadcastTo).
struct SCopyCtx {
  const float* src; float* dst;
  int rank;
  long shape[8], ss[8], ds[8];
};

void scopy_task(void* arg, int tid, int nt) {
  const SCopyCtx& q = *(const SCopyCtx*)arg;
  int R = q.rank;
  long inner = q.shape[R - 1], si = q.ss[R - 1], di = q.ds[R - 1];
  long outer = 1;
  for (int i = 0; i < R - 1; i++) outer *= q.shape[i];
  long o0, o1;
  split(outer, tid, nt, &o0, &o1);
  for (long o = o0; o < o1; o++) {
    long rem = o, so = 0, dof = 0;
    for (int i = R - 2; i >= 0; i--) {
      long idx = rem % q.shape[i];
      rem /= q.shape[i];
      so += idx * q.ss[i];
      dof += idx * q.ds[i];
    }
    const float* s = q.src + so;
    float* d = q.dst + dof;
    if (si == 1 && di == 1) memcpy(d, s, sizeof(float) * inner);
    else for (long i = 0; i < inner; i++) d[i * di] = s[i * si];
  }
}

void strided_copy(const float* src, float* dst, int rank, const int64_t* shape, const int64_t* ss, const int64_t* ds,
                  int64_t so, int64_t doff) {
  SCopyCtx q;
  q.src = src + so; q.dst = dst + doff; q.rank = rank;
  long total = 1;
  for (int i = 0; i < rank; i++) { q.shape[i] = shape[i]; q.ss[i] = ss[i]; q.ds[i] = ds[i]; total *= shape[i]; }
  if (total == 0) return;
  if (total < 65536) scopy_task(&q, 0, 1);
  else ssl3d_parallel(scopy_task, &q);
}

// ---------------------------------------------------------------------------------------------
// Fused batch / instance normalisation. x is viewed as [G][S][C] (batch norm: G = 1; instance
// norm: G = batch); mean and variance per (g, c) are computed in double, in a fixed number of
// chunks per group combined in a fixed order (deterministic). Forward: 3 passes over x (mean,
// variance, normalise); backward: 2 passes (sums of dy and dy·x̂, then dx).
struct NormCtx {
  const float* x; const float* dy; const float* gamma; const float* beta;
  float* y; float* dx; const float* mean; const float* inv;
  const float* scale; const float* shift;  // forward: per (g, c)
  const float* k1; const float* k2;        // backward: dx = a·dy + k1 + x̂·k2 with a = gamma·inv
  double* part;                            // [G][P][C] partial sums (2 arrays when two are needed)
  long G, S, C, P;
  int phase;
};

void norm_task(void* arg, int tid, int nt) {
  NormCtx& q = *(NormCtx*)arg;
  long units = q.G * q.P;
  long u0, u1;
  split(units, tid, nt, &u0, &u1);
  for (long u = u0; u < u1; u++) {
    long g = u / q.P, p = u % q.P;
    long s0, s1;
    split(q.S, (int)p, (int)q.P, &s0, &s1);
    const float* xg = q.x + g * q.S * q.C;
    double* acc = q.part + u * q.C;
    double* acc2 = q.part + (units + u) * q.C;
    if (q.phase == 0) {  // sum x
      for (long c = 0; c < q.C; c++) acc[c] = 0;
      for (long s = s0; s < s1; s++) {
        const float* r = xg + s * q.C;
        for (long c = 0; c < q.C; c++) acc[c] += r[c];
      }
    } else if (q.phase == 1) {  // sum (x - mean)^2
      const float* m = q.mean + g * q.C;
      for (long c = 0; c < q.C; c++) acc[c] = 0;
      for (long s = s0; s < s1; s++) {
        const float* r = xg + s * q.C;
        for (long c = 0; c < q.C; c++) { double d = (double)r[c] - m[c]; acc[c] += d * d; }
      }
    } else if (q.phase == 2) {  // y = x * scale + shift
      const float* sc = q.scale + g * q.C;
      const float* sh = q.shift + g * q.C;
      float* yg = q.y + g * q.S * q.C;
      for (long s = s0; s < s1; s++) {
        const float* r = xg + s * q.C;
        float* o = yg + s * q.C;
        for (long c = 0; c < q.C; c++) o[c] = r[c] * sc[c] + sh[c];
      }
    } else if (q.phase == 3) {  // sums of dy and dy * xhat
      const float* m = q.mean + g * q.C;
      const float* iv = q.inv + g * q.C;
      const float* dyg = q.dy + g * q.S * q.C;
      for (long c = 0; c < q.C; c++) { acc[c] = 0; acc2[c] = 0; }
      for (long s = s0; s < s1; s++) {
        const float* r = xg + s * q.C;
        const float* d = dyg + s * q.C;
        for (long c = 0; c < q.C; c++) {
          float xh = (r[c] - m[c]) * iv[c];
          acc[c] += d[c];
          acc2[c] += (double)d[c] * xh;
        }
      }
    } else {  // dx
      const float* m = q.mean + g * q.C;
      const float* iv = q.inv + g * q.C;
      const float* dyg = q.dy + g * q.S * q.C;
      const float* k1 = q.k1 + g * q.C;
      const float* k2 = q.k2 + g * q.C;
      float* dxg = q.dx + g * q.S * q.C;
      for (long s = s0; s < s1; s++) {
        const float* r = xg + s * q.C;
        const float* d = dyg + s * q.C;
        float* o = dxg + s * q.C;
        for (long c = 0; c < q.C; c++) {
          float a = q.gamma[c] * iv[c];
          float xh = (r[c] - m[c]) * iv[c];
          o[c] = a * d[c] + k1[c] + xh * k2[c];
        }
      }
    }
  }
}

void norm_fwd(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* inv,
              const int64_t* dims, float eps) {
  NormCtx q;
  memset(&q, 0, sizeof q);
  q.G = dims[0]; q.S = dims[1]; q.C = dims[2];
  q.P = lmax(1, lmin(q.S, 64L));  // fixed parts: the same sums for any thread count
  q.x = x;
  q.part = (double*)malloc(sizeof(double) * 2 * q.G * q.P * q.C);
  float* scale = alloc_f(q.G * q.C);
  float* shift = alloc_f(q.G * q.C);
  q.phase = 0;
  ssl3d_parallel(norm_task, &q);
  for (long g = 0; g < q.G; g++)
    for (long c = 0; c < q.C; c++) {
      double s = 0;
      for (long p = 0; p < q.P; p++) s += q.part[(g * q.P + p) * q.C + c];
      mean[g * q.C + c] = (float)(s / (double)lmax(q.S, 1));
    }
  q.mean = mean;
  q.phase = 1;
  ssl3d_parallel(norm_task, &q);
  for (long g = 0; g < q.G; g++)
    for (long c = 0; c < q.C; c++) {
      double s = 0;
      for (long p = 0; p < q.P; p++) s += q.part[(g * q.P + p) * q.C + c];
      float var = (float)(s / (double)lmax(q.S, 1));
      float iv = 1.f / sqrtf(var + eps);
      inv[g * q.C + c] = iv;
      scale[g * q.C + c] = iv * gamma[c];
      shift[g * q.C + c] = beta[c] - mean[g * q.C + c] * iv * gamma[c];
    }
  q.scale = scale; q.shift = shift; q.y = y;
  q.phase = 2;
  ssl3d_parallel(norm_task, &q);
  free(shift);
  free(scale);
  free(q.part);
}

void norm_bwd(const float* x, const float* dy, const float* gamma, const float* mean, const float* inv, float* dx,
              float* dgamma, float* dbeta, const int64_t* dims) {
  NormCtx q;
  memset(&q, 0, sizeof q);
  q.G = dims[0]; q.S = dims[1]; q.C = dims[2];
  q.P = lmax(1, lmin(q.S, 64L));  // fixed parts: the same sums for any thread count
  q.x = x; q.dy = dy; q.gamma = gamma; q.mean = mean; q.inv = inv; q.dx = dx;
  long units = q.G * q.P;
  q.part = (double*)malloc(sizeof(double) * 2 * units * q.C);
  q.phase = 3;
  ssl3d_parallel(norm_task, &q);
  float* k1 = alloc_f(q.G * q.C);
  float* k2 = alloc_f(q.G * q.C);
  for (long c = 0; c < q.C; c++) { dgamma[c] = 0; dbeta[c] = 0; }
  double* sdy = (double*)calloc(q.G * q.C, sizeof(double));
  double* sdx = (double*)calloc(q.G * q.C, sizeof(double));
  for (long g = 0; g < q.G; g++)
    for (long p = 0; p < q.P; p++)
      for (long c = 0; c < q.C; c++) {
        sdy[g * q.C + c] += q.part[(g * q.P + p) * q.C + c];
        sdx[g * q.C + c] += q.part[(units + g * q.P + p) * q.C + c];
      }
  double db[4096], dg[4096];
  double* dbp = q.C <= 4096 ? db : (double*)calloc(q.C, sizeof(double));
  double* dgp = q.C <= 4096 ? dg : (double*)calloc(q.C, sizeof(double));
  for (long c = 0; c < q.C; c++) { dbp[c] = 0; dgp[c] = 0; }
  for (long g = 0; g < q.G; g++)
    for (long c = 0; c < q.C; c++) {
      long i = g * q.C + c;
      dbp[c] += sdy[i];
      dgp[c] += sdx[i];
      double a = (double)gamma[c] * inv[i] / (double)lmax(q.S, 1);
      k1[i] = (float)(-a * sdy[i]);
      k2[i] = (float)(-a * sdx[i]);
    }
  for (long c = 0; c < q.C; c++) { dbeta[c] = (float)dbp[c]; dgamma[c] = (float)dgp[c]; }
  if (dbp != db) free(dbp);
  if (dgp != dg) free(dgp);
  q.k1 = k1; q.k2 = k2;
  q.phase = 4;
  ssl3d_parallel(norm_task, &q);
  free(sdx);
  free(sdy);
  free(k2);
  free(k1);
  free(q.part);
}


// ---------------------------------------------------------------------------------------------
// Training-step fusions: Adam, softmax and its gradient, the ReLU gradient, the dropout mask.
struct EwCtx {
  const float* a; const float* b; const float* c; const float* d;
  float* o1; float* o2; float* o3;
  long n, rows, cols;
  float p[9];
};

void adam_task(void* arg, int tid, int nt) {
  const EwCtx& q = *(const EwCtx*)arg;
  long b, e;
  split(q.n, tid, nt, &b, &e);
  const float lr = q.p[0], b1 = q.p[1], ob1 = q.p[2], b2 = q.p[3], ob2 = q.p[4], c1 = q.p[5], c2 = q.p[6],
              eps = q.p[7], wd = q.p[8];
  const float *w = q.a, *g = q.b, *m = q.c, *v = q.d;
  float *wo = q.o1, *mo = q.o2, *vo = q.o3;
  // Same operations, in the same order and precision, as the tfjs-op update in runtime/train/optim.ts.
  if (wd != 0.f) {
    for (long i = b; i < e; i++) {
      float gi = g[i];
      float mi = m[i] * b1 + gi * ob1;
      float vi = v[i] * b2 + (gi * gi) * ob2;
      float u = (mi / c1) / (sqrtf(vi / c2) + eps) + w[i] * wd;
      mo[i] = mi; vo[i] = vi;
      wo[i] = w[i] - u * lr;
    }
  } else {
    for (long i = b; i < e; i++) {
      float gi = g[i];
      float mi = m[i] * b1 + gi * ob1;
      float vi = v[i] * b2 + (gi * gi) * ob2;
      float u = (mi / c1) / (sqrtf(vi / c2) + eps);
      mo[i] = mi; vo[i] = vi;
      wo[i] = w[i] - u * lr;
    }
  }
}

void adam(const float* w, const float* g, const float* m, const float* v, float* wo, float* mo, float* vo, long n,
          const float* p) {
  EwCtx q;
  memset(&q, 0, sizeof q);
  q.a = w; q.b = g; q.c = m; q.d = v; q.o1 = wo; q.o2 = mo; q.o3 = vo; q.n = n;
  for (int i = 0; i < 9; i++) q.p[i] = p[i];
  if (n < 32768) adam_task(&q, 0, 1);
  else ssl3d_parallel(adam_task, &q);
}

void softmax_task(void* arg, int tid, int nt) {
  const EwCtx& q = *(const EwCtx*)arg;
  long r0, r1;
  split(q.rows, tid, nt, &r0, &r1);
  long C = q.cols;
  for (long r = r0; r < r1; r++) {
    const float* x = q.a + r * C;
    float* y = q.o1 + r * C;
    float mx = x[0];
    for (long c = 1; c < C; c++) mx = x[c] > mx ? x[c] : mx;
    double s = 0;
    for (long c = 0; c < C; c++) { y[c] = expf(x[c] - mx); s += y[c]; }
    float fs = (float)s;
    for (long c = 0; c < C; c++) y[c] = y[c] / fs;
  }
}

void softmax(const float* x, float* y, long rows, long cols) {
  EwCtx q;
  memset(&q, 0, sizeof q);
  q.a = x; q.o1 = y; q.rows = rows; q.cols = cols;
  if (rows * cols < 32768) softmax_task(&q, 0, 1);
  else ssl3d_parallel(softmax_task, &q);
}

void softmax_grad_task(void* arg, int tid, int nt) {
  const EwCtx& q = *(const EwCtx*)arg;
  long r0, r1;
  split(q.rows, tid, nt, &r0, &r1);
  long C = q.cols;
  for (long r = r0; r < r1; r++) {
    const float* dy = q.a + r * C;
    const float* y = q.b + r * C;
    float* dx = q.o1 + r * C;
    // dx = dy·y − Σ(dy·y)·y, with the products rounded to float as the tfjs-op gradient does.
    double s = 0;
    for (long c = 0; c < C; c++) { float t = dy[c] * y[c]; dx[c] = t; s += t; }
    float fs = (float)s;
    for (long c = 0; c < C; c++) dx[c] = dx[c] - fs * y[c];
  }
}

void softmax_grad(const float* dy, const float* y, float* dx, long rows, long cols) {
  EwCtx q;
  memset(&q, 0, sizeof q);
  q.a = dy; q.b = y; q.o1 = dx; q.rows = rows; q.cols = cols;
  if (rows * cols < 32768) softmax_grad_task(&q, 0, 1);
  else ssl3d_parallel(softmax_grad_task, &q);
}

void relu_grad_task(void* arg, int tid, int nt) {
  const EwCtx& q = *(const EwCtx*)arg;
  long b, e;
  split(q.n, tid, nt, &b, &e);
  const float* dy = q.a;
  const float* x = q.b;
  float* dx = q.o1;
  for (long i = b; i < e; i++) {
    float xi = x[i];
    float st = xi > 0.f ? 1.f : (xi != xi ? xi : 0.f);
    dx[i] = dy[i] * st;
  }
}

void relu_grad(const float* dy, const float* x, float* dx, long n) {
  EwCtx q;
  memset(&q, 0, sizeof q);
  q.a = dy; q.b = x; q.o1 = dx; q.n = n;
  if (n < 65536) relu_grad_task(&q, 0, 1);
  else ssl3d_parallel(relu_grad_task, &q);
}


// Gradient of clip(x, lo, hi): dy where lo <= x <= hi, else 0 (tfjs: where(x >= lo && x <= hi, dy, 0)).
void clip_grad(const float* dy, const float* x, float* dx, long n, float lo, float hi) {
  pfor(n, 1 << 16, [&](long b, long e) {
    for (long i = b; i < e; i++) dx[i] = (x[i] >= lo && x[i] <= hi) ? dy[i] : 0.f;
  });
}

struct BiasCtx { const float* dy; const float* yin; float* y; float* dz; const float* b; double* part; long rows, C, nchunks; int relu; };

void bias_act_task(void* arg, int tid, int nt) {
  const BiasCtx& q = *(const BiasCtx*)arg;
  long r0, r1;
  split(q.rows, tid, nt, &r0, &r1);
  long C = q.C;
  for (long r = r0; r < r1; r++) {
    float* y = q.y + r * C;
    if (q.relu) for (long c = 0; c < C; c++) { float v = y[c] + q.b[c]; y[c] = v < 0.f ? 0.f : v; }
    else for (long c = 0; c < C; c++) y[c] = y[c] + q.b[c];
  }
}

void bias_act(float* y, const float* b, long rows, long C, int relu) {
  BiasCtx q;
  memset(&q, 0, sizeof q);
  q.y = y; q.b = b; q.rows = rows; q.C = C; q.relu = relu;
  if (rows * C < 65536) bias_act_task(&q, 0, 1);
  else ssl3d_parallel(bias_act_task, &q);
}

void relu_grad_bias_task(void* arg, int tid, int nt) {
  const BiasCtx& q = *(const BiasCtx*)arg;
  long c0, c1;
  split(q.nchunks, tid, nt, &c0, &c1);
  long C = q.C;
  for (long k = c0; k < c1; k++) {
    long r0, r1;
    split(q.rows, (int)k, (int)q.nchunks, &r0, &r1);
    double* acc = q.part + k * C;
    for (long c = 0; c < C; c++) acc[c] = 0;
    for (long r = r0; r < r1; r++) {
      const float* dy = q.dy + r * C;
      const float* y = q.yin + r * C;
      float* dz = q.dz + r * C;
      for (long c = 0; c < C; c++) {
        float yi = y[c];
        float st = yi > 0.f ? 1.f : (yi != yi ? yi : 0.f);
        float d = dy[c] * st;
        dz[c] = d;
        acc[c] += d;
      }
    }
  }
}

void relu_grad_bias(const float* dy, const float* y, float* dz, float* db, long rows, long C) {
  BiasCtx q;
  memset(&q, 0, sizeof q);
  q.dy = dy; q.yin = y; q.dz = dz; q.rows = rows; q.C = C;
  // A fixed chunk count (not the thread count): the same bits for any number of threads.
  q.nchunks = lmax(1, lmin(RCHUNKS, rows));
  q.part = (double*)calloc(q.nchunks * C, sizeof(double));
  if (rows * C < 65536) relu_grad_bias_task(&q, 0, 1);
  else ssl3d_parallel(relu_grad_bias_task, &q);
  for (long c = 0; c < C; c++) {
    double s = 0;
    for (long k = 0; k < q.nchunks; k++) s += q.part[k * C + c];
    db[c] = (float)s;
  }
  free(q.part);
}

// Counter-based dropout mask: element i depends only on (seed, i), as core/rng.ts counterU32 and
// the WGSL kernel in runtime/backend/webgpu/dropout.ts (same arithmetic; bit-identical masks), so
// the threads split the tensor freely.
static inline uint32_t mix32(uint32_t z) {
  z ^= z >> 16;
  z *= 0x7feb352du;
  z ^= z >> 15;
  z *= 0x846ca68bu;
  z ^= z >> 16;
  return z;
}

struct MaskCtx { float* out; long n; uint32_t k0, k1, threshold; float keep; };

void dropout_mask_task(void* arg, int tid, int nt) {
  const MaskCtx& q = *(const MaskCtx*)arg;
  long b, e;
  split(q.n, tid, nt, &b, &e);
  for (long i = b; i < e; i++) {
    uint32_t u = mix32(mix32((uint32_t)i + q.k0) ^ q.k1);
    q.out[i] = u >= q.threshold ? q.keep : 0.f;
  }
}

void dropout_mask(float* out, long n, uint32_t seed, uint32_t threshold, float keep) {
  MaskCtx q = {out, n, mix32(seed), mix32(seed ^ 0x9e3779b9u), threshold, keep};
  if (n < 65536) dropout_mask_task(&q, 0, 1);
  else ssl3d_parallel(dropout_mask_task, &q);
}

// ---------------------------------------------------------------------------------------------
double fma_loop(long iters) {
  // 12 independent accumulator chains, each kept in its own register by the empty asm barriers.
  V m = vset(0.999999f), a = vset(1e-7f);
  V c0 = vset(0.f), c1 = vset(.1f), c2 = vset(.2f), c3 = vset(.3f), c4 = vset(.4f), c5 = vset(.5f);
  V c6 = vset(.6f), c7 = vset(.7f), c8 = vset(.8f), c9 = vset(.9f), c10 = vset(1.f), c11 = vset(1.1f);
  for (long it = 0; it < iters; it++) {
    c0 = c0 * m + a; c1 = c1 * m + a; c2 = c2 * m + a; c3 = c3 * m + a; c4 = c4 * m + a; c5 = c5 * m + a;
    c6 = c6 * m + a; c7 = c7 * m + a; c8 = c8 * m + a; c9 = c9 * m + a; c10 = c10 * m + a; c11 = c11 * m + a;
#if defined(__x86_64__) && defined(__AVX512F__)
    __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5));
    __asm__ volatile("" : "+v"(c6), "+v"(c7), "+v"(c8), "+v"(c9), "+v"(c10), "+v"(c11));
#elif defined(__x86_64__)
    __asm__ volatile("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), "+x"(c5));
    __asm__ volatile("" : "+x"(c6), "+x"(c7), "+x"(c8), "+x"(c9), "+x"(c10), "+x"(c11));
#endif
  }
  V t = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
  float s = 0;
  for (int l = 0; l < L; l++) s += t[l];
  volatile float sink = s;
  (void)sink;
  return (double)iters * 12.0 * L * 2.0;
}

}  // namespace

extern const Ssl3dKernels table = {
    ISA_NAME, conv_fwd, conv_bin, conv_bfil, matmul, pool, pool_grad, binary, reduce, unary, transpose, copy_rows, strided_copy, norm_fwd, norm_bwd, fma_loop,
    adam, softmax, softmax_grad, relu_grad, dropout_mask, bias_act, relu_grad_bias, clip_grad, conv_chunks,
};

}  // namespace SSL3D_NS
