#!/usr/bin/env bash
# compress --dp-epsilon: the accountant meets the asked epsilon (not far
# below it: the noise is not wasted), the package records its guarantee and
# info shows it, decompress works, and what DP cannot do is refused in one line.
. "$(dirname "$0")/../lib.sh"
need_mnist
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 1000 "$T/m"
c=(compress --images "$T/m-images" --labels "$T/m-labels" --epochs 2 --latent 8 --no-encoder --threads 2)
for e in 1 10; do
  expect 0 "compress --dp-epsilon $e" -- "$LGC" "${c[@]}" --dp-epsilon $e --dp-delta 1e-4 -o "$T/dp$e.lgc" --json
  got=$(jq .dp_epsilon "$T/out")
  awk -v g="$got" -v e=$e 'BEGIN{exit !(g <= e && g > 0.97 * e)}' && ok || bad "epsilon spent $got for $e"
  awk -v s="$(jq .dp_sgd_noise "$T/out")" -v z="$(jq .dp_gmm_noise "$T/out")" 'BEGIN{exit !(s > 0 && z > 0)}' &&
    ok || bad "no noise: $(cat "$T/out")"
  [ "$(jq '.k | add' "$T/out")" = 10 ] && ok || bad "not one Gaussian per class"
done
s1=$(jq .dp_sgd_noise "$T/out")
# DP's own sizes where none are given (batch n / 48 = 20 here, latent 32 from epsilon 2, 16 below),
# the user's where given;
# 0 epochs keeps it quick; epsilon 1000 leaves little noise on the 100 codes per class: --dp-k 3 gives up to 3 components per class, at least one more somewhere
expect 0 "DP sizes" -- "$LGC" compress --images "$T/m-images" --labels "$T/m-labels" --no-encoder \
  --threads 2 --dp-epsilon 1000 --dp-delta 1e-4 --dp-k 3 --epochs 0 -o "$T/k.lgc" --json
[ "$(jq -c '[.epochs, .latent]' "$T/out")" = "[0,32]" ] && ok || bad "sizes: $(jq -c '[.epochs, .latent]' "$T/out")"
"$LGC" info "$T/k.lgc" --json > "$T/info" && [ "$(jq -r '.keys["dp.sgd.sample_rate"]' "$T/info")" = 0.02 ] &&
  ok || bad "batch: sample rate $(jq -r '.keys["dp.sgd.sample_rate"]' "$T/info")"
awk -v k="$(jq '.k | add' "$T/out")" -v m="$(jq '.k | max' "$T/out")" 'BEGIN{exit !(k > 10 && m <= 3)}' &&
  ok || bad "--dp-k 3: k $(jq -c .k "$T/out")"
expect 0 "DP sizes below epsilon 2" -- "$LGC" compress --images "$T/m-images" --labels "$T/m-labels" \
  --no-encoder --threads 2 --dp-epsilon 1.9 --dp-delta 1e-4 --epochs 0 -o "$T/k.lgc" -f --json
[ "$(jq .latent "$T/out")" = 16 ] && ok || bad "latent $(jq .latent "$T/out") at epsilon 1.9"
expect 0 "info shows the guarantee" -- "$LGC" info "$T/dp1.lgc"
grep -q "dp.epsilon" "$T/out" && grep -q "dp.accountant *RDP" "$T/out" && ok || bad "info: $(cat "$T/out")"
expect 0 "decompress" -- "$LGC" decompress "$T/dp1.lgc" -n 200 -o "$T/r" -q
expect 2 "delta not below 1/N" -- "$LGC" "${c[@]}" --dp-epsilon 1 --dp-delta 0.01 -o "$T/x.lgc"
err_has "must be above 0 and below 1/N"
expect 2 "DP with a VAE" -- "$LGC" "${c[@]}" --dp-epsilon 1 --dp-delta 1e-4 --model vae -o "$T/x.lgc"
err_has "with differential privacy: model ae"
expect 2 "DP with a budget" -- "$LGC" "${c[@]}" --dp-epsilon 1 --dp-delta 1e-4 --budget 50K -o "$T/x.lgc" -q
err_has "no --budget"
for o in "--dp-delta 1e-6" "--dp-clip 0.1" "--dp-mixture-share 0.2" "--dp-k 2" "--dp-ema 0.9" "--dp-code-clip 5"; do
  # shellcheck disable=SC2086 # $o: an option and its value
  expect 2 "$o without --dp-epsilon" -- "$LGC" "${c[@]}" $o -o "$T/x.lgc"
  err_has "${o% *} needs --dp-epsilon E"
done
[ ! -e "$T/x.lgc" ] && ok || bad "a package was written although compress failed"
finish
