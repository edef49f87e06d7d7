#!/usr/bin/env bash
# A stronger membership test (issue 19, item 3; docs/PRIVACY.md): SHADOWS shadow packages, each
# compressed (main job settings) from a random half of the training set, score the same N drawn
# training images and N holdout images (`lgc privacy --scores`) as the package under attack;
# bench/lira.py compares each record's score with those of the shadows that did not see it.
# Reports AUC and the true-positive rate at 1 % false positives, beside the plain score's.
#   PKG=out/mnist.lgc bash bench/lira.sh        (PKG.enc beside it)
#   PKG=out/privacy/eps-10.lgc SHADOW_ARGS="--dp-epsilon 10 --latent 16" OUT=out/lira-dp10 NAME=lira_dp10 bash bench/lira.sh
# (the shadows are made the way the package under attack was: SHADOW_ARGS)
set -euo pipefail
cd "$(dirname "$0")/.."
SHADOWS=${SHADOWS:-8}
SHADOW_ARGS=${SHADOW_ARGS:-}
N=${N:-2000}
PKG=${PKG:-out/mnist.lgc}
O=${OUT:-out/lira}
R=${RESULTS:-bench/results}
NAME=${NAME:-lira}
M=data/mnist
mkdir -p "$O" "$R"
LGC=build/lgc
TRAIN=(--images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte)
rm -f "$O"/target-*.npy
$LGC privacy "$PKG" "${TRAIN[@]}" -n "$N" --scores "$O/target" -q --json >"$O/target.json"
for k in $(seq 0 $((SHADOWS - 1))); do
  if [ ! -s "$O/s$k.lgc" ]; then
    /usr/bin/python3 - "$O/s$k" "$k" <<'PY'
import sys, numpy as np
p, k = sys.argv[1], int(sys.argv[2])
x = np.fromfile("data/mnist/train-images-idx3-ubyte", np.uint8); y = np.fromfile("data/mnist/train-labels-idx1-ubyte", np.uint8)
mask = np.random.default_rng(1000 + k).random(60000) < 0.5
np.save(p + "-mask.npy", mask)
n = int(mask.sum())
h = bytearray(x[:16]); h[4:8] = n.to_bytes(4, "big")
open(p + "-images.idx", "wb").write(bytes(h) + x[16:].reshape(60000, 784)[mask].tobytes())
h = bytearray(y[:8]); h[4:8] = n.to_bytes(4, "big")
open(p + "-labels.idx", "wb").write(bytes(h) + y[8:][mask].tobytes())
PY
    echo "== shadow $k" >&2
    # shellcheck disable=SC2086 # SHADOW_ARGS is a list of options
    $LGC compress --images "$O/s$k-images.idx" --labels "$O/s$k-labels.idx" --seed $((k + 2)) \
      $SHADOW_ARGS -o "$O/s$k.lgc" -f -q
  fi
  rm -f "$O"/s$k-train.npy "$O"/s$k-holdout.npy "$O"/s$k-index.npy
  $LGC privacy "$O/s$k.lgc" "${TRAIN[@]}" -n "$N" --scores "$O/s$k" -q --json >/dev/null
done
/usr/bin/python3 bench/lira.py "$O" "$SHADOWS" | jq --arg cmd "SHADOWS=$SHADOWS N=$N PKG=$PKG SHADOW_ARGS=\"$SHADOW_ARGS\" bash bench/lira.sh" \
  --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" \
  '{command:$cmd, commit:$commit, date:$date} + .' | tee "$R/$NAME.json"
