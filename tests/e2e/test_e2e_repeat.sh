#!/usr/bin/env bash
# Repeatability on real MNIST (docs/REPEATABILITY.md): the same inputs, seed
# and SOURCE_DATE_EPOCH give a byte-identical package, whatever the thread
# count; a different seed gives a different one. Decompression is
# byte-identical for the same package and seed, whatever the thread count; in
# class order a class's first images do not depend on how many follow.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
export SOURCE_DATE_EPOCH=0
comp() { # comp OUT THREADS [options]
  local out=$1 t=$2
  shift 2
  expect 0 "compress $out" -- "$LGC" compress --images "$MNIST/train-images-idx3-ubyte" \
    --labels "$MNIST/train-labels-idx1-ubyte" --limit 3000 --epochs 2 --kmax 3 --threads "$t" \
    -o "$T/$out" -q "$@"
}
same() { if cmp -s "$1" "$2"; then ok; else bad "$3: $(cmp "$1" "$2" 2>&1)"; fi; }
differ() { if cmp -s "$1" "$2"; then bad "$3: identical"; else ok; fi; }

comp a.lgc 2
comp b.lgc 2
same "$T/a.lgc" "$T/b.lgc" "two runs, same seed and threads"
comp t1.lgc 1
same "$T/a.lgc" "$T/t1.lgc" "1 thread against 2"
comp t3.lgc 3
same "$T/a.lgc" "$T/t3.lgc" "3 threads against 2"
comp s2.lgc 2 --seed 2
differ "$T/a.lgc" "$T/s2.lgc" "seed 2 against seed 1"
SOURCE_DATE_EPOCH=86400 comp day.lgc 2
differ "$T/a.lgc" "$T/day.lgc" "another SOURCE_DATE_EPOCH"
[ "$(stat -c %s "$T/a.lgc")" -eq "$(stat -c %s "$T/day.lgc")" ] && ok || bad "created changed the size"

dec() { # dec PREFIX [options]
  local p=$1
  shift
  expect 0 "decompress $p" -- "$LGC" decompress "$T/a.lgc" -o "$T/$p" -q "$@"
}
dec d1 -n 5000 --threads 1
dec d2 -n 5000 --threads 2
dec d2b -n 5000 --threads 2
dec s2 -n 5000 --seed 2
dec n1 -n 1000
dec c1 -n 5000 --order class
dec cn1 -n 1000 --order class
same "$T/d2-images.idx" "$T/d2b-images.idx" "decompress twice"
same "$T/d1-images.idx" "$T/d2-images.idx" "decompress, 1 thread against 2"
same "$T/d1-labels.idx" "$T/d2-labels.idx" "labels, 1 thread against 2"
differ "$T/d1-images.idx" "$T/s2-images.idx" "decompress with seed 2"
differ "$T/d1-images.idx" "$T/c1-images.idx" "shuffled against class order"
# class order: class 0 comes first; its first 80 images (about 100 with -n
# 1000, 500 with -n 5000) are the same, whatever -n and however they were batched
if cmp -s -i 16 -n $((80 * 784)) "$T/cn1-images.idx" "$T/c1-images.idx"; then ok; else
  bad "the first images of class 0 depend on -n"
fi
# shuffled: the first 1,000 labels hold every class (class order: only zeros)
n_classes=$(tail -c +9 "$T/d1-labels.idx" | head -c 1000 | od -An -tu1 -v | tr -s ' ' '\n' | sed '/^$/d' | sort -u | wc -l)
[ "$n_classes" -eq 10 ] && ok || bad "the first 1,000 shuffled labels hold $n_classes classes"
finish
