#!/usr/bin/env bash
# Benchmarks of lgc on this machine: whole-process wall time, user+sys CPU and
# peak RSS (GNU time), medians of REPS runs, with the thread count stated.
# Writes bench/results/*.json and prints a Markdown table. Run nothing else
# on the machine meanwhile (2 cores).
#   REPS=3 THREADS=2 bash bench/run.sh [sgemm|cnn|compress|gmm|decompress|convnet3|limits|all]
# limits (also after all): each row of issue 20's table, measured (from the
# records above), against the time its FLOP count takes at the SGEMM rate
# measured here (square 1024): bench/results/limits.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${REPS:-3}
THREADS=${THREADS:-2}
WHAT=${1:-all}
M=data/mnist
R=bench/results
mkdir -p "$R" out/bench
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc

# run_timed NAME cmd...: REPS runs; appends "wall cpu rss_kb" lines to out/bench/NAME.t,
# the command's stdout of the last run to out/bench/NAME.out
run_timed() {
  local name=$1
  shift
  : >"out/bench/$name.t"
  for _ in $(seq "$REPS"); do
    /usr/bin/time -f '%e %U %S %M' -o out/bench/time.tmp "$@" >"out/bench/$name.out"
    awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' out/bench/time.tmp >>"out/bench/$name.t"
  done
}
med() { sort -n | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
col() { awk -v c="$2" '{print $c}' "out/bench/$1.t" | med; }
record() { # NAME EXTRA_JSON
  printf '{"name":"%s","threads":%s,"reps":%s,"wall_s_median":%s,"cpu_s_median":%s,"peak_rss_kb_median":%s,"runs":[%s]%s}\n' \
    "$1" "$THREADS" "$REPS" "$(col "$1" 1)" "$(col "$1" 2)" "$(col "$1" 3)" \
    "$(awk '{printf "%s[%s,%s,%s]", (NR>1 ? "," : ""), $1, $2, $3}' "out/bench/$1.t")" "${2:-}" >"$R/$1.json"
  echo "$R/$1.json: wall $(col "$1" 1) s, cpu $(col "$1" 2) s, rss $(col "$1" 3) kB" >&2
}

if [[ $WHAT == all || $WHAT == sgemm ]]; then
  build/bench_sgemm "$THREADS" --json >"$R/sgemm.json"
  build/bench_sgemm "$THREADS" >&2
  # The trap: OpenBLAS forced onto the kernels its detection picks on some of
  # these machines. Only OpenBLAS reads this variable; lgc's column must not move.
  OPENBLAS_CORETYPE=Prescott build/bench_sgemm "$THREADS" --json >"$R/sgemm_openblas_prescott.json"
fi
if [[ $WHAT == all || $WHAT == cnn ]]; then
  # one paper-cnn epoch: 938 steps of batch 64 on the 60,000 real images, plus loading and testing
  run_timed cnn_epoch $LGC eval --train-images $M/train-images-idx3-ubyte --train-labels $M/train-labels-idx1-ubyte \
    --test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte \
    --steps 938 --seeds 1 --threads "$THREADS" --json -q
  record cnn_epoch ",\"steps\":938,\"in_process_s\":$(jq .seconds out/bench/cnn_epoch.out),\"accuracy\":$(jq .accuracy_mean out/bench/cnn_epoch.out)"
fi
if [[ $WHAT == all || $WHAT == ae || $WHAT == compress ]]; then
  # lgc compress end to end with the study's settings: 20 epochs, K = 1..10 per class
  run_timed compress $LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
    -o out/bench/c.lgc -f --epochs 20 --kmax 10 --threads "$THREADS" --json -q --save-codes out/bench/codes.npy
  record compress ",\"epoch_seconds_median\":$(jq '.epoch_seconds|sort|.[length/2|floor]' out/bench/compress.out),\"gmm_seconds\":$(jq .gmm_seconds out/bench/compress.out),\"train_seconds\":$(jq .train_seconds out/bench/compress.out),\"k\":$(jq -c .k out/bench/compress.out),\"bytes\":$(jq .package_bytes out/bench/compress.out)"
fi
if [[ $WHAT == all || $WHAT == gmm ]]; then
  # the mixture sweep alone on the real codes of the last compress run, and a slow reference
  [ -s out/bench/codes.npy ] || $LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
    -o out/bench/c.lgc -f --epochs 20 -q --save-codes out/bench/codes.npy
  # REPS sweeps in one process (their median is "seconds"), then the reference; GNU time adds the
  # process's peak memory
  REPS=$REPS /usr/bin/time -f '%M' -o out/bench/gmm.rss \
    build/bench_gmm_sweep out/bench/codes.npy $M/train-labels-idx1-ubyte "$THREADS" 10 >out/bench/gmm_sweep.out
  jq -c --argjson rss "$(cat out/bench/gmm.rss)" '. + {peak_rss_kb: $rss}' out/bench/gmm_sweep.out >"$R/gmm_sweep.json"
  cat "$R/gmm_sweep.json" >&2
fi
if [[ $WHAT == all || $WHAT == decompress ]]; then
  [ -s out/bench/c.lgc ] || $LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte \
    -o out/bench/c.lgc -f --epochs 2 -q
  run_timed decompress_1m $LGC decompress out/bench/c.lgc -n 1000000 -o out/bench/d -f --threads "$THREADS" --json -q
  record decompress_1m ",\"n\":1000000,\"images_per_s_whole_process\":$(awk '{print $1}' out/bench/decompress_1m.t | med | awk '{printf "%.0f", 1000000/$1}')"
  rm -f out/bench/d-images.idx out/bench/d-labels.idx
fi
if [[ $WHAT == all || $WHAT == convnet3 ]]; then
  # convnet3's step (batch 64, the judge's): two runs of 50 and 150 steps on the real training set,
  # tested on the first 1,000 test images; the difference over 100 steps is the step, without the
  # set-up and the test
  python3 - <<'PY'
import struct
M = "data/mnist/"
x = open(M + "t10k-images-idx3-ubyte", "rb").read(); y = open(M + "t10k-labels-idx1-ubyte", "rb").read()
open("out/bench/t1k-images.idx", "wb").write(x[:4] + struct.pack(">I", 1000) + x[8:16] + x[16:16 + 784000])
open("out/bench/t1k-labels.idx", "wb").write(y[:4] + struct.pack(">I", 1000) + y[8:1008])
PY
  # and the same at batch 256, the issue's (convnet3_step_256.json)
  for cb in 64 256; do
    for s in 50 150; do
      run_timed "convnet3_${cb}_$s" $LGC eval --judge convnet3 --train-images $M/train-images-idx3-ubyte \
        --train-labels $M/train-labels-idx1-ubyte --test-images out/bench/t1k-images.idx \
        --test-labels out/bench/t1k-labels.idx --steps $s --batch $cb --seeds 1 --threads "$THREADS" --json -q
    done
    sfx=$([ $cb = 64 ] || echo _$cb)
    jq -n --argjson a "$(col convnet3_${cb}_50 1)" --argjson b "$(col convnet3_${cb}_150 1)" --argjson reps "$REPS" \
      --argjson cb $cb '{name: "convnet3_step", batch: $cb, reps: $reps, wall_50_steps: $a, wall_150_steps: $b,
        step_seconds: (($b - $a) / 100)}' >"$R/convnet3_step$sfx.json"
    cat "$R/convnet3_step$sfx.json" >&2
  done
fi
if [[ $WHAT == all || $WHAT == limits ]]; then
  # FLOP counts: AE epoch 6 P per image (P = 218,064 parameters of the 784-128-64 mirror: forward 2P,
  # backward 4P); paper-cnn epoch and the sweep as issue 20 counts them; decompress 2 (64*128 + 128*784)
  # per image. Rates: GFLOP/s the measured time reaches; "of SGEMM": that rate over the SGEMM rate.
  jq -n --slurpfile g "$R/sgemm.json" --slurpfile c "$R/compress.json" --slurpfile n "$R/cnn_epoch.json" \
    --slurpfile s "$R/gmm_sweep.json" --slurpfile d "$R/decompress_1m.json" \
    --argjson k "$( [ -s "$R/convnet3_step.json" ] && jq -c '[.]' "$R/convnet3_step.json" || echo null)" \
    --argjson k2 "$( [ -s "$R/convnet3_step_256.json" ] && jq -c '[.]' "$R/convnet3_step_256.json" || echo null)" \
    --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" '
    ($g[0].rows[] | select(.shape == "square 1024") | .lgc_gflops) as $peak |
    [ {work: "AE epoch (60,000 images, forward + backward)", gflop: (6 * 218064 * 60000 / 1e9),
       seconds: $c[0].epoch_seconds_median, what: "median epoch inside compress"},
      {work: "mixture sweep (K = 1..10, 10 classes, d = 64)", gflop: 700, seconds: $s[0].seconds,
       what: "bench_gmm_sweep median (the FLOPs: issue 20 estimate)"},
      {work: "paper-cnn epoch (60,000 images)", gflop: 84, seconds: $n[0].in_process_s,
       what: "in-process seconds of eval --steps 938 (FLOPs: issue 20 count)"},
      {work: "decompress 1,000,000 images", gflop: (2 * (64 * 128 + 128 * 784) * 1e6 / 1e9),
       seconds: $d[0].wall_s_median, what: "whole process, median"} ]
    + (if $k then [{work: "convnet3 step (batch 64)", gflop: (57 / 4), seconds: $k[0].step_seconds,
       what: "150 - 50 steps over 100 (FLOPs: issue 20 count for batch 256, over 4)"}] else [] end)
    + (if $k2 then [{work: "convnet3 step (batch 256)", gflop: 57, seconds: $k2[0].step_seconds,
       what: "150 - 50 steps over 100 (FLOPs: issue 20 count)"}] else [] end)
    | map(. + {flop_seconds: (.gflop / $peak), gflops: (.gflop / .seconds),
               of_sgemm: (.gflop / .seconds / $peak)})
    | {command: "bash bench/run.sh limits", commit: $commit, date: $date, sgemm_gflops: $peak,
       rows: .}' >"$R/limits.json"
  {
    echo "# Each row of issue 20's table against its FLOP count"
    echo
    echo "\`$(jq -r .command "$R/limits.json")\` (commit $(jq -r .commit "$R/limits.json")), from the records in this folder;"
    echo "the FLOP-count time is at the SGEMM rate measured here ($(jq -r .sgemm_gflops "$R/limits.json") GFLOP/s, square 1024, 2 threads)."
    echo
    echo "| work | GFLOP | at SGEMM rate, s | measured, s | GFLOP/s reached | of SGEMM rate |"
    echo "|---|---:|---:|---:|---:|---:|"
    jq -r '.rows[] | "| \(.work) | \(.gflop * 10 | round / 10) | \(.flop_seconds * 100 | round / 100) | \(.seconds * 1000 | round / 1000) | \(.gflops | round) | \(.of_sgemm * 100 | round) % |"' "$R/limits.json"
  } >"$R/limits.md"
  cat "$R/limits.md" >&2
fi
