// Error codes SSL200–209: backend selection and the native kernel addon.

import type { CodeInfo } from './info.js';

export const codes = [
  {
    code: 'SSL200',
    severity: 'error',
    title: "backend 'tensorflow' requested but tfjs-node is not available",
    messages: {
      tensorflowUnavailable: "backend 'tensorflow' was requested but {reason}; use backend auto or native",
    },
    explanation:
      "The experiment (or --backend) asks for `backend tensorflow`, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed and loadable. Their install step downloads libtensorflow, so they are often missing on offline machines.\nFix: install one of them where the machine has internet (`npm install @tensorflow/tfjs-node@4.22.0`), or use `backend auto` (tries tensorflow, then native, then cpu) or `backend native`.",
  },
  {
    code: 'SSL201',
    severity: 'error',
    title: "backend 'native' requested but the C++ kernel addon is unavailable",
    messages: {
      nativeUnavailable: "backend 'native' was requested but {reason}",
    },
    explanation:
      "`backend native` needs native/build/ssl3d_native.node, which `npm install` compiles with the system C++ compiler. It is missing when no compiler was found at install time, when the build failed, or when SSL3D_NO_NATIVE=1 is set.\nFix: install g++ (or clang++) and run `node native/build.mjs` (it prints the compiler error if any), unset SSL3D_NO_NATIVE, or use `backend auto`/`cpu` (much slower for 3D convolutions).",
  },
  {
    code: 'SSL202',
    severity: 'warning',
    title: 'the native addon failed to build',
    explanation:
      "`node native/build.mjs` could not compile the kernel addon. Installation still succeeds and the plain tfjs `cpu` backend is used (100–500× slower for 3D convolutions).\nFix: read the compiler output printed by `node native/build.mjs`; it needs a C++17 compiler (g++ ≥ 9 or clang ≥ 10) and the node-api-headers package (a dev dependency).",
  },
  {
    code: 'SSL203',
    severity: 'error',
    title: 'unknown backend name',
    messages: {
      unknownBackend: "unknown backend '{bad}' (expected auto, webgpu, native, cpu or tensorflow)",
    },
    explanation:
      "The backend must be one of `auto`, `webgpu`, `native`, `cpu` or `tensorflow`. Example: `backend auto`.\nFix: correct the spelling in the experiment file or on the command line.",
  },
  {
    code: 'SSL204',
    severity: 'error',
    title: 'backend not allowed for 3D training',
    messages: {
      cannot3d: "backend '{name}' cannot run 3D training",
    },
    explanation:
      "`wasm` and `webgl` are never used for training: tfjs-wasm 4.22 computes the input gradient of conv3d (Conv3DBackpropInputV2) wrongly and has no fast 3D kernels, and webgl does not exist in Node.\nFix: use `auto`, `webgpu`, `native`, `cpu` or `tensorflow`.",
  },
  {
    code: 'SSL205',
    severity: 'error',
    title: 'tfjs could not initialise the selected backend',
    messages: {
      initFailed: "tfjs could not initialise the '{name}' backend",
      noneAvailable: "no backend available for '{choice}'",
    },
    explanation:
      "tf.setBackend() returned false for the selected backend; its initialisation threw inside tfjs (for tfjs-node: a broken libtensorflow install).\nFix: reinstall the backend package, or choose another backend (`backend cpu` always works).",
  },
  {
    code: 'SSL206',
    severity: 'info',
    title: 'native kernel received an unsupported input',
    messages: {
      cpuFallback: 'cpu fallback for {key}',
    },
    explanation:
      "A native kernel was called with a layout or dtype it does not implement (for example NCDHW data, dilation > 1, or int32 tensors). The native backend then runs the plain cpu kernel instead, so this code only appears in debug logs (SSL3D_NATIVE_DEBUG=1).\nFix: nothing to do; use channels-last tensors for speed.",
  },
  {
    code: 'SSL207',
    severity: 'error',
    title: "backend 'webgpu' requested but no WebGPU adapter is available",
    messages: {
      webgpuUnavailable: "backend 'webgpu' was requested but {reason}",
    },
    explanation:
      "`backend webgpu` (or `--backend webgpu`) needs the optional packages `webgpu` (Dawn, with a prebuilt binary) and `@tensorflow/tfjs-backend-webgpu`, a Vulkan loader (`libvulkan1`) and a Vulkan driver: the GPU vendor's (NVIDIA, AMD, Intel) or, for tests without a GPU, Mesa's lavapipe (≥ 25; Debian bookworm: `apt-get install -t bookworm-backports mesa-vulkan-drivers`). In containers the NVIDIA runtime must expose the `graphics` capability (NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics). The message says which part is missing.\nFix: install the missing part, or use `backend auto` (it uses a hardware GPU when one is found, else the CPU).",
  },
  {
    code: 'SSL208',
    severity: 'error',
    title: 'the GPU device was lost or ran out of memory',
    messages: {
      deviceLost: 'the GPU device was lost during {where} ({lost}); the run can be resumed from its last checkpoint',
      outOfMemory: 'the GPU ran out of memory during {where} ({reason}); lower the batch size or patch size, or resume on a larger GPU',
    },
    explanation:
      "During training on `webgpu` the GPU device was lost (driver reset, another process, a hung kernel) or an allocation failed for lack of GPU memory. The node stops at the next value it reads back; its last checkpoint is kept, so `ssl3d run` again resumes from it.\nFix: for out-of-memory lower `batch` or the patch size, or run on a larger GPU; for a lost device check the driver (`nvidia-smi`, `vulkaninfo`) and run again.",
  },
  {
    code: 'SSL209',
    severity: 'error',
    title: 'the GPU reported an error',
    messages: {
      gpuError: 'the GPU reported {kind} during {where}: {reason}',
    },
    explanation:
      "The WebGPU device reported a validation or internal error (for example a shader the driver cannot compile). The node stops at the next value it reads back and its last checkpoint is kept.\nFix: run again with `--backend native` to continue on the CPU, and report the message (it names the failing kernel) together with the adapter shown at the start of the run.",
  },
] as const satisfies readonly CodeInfo[];
