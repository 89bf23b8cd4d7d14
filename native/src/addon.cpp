// N-API glue for the ssl3d kernel pack: argument checking, a small fixed thread pool, and the
// choice of kernel table (AVX-512, AVX2+FMA or baseline) from the CPU's features at load time.
#include <node_api.h>
#include <sched.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common.h"

// ---------------------------------------------------------------------------------------------
// Thread pool: nthreads-1 workers plus the calling thread; every parallel call hands each thread
// its index, and the kernels split their work statically by that index (deterministic results).
// A training step makes hundreds of parallel calls separated by short stretches of JavaScript, so
// idle workers first spin for a bounded time (SSL3D_SPIN_US microseconds, default 200; 0 = never)
// watching the generation counter, and only then sleep on the condition variable; the caller
// likewise spins before sleeping on the completion. Waking 15 sleeping threads through the kernel
// for every elementwise op was what kept 16 threads from scaling.
namespace {
struct Pool {
  std::mutex mu;
  std::condition_variable cv, done;
  std::vector<std::thread> workers;
  ssl3d_task_fn fn = nullptr;
  void* ctx = nullptr;
  std::atomic<long> generation{0};
  std::atomic<int> pending{0};
  std::atomic<int> sleepers{0};
  std::atomic<bool> callerSleeping{false};
  int nthreads = 1;
  std::atomic<bool> stop{false};
};
Pool* g_pool = nullptr;
long g_spin_ns = 200000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

inline long now_ns() {
  return (long)std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Spin until pred() holds or the spin budget is spent; true when pred() held.
template <typename P>
bool spin_until(P pred) {
  if (g_spin_ns <= 0) return pred();
  long t0 = now_ns();
  for (;;) {
    for (int i = 0; i < 64; i++) {
      if (pred()) return true;
      cpu_relax();
    }
    if (now_ns() - t0 > g_spin_ns) return pred();
  }
}

void worker_main(Pool* p, int tid) {
  long seen = 0;
  for (;;) {
    auto ready = [&] { return p->stop.load() || p->generation.load() != seen; };
    if (!spin_until(ready)) {
      std::unique_lock<std::mutex> lk(p->mu);
      p->sleepers.fetch_add(1);
      p->cv.wait(lk, ready);
      p->sleepers.fetch_sub(1);
    }
    if (p->stop.load()) return;
    seen = p->generation.load();
    ssl3d_task_fn fn = p->fn;
    void* ctx = p->ctx;
    fn(ctx, tid, p->nthreads);
    if (p->pending.fetch_sub(1) == 1 && p->callerSleeping.load()) {
      std::lock_guard<std::mutex> lk(p->mu);
      p->done.notify_one();
    }
  }
}

void pool_stop() {
  if (!g_pool) return;
  {
    std::lock_guard<std::mutex> lk(g_pool->mu);
    g_pool->stop.store(true);
  }
  g_pool->cv.notify_all();
  for (auto& t : g_pool->workers) t.join();
  delete g_pool;
  g_pool = nullptr;
}

bool g_spin_env = false;
int default_threads();

void pool_start(int n) {
  pool_stop();
  if (n < 1) n = 1;
  if (n > 256) n = 256;
  // More threads than CPUs: a spinning thread would take the CPU from one that has work.
  if (!g_spin_env) g_spin_ns = n > default_threads() ? 0 : 200000;
  g_pool = new Pool();
  g_pool->nthreads = n;
  for (int i = 1; i < n; i++) g_pool->workers.emplace_back(worker_main, g_pool, i);
}

// CPUs this process may run on (taskset / cgroup affinity), else the online CPUs.
int default_threads() {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c > 0) return c;
  }
#endif
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? (int)hw : 1;
}
}  // namespace

extern "C" void ssl3d_parallel(ssl3d_task_fn fn, void* ctx) {
  Pool* p = g_pool;
  if (!p || p->nthreads == 1) {
    fn(ctx, 0, 1);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->pending.store(p->nthreads - 1);
  p->generation.fetch_add(1);  // seq_cst: publishes fn/ctx before any worker sees the new generation
  if (p->sleepers.load() > 0) {
    std::lock_guard<std::mutex> lk(p->mu);
    p->cv.notify_all();
  }
  fn(ctx, 0, p->nthreads);
  auto finished = [&] { return p->pending.load() == 0; };
  if (!spin_until(finished)) {
    std::unique_lock<std::mutex> lk(p->mu);
    p->callerSleeping.store(true);
    p->done.wait(lk, finished);
    p->callerSleeping.store(false);
  }
}

extern "C" int ssl3d_nthreads(void) { return g_pool ? g_pool->nthreads : 1; }

// ---------------------------------------------------------------------------------------------
namespace {
const Ssl3dKernels* K = nullptr;

const Ssl3dKernels* pick_kernels() {
  const char* force = getenv("SSL3D_ISA");
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  bool has512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                __builtin_cpu_supports("fma");
  bool has2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  bool has512 = false, has2 = false;
#endif
  if (force && strcmp(force, "scalar") == 0) return &ssl3d_base::table;
  if (force && strcmp(force, "avx2") == 0 && has2) return &ssl3d_avx2::table;
  if (has512 && !(force && strcmp(force, "avx2") == 0)) return &ssl3d_avx512::table;
  if (has2) return &ssl3d_avx2::table;
  return &ssl3d_base::table;
}

#define CHECK(call)                                                 \
  do {                                                              \
    if ((call) != napi_ok) {                                        \
      napi_throw_error(env, "SSL206", "ssl3d native: N-API call failed: " #call); \
      return nullptr;                                               \
    }                                                               \
  } while (0)

// A typed array of exactly the element type `want`, as a raw pointer and element count.
template <typename T>
bool get_typed(napi_env env, napi_value v, napi_typedarray_type want, T** data, size_t* len) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  void* p;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &p, &ab, &off) != napi_ok) return false;
  if (type != want) return false;
  *data = (T*)p;
  return true;
}

bool get_f32(napi_env env, napi_value v, float** data, size_t* len) { return get_typed(env, v, napi_float32_array, data, len); }

bool get_i32(napi_env env, napi_value v, int32_t** data, size_t* len) { return get_typed(env, v, napi_int32_array, data, len); }

napi_value fail(napi_env env, const char* msg) {
  napi_throw_type_error(env, "SSL206", msg);
  return nullptr;
}

template <int N>
bool args(napi_env env, napi_callback_info info, napi_value (&argv)[N]) {
  size_t argc = N;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) return false;
  return argc >= (size_t)N;
}

long prod(const int32_t* d, int n) {
  long p = 1;
  for (int i = 0; i < n; i++) p *= d[i];
  return p;
}

// conv dims: n d h w ci kd kh kw co sd sh sw pd ph pw od oh ow
bool conv_sizes_ok(const int32_t* q, size_t x, size_t w, size_t y, int which) {
  for (int i = 0; i < 18; i++)
    if (q[i] < 0) return false;
  long xs = (long)q[0] * q[1] * q[2] * q[3] * q[4];
  long ws = (long)q[5] * q[6] * q[7] * q[4] * q[8];
  long ys = (long)q[0] * q[15] * q[16] * q[17] * q[8];
  if (q[9] < 1 || q[10] < 1 || q[11] < 1) return false;
  if (which == 0) return (long)x == xs && (long)w == ws && (long)y == ys;  // x, w, y
  if (which == 1) return (long)x == ys && (long)w == ws && (long)y == xs;  // dy, w, dx
  return (long)x == xs && (long)w == ys && (long)y == ws;                  // x, dy, dw
}

napi_value conv_call(napi_env env, napi_callback_info info, int which) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "conv: expected 4 arguments");
  float *a, *b, *c;
  int32_t* d;
  size_t la, lb, lc, ld;
  if (!get_f32(env, argv[0], &a, &la) || !get_f32(env, argv[1], &b, &lb) || !get_f32(env, argv[2], &c, &lc) ||
      !get_i32(env, argv[3], &d, &ld) || ld != 18)
    return fail(env, "conv: expected (Float32Array, Float32Array, Float32Array, Int32Array(18))");
  if (!conv_sizes_ok(d, la, lb, lc, which)) return fail(env, "conv: buffer sizes do not match the dimensions");
  if (which == 0) K->conv_fwd(a, b, c, d);
  else if (which == 1) K->conv_bin(a, b, c, d);
  else K->conv_bfil(a, b, c, d);
  return nullptr;
}

napi_value ConvFwd(napi_env env, napi_callback_info info) { return conv_call(env, info, 0); }
napi_value ConvBin(napi_env env, napi_callback_info info) { return conv_call(env, info, 1); }
napi_value ConvBfil(napi_env env, napi_callback_info info) { return conv_call(env, info, 2); }

napi_value MatMul(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "matmul: expected 4 arguments");
  float *a, *b, *c;
  int32_t* d;
  size_t la, lb, lc, ld;
  if (!get_f32(env, argv[0], &a, &la) || !get_f32(env, argv[1], &b, &lb) || !get_f32(env, argv[2], &c, &lc) ||
      !get_i32(env, argv[3], &d, &ld) || ld != 7)
    return fail(env, "matmul: bad arguments");
  long bA = d[0], bB = d[1], M = d[2], Kk = d[3], N = d[4];
  long batch = bA > bB ? bA : bB;
  if (bA < 1 || bB < 1 || M < 0 || Kk < 0 || N < 0 || (bA != bB && bA != 1 && bB != 1) || (long)la != bA * M * Kk ||
      (long)lb != bB * Kk * N || (long)lc != batch * M * N)
    return fail(env, "matmul: buffer sizes do not match the dimensions");
  K->matmul(a, b, c, d);
  return nullptr;
}

bool pool_ok(const int32_t* q, size_t x, size_t y) {
  for (int i = 0; i < 17; i++)
    if (q[i] < 0) return false;
  if (q[5] < 1 || q[6] < 1 || q[7] < 1 || q[8] < 1 || q[9] < 1 || q[10] < 1) return false;
  return (long)x == (long)q[0] * q[1] * q[2] * q[3] * q[4] && (long)y == (long)q[0] * q[14] * q[15] * q[16] * q[4];
}

napi_value Pool3d(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "pool3d: expected 4 arguments");
  float *x, *y;
  int32_t* d;
  size_t lx, ly, ld;
  int32_t kind;
  if (!get_f32(env, argv[0], &x, &lx) || !get_f32(env, argv[1], &y, &ly) || !get_i32(env, argv[2], &d, &ld) || ld != 17 ||
      napi_get_value_int32(env, argv[3], &kind) != napi_ok)
    return fail(env, "pool3d: bad arguments");
  if (!pool_ok(d, lx, ly)) return fail(env, "pool3d: buffer sizes do not match the dimensions");
  K->pool(x, y, d, kind);
  return nullptr;
}

napi_value Pool3dGrad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv)) return fail(env, "pool3dGrad: expected 5 arguments");
  float *dy, *x, *dx;
  int32_t* d;
  size_t ldy, lx, ldx, ld;
  int32_t kind;
  if (!get_f32(env, argv[0], &dy, &ldy) || !get_f32(env, argv[1], &x, &lx) || !get_f32(env, argv[2], &dx, &ldx) ||
      !get_i32(env, argv[3], &d, &ld) || ld != 17 || napi_get_value_int32(env, argv[4], &kind) != napi_ok)
    return fail(env, "pool3dGrad: bad arguments");
  if (!pool_ok(d, lx, ldy) || ldx != lx) return fail(env, "pool3dGrad: buffer sizes do not match the dimensions");
  K->pool_grad(dy, x, dx, d, kind);
  return nullptr;
}

napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, argv)) return fail(env, "binary: expected 7 arguments");
  int32_t op;
  float *a, *b, *o;
  int32_t *as, *bs, *os;
  size_t la, lb, lo, ra, rb, ro;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || !get_f32(env, argv[1], &a, &la) ||
      !get_i32(env, argv[2], &as, &ra) || !get_f32(env, argv[3], &b, &lb) || !get_i32(env, argv[4], &bs, &rb) ||
      !get_f32(env, argv[5], &o, &lo) || !get_i32(env, argv[6], &os, &ro))
    return fail(env, "binary: bad arguments");
  if (ra != ro || rb != ro || ro < 1 || ro > 8 || op < 0 || op > 6) return fail(env, "binary: bad ranks or op");
  for (size_t i = 0; i < ro; i++) {
    if ((as[i] != os[i] && as[i] != 1) || (bs[i] != os[i] && bs[i] != 1)) return fail(env, "binary: shapes do not broadcast");
  }
  if ((long)la != prod(as, ro) || (long)lb != prod(bs, ro) || (long)lo != prod(os, ro)) return fail(env, "binary: sizes");
  if (lo == 0) return nullptr;
  K->binary(op, a, as, b, bs, o, os, (int)ro);
  return nullptr;
}

napi_value Reduce(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv)) return fail(env, "reduce: expected 5 arguments");
  int32_t op;
  float *x, *o;
  int32_t *sh, *rd;
  size_t lx, lo, rs, rr;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || !get_f32(env, argv[1], &x, &lx) ||
      !get_i32(env, argv[2], &sh, &rs) || !get_i32(env, argv[3], &rd, &rr) || !get_f32(env, argv[4], &o, &lo))
    return fail(env, "reduce: bad arguments");
  if (rs != rr || rs < 1 || rs > 8 || op < 0 || op > 3) return fail(env, "reduce: bad rank or op");
  long outN = 1;
  for (size_t i = 0; i < rs; i++)
    if (!rd[i]) outN *= sh[i];
  if ((long)lx != prod(sh, rs) || (long)lo != outN || lx == 0) return fail(env, "reduce: sizes");
  K->reduce(op, x, sh, rd, (int)rs, o);
  return nullptr;
}

napi_value Unary(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "unary: expected 4 arguments");
  int32_t op;
  float *x, *o;
  size_t lx, lo;
  double alpha, beta = 0;
  if (napi_get_value_int32(env, argv[0], &op) != napi_ok || !get_f32(env, argv[1], &x, &lx) ||
      !get_f32(env, argv[2], &o, &lo) || napi_get_value_double(env, argv[3], &alpha) != napi_ok || lx != lo)
    return fail(env, "unary: bad arguments");
  {
    size_t argc = 5;
    napi_value all[5];
    if (napi_get_cb_info(env, info, &argc, all, nullptr, nullptr) == napi_ok && argc >= 5) napi_get_value_double(env, all[4], &beta);
  }
  K->unary(op, x, o, (long)lx, (float)alpha, (float)beta);
  return nullptr;
}

napi_value Transpose(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "transpose: expected 4 arguments");
  float *x, *o;
  int32_t *sh, *pm;
  size_t lx, lo, rs, rp;
  if (!get_f32(env, argv[0], &x, &lx) || !get_i32(env, argv[1], &sh, &rs) || !get_i32(env, argv[2], &pm, &rp) ||
      !get_f32(env, argv[3], &o, &lo))
    return fail(env, "transpose: bad arguments");
  if (rs != rp || rs < 1 || rs > 8 || (long)lx != prod(sh, rs) || lo != lx) return fail(env, "transpose: sizes");
  unsigned seen = 0;
  for (size_t i = 0; i < rs; i++) {
    if (pm[i] < 0 || pm[i] >= (int)rs || (seen & (1u << pm[i]))) return fail(env, "transpose: bad permutation");
    seen |= 1u << pm[i];
  }
  if (lx == 0) return nullptr;
  K->transpose(x, sh, pm, (int)rs, o);
  return nullptr;
}

// copyRows(src, dst, dims: Float64Array[rows, len, srcStride, dstStride, srcOff, dstOff])
napi_value CopyRows(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv)) return fail(env, "copyRows: expected 3 arguments");
  float *s, *d;
  size_t ls, ld;
  bool is;
  if (!get_f32(env, argv[0], &s, &ls) || !get_f32(env, argv[1], &d, &ld) || napi_is_typedarray(env, argv[2], &is) != napi_ok || !is)
    return fail(env, "copyRows: bad arguments");
  napi_typedarray_type type;
  size_t n, off;
  void* p;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[2], &type, &n, &p, &ab, &off) != napi_ok || type != napi_float64_array || n != 6)
    return fail(env, "copyRows: dims must be a Float64Array(6)");
  const double* q = (const double*)p;
  int64_t dims[6];
  for (int i = 0; i < 6; i++) {
    if (q[i] < 0) return fail(env, "copyRows: negative dimension");
    dims[i] = (int64_t)q[i];
  }
  if (dims[0] > 0 && dims[1] > 0) {
    int64_t lastS = dims[4] + (dims[0] - 1) * dims[2] + dims[1], lastD = dims[5] + (dims[0] - 1) * dims[3] + dims[1];
    if (lastS > (int64_t)ls || lastD > (int64_t)ld) return fail(env, "copyRows: out of bounds");
    K->copy_rows(s, d, dims);
  }
  return nullptr;
}

bool get_dims64(napi_env env, napi_value v, int64_t* out, size_t n) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  size_t len, off;
  void* p;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &len, &p, &ab, &off) != napi_ok || type != napi_float64_array || len != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    double d = ((const double*)p)[i];
    if (d < 0) return false;
    out[i] = (int64_t)d;
  }
  return true;
}

// stridedCopy(src, dst, dims: Float64Array[rank, srcOff, dstOff, shape[rank], srcStride[rank], dstStride[rank]])
napi_value StridedCopy(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv)) return fail(env, "stridedCopy: expected 3 arguments");
  float *s, *d;
  size_t ls, ld;
  if (!get_f32(env, argv[0], &s, &ls) || !get_f32(env, argv[1], &d, &ld)) return fail(env, "stridedCopy: bad arguments");
  bool is;
  napi_typedarray_type type;
  size_t n, off;
  void* p;
  napi_value ab;
  if (napi_is_typedarray(env, argv[2], &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, argv[2], &type, &n, &p, &ab, &off) != napi_ok || type != napi_float64_array || n < 1)
    return fail(env, "stridedCopy: dims must be a Float64Array");
  const double* q = (const double*)p;
  int rank = (int)q[0];
  if (rank < 1 || rank > 8 || n != (size_t)(3 + 3 * rank)) return fail(env, "stridedCopy: bad rank");
  int64_t shape[8], ss[8], ds[8];
  int64_t so = (int64_t)q[1], dof = (int64_t)q[2];
  if (so < 0 || dof < 0) return fail(env, "stridedCopy: negative offset");
  int64_t smax = so, dmax = dof;
  bool empty = false;
  for (int i = 0; i < rank; i++) {
    shape[i] = (int64_t)q[3 + i];
    ss[i] = (int64_t)q[3 + rank + i];
    ds[i] = (int64_t)q[3 + 2 * rank + i];
    if (shape[i] < 0 || ss[i] < 0 || ds[i] < 0) return fail(env, "stridedCopy: negative dimension");
    if (shape[i] == 0) empty = true;
    else { smax += (shape[i] - 1) * ss[i]; dmax += (shape[i] - 1) * ds[i]; }
  }
  if (empty) return nullptr;
  if (smax >= (int64_t)ls || dmax >= (int64_t)ld) return fail(env, "stridedCopy: out of bounds");
  K->strided_copy(s, d, rank, shape, ss, ds, so, dof);
  return nullptr;
}

// normFwd(x, gamma, beta, y, mean, inv, dims: Float64Array[G,S,C], eps)
napi_value NormFwd(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!args(env, info, argv)) return fail(env, "normFwd: expected 8 arguments");
  float *x, *g, *b, *y, *m, *iv;
  size_t lx, lg, lb, ly, lm, li;
  int64_t d[3];
  double eps;
  if (!get_f32(env, argv[0], &x, &lx) || !get_f32(env, argv[1], &g, &lg) || !get_f32(env, argv[2], &b, &lb) ||
      !get_f32(env, argv[3], &y, &ly) || !get_f32(env, argv[4], &m, &lm) || !get_f32(env, argv[5], &iv, &li) ||
      !get_dims64(env, argv[6], d, 3) || napi_get_value_double(env, argv[7], &eps) != napi_ok)
    return fail(env, "normFwd: bad arguments");
  if ((int64_t)lx != d[0] * d[1] * d[2] || ly != lx || (int64_t)lg != d[2] || (int64_t)lb != d[2] ||
      (int64_t)lm != d[0] * d[2] || li != lm || d[2] == 0)
    return fail(env, "normFwd: sizes");
  K->norm_fwd(x, g, b, y, m, iv, d, (float)eps);
  return nullptr;
}

// normBwd(x, dy, gamma, mean, inv, dx, dgamma, dbeta, dims: Float64Array[G,S,C])
napi_value NormBwd(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, argv)) return fail(env, "normBwd: expected 9 arguments");
  float *x, *dy, *g, *m, *iv, *dx, *dg, *db;
  size_t lx, ldy, lg, lm, li, ldx, ldg, ldb;
  int64_t d[3];
  if (!get_f32(env, argv[0], &x, &lx) || !get_f32(env, argv[1], &dy, &ldy) || !get_f32(env, argv[2], &g, &lg) ||
      !get_f32(env, argv[3], &m, &lm) || !get_f32(env, argv[4], &iv, &li) || !get_f32(env, argv[5], &dx, &ldx) ||
      !get_f32(env, argv[6], &dg, &ldg) || !get_f32(env, argv[7], &db, &ldb) || !get_dims64(env, argv[8], d, 3))
    return fail(env, "normBwd: bad arguments");
  if ((int64_t)lx != d[0] * d[1] * d[2] || ldy != lx || ldx != lx || (int64_t)lg != d[2] || (int64_t)ldg != d[2] ||
      (int64_t)ldb != d[2] || (int64_t)lm != d[0] * d[2] || li != lm || d[2] == 0)
    return fail(env, "normBwd: sizes");
  K->norm_bwd(x, dy, g, m, iv, dx, dg, db, d);
  return nullptr;
}


// adam(w, g, m, v, wOut, mOut, vOut, params: Float64Array[lr, b1, 1-b1, b2, 1-b2, 1-b1^t, 1-b2^t, eps, wd])
napi_value Adam(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!args(env, info, argv)) return fail(env, "adam: expected 8 arguments");
  float *w, *g, *m, *v, *wo, *mo, *vo;
  size_t lw, lg, lm, lv, lwo, lmo, lvo;
  if (!get_f32(env, argv[0], &w, &lw) || !get_f32(env, argv[1], &g, &lg) || !get_f32(env, argv[2], &m, &lm) ||
      !get_f32(env, argv[3], &v, &lv) || !get_f32(env, argv[4], &wo, &lwo) || !get_f32(env, argv[5], &mo, &lmo) ||
      !get_f32(env, argv[6], &vo, &lvo))
    return fail(env, "adam: bad arguments");
  if (lg != lw || lm != lw || lv != lw || lwo != lw || lmo != lw || lvo != lw) return fail(env, "adam: sizes differ");
  bool is;
  napi_typedarray_type type;
  size_t n, off;
  void* pp;
  napi_value ab;
  if (napi_is_typedarray(env, argv[7], &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, argv[7], &type, &n, &pp, &ab, &off) != napi_ok || type != napi_float64_array || n != 9)
    return fail(env, "adam: params must be a Float64Array of 9");
  float p[9];
  for (int i = 0; i < 9; i++) p[i] = (float)((const double*)pp)[i];
  K->adam(w, g, m, v, wo, mo, vo, (long)lw, p);
  return nullptr;
}

// softmax(x, y, dims: Float64Array[rows, cols]) / softmaxGrad(dy, y, dx, dims)
napi_value Softmax(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv)) return fail(env, "softmax: expected 3 arguments");
  float *x, *y;
  size_t lx, ly;
  int64_t d[2];
  if (!get_f32(env, argv[0], &x, &lx) || !get_f32(env, argv[1], &y, &ly) || !get_dims64(env, argv[2], d, 2))
    return fail(env, "softmax: bad arguments");
  if ((int64_t)lx != d[0] * d[1] || ly != lx || d[1] < 1) return fail(env, "softmax: sizes");
  K->softmax(x, y, (long)d[0], (long)d[1]);
  return nullptr;
}

napi_value SoftmaxGrad(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "softmaxGrad: expected 4 arguments");
  float *dy, *y, *dx;
  size_t ldy, ly, ldx;
  int64_t d[2];
  if (!get_f32(env, argv[0], &dy, &ldy) || !get_f32(env, argv[1], &y, &ly) || !get_f32(env, argv[2], &dx, &ldx) ||
      !get_dims64(env, argv[3], d, 2))
    return fail(env, "softmaxGrad: bad arguments");
  if ((int64_t)ly != d[0] * d[1] || ldy != ly || ldx != ly || d[1] < 1) return fail(env, "softmaxGrad: sizes");
  K->softmax_grad(dy, y, dx, (long)d[0], (long)d[1]);
  return nullptr;
}

// reluGrad(dy, x, dx)
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv)) return fail(env, "reluGrad: expected 3 arguments");
  float *dy, *x, *dx;
  size_t ldy, lx, ldx;
  if (!get_f32(env, argv[0], &dy, &ldy) || !get_f32(env, argv[1], &x, &lx) || !get_f32(env, argv[2], &dx, &ldx))
    return fail(env, "reluGrad: bad arguments");
  if (lx != ldy || ldx != ldy) return fail(env, "reluGrad: sizes");
  K->relu_grad(dy, x, dx, (long)ldy);
  return nullptr;
}

// dropoutMask(out, seed, threshold, keep)
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "dropoutMask: expected 4 arguments");
  float* o;
  size_t lo;
  uint32_t seed, thr;
  double keep;
  if (!get_f32(env, argv[0], &o, &lo) || napi_get_value_uint32(env, argv[1], &seed) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &thr) != napi_ok || napi_get_value_double(env, argv[3], &keep) != napi_ok)
    return fail(env, "dropoutMask: bad arguments");
  K->dropout_mask(o, (long)lo, seed, thr, (float)keep);
  return nullptr;
}

// biasAct(y, bias, relu) in place on y viewed as [rows][C] with C = bias.length
napi_value BiasAct(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, argv)) return fail(env, "biasAct: expected 3 arguments");
  float *y, *b;
  size_t ly, lb;
  bool relu;
  if (!get_f32(env, argv[0], &y, &ly) || !get_f32(env, argv[1], &b, &lb) || napi_get_value_bool(env, argv[2], &relu) != napi_ok)
    return fail(env, "biasAct: bad arguments");
  if (lb == 0 || ly % lb != 0) return fail(env, "biasAct: sizes");
  K->bias_act(y, b, (long)(ly / lb), (long)lb, relu ? 1 : 0);
  return nullptr;
}

// reluGradBias(dy, y, dz, db): dz = dy * step(y); db = per-channel sums of dz (C = db.length)
napi_value ReluGradBias(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, argv)) return fail(env, "reluGradBias: expected 4 arguments");
  float *dy, *y, *dz, *db;
  size_t ldy, ly, ldz, ldb;
  if (!get_f32(env, argv[0], &dy, &ldy) || !get_f32(env, argv[1], &y, &ly) || !get_f32(env, argv[2], &dz, &ldz) ||
      !get_f32(env, argv[3], &db, &ldb))
    return fail(env, "reluGradBias: bad arguments");
  if (ldb == 0 || ly != ldy || ldz != ldy || ldy % ldb != 0) return fail(env, "reluGradBias: sizes");
  K->relu_grad_bias(dy, y, dz, db, (long)(ldy / ldb), (long)ldb);
  return nullptr;
}

napi_value ClipGrad(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, argv)) return fail(env, "clipGrad: expected 5 arguments");
  float *dy, *x, *dx;
  size_t ldy, lx, ldx;
  double lo, hi;
  if (!get_f32(env, argv[0], &dy, &ldy) || !get_f32(env, argv[1], &x, &lx) || !get_f32(env, argv[2], &dx, &ldx) ||
      napi_get_value_double(env, argv[3], &lo) != napi_ok || napi_get_value_double(env, argv[4], &hi) != napi_ok)
    return fail(env, "clipGrad: expected (Float32Array dy, Float32Array x, Float32Array dx, number lo, number hi)");
  if (lx != ldy || ldx != ldy) return fail(env, "clipGrad: dy, x and dx must have the same length");
  K->clip_grad(dy, x, dx, (long)ldy, (float)lo, (float)hi);
  return nullptr;
}

napi_value ConvChunks(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t* d;
  size_t ld;
  int32_t which;
  if (!args(env, info, argv) || napi_get_value_int32(env, argv[0], &which) != napi_ok || which < 0 || which > 2 ||
      !get_i32(env, argv[1], &d, &ld) || ld != 18)
    return fail(env, "convChunks: expected (0 | 1 | 2, Int32Array(18))");
  for (int i = 0; i < 18; i++)
    if (d[i] < 0 || (i >= 9 && i <= 11 && d[i] < 1)) return fail(env, "convChunks: bad dimensions");
  napi_value v;
  CHECK(napi_create_double(env, (double)K->conv_chunks(which, d), &v));
  return v;
}

napi_value Isa(napi_env env, napi_callback_info) {
  napi_value s;
  CHECK(napi_create_string_utf8(env, K->isa, NAPI_AUTO_LENGTH, &s));
  return s;
}

napi_value Threads(napi_env env, napi_callback_info) {
  napi_value v;
  CHECK(napi_create_int32(env, ssl3d_nthreads(), &v));
  return v;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t n;
  if (!args(env, info, argv) || napi_get_value_int32(env, argv[0], &n) != napi_ok || n < 1)
    return fail(env, "setThreads: expected a positive integer");
  if (n != ssl3d_nthreads()) pool_start(n);
  return nullptr;
}

struct FmaCtx {
  long iters;
  double flops[256];
};
void fma_task(void* p, int tid, int) {
  FmaCtx* c = (FmaCtx*)p;
  c->flops[tid] = K->fma_loop(c->iters);
}

napi_value FmaPeak(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  double ms = 200;
  if (args(env, info, argv)) napi_get_value_double(env, argv[0], &ms);
  FmaCtx c;
  // calibrate on one thread, then run on all threads for about `ms`
  long iters = 1 << 16;
  double secs = 0;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    K->fma_loop(iters);
    secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (secs > 0.01) break;
    iters *= 4;
  }
  c.iters = (long)(iters * (ms / 1000.0) / secs) + 1;
  auto t0 = std::chrono::steady_clock::now();
  ssl3d_parallel(fma_task, &c);
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double total = 0;
  for (int i = 0; i < ssl3d_nthreads(); i++) total += c.flops[i];
  napi_value v;
  CHECK(napi_create_double(env, total / el / 1e9, &v));
  return v;
}

void cleanup(void*) { pool_stop(); }
}  // namespace

NAPI_MODULE_INIT() {
  if (!K) {
    K = pick_kernels();
    const char* env_t = getenv("SSL3D_THREADS");
    int n = env_t ? atoi(env_t) : default_threads();
    const char* env_s = getenv("SSL3D_SPIN_US");
    if (env_s) {
      g_spin_ns = (long)(atof(env_s) * 1000.0);
      g_spin_env = true;
    }
    if (!g_pool) pool_start(n > 0 ? n : 1);
    napi_add_env_cleanup_hook(env, cleanup, nullptr);
  }
  struct {
    const char* name;
    napi_callback cb;
  } fns[] = {{"conv3dFwd", ConvFwd}, {"conv3dBwdInput", ConvBin}, {"conv3dBwdFilter", ConvBfil}, {"matmul", MatMul},
             {"pool3d", Pool3d},     {"pool3dGrad", Pool3dGrad}, {"binary", Binary},          {"reduce", Reduce},
             {"unary", Unary},       {"transpose", Transpose},   {"copyRows", CopyRows}, {"normFwd", NormFwd}, {"stridedCopy", StridedCopy}, {"normBwd", NormBwd},   {"isa", Isa},                {"threads", Threads},
             {"setThreads", SetThreads}, {"fmaPeak", FmaPeak}, {"adam", Adam}, {"softmax", Softmax},
             {"softmaxGrad", SoftmaxGrad}, {"reluGrad", ReluGrad}, {"dropoutMask", DropoutMask},
             {"biasAct", BiasAct}, {"reluGradBias", ReluGradBias}, {"clipGrad", ClipGrad}, {"convChunks", ConvChunks}};
  for (auto& f : fns) {
    napi_value fn;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn) != napi_ok) return nullptr;
    if (napi_set_named_property(env, exports, f.name, fn) != napi_ok) return nullptr;
  }
  return exports;
}
