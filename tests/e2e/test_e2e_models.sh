#!/usr/bin/env bash
# The model families through the program on real MNIST, briefly (1,000 images,
# 1 epoch: plumbing, not quality): compress --model, info, decompress, grid,
# and the options that go with them.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
C=(compress --images "$MNIST/train-images-idx3-ubyte" --labels "$MNIST/train-labels-idx1-ubyte"
  --limit 1000 --epochs 1 --kmax 2 -q)

expect 0 "compress --help lists the models" -- "$LGC" compress --help
grep -q "conv-cvae" "$T/out" && grep -q "supcon-form" "$T/out" && ok || bad "compress --help lacks the models"
expect 2 "unknown model" -- "$LGC" "${C[@]}" --model transformer -o "$T/x.lgc"
err_has "conv-cvae"
expect 2 "bad --fit-on" -- "$LGC" "${C[@]}" --model vae --fit-on sigma -o "$T/x.lgc"
expect 2 "bad --supcon-form" -- "$LGC" "${C[@]}" --model ae-supcon --supcon-form both -o "$T/x.lgc"
expect 2 "a VAE refuses the MSE loss" -- "$LGC" "${C[@]}" --model vae --loss mse -o "$T/x.lgc"
err_has "BCE"

for m in cvae vae-supcon conv-cvae; do
  expect 0 "compress --model $m" -- "$LGC" "${C[@]}" --model "$m" -o "$T/$m.lgc"
  expect 0 "info $m" -- "$LGC" info "$T/$m.lgc" --json
  grep -q "\"model.kind\":\"$m\"" "$T/out" && ok || bad "info --json lacks model.kind $m"
  expect 0 "decompress $m" -- "$LGC" decompress "$T/$m.lgc" -n 300 -o "$T/$m" -q
  [ "$(stat -c %s "$T/$m-images.idx")" -eq $((16 + 300 * 784)) ] && ok || bad "$m images file size"
  expect 0 "grid $m" -- "$LGC" grid "$T/$m.lgc" -o "$T/$m.png" --per-class 4
  head -c 8 "$T/$m.png" | od -An -tx1 | grep -q "89 50 4e 47" && ok || bad "$m grid is not a PNG"
done
grep -q '"decoder_input":74' <("$LGC" info "$T/cvae.lgc" --json) && ok || bad "cvae decoder input is not 74"
expect 1 "grid refuses to overwrite" -- "$LGC" grid "$T/cvae.lgc" -o "$T/cvae.png"
expect 0 "vae with --fit-on z" -- "$LGC" "${C[@]}" --model vae --fit-on z -o "$T/vz.lgc"
grep -q '"gmm.fit_on":"z"' <("$LGC" info "$T/vz.lgc" --json) && ok || bad "gmm.fit_on is not z"
expect 0 "ae-supcon with L_in" -- "$LGC" "${C[@]}" --model ae-supcon --supcon-form in -o "$T/as.lgc" --json
grep -q '"supcon_form":"in"' "$T/out" && grep -q '"loss":"mse"' "$T/out" && ok || bad "ae-supcon summary: $(cat "$T/out")"
finish
