#!/usr/bin/env bash
# `lgc decompress` manners: bad flags and values, bad packages, unwritable or
# existing outputs, memory caps: one line, the documented exit code (2 usage,
# 1 data or I/O), and no output file left behind by a refused run.
. "$(dirname "$0")/../lib.sh"

tiny_set "$T/s" 60
"$LGC" compress --images "$T/s-images.idx" --labels "$T/s-labels.idx" --classes 2 --epochs 2 \
  --kmax 1 --latent 2 --hidden 4 --batch 16 -q -o "$T/p.lgc" || { echo "compress failed" >&2; exit 1; }
P=$T/p.lgc
d() { "$LGC" decompress "$@"; }
no_output() { # no_output PREFIX: neither file of PREFIX exists
  if [ -e "$1-images.idx" ] || [ -e "$1-labels.idx" ]; then bad "output left at $1"; else ok; fi
}

expect 0 "--help" -- d --help
grep -q "^usage: lgc decompress" "$T/out" && ok || bad "--help does not print usage on stdout"
expect 2 "no arguments" -- d
expect 2 "no -o" -- d "$P"
err_has "-o PREFIX is required"
expect 2 "no package" -- d -o "$T/o"
expect 2 "two packages" -- d "$P" "$P" -o "$T/o"
err_has "unexpected argument"
expect 2 "unknown option" -- d "$P" -o "$T/o" --frobnicate
err_has "unknown option '--frobnicate'"
expect 2 "-o without a value" -- d "$P" -o
expect 2 "empty -o" -- d "$P" -o ""
expect 2 "-n without a value" -- d "$P" -o "$T/o" -n
err_has "-n needs a value"
expect 2 "-n ten" -- d "$P" -o "$T/o" -n ten
expect 2 "-n -5" -- d "$P" -o "$T/o" -n -5
expect 2 "-n 0" -- d "$P" -o "$T/o" -n 0
expect 2 "-n 1e3" -- d "$P" -o "$T/o" -n 1e3
expect 2 "-n overflowing" -- d "$P" -o "$T/o" -n 99999999999999999999999
expect 2 "-n above 2^32-1" -- d "$P" -o "$T/o" -n 4294967296
expect 2 "-n above the cap" -- d "$P" -o "$T/o" -n 20000000
err_has "add --allow-large to confirm"
expect 2 "--seed -1" -- d "$P" -o "$T/o" --seed -1
expect 2 "--threads 257" -- d "$P" -o "$T/o" --threads 257
expect 2 "--format png" -- d "$P" -o "$T/o" --format png
err_has "'png' is not idx, npy or png-folder"
expect 2 "--max-memory lots" -- d "$P" -o "$T/o" --max-memory lots
expect 2 "--max-memory 0" -- d "$P" -o "$T/o" --max-memory 0
expect 2 "--max-memory 5X" -- d "$P" -o "$T/o" --max-memory 5X
expect 2 "--max-memory overflowing" -- d "$P" -o "$T/o" --max-memory 99999999999T
no_output "$T/o"

# bad packages
expect 1 "missing package" -- d "$T/nope.lgc" -o "$T/o"
err_has "$T/nope.lgc"
mkdir "$T/dir.lgc"
expect 1 "package is a folder" -- d "$T/dir.lgc" -o "$T/o"
err_has "not a regular file"
if is_root; then
  echo "running as root: skipping the chmod 000 package case (the folder case stands in)" >&2
else
  cp "$P" "$T/locked.lgc" && chmod 000 "$T/locked.lgc"
  expect 1 "unreadable package" -- d "$T/locked.lgc" -o "$T/o"
fi
: >"$T/empty.lgc"
expect 1 "empty package" -- d "$T/empty.lgc" -o "$T/o"
err_has "empty file"
head -c 500 "$P" >"$T/short.lgc"
expect 1 "truncated package" -- d "$T/short.lgc" -o "$T/o"
err_has "truncated"
cp "$P" "$T/flip.lgc"
printf '\x01' | dd of="$T/flip.lgc" bs=1 seek=100 conv=notrunc status=none
expect 1 "damaged package" -- d "$T/flip.lgc" -o "$T/o"
err_has "checksum"
expect 1 "an IDX file is not a package" -- d "$T/s-images.idx" -o "$T/o"
err_has "not an lgc package"
no_output "$T/o"

# memory caps: a 2 KB package claiming a decoder of 2*10^11 parameters, and a real one under a small cap
huge=$LGC_SOURCE_DIR/tests/fuzz/regressions/pkg/hand-huge-decoder.lgc
expect 1 "decoder above the default memory cap" -- d "$huge" -o "$T/o"
err_has "above the memory cap of 2147483648 bytes"
err_has "--max-memory"
expect 1 "decoder above --max-memory" -- d "$P" -o "$T/o" --max-memory 100K
err_has "above the memory cap of 102400 bytes"
expect 1 "data section above --max-memory" -- d "$P" -o "$T/o" --max-memory 100
err_has "above the limit of 100"
no_output "$T/o"

# outputs
expect 2 "-o - (never standard output)" -- d "$P" -o -
err_has "standard output"
if command -v script >/dev/null 2>&1; then
  script -qec "'$LGC' decompress '$P' -n 10 -o -" /dev/null >"$T/tty" 2>&1
  rc=$?
  [ "$rc" -eq 2 ] && grep -q "standard output" "$T/tty" && ok ||
    bad "-o - on a terminal: exit $rc: $(head -c 200 "$T/tty")"
else
  echo "script(1) not available: skipping the terminal case" >&2
fi
expect 1 "output in a missing folder" -- d "$P" -n 10 -o "$T/no/such/o"
err_has "$T/no/such/o-images.idx"
if is_root; then
  if touch /sys/lgc-probe 2>/dev/null; then
    rm -f /sys/lgc-probe
    echo "no read-only place found: skipping the read-only output case" >&2
  else
    expect 1 "output in a read-only place" -- d "$P" -n 10 -o /sys/lgc-test
    err_has "/sys/lgc-test-images.idx"
  fi
else
  mkdir "$T/ro" && chmod 555 "$T/ro"
  expect 1 "output in a read-only folder" -- d "$P" -n 10 -o "$T/ro/o"
fi

expect 0 "valid run" -- d "$P" -n 10 -o "$T/o" -q
[ "$(stat -c %s "$T/o-images.idx")" -eq $((16 + 10 * 36)) ] && ok || bad "images file size"
cp "$T/o-images.idx" "$T/keep"
expect 1 "existing output without -f" -- d "$P" -n 12 -o "$T/o"
err_has "use -f"
cmp -s "$T/o-images.idx" "$T/keep" && ok || bad "existing output was changed"
rm "$T/o-images.idx"
expect 1 "existing labels file only" -- d "$P" -n 12 -o "$T/o"
err_has "$T/o-labels.idx"
[ ! -e "$T/o-images.idx" ] && ok || bad "images written although the labels file was in the way"
expect 0 "existing output with -f" -- d "$P" -n 12 -o "$T/o" -f -q
[ "$(stat -c %s "$T/o-labels.idx")" -eq $((8 + 12)) ] && ok || bad "-f did not replace the labels"
expect 0 "--json" -- d "$P" -n 5 -o "$T/j" --format npy --json
grep -q '"n_images":5,' "$T/out" && ok || bad "--json: $(cat "$T/out")"

# No clobbering without -f, even when two runs race for one name: the check is
# made when the files are published, so exactly one run of each pair wins and
# its images and labels are the ones left (seeds 1 and 2 tell them apart).
d "$P" -n 300000 -o "$T/ref1" -q --seed 1 && d "$P" -n 300000 -o "$T/ref2" -q --seed 2 ||
  bad "reference runs failed"
for pair in 1 2 3 4 5; do
  d "$P" -n 300000 -o "$T/race$pair" -q --seed 1 2>"$T/race$pair-a.err" &
  pa=$!
  d "$P" -n 300000 -o "$T/race$pair" -q --seed 2 2>"$T/race$pair-b.err" &
  pb=$!
  wait $pa; ra=$?
  wait $pb; rb=$?
  if [ $((ra == 0)) -eq 1 ] && [ "$rb" -eq 1 ]; then won=1
  elif [ "$ra" -eq 1 ] && [ "$rb" -eq 0 ]; then won=2
  else won=0; bad "race $pair: exit codes $ra and $rb, expected one 0 and one 1"; fi
  if [ $won -ne 0 ]; then
    ok
    loser=$([ $won -eq 1 ] && echo b || echo a)
    grep -q "already exists" "$T/race$pair-$loser.err" && [ "$(wc -l <"$T/race$pair-$loser.err")" -eq 1 ] &&
      ok || bad "race $pair: the loser said: $(cat "$T/race$pair-$loser.err")"
    cmp -s "$T/race$pair-images.idx" "$T/ref$won-images.idx" &&
      cmp -s "$T/race$pair-labels.idx" "$T/ref$won-labels.idx" && ok ||
      bad "race $pair: the files left are not the winner's (seed $won) pair"
  fi
done
ls -A "$T" | grep -q '\.tmp' && bad "temporary files left: $(ls -A "$T")" || ok
# --temperature: 1 is the default's bytes; 3 draws other codes (other images, the same labels: this
# tiny decoder saturates, so the pixels' spread barely moves); 0 is refused
expect 0 "temperature 1" -- d "$P" -n 400 -o "$T/t1" -q --temperature 1
expect 0 "default" -- d "$P" -n 400 -o "$T/t0" -q
cmp -s "$T/t1-images.idx" "$T/t0-images.idx" && ok || bad "--temperature 1 changed the bytes"
expect 0 "temperature 3" -- d "$P" -n 400 -o "$T/t3" -q --temperature 3
cmp -s "$T/t0-images.idx" "$T/t3-images.idx" && bad "--temperature 3 did not change the images" || ok
cmp -s "$T/t0-labels.idx" "$T/t3-labels.idx" && ok || bad "--temperature 3 changed the labels"
expect 2 "temperature 0" -- d "$P" -n 10 -o "$T/tz" --temperature 0
err_has "--temperature"
finish
