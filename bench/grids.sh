#!/usr/bin/env bash
# A 10 x 10 sample grid per model (one row per digit, the first 10 samples
# `lgc decompress --seed 1` draws for it), to look at what each family
# regenerates. Short training by default: these are for looking, the numbers
# come from bench/models.sh. Packages go to out/grids/ (git-ignored), the PNGs
# to docs/grids/MODEL.png.
#   MODELS="ae vae ..." EPOCHS=5 THREADS=2 bash bench/grids.sh
# The committed ones (docs/MODELS.md): the dense kinds need 20 epochs to draw
# their classes, the conv kinds are sharp after 5:
#   MODELS="ae vae cvae ae-supcon vae-supcon" EPOCHS=20 bash bench/grids.sh
#   MODELS="conv-ae conv-vae conv-cvae" EPOCHS=5 bash bench/grids.sh
# PKG_DIR=out/models reuses the packages bench/models.sh made instead of training.
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS=${MODELS:-"ae vae cvae ae-supcon vae-supcon conv-ae conv-vae conv-cvae"}
EPOCHS=${EPOCHS:-5}
THREADS=${THREADS:-2}
PKG_DIR=${PKG_DIR:-}
M=data/mnist
O=out/grids
mkdir -p "$O" docs/grids
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc

for model in $MODELS; do
  pkg="$O/$model.lgc"
  if [ -n "$PKG_DIR" ]; then
    pkg="$PKG_DIR/$model.lgc"
  else
    printf '== %s: compress (%s epochs)\n' "$model" "$EPOCHS" >&2
    $LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
      --model "$model" --epochs "$EPOCHS" --seed 1 --threads "$THREADS" -o "$pkg" -f --json -q \
      >"$O/$model.compress.json"
  fi
  $LGC grid "$pkg" -o "docs/grids/$model.png" --per-class 10 --seed 1 -f
  printf '%s: docs/grids/%s.png (%s bytes package)\n' "$model" "$model" "$(stat -c %s "$pkg")" >&2
done
