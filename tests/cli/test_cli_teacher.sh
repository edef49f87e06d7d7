#!/usr/bin/env bash
# compress --teacher, decompress --soft-labels, eval --soft-labels: the teacher
# travels in the package, its probabilities come out beside the images and
# train a judge; the ways this can go wrong each give one line.
. "$(dirname "$0")/../lib.sh"
need_mnist
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 600 "$T/m"
c=(compress --images "$T/m-images" --labels "$T/m-labels" --epochs 1 --no-encoder --threads 2)
expect 0 "compress --teacher" -- "$LGC" "${c[@]}" --teacher --teacher-steps 100 -o "$T/t.lgc" --json
tb=$(jq .teacher_bytes "$T/out")
[ "$(jq -r .teacher "$T/out")" = paper-cnn ] && [ "$tb" -gt 3000 ] && [ "$tb" -lt 12000 ] && ok ||
  bad "teacher bytes $tb (paper-cnn is 5,254 parameters: about 5-7 KB in int8)"
expect 0 "compress without" -- "$LGC" "${c[@]}" -o "$T/n.lgc" -q
expect 0 "info shows the teacher's keys" -- "$LGC" info "$T/t.lgc"
grep -q "teacher.kind *paper-cnn" "$T/out" && ok || bad "info does not show teacher.kind"
grep -q "teacher: conv(6,k3,p0).*(5254 parameters, int8)" "$T/out" && ok || bad "info does not describe the teacher"
expect 0 "info --json" -- "$LGC" info "$T/t.lgc" --json
[ "$(jq .teacher_params "$T/out")" = 5254 ] && ok || bad "info --json teacher_params is $(jq .teacher_params "$T/out")"
expect 0 "decompress --soft-labels" -- "$LGC" decompress "$T/t.lgc" -n 500 -o "$T/r" --soft-labels --json
[ "$(jq -r .soft_labels "$T/out")" = "$T/r-soft.npy" ] && [ -s "$T/r-soft.npy" ] && ok ||
  bad "no soft labels file named in the JSON"
# (500, 10) float32: a 128-byte header then 20,000 bytes
[ "$(stat -c %s "$T/r-soft.npy")" = 20128 ] && ok || bad "soft labels are $(stat -c %s "$T/r-soft.npy") bytes"
expect 0 "the images are those of a plain decompress" -- "$LGC" decompress "$T/t.lgc" -n 500 -o "$T/p" -q
cmp -s "$T/r-images.idx" "$T/p-images.idx" && ok || bad "--soft-labels changed the images"
expect 0 "eval --soft-labels" -- "$LGC" eval --train-images "$T/r-images.idx" --train-labels "$T/r-labels.idx" \
  --test-images "$T/m-images" --test-labels "$T/m-labels" --soft-labels "$T/r-soft.npy" --steps 20 --seeds 1 -q
expect 1 "--soft-labels without a teacher" -- "$LGC" decompress "$T/n.lgc" -n 10 -o "$T/x" --soft-labels
err_has "$T/n.lgc: --soft-labels needs a package compressed with --teacher"
[ ! -e "$T/x-images.idx" ] && ok || bad "images written although --soft-labels failed"
expect 2 "a budget the teacher fills" -- "$LGC" "${c[@]}" --teacher --teacher-steps 10 --budget 3000 -o "$T/b.lgc" -q
err_has "--budget 3000 leaves nothing once the teacher's"
expect 2 "--teacher-steps 0" -- "$LGC" "${c[@]}" --teacher --teacher-steps 0 -o "$T/b.lgc"
finish
