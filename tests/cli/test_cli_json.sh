#!/usr/bin/env bash
# One JSON dialect: every subcommand's --json prints one object whose keys are
# exactly those docs/CLI.md lists for it, in that order, opened by
# lgc_version, schema and command; shared names mean the same thing.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
DOC="$LGC_SOURCE_DIR/docs/CLI.md"
# the keys docs/CLI.md lists: the fenced block after "<!-- json-keys -->"
doc_keys() { awk '/<!-- json-keys -->/{f=1; next} f && /^```/{if (++n == 2) exit; next} f && n == 1' "$DOC" |
  sed -n "s/^$1: //p"; }
check() { # check NAME: the last expect's stdout against docs/CLI.md's keys for NAME
  local want got
  want=$(doc_keys "$1")
  if ! got=$(jq -r 'keys_unsorted | join(" ")' "$T/out" 2>/dev/null); then
    bad "$1 --json is not one JSON object: $(head -c 300 "$T/out")"
    return
  fi
  [ -n "$want" ] || { bad "docs/CLI.md lists no keys for $1"; return; }
  [ "$got" = "$want" ] && ok || bad "$1 --json keys differ from docs/CLI.md: got '$got', documented '$want'"
  [ "$(jq -r '.lgc_version' "$T/out")" = "$("$LGC" --version | head -n 1 | cut -d' ' -f2)" ] &&
    [ "$(jq -r '.schema' "$T/out")" = 1 ] && [ "$(jq -r '.command' "$T/out")" = "${1%% *}" ] && ok ||
    bad "$1 --json lacks version, schema or command"
  [ "$(wc -l <"$T/out")" -eq 1 ] && ok || bad "$1 --json is not one line"
}

cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 1000 "$T/tr"
cut_mnist "$MNIST/t10k-images-idx3-ubyte" "$MNIST/t10k-labels-idx1-ubyte" 500 "$T/te"
mkdir -p "$T/data/mnist"
cp "$T/tr-images" "$T/data/mnist/train-images-idx3-ubyte"
cp "$T/tr-labels" "$T/data/mnist/train-labels-idx1-ubyte"
cp "$T/te-images" "$T/data/mnist/t10k-images-idx3-ubyte"
cp "$T/te-labels" "$T/data/mnist/t10k-labels-idx1-ubyte"
D=(--data-dir "$T/data")
TR=(--images "$T/tr-images" --labels "$T/tr-labels")

expect 0 "compress" -- "$LGC" compress "${TR[@]}" --epochs 1 --kmax 2 -o "$T/p.lgc" --json -q
check compress
[ "$(jq .package_bytes "$T/out")" -eq "$(stat -c %s "$T/p.lgc")" ] && ok || bad "package_bytes is not the file's size"
expect 0 "decompress" -- "$LGC" decompress "$T/p.lgc" -n 300 -o "$T/d" --json -q
check decompress
expect 0 "info" -- "$LGC" info "$T/p.lgc" --json
check info
[ "$(jq .package_bytes "$T/out")" -eq "$(stat -c %s "$T/p.lgc")" ] && ok || bad "info package_bytes"
expect 0 "grid" -- "$LGC" grid "$T/p.lgc" -o "$T/g.png" --json
check grid
expect 0 "grid of real images" -- "$LGC" grid "${TR[@]}" -o "$T/g2.png" --json
check grid
expect 0 "eval" -- "$LGC" eval --train-images "$T/d-images.idx" --train-labels "$T/d-labels.idx" "${D[@]}" \
  --steps 5 --seeds 2 --json -q
check eval
[ "$(jq .n_test_images "$T/out")" -eq 500 ] && ok || bad "eval did not test on the data folder's 500 images"
expect 0 "subset" -- "$LGC" subset --method random --budget 20K "${TR[@]}" -o "$T/s" --json -q
check subset
expect 0 "lossless" -- "$LGC" lossless "$T/te-labels" --json
check lossless
expect 0 "privacy" -- "$LGC" privacy "$T/p.lgc" "${TR[@]}" "${D[@]}" -n 200 --json -q
check privacy
expect 0 "report" -- "$LGC" report "$T/p.lgc" "${TR[@]}" "${D[@]}" -o "$T/r" --judge-steps 5 --tsne-n 100 \
  --privacy-n 100 --no-svg --json -q
check report
expect 0 "spuco" -- "$LGC" spuco -o "$T/sp" "${D[@]}" --json -q
check spuco
finish
