#!/usr/bin/env bash
# How compress's cost grows with the data (issue 18; docs/SCALING.md). Builds
# MNIST x 16 (960,000 images: copy 0 the training set, copies 1..15 each image
# under one random affine transform; bench_grow), takes its first N images for
# N in SIZES, and times `lgc compress` (main job settings: 20 epochs, defaults)
# whole-process (bench/peakmem.py): one process with THREADS threads, and
# `mpirun -np 2` with one thread each. Peak memory, of the largest lgc process:
# anonymous memory (what must be RAM) and the resident set (which also counts
# the mapped image file's pages). Writes bench/results/$NAME.{json,md}.
#   bash bench/scaling.sh
#   EPOCHS=1 KMAX=2 NAME=scaling_memory bash bench/scaling.sh   # memory only, quickly
#   SIZES="60000 960000" MODES=one NAME=scaling_one bash bench/scaling.sh
#   SIZES="6000 60000" EPOCHS=2 RESULTS=out/scaling-check bash bench/scaling.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"6000 60000 240000 960000"}
EPOCHS=${EPOCHS:-20}
KMAX=${KMAX:-10}
MODES=${MODES:-"one np2"}
NAME=${NAME:-scaling}
THREADS=${THREADS:-2}
O=${OUT:-out/scaling}
R=${RESULTS:-bench/results}
M=data/mnist
mkdir -p "$O" "$R"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build lgc bench_grow bench_frontier_plot >/dev/null
LGC=build/lgc
export SOURCE_DATE_EPOCH=1700000000 # the same "created" key in both packages, so they can be compared
MPI=(mpirun --quiet --oversubscribe -x SOURCE_DATE_EPOCH)
[ "$(id -u)" -eq 0 ] && MPI+=(--allow-run-as-root)
[ -s "$O/x16-images.idx" ] || build/bench_grow $M/train-images-idx3-ubyte $M/train-labels-idx1-ubyte 16 "$O/x16"
be32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }
rows=()
for N in $SIZES; do
  s=$O/n$N
  if [ ! -s "$s-images.idx" ]; then
    # the first N of each file (dd: no pipe to break under pipefail)
    { printf '\0\0\10\3'; be32 "$N"; be32 28; be32 28
      dd if="$O/x16-images.idx" iflag=skip_bytes,count_bytes skip=16 count=$((N * 784)) bs=1M status=none; } >"$s-images.idx"
    { printf '\0\0\10\1'; be32 "$N"
      dd if="$O/x16-labels.idx" iflag=skip_bytes,count_bytes skip=8 count="$N" bs=1M status=none; } >"$s-labels.idx"
  fi
  for mode in $MODES; do
    echo "== N = $N, $mode" >&2
    c=(compress --images "$s-images.idx" --labels "$s-labels.idx" --epochs "$EPOCHS" --kmax "$KMAX" --no-encoder -f --json -q)
    if [ $mode = one ]; then
      python3 bench/peakmem.py "$s.$mode.mem" -- $LGC "${c[@]}" --threads "$THREADS" -o "$s.$mode.lgc" >"$s.$mode.json"
    else
      python3 bench/peakmem.py "$s.$mode.mem" -- "${MPI[@]}" -np 2 $LGC "${c[@]}" --threads 1 -o "$s.$mode.lgc" >"$s.$mode.json"
    fi
    same=null
    [ $mode = np2 ] && [ -s "$s.one.lgc" ] && { cmp -s "$s.one.lgc" "$s.np2.lgc" && same=true || same=false; }
    rows+=("$(jq -n --argjson n "$N" --arg mode "$mode" --slurpfile mem "$s.$mode.mem" \
      --argjson same "$same" --slurpfile j "$s.$mode.json" \
      '{n:$n, mode:$mode, seconds:$mem[0].seconds, peak_anon_mib:$mem[0].peak_anon_mib,
        max_rss_mib:$mem[0].peak_rss_mib, train_seconds:$j[0].train_seconds,
        gmm_seconds:$j[0].gmm_seconds, k:$j[0].k, package_bytes:$j[0].package_bytes, same_bytes_as_one:$same}')")
  done
done
printf '%s\n' "${rows[@]}" | jq -s --arg cmd "SIZES=\"$SIZES\" MODES=\"$MODES\" EPOCHS=$EPOCHS KMAX=$KMAX THREADS=$THREADS NAME=$NAME bash bench/scaling.sh" \
  --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" \
  '{command:$cmd, commit:$commit, date:$date, rows:.}' >"$R/$NAME.json"
{
  echo "# How compress's cost grows with N"
  echo
  echo "\`$(jq -r .command "$R/$NAME.json")\` (commit $(jq -r .commit "$R/$NAME.json"), $(jq -r .date "$R/$NAME.json")),"
  echo "on this 2-core machine. one: one process, $THREADS threads; np2: \`mpirun -np 2\`, one thread each."
  echo "Seconds and peak memory of the whole process (largest lgc process: anonymous memory, and the resident"
  echo "set, which also counts the pages of the mapped image file); per-image"
  echo "seconds relative to N = 60,000 (1.00 = linear)."
  echo
  echo "| N | mode | seconds | train s | mixtures s | × linear | anon MiB | resident MiB | ΣK | same bytes as one |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
  jq -r '(.rows | map(select(.n == 60000)) | map({(.mode): (.seconds / .n)}) | add) as $ref |
    .rows[] | "| \(.n) | \(.mode) | \(.seconds) | \(.train_seconds) | \(.gmm_seconds) | \(if $ref[.mode] then ((.seconds / .n) / $ref[.mode] * 100 | round / 100) else "—" end) | \(.peak_anon_mib) | \(.max_rss_mib) | \(.k | add) | \(if .same_bytes_as_one == null then "—" else .same_bytes_as_one end) |"' "$R/$NAME.json"
} >"$R/$NAME.md"
jq -r '.rows[] | "seconds \(.mode) \(.n) \(.seconds)", "anon_MiB \(.mode) \(.n) \(.peak_anon_mib)"' "$R/$NAME.json" |
  build/bench_frontier_plot "${FIG:-docs/$NAME.png}" "${FIG_SVG:-docs/$NAME.svg}" \
    "lgc compress on MNIST x 16: whole-process seconds and peak memory" "images N (log scale)" "seconds | MiB"
cat "$R/$NAME.md"
