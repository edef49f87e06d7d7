#!/usr/bin/env bash
# The main job: set up, build, then on MNIST compress -> decompress 60,000 ->
# judge (paper-cnn, 3 seeds) on the regenerated set and on the real set, and
# print one table. Outputs and JSON records go to out/ (git-ignored).
# Options: EPOCHS=20 SEEDS=3 STEPS=9380 THREADS=2 bash scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

EPOCHS=${EPOCHS:-20}
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
THREADS=${THREADS:-2}

bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc
M=data/mnist
mkdir -p out

now() { date +%s.%N; }
say() { printf '== %s\n' "$*" >&2; }

say "compress (AE, $EPOCHS epochs, per-class GMM with K by BIC)"
t0=$(now)
$LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
  -o out/mnist.lgc -f --epochs "$EPOCHS" --threads "$THREADS" --json > out/compress.json
t1=$(now)
say "decompress 60,000 images"
$LGC decompress out/mnist.lgc -n 60000 -o out/mnist-regen -f --threads "$THREADS" --json > out/decompress.json
t2=$(now)
say "judge trained on the regenerated set ($SEEDS seeds, $STEPS steps)"
$LGC eval --train-images out/mnist-regen-images.idx --train-labels out/mnist-regen-labels.idx \
  --test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte \
  --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json > out/eval-regen.json
t3=$(now)
say "judge trained on the real set ($SEEDS seeds, $STEPS steps)"
$LGC eval --train-images $M/train-images-idx3-ubyte --train-labels $M/train-labels-idx1-ubyte \
  --test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte \
  --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json > out/eval-real.json
t4=$(now)
# Lossless sizes of the training set take a minute (xz -9e); they depend only on the files.
if [ ! -s $M/lossless.json ]; then
  say "lossless sizes of the training set (gzip -9, xz -9e, zstd -19)"
  $LGC lossless $M/train-images-idx3-ubyte $M/train-labels-idx1-ubyte --json > $M/lossless.json.tmp
  mv $M/lossless.json.tmp $M/lossless.json
fi

pkg=$(jq .package_bytes out/compress.json)
raw=$(jq .total.raw $M/lossless.json)
gz=$(jq .total.gzip9 $M/lossless.json)
xz=$(jq .total.xz9e $M/lossless.json)
zs=$(jq .total.zstd19 $M/lossless.json)
acc() { jq -r '"\(.accuracy_mean*100*100|round/100) ± \(.accuracy_sd*100*100|round/100) %  (\(.accuracy|map(.*10000|round/100)|join(" / ")))"' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f×", a/b}'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f s", b-a}'; }

cat <<TABLE

lgc on MNIST ($(jq -r '.model' out/compress.json), latent $(jq .latent out/compress.json), $EPOCHS epochs, K per class $(jq -c .k out/compress.json), seed $(jq .seed out/compress.json), $THREADS threads)

| measure                                   | value |
|-------------------------------------------|-------|
| package bytes (out/mnist.lgc)             | $pkg |
| ratio vs raw training set ($raw B)  | $(ratio "$raw" "$pkg") |
| ratio vs gzip -9 ($gz B)             | $(ratio "$gz" "$pkg") |
| ratio vs xz -9e ($xz B)              | $(ratio "$xz" "$pkg") |
| ratio vs zstd -19 ($zs B)            | $(ratio "$zs" "$pkg") |
| paper-cnn accuracy, trained on 60,000 regenerated | $(acc out/eval-regen.json) |
| paper-cnn accuracy, trained on the 60,000 real     | $(acc out/eval-real.json) |
| time: compress                            | $(secs "$t0" "$t1") |
| time: decompress 60,000                   | $(secs "$t1" "$t2") |
| time: judge on regenerated ($SEEDS seeds)          | $(secs "$t2" "$t3") |
| time: judge on real ($SEEDS seeds)                 | $(secs "$t3" "$t4") |
TABLE
