#!/usr/bin/env bash
# `lgc compress --budget`: the package never exceeds the budget; with the sizes
# given, K is lowered from what BIC chose (k_bic) until it fits; without them
# the sizes are planned for the budget; a budget that cannot be met fails
# with one line and leaves no file.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
A=(--images "$MNIST/train-images-idx3-ubyte" --labels "$MNIST/train-labels-idx1-ubyte"
  --limit 3000 --epochs 1 --json -q)
S=(--hidden 32 --latent 12)
ksum() { jq '[.k[]] | add' "$1"; }

expect 0 "no budget" -- "$LGC" compress "${A[@]}" "${S[@]}" -o "$T/free.lgc"
cp "$T/out" "$T/free.json"
b0=$(jq .package_bytes "$T/free.json")
k0=$(ksum "$T/free.json")
[ "$k0" -gt 10 ] && ok || bad "BIC chose one component per class ($k0): nothing to trim"

# one byte under the free package: at least one component must go
expect 0 "budget one byte under" -- "$LGC" compress "${A[@]}" "${S[@]}" --budget $((b0 - 1)) -o "$T/b1.lgc"
b1=$(jq .package_bytes "$T/out")
[ "$b1" -le $((b0 - 1)) ] && ok || bad "package $b1 over the budget $((b0 - 1))"
[ "$(stat -c %s "$T/b1.lgc")" -eq "$b1" ] && ok || bad "--json bytes differ from the file"
[ "$(ksum "$T/out")" -lt "$k0" ] && ok || bad "K not lowered: $(ksum "$T/out") vs $k0"
[ "$(jq -c .k_bic "$T/out")" = "$(jq -c .k "$T/free.json")" ] && ok || bad "k_bic differs from the free run's k"
expect 0 "info on the budgeted package" -- "$LGC" info "$T/b1.lgc"

# a budget only the K = 1 package meets, then one it cannot meet
expect 1 "budget below one component per class" -- "$LGC" compress "${A[@]}" "${S[@]}" --budget 5000 -o "$T/b2.lgc"
err_has "one component in every mixture, over the budget of 5000"
[ ! -e "$T/b2.lgc" ] && ok || bad "a failed budget left a file"

# planned sizes
for B in 12000 40000; do
  expect 0 "planned budget $B" -- "$LGC" compress "${A[@]}" --budget $B -o "$T/p$B.lgc"
  [ "$(jq .package_bytes "$T/out")" -le $B ] && ok || bad "planned package over $B: $(jq .package_bytes "$T/out")"
  [ "$(jq .budget "$T/out")" -eq $B ] && ok || bad "--json lacks the budget"
done
[ "$(jq .hidden "$T/out")" -gt 8 ] && ok || bad "40 KB planned a tiny decoder: $(jq -c '{hidden,latent}' "$T/out")"
expect 1 "budget below any plan" -- "$LGC" compress "${A[@]}" --budget 3000 -o "$T/p.lgc"
err_has "below the smallest package"
expect 2 "--budget 0" -- "$LGC" compress "${A[@]}" --budget 0 -o "$T/p.lgc"
expect 2 "--budget 1e5" -- "$LGC" compress "${A[@]}" --budget 1e5 -o "$T/p.lgc"
expect 0 "--budget 20K (1024 B units)" -- "$LGC" compress "${A[@]}" --budget 20K -o "$T/k.lgc"
[ "$(jq .budget "$T/out")" -eq 20480 ] && ok || bad "20K is not 20480 bytes"
finish
