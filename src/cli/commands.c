/* commands.c - every subcommand's name, synopsis and description: the
 * registry main.c dispatches by, and what --help, the man pages and the bash
 * completion print (src/cli/opts.h). The options live beside each command. */
#include "cli.h"

const cli_command cli_cmd_compress = {
    "compress", "train the autoencoder, fit per-class mixtures, write a package",
    "--images F --labels F -o OUT.lgc [options]",
    "Train an autoencoder on the images, fit one Gaussian mixture per class to the latent "
    "codes (full covariances, K by BIC), and write the decoder, the mixtures and the class "
    "priors into one package.\n\n"
    "Beside the package goes the encoder side file OUT.enc (the encoder, the BIC curves and "
    "the loss per epoch), which lgc report and lgc privacy read. It is never part of the "
    "package and never needed to decompress; --no-encoder skips it.",
    NULL, 0, 0,
    "Models (docs/MODELS.md): ae, dense, ReLU code (the study's vanilla AE); vae, "
    "dense VAE, 3 hidden layers each side; cvae, vae with the class one-hot joining "
    "encoder and decoder inputs; ae-supcon, ae + 0.1 x supervised contrastive loss; "
    "vae-supcon, vae + 20 x supervised contrastive loss; conv-ae, conv-vae, "
    "conv-cvae, convolutional encoder and decoder (image sides divisible by 4)."};

const cli_command cli_cmd_decompress = {
    "decompress", "regenerate a labelled training set from a package",
    "IN.lgc -o PREFIX [options]",
    "Sample each class's mixture (or each group's, for a package made with --groups; "
    "counts from the stored priors, summing to N), decode, and write PREFIX-images.EXT and "
    "PREFIX-labels.EXT (uint8), block by block so that memory does not grow with N.\n\n"
    "The images come in a seeded random order, so that any slice of the output (the first "
    "1,000, say) holds every class in proportion; --order class writes the classes one "
    "after another instead (different draws, not the same images sorted).",
    "a package", 1, 1,
    NULL};

const cli_command cli_cmd_info = {
    "info", "describe a package",
    "IN.lgc [options]",
    "Check a package fully (structure and meaning) and describe it: bytes per "
    "section, model, sizes, per-class K, and how and when it was made.",
    "a package", 1, 1,
    NULL};

const cli_command cli_cmd_grid = {
    "grid", "a PNG of regenerated samples, one row per class",
    "IN.lgc -o FILE.png [options]\n"
    "       lgc grid --images F --labels F [--groups F] -o FILE.png [options]",
    "Regenerate a few samples of every class and tile them into one PNG, one row per "
    "class; or tile real images: row c shows the first images of class c in the file (with "
    "--groups and --balance groups: the first image of each of the class's groups in turn), "
    "cells of a class with too few images left grey.",
    "a package", 0, 1,
    NULL};

const cli_command cli_cmd_eval = {
    "eval", "train a judge on a training set and test it",
    "--train-images F --train-labels F [options]",
    "Train a judge only on the given training set (IDX or NPY, uint8 or float in [0,1]) for "
    "a fixed number of steps, test it on the real test set, and report accuracy mean +- sd "
    "over seeds, per-class accuracy and the confusion matrix.\n\n"
    "The test set defaults to MNIST's t10k files in the data folder.",
    NULL, 0, 0,
    NULL};

const cli_command cli_cmd_subset = {
    "subset", "a random or CRUST subset of real images at a byte budget",
    "--method random|crust --budget BYTES --images F --labels F -o PREFIX [options]",
    "The baselines at equal bytes (docs/PROTOCOL.md §5): the largest class-stratified subset "
    "of the real training set whose images and labels IDX files, each under xz -9e, fit in "
    "BYTES. random: a seeded random sample of each class; crust: the same per-class counts, "
    "chosen by k-medoids on the last-layer loss gradients of a paper-cnn trained for one "
    "epoch, each medoid weighted by its cluster's size.\n\n"
    "Writes PREFIX-images.idx, PREFIX-labels.idx and, for crust, PREFIX-weights.npy "
    "(float32 (k,), for lgc eval --weights).",
    NULL, 0, 0,
    NULL};

const cli_command cli_cmd_lossless = {
    "lossless", "sizes of files under gzip -9, xz -9e and zstd -19",
    "FILE... [--json]",
    "Compress each file separately with gzip -9, xz -9e and zstd -19 (through "
    "zlib, liblzma and libzstd) and report the sizes and their sums "
    "(docs/PROTOCOL.md §2).",
    "at least one file", 1, (size_t)1 << 20,
    NULL};

const cli_command cli_cmd_privacy = {
    "privacy", "does a package give back its training records?",
    "IN.lgc --images F --labels F [options]",
    "Privacy audit of a package (docs/PROTOCOL.md §6). N decompressed images, N training "
    "images drawn at random and N holdout images: for each decompressed image its nearest "
    "training and nearest holdout image (L2 on pixels in [0,1], exact). Reports the share "
    "closer to training (0.5: nothing memorised), both median distances, the fraction of "
    "near copies (closer to a training image than 99% of holdout images are), and, with "
    "the encoder side file, the membership-inference AUC of the package's own likelihoods "
    "(0.5: no leak).",
    "a package", 1, 1,
    NULL};

const cli_command cli_cmd_report = {
    "report", "pictures and an HTML page about a package",
    "IN.lgc --images F --labels F [-o DIR] [options]",
    "Draw what a package holds and what it regenerates, into DIR (made if missing): sample "
    "grids, a latent interpolation, a judge's confusion matrix and the privacy audit; with "
    "the encoder side file (lgc compress writes IN.enc beside IN.lgc) also BIC curves, the "
    "training loss, reconstructions, a t-SNE map of codes and the Gaussianity check. "
    "DIR/index.html ties them together and opens offline.",
    "a package", 1, 1,
    NULL};

const cli_command cli_cmd_spuco = {
    "spuco", "make SpuCo MNIST: coloured backgrounds that predict the label",
    "-o PREFIX [options]",
    "Make SpuCo MNIST (docs/PROTOCOL.md §1): MNIST in RGB, every pixel that is exactly 0 "
    "painted in a background colour (tab10 colour c). In the training split floor(p n) of "
    "each class's n images get the class's own colour and the rest the other nine in turn; "
    "int(f N) training labels are replaced by a random other class. In the test split the "
    "colours are balanced within each class.\n\n"
    "Writes PREFIX-{train,test}-{images,labels,groups}.idx: images uint8 N x 28 x 28 x 3, "
    "labels, and groups = label x 10 + colour (100 groups; a noisy image's group follows its "
    "noisy label). All six appear together or none does. The four MNIST files default to "
    "those of the data folder.",
    NULL, 0, 0,
    NULL};
