#!/usr/bin/env bash
# Small end to end run on real MNIST: compress 3,000 images (20 epochs), inspect,
# decompress, judge the regenerated set briefly; a tampered package is refused.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi

expect 0 "compress" -- "$LGC" compress --images "$MNIST/train-images-idx3-ubyte" \
  --labels "$MNIST/train-labels-idx1-ubyte" --limit 3000 --epochs 20 --kmax 3 -o "$T/p.lgc" --json -q
grep -q '"package_bytes":' "$T/out" && ok || bad "compress --json has no bytes"
expect 1 "compress refuses to overwrite" -- "$LGC" compress --images "$MNIST/train-images-idx3-ubyte" \
  --labels "$MNIST/train-labels-idx1-ubyte" --limit 3000 --epochs 1 -o "$T/p.lgc" -q
expect 0 "info" -- "$LGC" info "$T/p.lgc"
grep -q "sum K" "$T/out" && ok || bad "info lacks the mixture summary"
expect 0 "info --json" -- "$LGC" info "$T/p.lgc" --json
grep -q '"model.kind":"ae"' "$T/out" && ok || bad "info --json lacks model.kind"

expect 0 "decompress" -- "$LGC" decompress "$T/p.lgc" -n 2000 -o "$T/r" -q
[ "$(stat -c %s "$T/r-images.idx")" -eq $((16 + 2000 * 784)) ] && ok || bad "images file size"
[ "$(stat -c %s "$T/r-labels.idx")" -eq $((8 + 2000)) ] && ok || bad "labels file size"
# the bytes depend on the seed, not on the thread count
expect 0 "decompress, 1 thread" -- "$LGC" decompress "$T/p.lgc" -n 9000 -o "$T/t1" --threads 1 -q
expect 0 "decompress, 2 threads" -- "$LGC" decompress "$T/p.lgc" -n 9000 -o "$T/t2" --threads 2 -q
cmp -s "$T/t1-images.idx" "$T/t2-images.idx" && ok || bad "decompressed bytes depend on the thread count"
expect 0 "decompress, another seed" -- "$LGC" decompress "$T/p.lgc" -n 9000 -o "$T/t3" --seed 2 -q
cmp -s "$T/t1-images.idx" "$T/t3-images.idx" && bad "--seed has no effect" || ok
expect 0 "decompress npy" -- "$LGC" decompress "$T/p.lgc" -n 500 -o "$T/n" --format npy -q
head -c 6 "$T/n-images.npy" | grep -q NUMPY && ok || bad "npy magic"

# the judge learns from regenerated digits: far above chance (10%) after 400 steps
expect 0 "eval on regenerated" -- "$LGC" eval --train-images "$T/r-images.idx" --train-labels "$T/r-labels.idx" \
  --test-images "$MNIST/t10k-images-idx3-ubyte" --test-labels "$MNIST/t10k-labels-idx1-ubyte" \
  --steps 400 --seeds 1 --json -q
acc=$(sed -n 's/.*"accuracy_mean":\([0-9.]*\).*/\1/p' "$T/out")
awk -v a="$acc" 'BEGIN{exit !(a > 0.5)}' && ok || bad "accuracy on regenerated data is $acc"

# a tampered package: one flipped byte in the middle is refused, nothing written
cp "$T/p.lgc" "$T/bad.lgc"
size=$(stat -c %s "$T/bad.lgc")
printf '\x5a' | dd of="$T/bad.lgc" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect 1 "tampered package" -- "$LGC" decompress "$T/bad.lgc" -n 100 -o "$T/t"
err_has "$T/bad.lgc"
[ ! -e "$T/t-images.idx" ] && [ ! -e "$T/t-labels.idx" ] && ok || bad "tampered package left output"
ls "$T" | grep -q '\.tmp' && bad "temporary files left behind" || ok
expect 1 "truncated package" -- bash -c "head -c 1000 '$T/p.lgc' > '$T/tr.lgc'; '$LGC' decompress '$T/tr.lgc' -n 10 -o '$T/u'"
expect 2 "decompress -n above the cap" -- "$LGC" decompress "$T/p.lgc" -n 20000000 -o "$T/big"
err_has "--allow-large"
finish
