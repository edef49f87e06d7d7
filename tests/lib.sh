# lib.sh - helpers for the shell tests. Each test sources this, calls its
# checks, and ends with `finish`, which prints "N passed, M failed" and exits
# non-zero on any failure.
set -u
: "${LGC:?LGC must name the lgc binary}"
: "${LGC_SOURCE_DIR:?}"
MNIST="${LGC_DATA_DIR:-$LGC_SOURCE_DIR/data}/mnist"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
failn=0
ok() { pass=$((pass + 1)); }
bad() { failn=$((failn + 1)); echo "FAIL: $*" >&2; }

# expect CODE DESCRIPTION -- command...: runs the command, checks the exit code,
# that stderr is exactly one line, and that nothing crashed (signals give > 128).
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  local lines
  lines=$(wc -l <"$T/err")
  if [ "$rc" -ne "$want" ]; then
    bad "$what: exit $rc, expected $want; stderr: $(head -c 300 "$T/err")"
  elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
    bad "$what: expected one error line, got $lines: $(head -c 300 "$T/err")"
  else
    ok
  fi
}
# stderr of the last expect contains a string
err_has() { if grep -qF -- "$1" "$T/err"; then ok; else bad "stderr lacks '$1': $(cat "$T/err")"; fi; }
finish() {
  echo "$pass passed, $failn failed"
  [ "$failn" -eq 0 ]
}

# need_mnist: end the test here (passing, with a note) when there is no MNIST
# in $MNIST: the checks that follow read it.
need_mnist() {
  if [ ! -f "$MNIST/train-images-idx3-ubyte" ]; then
    echo "no MNIST in $MNIST: skipping" >&2
    finish
    exit
  fi
}

# be32 N: N as 4 big-endian bytes on stdout.
be32() { printf "\\$(printf %03o $(($1 >> 24 & 255)))\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))\\$(printf %03o $(($1 & 255)))"; }

# cut_mnist SRC_IMAGES SRC_LABELS N PREFIX: the first N images and labels of an
# MNIST split in PREFIX-images and PREFIX-labels (a new IDX header, then the data).
cut_mnist() {
  { printf '\0\0\10\3'; be32 "$3"; be32 28; be32 28; tail -c +17 "$1" | head -c $(($3 * 784)); } >"$4-images"
  { printf '\0\0\10\1'; be32 "$3"; tail -c +9 "$2" | head -c "$3"; } >"$4-labels"
}

# tiny_set PREFIX N: N 6x6 grey images of two classes (class 0 bright on top,
# class 1 bright below, with some texture) in PREFIX-images.idx and
# PREFIX-labels.idx: enough for a compress run of a second.
tiny_set() {
  local prefix=$1 n=$2 i p v e img="" lab=""
  for ((i = 0; i < n; i++)); do
    for ((p = 0; p < 36; p++)); do
      if (((p < 18) == (i % 2 == 0))); then v=$((180 + (i * 7 + p * 13) % 70)); else v=$(((i * 5 + p * 11) % 50)); fi
      printf -v e '\\%03o' "$v"
      img+=$e
    done
    printf -v e '\\%03o' $((i % 2))
    lab+=$e
  done
  { printf '\0\0\10\3'; be32 "$n"; be32 6; be32 6; printf "$img"; } >"$prefix-images.idx"
  { printf '\0\0\10\1'; be32 "$n"; printf "$lab"; } >"$prefix-labels.idx"
}

# is_root: tests run as root in CI, where chmod does not stop reads or writes.
is_root() { [ "$(id -u)" -eq 0 ]; }
