#!/usr/bin/env bash
# DP settings probe on a validation split (fit: first 50,000 training images, judge: last 10,000)
# EPS (10), BATCHES, EPOCHS, LR, SEED, ARGS (more compress options), LGC (the binary), TAG (names the run)
set -u
cd "$(dirname "$0")/../.."
mkdir -p out/dpval; [ -s out/hybrid/fit-images.idx ] || { mkdir -p out/hybrid; python3 bench/hybrid_share/split.py; }
L=${LGC:-build/lgc}; H=out/hybrid
for b in ${BATCHES:-256 1024 2048}; do
  p=out/dpval/${TAG:-}eps${EPS:-10}-b$b-e${EPOCHS:-20}-lr${LR:-0.001}-s${SEED:-1}
  /usr/bin/time -f %e -o $p.time $L compress --images $H/fit-images.idx --labels $H/fit-labels.idx --dp-epsilon ${EPS:-10} --dp-delta 1e-5 --latent 16 --epochs ${EPOCHS:-20} --batch $b --lr ${LR:-0.001} --seed ${SEED:-1} ${ARGS:-} --threads 2 -o $p.lgc -f --json -q > $p.make.json
  $L decompress $p.lgc -n 60000 -o $p -f -q
  $L eval --train-images $p-images.idx --train-labels $p-labels.idx --test-images $H/val-images.idx --test-labels $H/val-labels.idx --seeds 1 --steps 9380 --json -q > $p.eval.json
  echo "${TAG:+$TAG }eps ${EPS:-10} batch $b epochs ${EPOCHS:-20} lr ${LR:-0.001} seed ${SEED:-1}: $(jq -c '[.dp_sgd_noise, .dp_gmm_noise, .dp_code_clip, .dp_spread_clip]' $p.make.json) val $(jq .accuracy_mean $p.eval.json) ($(cat $p.time) s)"
  rm -f $p-images.idx $p-labels.idx
done
