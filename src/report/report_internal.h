/*
 * report_internal.h - what the files of lgc report share (not public):
 *   report_common.c  the state of one report, files, figures, histograms
 *   figures.c        each picture, from the package (and the side file)
 *   page.c           index.html
 *   report.c         lgc_report_write: the analysis, stage by stage
 */
#ifndef LGC_REPORT_INTERNAL_H
#define LGC_REPORT_INTERNAL_H

#include "lgc/plot.h"
#include "lgc/report.h"

#define INTERP_STEPS 12
#define SAMPLES_PER_CLASS 10
#define RECON_PER_CLASS 2
#define PLOT_BINS 30
#define KL_BINS 100
#define STREAM_INTERP 0x494e5450ULL /* "INTP" */
#define STREAM_TSNE 0x54534e50ULL   /* "TSNP": which images the map shows */
/* The state of one report. */
typedef struct {
    const lgc_report_opts *o;
    lgc_report_result *res;
    lgc_codec *c;
    lgc_side *side;
    const lgc_dataset *train, *test;
    size_t img;           /* values per image */
    char path[4096];      /* scratch for file names */
    char path2[4096];
    lgc_progress_fn progress; /* at the start of each stage: its description */
    void *ctx;
} rep_ctx;


/* report_common.c */
void rep_stage(rep_ctx *r, const char *what);
const char *rep_in_dir(rep_ctx *r, char *buf, const char *name);
void rep_note_file(rep_ctx *r, const char *name);
/* stem.png (and stem.svg) of a figure or heat map; name of an image sheet */
lgc_status rep_put_figure(rep_ctx *r, const char *stem, const lgc_figure *f, lgc_err *err);
lgc_status rep_put_heatmap(rep_ctx *r, const char *stem, const lgc_heatmap *h, lgc_err *err);
lgc_status rep_put_sheet(rep_ctx *r, const char *name, const lgc_image_sheet *s, lgc_err *err);
const char *rep_class_label(size_t c);
void rep_class_grid(size_t n_classes, size_t *rows, size_t *cols);
void rep_histogram(const double *x, size_t n, const double *edges, size_t bins, double *h);
void rep_even_edges(double lo, double hi, size_t bins, double *edges);

/* figures.c: each writes its picture(s) and notes the files */
lgc_status rep_pic_samples(rep_ctx *r, const uint8_t *dx, const uint8_t *dy, size_t N,
                           lgc_err *err);
lgc_status rep_pic_interp(rep_ctx *r, lgc_err *err);
lgc_status rep_pic_confusion(rep_ctx *r, lgc_err *err);
lgc_status rep_pic_privacy(rep_ctx *r, const lgc_privacy_audit_out *a, lgc_err *err);
lgc_status rep_pic_bic(rep_ctx *r, lgc_err *err);
lgc_status rep_pic_loss(rep_ctx *r, const char *loss_name, lgc_err *err);
lgc_status rep_pic_recon(rep_ctx *r, lgc_err *err);
lgc_status rep_pic_tsne(rep_ctx *r, const float *zall, lgc_err *err);
lgc_status rep_pic_gauss(rep_ctx *r, const float *zall, lgc_err *err);

/* page.c */
lgc_status rep_write_page(rep_ctx *r, const lgc_pkg *p, const lgc_privacy_audit_out *aud,
                          const char *train_loss, lgc_err *err);

#endif
