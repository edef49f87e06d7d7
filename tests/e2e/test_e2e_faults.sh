#!/usr/bin/env bash
# Faults on real MNIST: a SIGKILL in the middle of `lgc compress` or of
# `lgc decompress` leaves nothing in the output folder (no output, no
# temporary file), and a write error (a file-size limit with SIGXFSZ ignored,
# so that write() fails with EFBIG) ends with one error line, exit 1 and no
# partial file.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
imgs=(--images "$MNIST/train-images-idx3-ubyte" --labels "$MNIST/train-labels-idx1-ubyte")

# empty_dir DIR WHAT: DIR exists and holds nothing, hidden files included
empty_dir() {
  if [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; then ok; else bad "$2: left $(ls -A "$1" 2>&1)"; fi
}

# kill_after SECS WHAT -- command...: starts the command, SIGKILLs it after
# SECS, and checks that it was still running then (else the test proves nothing).
kill_after() {
  local secs=$1 what=$2
  shift 3
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$secs"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    local rc=$?
    [ "$rc" -eq 137 ] && ok || bad "$what: exit $rc after SIGKILL, expected 137"
  else
    wait "$pid"
    bad "$what: finished (exit $?) before the kill after $secs s; make the run longer"
  fi
}

mkdir "$T/k1" "$T/k2" "$T/w1" "$T/w2" "$T/w3"
kill_after 1 "compress killed" -- "$LGC" compress "${imgs[@]}" --limit 2000 --epochs 50 -o "$T/k1/p.lgc" -q
empty_dir "$T/k1" "compress killed after 1 s"

expect 0 "a package to decompress" -- "$LGC" compress "${imgs[@]}" --limit 2000 --epochs 1 --kmax 2 \
  -o "$T/p.lgc" -q
kill_after 1 "decompress killed" -- "$LGC" decompress "$T/p.lgc" -n 9000000 -o "$T/k2/r" -q
empty_dir "$T/k2" "decompress killed after 1 s"

# Write errors: `ulimit -f` is in 1024-byte blocks; SIGXFSZ is ignored (the
# disposition survives exec), so write() returns EFBIG instead of killing.
expect 1 "decompress past the file-size limit" -- \
  bash -c "trap '' XFSZ; ulimit -f 64; exec '$LGC' decompress '$T/p.lgc' -n 1000 -o '$T/w1/r' -q"
err_has "File too large"
err_has "$T/w1/r-images.idx"
empty_dir "$T/w1" "decompress write error"
expect 1 "decompress npy past the file-size limit" -- \
  bash -c "trap '' XFSZ; ulimit -f 64; exec '$LGC' decompress '$T/p.lgc' -n 1000 -o '$T/w2/r' --format npy -q"
empty_dir "$T/w2" "decompress npy write error"
size=$(stat -c %s "$T/p.lgc")
expect 1 "compress past the file-size limit" -- \
  bash -c "trap '' XFSZ; ulimit -f $((size / 1024 / 2)); exec '$LGC' compress ${imgs[*]} --limit 300 --epochs 1 --kmax 2 -o '$T/w3/p.lgc' -q"
err_has "$T/w3/p.lgc"
empty_dir "$T/w3" "compress write error"
finish
