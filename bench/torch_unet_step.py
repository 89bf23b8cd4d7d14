"""The PyTorch side of `npm run bench:kernels`: one training step (forward, backward, Adam) of the
authors'-code 3D U-Net that runtime/models builds (filters 16/32/64/128, bottleneck 256, blocks
Conv-ReLU-BN-Dropout(0.5)-Conv-ReLU-BN, transposed-conv decoder with skips, 1x1x1 conv to 4
classes, softmax cross-entropy), batch 2, 4 channels, D^3 voxels, fp32, on the CPU (or on CUDA with
DEVICE = cuda, for `npm run bench:gpu`; each timed step then ends with a synchronize).
Usage: python3 bench/torch_unet_step.py D THREADS STEPS [DEVICE]  -> one JSON line on stdout."""
import json, sys, time
import torch
import torch.nn as nn

D = int(sys.argv[1]) if len(sys.argv) > 1 else 32
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
STEPS = int(sys.argv[3]) if len(sys.argv) > 3 else 5
DEVICE = sys.argv[4] if len(sys.argv) > 4 else 'cpu'
torch.set_num_threads(THREADS)
torch.manual_seed(0)


def block(ci, co):
    return nn.Sequential(nn.Conv3d(ci, co, 3, padding=1), nn.ReLU(), nn.BatchNorm3d(co), nn.Dropout(0.5),
                         nn.Conv3d(co, co, 3, padding=1), nn.ReLU(), nn.BatchNorm3d(co))


class UNet(nn.Module):
    def __init__(self, cin=4, ncls=4, filters=(16, 32, 64, 128), bottleneck=256):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for f in filters:
            self.enc.append(block(c, f))
            c = f
        self.bott = block(c, bottleneck)
        c = bottleneck
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for f in reversed(filters):
            self.up.append(nn.ConvTranspose3d(c, f, 2, stride=2))
            self.dec.append(block(2 * f, f))
            c = f
        self.out = nn.Conv3d(c, ncls, 1)

    def forward(self, x):
        skips = []
        for b in self.enc:
            x = b(x)
            skips.append(x)
            x = nn.functional.max_pool3d(x, 2)
        x = self.bott(x)
        for u, d, s in zip(self.up, self.dec, reversed(skips)):
            x = d(torch.cat([u(x), s], 1))
        return self.out(x)


model = UNet().to(DEVICE)
opt = torch.optim.Adam(model.parameters(), 1e-4)
x = torch.randn(2, 4, D, D, D, device=DEVICE)
y = torch.randint(0, 4, (2, D, D, D), device=DEVICE)
sync = torch.cuda.synchronize if DEVICE == 'cuda' else (lambda: None)


def step():
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()


for _ in range(2 if DEVICE == 'cpu' else 5):
    step()
sync()
wall, cpu = [], []
for _ in range(STEPS):
    w0, c0 = time.perf_counter(), time.process_time()
    step()
    sync()
    wall.append((time.perf_counter() - w0) * 1e3)
    cpu.append((time.process_time() - c0) * 1e3)
wall.sort()
cpu.sort()
print(json.dumps({"torch": torch.__version__, "device": torch.cuda.get_device_name() if DEVICE == 'cuda' else 'cpu', "threads": THREADS, "D": D, "params": sum(p.numel() for p in model.parameters()),
                  "medianMs": wall[len(wall) // 2], "minMs": wall[0], "cpuMs": cpu[len(cpu) // 2]}))
