#!/usr/bin/env bash
# Near copies of the default package (issue 19, item 4; docs/PRIVACY.md): for
# each temperature T in TEMPS, the privacy audit of `lgc decompress
# --temperature T` (near copies in all and by class, 10,000 images) and
# paper-cnn on 60,000 images decompressed at T (SEEDS seeds). Needs the main
# job's out/mnist.lgc and out/mnist.enc (bash scripts/run.sh).
# Writes bench/results/nearcopies.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPS=${TEMPS:-"1 1.1 1.25 1.5"}
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
P=${PKG:-out/mnist.lgc}
O=${OUT:-out/nearcopies}
R=${RESULTS:-bench/results}
M=data/mnist
mkdir -p "$O" "$R"
LGC=build/lgc
rows=()
for t in $TEMPS; do
  echo "== temperature $t" >&2
  $LGC privacy "$P" --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
    --temperature "$t" --json -q >"$O/t$t.privacy.json"
  $LGC decompress "$P" -n 60000 -o "$O/t$t" -f -q --temperature "$t"
  $LGC eval --train-images "$O/t$t-images.idx" --train-labels "$O/t$t-labels.idx" --seeds "$SEEDS" \
    --steps "$STEPS" --json -q >"$O/t$t.eval.json"
  rows+=("$(jq -n --argjson t "$t" --slurpfile p "$O/t$t.privacy.json" --slurpfile e "$O/t$t.eval.json" \
    '{temperature:$t, near_copy_fraction:$p[0].near_copy_fraction, near_copies_by_class:$p[0].near_copies_by_class,
      share_closer_to_train:$p[0].share_closer_to_train, membership_auc:$p[0].membership_auc,
      accuracy:{mean:$e[0].accuracy_mean, sd:$e[0].accuracy_sd, runs:$e[0].accuracy}}')")
  rm -f "$O/t$t-images.idx" "$O/t$t-labels.idx"
done
printf '%s\n' "${rows[@]}" | jq -s --arg cmd "TEMPS=\"$TEMPS\" SEEDS=$SEEDS STEPS=$STEPS bash bench/nearcopies.sh" \
  --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" \
  '{command:$cmd, commit:$commit, date:$date, package:"'"$P"'", rows:.}' >"$R/nearcopies.json"
{
  echo "# Near copies against temperature (default package)"
  echo
  echo "\`$(jq -r .command "$R/nearcopies.json")\` (commit $(jq -r .commit "$R/nearcopies.json"), $(jq -r .date "$R/nearcopies.json"))."
  echo
  echo "| T | near copies | by class 0..9 | closer to train | paper-cnn % |"
  echo "|---:|---:|---|---:|---:|"
  jq -r '.rows[] | "| \(.temperature) | \(.near_copy_fraction) | \(.near_copies_by_class | map(tostring) | join(" ")) | \(.share_closer_to_train) | \(.accuracy.mean*10000|round/100) ± \(.accuracy.sd*10000|round/100) |"' "$R/nearcopies.json"
} >"$R/nearcopies.md"
cat "$R/nearcopies.md"
