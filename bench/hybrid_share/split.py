import numpy as np
M = "data/mnist/"
x = np.fromfile(M + "train-images-idx3-ubyte", np.uint8); y = np.fromfile(M + "train-labels-idx1-ubyte", np.uint8)
xh, x = x[:16], x[16:].reshape(60000, 784); yh, y = y[:8], y[8:]
def w(p, hdr, a, n, img):
    h = bytearray(hdr); h[4:8] = np.array([n], '>u4').tobytes(); open(p, "wb").write(bytes(h) + a.tobytes())
w("out/hybrid/fit-images.idx", xh, x[:50000], 50000, 1); w("out/hybrid/fit-labels.idx", yh, y[:50000], 50000, 0)
w("out/hybrid/val-images.idx", xh, x[50000:], 10000, 1); w("out/hybrid/val-labels.idx", yh, y[50000:], 10000, 0)
