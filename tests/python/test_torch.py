"""lgc.torch.LGCDataset with DataLoader workers: every image once per epoch,
fresh images every epoch (skipped where Debian's python3-torch is absent)."""
import hashlib
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch.utils.data import DataLoader  # noqa: E402

import lgc  # noqa: E402


def test_lgc_does_not_import_torch():
    import subprocess
    r = subprocess.run([sys.executable, "-c", "import lgc, sys; print('torch' in sys.modules)"],
                       capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"


def epoch_hashes(loader):
    seen, labels = [], []
    for x, y in loader:
        assert x.dtype == torch.float32 and y.dtype == torch.int64
        assert x.shape[1:] == (1, 28, 28) and 0 <= float(x.min()) and float(x.max()) <= 1
        for img in x:
            seen.append(hashlib.sha1(img.numpy().tobytes()).hexdigest())
        labels.append(y)
    return seen, torch.cat(labels)


@pytest.mark.parametrize("workers", [0, 3])
def test_workers_share_an_epoch_without_duplicates(small, workers):
    from lgc.torch import LGCDataset
    path, _, _ = small
    ds = LGCDataset(path, n_per_epoch=5000, seed=3)
    assert len(ds) == 5000
    loader = DataLoader(ds, batch_size=128, num_workers=workers)
    ds.set_epoch(0)
    a, ya = epoch_hashes(loader)
    assert len(a) == 5000 and len(set(a)) == 5000, "an image came twice in one epoch"
    counts = np.bincount(ya.numpy(), minlength=10)
    assert counts.min() > 300, counts  # every class, in proportion
    ds.set_epoch(1)
    b, _ = epoch_hashes(loader)
    assert len(set(b)) == 5000 and not set(a) & set(b), "an image came back the next epoch"
    ds.set_epoch(0)
    assert epoch_hashes(loader)[0] == a, "set_epoch(0) again gives the same epoch"


def test_epochs_change_without_set_epoch(small):
    from lgc.torch import LGCDataset
    path, _, _ = small
    ds = LGCDataset(path, n_per_epoch=1000, seed=1)
    g = torch.Generator()
    g.manual_seed(0)
    loader = DataLoader(ds, batch_size=100, num_workers=2, generator=g)
    a, _ = epoch_hashes(loader)
    b, _ = epoch_hashes(loader)
    assert len(set(a)) == len(set(b)) == 1000 and not set(a) & set(b)
    plain = LGCDataset(path, n_per_epoch=1000, seed=1)
    c, _ = epoch_hashes(DataLoader(plain, batch_size=100))
    d, _ = epoch_hashes(DataLoader(plain, batch_size=100))
    assert not set(c) & set(d)


def test_shares_cover_the_epoch():
    from lgc.torch import LGCDataset
    ds = LGCDataset.__new__(LGCDataset)
    ds.n_per_epoch = 10
    shares = [ds.share(w, 3) for w in range(3)]
    assert shares == [(0, 4), (4, 3), (7, 3)]


def test_a_short_training_loop(small):
    from lgc.torch import LGCDataset
    path, _, _ = small
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    opt = torch.optim.Adam(net.parameters(), 1e-2)
    ds = LGCDataset(path, n_per_epoch=2048, seed=1)
    losses = []
    for epoch in range(3):
        ds.set_epoch(epoch)
        for x, y in DataLoader(ds, batch_size=64, num_workers=2):
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(x), y)
            loss.backward()
            opt.step()
            losses.append(float(loss))
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) - 0.3, losses
