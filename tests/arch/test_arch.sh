#!/usr/bin/env bash
# The architecture, checked on the object files (docs/ARCHITECTURE.md):
#   - calls go one way: a layer's objects use symbols of the layers it may use
#     and of no other (the link of each layer's check library enforces the
#     same at build time);
#   - no circles between source files, within a folder or across folders;
#   - only src/cli prints to standard output, exits or reads the environment.
. "$(dirname "$0")/../lib.sh"
: "${LGC_BUILD_DIR:?}"
B=$LGC_BUILD_DIR
# layer: the layers it may call (core is everyone's)
declare -A MAY=(
  [core]=""
  [tensor]="core"
  [nn]="tensor core"
  [gmm]="tensor core"
  [data]="tensor core"
  [pkg]="core"
  [codec]="nn gmm data pkg tensor core"
  [eval]="codec nn gmm data pkg tensor core"
  [api]="eval codec nn gmm data pkg tensor core"
  [report]="eval codec nn gmm data pkg tensor core"
  [cli]="api report eval codec nn gmm data pkg tensor core"
)
objs() { # objs LAYER: the object files of its sources (not stale ones of removed files)
  local dir=lgc_$1.dir c
  [ "$1" = cli ] && dir=lgc.dir
  for c in "$LGC_SOURCE_DIR/src/$1"/*.c; do
    echo "$B/CMakeFiles/$dir/src/$1/${c##*/}.o"
  done
}
: >"$T/def"
: >"$T/use"
for layer in "${!MAY[@]}"; do
  for o in $(objs "$layer"); do
    f=${o##*/src/}
    f=${f%.o}
    nm -g --defined-only "$o" | awk -v f="$f" -v l="$layer" 'NF == 3 {print $3, f, l}' >>"$T/def"
    nm -u "$o" | awk -v f="$f" -v l="$layer" '{print f, l, $NF}' >>"$T/use"
  done
done
[ -s "$T/def" ] && ok || bad "no object files under $B"
# file-level edges: user file, its layer, defining file, its layer
awk 'NR == FNR {file[$1] = $2; layer[$1] = $3; next}
     ($3 in file) && file[$3] != $1 {print $1, $2, file[$3], layer[$3], $3}' "$T/def" "$T/use" |
  sort -u >"$T/edges"

# 1. calls one way
up=0
while read -r uf ul df dl sym; do
  [ "$ul" = "$dl" ] && continue
  case " ${MAY[$ul]} " in
  *" $dl "*) ;;
  *) up=1; bad "upward or sideways call: $uf ($ul) uses $sym of $df ($dl)" ;;
  esac
done <"$T/edges"
[ $up -eq 0 ] && ok

# 2. no circles between files: repeatedly drop files that use no file still
#    standing, and files no file still standing uses; what is left lies on a
#    circle (or between two)
awk '{print $1, $3}' "$T/edges" | sort -u >"$T/left"
while :; do
  awk '{print $1}' "$T/left" | sort -u >"$T/users"
  awk '{print $2}' "$T/left" | sort -u >"$T/used"
  awk 'NR == FNR {u[$1] = 1; next} ($1 in u) && ($2 in u)' "$T/used" "$T/left" |
    awk 'NR == FNR {u[$1] = 1; next} ($1 in u) && ($2 in u)' "$T/users" - >"$T/next"
  cmp -s "$T/next" "$T/left" && break
  mv "$T/next" "$T/left"
done
if [ -s "$T/left" ]; then
  bad "circles between source files: $(awk '{print $1 " -> " $2}' "$T/left" | tr '\n' ';')"
else
  ok
fi

# 3. only the CLI prints to stdout, exits or reads the environment
while read -r uf ul sym; do
  [ "$ul" = cli ] && continue
  case "$sym" in
  exit | _exit | getenv | secure_getenv | puts | putchar | printf | vprintf | abort)
    bad "$uf ($ul) calls $sym: only src/cli prints, exits or reads the environment" ;;
  esac
done <"$T/use"
ok
finish
