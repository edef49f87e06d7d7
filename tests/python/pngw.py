"""A few lines of PNG writing (zlib and struct only), for tests that build folders of images."""
import struct
import zlib

import numpy as np


def write_png(path, img):
    """img: uint8 (h, w) grey or (h, w, 3) RGB."""
    a = np.ascontiguousarray(img, dtype=np.uint8)
    h, w = a.shape[:2]
    colour = 2 if a.ndim == 3 else 0
    rows = b"".join(b"\0" + a[r].tobytes() for r in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def write_folder(root, x, y, names=None):
    """A folder of class folders: root/<class>/<index>.png."""
    import os
    k = int(y.max()) + 1
    for c in range(k):
        os.makedirs(os.path.join(root, names[c] if names else "%03d" % c), exist_ok=True)
    for i, (img, c) in enumerate(zip(x, y)):
        write_png(os.path.join(root, names[c] if names else "%03d" % c, "%06d.png" % i), img)
