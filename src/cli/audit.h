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

#define DEFAULT_TEST_IMAGES "data/mnist/t10k-images-idx3-ubyte"
#define DEFAULT_TEST_LABELS "data/mnist/t10k-labels-idx1-ubyte"

typedef struct {
    const char *package;
    const char *encoder;   /* NULL: IN.enc beside IN.lgc if it exists */
    int no_encoder;        /* --no-encoder */
    const char *images, *labels, *test_images, *test_labels;
} audit_paths;

typedef struct {
    lgc_pkg *pkg;
    lgc_codec codec;
    lgc_pkg *side_pkg;
    lgc_side side;
    int has_side;
    char encoder_path[4096]; /* the side file used, "" if none */
    lgc_dataset train, test;
} audit_inputs;

/* Load everything; on failure prints the error line and returns the exit
 * code (in is then freed). */
int audit_load(const char *cmd, const audit_paths *paths, audit_inputs *in);
void audit_free(audit_inputs *in);

/* The usage lines both commands share. */
#define AUDIT_USAGE_INPUTS                                                                     \
    "  --images F          the training images the package was made from\n"                   \
    "  --labels F          their labels\n"                                                     \
    "  --test-images F     holdout images [" DEFAULT_TEST_IMAGES "]\n"                         \
    "  --test-labels F     holdout labels [" DEFAULT_TEST_LABELS "]\n"                         \
    "  --encoder F         encoder side file (lgc compress --save-encoder) [IN.enc beside\n"   \
    "                      IN.lgc, when there is one]\n"                                       \
    "  --no-encoder        do without it: no codes of real images, no membership AUC\n"

#endif
