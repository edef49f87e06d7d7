#!/usr/bin/env bash
# `lgc lossless` manners: bad flags and files give one line and the documented
# exit code (2 usage, 1 data or I/O); sizes are reported for good files.
. "$(dirname "$0")/../lib.sh"

head -c 4000 /dev/zero >"$T/zeros"
printf 'hello, lossless\n' >"$T/text"

expect 0 "--help" -- "$LGC" lossless --help
grep -q "^usage: lgc lossless" "$T/out" && ok || bad "--help does not print usage on stdout"
expect 2 "no files" -- "$LGC" lossless
err_has "at least one file"
expect 2 "only --json" -- "$LGC" lossless --json
expect 2 "unknown option" -- "$LGC" lossless "$T/zeros" --best
err_has "unknown option '--best'"
expect 2 "-o is not a lossless option" -- "$LGC" lossless "$T/zeros" -o -
expect 1 "missing file" -- "$LGC" lossless "$T/nope"
err_has "$T/nope"
expect 1 "missing second file" -- "$LGC" lossless "$T/zeros" "$T/nope"
err_has "$T/nope"
mkdir "$T/dir"
expect 1 "a folder" -- "$LGC" lossless "$T/dir"
err_has "not a regular file"
if is_root; then
  echo "running as root: skipping the chmod 000 file case (the folder case stands in)" >&2
else
  cp "$T/text" "$T/locked" && chmod 000 "$T/locked"
  expect 1 "unreadable file" -- "$LGC" lossless "$T/locked"
fi
expect 0 "two files" -- "$LGC" lossless "$T/zeros" "$T/text"
grep -q "^total .*raw  *4016" "$T/out" && ok || bad "total: $(cat "$T/out")"
: >"$T/empty"
expect 0 "empty file" -- "$LGC" lossless "$T/empty"
expect 0 "--json" -- "$LGC" lossless "$T/zeros" --json
grep -q '"total":{"raw":4000' "$T/out" && ok || bad "--json: $(cat "$T/out")"
# a missing second file: one error line and nothing on stdout (no half JSON, no half table)
expect 1 "--json, second file missing" -- "$LGC" lossless "$T/zeros" "$T/nope" --json
err_has "$T/nope"
[ ! -s "$T/out" ] && ok || bad "stdout holds part of the answer: $(cat "$T/out")"
expect 1 "table, second file missing" -- "$LGC" lossless "$T/zeros" "$T/nope"
[ ! -s "$T/out" ] && ok || bad "stdout holds part of the table: $(cat "$T/out")"
finish
