#!/usr/bin/env bash
# fuzz.sh - run the libFuzzer targets of tests/fuzz (see tests/fuzz/fuzz.h).
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]   fuzz each target (pkg idx npy) for
#                                           SECONDS [600], one after the other
#   scripts/fuzz.sh seeds                   rewrite the hand-made seed files
#
# Builds build-fuzz with clang -DLGC_FUZZ=ON (ASan + UBSan + coverage), then per
# target: one fuzzer process (-jobs=1 -workers=1) at nice 19, growing
# out/fuzz/<t>/corpus from the committed corpus; the log is out/fuzz/<t>.log
# and its last status line is printed. Afterwards the inputs that add
# coverage are merged into tests/fuzz/corpus/<t> (-merge=1). A crash stops the
# target and leaves out/fuzz/<t>/crash-*: fix the bug, then commit the input
# under tests/fuzz/regressions/<t>/ so that every CTest run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

CC=${CC:-clang} cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLGC_FUZZ=ON >/dev/null
if [ "${1:-}" = seeds ]; then
  nice -n 19 ninja -C build-fuzz make_seeds
  build-fuzz/make_seeds tests/fuzz
  exit 0
fi
secs=${1:-600}
shift || true
targets=${*:-pkg idx npy}
nice -n 19 ninja -C build-fuzz $(for t in $targets; do echo "fuzz_$t"; done)

declare -A max_len=([pkg]=4096 [idx]=2048 [npy]=2048)
for t in $targets; do
  work=out/fuzz/$t
  mkdir -p "$work/corpus"
  echo "== fuzz_$t: $secs s" >&2
  # libFuzzer writes fuzz-0.log and crash files in its working folder.
  rc=0
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1 nice -n 19 "$OLDPWD/build-fuzz/fuzz_$t" \
    -max_total_time="$secs" -jobs=1 -workers=1 -timeout=20 -max_len="${max_len[$t]:-4096}" \
    -print_final_stats=1 corpus "$OLDPWD/tests/fuzz/corpus/$t") || rc=$?
  mv "$work/fuzz-0.log" "out/fuzz/$t.log"
  grep -E '^#[0-9]+' "out/fuzz/$t.log" | tail -1
  grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "out/fuzz/$t.log" || true
  if [ "$rc" -ne 0 ] || ls "$work"/crash-* "$work"/leak-* "$work"/oom-* "$work"/timeout-* \
    >/dev/null 2>&1; then
    echo "fuzz_$t found a problem: see out/fuzz/$t.log and $work/" >&2
    exit 1
  fi
  nice -n 19 build-fuzz/fuzz_$t -merge=1 -max_len="${max_len[$t]:-4096}" \
    "tests/fuzz/corpus/$t" "$work/corpus" 2>"out/fuzz/$t-merge.log"
  tail -1 "out/fuzz/$t-merge.log"
done
du -sh tests/fuzz/corpus
