#!/usr/bin/env bash
# Colour through the whole pipeline, briefly (plumbing, not quality): SpuCo MNIST
# from the first 600 training and 500 test images; the study's dense VAE
# (hidden 400, latent 19) and the convolutional VAE on 3 channels; RGB IDX out of
# decompress; paper-cnn judging 3 channels; colour PNG grids.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 600 "$T/tr"
cut_mnist "$MNIST/t10k-images-idx3-ubyte" "$MNIST/t10k-labels-idx1-ubyte" 500 "$T/te"
expect 0 "spuco" -- "$LGC" spuco --train-images "$T/tr-images" --train-labels "$T/tr-labels" \
  --test-images "$T/te-images" --test-labels "$T/te-labels" -o "$T/s" -q
S=(--images "$T/s-train-images.idx" --labels "$T/s-train-labels.idx" --epochs 1 --kmax 2 -q)
TEST=(--test-images "$T/s-test-images.idx" --test-labels "$T/s-test-labels.idx")

expect 0 "compress vae 400/19 on RGB" -- "$LGC" compress "${S[@]}" --model vae --hidden 400 --latent 19 -o "$T/v.lgc"
expect 0 "info" -- "$LGC" info "$T/v.lgc" --json
grep -qF '"image.shape":[28, 28, 3]' "$T/out" && ok || bad "image.shape is not 28x28x3: $(head -c 300 "$T/out")"
grep -q '"model.hidden":400' "$T/out" && grep -q '"model.latent":19' "$T/out" && ok || bad "hidden/latent"
expect 0 "compress conv-vae on RGB" -- "$LGC" compress "${S[@]}" --model conv-vae -o "$T/c.lgc"
for m in v c; do
  expect 0 "decompress $m" -- "$LGC" decompress "$T/$m.lgc" -n 300 -o "$T/$m" -q
  head -c 4 "$T/$m-images.idx" | od -An -tx1 | grep -q "00 00 08 04" && ok || bad "$m: images are not rank-4 IDX"
  [ "$(od -An -tu1 -j19 -N1 "$T/$m-images.idx" | tr -d ' ')" = 3 ] && ok || bad "$m: not 3 channels"
  [ "$(stat -c %s "$T/$m-images.idx")" -eq $((20 + 300 * 2352)) ] && ok || bad "$m: images file size"
  expect 0 "grid $m" -- "$LGC" grid "$T/$m.lgc" -o "$T/$m.png" --per-class 3
  # PNG colour type at byte 25: 2 = RGB
  [ "$(od -An -tu1 -j25 -N1 "$T/$m.png" | tr -d ' ')" = 2 ] && ok || bad "$m: grid is not an RGB PNG"
done
expect 0 "eval paper-cnn on 3 channels" -- "$LGC" eval --train-images "$T/c-images.idx" \
  --train-labels "$T/c-labels.idx" "${TEST[@]}" --steps 30 --seeds 1 --json -q
grep -q '"n_test":500' "$T/out" && ok || bad "eval --json: $(cat "$T/out")"
expect 1 "grey test set against RGB training" -- "$LGC" eval --train-images "$T/c-images.idx" \
  --train-labels "$T/c-labels.idx" --test-images "$T/te-images" --test-labels "$T/te-labels" --steps 5 --seeds 1 -q
finish
