#!/usr/bin/env bash
# Soft labels from the package's teacher (issue 16): the main job's package
# made again with --teacher (the generator is the same: the teacher has its
# own stream), 60,000 images decompressed with --soft-labels, and paper-cnn
# trained on them plain and augmenting, with the teacher's soft labels and
# with the hard ones. Writes bench/results/teacher.json.
#   bash bench/teacher.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-3}
STEPS=${STEPS:-9380}
THREADS=${THREADS:-2}
M=data/mnist
O=${OUT:-out/teacher}
mkdir -p "$O"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build >/dev/null
LGC=build/lgc
TEST=(--test-images $M/t10k-images-idx3-ubyte --test-labels $M/t10k-labels-idx1-ubyte)
$LGC compress --images $M/train-images-idx3-ubyte --labels $M/train-labels-idx1-ubyte --teacher \
  --threads "$THREADS" -o "$O/t.lgc" -f --no-encoder --json -q >"$O/compress.json"
$LGC decompress "$O/t.lgc" -n 60000 -o "$O/r" -f --soft-labels --threads "$THREADS" -q
judge() {
  $LGC eval --train-images "$O/r-images.idx" --train-labels "$O/r-labels.idx" "${TEST[@]}" \
    --seeds "$SEEDS" --steps "$STEPS" --threads "$THREADS" --json -q "$@"
}
for aug in plain aug; do
  f=()
  [ $aug = aug ] && f=(--augment)
  echo "== hard labels, $aug" >&2
  judge "${f[@]}" >"$O/hard.$aug.json"
  echo "== soft labels, $aug" >&2
  judge "${f[@]}" --soft-labels "$O/r-soft.npy" >"$O/soft.$aug.json"
done
acc() { jq '{mean:.accuracy_mean, sd:.accuracy_sd, runs:.accuracy}' "$1"; }
agree=$(/usr/bin/python3 -c "
import numpy as np
q = np.load('$O/r-soft.npy'); y = np.fromfile('$O/r-labels.idx', dtype=np.uint8)[8:]
print(round(float((q.argmax(1) == y).mean()), 4))" 2>/dev/null || echo null)
jq -n --arg cmd "SEEDS=$SEEDS STEPS=$STEPS THREADS=$THREADS bash bench/teacher.sh" \
  --arg commit "$(git rev-parse --short HEAD)" --arg date "$(date -u +%FT%TZ)" \
  --argjson make "$(cat "$O/compress.json")" --argjson agree "$agree" \
  --argjson hp "$(acc "$O/hard.plain.json")" --argjson ha "$(acc "$O/hard.aug.json")" \
  --argjson sp "$(acc "$O/soft.plain.json")" --argjson sa "$(acc "$O/soft.aug.json")" \
  '{command:$cmd, commit:$commit, date:$date, package_bytes:$make.package_bytes,
    teacher_bytes:$make.teacher_bytes, teacher_agrees_with_label:$agree,
    hard:{plain:$hp, augmented:$ha}, soft:{plain:$sp, augmented:$sa}}' >bench/results/teacher.json
cat bench/results/teacher.json
