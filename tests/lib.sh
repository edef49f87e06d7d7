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
