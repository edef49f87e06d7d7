#!/usr/bin/env bash
# Differentially private packages on MNIST (issue 19; docs/PRIVACY.md): for
# each epsilon in EPS ("inf": the same pipeline without privacy: DP's sizes,
# one Gaussian per class, no noise), compress --dp-epsilon E --dp-delta 1e-5
# with compress's DP sizes (batch 1024, 80 epochs, lr 0.002, latent 32, or 16 below epsilon 2) and
# ARGS (more compress options, e.g. "--dp-k 4"),
# decompress 60,000, judge with paper-cnn (SEEDS seeds, STEPS steps, official
# test set), and audit with lgc privacy (share closer to training, near
# copies, membership AUC with the encoder side file). Writes
# bench/results/privacy.{json,md}.
#   bash bench/privacy.sh
#   EPS="10" SEEDS=1 STEPS=500 ARGS="--epochs 2" OUT=out/privacy-check RESULTS=out/privacy-check bash bench/privacy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EPS=${EPS:-"1 2 4 10 inf"}
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
ARGS=${ARGS:-}
THREADS=${THREADS:-2}
O=${OUT:-out/privacy}
R=${RESULTS:-bench/results}
M=data/mnist
mkdir -p "$O" "$R"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc
TRAIN=(--images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte)
TEST=(--test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte)
rows=()
for e in $EPS; do
  p=$O/eps-$e
  dp=(--dp-epsilon "$e" --dp-delta 1e-5)
  [ "$e" = inf ] && dp=(--kmax 1 --batch 1024 --epochs 80 --lr 0.002 --latent 32)
  echo "== epsilon $e: compress" >&2
  # shellcheck disable=SC2086 # ARGS: options, split on spaces
  $LGC compress "${TRAIN[@]}" "${dp[@]}" $ARGS --seed 1 \
    --threads "$THREADS" -o "$p.lgc" -f --json -q >"$p.make.json"
  $LGC decompress "$p.lgc" -n 60000 -o "$p" -f -q --threads "$THREADS"
  echo "== epsilon $e: paper-cnn, $SEEDS seeds" >&2
  $LGC eval --train-images "$p-images.idx" --train-labels "$p-labels.idx" "${TEST[@]}" \
    --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json -q >"$p.eval.json"
  echo "== epsilon $e: privacy audit" >&2
  $LGC privacy "$p.lgc" "${TRAIN[@]}" -n 10000 --threads "$THREADS" --json -q >"$p.privacy.json"
  rows+=("$(jq -n --arg e "$e" --slurpfile mk "$p.make.json" --slurpfile ev "$p.eval.json" \
    --slurpfile pr "$p.privacy.json" '{epsilon:$e, package_bytes:$mk[0].package_bytes,
      epsilon_spent:$mk[0].dp_epsilon, sgd_noise:$mk[0].dp_sgd_noise, gmm_noise:$mk[0].dp_gmm_noise,
      epochs:$mk[0].epochs, latent:$mk[0].latent, k:$mk[0].k, code_clip:$mk[0].dp_code_clip,
      spread_clip:$mk[0].dp_spread_clip,
      accuracy:{mean:$ev[0].accuracy_mean, sd:$ev[0].accuracy_sd, runs:$ev[0].accuracy},
      share_closer_to_train:$pr[0].share_closer_to_train, near_copy_fraction:$pr[0].near_copy_fraction,
      membership_auc:$pr[0].membership_auc, compress_seconds:$mk[0].seconds}')")
  rm -f "$p-images.idx" "$p-labels.idx"
done
printf '%s\n' "${rows[@]}" | jq -s --arg cmd "EPS=\"$EPS\" SEEDS=$SEEDS STEPS=$STEPS ARGS=\"$ARGS\" bash bench/privacy.sh" \
  --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" \
  '{command:$cmd, commit:$commit, date:$date, delta:1e-5, rows:.}' >"$R/privacy.json"
{
  echo "# Differentially private packages on MNIST"
  echo
  echo "\`$(jq -r .command "$R/privacy.json")\` (commit $(jq -r .commit "$R/privacy.json"), $(jq -r .date "$R/privacy.json")); δ = 1e-5."
  echo "paper-cnn trained only on 60,000 decompressed images, tested on the official 10,000; mean ± sd over seeds."
  echo
  echo "| ε asked | ε spent | σ (DP-SGD) | z (mixtures) | package bytes | paper-cnn % | closer to train | near copies | membership AUC |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  jq -r '.rows[] | "| \(.epsilon) | \(.epsilon_spent // "—") | \(.sgd_noise // "—") | \(.gmm_noise // "—") | \(.package_bytes) | \(.accuracy.mean*10000|round/100) ± \(.accuracy.sd*10000|round/100) | \(.share_closer_to_train) | \(.near_copy_fraction) | \(.membership_auc) |"' "$R/privacy.json"
} >"$R/privacy.md"
# accuracy against epsilon, with the published rows of issue 19 (delta 1e-5) as points
{
  jq -r '.rows[] | select(.epsilon != "inf") | "paper-cnn lgc_(DP_package) \(.epsilon) \(.accuracy.mean * 100)"' "$R/privacy.json"
  printf '%s\n' "paper-cnn *DPDM 10 98.1" "paper-cnn *DPDM 1 95.3" "paper-cnn *DP-SGD_CNN_on_real 10 96.4" \
    "paper-cnn *DP-SGD_CNN_on_real 1 88.2" "paper-cnn *DP-Sinkhorn 10 83.2" "paper-cnn *DP-MERF 10 82.1" \
    "paper-cnn *GS-WGAN 10 80"
} | build/bench_frontier_plot "${FIG:-docs/privacy.png}" "${FIG_SVG:-docs/privacy.svg}" \
  "MNIST: a classifier trained on a DP package, tested on real images" "epsilon (log scale; delta 1e-5)" \
  "test accuracy (%)"
cat "$R/privacy.md"
