#!/usr/bin/env bash
# `lgc subset`: bad flags and files get one clear line and the documented exit
# code, no output is left behind by a failure, and small real runs give files
# that `lgc eval --weights` takes.
. "$(dirname "$0")/../lib.sh"

tiny_set "$T/tiny" 60
# noisy_set PREFIX: 60 6x6 images of two classes with seeded noise that xz
# cannot squeeze (tiny_set's patterns compress to almost nothing)
noisy_set() {
  { printf '\0\0\10\3'; be32 60; be32 6; be32 6
    LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 60 * 36; i++) printf "%c", int(rand() * 256) }'
  } >"$1-images.idx"
  { printf '\0\0\10\1'; be32 60
    for ((i = 0; i < 60; i++)); do printf "\\$((i % 2))"; done; } >"$1-labels.idx"
}
noisy_set "$T/noisy"
printf 'not an idx file at all' >"$T/junk"
IMG=$MNIST/train-images-idx3-ubyte LAB=$MNIST/train-labels-idx1-ubyte
base=(subset --images "$T/tiny-images.idx" --labels "$T/tiny-labels.idx")
none_left() { # none_left PREFIX: no output and no temporary file under PREFIX
  if compgen -G "$1-*" >/dev/null; then bad "left behind: $(ls "$1"-*)"; else ok; fi
}

expect 0 "--help" -- "$LGC" subset --help
grep -q -- "--budget" "$T/out" && ok || bad "--help does not list --budget"
expect 2 "nothing given" -- "$LGC" subset
expect 2 "no --method" -- "$LGC" "${base[@]}" --budget 4K -o "$T/a"
expect 2 "unknown method" -- "$LGC" "${base[@]}" --method kmeans --budget 4K -o "$T/a"
err_has "'kmeans' is not random or crust"
expect 2 "--method without a value" -- "$LGC" "${base[@]}" --budget 4K -o "$T/a" --method
expect 2 "no --budget" -- "$LGC" "${base[@]}" --method random -o "$T/a"
expect 2 "budget 'ten'" -- "$LGC" "${base[@]}" --method random --budget ten -o "$T/a"
err_has "--budget"
expect 2 "budget 0" -- "$LGC" "${base[@]}" --method random --budget 0 -o "$T/a"
expect 2 "budget 5X" -- "$LGC" "${base[@]}" --method random --budget 5X -o "$T/a"
expect 2 "budget -5" -- "$LGC" "${base[@]}" --method random --budget -5 -o "$T/a"
expect 2 "no -o" -- "$LGC" "${base[@]}" --method random --budget 4K
expect 2 "-o -" -- "$LGC" "${base[@]}" --method random --budget 4K -o -
expect 2 "unknown option" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/a" --frobnicate
err_has "unknown option '--frobnicate'"
expect 2 "stray argument" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/a" extra
expect 2 "--threads 0" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/a" --threads 0
expect 2 "--max-iter 0" -- "$LGC" "${base[@]}" --method crust --budget 4K -o "$T/a" --max-iter 0
expect 2 "--seed -1" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/a" --seed -1
expect 2 "--limit 0" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/a" --limit 0
none_left "$T/a"

expect 1 "missing images" -- "$LGC" subset --method random --budget 4K --images "$T/nope.idx" \
  --labels "$T/tiny-labels.idx" -o "$T/a"
err_has "$T/nope.idx"
expect 1 "malformed labels" -- "$LGC" subset --method random --budget 4K \
  --images "$T/tiny-images.idx" --labels "$T/junk" -o "$T/a"
err_has "$T/junk"
expect 1 "output folder missing" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/no/dir/a"
err_has "$T/no/dir/a-images.idx"
mkdir "$T/d-images.idx"
expect 1 "output is a folder" -- "$LGC" "${base[@]}" --method random --budget 4K -o "$T/d" -f
err_has "is a folder"
rmdir "$T/d-images.idx"
expect 1 "budget below one image per class" -- "$LGC" "${base[@]}" --method random --budget 100 \
  -o "$T/a"
err_has "$T/tiny-images.idx: budget 100 B is too small"
none_left "$T/a"
# paper-cnn needs bigger images than 6x6: a data error, nothing written
expect 1 "crust on 6x6 images" -- "$LGC" "${base[@]}" --method crust --budget 4K -o "$T/a" -q
err_has "$T/tiny-images.idx: crust: images of 6x6x1"
none_left "$T/a"

# random on the noisy set: the files hold k images of 6x6, within the budget
noisy=(subset --images "$T/noisy-images.idx" --labels "$T/noisy-labels.idx")
[ "$(stat -c %s "$T/noisy-images.idx")" -eq $((16 + 60 * 36)) ] && ok || bad "noisy_set images"
expect 0 "random, noisy set" -- "$LGC" "${noisy[@]}" --method random --budget 1K -o "$T/r" --json
k=$(sed -n 's/.*"n_selected_images":\([0-9]*\).*/\1/p' "$T/out")
bytes=$(sed -n 's/.*"compressed_bytes":\([0-9]*\).*/\1/p' "$T/out")
[ -n "$k" ] && [ "$k" -ge 2 ] && [ "$k" -lt 60 ] && ok || bad "k = '$k'"
[ -n "$bytes" ] && [ "$bytes" -le 1024 ] && ok || bad "compressed_bytes = '$bytes' over 1K"
[ "$(stat -c %s "$T/r-images.idx")" -eq $((16 + k * 36)) ] && ok || bad "images file size"
[ "$(stat -c %s "$T/r-labels.idx")" -eq $((8 + k)) ] && ok || bad "labels file size"
[ ! -e "$T/r-weights.npy" ] && ok || bad "random wrote weights"
expect 1 "existing outputs without -f" -- "$LGC" "${noisy[@]}" --method random --budget 3K -o "$T/r"
err_has "already exists"
[ "$(stat -c %s "$T/r-labels.idx")" -eq $((8 + k)) ] && ok || bad "the old labels changed"
expect 0 "-f replaces them" -- "$LGC" "${noisy[@]}" --method random --budget 3K -o "$T/r" -f -q
[ "$(stat -c %s "$T/r-labels.idx")" -gt $((8 + k)) ] && ok || bad "-f did not replace the labels"

# CRUST on the first 3,000 MNIST images at 20 KB (a judge epoch of 47 steps);
# the same bytes with 1 and 2 threads; lgc eval takes the weights
if [ -f "$IMG" ]; then
  expect 0 "crust, 3000 MNIST images, 20K" -- "$LGC" subset --method crust --budget 20K \
    --images "$IMG" --labels "$LAB" --limit 3000 -o "$T/c" --json -q
  grep -q '"method":"crust"' "$T/out" && grep -q '"kmedoids_capped":false' "$T/out" && ok ||
    bad "crust --json: $(cat "$T/out")"
  k=$(sed -n 's/.*"n_selected_images":\([0-9]*\).*/\1/p' "$T/out")
  [ -n "$k" ] && [ "$k" -gt 50 ] && ok || bad "crust k = '$k'"
  [ "$(stat -c %s "$T/c-weights.npy")" -eq $((128 + 4 * k)) ] && ok || bad "weights file size"
  expect 0 "random, same budget" -- "$LGC" subset --method random --budget 20K \
    --images "$IMG" --labels "$LAB" --limit 3000 -o "$T/cr" --json -q
  grep -q "\"n_selected_images\":$k," "$T/out" && ok || bad "random and crust differ in k: $(cat "$T/out")"
  expect 0 "crust, 1 thread" -- "$LGC" subset --method crust --budget 20K \
    --images "$IMG" --labels "$LAB" --limit 3000 -o "$T/c1" -q --threads 1
  cmp -s "$T/c-images.idx" "$T/c1-images.idx" && cmp -s "$T/c-weights.npy" "$T/c1-weights.npy" &&
    ok || bad "crust differs between 1 and 2 threads"
  expect 0 "eval --weights on the coreset" -- "$LGC" eval --train-images "$T/c-images.idx" \
    --train-labels "$T/c-labels.idx" --weights "$T/c-weights.npy" --steps 5 --seeds 1 -q \
    --test-images "$MNIST/t10k-images-idx3-ubyte" --test-labels "$MNIST/t10k-labels-idx1-ubyte"
  expect 1 "weights that are not NPY" -- "$LGC" eval --train-images "$T/cr-images.idx" \
    --train-labels "$T/cr-labels.idx" --weights "$T/r-images.idx" --steps 5 --seeds 1 -q \
    --test-images "$MNIST/t10k-images-idx3-ubyte" --test-labels "$MNIST/t10k-labels-idx1-ubyte"
  err_has "$T/r-images.idx"
  expect 0 "random, 10K" -- "$LGC" subset --method random --budget 10K \
    --images "$IMG" --labels "$LAB" --limit 3000 -o "$T/cs" -q
  expect 1 "weights of another subset" -- "$LGC" eval --train-images "$T/cs-images.idx" \
    --train-labels "$T/cs-labels.idx" --weights "$T/c-weights.npy" --steps 5 --seeds 1 -q \
    --test-images "$MNIST/t10k-images-idx3-ubyte" --test-labels "$MNIST/t10k-labels-idx1-ubyte"
  err_has "$k weights for"
  head -c $((128 + 4 * (k - 1))) "$T/c-weights.npy" >"$T/short.npy"
  expect 1 "a weights file cut short" -- "$LGC" eval --train-images "$T/c-images.idx" \
    --train-labels "$T/c-labels.idx" --weights "$T/short.npy" --steps 5 --seeds 1 -q \
    --test-images "$MNIST/t10k-images-idx3-ubyte" --test-labels "$MNIST/t10k-labels-idx1-ubyte"
  err_has "truncated"
else
  echo "no MNIST at $MNIST: skipping the real runs" >&2
fi
finish
