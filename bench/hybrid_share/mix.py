# mix.py GEN_PREFIX REAL_PREFIX SHARE OUT_PREFIX: 60,000 images, SHARE of them real (tiled), rest generated
import sys, numpy as np
def rd(p, hdr):
    b = np.fromfile(p, np.uint8); return b[:hdr], b[hdr:]
g, r, share, o = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
gh, gi = rd(g + "-images.idx", 16); _, gl = rd(g + "-labels.idx", 8)
_, ri = rd(r + "-images.idx", 16); _, rl = rd(r + "-labels.idx", 8)
gi = gi.reshape(-1, 784); ri = ri.reshape(-1, 784)
N = 60000; nr = int(round(N * share)); ng = N - nr
idx = np.arange(nr) % len(rl)
imgs = np.concatenate([gi[:ng], ri[idx]]); labs = np.concatenate([gl[:ng], rl[idx]])
perm = np.random.default_rng(1).permutation(N)
imgs, labs = imgs[perm], labs[perm]
h = np.array([0, 0, 8, 3], np.uint8).tobytes() + np.array([N, 28, 28], '>u4').tobytes()
open(o + "-images.idx", "wb").write(h + imgs.tobytes())
open(o + "-labels.idx", "wb").write(np.array([0, 0, 8, 1], np.uint8).tobytes() + np.array([N], '>u4').tobytes() + labs.tobytes())
