#!/usr/bin/env bash
# same-bytes.sh - does a refactor keep every output byte? Runs lgc on MNIST
# and lists the SHA-256 of what it writes and the judge's accuracies:
#   - the main job's package (compress defaults) and its encoder side file;
#   - `decompress -n 60000` of it, in both orders;
#   - a `--budget 78400` package and a `conv-ae` package on a 6,000-image slice,
#     and 10,000 images decompressed from each;
#   - paper-cnn accuracies (seed 1, 2,000 steps) on the main and conv-ae sets.
#
#   bash scripts/same-bytes.sh record   write bench/results/same-bytes.txt
#   bash scripts/same-bytes.sh check    compare with it (exit 1 on any difference)
#
# Needs a build (build/lgc; LGC=... for another binary) and MNIST
# (scripts/setup.sh). About 2 minutes on 2 cores. SOURCE_DATE_EPOCH pins the
# packages' one timestamp; --threads 2 throughout (the bytes do not depend on
# it, docs/REPEATABILITY.md, but the check should not rely on that).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
case "$mode" in record | check) ;; *) echo "usage: scripts/same-bytes.sh record|check" >&2; exit 2 ;; esac
LGC=${LGC:-build/lgc}
M=data/mnist
O=out/same-bytes
REC=bench/results/same-bytes.txt
[ -x "$LGC" ] || { echo "same-bytes: $LGC not built" >&2; exit 1; }
[ -s $M/train-images-idx3-ubyte ] || { echo "same-bytes: MNIST missing (scripts/setup.sh)" >&2; exit 1; }
export SOURCE_DATE_EPOCH=0
mkdir -p $O
TR=(--images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte)
TE=(--test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte)
say() { printf 'same-bytes: %s\n' "$*" >&2; }

say "compress (defaults)"
$LGC compress "${TR[@]}" -o $O/main.lgc -f -q --threads 2
say "decompress 60,000, both orders"
$LGC decompress $O/main.lgc -n 60000 -o $O/main -f -q --threads 2
$LGC decompress $O/main.lgc -n 60000 -o $O/main-class --order class -f -q --threads 2
say "compress --budget 78400 and conv-ae on 6,000 images"
$LGC compress "${TR[@]}" --limit 6000 --budget 78400 --epochs 5 -o $O/budget.lgc -f -q --threads 2
$LGC compress "${TR[@]}" --limit 6000 --model conv-ae --epochs 6 -o $O/conv.lgc -f -q --threads 2
$LGC decompress $O/budget.lgc -n 10000 -o $O/budget -f -q --threads 2
$LGC decompress $O/conv.lgc -n 10000 -o $O/conv -f -q --threads 2
say "judges"
acc() { $LGC eval --train-images "$1-images.idx" --train-labels "$1-labels.idx" "${TE[@]}" \
  --steps 2000 --seeds 1 --threads 2 --json -q | jq -r '.accuracy[0]'; }
{
  for f in main.lgc main.enc main-images.idx main-labels.idx main-class-images.idx \
    main-class-labels.idx budget.lgc budget.enc budget-images.idx budget-labels.idx conv.lgc \
    conv.enc conv-images.idx conv-labels.idx; do
    printf '%s  %s\n' "$(sha256sum $O/$f | cut -d' ' -f1)" "$f"
  done
  printf 'accuracy  main %s\n' "$(acc $O/main)"
  printf 'accuracy  conv %s\n' "$(acc $O/conv)"
} >$O/sums.txt
if [ "$mode" = record ]; then
  { echo "# scripts/same-bytes.sh record at $(git rev-parse --short HEAD) ($(date -u +%Y-%m-%d))"
    cat $O/sums.txt; } >$REC
  say "recorded in $REC"
  cat $REC
else
  if diff <(grep -v '^#' $REC) $O/sums.txt; then
    say "every sum and accuracy is the same as in $REC"
  else
    say "DIFFERENT from $REC (above: < recorded, > now)"
    exit 1
  fi
fi
