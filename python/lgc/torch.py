"""lgc.torch - a PyTorch dataset that draws fresh images from a package every epoch.

    from torch.utils.data import DataLoader
    from lgc.torch import LGCDataset
    ds = LGCDataset("out/mnist.lgc", n_per_epoch=60000, seed=1)
    loader = DataLoader(ds, batch_size=64, num_workers=2)
    for epoch in range(10):
        ds.set_epoch(epoch)          # optional: see "Epochs" below
        for x, y in loader:          # x float32 (64, C, H, W) in [0, 1], y int64 (64,)
            ...

Importing lgc does not import torch; importing lgc.torch does.

Shares. Every epoch the n_per_epoch images are split over the DataLoader's
workers (one share without workers); each worker decompresses its own share,
in chunks of up to 8,192 images, each chunk with its own seed derived from
(seed, epoch, worker, chunk). Different seeds sample the mixtures
independently, so no two workers, chunks or epochs hand out the same image
(the codes are continuous random draws), and every chunk is in lgc's
shuffled order, so every slice holds the classes in proportion.

Epochs. The epoch a draw belongs to is, in order: the number given to
set_epoch; else, inside DataLoader workers, the seed DataLoader draws afresh
for each epoch's workers (reproducible when torch.manual_seed or the
DataLoader's generator is set); else (no workers) a count of the times the
dataset was iterated. With persistent_workers=True, call set_epoch before
every epoch, or the workers' epoch count goes on from where it was.
"""

import torch
from torch.utils.data import IterableDataset, get_worker_info

import lgc

_MASK = (1 << 64) - 1
CHUNK = 8192


def _mix(*values):
    """splitmix64 over the values: a 64-bit seed from several numbers."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h ^ (int(v) & _MASK)) & _MASK
        h = (h + 0x9E3779B97F4A7C15) & _MASK
        z = h
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        h = z ^ (z >> 31)
    return h


class LGCDataset(IterableDataset):
    """n_per_epoch fresh images a pass from the package at path, as
    (float32 tensor (C, H, W) in [0, 1], int64 label). transform, if given,
    is applied to each image tensor. threads: lgc's threads per process (1
    inside workers, where the workers are the parallelism)."""

    def __init__(self, path, n_per_epoch=60000, seed=1, transform=None, threads=None,
                 max_memory=0):
        super().__init__()
        if n_per_epoch < 1:
            raise ValueError("LGCDataset: n_per_epoch must be at least 1")
        self.path = path
        self.n_per_epoch = int(n_per_epoch)
        self.seed = int(seed)
        self.transform = transform
        self.threads = threads
        self.max_memory = max_memory
        self._epoch = None      # set_epoch's
        self._count = 0         # passes without workers
        self._pkg = None        # opened lazily, once per process
        with lgc.open(path, max_memory) as p:  # fail now, in the caller, on a bad package
            self.shape = p.shape
            self.n_classes = p.n_classes

    def set_epoch(self, epoch):
        self._epoch = int(epoch)

    def __len__(self):
        return self.n_per_epoch

    def __getstate__(self):  # the opened package stays in its process
        d = dict(self.__dict__)
        d["_pkg"] = None
        return d

    def share(self, worker, n_workers):
        """(first, count): the slice of an epoch's images that worker draws."""
        base, extra = divmod(self.n_per_epoch, n_workers)
        first = worker * base + min(worker, extra)
        return first, base + (1 if worker < extra else 0)

    def _epoch_key(self, info):
        if self._epoch is not None:
            return ("epoch", self._epoch)
        if info is not None:
            return ("loader", info.seed - info.id)  # DataLoader's base seed of this epoch
        key = ("count", self._count)
        self._count += 1
        return key

    def __iter__(self):
        info = get_worker_info()
        worker, n_workers = (info.id, info.num_workers) if info is not None else (0, 1)
        kind, value = self._epoch_key(info)
        tag = {"epoch": 1, "loader": 2, "count": 3}[kind]
        if self._pkg is None:
            self._pkg = lgc.open(self.path, self.max_memory)
        threads = self.threads or (1 if info is not None else 2)
        _, count = self.share(worker, n_workers)
        h, w, c = self.shape
        for chunk, start in enumerate(range(0, count, CHUNK)):
            n = min(CHUNK, count - start)
            s = _mix(self.seed, tag, value, worker, chunk)
            x, y = self._pkg.decompress(n, seed=s, threads=threads)
            xt = torch.from_numpy(x.reshape(n, h, w, c)).permute(0, 3, 1, 2).contiguous()
            xt = xt.float().div_(255)
            yt = torch.from_numpy(y)
            for i in range(n):
                img = xt[i]
                if self.transform is not None:
                    img = self.transform(img)
                yield img, yt[i]
