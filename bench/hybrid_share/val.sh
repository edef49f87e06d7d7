set -e
cd /work/main
H=out/hybrid
V=(--test-images $H/val-images.idx --test-labels $H/val-labels.idx)
[ -s $H/vgen.lgc ] || build/lgc compress --images $H/fit-images.idx --labels $H/fit-labels.idx --budget 78400 --epochs 20 --seed 1 --threads 2 -o $H/vgen.lgc -f --no-encoder -q
build/lgc decompress $H/vgen.lgc -n 60000 -o $H/vgen -f -q
build/lgc subset --method random --budget 185705 --images $H/fit-images.idx --labels $H/fit-labels.idx -o $H/vrand -f -q
ev() { build/lgc eval --train-images $1-images.idx --train-labels $1-labels.idx "${V[@]}" --judge paper-cnn --seeds 2 --steps 9380 --threads 2 "${@:2}" --json -q | jq -c '{mean:.accuracy_mean,sd:.accuracy_sd}'; }
for s in $SHARES; do
  /usr/bin/python3 $H/mix.py $H/vgen $H/vrand $s $H/vmix-$s
  echo "val share $s plain $(ev $H/vmix-$s)"
  echo "val share $s aug $(ev $H/vmix-$s --augment)"
done
