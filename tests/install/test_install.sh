#!/usr/bin/env bash
# lgc installs like a C library: `cmake --install` into a fresh prefix gives
# the program, liblgc with its SONAME, the headers, lgc.pc, a man page per
# subcommand and the bash completion; a 20-line C program built with
# `pkg-config --cflags --libs lgc` opens a package and decompresses 100 images
# (the same bytes as `lgc decompress`), and does not load cairo.
. "$(dirname "$0")/../lib.sh"
: "${LGC_BUILD_DIR:?}"
P="$T/prefix"
expect 0 "cmake --install" -- cmake --install "$LGC_BUILD_DIR" --prefix "$P"
libdir=$(dirname "$(find "$P" -name 'liblgc.so.0' | head -n 1)")
for f in bin/lgc include/lgc/codec.h include/lgc/version.h share/bash-completion/completions/lgc \
  share/man/man1/lgc.1; do
  [ -e "$P/$f" ] && ok || bad "not installed: $f"
done
for f in liblgc.so liblgc.so.0 liblgc-report.so.0 pkgconfig/lgc.pc pkgconfig/lgc-report.pc; do
  [ -e "$libdir/$f" ] && ok || bad "not installed: $libdir/$f"
done
readelf -d "$libdir/liblgc.so.0" | grep -q 'SONAME.*\[liblgc\.so\.0\]' && ok || bad "liblgc has no SONAME liblgc.so.0"

# the installed program runs from its prefix (RPATH $ORIGIN/../lib), on the installed library
expect 0 "installed lgc --version" -- "$P/bin/lgc" --version
grep -q "^lgc $("$P/bin/lgc" --version | head -n 1 | cut -d' ' -f2)" "$T/out" && ok || bad "--version"
loaded=$(ldd "$P/bin/lgc" | awk '/liblgc\.so\.0/ {print $3}')
[ -n "$loaded" ] && [ "$(readlink -f "$loaded")" = "$(readlink -f "$libdir/liblgc.so.0")" ] && ok ||
  bad "installed lgc does not load the installed liblgc: $loaded"

# a package to open
tiny_set "$T/s" 60
"$P/bin/lgc" compress --images "$T/s-images.idx" --labels "$T/s-labels.idx" --classes 2 --epochs 2 \
  --kmax 1 --latent 2 --hidden 4 --batch 16 -q -o "$T/p.lgc" || bad "installed lgc compress"
"$P/bin/lgc" decompress "$T/p.lgc" -n 100 -o "$T/d" -q || bad "installed lgc decompress"

cat >"$T/prog.c" <<'C'
#include <lgc/codec.h>
#include <stdio.h>
#include <stdlib.h>
/* open a package, decompress 100 images, write them to standard output */
int main(int argc, char **argv)
{
    lgc_pkg *p = NULL;
    lgc_codec c;
    lgc_err e;
    if (argc != 2 || lgc_pkg_read_file(argv[1], NULL, &p, &e) || lgc_codec_open(&c, p, argv[1], 256, &e))
        return fprintf(stderr, "%s\n", argc == 2 ? e.msg : "usage: prog IN.lgc"), 1;
    size_t n = 100, img = c.c * c.h * c.w;
    uint8_t *x = malloc(n * img), *y = malloc(n);
    if (!x || !y || lgc_codec_decompress_mem(&c, n, 1, LGC_BALANCE_PRIOR, LGC_ORDER_SHUFFLED, x, y, &e))
        return fprintf(stderr, "%s\n", x && y ? e.msg : "out of memory"), 1;
    fwrite(x, 1, n * img, stdout);
    free(x), free(y), lgc_codec_free(&c), lgc_pkg_free(p);
    return 0;
}
C
[ "$(wc -l <"$T/prog.c")" -le 21 ] && ok || bad "the program is more than 20 lines"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs lgc) && ok || bad "pkg-config lgc"
expect 0 "cc prog.c \$(pkg-config --cflags --libs lgc)" -- cc -std=c11 -Wall -Werror -o "$T/prog" "$T/prog.c" $flags
expect 0 "prog runs" -- env LD_LIBRARY_PATH="$libdir" "$T/prog" "$T/p.lgc"
cmp -s "$T/out" <(tail -c +17 "$T/d-images.idx") && ok || bad "prog's images differ from lgc decompress's"
LD_LIBRARY_PATH="$libdir" ldd "$T/prog" >"$T/ldd"
grep -q "liblgc.so.0 => $libdir" "$T/ldd" && ok || bad "prog does not load the installed liblgc"
grep -qi cairo "$T/ldd" && bad "a decompress-only program loads cairo: $(grep -i cairo "$T/ldd")" || ok
# only the lgc_ API is exported
nm -D --defined-only "$libdir/liblgc.so.0" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^lgc_' >"$T/extra"
[ ! -s "$T/extra" ] && ok || bad "liblgc exports non-lgc symbols: $(head -5 "$T/extra")"

# a man page per subcommand, naming every option its --help names
for c in compress decompress info grid eval subset lossless privacy report spuco; do
  m="$P/share/man/man1/lgc-$c.1"
  if [ ! -s "$m" ]; then bad "no man page for $c"; continue; fi
  "$P/bin/lgc" "$c" --help | grep -o '^  -[-a-z0-9]*' | tr -d ' ' | sort -u >"$T/help-opts"
  sed 's/\\-/-/g' "$m" | grep -o '^\.B -[-a-z0-9]*' | sed 's/^\.B //' | sort -u >"$T/man-opts"
  cmp -s "$T/help-opts" "$T/man-opts" && [ -s "$T/help-opts" ] && ok ||
    bad "lgc-$c.1 and --help list different options: $(diff "$T/help-opts" "$T/man-opts" | tr '\n' ' ')"
done

# the bash completion completes commands, options and choices
comp() { # comp WORD...: COMPREPLY for the last word
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _lgc; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$P/share/bash-completion/completions/lgc" "$@"
}
comp lgc decomp | grep -qx decompress && ok || bad "completion of a command"
comp lgc compress --ep | grep -qx -- --epochs && ok || bad "completion of an option"
comp lgc compress --model conv- | grep -qx conv-vae && ok || bad "completion of a choice"
comp lgc decompress --order "" | sort | tr '\n' ' ' | grep -qx "class shuffled " && ok || bad "completion of --order"
finish
