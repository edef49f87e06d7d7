"""What fresh images every epoch are worth: paper-cnn (the judge of
docs/PROTOCOL.md section 4, in PyTorch) trained for the same steps on

  fixed  the 60,000 images `lgc decompress -n 60000 --seed 1` writes, reshuffled
         every pass (what lgc eval measures), and
  fresh  lgc.torch.LGCDataset(package, 60000): 60,000 new images every epoch,

3 seeds each, tested on MNIST's 10,000 test images.

    PYTHONPATH=python /usr/bin/python3 python/examples/fresh_epochs.py out/mnist.lgc \
        [--steps 9380] [--seeds 3] [--workers 0] [--threads 2] [--json out/fresh-epochs.json]

paper-cnn: conv 6 3x3, ReLU, maxpool 2, conv 16 5x5, ReLU, maxpool 2, maxpool 2,
dense 32, ReLU, dense 16, ReLU, dense 10 (5,254 parameters on 28x28x1), PyTorch's
default initialisation, Adam (1e-3), batch 64, cross-entropy.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lgc
from lgc.torch import LGCDataset


def paper_cnn(c, h, w, k):
    body = nn.Sequential(nn.Conv2d(c, 6, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.MaxPool2d(2), nn.Flatten())
    with torch.no_grad():
        flat = body(torch.zeros(1, c, h, w)).shape[1]
    return nn.Sequential(body, nn.Linear(flat, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                         nn.Linear(16, k))


def batches(loader, steps):
    """steps batches, starting a new pass (epoch) whenever one ends."""
    epoch, done = 0, 0
    while True:
        if hasattr(loader.dataset, "set_epoch"):
            loader.dataset.set_epoch(epoch)
        for b in loader:
            yield b
            done += 1
            if done == steps:
                return
        epoch += 1


def run(loader, steps, seed, test, k, shape):
    torch.manual_seed(seed)
    net = paper_cnn(shape[2], shape[0], shape[1], k)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    lossf = nn.CrossEntropyLoss()
    for x, y in batches(loader, steps):
        opt.zero_grad()
        lossf(net(x), y).backward()
        opt.step()
    net.eval()
    xt, yt = test
    with torch.no_grad():
        pred = torch.cat([net(xt[i:i + 1000]).argmax(1) for i in range(0, len(xt), 1000)])
    return float((pred == yt).float().mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("package")
    ap.add_argument("--steps", type=int, default=9380)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    shape, k = lgc.open(a.package).shape, lgc.info(a.package)["n_classes"]
    xte, yte = lgc.load(lgc._data_file("t10k-images-idx3-ubyte"),
                        lgc._data_file("t10k-labels-idx1-ubyte"))
    test = (torch.from_numpy(xte.reshape(len(xte), *shape)).permute(0, 3, 1, 2).float() / 255,
            torch.from_numpy(yte))
    x, y = lgc.decompress(a.package, a.n, seed=1)
    fixed = TensorDataset(torch.from_numpy(x.reshape(len(x), *shape)).permute(0, 3, 1, 2)
                          .float().div(255), torch.from_numpy(y))
    out = {"package": a.package, "steps": a.steps, "n_per_epoch": a.n, "batch": 64,
           "torch": torch.__version__, "threads": a.threads, "workers": a.workers}
    for name in ("fixed", "fresh"):
        accs, t0 = [], time.time()
        for s in range(1, a.seeds + 1):
            g = torch.Generator()
            g.manual_seed(s)
            if name == "fixed":
                loader = DataLoader(fixed, batch_size=64, shuffle=True, generator=g)
            else:
                ds = LGCDataset(a.package, a.n, seed=s)
                loader = DataLoader(ds, batch_size=64, num_workers=a.workers, generator=g)
            accs.append(run(loader, a.steps, s, test, k, shape))
            print("%s seed %d: %.2f %%" % (name, s, 100 * accs[-1]), file=sys.stderr)
        acc = np.array(accs)
        out[name] = {"accuracy": accs, "mean": float(acc.mean()),
                     "sd": float(acc.std(ddof=1)) if len(acc) > 1 else 0.0,
                     "seconds": round(time.time() - t0, 1)}
        print("%s: %.2f +- %.2f %% (%s), %.0f s" % (name, 100 * acc.mean(),
              100 * out[name]["sd"], ", ".join("%.2f" % (100 * v) for v in accs),
              out[name]["seconds"]))
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
