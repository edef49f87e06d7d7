/*
 * groups.h - groups of a labelled set (for SpuCo MNIST: label x 10 + background
 * colour): accuracy per group, the worst group, and training with every group
 * upsampled to the size of the largest.
 *
 * A group id is a uint8, one per image, given alongside the images and labels
 * (the groups files of `lgc spuco`). Worst-group accuracy is the lowest accuracy
 * over the groups that have at least one image; it is the measure of a
 * classifier that leans on a spurious feature, which average accuracy hides
 * when the minority groups are small.
 */
#ifndef LGC_GROUPS_H
#define LGC_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "lgc/data.h" /* LGC_MAX_GROUPS */

#include "lgc/status.h"


typedef struct {
    size_t n[LGC_MAX_GROUPS];       /* images per group */
    size_t correct[LGC_MAX_GROUPS]; /* of them predicted right */
    size_t n_groups;                /* groups with at least one image */
    double worst;                   /* lowest accuracy among them, in [0, 1]; 0 if none */
    int worst_group;                /* its id (the lowest id on a tie); -1 if none */
} lgc_group_acc;

/* Per-group accuracy of predictions pred against labels y, images grouped by groups (all n). */
void lgc_group_accuracy(const uint8_t *pred, const uint8_t *y, const uint8_t *groups, size_t n,
                        lgc_group_acc *out);

/*
 * Upsampling, as SpuCo's UpSampleERM (which the study's notebook used): every
 * group's images in a random order, repeated whole until the group reaches the
 * size of the largest group, then cut there. So every group contributes the
 * same number of rows; a group of m images against a largest of M has each
 * image floor(M / m) or ceil(M / m) times. *idx (the caller frees it) receives
 * *n_idx = (groups present) x M row numbers, group after group in id order;
 * a judge reshuffles them every pass.
 */
lgc_status lgc_groups_upsample(const uint8_t *groups, size_t n, uint64_t seed, uint32_t **idx,
                               size_t *n_idx, lgc_err *err);

#endif
