#!/usr/bin/env bash
# Every subcommand runs from an empty folder: nothing is looked up relative to
# the current folder. MNIST comes from --data-dir, else $LGC_DATA, else the
# built-in setup folder; a data folder without the file is one clear line
# naming every place looked.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
mkdir -p "$T/data/mnist" "$T/empty" "$T/nodata" "$T/work"
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 1000 "$T/data/mnist/train"
mv "$T/data/mnist/train-images" "$T/data/mnist/train-images-idx3-ubyte"
mv "$T/data/mnist/train-labels" "$T/data/mnist/train-labels-idx1-ubyte"
cut_mnist "$MNIST/t10k-images-idx3-ubyte" "$MNIST/t10k-labels-idx1-ubyte" 500 "$T/data/mnist/t10k"
mv "$T/data/mnist/t10k-images" "$T/data/mnist/t10k-images-idx3-ubyte"
mv "$T/data/mnist/t10k-labels" "$T/data/mnist/t10k-labels-idx1-ubyte"
TI="$T/data/mnist/train-images-idx3-ubyte"
TL="$T/data/mnist/train-labels-idx1-ubyte"
LGC=$(readlink -f "$LGC")
cd "$T/empty" || exit 1
unset LGC_DATA
small=(--judge-steps 5 --tsne-n 100 --privacy-n 100 --no-svg)

# with LGC_DATA: every subcommand, from a folder that holds nothing
export LGC_DATA="$T/data"
expect 0 "compress" -- "$LGC" compress --images "$TI" --labels "$TL" --epochs 1 --kmax 2 -o p.lgc -q
expect 0 "info" -- "$LGC" info p.lgc
expect 0 "decompress" -- "$LGC" decompress p.lgc -n 200 -o d -q
expect 0 "grid" -- "$LGC" grid p.lgc -o g.png
expect 0 "eval (test set from LGC_DATA)" -- "$LGC" eval --train-images d-images.idx --train-labels d-labels.idx --steps 5 --seeds 1 -q
expect 0 "subset" -- "$LGC" subset --method random --budget 8K --images "$TI" --labels "$TL" -o s -q
expect 0 "lossless" -- "$LGC" lossless d-labels.idx
expect 0 "privacy (holdout from LGC_DATA)" -- "$LGC" privacy p.lgc --images "$TI" --labels "$TL" -n 100 -q
expect 0 "report (holdout from LGC_DATA, the side file found, no -o)" -- "$LGC" report p.lgc --images "$TI" --labels "$TL" "${small[@]}" -q
[ -s p-report/index.html ] && [ -s p-report/recon.png ] && ok || bad "report did not write p-report/ with the side file's pictures"
expect 0 "spuco (all four files from LGC_DATA)" -- "$LGC" spuco -o sp -q
[ "$(ls "$T/empty" | wc -l)" -gt 5 ] && ok || bad "outputs did not land in the current folder"

# --data-dir wins over LGC_DATA; a folder holding the files directly works too
export LGC_DATA="$T/nodata"
expect 0 "eval --data-dir over a wrong LGC_DATA" -- "$LGC" eval --train-images d-images.idx --train-labels d-labels.idx --steps 5 --seeds 1 -q --data-dir "$T/data"
expect 0 "eval --data-dir DIR/mnist" -- "$LGC" eval --train-images d-images.idx --train-labels d-labels.idx --steps 5 --seeds 1 -q --data-dir "$T/data/mnist"

# a data folder without MNIST: one line naming both places looked and what to do
for c in "eval --train-images d-images.idx --train-labels d-labels.idx --steps 5 --seeds 1" \
  "privacy p.lgc --images $TI --labels $TL -n 100" "report p.lgc --images $TI --labels $TL -o r2" \
  "spuco -o sp2"; do
  # shellcheck disable=SC2086
  expect 1 "${c%% *} with LGC_DATA=nodata" -- "$LGC" $c -q
  err_has "$T/nodata/mnist/"
  err_has "$T/nodata/"
  err_has "LGC_DATA"
  # shellcheck disable=SC2086
  expect 1 "${c%% *} with --data-dir nodata" -- "$LGC" $c -q --data-dir "$T/nodata"
  err_has "from --data-dir"
done
[ ! -e sp2-train-images.idx ] && [ ! -e r2 ] && ok || bad "a refused command wrote output"
finish
