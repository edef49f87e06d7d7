#!/usr/bin/env bash
# `lgc info` manners: bad flags, bad packages, memory caps: one line and the
# documented exit code (2 usage, 1 data or I/O); a good package is described.
. "$(dirname "$0")/../lib.sh"

tiny_set "$T/s" 60
"$LGC" compress --images "$T/s-images.idx" --labels "$T/s-labels.idx" --classes 2 --epochs 2 \
  --kmax 1 --latent 2 --hidden 4 --batch 16 -q -o "$T/p.lgc" || { echo "compress failed" >&2; exit 1; }
P=$T/p.lgc

expect 0 "--help" -- "$LGC" info --help
grep -q "^usage: lgc info" "$T/out" && ok || bad "--help does not print usage on stdout"
expect 2 "no package" -- "$LGC" info
err_has "a package is required"
expect 2 "two packages" -- "$LGC" info "$P" "$P"
expect 2 "unknown option" -- "$LGC" info "$P" --frobnicate
expect 2 "-o is not an info option" -- "$LGC" info "$P" -o -
expect 2 "--max-memory without a value" -- "$LGC" info "$P" --max-memory
expect 2 "--max-memory -1" -- "$LGC" info "$P" --max-memory -1
expect 2 "--max-memory 1.5G" -- "$LGC" info "$P" --max-memory 1.5G

expect 1 "missing package" -- "$LGC" info "$T/nope.lgc"
err_has "$T/nope.lgc"
mkdir "$T/dir.lgc"
expect 1 "package is a folder" -- "$LGC" info "$T/dir.lgc"
if is_root; then
  echo "running as root: skipping the chmod 000 package case (the folder case stands in)" >&2
else
  cp "$P" "$T/locked.lgc" && chmod 000 "$T/locked.lgc"
  expect 1 "unreadable package" -- "$LGC" info "$T/locked.lgc"
fi
head -c 40 "$P" >"$T/stub.lgc"
expect 1 "half a header" -- "$LGC" info "$T/stub.lgc"
err_has "truncated header"
cp "$P" "$T/tail.lgc" && printf 'x' >>"$T/tail.lgc"
expect 1 "trailing byte" -- "$LGC" info "$T/tail.lgc"
head -c 100 /dev/zero >"$T/zero.lgc"
expect 1 "zeros" -- "$LGC" info "$T/zero.lgc"
err_has "not an lgc package"

expect 1 "decoder above the default memory cap" -- "$LGC" info "$LGC_SOURCE_DIR/tests/fuzz/regressions/pkg/hand-huge-decoder.lgc"
err_has "above the memory cap of 2147483648 bytes (raise it with --max-memory)"
expect 1 "data above --max-memory" -- "$LGC" info "$P" --max-memory 64
err_has "above the limit of 64"
expect 0 "valid package" -- "$LGC" info "$P"
grep -q "latent 2, image 6x6x1" "$T/out" && ok || bad "info: $(cat "$T/out")"
expect 0 "valid package under a cap that fits" -- "$LGC" info "$P" --max-memory 1M
expect 0 "--json" -- "$LGC" info "$P" --json
grep -q '"k_sum":2' "$T/out" && ok || bad "--json: $(cat "$T/out")"
finish
