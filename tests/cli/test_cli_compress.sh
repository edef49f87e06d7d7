#!/usr/bin/env bash
# `lgc compress` manners: every bad flag, value, input and output is refused
# with one line and the documented exit code (2 usage, 1 data or I/O), before
# any training where it can be known before; the package is never written to
# standard output; an existing output is kept without -f.
. "$(dirname "$0")/../lib.sh"

tiny_set "$T/s" 60
ok_args=(--images "$T/s-images.idx" --labels "$T/s-labels.idx" --classes 2 --epochs 2 --kmax 1
  --latent 2 --hidden 4 --batch 16 -q)
c() { "$LGC" compress "${ok_args[@]}" "$@"; }

expect 0 "--help" -- "$LGC" compress --help
grep -q "^usage: lgc compress" "$T/out" && ok || bad "--help does not print usage on stdout"
expect 2 "no options" -- "$LGC" compress
err_has "required"
expect 2 "unknown option" -- c -o "$T/a.lgc" --frobnicate
err_has "unknown option '--frobnicate'"
expect 2 "stray argument" -- c -o "$T/a.lgc" extra.idx

# missing values (the option is last)
expect 2 "-o without a value" -- c -o
err_has "-o needs"
expect 2 "--images without a value" -- "$LGC" compress --labels "$T/s-labels.idx" -o "$T/a.lgc" --images
err_has "--images needs a value"
expect 2 "--labels without a value" -- "$LGC" compress --images "$T/s-images.idx" -o "$T/a.lgc" --labels
expect 2 "--epochs without a value" -- c -o "$T/a.lgc" --epochs
err_has "--epochs needs a value"
expect 2 "empty -o" -- c -o ""

# numbers: not numbers, negative, overflowing, out of range
expect 2 "--epochs ten" -- c -o "$T/a.lgc" --epochs ten
err_has "'ten' is not a non-negative integer"
expect 2 "--epochs 3x" -- c -o "$T/a.lgc" --epochs 3x
expect 2 "--epochs ' 3'" -- c -o "$T/a.lgc" --epochs " 3"
expect 2 "--epochs tab 3" -- c -o "$T/a.lgc" --epochs $'\t3'
expect 2 "--epochs newline 3" -- c -o "$T/a.lgc" --epochs $'\n3'
expect 2 "--epochs 0x10" -- c -o "$T/a.lgc" --epochs 0x10
expect 2 "--hidden -4" -- c -o "$T/a.lgc" --hidden -4
expect 2 "--batch +8" -- c -o "$T/a.lgc" --batch +8
expect 2 "--batch 0" -- c -o "$T/a.lgc" --batch 0
err_has "out of range"
expect 2 "--seed overflowing" -- c -o "$T/a.lgc" --seed 99999999999999999999999
err_has "too large"
expect 2 "--limit above 2^32" -- c -o "$T/a.lgc" --limit 8589934592
expect 2 "--latent 0" -- c -o "$T/a.lgc" --latent 0
expect 2 "--latent 1025" -- c -o "$T/a.lgc" --latent 1025
expect 2 "--kmax 33" -- c -o "$T/a.lgc" --kmax 33
expect 2 "--threads 0" -- c -o "$T/a.lgc" --threads 0
expect 2 "--zstd 23" -- c -o "$T/a.lgc" --zstd 23
expect 2 "--classes 257" -- c -o "$T/a.lgc" --classes 257
expect 2 "--lr abc" -- c -o "$T/a.lgc" --lr abc
expect 2 "--lr nan" -- c -o "$T/a.lgc" --lr nan
expect 2 "--lr -0.1" -- c -o "$T/a.lgc" --lr -0.1
expect 2 "--lr 1e999" -- c -o "$T/a.lgc" --lr 1e999
expect 2 "--n-init 0" -- c -o "$T/a.lgc" --n-init 0
# names
expect 2 "--model unknown" -- c -o "$T/a.lgc" --model transformer
err_has "unknown model 'transformer'"
expect 2 "--loss l1" -- c -o "$T/a.lgc" --loss l1
expect 2 "--precision f64" -- c -o "$T/a.lgc" --precision f64
expect 2 "--k-select best" -- c -o "$T/a.lgc" --k-select best
expect 2 "--em-precision f16" -- c -o "$T/a.lgc" --em-precision f16
err_has "--em-precision: 'f16' is not f32 or f64"
expect 2 "--refine -1" -- c -o "$T/a.lgc" --refine -1
expect 2 "--refine nan" -- c -o "$T/a.lgc" --refine nan
expect 2 "SOURCE_DATE_EPOCH not a number" -- env SOURCE_DATE_EPOCH=yesterday "$LGC" compress "${ok_args[@]}" -o "$T/a.lgc"
err_has "SOURCE_DATE_EPOCH: 'yesterday'"
expect 2 "SOURCE_DATE_EPOCH negative" -- env SOURCE_DATE_EPOCH=-1 "$LGC" compress "${ok_args[@]}" -o "$T/a.lgc"
expect 2 "SOURCE_DATE_EPOCH beyond year 9999" -- env SOURCE_DATE_EPOCH=99999999999999 "$LGC" compress "${ok_args[@]}" -o "$T/a.lgc"
[ ! -e "$T/a.lgc" ] && ok || bad "a refused command left $T/a.lgc"

# inputs
expect 1 "missing images" -- "$LGC" compress --images "$T/nope.idx" --labels "$T/s-labels.idx" -o "$T/a.lgc"
err_has "$T/nope.idx"
mkdir "$T/dir.idx"
expect 1 "images are a folder" -- "$LGC" compress --images "$T/dir.idx" --labels "$T/s-labels.idx" -o "$T/a.lgc"
err_has "$T/dir.idx"
if is_root; then
  # chmod 000 does not stop root from reading; the folder case above covers an unreadable input.
  echo "running as root: skipping the chmod 000 input case" >&2
else
  cp "$T/s-images.idx" "$T/locked.idx" && chmod 000 "$T/locked.idx"
  expect 1 "unreadable images" -- "$LGC" compress --images "$T/locked.idx" --labels "$T/s-labels.idx" -o "$T/a.lgc"
  err_has "$T/locked.idx"
fi
printf 'garbage!' >"$T/junk"
expect 1 "images not IDX or NPY" -- "$LGC" compress --images "$T/junk" --labels "$T/s-labels.idx" -o "$T/a.lgc"
tiny_set "$T/t" 10
expect 1 "image and label counts differ" -- "$LGC" compress --images "$T/s-images.idx" --labels "$T/t-labels.idx" -o "$T/a.lgc"
expect 1 "label beyond --classes" -- c -o "$T/a.lgc" --classes 1
err_has "outside the 1 classes"
expect 1 "a class without images" -- c -o "$T/a.lgc" --classes 3
err_has "class 2 has no images"

nl=$'\n'
expect 1 "a file name with a newline" -- c -o "$T/a.lgc" --images "$T/two${nl}lines.idx"
err_has "$T/two?lines.idx"

# outputs: checked before training
expect 1 "output in a missing folder" -- c -o "$T/no/such/dir/a.lgc"
err_has "$T/no/such/dir/a.lgc"
expect 1 "output is a folder" -- c -o "$T/dir.idx" -f
err_has "is a folder"
if is_root; then
  # root writes through chmod; sysfs refuses new files even to root.
  if touch /sys/lgc-probe 2>/dev/null; then
    rm -f /sys/lgc-probe
    echo "no read-only place found: skipping the read-only output case" >&2
  else
    expect 1 "output in a read-only place" -- c -o /sys/lgc-test.lgc
    err_has "/sys/lgc-test.lgc"
  fi
else
  mkdir "$T/ro" && chmod 555 "$T/ro"
  expect 1 "output in a read-only folder" -- c -o "$T/ro/a.lgc"
  err_has "$T/ro/a.lgc"
fi
expect 2 "-o - (packages never go to stdout)" -- c -o -
err_has "standard output"
if command -v script >/dev/null 2>&1; then
  # the same with a terminal on stdout: refused, and nothing binary reaches it
  script -qec "'$LGC' compress --images '$T/s-images.idx' --labels '$T/s-labels.idx' -o -" /dev/null \
    >"$T/tty" 2>&1
  rc=$?
  [ "$rc" -eq 2 ] && ok || bad "-o - on a terminal: exit $rc, expected 2"
  grep -q "standard output" "$T/tty" && ! grep -qa $'\x89LGC' "$T/tty" && ok ||
    bad "-o - on a terminal: $(head -c 200 "$T/tty")"
else
  echo "script(1) not available: skipping the terminal case" >&2
fi

# a valid run, then the existing output is kept without -f and replaced with it
expect 0 "valid run" -- c -o "$T/a.lgc"
[ -s "$T/a.lgc" ] && ok || bad "no package written"
cp "$T/a.lgc" "$T/a.copy"
expect 1 "existing output without -f" -- c -o "$T/a.lgc" --seed 2
err_has "use -f"
cmp -s "$T/a.lgc" "$T/a.copy" && ok || bad "existing output was changed"
expect 0 "existing output with -f" -- c -o "$T/a.lgc" --seed 2 -f
cmp -s "$T/a.lgc" "$T/a.copy" && bad "-f did not replace the output" || ok
expect 0 "SOURCE_DATE_EPOCH at year 9999" -- env SOURCE_DATE_EPOCH=253402300799 "$LGC" compress "${ok_args[@]}" -o "$T/y.lgc"
"$LGC" info "$T/y.lgc" | grep -q "created *9999-12-31T23:59:59Z" && ok || bad "created at year 9999"
expect 0 "--json" -- c -o "$T/j.lgc" --json
grep -q '"package_bytes":[0-9]' "$T/out" && ok || bad "--json: $(cat "$T/out")"
# the mixture sweep's arithmetic and refinement are settings, not behaviours that fail
expect 0 "--em-precision f64 --refine 0" -- c -o "$T/e.lgc" --em-precision f64 --refine 0 --kmax 3
expect 0 "--em-precision f32 --refine 2" -- c -o "$T/f.lgc" --em-precision f32 --refine 2 --kmax 3
ls -A "$T" | grep -q '\.tmp' && bad "temporary files left: $(ls -A "$T")" || ok
finish
