#!/usr/bin/env bash
# What each number format and the container's zstd save, and what they cost
# in accuracy (issue 5, "budgeted packages"). The default MNIST package (ae,
# 20 epochs, seed 1) is made once per storage choice; training is the same
# bytes every time (same seed), so rows differ only in how the decoder and
# mixtures are stored:
#   default        int8 decoder weights (one float32 scale per row), float16
#                  mixtures and biases, zstd -19 over the data section
#   zstd 0         the same numbers, data section stored raw
#   f16 decoder    float16 decoder weights
#   f32 decoder    float32 decoder weights
#   f32 mixtures   float32 mixtures and biases (--precision f32)
# Each lossy row is judged (paper-cnn, SEEDS seeds, STEPS steps, 60,000
# decompressed images); zstd is lossless, so its row is only sized.
# Writes bench/results/formats.{json,md}.
#   bash bench/formats.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
THREADS=${THREADS:-2}
M=data/mnist
O=out/formats
R=${RESULTS:-bench/results}
mkdir -p "$O" "$R"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc
TEST=(--test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte)
rows=()
while IFS='|' read -r name flags judge; do
  printf '== %s\n' "$name" >&2
  f=$O/${name// /_}
  # shellcheck disable=SC2086
  $LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
    --epochs 20 --seed 1 --threads "$THREADS" $flags -o "$f.lgc" -f --json -q >"$f.json"
  e=null
  if [ "$judge" = yes ]; then
    $LGC decompress "$f.lgc" -n 60000 -o "$f" -f --threads "$THREADS" -q
    $LGC eval --train-images "$f-images.idx" --train-labels "$f-labels.idx" "${TEST[@]}" \
      --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json -q >"$f.eval.json"
    e=$(cat "$f.eval.json")
    rm -f "$f-images.idx" "$f-labels.idx"
  fi
  rows+=("$(jq -n --arg name "$name" --arg flags "$flags" --argjson c "$(cat "$f.json")" --argjson e "$e" \
    '{row:$name, flags:$flags, bytes:$c.package_bytes, k:$c.k,
      accuracy_mean:(if $e then $e.accuracy_mean else null end),
      accuracy_sd:(if $e then $e.accuracy_sd else null end)}')")
done <<'EOF'
default||yes
zstd 0|--zstd 0|no
f16 decoder|--decoder f16|yes
f32 decoder|--decoder f32|yes
f32 mixtures|--precision f32|yes
EOF
printf '%s\n' "${rows[@]}" | jq -s --arg cmd "SEEDS=$SEEDS STEPS=$STEPS THREADS=$THREADS bash bench/formats.sh" \
  --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" --arg date "$(date -u +%FT%TZ)" \
  '{command:$cmd, commit:$commit, date:$date, rows:.}' >$R/formats.json
{
  echo "# Number formats and zstd in the default MNIST package"
  echo
  echo "\`$(jq -r .command $R/formats.json)\` (commit $(jq -r .commit $R/formats.json), $(jq -r .date $R/formats.json))."
  echo "Same training (ae, 20 epochs, seed 1) for every row; only the storage differs."
  echo
  echo "| storage | package bytes | vs default | paper-cnn accuracy on 60,000 regenerated images |"
  echo "|---|---:|---:|---:|"
  jq -r '(.rows[0].bytes) as $d | .rows[] | "| \(.row)\(if .flags == "" then "" else " (`\(.flags)`)" end) | \(.bytes) | \(.bytes / $d * 100 | round) % | \(if .accuracy_mean then "\(.accuracy_mean*10000|round/100) ± \(.accuracy_sd*10000|round/100) %" else "lossless: as default" end) |"' $R/formats.json
} >$R/formats.md
cat $R/formats.md
