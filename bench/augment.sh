#!/usr/bin/env bash
# Plain and augmenting paper-cnn (docs/PROTOCOL.md §4) on the main job's
# regenerated set and on a random real subset of the package's bytes.
# Needs scripts/run.sh's out/mnist.lgc. Writes bench/results/augment.json.
#   bash bench/augment.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
THREADS=${THREADS:-2}
PKG=${PKG:-out/mnist.lgc}
M=data/mnist
O=${OUT:-out/augment}
mkdir -p "$O"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc
TEST=(--test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte)
B=$(stat -c %s "$PKG")
judge() { # PREFIX [flags]: eval --json
  local p=$1
  shift
  $LGC eval --train-images "$p-images.idx" --train-labels "$p-labels.idx" "${TEST[@]}" \
    --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json -q "$@"
}
$LGC decompress "$PKG" -n 60000 -o "$O/lgc" -f --threads "$THREADS" -q
$LGC subset --method random --budget "$B" --images $M/train-images-idx3-ubyte \
  --labels $M/train-labels-idx1-ubyte --seed 1 -o "$O/random" -f --json -q >"$O/random.make.json"
for p in lgc random; do
  echo "== $p: plain" >&2
  judge "$O/$p" >"$O/$p.plain.json"
  echo "== $p: augmenting" >&2
  judge "$O/$p" --augment >"$O/$p.aug.json"
done
acc() { jq '{mean:.accuracy_mean, sd:.accuracy_sd, runs:.accuracy}' "$1"; }
jq -n --arg cmd "SEEDS=$SEEDS STEPS=$STEPS THREADS=$THREADS PKG=$PKG bash bench/augment.sh" \
  --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" --argjson bytes "$B" \
  --argjson n_random "$(jq .n_selected_images "$O/random.make.json")" \
  --argjson lp "$(acc "$O/lgc.plain.json")" --argjson la "$(acc "$O/lgc.aug.json")" \
  --argjson rp "$(acc "$O/random.plain.json")" --argjson ra "$(acc "$O/random.aug.json")" \
  '{command:$cmd, commit:$commit, date:$date, bytes:$bytes,
    lgc:{images:60000, plain:$lp, augmented:$la},
    random:{images:$n_random, plain:$rp, augmented:$ra}}' >bench/results/augment.json
cat bench/results/augment.json
