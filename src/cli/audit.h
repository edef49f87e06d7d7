/*
 * audit.h - what `lgc privacy` and `lgc report` both load: a package opened
 * for generation, its encoder side file if there is one, the training set it
 * was made from and a holdout set.
 */
#ifndef LGC_CLI_AUDIT_H
#define LGC_CLI_AUDIT_H

#include "lgc/codec.h"
#include "lgc/data.h"
#include "lgc/pkg.h"
#include "opts.h"

typedef struct {
    const char *package;
    const char *encoder;   /* NULL: IN.enc beside IN.lgc if it exists */
    int no_encoder;        /* --no-encoder */
    const char *images, *labels, *test_images, *test_labels;
    const char *data_dir;  /* --data-dir: where the holdout set is found by default */
} audit_paths;

typedef struct {
    lgc_pkg *pkg;
    lgc_codec codec;
    lgc_pkg *side_pkg;
    lgc_side side;
    int has_side;
    char encoder_path[4096]; /* the side file used, "" if none */
    char test_images[4096], test_labels[4096]; /* the holdout files used */
    lgc_dataset train, test;
} audit_inputs;

/* Load everything; on failure prints the error line and returns the exit
 * code (in is then freed). */
int audit_load(const char *cmd, const audit_paths *paths, audit_inputs *in);
void audit_free(audit_inputs *in);

/* The option rows both commands share. */
#define AUDIT_ROWS(pp)                                                                          \
    {.name = "--images", .kind = OPT_FILE, .meta = "F", .dest = &(pp)->images,                  \
     .flags = OPT_REQUIRED, .help = "the training images the package was made from"},           \
    {.name = "--labels", .kind = OPT_FILE, .meta = "F", .dest = &(pp)->labels,                  \
     .flags = OPT_REQUIRED, .help = "their labels"},                                            \
    {.name = "--test-images", .kind = OPT_FILE, .meta = "F", .dest = &(pp)->test_images,        \
     .def = "t10k-images-idx3-ubyte in the data folder", .help = "holdout images"},             \
    {.name = "--test-labels", .kind = OPT_FILE, .meta = "F", .dest = &(pp)->test_labels,        \
     .def = "t10k-labels-idx1-ubyte in the data folder", .help = "holdout labels"},             \
    CLI_ROW_DATA_DIR(&(pp)->data_dir),                                                          \
    {.name = "--encoder", .kind = OPT_FILE, .meta = "F", .dest = &(pp)->encoder,                \
     .def = "IN.enc beside IN.lgc, when there is one",                                          \
     .help = "the encoder side file (lgc compress writes it beside the package)"},              \
    {.name = "--no-encoder", .kind = OPT_FLAG, .dest = &(pp)->no_encoder,                       \
     .help = "do without it: no codes of real images, no membership AUC"}

#endif
