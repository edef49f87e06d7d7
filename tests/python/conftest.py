"""Fixtures of the Python tests: MNIST slices, the lgc binary, small packages
made once per session (tests/python/test_python.sh sets LGC, LGC_LIB,
PYTHONPATH and SOURCE_DATE_EPOCH=0)."""
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

SRC = os.environ.get("LGC_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
MNIST = os.path.join(os.environ.get("LGC_DATA_DIR", os.path.join(SRC, "data")), "mnist")
LGC = os.environ.get("LGC", os.path.join(SRC, "build", "lgc"))

# a colour per class, for MNIST padded to 32x32 and tinted (RGB, 3 channels)
TINTS = np.array([[255, 80, 80], [80, 255, 80], [80, 80, 255], [255, 255, 80], [80, 255, 255],
                  [255, 80, 255], [200, 120, 40], [40, 200, 120], [120, 40, 200],
                  [230, 230, 230]], np.float64) / 255


def mnist(split, n):
    pre = "train" if split == "train" else "t10k"
    x = np.fromfile(os.path.join(MNIST, pre + "-images-idx3-ubyte"), np.uint8, offset=16)
    y = np.fromfile(os.path.join(MNIST, pre + "-labels-idx1-ubyte"), np.uint8, offset=8)
    return x.reshape(-1, 28, 28)[:n].copy(), y[:n].astype(np.int64)


def rgb32(x, y):
    """MNIST padded to 32x32 and tinted by class: (n, 32, 32, 3) uint8."""
    p = np.zeros((len(x), 32, 32), np.float64)
    p[:, 2:30, 2:30] = x
    return np.floor(p[..., None] * TINTS[y][:, None, None, :] + 0.5).astype(np.uint8)


def cli(*args, check=True):
    r = subprocess.run([LGC, *map(str, args)], capture_output=True, text=True)
    if check and r.returncode:
        raise AssertionError("lgc %s: exit %d: %s" % (" ".join(map(str, args)), r.returncode,
                                                     r.stderr))
    return r


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("lgc")


@pytest.fixture(scope="session")
def small(work):
    """A package of 2,000 MNIST images made by the CLI (1 epoch): (path, x, y)."""
    x, y = mnist("train", 2000)
    out = work / "small.lgc"
    cli("compress", "--images", os.path.join(MNIST, "train-images-idx3-ubyte"), "--labels",
        os.path.join(MNIST, "train-labels-idx1-ubyte"), "--limit", 2000, "--epochs", 1,
        "-o", out, "-q")
    return out, x, y
