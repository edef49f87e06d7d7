/*
 * report.h - a package's report: pictures plus one HTML page (`lgc report`).
 *
 * lgc_report_write draws every picture it can into a folder and ties them
 * together in index.html with the package's description (as `lgc info`), a
 * judge trained on a decompressed set, and the privacy audit (privacy.h).
 * The page opens offline: no scripts, no fonts or styles from the network,
 * pictures referenced by relative names. Every file is written atomically.
 *
 * What needs what. The package alone gives: sample grids (real images from
 * the training set beside decompressed ones), a latent interpolation strip,
 * the judge and the distance-to-closest-record audit. The encoder side file
 * (codec.h) adds what needs codes of real images or the compressor's
 * history: BIC curves, the training loss per epoch, reconstructions, a t-SNE
 * map of real codes, the Gaussianity check and the membership-inference
 * AUC. Without it those sections say what is missing and why.
 *
 * Gaussianity check (the study's, authors-code.md §9, with its caveat
 * fixed): the codes of a class's training images are assigned each to the
 * component of highest responsibility under the package's mixture, and the
 * squared Mahalanobis distance to that component is measured. If a
 * component were Gaussian, its points' distances would follow chi^2(d), d
 * the latent size. As the study, distances whose z-score exceeds 4 are
 * dropped, a 100-bin histogram (density) is compared with the chi^2 density
 * at the bin centres, both clipped at 1e-16 and normalised to sum 1, and
 * KL(histogram || chi^2) is reported (the study called a component
 * Gaussian when KL <= 1). The study measured every class latent against
 * every component, so for K > 1 a fit was never expected; here each point
 * counts only for its own component.
 */
#ifndef LGC_REPORT_H
#define LGC_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/codec.h"
#include "lgc/data.h"
#include "lgc/gmm.h"
#include "lgc/judge.h"
#include "lgc/pkg.h"
#include "lgc/privacy.h"
#include "lgc/status.h"

/* ---- Gaussianity --------------------------------------------------------- */

/* chi^2 density with dof degrees of freedom at x (0 for x < 0). */
double lgc_chi2_pdf(double x, double dof);

/* The study's KL(histogram of d2 || chi^2(dof)) (see above) with `bins`
 * bins; d2 (n) is not modified. NaN when fewer than 2 values are left or
 * out of memory. */
double lgc_chi2_kl(const double *d2, size_t n, double dof, size_t bins);

/* ---- the report ---------------------------------------------------------- */

typedef struct {
    const char *dir;          /* output folder; must exist */
    const char *package_path; /* named in the page */
    const char *encoder_path; /* named in the page; NULL without a side file */
    const char *train_path, *test_path; /* named in the page */
    const char *command;      /* the command line, shown in the page (may be NULL) */
    uint64_t seed;            /* decompression, draws, t-SNE, judge [1] */
    size_t judge_steps;       /* [2000] */
    size_t tsne_n;            /* points in the t-SNE map [5000] */
    size_t privacy_n;         /* images of each kind in the audit [10000] */
    int svg;                  /* also write SVG of every plot [1] */
    int overwrite;            /* replace existing files [0] */
} lgc_report_opts;

void lgc_report_opts_default(lgc_report_opts *o);

#define LGC_REPORT_MAX_FILES 32
/* Most classes a report draws (one panel, row or colour per class); a package
 * with more is refused (LGC_ERR_ARG). */
#define LGC_REPORT_MAX_CLASSES 16

typedef struct {
    lgc_judge_result judge;
    size_t judge_train_n;
    lgc_privacy_result privacy;
    double tsne_agreement;   /* 10-NN label agreement in the map; NaN without side file */
    double tsne_kl;
    double gauss_kl_class[LGC_REPORT_MAX_CLASSES];           /* pooled over the class's components */
    double gauss_kl[LGC_REPORT_MAX_CLASSES][LGC_CODEC_KMAX]; /* NaN where no component or no side */
    size_t n_files;
    char files[LGC_REPORT_MAX_FILES][64]; /* names written in dir, index.html last */
} lgc_report_result;

/* p and c: the package and its opened codec; side may be NULL; train is the
 * training set the package was made from, test a holdout set (same image
 * shape, labels below c->n_classes). */
lgc_status lgc_report_write(const lgc_pkg *p, lgc_codec *c, lgc_side *side,
                            const lgc_dataset *train, const lgc_dataset *test,
                            const lgc_report_opts *o, lgc_report_result *res,
                            lgc_progress_fn progress, void *ctx, lgc_err *err);

#endif
