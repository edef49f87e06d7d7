#!/usr/bin/env bash
# `lgc spuco` on the first 3,000 MNIST training and 1,000 test images: the six
# files, their sizes, exact group counts, noisy labels, balanced test colours,
# same seed same bytes, and the manners (usage errors, no overwrite, all or none).
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 3000 "$T/tr"
cut_mnist "$MNIST/t10k-images-idx3-ubyte" "$MNIST/t10k-labels-idx1-ubyte" 1000 "$T/te"
IN=(--train-images "$T/tr-images" --train-labels "$T/tr-labels" --test-images "$T/te-images" --test-labels "$T/te-labels")
bytes() { tail -c +9 "$1" | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$'; } # one value a line

expect 0 "--help" -- "$LGC" spuco --help
grep -q "^usage: lgc spuco" "$T/out" && ok || bad "--help does not print usage on stdout"
expect 2 "no -o" -- "$LGC" spuco "${IN[@]}"
expect 2 "-o -" -- "$LGC" spuco "${IN[@]}" -o -
expect 2 "strength above 1" -- "$LGC" spuco "${IN[@]}" -o "$T/x" --strength 1.5
expect 2 "noise not a number" -- "$LGC" spuco "${IN[@]}" -o "$T/x" --label-noise lots
expect 2 "unknown option" -- "$LGC" spuco "${IN[@]}" -o "$T/x" --colours 7
expect 1 "missing input" -- "$LGC" spuco "${IN[@]}" --test-images "$T/nope" -o "$T/x"
err_has "$T/nope"
[ -z "$(ls "$T" | grep '^x-')" ] && ok || bad "a failed run left files: $(ls "$T")"

expect 0 "defaults, --json" -- "$LGC" spuco "${IN[@]}" -o "$T/a" --seed 3 --json
grep -q '"noisy_labels":3,' "$T/out" && ok || bad "int(0.001 x 3000) = 3 noisy labels: $(cat "$T/out")"
[ "$(stat -c %s "$T/a-train-images.idx")" -eq $((20 + 3000 * 2352)) ] && ok || bad "train images size"
[ "$(stat -c %s "$T/a-test-images.idx")" -eq $((20 + 1000 * 2352)) ] && ok || bad "test images size"
head -c 4 "$T/a-train-images.idx" | od -An -tx1 | grep -q "00 00 08 04" && ok || bad "images are not rank-4 u8 IDX"
for f in train-labels train-groups test-labels test-groups; do
  [ "$(stat -c %s "$T/a-$f.idx")" -eq $((8 + $([ "${f%%-*}" = train ] && echo 3000 || echo 1000))) ] && ok || bad "$f size"
done
# noisy labels: exactly 3 differ from MNIST's, and every group is label*10 + colour
paste <(bytes "$T/tr-labels") <(bytes "$T/a-train-labels.idx") | awk '$1 != $2' | wc -l | grep -qx 3 &&
  ok || bad "not exactly 3 labels changed"
paste <(bytes "$T/a-train-labels.idx") <(bytes "$T/a-train-groups.idx") | awk 'int($2 / 10) != $1' | wc -l |
  grep -qx 0 && ok || bad "a group does not follow its label"

expect 0 "same seed" -- "$LGC" spuco "${IN[@]}" -o "$T/b" --seed 3 -q
for f in train-images train-labels train-groups test-images test-groups; do
  cmp -s "$T/a-$f.idx" "$T/b-$f.idx" && ok || bad "seed 3 twice: $f differs"
done
expect 0 "another seed" -- "$LGC" spuco "${IN[@]}" -o "$T/c" --seed 4 -q
cmp -s "$T/a-train-images.idx" "$T/c-train-images.idx" && bad "seeds 3 and 4 give the same images" || ok

# exact group counts without noise: floor(0.9 n_c) own colour, the rest round-robin
expect 0 "strength 0.9, no noise" -- "$LGC" spuco "${IN[@]}" -o "$T/d" --strength 0.9 --label-noise 0 -q
paste <(bytes "$T/tr-labels") <(bytes "$T/d-train-groups.idx") | awk '
  { n[$1]++; g[$2]++ }
  END {
    for (c = 0; c < 10; c++) {
      own = int(0.9 * n[c]); r = n[c] - own; k = 0
      if (g[c * 10 + c] != own) { print "class " c ": " g[c * 10 + c] " own, expected " own; bad = 1 }
      for (j = 0; j < 10; j++) if (j != c) {
        want = int(r / 9) + (k < r % 9 ? 1 : 0); k++
        if (g[c * 10 + j] + 0 != want) { print "group " c * 10 + j ": " g[c * 10 + j] + 0 ", expected " want; bad = 1 }
      }
    }
    exit bad
  }' >"$T/awk" && ok || bad "training group counts: $(head -3 "$T/awk")"
# test colours balanced within each class: counts differ by at most 1
paste <(bytes "$T/te-labels") <(bytes "$T/d-test-groups.idx") | awk '
  { n[$1]++; g[$2]++ }
  END { for (c = 0; c < 10; c++) for (j = 0; j < 10; j++) {
          want = int(n[c] / 10) + (j < n[c] % 10 ? 1 : 0)
          if (g[c * 10 + j] + 0 != want) { print "test group " c * 10 + j ": " g[c * 10 + j] + 0 ", expected " want; bad = 1 } }
        exit bad }' >"$T/awk" && ok || bad "test colours: $(head -3 "$T/awk")"

expect 1 "no overwrite without -f" -- "$LGC" spuco "${IN[@]}" -o "$T/a" -q
err_has "already exists"
rm "$T/c-test-groups.idx"
expect 1 "one file left of an earlier run still blocks" -- "$LGC" spuco "${IN[@]}" -o "$T/c" -q
expect 0 "-f overwrites" -- "$LGC" spuco "${IN[@]}" -o "$T/a" -q -f --seed 3
cmp -s "$T/a-train-images.idx" "$T/b-train-images.idx" && ok || bad "-f run differs"
finish
