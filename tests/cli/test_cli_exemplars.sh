#!/usr/bin/env bash
# compress --exemplars: a hybrid package holds real training images; decompress
# mixes them in at the stored share (each one a byte copy of a training image,
# with its label); info and privacy say plainly that real records are inside;
# the budget counts them; class order refuses them with one line.
. "$(dirname "$0")/../lib.sh"
need_mnist
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 1000 "$T/m"
c=(compress --images "$T/m-images" --labels "$T/m-labels" --epochs 1 --no-encoder --threads 2)
expect 0 "compress --exemplars" -- "$LGC" "${c[@]}" --exemplars 12K --exemplar-share 0.25 --budget 60K \
  -o "$T/h.lgc" --json
k=$(jq .exemplars "$T/out"); eb=$(jq .exemplar_bytes "$T/out")
[ "$k" -ge 40 ] && [ "$eb" -le 12288 ] && [ "$(jq .exemplar_share "$T/out")" = 0.25 ] && ok ||
  bad "exemplars $k in $eb bytes"
[ "$(stat -c %s "$T/h.lgc")" -le 61440 ] && ok || bad "package $(stat -c %s "$T/h.lgc") bytes over --budget 60K"
expect 0 "info says real records" -- "$LGC" info "$T/h.lgc"
grep -q "REAL RECORDS: this package holds $k real training images" "$T/out" && ok || bad "info: $(cat "$T/out")"
grep -q "format 1.2" "$T/out" && ok || bad "not format 1.2"
expect 0 "info --json" -- "$LGC" info "$T/h.lgc" --json
[ "$(jq .real_records "$T/out")" = true ] && [ "$(jq .exemplars "$T/out")" = "$k" ] && ok || bad "info --json"
expect 0 "decompress" -- "$LGC" decompress "$T/h.lgc" -n 1000 -o "$T/r" --json
[ "$(jq .n_real_images "$T/out")" = 250 ] && ok || bad "n_real_images $(jq .n_real_images "$T/out")"
# every real image is a byte copy of a training image, with that image's label
/usr/bin/python3 - "$T" <<'PY' && ok || bad "real images are not the training images they should be"
import sys, numpy as np
t = sys.argv[1]
tx = np.fromfile(t + "/m-images", np.uint8)[16:].reshape(-1, 784); ty = np.fromfile(t + "/m-labels", np.uint8)[8:]
rx = np.fromfile(t + "/r-images.idx", np.uint8)[16:].reshape(-1, 784); ry = np.fromfile(t + "/r-labels.idx", np.uint8)[8:]
index = {bytes(x): int(y) for x, y in zip(tx, ty)}
hits = [(index.get(bytes(x)), int(y)) for x, y in zip(rx, ry)]
real = [(a, b) for a, b in hits if a is not None]
assert len(real) == 250, len(real)
assert all(a == b for a, b in real)
PY
expect 0 "privacy says real records" -- "$LGC" privacy "$T/h.lgc" --images "$T/m-images" --labels "$T/m-labels" \
  --test-images "$T/m-images" --test-labels "$T/m-labels" -n 200
grep -q "REAL RECORDS: the package holds $k real training images" "$T/out" && ok || bad "privacy: $(cat "$T/out")"
# privacy --scores: the membership scores of the drawn training and holdout images, float32 NPY
expect 0 "a package with its encoder" -- "$LGC" compress --images "$T/m-images" --labels "$T/m-labels" \
  --epochs 1 --threads 2 -o "$T/e.lgc" -q
expect 0 "privacy --scores" -- "$LGC" privacy "$T/e.lgc" --images "$T/m-images" --labels "$T/m-labels" \
  --test-images "$T/m-images" --test-labels "$T/m-labels" -n 150 --scores "$T/sc" -q
for k in train holdout index; do
  [ "$(stat -c %s "$T/sc-$k.npy")" = $((128 + 150 * 4)) ] && ok || bad "sc-$k.npy is not 150 float32"
done
expect 1 "--scores over existing files" -- "$LGC" privacy "$T/e.lgc" --images "$T/m-images" \
  --labels "$T/m-labels" --test-images "$T/m-images" --test-labels "$T/m-labels" -n 150 --scores "$T/sc" -q
err_has "already exists"
# all three or none: with only the third in the way, the first two are not left behind
touch "$T/sd-index.npy"
expect 1 "--scores with one file in the way" -- "$LGC" privacy "$T/e.lgc" --images "$T/m-images" \
  --labels "$T/m-labels" --test-images "$T/m-images" --test-labels "$T/m-labels" -n 150 --scores "$T/sd" -q
[ ! -e "$T/sd-train.npy" ] && [ ! -e "$T/sd-holdout.npy" ] && ok || bad "--scores left half its files"
expect 2 "--scores without the encoder" -- "$LGC" privacy "$T/h.lgc" --images "$T/m-images" \
  --labels "$T/m-labels" --test-images "$T/m-images" --test-labels "$T/m-labels" -n 50 --scores "$T/x" -q
err_has "--scores needs the encoder side file"
expect 0 "a package without exemplars says none" -- "$LGC" "${c[@]}" -o "$T/n.lgc" -q
expect 0 "info" -- "$LGC" info "$T/n.lgc"
grep -q "real records: none" "$T/out" && ok || bad "info does not say there are none"
expect 2 "class order" -- "$LGC" decompress "$T/h.lgc" -n 10 -o "$T/x" --order class
err_has "$T/h.lgc: holds real images mixed through the shuffled order"
[ ! -e "$T/x-images.idx" ] && ok || bad "images written although decompress failed"
expect 2 "exemplars filling the budget" -- "$LGC" "${c[@]}" --exemplars 12K --budget 12000 -o "$T/b.lgc" -q
err_has "--budget 12000 leaves nothing once the real images'"
[ ! -e "$T/b.lgc" ] && ok || bad "package written although compress failed"
expect 1 "too few bytes for one image per class" -- "$LGC" "${c[@]}" --exemplars 100 -o "$T/b.lgc" -q
err_has "--exemplars 100:"
for f in "--exemplar-share 0.3" "--exemplar-method crust"; do
  expect 2 "$f without --exemplars" -- "$LGC" "${c[@]}" $f -o "$T/r.lgc" -q
  err_has "${f%% *} needs --exemplars BYTES"
  [ ! -e "$T/r.lgc" ] && ok || bad "package written although $f was refused"
done
finish
