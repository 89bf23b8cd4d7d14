"""PyTorch side of the conv3d table of bench/cpu-device.ts: 3x3x3 'same' convolutions, CPU, fp32,
at the shapes of issue #11. For each shape: forward, input gradient alone, filter gradient alone,
and both gradients in one backward call (what a training step runs), best time of a few repeats.
Usage: python3 bench/torch_conv3d.py THREADS  -> one JSON line per shape on stdout."""
import json, sys, time
import torch

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(THREADS)
SHAPES = [(2, 32, 16, 32), (2, 32, 32, 64), (2, 64, 16, 32)]  # N, D, Cin, Cout


def best(fn, reps):
    out = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out * 1e3


for n, d, ci, co in SHAPES:
    torch.manual_seed(0)
    x = torch.randn(n, ci, d, d, d)
    w = torch.randn(co, ci, 3, 3, 3)
    y = torch.nn.functional.conv3d(x, w, padding=1)
    g = torch.randn_like(y)

    def fwd():
        torch.nn.functional.conv3d(x, w, padding=1)

    def bwd(mask):
        return lambda: torch.ops.aten.convolution_backward(g, x, w, None, [1, 1, 1], [1, 1, 1], [1, 1, 1], False, [0, 0, 0], 1, mask)

    for f in (fwd, bwd([True, True, False])):
        f()
    row = {"torch": torch.__version__, "threads": THREADS, "n": n, "d": d, "ci": ci, "co": co,
           "fwdMs": best(fwd, 5), "dxMs": best(bwd([True, False, False]), 3), "dwMs": best(bwd([False, True, False]), 3),
           "bwdMs": best(bwd([True, True, False]), 3)}
    print(json.dumps(row), flush=True)
