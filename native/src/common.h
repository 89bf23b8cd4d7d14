// Shared declarations between the N-API glue (addon.cpp) and the per-ISA kernel translation
// units (kernels.cpp compiled three times: AVX-512, AVX2+FMA, baseline x86-64/other).
// Only plain C types cross this boundary so that no inline template compiled for one ISA can be
// picked by the linker for another (which would crash older CPUs with SIGILL).
#pragma once
#include <stdint.h>

extern "C" {
typedef void (*ssl3d_task_fn)(void* ctx, int tid, int nthreads);
// Runs fn(ctx, tid, nthreads) on every pool thread (tid 0 on the caller) and waits.
void ssl3d_parallel(ssl3d_task_fn fn, void* ctx);
int ssl3d_nthreads(void);
}

struct Ssl3dKernels {
  const char* isa;
  // dims: n d h w ci kd kh kw co sd sh sw pd ph pw od oh ow (18 ints)
  void (*conv_fwd)(const float* x, const float* w, float* y, const int32_t* dims);
  void (*conv_bin)(const float* dy, const float* w, float* dx, const int32_t* dims);
  void (*conv_bfil)(const float* x, const float* dy, float* dw, const int32_t* dims);
  // dims: batchA batchB M K N transA transB
  void (*matmul)(const float* a, const float* b, float* c, const int32_t* dims);
  // dims: n d h w c kd kh kw sd sh sw pd ph pw od oh ow (17 ints); kind 0 max, 1 avg
  void (*pool)(const float* x, float* y, const int32_t* dims, int kind);
  void (*pool_grad)(const float* dy, const float* x, float* dx, const int32_t* dims, int kind);
  void (*binary)(int op, const float* a, const int32_t* as, const float* b, const int32_t* bs, float* out,
                 const int32_t* os, int rank);
  void (*reduce)(int op, const float* x, const int32_t* shape, const int32_t* red, int rank, float* out);
  void (*unary)(int op, const float* x, float* out, long n, float alpha, float beta);
  void (*transpose)(const float* x, const int32_t* shape, const int32_t* perm, int rank, float* out);
  // dims: rows len srcStride dstStride srcOff dstOff (in floats)
  void (*copy_rows)(const float* src, float* dst, const int64_t* dims);
  // Copy a block of `shape` from src (element strides ss, offset so) to dst (strides ds, offset do).
  void (*strided_copy)(const float* src, float* dst, int rank, const int64_t* shape, const int64_t* ss,
                       const int64_t* ds, int64_t so, int64_t doff);
  // Normalisation over groups: x is [G][S][C]; statistics per (g, c). dims: G S C
  void (*norm_fwd)(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* inv,
                   const int64_t* dims, float eps);
  void (*norm_bwd)(const float* x, const float* dy, const float* gamma, const float* mean, const float* inv, float* dx,
                   float* dgamma, float* dbeta, const int64_t* dims);
  // Floating-point operations done by one thread of an FMA loop running `iters` iterations.
  double (*fma_loop)(long iters);
  // Fused Adam update of one variable, out of place. p: lr b1 1-b1 b2 1-b2 (1-b1^t) (1-b2^t) eps wd
  void (*adam)(const float* w, const float* g, const float* m, const float* v, float* wo, float* mo, float* vo, long n,
               const float* p);
  // Softmax over the last axis of x viewed as [rows][cols], and its gradient given y = softmax(x).
  void (*softmax)(const float* x, float* y, long rows, long cols);
  void (*softmax_grad)(const float* dy, const float* y, float* dx, long rows, long cols);
  // ReLU gradient: dx = dy * step(x) (NaN x propagates, as tfjs).
  void (*relu_grad)(const float* dy, const float* x, float* dx, long n);
  // Inverted-dropout mask from the counter stream of core/rng.ts (counterU32): keep where u32 >= threshold.
  void (*dropout_mask)(float* out, long n, uint32_t seed, uint32_t threshold, float keep);
  // Conv epilogue, in place on y viewed as [rows][C]: y = y + b (then max(y, 0) when relu != 0).
  void (*bias_act)(float* y, const float* b, long rows, long C, int relu);
  // Its gradient for relu: dz = dy * step(y) and db[c] = sum over rows of dz (fixed chunks, in order).
  void (*relu_grad_bias)(const float* dy, const float* y, float* dz, float* db, long rows, long C);
  // Gradient of clip(x, lo, hi): dx = dy where lo <= x <= hi, else 0.
  void (*clip_grad)(const float* dy, const float* x, float* dx, long n, float lo, float hi);
  // Independent work chunks of a conv pass (0 forward, 1 input gradient, 2 filter gradient) for conv dims.
  long (*conv_chunks)(int which, const int32_t* dims);
};

namespace ssl3d_avx512 { extern const Ssl3dKernels table; }
namespace ssl3d_avx2 { extern const Ssl3dKernels table; }
namespace ssl3d_base { extern const Ssl3dKernels table; }
