"""python/lgc against the lgc program: the same bytes, the same errors."""
import os
import signal
import threading
import time

import numpy as np
import pytest

import lgc
from conftest import MNIST, cli, mnist, rgb32
from pngw import write_folder, write_png


@pytest.fixture
def ctrl_c():
    """Python's Ctrl-C handler, also where the tests were started with SIGINT
    ignored (a background job, CI): then Python installs none. Returns a
    function that sends the main thread Ctrl-C after some seconds."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    timers = []

    def after(seconds):
        main = threading.get_ident()
        t = threading.Timer(seconds, lambda: signal.pthread_kill(main, signal.SIGINT))
        timers.append(t)
        t.start()

    yield after
    for t in timers:
        t.cancel()
    signal.signal(signal.SIGINT, old)


def folder_order(root):
    """The permutation that puts a folder written by decompress --format
    png-folder (read class by class) back in its INDEX.png order."""
    return np.argsort([int(f[:-4]) for c in sorted(os.listdir(root))
                       for f in sorted(os.listdir(os.path.join(root, c)))])


def read_npy_pair(prefix):
    return np.load(str(prefix) + "-images.npy"), np.load(str(prefix) + "-labels.npy")


def test_loads_this_build():
    assert lgc.library_path() == os.environ["LGC_LIB"]


def test_info(small):
    path, _, _ = small
    i = lgc.info(path)
    assert i["model"] == "ae" and i["n_classes"] == 10 and i["image_shape"] == [28, 28, 1]
    assert i["package_bytes"] == os.path.getsize(path)
    assert len(i["k"]) == i["n_mixtures"] == 10 and not i["grouped"]
    assert abs(sum(i["class_priors"]) - 1) < 1e-9
    assert i["keys"]["model.kind"] == "ae" and i["keys"]["classes"] == 10


@pytest.mark.parametrize("order", ["shuffled", "class"])
def test_decompress_is_the_cli_byte_for_byte(small, work, order):
    path, _, _ = small
    x, y = lgc.decompress(path, 5000, seed=7, order=order)
    assert x.shape == (5000, 28, 28) and x.dtype == np.uint8 and y.dtype == np.int64
    cli("decompress", path, "-n", 5000, "--seed", 7, "--order", order, "--format", "npy",
        "-o", work / ("cli-" + order), "-q")
    cx, cy = read_npy_pair(work / ("cli-" + order))
    assert cx.tobytes() == x.tobytes() and cy.tobytes() == y.astype(np.uint8).tobytes()


def test_decompress_threads_do_not_change_bytes(small):
    path, _, _ = small
    a, _ = lgc.decompress(path, 9000, seed=2, threads=1)
    b, _ = lgc.decompress(path, 9000, seed=2, threads=2)
    assert a.tobytes() == b.tobytes()


def test_decompress_to_png_folder_reads_back(small, work):
    path, _, _ = small
    x, y = lgc.decompress(path, 300, seed=5)
    lgc.decompress_to(path, work / "pf", 300, seed=5, format="png-folder")
    assert sorted(os.listdir(work / "pf")) == [str(c) for c in range(10)]
    fx, fy = lgc.load(work / "pf")
    # the folder lists images class by class; INDEX.png keeps the original order
    order = folder_order(work / "pf")
    assert np.array_equal(fx[order], x) and np.array_equal(fy[order], y)
    with pytest.raises(lgc.Error, match="already exists"):
        lgc.decompress_to(path, work / "pf", 300, seed=5, format="png-folder")


def test_errors_carry_lgc_message_and_status(work):
    with pytest.raises(lgc.Error) as e:
        lgc.info(work / "nope.lgc")
    assert e.value.name == "io" and e.value.status == 2 and "nope.lgc" in str(e.value)
    (work / "junk.lgc").write_bytes(b"not a package at all")
    with pytest.raises(lgc.Error) as e:
        lgc.decompress(work / "junk.lgc", 10)
    assert "junk.lgc" in e.value.message and e.value.name == "format"
    with pytest.raises(lgc.Error, match="unknown option 'epoch'"):
        lgc.compress(*mnist("train", 100), work / "x.lgc", epoch=1)
    assert not (work / "x.lgc").exists()


def test_compress_is_the_cli_byte_for_byte(small, work):
    path, x, y = small
    info = lgc.compress(x, y.astype(np.int32), work / "py.lgc", epochs=1)
    assert info["package_bytes"] == os.path.getsize(path)
    assert (work / "py.lgc").read_bytes() == path.read_bytes()
    assert (work / "py.enc").read_bytes() == (work / "small.enc").read_bytes()
    with pytest.raises(lgc.Error, match="already exists"):
        lgc.compress(x, y, work / "py.lgc", epochs=1)
    lgc.compress(x, y, work / "py.lgc", epochs=1, force=True, no_encoder=True)


def test_compress_dp_matches_the_cli(small, work):
    """dp_epsilon and friends reach the same options as --dp-epsilon: the same guarantee and
    the same package but for its "created" time."""
    _, x, y = small
    lgc.compress(x, y, work / "dp.lgc", epochs=1, latent=8, dp_epsilon=4, dp_delta=1e-4,
                 no_encoder=True)
    cli("compress", "--images", os.path.join(MNIST, "train-images-idx3-ubyte"), "--labels",
        os.path.join(MNIST, "train-labels-idx1-ubyte"), "--limit", 2000, "--epochs", 1,
        "--latent", 8, "--dp-epsilon", 4, "--dp-delta", 1e-4, "--no-encoder", "-o",
        work / "dp-cli.lgc", "-q")
    a, b = lgc.info(work / "dp.lgc")["keys"], lgc.info(work / "dp-cli.lgc")["keys"]
    assert 3.8 < a["dp.epsilon"] <= 4.0 and a["dp.delta"] == 1e-4
    a.pop("created"), b.pop("created")
    assert a == b
    with pytest.raises(lgc.Error, match="need dp_epsilon"):
        lgc.compress(x, y, work / "nodp.lgc", epochs=1, dp_k=2, no_encoder=True)
    assert not (work / "nodp.lgc").exists()


def test_load_formats(work):
    x, y = mnist("train", 64)
    c = rgb32(x, y % 10)
    np.save(work / "nchw.npy", np.ascontiguousarray(c.transpose(0, 3, 1, 2)))
    np.save(work / "nhwc.npy", c)
    for dt in (np.int8, np.uint16, np.int16, np.int32, np.uint32, np.int64, np.dtype(">i4")):
        np.save(work / "lab.npy", y.astype(dt))
        a, b = lgc.load(work / "nchw.npy", work / "lab.npy")
        assert np.array_equal(a, c) and np.array_equal(b, y), dt
    a, _ = lgc.load(work / "nhwc.npy", work / "lab.npy", layout="nhwc")
    assert np.array_equal(a, c)
    with pytest.raises(lgc.Error, match="not .N, C, H, W."):
        lgc.load(work / "nhwc.npy", work / "lab.npy", layout="nchw")
    np.save(work / "lab.npy", np.array([0, 1, 300] + [0] * 61, np.int16))
    with pytest.raises(lgc.Error, match="at most 256 classes"):
        lgc.load(work / "nchw.npy", work / "lab.npy")


def test_folder_errors(work):
    x, y = mnist("train", 20)
    root = work / "bad"
    write_folder(root, x, y % 2, names=["cat", "dog"])
    fx, fy = lgc.load(root)
    assert fx.shape == (20, 28, 28) and set(fy) == {0, 1}
    write_png(root / "dog" / "zz.png", np.zeros((30, 28), np.uint8))
    with pytest.raises(lgc.Error, match="every image of a set must have one size") as e:
        lgc.load(root)
    assert "zz.png" in str(e.value)
    os.remove(root / "dog" / "zz.png")
    (root / "dog" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(lgc.Error, match="broken.png: not a readable PNG"):
        lgc.load(root)
    os.remove(root / "dog" / "broken.png")
    os.makedirs(root / "empty")
    with pytest.raises(lgc.Error, match="empty: a class folder with no images"):
        lgc.load(root)


def test_grey_and_rgb_mixed_become_rgb(work):
    root = work / "mixed"
    os.makedirs(root / "a")
    os.makedirs(root / "b")
    g = np.arange(16, dtype=np.uint8).reshape(4, 4)
    rgb = np.stack([g, g + 1, g + 2], axis=-1)
    write_png(root / "a" / "1.png", g)
    write_png(root / "b" / "2.png", rgb)
    x, y = lgc.load(root)
    assert x.shape == (2, 4, 4, 3) and list(y) == [0, 1]
    assert np.array_equal(x[0], np.stack([g] * 3, -1)) and np.array_equal(x[1], rgb)


def test_eval_is_the_cli(small, work):
    path, _, _ = small
    x, y = lgc.decompress(path, 3000, seed=1)
    xt, yt = mnist("test", 1000)
    r = lgc.eval(x, y, xt, yt, steps=150, seeds=2)
    np.save(work / "ev-images.npy", x), np.save(work / "ev-labels.npy", y)
    np.save(work / "te-images.npy", xt), np.save(work / "te-labels.npy", yt)
    import json
    j = json.loads(cli("eval", "--train-images", work / "ev-images.npy", "--train-labels",
                       work / "ev-labels.npy", "--test-images", work / "te-images.npy",
                       "--test-labels", work / "te-labels.npy", "--steps", 150, "--seeds", 2,
                       "--json", "-q").stdout)
    assert r["accuracy"] == j["accuracy"] and r["n_classes"] == j["n_classes"] == 10
    assert np.allclose(r["per_class_mean"], j["per_class_mean"], atol=1e-6)


def test_rgb32_png_folder_and_nchw_end_to_end(work):
    """MNIST padded to 32x32 and tinted: a PNG class-folder set and an NCHW
    NPY set through compress, decompress and eval from Python and the CLI."""
    x, y = mnist("train", 1500)
    xt, yt = mnist("test", 500)
    c, ct = rgb32(x, y), rgb32(xt, yt)
    write_folder(work / "rgb-train", c, y)
    write_folder(work / "rgb-test", ct, yt)
    np.save(work / "rgb-nchw.npy", np.ascontiguousarray(c.transpose(0, 3, 1, 2)))
    np.save(work / "rgb-labels.npy", y.astype(np.int16))
    # Python and the CLI, from the folder (trained for real) and from the NCHW
    # array (1 epoch: the same bytes are the point; the folder lists its
    # images class by class, another order, so another package)
    opts = dict(model="conv-ae", hidden=32, latent=16, batch=32)
    lgc.compress(work / "rgb-train", None, work / "rgb-py.lgc", epochs=8, **opts)
    lgc.compress(c.transpose(0, 3, 1, 2), y, work / "rgb-py2.lgc", layout="nchw", epochs=1,
                 **opts)
    flags = ["--model", "conv-ae", "--hidden", 32, "--latent", 16, "--batch", 32, "-q"]
    cli("compress", "--images", work / "rgb-train", "-o", work / "rgb-cli.lgc", "--epochs", 8,
        *flags)
    cli("compress", "--images", work / "rgb-nchw.npy", "--labels", work / "rgb-labels.npy",
        "-o", work / "rgb-cli2.lgc", "--epochs", 1, *flags)
    assert (work / "rgb-cli.lgc").read_bytes() == (work / "rgb-py.lgc").read_bytes()
    assert (work / "rgb-cli2.lgc").read_bytes() == (work / "rgb-py2.lgc").read_bytes()
    info = lgc.info(work / "rgb-py.lgc")
    assert info["image_shape"] == [32, 32, 3] and info["n_classes"] == 10
    # decompress both ways, evaluate both ways
    rx, ry = lgc.decompress(work / "rgb-py.lgc", 3000)
    assert rx.shape == (3000, 32, 32, 3)
    cli("decompress", work / "rgb-cli.lgc", "-n", 3000, "--format", "png-folder", "-o",
        work / "rgb-regen", "-q")
    fx, fy = lgc.load(work / "rgb-regen")
    order = folder_order(work / "rgb-regen")
    assert np.array_equal(fx[order], rx) and np.array_equal(fy[order], ry)
    r = lgc.eval(rx, ry, work / "rgb-test", steps=400, seeds=1)
    import json
    j = json.loads(cli("eval", "--train-images", work / "rgb-regen", "--test-images",
                       work / "rgb-test", "--steps", 400, "--seeds", 1, "--json", "-q").stdout)
    assert j["n_classes"] == r["n_classes"] == 10
    # the regenerated set teaches the judge the tinted digits (chance is 10 %)
    assert r["accuracy"][0] > 0.4 and j["accuracy"][0] > 0.4, (r, j)
    # the NCHW package: decompressed and judged from Python and the CLI (the
    # CLI's test set the NCHW NPY itself), the same images, the same accuracy
    nx, ny = lgc.decompress(work / "rgb-py2.lgc", 1000, seed=4)
    cli("decompress", work / "rgb-cli2.lgc", "-n", 1000, "--seed", 4, "--format", "npy", "-o",
        work / "rgb-n", "-q")
    cx, cy = read_npy_pair(work / "rgb-n")
    assert cx.tobytes() == nx.tobytes() and np.array_equal(cy, ny)
    r = lgc.eval(nx.transpose(0, 3, 1, 2), ny, c.transpose(0, 3, 1, 2), y, layout="nchw",
                 steps=50, seeds=1)
    j = json.loads(cli("eval", "--train-images", work / "rgb-n-images.npy", "--train-labels",
                       work / "rgb-n-labels.npy", "--test-images", work / "rgb-nchw.npy",
                       "--test-labels", work / "rgb-labels.npy", "--steps", 50, "--seeds", 1,
                       "--json", "-q").stdout)
    assert r["accuracy"] == j["accuracy"], (r, j)


def test_gil_is_released_during_a_call(small):
    path, x, y = small
    ticks, done = [0], threading.Event()

    def work():
        lgc.compress(x, y, path.parent / "gil.lgc", epochs=4, no_encoder=True, force=True)
        done.set()

    t = threading.Thread(target=work)
    t0 = time.time()
    t.start()
    while not done.is_set() and time.time() - t0 < 120:
        ticks[0] += 1
    t.join()
    # with the GIL held for the whole call the loop would hardly have run
    assert ticks[0] > 10000, ticks


def test_ctrl_c_stops_compress_and_leaves_nothing(small, ctrl_c):
    path, x, y = small
    out = path.parent / "cancelled.lgc"
    t0 = time.time()
    ctrl_c(1.0)
    with pytest.raises(KeyboardInterrupt):
        lgc.compress(x, y, out, epochs=200)
    took = time.time() - t0
    assert not out.exists() and not out.with_suffix(".enc").exists()
    assert took < 30, took  # 200 epochs take minutes; it stopped at the next epoch
    assert not [f for f in os.listdir(path.parent) if f.startswith("cancelled")]


def test_ctrl_c_stops_decompress(small, ctrl_c):
    path, _, _ = small
    t0 = time.time()
    ctrl_c(0.3)
    with pytest.raises(KeyboardInterrupt):
        lgc.decompress(path, 3_000_000)  # 2.4 GB, several seconds
    assert time.time() - t0 < 20


def test_ctrl_c_stops_the_mixture_sweep(tmp_path, ctrl_c):
    x, y = mnist("train", 20000)
    out = str(tmp_path / "sweep-cancelled.lgc")
    t0 = time.time()
    ctrl_c(2.0)
    with pytest.raises(KeyboardInterrupt):
        lgc.compress(x, y, out, epochs=1, kmax=32, no_encoder=True)  # the sweep takes ~20 s
    took = time.time() - t0
    assert not os.path.exists(out)
    assert took < 12, took  # stopped between two fits, not at the end of the sweep
