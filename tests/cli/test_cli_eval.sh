#!/usr/bin/env bash
# Bad input to `lgc eval` (and the top-level program): one clear line, the documented exit code.
. "$(dirname "$0")/../lib.sh"

# a tiny valid labelled set to pair with broken files
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x1c' >"$T/img.idx"
head -c 1568 /dev/zero >>"$T/img.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x01' >"$T/lab.idx"
printf 'not an idx file at all' >"$T/junk"
head -c 100 "$T/img.idx" >"$T/trunc.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x00\x0b' >"$T/lab11.idx"
printf '\x00\x00\x08\x01\x00\x00\x00\x03\x00\x01\x02' >"$T/lab3.idx"
printf '\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x01' >"$T/rank2.idx"
base=(eval --train-images "$T/img.idx" --train-labels "$T/lab.idx" --test-images "$T/img.idx" --test-labels "$T/lab.idx")

expect 0 "eval --help" -- "$LGC" eval --help
expect 0 "lgc --help" -- "$LGC" --help
expect 0 "lgc --version" -- "$LGC" --version
grep -q "blas: BLIS" "$T/out" && ok || bad "--version does not name the BLAS"
expect 2 "no command" -- "$LGC"
expect 2 "unknown command" -- "$LGC" frobnicate
err_has "unknown command 'frobnicate'"
expect 2 "unknown command with a newline" -- "$LGC" $'frob\nnicate'
err_has "unknown command 'frob?nicate'"
expect 2 "missing required options" -- "$LGC" eval
expect 1 "missing file" -- "$LGC" eval --train-images "$T/nope.idx" --train-labels "$T/lab.idx"
err_has "$T/nope.idx"
expect 1 "malformed IDX (bad magic)" -- "$LGC" eval --train-images "$T/junk" --train-labels "$T/lab.idx"
err_has "$T/junk"
expect 1 "truncated IDX" -- "$LGC" eval --train-images "$T/trunc.idx" --train-labels "$T/lab.idx"
err_has "truncated"
expect 1 "wrong rank" -- "$LGC" eval --train-images "$T/rank2.idx" --train-labels "$T/lab.idx"
expect 1 "image/label count mismatch" -- "$LGC" eval --train-images "$T/img.idx" --train-labels "$T/lab3.idx"
expect 1 "label out of range" -- "$LGC" eval --train-images "$T/img.idx" --train-labels "$T/lab11.idx" --classes 10
expect 2 "non-numeric --steps" -- "$LGC" "${base[@]}" --steps ten
err_has "--steps"
expect 2 "negative --steps" -- "$LGC" "${base[@]}" --steps -5
expect 2 "zero --steps" -- "$LGC" "${base[@]}" --steps 0
expect 2 "overflowing --steps" -- "$LGC" "${base[@]}" --steps 99999999999999999999999
expect 2 "trailing junk in --seeds" -- "$LGC" "${base[@]}" --seeds 3x
expect 2 "missing value" -- "$LGC" "${base[@]}" --steps
expect 2 "unknown judge" -- "$LGC" "${base[@]}" --judge resnet
err_has "unknown judge 'resnet'"
expect 2 "unknown option" -- "$LGC" "${base[@]}" --frobnicate
expect 2 "--train-images without a value" -- "$LGC" eval --train-labels "$T/lab.idx" --train-images
err_has "--train-images needs a value"
expect 2 "--test-labels without a value" -- "$LGC" "${base[@]}" --test-labels
expect 2 "--classes 1" -- "$LGC" "${base[@]}" --classes 1
expect 2 "--threads 0" -- "$LGC" "${base[@]}" --threads 0
expect 2 "--seed -1" -- "$LGC" "${base[@]}" --seed -1
expect 2 "--seeds 101" -- "$LGC" "${base[@]}" --seeds 101
expect 2 "--judge without a value" -- "$LGC" "${base[@]}" --judge
expect 2 "stray argument" -- "$LGC" "${base[@]}" extra
mkdir "$T/dir.idx"
expect 1 "images are a folder" -- "$LGC" eval --train-images "$T/dir.idx" --train-labels "$T/lab.idx"
err_has "takes no labels file"
if is_root; then
  echo "running as root: skipping the chmod 000 input case (the folder case stands in)" >&2
else
  cp "$T/img.idx" "$T/locked.idx" && chmod 000 "$T/locked.idx"
  expect 1 "unreadable images" -- "$LGC" eval --train-images "$T/locked.idx" --train-labels "$T/lab.idx"
fi
expect 1 "missing test set" -- "$LGC" eval --train-images "$T/img.idx" --train-labels "$T/lab.idx" \
  --test-images "$T/nope.idx" --test-labels "$T/lab.idx"
err_has "$T/nope.idx"
expect 0 "a tiny valid run" -- "$LGC" "${base[@]}" --steps 3 --seeds 1 -q
expect 0 "convnet3 judge" -- "$LGC" "${base[@]}" --judge convnet3 --steps 2 --seeds 1 --json
grep -q '"judge":"convnet3"' "$T/out" && ok || bad "--judge convnet3 not named in the JSON"
expect 0 "eval --help names convnet3" -- "$LGC" eval --help
grep -q "convnet3" "$T/out" && ok || bad "eval --help does not list convnet3"

# --weights: a float32 NPY of shape (n,), one finite weight >= 0 per training image.
# npy FILE DESCR SHAPE DATA: a version 1.0 NPY file (header padded to a multiple of 64 bytes).
npy() {
  local dict="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
  local pad=$(((10 + ${#dict} + 1 + 63) / 64 * 64 - 10 - ${#dict} - 1))
  { printf '\x93NUMPY\x01\x00'; printf "\\$(printf %03o $((${#dict} + pad + 1)))\\000"
    printf '%s%*s\n' "$dict" "$pad" ''; printf "$4"; } >"$1"
}
one='\x00\x00\x80\x3f' two='\x00\x00\x00\x40' nan='\x00\x00\xc0\x7f'
neg='\x00\x00\x80\xbf' zero='\x00\x00\x00\x00'
npy "$T/w.npy" '<f4' '(2,)' "$one$two"
npy "$T/w3.npy" '<f4' '(3,)' "$one$two$one"
npy "$T/wnan.npy" '<f4' '(2,)' "$one$nan"
npy "$T/wneg.npy" '<f4' '(2,)' "$neg$one"
npy "$T/wzero.npy" '<f4' '(2,)' "$zero$zero"
npy "$T/wu8.npy" '|u1' '(2,)' '\x01\x02'
npy "$T/w2d.npy" '<f4' '(2, 1)' "$one$two"
expect 0 "valid weights" -- "$LGC" "${base[@]}" --weights "$T/w.npy" --steps 3 --seeds 1 --json
grep -q "\"weights\":\"$T/w.npy\"" "$T/out" && ok || bad "--json does not name the weights file"
expect 1 "missing weights file" -- "$LGC" "${base[@]}" --weights "$T/nope.npy" --steps 3
err_has "$T/nope.npy"
expect 1 "3 weights for 2 images" -- "$LGC" "${base[@]}" --weights "$T/w3.npy" --steps 3
err_has "$T/w3.npy: 3 weights for 2 training images"
expect 1 "a NaN weight" -- "$LGC" "${base[@]}" --weights "$T/wnan.npy" --steps 3
err_has "$T/wnan.npy: weight 1 is nan"
expect 1 "a negative weight" -- "$LGC" "${base[@]}" --weights "$T/wneg.npy" --steps 3
err_has "$T/wneg.npy: weight 0 is -1"
expect 1 "all weights 0" -- "$LGC" "${base[@]}" --weights "$T/wzero.npy" --steps 3
err_has "$T/wzero.npy"
expect 1 "uint8 weights" -- "$LGC" "${base[@]}" --weights "$T/wu8.npy" --steps 3
err_has "$T/wu8.npy"
expect 1 "2-d weights" -- "$LGC" "${base[@]}" --weights "$T/w2d.npy" --steps 3
err_has "$T/w2d.npy: expected a 1-d float32 array, got rank 2"
expect 1 "weights are not NPY" -- "$LGC" "${base[@]}" --weights "$T/junk" --steps 3
err_has "$T/junk"
expect 2 "--weights without a value" -- "$LGC" "${base[@]}" --weights

# --soft-labels: a float32 NPY (n, classes) of probability rows.
h1='\x00\x00\x00\x3f'
npy "$T/q.npy" '<f4' '(2, 2)' "$one$zero$zero$one"
npy "$T/qhalf.npy" '<f4' '(2, 2)' "$h1$h1$h1$zero"
npy "$T/qneg.npy" '<f4' '(2, 2)' "$neg$two$zero$one"
npy "$T/q3.npy" '<f4' '(2, 3)' "$one$zero$zero$zero$one$zero"
expect 0 "valid soft labels" -- "$LGC" "${base[@]}" --classes 2 --soft-labels "$T/q.npy" --steps 3 --seeds 1 --json
grep -q "\"soft_labels\":\"$T/q.npy\"" "$T/out" && ok || bad "--json does not name the soft labels"
expect 1 "a soft row summing to 0.5" -- "$LGC" "${base[@]}" --classes 2 --soft-labels "$T/qhalf.npy" --steps 3
err_has "$T/qhalf.npy: row 1 sums to 0.5, not 1"
expect 1 "a negative probability" -- "$LGC" "${base[@]}" --classes 2 --soft-labels "$T/qneg.npy" --steps 3
err_has "$T/qneg.npy: row 0 holds -1"
expect 1 "3 columns for 2 classes" -- "$LGC" "${base[@]}" --classes 2 --soft-labels "$T/q3.npy" --steps 3
err_has "$T/q3.npy: 2 x 3 soft labels for 2 training images of 2 classes"
expect 1 "soft labels are not NPY" -- "$LGC" "${base[@]}" --classes 2 --soft-labels "$T/junk" --steps 3
err_has "$T/junk"

# --augment on 300 real digits: a different judge from the plain one, and the
# images it sees do not depend on the thread count.
if [ -f "$MNIST/train-images-idx3-ubyte" ]; then
  cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 300 "$T/m"
  mb=(eval --train-images "$T/m-images" --train-labels "$T/m-labels" --test-images "$T/m-images"
    --test-labels "$T/m-labels" --steps 150 --seeds 1 --json)
  acc() { sed 's/.*"accuracy_mean":\([0-9.e+-]*\).*/\1/' "$T/out"; }
  expect 0 "augmenting judge, 1 thread" -- "$LGC" "${mb[@]}" --augment --threads 1
  grep -q '"augment":true' "$T/out" && ok || bad "--json does not say augment"
  a1=$(acc)
  expect 0 "augmenting judge, 2 threads" -- "$LGC" "${mb[@]}" --augment --threads 2
  [ "$(acc)" = "$a1" ] && ok || bad "--augment: $a1 with 1 thread, $(acc) with 2"
  expect 0 "plain judge" -- "$LGC" "${mb[@]}" --threads 2
  [ "$(acc)" != "$a1" ] && ok || bad "--augment gave the plain judge's accuracy $a1"
else
  echo "no MNIST in $MNIST: skipping the --augment cases" >&2
fi
finish
