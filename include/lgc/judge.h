/*
 * judge.h - the classifiers that measure a training set (docs/PROTOCOL.md §4).
 *
 * A judge is trained only on the training set under test for a fixed number
 * of optimiser steps (not epochs), batch 64, Adam (1e-3, 0.9, 0.999, 1e-8),
 * reshuffled at every pass, PyTorch-default initialisation, and is tested on
 * the given test set. Images are uint8 (N, H, W, C) as they come from IDX
 * files; the judge sees x/255.
 */
#ifndef LGC_JUDGE_H
#define LGC_JUDGE_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h"
#include "lgc/progress.h"

#include "lgc/nn.h"
#include "lgc/comm.h"
#include "lgc/status.h"


typedef enum {
    LGC_JUDGE_PAPER_CNN = 0,
    LGC_JUDGE_LENET = 1,
    LGC_JUDGE_CONVNET3 = 2
} lgc_judge_kind;

/* "paper-cnn" / "lenet" / "convnet3" <-> kind; returns -1 for an unknown name. */
int lgc_judge_from_name(const char *name);
const char *lgc_judge_name(lgc_judge_kind k);

/* Default step budget: 10 epochs over 60,000 images at batch 64. */
#define LGC_JUDGE_DEFAULT_STEPS 9380

typedef struct {
    lgc_judge_kind kind;
    size_t steps;     /* optimiser steps */
    size_t batch;     /* 64 */
    float lr;         /* 1e-3 */
    uint64_t seed;    /* initialisation and shuffling */
    uint8_t *test_pred; /* (test n): receives each test image's predicted class; may be NULL */
    /* (n_train_idx) rows of the training set to train on, repeats allowed (e.g.
     * groups upsampled), each < its n; NULL: every row once per pass */
    const uint32_t *train_idx;
    size_t n_train_idx;
    /* (training n) per-image loss weights >= 0, or NULL (all 1); a batch's
     * loss is then sum w_i l_i / sum w_i, as CRUST trains */
    const float *weights;
    /* 1: the augmenting judge: every training image, every time it is drawn,
     * through a fresh random affine transform (lgc/augment.h) */
    int augment;
    /* (training n, n_classes) soft targets, rows summing to 1, or NULL (the
     * labels): the loss is then -sum_k q_k log p_k, e.g. a teacher's
     * probabilities written by lgc decompress --soft-labels */
    const float *soft;
    /* lgc_judge_seeds: the seeds split over the ranks of comm (seed s on rank
     * s mod size), every rank ending with every seed's result, the same
     * numbers as one process; NULL: one process */
    const lgc_comm *comm;
} lgc_judge_opts;

void lgc_judge_opts_default(lgc_judge_opts *o);

typedef struct {
    double accuracy;                                 /* on the test set, in [0,1] */
    double per_class[LGC_MAX_CLASSES];               /* recall per true class */
    uint32_t confusion[LGC_MAX_CLASSES][LGC_MAX_CLASSES]; /* [true][predicted] */
    double final_loss;                               /* mean training loss of the last 100 steps */
    size_t n_params;
} lgc_judge_result;

/* progress (may be NULL) hears stage "judge" every 50 steps: done steps of
 * total, value the batch loss. Sets are lgc_dataset (data.h), labels below
 * n_classes; a view of borrowed buffers is fine, nothing is freed. */

/* Build the judge's net for images of shape (c, h, w) and n_classes outputs. */
lgc_status lgc_judge_build(lgc_net *net, lgc_judge_kind kind, size_t c, size_t h, size_t w,
                           size_t n_classes, size_t max_batch, lgc_err *err);

/* A batch size for forward passes over a whole set (tests use it). */
#define LGC_JUDGE_EVAL_BATCH 250

/* Train a judge exactly as lgc_judge_run does, without testing it. *net
 * receives the trained net, built for batches of up to o->batch (forward
 * passes over larger sets go by max_batch); the caller frees it with
 * lgc_net_free (on failure there is nothing to free). final_loss may be NULL. */
lgc_status lgc_judge_train(const lgc_judge_opts *o, const lgc_dataset *train, size_t n_classes,
                           lgc_net *net, double *final_loss, lgc_progress_fn progress,
                           void *progress_ctx, lgc_err *err);

/* Length of a row of lgc_judge_last_layer_grads for net: K*H + K for a last
 * dense layer of H inputs and K outputs; 0 when the last layer is not dense. */
size_t lgc_judge_last_layer_dim(const lgc_net *net);

/* The gradient of each image's cross-entropy loss with respect to the last
 * dense layer's weights and biases at net (CRUST's gradient embedding):
 * g (n, K*H + K), row i = [(p - e_y) outer h (K, H) row-major, p - e_y (K)],
 * with h (H) the input of that layer (paper-cnn: the 16 ReLU outputs),
 * p = softmax(logits) and e_y the one-hot label. Weights are ignored. */
lgc_status lgc_judge_last_layer_grads(lgc_net *net, const lgc_dataset *set, size_t n_classes,
                                      float *g, lgc_err *err);

lgc_status lgc_judge_run(const lgc_judge_opts *o, const lgc_dataset *train,
                         const lgc_dataset *test, size_t n_classes, lgc_judge_result *res,
                         lgc_progress_fn progress, void *progress_ctx, lgc_err *err);

#endif
