// Error codes SSL200–209: backend selection and the native kernel addon.

import type { CodeInfo } from '../contract.js';

export const codes: CodeInfo[] = [
  {
    code: 'SSL200',
    title: "backend 'tensorflow' requested but tfjs-node is not available",
    explanation:
      "The experiment (or --backend) asks for `backend tensorflow`, but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed and loadable. Their install step downloads libtensorflow, so they are often missing on offline machines.\nFix: install one of them where the machine has internet (`npm install @tensorflow/tfjs-node@4.22.0`), or use `backend auto` (tries tensorflow, then native, then cpu) or `backend native`.",
  },
  {
    code: 'SSL201',
    title: "backend 'native' requested but the C++ kernel addon is unavailable",
    explanation:
      "`backend native` needs native/build/ssl3d_native.node, which `npm install` compiles with the system C++ compiler. It is missing when no compiler was found at install time, when the build failed, or when SSL3D_NO_NATIVE=1 is set.\nFix: install g++ (or clang++) and run `node native/build.mjs` (it prints the compiler error if any), unset SSL3D_NO_NATIVE, or use `backend auto`/`cpu` (much slower for 3D convolutions).",
  },
  {
    code: 'SSL202',
    title: 'the native addon failed to build',
    explanation:
      "`node native/build.mjs` could not compile the kernel addon. Installation still succeeds and the plain tfjs `cpu` backend is used (100–500× slower for 3D convolutions).\nFix: read the compiler output printed by `node native/build.mjs`; it needs a C++17 compiler (g++ ≥ 9 or clang ≥ 10) and the node-api-headers package (a dev dependency).",
  },
  {
    code: 'SSL203',
    title: 'unknown backend name',
    explanation:
      "The backend must be one of `auto`, `native`, `cpu` or `tensorflow`. Example: `backend auto`.\nFix: correct the spelling in the experiment file or on the command line.",
  },
  {
    code: 'SSL204',
    title: 'backend not allowed for 3D training',
    explanation:
      "`wasm`, `webgl` and `webgpu` are never used for training: tfjs-wasm 4.22 computes the input gradient of conv3d (Conv3DBackpropInputV2) wrongly and has no fast 3D kernels, and webgl/webgpu do not run in Node here.\nFix: use `auto`, `native`, `cpu` or `tensorflow`.",
  },
  {
    code: 'SSL205',
    title: 'tfjs could not initialise the selected backend',
    explanation:
      "tf.setBackend() returned false for the selected backend; its initialisation threw inside tfjs (for tfjs-node: a broken libtensorflow install).\nFix: reinstall the backend package, or choose another backend (`backend cpu` always works).",
  },
  {
    code: 'SSL206',
    title: 'native kernel received an unsupported input',
    explanation:
      "A native kernel was called with a layout or dtype it does not implement (for example NCDHW data, dilation > 1, or int32 tensors). The native backend then runs the plain cpu kernel instead, so this code only appears in debug logs (SSL3D_NATIVE_DEBUG=1).\nFix: nothing to do; use channels-last tensors for speed.",
  },
];
