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
grep -qF '"image.shape":[28,28,3]' "$T/out" && ok || bad "image.shape is not 28x28x3: $(head -c 300 "$T/out")"
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
grep -q '"n_test_images":500' "$T/out" && ok || bad "eval --json: $(cat "$T/out")"
# worst-group accuracy and the upsampled real set
expect 0 "eval --test-groups --upsample-groups" -- "$LGC" eval --train-images "$T/s-train-images.idx" \
  --train-labels "$T/s-train-labels.idx" "${TEST[@]}" --test-groups "$T/s-test-groups.idx" \
  --upsample-groups "$T/s-train-groups.idx" --steps 30 --seeds 2 --json -q
rows=$(tail -c +9 "$T/s-train-groups.idx" | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | sort | uniq -c |
  awk '{ n++; if ($1 > m) m = $1 } END { print n * m }')
tgroups=$(tail -c +9 "$T/s-test-groups.idx" | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | sort -u | wc -l)
grep -q "\"n_train_rows\":$rows," "$T/out" && ok || bad "upsampled rows are not groups x largest = $rows"
grep -q "\"n_groups\":$tgroups,\"worst_group_accuracy\":\[[0-9.]*,[0-9.]*\]" "$T/out" && ok ||
  bad "eval --json: no worst group over $tgroups groups: $(head -c 600 "$T/out")"
expect 0 "eval --test-groups, text" -- "$LGC" eval --train-images "$T/c-images.idx" \
  --train-labels "$T/c-labels.idx" "${TEST[@]}" --test-groups "$T/s-test-groups.idx" --steps 10 --seeds 1 -q
grep -q "^worst-group accuracy: .* over $tgroups groups" "$T/out" && ok || bad "eval text lacks the worst group"
expect 1 "test groups of another length" -- "$LGC" eval --train-images "$T/c-images.idx" \
  --train-labels "$T/c-labels.idx" "${TEST[@]}" --test-groups "$T/s-train-groups.idx" --steps 10 --seeds 1 -q
err_has "600 group ids for 500 test images"
expect 1 "grey test set against RGB training" -- "$LGC" eval --train-images "$T/c-images.idx" \
  --train-labels "$T/c-labels.idx" --test-images "$T/te-images" --test-labels "$T/te-labels" --steps 5 --seeds 1 -q

# mixtures per group: one per (class, colour) present; regenerate group-balanced
G=(--groups "$T/s-train-groups.idx")
expect 0 "compress vae with --groups" -- "$LGC" compress "${S[@]}" "${G[@]}" --model vae --hidden 32 --latent 4 -o "$T/g.lgc" --json
ngroups=$(tail -c +9 "$T/s-train-groups.idx" | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | sort -u | wc -l)
grep -q "\"groups\":\[" "$T/out" && ok || bad "compress --json lacks the groups"
expect 0 "info of a grouped package" -- "$LGC" info "$T/g.lgc" --json
grep -q '"format":"1.1"' "$T/out" && grep -q "\"mixtures\":$ngroups,\"grouped\":true" "$T/out" && ok ||
  bad "info --json: not format 1.1 with $ngroups mixtures: $(head -c 400 "$T/out")"
expect 0 "info text" -- "$LGC" info "$T/g.lgc"
grep -q "$ngroups groups of 10 classes" "$T/out" && ok || bad "info text lacks the groups"
expect 0 "decompress --balance groups" -- "$LGC" decompress "$T/g.lgc" -n 997 --balance groups -o "$T/gb" -q
# 997 over the mixtures: every group gets floor or ceil of 997 / ngroups, labels by class
tail -c +9 "$T/gb-labels.idx" | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | wc -l | grep -qx 997 && ok || bad "997 labels"
expect 0 "decompress --balance classes" -- "$LGC" decompress "$T/g.lgc" -n 1000 --balance classes -o "$T/gc" -q
tail -c +9 "$T/gc-labels.idx" | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | sort | uniq -c |
  awk '$1 != 100 { bad = 1 } END { exit bad || NR != 10 }' && ok || bad "--balance classes: not 100 per class"
expect 0 "grid --balance groups" -- "$LGC" grid "$T/g.lgc" --balance groups -o "$T/g.png" --per-class 4
expect 1 "--balance groups without groups" -- "$LGC" decompress "$T/v.lgc" -n 10 --balance groups -o "$T/x" -q
err_has "--groups"
[ ! -e "$T/x-images.idx" ] && ok || bad "a refused decompress left a file"
expect 0 "grid of the real groups" -- "$LGC" grid --images "$T/s-train-images.idx" --labels "$T/s-train-labels.idx" \
  --groups "$T/s-train-groups.idx" --balance groups -o "$T/real.png"
[ "$(od -An -tu1 -j25 -N1 "$T/real.png" | tr -d ' ')" = 2 ] && ok || bad "real grid is not an RGB PNG"
expect 2 "grid of real images and a package" -- "$LGC" grid "$T/g.lgc" --images "$T/s-train-images.idx" \
  --labels "$T/s-train-labels.idx" -o "$T/x.png"
expect 1 "grid --balance groups without groups" -- "$LGC" grid "$T/v.lgc" --balance groups -o "$T/x.png"
expect 2 "--balance nonsense" -- "$LGC" decompress "$T/g.lgc" -n 10 --balance colours -o "$T/x" -q
expect 2 "--groups with --save-encoder" -- "$LGC" compress "${S[@]}" "${G[@]}" --save-encoder "$T/x.enc" -o "$T/x.lgc"
expect 1 "groups file of another length" -- "$LGC" compress "${S[@]}" --groups "$T/s-test-groups.idx" -o "$T/x.lgc"
err_has "500 group ids for 600 images"
{ printf '\0\0\10\1'; be32 600; head -c 600 /dev/zero; } >"$T/zero-groups.idx"
expect 1 "a group spanning classes" -- "$LGC" compress "${S[@]}" --groups "$T/zero-groups.idx" -o "$T/x.lgc"
err_has "every group must belong to one class"
[ ! -e "$T/x.lgc" ] && ok || bad "a refused compress left a package"
expect 1 "privacy refuses a grouped package" -- "$LGC" privacy "$T/g.lgc" --images "$T/s-train-images.idx" \
  --labels "$T/s-train-labels.idx" "${TEST[@]}"
err_has "per-class packages only"
finish
