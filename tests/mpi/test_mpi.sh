#!/usr/bin/env bash
# mpirun -np R lgc compress|decompress: the same package (and encoder side
# file) and the same decompressed bytes as one process, for R = 2 and 3 ranks
# (more ranks than cores: --oversubscribe), an autoencoder and a VAE, one and
# two threads per rank (the codes encoded by batches split over the ranks);
# commands that run in one process refuse to run under
# several ranks.
. "$(dirname "$0")/../lib.sh"
if ! "$LGC" --version | grep -q '^mpi: on'; then
  echo "lgc built without MPI: skipping" >&2
  finish
  exit
fi
need_mnist
MPI=(mpirun --quiet --oversubscribe -x SOURCE_DATE_EPOCH)
is_root && MPI+=(--allow-run-as-root)
export SOURCE_DATE_EPOCH=1700000000 # the package's "created" key, the same in every run
cut_mnist "$MNIST/train-images-idx3-ubyte" "$MNIST/train-labels-idx1-ubyte" 2000 "$T/m"
for model in ae vae; do
  for thr in 1 2; do
    c=(compress --images "$T/m-images" --labels "$T/m-labels" --model $model --epochs 2 --threads $thr -q -f)
    expect 0 "$model, one process" -- "$LGC" "${c[@]}" -o "$T/one.lgc"
    for np in 2 3; do
      expect 0 "$model, $thr threads, mpirun -np $np compress" -- "${MPI[@]}" -np $np "$LGC" "${c[@]}" -o "$T/np$np.lgc"
      cmp -s "$T/one.lgc" "$T/np$np.lgc" && ok || bad "$model, $thr threads: -np $np package differs"
      cmp -s "$T/one.enc" "$T/np$np.enc" && ok || bad "$model, $thr threads: -np $np side file differs"
    done
  done
done
# a VAE whose mixtures fit one sampled z per image: the ranks that encode later batches
# skip the noise of the earlier ones, so the codes are the one process's
c=(compress --images "$T/m-images" --labels "$T/m-labels" --model vae --fit-on z --epochs 1 --threads 1 -q -f --no-encoder)
expect 0 "vae fit on z, one process" -- "$LGC" "${c[@]}" -o "$T/z1.lgc"
expect 0 "vae fit on z, -np 3" -- "${MPI[@]}" -np 3 "$LGC" "${c[@]}" -o "$T/z3.lgc"
cmp -s "$T/z1.lgc" "$T/z3.lgc" && ok || bad "vae fit on z: -np 3 package differs"
# a budget (K lowered, mixtures refitted) and a teacher
c=(compress --images "$T/m-images" --labels "$T/m-labels" --epochs 2 --budget 40K --teacher --teacher-steps 50 --threads 1 -q -f)
expect 0 "budget, one process" -- "$LGC" "${c[@]}" -o "$T/b1.lgc"
expect 0 "budget, -np 2" -- "${MPI[@]}" -np 2 "$LGC" "${c[@]}" -o "$T/b2.lgc"
cmp -s "$T/b1.lgc" "$T/b2.lgc" && ok || bad "budget: -np 2 package differs"
expect 0 "decompress, one process" -- "$LGC" decompress "$T/b1.lgc" -n 3000 -o "$T/d1" -q
for np in 2 3; do
  expect 0 "mpirun -np $np decompress" -- "${MPI[@]}" -np $np "$LGC" decompress "$T/b1.lgc" -n 3000 -o "$T/d$np" -q --threads 1
  cmp -s "$T/d1-images.idx" "$T/d$np-images.idx" && cmp -s "$T/d1-labels.idx" "$T/d$np-labels.idx" && ok ||
    bad "-np $np decompressed bytes differ"
done
expect 0 "class order, -np 2" -- "${MPI[@]}" -np 2 "$LGC" decompress "$T/b1.lgc" -n 3000 -o "$T/c2" -q --order class
expect 0 "class order, one process" -- "$LGC" decompress "$T/b1.lgc" -n 3000 -o "$T/c1" -q --order class
cmp -s "$T/c1-images.idx" "$T/c2-images.idx" && ok || bad "-np 2 class order differs"
expect 0 "soft labels, -np 2" -- "${MPI[@]}" -np 2 "$LGC" decompress "$T/b1.lgc" -n 500 -o "$T/s2" -q --soft-labels
expect 0 "soft labels, one process" -- "$LGC" decompress "$T/b1.lgc" -n 500 -o "$T/s1" -q --soft-labels
cmp -s "$T/s1-soft.npy" "$T/s2-soft.npy" && ok || bad "-np 2 soft labels differ"
# checkpoints: one epoch in one process, the second resumed under two ranks (rank 0 writes the
# checkpoint, every rank reads it): the package of an uninterrupted two-epoch run
c=(compress --images "$T/m-images" --labels "$T/m-labels" --threads 1 --no-encoder -q -f)
expect 0 "two epochs, one process" -- "$LGC" "${c[@]}" --epochs 2 -o "$T/e2.lgc"
expect 0 "one epoch, checkpointed" -- "$LGC" "${c[@]}" --epochs 1 -o "$T/e1.lgc" --checkpoint "$T/ck"
expect 0 "resumed under -np 2" -- "${MPI[@]}" -np 2 "$LGC" "${c[@]}" --epochs 2 -o "$T/r2.lgc" --checkpoint "$T/ck" --json
[ "$(jq .resumed_epochs "$T/out")" = 1 ] && ok || bad "did not resume: $(jq .resumed_epochs "$T/out")"
cmp -s "$T/e2.lgc" "$T/r2.lgc" && ok || bad "resumed under -np 2: package differs"
# eval: seeds split over the ranks, the numbers of one process (with groups: the worst group's too)
e=(eval --train-images "$T/m-images" --train-labels "$T/m-labels" --test-images "$T/m-images"
   --test-labels "$T/m-labels" --test-groups "$T/m-labels" --steps 20 --seeds 3 --threads 1 --json -q)
expect 0 "eval, one process" -- "$LGC" "${e[@]}"
jq -S 'del(.seconds)' "$T/out" >"$T/e1.json"
for np in 2 3; do
  expect 0 "eval, -np $np" -- "${MPI[@]}" -np $np "$LGC" "${e[@]}"
  jq -S 'del(.seconds)' "$T/out" >"$T/e$np.json"
  cmp -s "$T/e1.json" "$T/e$np.json" && ok || bad "eval -np $np: $(diff "$T/e1.json" "$T/e$np.json" | head -5)"
done
[ "$(jq '.accuracy | length' "$T/e1.json")" = 3 ] && ok || bad "eval: not three seeds"
expect 2 "info under two ranks" -- "${MPI[@]}" -np 2 "$LGC" info "$T/b1.lgc"
err_has "lgc info: runs in one process"
expect 2 "a usage error under two ranks: rank 0 says it, once" -- "${MPI[@]}" -np 2 "$LGC" decompress "$T/b1.lgc" -n 0 -o "$T/z"
finish
