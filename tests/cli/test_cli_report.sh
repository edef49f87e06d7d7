#!/usr/bin/env bash
# lgc compress --save-encoder, lgc privacy and lgc report on a small MNIST package:
# outputs that hold together, an offline page, and clear refusals.
. "$(dirname "$0")/../lib.sh"
if [ ! -s "$MNIST/train-images-idx3-ubyte" ]; then
  echo "MNIST not found under $MNIST (run scripts/setup.sh)" >&2
  exit 1
fi
# the first 2,000 training images and 1,000 test images as IDX files of their own
# (2,000 = 0x7d0, 1,000 = 0x3e8): the package's training set, and a small holdout set
TI="$T/train-2k-images.idx"
TL="$T/train-2k-labels.idx"
{ printf '\x00\x00\x08\x03\x00\x00\x07\xd0\x00\x00\x00\x1c\x00\x00\x00\x1c'
  tail -c +17 "$MNIST/train-images-idx3-ubyte" | head -c $((2000 * 784)); } >"$TI"
{ printf '\x00\x00\x08\x01\x00\x00\x07\xd0'; tail -c +9 "$MNIST/train-labels-idx1-ubyte" | head -c 2000; } >"$TL"
{ printf '\x00\x00\x08\x03\x00\x00\x03\xe8\x00\x00\x00\x1c\x00\x00\x00\x1c'
  tail -c +17 "$MNIST/t10k-images-idx3-ubyte" | head -c $((1000 * 784)); } >"$T/test-1k-images.idx"
{ printf '\x00\x00\x08\x01\x00\x00\x03\xe8'; tail -c +9 "$MNIST/t10k-labels-idx1-ubyte" | head -c 1000; } >"$T/test-1k-labels.idx"
# the holdout set defaults to data/mnist/t10k-* under the current folder; name it
H=(--test-images "$T/test-1k-images.idx" --test-labels "$T/test-1k-labels.idx")

# compress writes the encoder side file beside the package by itself
expect 0 "compress" -- "$LGC" compress --images "$TI" --labels "$TL" --epochs 3 --kmax 2 -o "$T/p.lgc" --json -q
grep -q "\"encoder\":\"$T/p.enc\"" "$T/out" && ok || bad "compress --json does not name the encoder"
[ -s "$T/p.enc" ] && ok || bad "no side file beside the package"
expect 0 "compress --no-encoder" -- "$LGC" compress --images "$TI" --labels "$TL" --epochs 1 --kmax 1 \
  -o "$T/ne.lgc" --no-encoder --json -q
grep -q '"encoder":null' "$T/out" && [ ! -e "$T/ne.enc" ] && ok || bad "--no-encoder wrote a side file"
expect 0 "compress --save-encoder elsewhere" -- "$LGC" compress --images "$TI" --labels "$TL" --epochs 1 \
  --kmax 1 -o "$T/se.lgc" --save-encoder "$T/se-side.enc" -q
[ -s "$T/se-side.enc" ] && [ ! -e "$T/se.enc" ] && ok || bad "--save-encoder F did not write F alone"
expect 2 "--save-encoder and --no-encoder" -- "$LGC" compress --images "$TI" --labels "$TL" \
  -o "$T/x.lgc" --save-encoder "$T/x.enc" --no-encoder
expect 1 "side file exists" -- "$LGC" compress --images "$TI" --labels "$TL" --limit 2000 \
  --epochs 1 -o "$T/q.lgc" --save-encoder "$T/p.enc" -q
err_has "$T/p.enc"
[ ! -e "$T/q.lgc" ] && ok || bad "a refused compress left a package"
expect 2 "encoder and package the same file" -- "$LGC" compress --images "$TI" --labels "$TL" \
  --limit 2000 --epochs 1 -o "$T/q.lgc" --save-encoder "$T/q.lgc" -q
# the side file is not a package: lgc info refuses it
expect 1 "info on a side file" -- "$LGC" info "$T/p.enc"

# privacy: the side file beside the package is found by name
expect 0 "privacy --json" -- "$LGC" privacy "$T/p.lgc" --images "$TI" --labels "$TL" "${H[@]}" --n 600 --json -q
for k in share_closer_to_train median_dist_to_train median_dist_to_test near_copy_fraction; do
  grep -q "\"$k\":0\.[0-9]*\|\"$k\":[0-9]" "$T/out" && ok || bad "privacy --json lacks $k"
done
grep -q '"membership_auc":0\.[0-9]' "$T/out" && ok || bad "no membership AUC with the side file"
grep -q "\"encoder\":\"$T/p.enc\"" "$T/out" && ok || bad "privacy did not use IN.enc"
expect 0 "privacy --no-encoder" -- "$LGC" privacy "$T/p.lgc" --images "$TI" --labels "$TL" "${H[@]}" --n 300 \
  --no-encoder --json -q
grep -q '"membership_auc":null' "$T/out" && ok || bad "membership AUC without a side file"
expect 0 "privacy text" -- "$LGC" privacy "$T/p.lgc" --images "$TI" --labels "$TL" "${H[@]}" --n 300 -q
grep -q "closer to a training image" "$T/out" && ok || bad "privacy text output"

# a side file of another package is refused, naming it
expect 0 "second package" -- "$LGC" compress --images "$TI" --labels "$TL" --limit 1000 --epochs 1 \
  --kmax 2 --latent 8 -o "$T/o.lgc" --save-encoder "$T/o.enc" -q
expect 1 "mismatched side file" -- "$LGC" privacy "$T/p.lgc" --images "$TI" --labels "$TL" "${H[@]}" --n 300 \
  --encoder "$T/o.enc"
err_has "$T/o.enc"
expect 2 "--encoder with --no-encoder" -- "$LGC" privacy "$T/p.lgc" --images "$TI" --labels "$TL" \
  --encoder "$T/p.enc" --no-encoder
expect 2 "privacy without images" -- "$LGC" privacy "$T/p.lgc"
expect 2 "privacy --n 0" -- "$LGC" privacy "$T/p.lgc" --images "$TI" --labels "$TL" "${H[@]}" --n 0
expect 1 "privacy on a missing package" -- "$LGC" privacy "$T/none.lgc" --images "$TI" --labels "$TL"
err_has "$T/none.lgc"

# report
small=(--judge-steps 60 --tsne-n 300 --privacy-n 400)
expect 0 "report" -- "$LGC" report "$T/p.lgc" --images "$TI" --labels "$TL" -o "$T/rep" "${H[@]}" "${small[@]}" -q
for f in index.html samples.png interp.png recon.png tsne.png tsne.svg bic.png bic.svg loss.png \
  gauss.png gauss-kl.png gauss-components.png confusion.png confusion.svg privacy.png privacy.svg; do
  [ -s "$T/rep/$f" ] && ok || bad "report lacks $f"
done
head -c 8 "$T/rep/bic.png" | od -An -tx1 | grep -q "89 50 4e 47 0d 0a 1a 0a" && ok || bad "PNG signature"
head -c 5 "$T/rep/bic.svg" | grep -q "<?xml" && ok || bad "SVG start"
# every picture the page names is there; nothing comes from the network
missing=0
for f in $(grep -o 'src="[^"]*"\|href="[^"#]*"' "$T/rep/index.html" | sed 's/.*="\(.*\)"/\1/'); do
  [ -s "$T/rep/$f" ] || { missing=1; bad "index.html names $f, which is not there"; }
done
[ $missing -eq 0 ] && ok
grep -qi "http:\|https:\|<script" "$T/rep/index.html" && bad "index.html reaches out or runs scripts" || ok
grep -q "membership inference AUC" "$T/rep/index.html" && ok || bad "page lacks the AUC"
expect 1 "report refuses to replace" -- "$LGC" report "$T/p.lgc" --images "$TI" --labels "$TL" \
  -o "$T/rep" "${H[@]}" "${small[@]}" -q
err_has "index.html"
expect 0 "report -f --no-encoder --no-svg --json" -- "$LGC" report "$T/p.lgc" --images "$TI" \
  --labels "$TL" -o "$T/rep2" "${H[@]}" "${small[@]}" --no-encoder --no-svg --json
grep -q '"judge_accuracy":0\.[0-9]' "$T/out" && ok || bad "report --json lacks the accuracy"
grep -q "The membership-inference AUC needs the encoder side file" "$T/rep2/index.html" &&
  grep -q "Reconstructions need the encoder side file" "$T/rep2/index.html" && ok ||
  bad "page does not say what is missing, or says it ungrammatically"
[ ! -e "$T/rep2/tsne.png" ] && [ ! -e "$T/rep2/confusion.svg" ] && ok || bad "files that need the side file or SVG"
# the package and the training files are enough: the report goes beside the package
expect 0 "report without -o" -- "$LGC" report "$T/p.lgc" --images "$TI" --labels "$TL" "${H[@]}" \
  "${small[@]}" --no-svg -q
for f in index.html samples.png interp.png recon.png tsne.png bic.png loss.png gauss.png \
  gauss-kl.png gauss-components.png confusion.png privacy.png; do
  [ -s "$T/p-report/$f" ] && ok || bad "the default report lacks $f"
done
expect 2 "report --judge-steps 0" -- "$LGC" report "$T/p.lgc" --images "$TI" --labels "$TL" -o "$T/r3" \
  --judge-steps 0
expect 2 "report unknown option" -- "$LGC" report "$T/p.lgc" --images "$TI" --labels "$TL" -o "$T/r3" --bogus
expect 1 "report into a folder that cannot be made" -- "$LGC" report "$T/p.lgc" --images "$TI" \
  --labels "$TL" -o "$T/no/such/dir" "${H[@]}" "${small[@]}"
finish
