#!/usr/bin/env bash
# SpuCo MNIST (issue 7): digits on background colours that predict the label 99%
# of the time in training and not at all at test. Does training on what lgc
# regenerates lean on the colour as much as training on the real set does, and
# can a package that stores one distribution per group (class, colour) undo the
# correlation by regenerating every group equally often?
#
#   lgc spuco --strength 0.99 --seed 1                   (all 60,000 / 10,000 MNIST images)
#   per row: compress (seed 1), decompress 60,000, lgc eval paper-cnn with
#   SEEDS judge seeds and STEPS steps on the SpuCo test split, --test-groups:
#   average and worst-group accuracy (100 groups) as mean ± sd over the seeds.
# Rows (ROWS picks a subset, in this order):
#   real            the SpuCo training set itself
#   real-upsampled  the same, every group repeated to the size of the largest
#                   (SpuCo's UpSampleERM, as the study's notebook)
#   vae             lgc, the study's SpuCo MLP VAE (--model vae --hidden 400 --latent 19)
#   vae-groups      the same model (resumed from vae's checkpoint: the same
#                   decoder), one mixture per group, decompress --balance groups
#   conv-vae        lgc, convolutional VAE (CONV_EPOCHS epochs)
#   conv-vae-groups the same model (conv-vae's checkpoint), one mixture per group,
#                   decompress --balance groups
#
# Writes RESULTS/spuco.json and RESULTS/spuco.md (RESULTS defaults to
# bench/results) and colour grids GRIDS/spuco-ROW.png (GRIDS defaults to
# docs/grids; spuco-real.png and spuco-real-groups.png show the real training
# set, the latter the first image of every group); everything else goes to
# out/spuco/ (git-ignored).
# The full run, on 2 quiet cores about 30-40 minutes: conv-vae ~55-60 s per epoch
# on these RGB images, the 400-wide VAE ~10 s, the mixtures of 100 groups ~30 s
# per model, each row's judge ~20 s per seed (measured at 2-3x that on a loaded
# machine):
#   EPOCHS=20 CONV_EPOCHS=10 SEEDS=3 STEPS=9380 THREADS=2 bash bench/spuco.sh
# A quick check of the plumbing (not a result):
#   LIMIT=2000 EPOCHS=1 CONV_EPOCHS=1 SEEDS=1 STEPS=100 RESULTS=out/spuco-check GRIDS=out/spuco-check bash bench/spuco.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${ROWS:-"real real-upsampled vae vae-groups conv-vae conv-vae-groups"}
EPOCHS=${EPOCHS:-20}
CONV_EPOCHS=${CONV_EPOCHS:-$EPOCHS}
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
THREADS=${THREADS:-2}
STRENGTH=${STRENGTH:-0.99}
LIMIT=${LIMIT:-}
N=${N:-60000}
M=data/mnist
O=out/spuco
R=${RESULTS:-bench/results}
G=${GRIDS:-docs/grids}
mkdir -p "$O" "$R" "$G"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc
say() { printf '== %s\n' "$*" >&2; }
now() { date +%s.%N; }

say "SpuCo MNIST: strength $STRENGTH, label noise 0.001, seed 1"
$LGC spuco --strength "$STRENGTH" --seed 1 -o $O/spuco -f --json -q >$O/spuco.json
S=$O/spuco
TRAIN=(--images $S-train-images.idx --labels $S-train-labels.idx)
TEST=(--test-images $S-test-images.idx --test-labels $S-test-labels.idx --test-groups $S-test-groups.idx)
RAW=$(($(stat -c %s $S-train-images.idx) + $(stat -c %s $S-train-labels.idx)))
$LGC grid --images $S-train-images.idx --labels $S-train-labels.idx -o "$G/spuco-real.png" -f
$LGC grid --images $S-train-images.idx --labels $S-train-labels.idx --groups $S-train-groups.idx \
  --balance groups -o "$G/spuco-real-groups.png" -f
# smallest and largest test group
TESTG=$(tail -c +9 $S-test-groups.idx | od -An -v -tu1 | tr -s ' ' '\n' | grep -v '^$' | sort -n | uniq -c |
  awk 'NR == 1 || $1 < lo { lo = $1 } $1 > hi { hi = $1 } END { print NR " groups of " lo " to " hi }')

judge() { # NAME IMAGES LABELS [eval options...]
  local name=$1 imgs=$2 labs=$3
  shift 3
  say "$name: judge ($SEEDS seeds, $STEPS steps)"
  $LGC eval --train-images "$imgs" --train-labels "$labs" "${TEST[@]}" "$@" \
    --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json -q >"$O/$name.eval.json"
}

trained=" " # base models trained in this run, whose checkpoints the grouped rows may resume
rows=()
row() { # NAME BYTES COMPRESS_JSON_OR_EMPTY SECONDS
  rows+=("$(jq -n --arg row "$1" --argjson bytes "$2" --argjson c "${3:-null}" --argjson secs "${4:-null}" \
    --argjson e "$(cat "$O/$1.eval.json")" --argjson raw "$RAW" \
    '{row:$row, bytes:$bytes, ratio_raw:($raw/$bytes), model:($c.model // null), epochs:($c.epochs // null),
      hidden:($c.hidden // null), latent:($c.latent // null), mixtures:(if $c then ($c.k|length) else null end),
      k_sum:(if $c then ($c.k|add) else null end), compress_seconds:$secs, resumed_epochs:($c.resumed_epochs // null),
      n_train:$e.n_train, n_train_rows:($e.n_train_rows // $e.n_train),
      accuracy:$e.accuracy, accuracy_mean:$e.accuracy_mean, accuracy_sd:$e.accuracy_sd,
      worst_group_accuracy:$e.worst_group_accuracy, worst_group:$e.worst_group,
      worst_group_mean:$e.worst_group_mean, worst_group_sd:$e.worst_group_sd,
      lowest_groups:($e.groups|sort_by(.accuracy_mean)|.[0:5])}')")
}

for r in $ROWS; do
  case $r in
  real)
    judge real $S-train-images.idx $S-train-labels.idx
    row real "$RAW"
    ;;
  real-upsampled)
    judge real-upsampled $S-train-images.idx $S-train-labels.idx --upsample-groups $S-train-groups.idx
    row real-upsampled "$RAW"
    ;;
  vae | vae-groups | conv-vae | conv-vae-groups)
    base=${r%-groups}
    model=(--model "$base")
    ep=$EPOCHS
    [ "$base" = vae ] && model+=(--hidden 400 --latent 19)
    [ "$base" = conv-vae ] && ep=$CONV_EPOCHS
    grp=() bal=()
    if [ "$r" != "$base" ]; then
      grp=(--groups $S-train-groups.idx)
      bal=(--balance groups)
    fi
    # The grouped row resumes from the checkpoint its base row left in this run
    # (same inputs and training options): the same decoder, only the mixtures
    # differ. Any other checkpoint is stale.
    [[ $trained == *" $base "* ]] || rm -rf "$O/ckpt-$base"
    trained+="$base "
    say "$r: compress ($ep epochs${grp:+, one mixture per group})"
    t0=$(now)
    $LGC compress "${TRAIN[@]}" "${grp[@]}" "${model[@]}" --epochs "$ep" --seed 1 --threads "$THREADS" \
      ${LIMIT:+--limit "$LIMIT"} --checkpoint "$O/ckpt-$base" -o "$O/$r.lgc" -f --json -q >"$O/$r.compress.json"
    t1=$(now)
    say "$r: decompress $N${bal:+ (group-balanced)}"
    $LGC decompress "$O/$r.lgc" -n "$N" "${bal[@]}" -o "$O/$r" -f --threads "$THREADS" -q
    judge "$r" "$O/$r-images.idx" "$O/$r-labels.idx"
    $LGC grid "$O/$r.lgc" "${bal[@]}" -o "$G/spuco-$r.png" --per-class 10 --seed 1 -f
    row "$r" "$(jq .bytes "$O/$r.compress.json")" "$(cat "$O/$r.compress.json")" \
      "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')"
    rm -f "$O/$r-images.idx" "$O/$r-labels.idx"
    ;;
  *)
    echo "bench/spuco.sh: unknown row '$r'" >&2
    exit 2
    ;;
  esac
done

printf '%s\n' "${rows[@]}" | jq -s --arg cmd "ROWS=\"$ROWS\" EPOCHS=$EPOCHS CONV_EPOCHS=$CONV_EPOCHS SEEDS=$SEEDS STEPS=$STEPS THREADS=$THREADS STRENGTH=$STRENGTH N=$N${LIMIT:+ LIMIT=$LIMIT} bash bench/spuco.sh" \
  --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" --arg date "$(date -u +%FT%TZ)" \
  --argjson spuco "$(cat $O/spuco.json)" --argjson raw "$RAW" \
  '{command:$cmd, commit:$commit, date:$date, spuco:$spuco, raw_bytes:$raw, rows:.}' >$R/spuco.json

{
  echo "# SpuCo MNIST: average and worst-group accuracy"
  echo
  echo "\`$(jq -r .command $R/spuco.json)\` (commit $(jq -r .commit $R/spuco.json), $(jq -r .date $R/spuco.json))."
  echo "SpuCo MNIST from all of MNIST (\`lgc spuco\`, strength $STRENGTH, label noise 0.001, seed 1):"
  echo "$(jq .spuco.n_train $R/spuco.json) training images in $(jq .spuco.train_groups $R/spuco.json) groups of"
  echo "$(jq .spuco.train_group_min $R/spuco.json) to $(jq .spuco.train_group_max $R/spuco.json) images, $(jq .spuco.noisy_labels $R/spuco.json) noisy labels; the 10,000 test images have"
  echo "every colour about equally often in every class ($TESTG images)."
  echo "lgc rows: compress on ${LIMIT:-all} training images (seed 1), decompress $N; every row: \`paper-cnn\`"
  echo "trained for $STEPS steps, tested on the SpuCo test split. Raw = images + labels IDX, $RAW B."
  echo
  echo "| row | package bytes | mixtures (ΣK) | accuracy (mean ± sd, $SEEDS seeds) | worst-group accuracy | lowest groups (mean accuracy) |"
  echo "|---|---:|---:|---:|---:|---|"
  jq -r '.rows[] | "| \(.row) | \(if .model then .bytes else "(raw \(.bytes))" end) | \(if .mixtures then "\(.mixtures) (\(.k_sum))" else "" end) | \(.accuracy_mean*10000|round/100) ± \(.accuracy_sd*10000|round/100) % | \(.worst_group_mean*10000|round/100) ± \(.worst_group_sd*10000|round/100) % | \([.lowest_groups[0:3][] | "\(.group): \(.accuracy_mean*1000|round/10) %"] | join(", ")) |"' $R/spuco.json
  echo
  echo "Groups are label × 10 + colour (group 37: digit 3 on colour 7). Worst-group accuracy is taken per"
  echo "judge seed over the groups with test images, then averaged. Grids: \`$G/spuco-ROW.png\`"
  echo "(one row per digit; the grouped rows show each digit's colours in turn, as \`--balance groups\` draws them)."
} >$R/spuco.md
cat $R/spuco.md
