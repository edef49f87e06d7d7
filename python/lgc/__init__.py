"""lgc - Latent Gaussian Compression from Python.

A NumPy-only module over lgc's shared library (liblgc.so.0) through ctypes and
its stable C entry point (include/lgc/api.h):

    import lgc
    x, y = lgc.decompress("out/mnist.lgc", 60000)       # uint8 (n, 28, 28), int64 (n,)
    lgc.info("out/mnist.lgc")["n_classes"]               # 10
    x, y = lgc.load("some/folder")                       # a folder of class folders
    lgc.compress(x, y, "my.lgc", epochs=20, model="conv-ae")
    r = lgc.eval(x, y, test_x, test_y, steps=9380)       # the judge of `lgc eval`

The library is found through $LGC_LIB (a path to liblgc.so.0), else the build
tree of the checkout this module lives in (build/liblgc.so.0), else the
system's library path (after `cmake --install build`).

Errors raise lgc.Error with lgc's one-line message, its status number and name.
Long calls run on a worker thread: ctypes releases the GIL during a foreign
call, so other Python threads go on, and Ctrl-C sets a cancel flag that the
library checks between training epochs, the mixture sweep's fits, blocks of
decompressed images and judge seeds; the call then stops, leaves no output,
and KeyboardInterrupt is raised.

lgc.torch (imported only when used) has LGCDataset, a PyTorch IterableDataset
that draws fresh images every epoch.
"""

import ctypes
import os
import threading
import time

import numpy as np

__all__ = ["Error", "Package", "open", "info", "decompress", "decompress_to", "load",
           "compress", "eval", "library_path"]

API_VERSION = 1
MAX_CLASSES = 256
_CANCELLED = 11  # LGC_ERR_CANCELLED


class Error(Exception):
    """An lgc error: .status (lgc_status number), .name ("format", ...), .message."""

    def __init__(self, status, name, message):
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message


class _Err(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("msg", ctypes.c_char * 512)]


_HERE = os.path.dirname(os.path.abspath(__file__))
_CHECKOUT = os.path.dirname(os.path.dirname(_HERE))
_lib = None
_lib_path = None

_PROGRESS = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t,
                             ctypes.c_size_t, ctypes.c_double)


def _candidates():
    env = os.environ.get("LGC_LIB")
    if env:
        return [env]
    return [os.path.join(_CHECKOUT, "build", "liblgc.so.0"), "liblgc.so.0"]


def _load():
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (missing)")
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
            continue
        _lib_path = path
        break
    else:
        raise ImportError("lgc: cannot load liblgc.so.0; tried " + "; ".join(tried) +
                          ". Build lgc (bash scripts/test.sh or cmake + ninja), install it, or "
                          "set LGC_LIB to the library's path")
    p, sz, u64, cp = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint64, ctypes.c_char_p
    u8p, dp = ctypes.POINTER(ctypes.c_uint8), ctypes.POINTER(ctypes.c_double)
    ip, szp, errp = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(_Err)
    sigs = {
        "lgc_api_version": (ctypes.c_int, []),
        "lgc_status_str": (cp, [ctypes.c_int]),
        "lgc_api_load": (ctypes.c_int, [cp, cp, cp, ctypes.POINTER(p), errp]),
        "lgc_api_set_shape": (None, [p, szp, szp]),
        "lgc_api_set_copy": (None, [p, u8p, u8p]),
        "lgc_api_set_free": (None, [p]),
        "lgc_api_open": (ctypes.c_int, [cp, u64, ctypes.POINTER(p), errp]),
        "lgc_api_pkg_shape": (None, [p, szp, szp]),
        "lgc_api_pkg_describe": (sz, [p, ctypes.c_char_p, sz]),
        "lgc_api_decompress": (ctypes.c_int, [p, sz, u64, cp, u8p, u8p, ip, errp]),
        "lgc_api_decompress_to": (ctypes.c_int, [p, sz, u64, cp, cp, cp, ip, errp]),
        "lgc_api_close": (None, [p]),
        "lgc_api_compress": (ctypes.c_int, [u8p, sz, sz, sz, sz, u8p, cp, cp, _PROGRESS, p, ip,
                                            errp]),
        "lgc_api_eval": (ctypes.c_int, [u8p, u8p, sz, u8p, u8p, sz, sz, sz, sz, cp, dp, sz, dp,
                                        szp, ip, errp]),
    }
    for name, (res, args) in sigs.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    if lib.lgc_api_version() != API_VERSION:
        raise ImportError("lgc: %s has API version %d, this module needs %d"
                          % (_lib_path, lib.lgc_api_version(), API_VERSION))
    _lib = lib
    return lib


def library_path():
    """The path of the liblgc.so.0 this module loaded."""
    _load()
    return _lib_path


def _raise(st, err):
    lib = _load()
    name = lib.lgc_status_str(st).decode()
    msg = err.msg.decode("utf-8", "replace") or name
    raise Error(st, name, msg)


def _call(func, *args, cancel=None):
    """Run func (a ctypes function returning an lgc_status, whose last argument
    is an lgc_err) on a worker thread; Ctrl-C sets cancel and waits for the call
    to stop, then raises KeyboardInterrupt.

    The waiting goes by two events the worker sets, never by Thread.join or
    is_alive: a KeyboardInterrupt raised inside join() can leave is_alive()
    False while the thread still runs (CPython 3.11), and the call writes
    into buffers the caller owns, which must outlive it."""
    err = _Err()
    box = {}
    started, done = threading.Event(), threading.Event()

    def work():
        started.set()
        try:
            # A Ctrl-C while the thread was being started: the call never begins.
            if cancel is not None and cancel.value:
                box["st"] = _CANCELLED
                return
            box["st"] = func(*args, ctypes.byref(err))
        except BaseException as e:  # pragma: no cover - ctypes itself failing
            box["exc"] = e
        finally:
            done.set()

    t = threading.Thread(target=work, name="lgc", daemon=True)
    try:
        old = threading.stack_size(64 << 20)  # the library keeps large results on the stack
        try:
            t.start()  # the size applies to threads started from here on
        finally:
            threading.stack_size(old)
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        if cancel is not None:
            cancel.value = 1
        # Wait for the call to end. A thread that has not begun after a
        # second was never started (the interrupt came before it was), and
        # if it does begin it sees cancel and returns at once.
        t0 = time.monotonic()
        while not done.is_set():
            if not started.is_set() and time.monotonic() - t0 > 1.0:
                break
            try:
                done.wait(0.05)
            except KeyboardInterrupt:
                pass  # the call stops at its next check
        raise
    if "exc" in box:
        raise box["exc"]
    if box["st"] != 0:
        _raise(box["st"], err)


def _str(s):
    return None if s is None else os.fsencode(s)


def _options(opts):
    lines = []
    for k, v in opts.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = int(v)
        elif isinstance(v, os.PathLike):
            v = os.fspath(v)
        v = str(v)
        if "\n" in v or "=" in k:
            raise ValueError("lgc: option %s=%r: no newline in values, no '=' in names" % (k, v))
        lines.append("%s=%s" % (k, v))
    return "\n".join(lines).encode()


def _u8p(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8))


def _unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append("\n" if s[i + 1] == "n" else s[i + 1])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def _value(v):
    if "," in v:
        return [_value(p) for p in v.split(",")]
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v


class Package:
    """A package read and checked once, for many decompressions (lgc.open)."""

    def __init__(self, path, max_memory=0):
        lib = _load()
        self.path = os.fspath(path)
        self._h = ctypes.c_void_p()
        err = _Err()
        st = lib.lgc_api_open(_str(self.path), int(max_memory), ctypes.byref(self._h),
                              ctypes.byref(err))
        if st:
            _raise(st, err)
        shape, k = (ctypes.c_size_t * 3)(), ctypes.c_size_t()
        lib.lgc_api_pkg_shape(self._h, shape, ctypes.byref(k))
        self.shape = tuple(shape)  # (h, w, c)
        self.n_classes = k.value

    def close(self):
        if self._h:
            _load().lgc_api_close(self._h)
            self._h = ctypes.c_void_p()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def info(self):
        """What the package holds, as `lgc info --json` says it (a dict)."""
        lib = _load()
        n = lib.lgc_api_pkg_describe(self._h, None, 0)
        buf = ctypes.create_string_buffer(n + 1)
        lib.lgc_api_pkg_describe(self._h, buf, n + 1)
        out, keys = {"package": self.path}, {}
        for line in buf.value.decode("utf-8", "replace").split("\n"):
            if not line:
                continue
            k, _, v = line.partition("=")
            v = _unescape(v)
            if k.startswith("key."):
                keys[_unescape(k[4:])] = _value(v)
            elif k in ("model", "format"):
                out[k] = v
            else:
                val = _value(v) if v else []
                if k in ("k", "mixture_class", "mixture_group", "class_priors",
                         "mixture_priors", "image_shape") and not isinstance(val, list):
                    val = [val]
                out[k] = val
        out["grouped"] = bool(out.get("grouped"))
        out["keys"] = keys
        return out

    def decompress(self, n=60000, seed=1, order="shuffled", balance="prior", threads=2):
        """n images and labels, the bytes `lgc decompress` writes: images uint8
        (n, h, w) or (n, h, w, 3), labels int64 (n,)."""
        h, w, c = self.shape
        n = int(n)
        if n < 1:
            raise ValueError("lgc: n must be at least 1")
        x = np.empty((n, h, w, c), np.uint8)
        y = np.empty(n, np.uint8)
        cancel = ctypes.c_int(0)
        _call(_load().lgc_api_decompress, self._h, n, int(seed) & (2**64 - 1),
              _options({"order": order, "balance": balance, "threads": threads}),
              _u8p(x), _u8p(y), ctypes.byref(cancel), cancel=cancel)
        return (x[..., 0] if c == 1 else x), y.astype(np.int64)

    def decompress_to(self, out, n=60000, seed=1, format="idx", order="shuffled",
                      balance="prior", threads=2, force=False):
        """Write n images as `lgc decompress --format FORMAT -o OUT` does."""
        cancel = ctypes.c_int(0)
        _call(_load().lgc_api_decompress_to, self._h, int(n), int(seed) & (2**64 - 1),
              format.encode(), _str(out),
              _options({"order": order, "balance": balance, "threads": threads,
                        "force": bool(force)}), ctypes.byref(cancel), cancel=cancel)


def open(path, max_memory=0):  # noqa: A001 - lgc.open, as the module's own verb
    return Package(path, max_memory)


def info(path, max_memory=0):
    """A dict of what the package at path holds (lgc info)."""
    with Package(path, max_memory) as p:
        return p.info()


def decompress(path, n=60000, seed=1, order="shuffled", balance="prior", threads=2,
               max_memory=0):
    """(images uint8 (n, h, w[, c]), labels int64 (n,)) regenerated in memory,
    byte for byte what `lgc decompress -n N --seed SEED --order ORDER` writes."""
    with Package(path, max_memory) as p:
        return p.decompress(n, seed, order, balance, threads)


def decompress_to(path, out, n=60000, seed=1, format="idx", order="shuffled",
                  balance="prior", threads=2, force=False, max_memory=0):
    """Write n images to files (format idx or npy: OUT-images.F and OUT-labels.F)
    or a folder of class folders of PNG files (format png-folder: OUT/)."""
    with Package(path, max_memory) as p:
        p.decompress_to(out, n, seed, format, order, balance, threads, force)


def load(images, labels=None, layout=None):
    """A labelled set as lgc reads it: an IDX or NPY images file with its
    labels file, or a folder of class folders of PNG or JPEG images (labels
    None). layout: None/"auto", "nhwc" or "nchw" for rank-4 NPY images.
    Returns (images uint8 (n, h, w[, c]), labels int64 (n,))."""
    lib = _load()
    h = ctypes.c_void_p()
    err = _Err()
    st = lib.lgc_api_load(_str(images), _str(labels), _str(layout), ctypes.byref(h),
                          ctypes.byref(err))
    if st:
        _raise(st, err)
    try:
        shape, k = (ctypes.c_size_t * 4)(), ctypes.c_size_t()
        lib.lgc_api_set_shape(h, shape, ctypes.byref(k))
        n, hh, ww, c = shape
        x = np.empty((n, hh, ww, c), np.uint8)
        y = np.empty(n, np.uint8)
        lib.lgc_api_set_copy(h, _u8p(x), _u8p(y))
    finally:
        lib.lgc_api_set_free(h)
    return (x[..., 0] if c == 1 else x), y.astype(np.int64)


def _as_images(images, layout=None):
    """uint8 (n, h, w, c), C-contiguous, from (n, h, w), (n, h, w, c) or
    (n, c, h, w) uint8, or floats in [0, 1] (rounded as lgc rounds NPY floats)."""
    x = np.asarray(images)
    if x.dtype != np.uint8:
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError("lgc: images must be uint8 or floats in [0, 1], not %s" % x.dtype)
        if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > 1:
            raise ValueError("lgc: float images must be finite and in [0, 1]")
        x = np.floor(x.astype(np.float64) * 255 + 0.5).astype(np.uint8)
    if x.ndim == 3:
        x = x[..., None]
    elif x.ndim == 4:
        last, first = x.shape[3] in (1, 3), x.shape[1] in (1, 3)
        if layout in (None, "auto"):
            if last and first:
                raise ValueError("lgc: images of shape %s read as (n, h, w, c) and as "
                                 "(n, c, h, w); say which with layout='nhwc' or 'nchw'"
                                 % (x.shape,))
            layout = "nhwc" if last else "nchw" if first else None
            if layout is None:
                raise ValueError("lgc: images of shape %s: expected (n, h, w), (n, h, w, c) or "
                                 "(n, c, h, w) with c 1 or 3" % (x.shape,))
        if layout == "nchw":
            if not first:
                raise ValueError("lgc: images of shape %s are not (n, c, h, w) with c 1 or 3"
                                 % (x.shape,))
            x = x.transpose(0, 2, 3, 1)
        elif layout == "nhwc":
            if not last:
                raise ValueError("lgc: images of shape %s are not (n, h, w, c) with c 1 or 3"
                                 % (x.shape,))
        else:
            raise ValueError("lgc: layout must be 'auto', 'nhwc' or 'nchw', not %r" % (layout,))
    else:
        raise ValueError("lgc: images must be (n, h, w), (n, h, w, c) or (n, c, h, w), not %s"
                         % (x.shape,))
    return np.ascontiguousarray(x)


def _as_labels(labels, n):
    y = np.asarray(labels)
    if y.ndim != 1 or len(y) != n:
        raise ValueError("lgc: %s labels for %d images" % (y.shape, n))
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError("lgc: labels must be integers, not %s" % y.dtype)
    if n and (y.min() < 0 or y.max() >= MAX_CLASSES):
        raise ValueError("lgc: labels must be 0..255 (lgc handles at most 256 classes); "
                         "found %d..%d" % (y.min(), y.max()))
    return np.ascontiguousarray(y.astype(np.uint8))


def _set(images, labels, layout):
    """(uint8 (n, h, w, c) C-contiguous, uint8 (n,)) from arrays or paths."""
    if isinstance(images, (str, bytes, os.PathLike)):
        x, y = load(images, labels, layout)
        x = x[..., None] if x.ndim == 3 else x
        return np.ascontiguousarray(x), y.astype(np.uint8)
    x = _as_images(images, layout)
    return x, _as_labels(labels, len(x))


def _created():
    """The package's "created" text, as lgc compress writes it (UTC, or
    SOURCE_DATE_EPOCH's time when set)."""
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    t = time.time()
    if sde:
        if not sde.isdigit():
            raise ValueError("SOURCE_DATE_EPOCH: %r is not a non-negative integer" % sde)
        t = int(sde)
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def compress(images, labels=None, out=None, *, layout=None, force=False, progress=None,
             **options):
    """Compress a labelled set into the package `out`, as `lgc compress` does,
    with its options and defaults (epochs=20, model="ae", latent=64,
    hidden=128, kmax=10, budget=None, seed=1, threads=2, classes=inferred, ...;
    `lgc compress --help` lists them; write --k-select as k_select).
    images: an array (n, h, w), (n, h, w, c) or (n, c, h, w) of uint8 or floats
    in [0, 1], with labels (any integers 0..255); or a path lgc.load reads.
    progress(stage, done, total, value), if given, hears every epoch ("train")
    and mixture ("mixtures"). Also writes the encoder side file OUT.enc unless
    no_encoder=True. Returns lgc.info(out)."""
    if out is None:
        raise TypeError("lgc.compress: out (the package to write) is required")
    x, y = _set(images, labels, layout)
    n, h, w, c = x.shape
    opts = {"created": _created()}
    opts.update(options)
    opts["force"] = bool(force)
    if isinstance(opts.get("budget"), int) and opts["budget"] == 0:
        opts["budget"] = None
    if progress is not None:
        def relay(ctx, stage, done, total, value):
            try:
                progress(stage.decode(), done, total, value)
            except Exception:  # a progress callback must not fail the call
                pass
        cb = _PROGRESS(relay)
    else:
        cb = _PROGRESS()
    cancel = ctypes.c_int(0)
    _call(_load().lgc_api_compress, _u8p(x), n, h, w, c, _u8p(y), _str(out), _options(opts),
          cb, None, ctypes.byref(cancel), cancel=cancel)
    return info(out)


def _data_file(name):
    base = os.environ.get("LGC_DATA") or os.path.join(_CHECKOUT, "data")
    for p in (os.path.join(base, "mnist", name), os.path.join(base, name)):
        if os.path.exists(p):
            return p
    raise Error(2, "io", "%s: not found in %s/mnist or %s ($LGC_DATA, else the checkout's data "
                "folder); give test_images and test_labels" % (name, base, base))


def eval(train_images, train_labels=None, test_images=None, test_labels=None, *,  # noqa: A001
         layout=None, **options):
    """Train a judge on the training set and test it, as `lgc eval`: options
    judge ("paper-cnn", "lenet", "convnet3"), steps (9380), seeds (3), seed (1),
    classes (inferred), threads (2). The sets are arrays or paths as for
    compress; the test set defaults to MNIST's in the data folder. Returns a
    dict: accuracy (per seed), accuracy_mean, accuracy_sd (sample sd),
    per_class_mean, n_classes, seeds."""
    xtr, ytr = _set(train_images, train_labels, layout)
    if test_images is None:
        test_images = _data_file("t10k-images-idx3-ubyte")
        test_labels = _data_file("t10k-labels-idx1-ubyte")
    xte, yte = _set(test_images, test_labels, layout)
    if xtr.shape[1:] != xte.shape[1:]:
        raise ValueError("lgc: training images are %s, test images %s"
                         % (xtr.shape[1:], xte.shape[1:]))
    seeds = int(options.get("seeds", 3))
    acc = np.zeros(seeds)
    per = np.zeros((seeds, MAX_CLASSES))
    k = ctypes.c_size_t()
    cancel = ctypes.c_int(0)
    dp = ctypes.POINTER(ctypes.c_double)
    _call(_load().lgc_api_eval, _u8p(xtr), _u8p(ytr), len(xtr), _u8p(xte), _u8p(yte), len(xte),
          xtr.shape[1], xtr.shape[2], xtr.shape[3], _options(options),
          acc.ctypes.data_as(dp), seeds, per.ctypes.data_as(dp), ctypes.byref(k),
          ctypes.byref(cancel), cancel=cancel)
    kk = k.value
    per = per.reshape(-1)[:seeds * kk].reshape(seeds, kk)
    first = int(options.get("seed", 1))
    return {"accuracy": acc.tolist(), "accuracy_mean": float(acc.mean()),
            "accuracy_sd": float(acc.std(ddof=1)) if seeds > 1 else 0.0,
            "per_class_mean": per.mean(axis=0).tolist(), "n_classes": kk,
            "seeds": [first + s for s in range(seeds)]}
