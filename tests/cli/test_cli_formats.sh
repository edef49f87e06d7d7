#!/usr/bin/env bash
# The datasets people have: folders of class folders of PNG files (written by
# `decompress --format png-folder` and read back by compress and eval), NPY in
# (N, C, H, W) and labels of other integer types, classes inferred, and the
# one-line errors for folders that cannot be a set.
. "$(dirname "$0")/../lib.sh"
export SOURCE_DATE_EPOCH=0

tiny_set "$T/s" 60
run=(--epochs 2 --kmax 1 --latent 2 --hidden 4 --batch 16 -q --no-encoder)

# classes inferred from the labels (no --classes)
expect 0 "compress, classes inferred" -- "$LGC" compress --images "$T/s-images.idx" --labels "$T/s-labels.idx" -o "$T/p.lgc" "${run[@]}" --json
grep -q '"n_classes":2,' "$T/out" && ok || bad "inferred classes: $(cat "$T/out")"

# decompress --format png-folder: PREFIX/CLASS/INDEX.png, labels null in --json
expect 0 "png-folder" -- "$LGC" decompress "$T/p.lgc" -n 50 --format png-folder -o "$T/pf" --json -q
[ "$(ls "$T/pf")" = "$(printf '0\n1')" ] && ok || bad "class folders: $(ls "$T/pf")"
[ "$(find "$T/pf" -name '*.png' | wc -l)" -eq 50 ] && ok || bad "not 50 PNG files"
ls "$T/pf/0" | head -1 | grep -qE '^[0-9]{2}\.png$' && ok || bad "file names: $(ls "$T/pf/0" | head -1)"
grep -q '"format":"png-folder"' "$T/out" && grep -q '"labels":null' "$T/out" &&
  grep -q "\"outputs\":\[\"$T/pf\"\]" "$T/out" && ok || bad "--json: $(cat "$T/out")"
[ -z "$(ls -d "$T"/pf.* 2>/dev/null)" ] && ok || bad "temporary folder left: $(ls -d "$T"/pf.*)"
expect 1 "png-folder exists" -- "$LGC" decompress "$T/p.lgc" -n 50 --format png-folder -o "$T/pf"
err_has "already exists"
expect 0 "png-folder -f" -- "$LGC" decompress "$T/p.lgc" -n 50 --format png-folder -o "$T/pf" -f -q
mkdir -p "$T/mine/notes" && echo x >"$T/mine/notes/todo.txt"
expect 1 "png-folder -f over a foreign folder" -- "$LGC" decompress "$T/p.lgc" -n 50 --format png-folder -o "$T/mine" -f
err_has "replaces only a folder it wrote"
[ -f "$T/mine/notes/todo.txt" ] && ok || bad "a foreign folder was touched"

# the folder reads back as the same set: a package from it equals one from
# the same images as IDX files, sorted by class as the folder lists them
expect 0 "decompress idx, class order" -- "$LGC" decompress "$T/p.lgc" -n 50 --order class -o "$T/r" -q
expect 0 "png-folder, class order" -- "$LGC" decompress "$T/p.lgc" -n 50 --order class --format png-folder -o "$T/rf" -q
expect 0 "compress from idx" -- "$LGC" compress --images "$T/r-images.idx" --labels "$T/r-labels.idx" -o "$T/a.lgc" "${run[@]}"
expect 0 "compress from the folder" -- "$LGC" compress --images "$T/rf" -o "$T/b.lgc" "${run[@]}"
cmp -s "$T/a.lgc" "$T/b.lgc" && ok || bad "the PNG folder does not read back as the IDX files"
expect 1 "folder with --labels" -- "$LGC" compress --images "$T/rf" --labels "$T/r-labels.idx" -o "$T/c.lgc" "${run[@]}"
err_has "takes no labels file"
expect 2 "file without --labels" -- "$LGC" compress --images "$T/r-images.idx" -o "$T/c.lgc" "${run[@]}"
err_has "--labels is required"

# NPY (N, C, H, W) with C = 1 and int16 labels: the same package as the IDX set
npy_header() { # npy_header DESCR SHAPE: a v1.0 header padded to 64 bytes
  local d="{'descr': '$1', 'fortran_order': False, 'shape': ($2), }" len
  len=$((64 - 10))
  while [ $((${#d} + 1)) -gt $len ]; do len=$((len + 64)); done
  printf '\223NUMPY\1\0'
  printf "\\$(printf %03o $((len & 255)))\\$(printf %03o $((len >> 8)))"
  printf '%-*s\n' $((len - 1)) "$d"
}
{ npy_header '|u1' '50, 1, 6, 6'; tail -c +17 "$T/r-images.idx"; } >"$T/nchw.npy"
{ npy_header '<i2' '50,'; tail -c +9 "$T/r-labels.idx" | od -An -v -tu1 |
  tr -s ' ' '\n' | grep . | while read -r v; do printf "\\$(printf %03o "$v")\\0"; done; } >"$T/lab16.npy"
expect 0 "compress NCHW NPY, int16 labels" -- "$LGC" compress --images "$T/nchw.npy" --labels "$T/lab16.npy" -o "$T/n.lgc" "${run[@]}"
cmp -s "$T/a.lgc" "$T/n.lgc" && ok || bad "NCHW NPY does not read as the IDX images"
expect 1 "--layout nhwc on NCHW" -- "$LGC" compress --images "$T/nchw.npy" --labels "$T/lab16.npy" --layout nhwc -o "$T/n2.lgc" "${run[@]}"
err_has "is not (N, H, W, C) with C 1 or 3 (--layout nhwc)"
{ npy_header '|u1' '2, 3, 4, 3'; head -c 72 /dev/zero; } >"$T/both.npy"
{ npy_header '|u1' '2,'; printf '\0\1'; } >"$T/lab2.npy"
expect 1 "ambiguous layout" -- "$LGC" compress --images "$T/both.npy" --labels "$T/lab2.npy" -o "$T/n3.lgc" "${run[@]}"
err_has "say which with --layout nhwc or --layout nchw"
{ npy_header '<i2' '50,'; printf '\054\001'; head -c 98 /dev/zero; } >"$T/lab300.npy"
expect 1 "label 300" -- "$LGC" compress --images "$T/nchw.npy" --labels "$T/lab300.npy" -o "$T/n4.lgc" "${run[@]}"
err_has "label at index 0 is 300, outside 0..255 (lgc handles at most 256 classes)"

# folders that cannot be a set: one line naming the file or folder
mkdir -p "$T/bad/a" "$T/bad/b"
cp "$T/rf/0/"*.png "$T/bad/a/"
expect 1 "class folder with no images" -- "$LGC" compress --images "$T/bad" -o "$T/x.lgc" "${run[@]}"
err_has "$T/bad/b: a class folder with no images"
cp "$T/rf/1/"*.png "$T/bad/b/"
printf 'not a png' >"$T/bad/b/zz.png"
expect 1 "unreadable image" -- "$LGC" compress --images "$T/bad" -o "$T/x.lgc" "${run[@]}"
err_has "$T/bad/b/zz.png: neither a PNG nor a JPEG image"
printf '\211PNG\r\n\032\nbroken' >"$T/bad/b/zz.png"
expect 1 "broken PNG" -- "$LGC" compress --images "$T/bad" -o "$T/x.lgc" "${run[@]}"
err_has "zz.png: not a readable PNG image"
rm "$T/bad/b/zz.png"
cut_mnist "$MNIST/t10k-images-idx3-ubyte" "$MNIST/t10k-labels-idx1-ubyte" 100 "$T/m"
expect 0 "a 28x28 package" -- "$LGC" compress --images "$T/m-images" --labels "$T/m-labels" -o "$T/m.lgc" "${run[@]}"
expect 0 "28x28 PNGs" -- "$LGC" decompress "$T/m.lgc" -n 2 --format png-folder -o "$T/m28" -q
cp "$(find "$T/m28" -name '*.png' | head -1)" "$T/bad/b/zz28.png"
expect 1 "mixed sizes" -- "$LGC" compress --images "$T/bad" -o "$T/x.lgc" "${run[@]}"
err_has "zz28.png: 28x28 pixels, but"
err_has "every image of a set must have one size"
rm "$T/bad/b/zz28.png"
mkdir "$T/many"
one=$(find "$T/rf" -name '*.png' | head -1)
for i in $(seq 1 257); do mkdir "$T/many/c$i" && cp "$one" "$T/many/c$i/"; done
expect 1 "257 classes" -- "$LGC" compress --images "$T/many" -o "$T/x.lgc" "${run[@]}"
err_has "257 class folders; lgc handles at most 256 classes"
mkdir "$T/empty"
expect 1 "no class folders" -- "$LGC" compress --images "$T/empty" -o "$T/x.lgc" "${run[@]}"
err_has "no class folders"
[ ! -e "$T/x.lgc" ] && ok || bad "a package was written for a bad set"

# eval on folders: the training and the test set as class folders, classes inferred
expect 0 "28x28 training folder" -- "$LGC" decompress "$T/m.lgc" -n 200 --format png-folder -o "$T/mtr" -q
expect 0 "28x28 test folder" -- "$LGC" decompress "$T/m.lgc" -n 100 --seed 2 --format png-folder -o "$T/mte" -q
expect 0 "eval on folders" -- "$LGC" eval --train-images "$T/mtr" --test-images "$T/mte" --steps 20 --seeds 1 --json -q
grep -q '"n_classes":10,' "$T/out" && grep -q '"test_labels":null' "$T/out" && ok || bad "eval --json: $(cat "$T/out")"
expect 2 "eval file without labels" -- "$LGC" eval --train-images "$T/r-images.idx" --test-images "$T/mte"
err_has "--train-labels is required"

finish
