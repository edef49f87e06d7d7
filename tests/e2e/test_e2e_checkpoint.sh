#!/usr/bin/env bash
# lgc compress --checkpoint: killed with SIGKILL mid-training, the same command
# resumes from the last epoch saved and writes the same package bytes as a run
# that was never interrupted.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
export SOURCE_DATE_EPOCH=0 # the one timestamp in a package
args=(compress --images "$MNIST/train-images-idx3-ubyte" --labels "$MNIST/train-labels-idx1-ubyte"
  --limit 10000 --epochs 12 --kmax 2 -q)

expect 0 "uninterrupted run" -- "$LGC" "${args[@]}" -o "$T/full.lgc"

# start, wait for the second checkpoint to be replaced, kill
"$LGC" "${args[@]}" -o "$T/part.lgc" --checkpoint "$T/ck" &
pid=$!
for _ in $(seq 600); do
  [ -e "$T/ck/lgc-checkpoint.lgc" ] && break
  sleep 0.05
done
sleep 0.5
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ -e "$T/ck/lgc-checkpoint.lgc" ] && ok || bad "no checkpoint was written"
[ ! -e "$T/part.lgc" ] && ok || bad "the run finished before it was killed: the test proves nothing"
ls "$T/ck" | grep -q tmp && bad "temporary checkpoint file left behind" || ok

expect 0 "resumed run" -- "$LGC" "${args[@]}" -o "$T/part.lgc" --checkpoint "$T/ck" --json
resumed=$(sed -n 's/.*"resumed_epochs":\([0-9]*\).*/\1/p' "$T/out")
[ "${resumed:-0}" -ge 1 ] && [ "${resumed:-0}" -lt 12 ] && ok || bad "resumed_epochs = '$resumed'"
cmp -s "$T/full.lgc" "$T/part.lgc" && ok || bad "resumed package differs: $(cmp "$T/full.lgc" "$T/part.lgc")"

# a checkpoint of other inputs is refused, not silently reused
expect 1 "checkpoint of other options" -- "$LGC" "${args[@]}" --latent 32 -o "$T/other.lgc" --checkpoint "$T/ck"
err_has "checkpoint was made from other"
[ ! -e "$T/other.lgc" ] && ok || bad "output written after a refused checkpoint"
finish
