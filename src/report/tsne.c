/* tsne.c - t-SNE with exact or Barnes-Hut gradients (see include/lgc/tsne.h). */
#include "lgc/tsne.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lgc/knn.h"
#include "lgc/rng.h"

#define TSNE_STREAM 0x54534e45ULL /* "TSNE" */
#define BETA_STEPS 100            /* bisection steps per row */
#define ENTROPY_TOL 1e-5
#define MIN_GAIN 0.01
#define TREE_MAX_DEPTH 48 /* deeper cells would be below double resolution of the map */

void lgc_tsne_opts_default(lgc_tsne_opts *o)
{
    o->perplexity = 30.0;
    o->n_iter = 1000;
    o->theta = 0.5;
    o->learning_rate = 0.0;
    o->exaggeration = 12.0;
    o->exaggeration_iter = 250;
    o->seed = 42;
}

/* ---- input similarities -------------------------------------------------- */

/* Row i's conditional probabilities p (K) from squared distances d2 (K,
 * ascending): bisection on beta until the entropy is log(perplexity). */
static void row_probs(const double *d2, size_t K, double log_perp, double *p)
{
    double beta = 1.0, lo = 0.0, hi = INFINITY;
    for (int step = 0; step < BETA_STEPS; step++) {
        double sum = 0.0, dot = 0.0;
        /* shifted by the nearest distance: the same probabilities, no underflow */
        for (size_t j = 0; j < K; j++) {
            p[j] = exp(-beta * (d2[j] - d2[0]));
            sum += p[j];
            dot += p[j] * (d2[j] - d2[0]);
        }
        double H = log(sum) + beta * dot / sum; /* entropy in nats */
        for (size_t j = 0; j < K; j++)
            p[j] /= sum;
        if (fabs(H - log_perp) < ENTROPY_TOL)
            break;
        if (H > log_perp) { /* too flat: sharpen */
            lo = beta;
            beta = isinf(hi) ? beta * 2.0 : 0.5 * (beta + hi);
        } else {
            hi = beta;
            beta = 0.5 * (beta + lo);
        }
    }
}

typedef struct {
    uint32_t i, j;
    double v;
} coo;

static int coo_cmp(const void *a, const void *b)
{
    const coo *x = a, *y = b;
    if (x->i != y->i)
        return x->i < y->i ? -1 : 1;
    return x->j < y->j ? -1 : x->j > y->j;
}

/* Symmetric P as CSR from the kNN rows: *row_ptr (n + 1), *col, *val. */
static lgc_status input_similarities(const float *X, size_t n, size_t d, size_t K,
                                     double perplexity, size_t **row_ptr, uint32_t **col,
                                     double **val, lgc_err *err)
{
    *row_ptr = NULL, *col = NULL, *val = NULL;
    uint32_t *idx = malloc(n * K * sizeof *idx);  /* (n, K) neighbours */
    double *d2 = malloc(n * K * sizeof *d2);      /* (n, K) their squared distances */
    double *pc = malloc(n * K * sizeof *pc);      /* (n, K) conditional probabilities */
    coo *e = malloc(2 * n * K * sizeof *e);       /* both halves of P_cond + P_cond^T */
    size_t *rp = calloc(n + 1, sizeof *rp);
    uint32_t *cl = NULL;
    double *vl = NULL;
    lgc_status st = LGC_OK;
    if (!idx || !d2 || !pc || !e || !rp) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "t-SNE: out of memory for %zu points", n);
        goto fail;
    }
    if ((st = lgc_knn_f32(X, n, d, K, idx, d2, err)))
        goto fail;
    double log_perp = log(perplexity);
    for (size_t i = 0; i < n; i++)
        row_probs(d2 + i * K, K, log_perp, pc + i * K);
    size_t ne = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t t = 0; t < K; t++) {
            e[ne++] = (coo){(uint32_t)i, idx[i * K + t], pc[i * K + t]};
            e[ne++] = (coo){idx[i * K + t], (uint32_t)i, pc[i * K + t]};
        }
    qsort(e, ne, sizeof *e, coo_cmp);
    size_t nnz = 0; /* merge duplicates in place */
    for (size_t t = 0; t < ne; t++) {
        if (nnz && e[nnz - 1].i == e[t].i && e[nnz - 1].j == e[t].j)
            e[nnz - 1].v += e[t].v;
        else
            e[nnz++] = e[t];
    }
    cl = malloc(nnz * sizeof *cl);
    vl = malloc(nnz * sizeof *vl);
    if (!cl || !vl) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "t-SNE: out of memory for %zu points", n);
        goto fail;
    }
    double norm = 1.0 / (2.0 * (double)n);
    for (size_t t = 0; t < nnz; t++) {
        rp[e[t].i + 1]++;
        cl[t] = e[t].j;
        vl[t] = e[t].v * norm;
    }
    for (size_t i = 0; i < n; i++)
        rp[i + 1] += rp[i];
    *row_ptr = rp, *col = cl, *val = vl;
    rp = NULL, cl = NULL, vl = NULL;
fail:
    free(idx), free(d2), free(pc), free(e), free(rp), free(cl), free(vl);
    return st;
}

/* ---- quadtree ------------------------------------------------------------ */

typedef struct {
    double cx, cy, hw; /* cell centre and half-width */
    double sx, sy;     /* sum of the positions of its points */
    size_t count;
    int64_t child;     /* index of the first of 4 children, -1 for a leaf */
    int64_t point;     /* the point of a leaf holding exactly one, else -1 */
} qnode;

typedef struct {
    qnode *nodes;
    size_t n, cap;
} qtree;

static int64_t qtree_new_node(qtree *t, double cx, double cy, double hw)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        qnode *nn = realloc(t->nodes, cap * sizeof *nn);
        if (!nn)
            return -1;
        t->nodes = nn, t->cap = cap;
    }
    t->nodes[t->n] = (qnode){cx, cy, hw, 0.0, 0.0, 0, -1, -1};
    return (int64_t)t->n++;
}

static int quadrant(const qnode *q, double x, double y)
{
    return (x >= q->cx) + 2 * (y >= q->cy);
}

/* Four children of node at, the existing point moved into its quadrant. */
static int qtree_split(qtree *t, int64_t at, const double *Y)
{
    qnode q = t->nodes[at];
    double h = 0.5 * q.hw;
    int64_t first = -1;
    for (int k = 0; k < 4; k++) {
        int64_t c = qtree_new_node(t, q.cx + ((k & 1) ? h : -h), q.cy + ((k & 2) ? h : -h), h);
        if (c < 0)
            return -1;
        first = k ? first : c;
    }
    qnode *p = &t->nodes[at]; /* the array may have moved */
    p->child = first;
    if (p->point >= 0) {
        int64_t c = first + quadrant(p, Y[2 * p->point], Y[2 * p->point + 1]);
        qnode *cn = &t->nodes[c];
        cn->count = 1, cn->point = p->point;
        cn->sx = Y[2 * p->point], cn->sy = Y[2 * p->point + 1];
        p->point = -1;
    }
    return 0;
}

static int qtree_build(qtree *t, const double *Y, size_t n)
{
    t->n = 0;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        x0 = fmin(x0, Y[2 * i]), x1 = fmax(x1, Y[2 * i]);
        y0 = fmin(y0, Y[2 * i + 1]), y1 = fmax(y1, Y[2 * i + 1]);
    }
    double hw = 0.5 * fmax(x1 - x0, y1 - y0) * (1.0 + 1e-6) + 1e-12;
    if (qtree_new_node(t, 0.5 * (x0 + x1), 0.5 * (y0 + y1), hw) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        double x = Y[2 * i], y = Y[2 * i + 1];
        int64_t at = 0;
        for (int depth = 0;; depth++) {
            qnode *q = &t->nodes[at];
            q->count++, q->sx += x, q->sy += y;
            if (q->child < 0) {
                if (q->count == 1) {
                    q->point = (int64_t)i;
                    break;
                }
                /* at the depth limit points pile up in one leaf (duplicates) */
                if (depth >= TREE_MAX_DEPTH) {
                    q->point = -1;
                    break;
                }
                /* undo this node's count while splitting: the split moves the old point */
                q->count--, q->sx -= x, q->sy -= y;
                if (qtree_split(t, at, Y))
                    return -1;
                q = &t->nodes[at];
                q->count++, q->sx += x, q->sy += y;
            }
            at = q->child + quadrant(q, x, y);
        }
    }
    return 0;
}

/* Repulsion on point i: f (2) += sum_j w_ij^2 (y_i - y_j), returns sum_j w_ij,
 * w = 1 / (1 + d^2), over j != i, summarising cells by the theta criterion. */
static double qtree_repulse(const qtree *t, const double *Y, size_t i, double theta, double *f,
                            int64_t *stack)
{
    double xi = Y[2 * i], yi = Y[2 * i + 1], zsum = 0.0, fx = 0.0, fy = 0.0, th2 = theta * theta;
    size_t sp = 0;
    stack[sp++] = 0;
    while (sp) {
        const qnode *q = &t->nodes[stack[--sp]];
        if (!q->count)
            continue;
        double cnt = (double)q->count, mx = q->sx / cnt, my = q->sy / cnt;
        if (q->child < 0) {
            if (q->point == (int64_t)i)
                continue;
            if (q->point < 0) { /* a pile at the depth limit: leave point i out if it is in it */
                int inside = fabs(xi - q->cx) <= q->hw && fabs(yi - q->cy) <= q->hw;
                if (inside) {
                    if (q->count == 1)
                        continue;
                    cnt -= 1.0, mx = (q->sx - xi) / cnt, my = (q->sy - yi) / cnt;
                }
            }
        } else {
            double dx = xi - mx, dy = yi - my, d2 = dx * dx + dy * dy, w = 2.0 * q->hw;
            if (!(w * w < th2 * d2)) {
                for (int k = 0; k < 4; k++)
                    stack[sp++] = q->child + k;
                continue;
            }
        }
        double dx = xi - mx, dy = yi - my, wq = 1.0 / (1.0 + dx * dx + dy * dy);
        zsum += cnt * wq;
        fx += cnt * wq * wq * dx, fy += cnt * wq * wq * dy;
    }
    f[0] += fx, f[1] += fy;
    return zsum;
}

/* ---- gradient ------------------------------------------------------------ */

/* Gradient with P scaled by exaggeration; rep (n, 2) and zrow (n) are scratch.
 * tree may be NULL when theta is 0. Serial on purpose: a step takes
 * milliseconds, and on a machine shared with other jobs a thread barrier per
 * step cost more than it saved (n = 5,000, 1,000 steps: 10.8 s on one
 * thread, 27.8 s on two with a busy neighbour). */
static lgc_status gradient(const size_t *row_ptr, const uint32_t *col, const double *val,
                           size_t n, const double *Y, double theta, double exaggeration,
                           qtree *tree, double *rep, double *zrow, double *grad, double *z,
                           lgc_err *err)
{
    memset(rep, 0, 2 * n * sizeof *rep);
    if (theta > 0.0) {
        if (qtree_build(tree, Y, n))
            return lgc_err_set(err, LGC_ERR_NOMEM, "t-SNE: out of memory for the quadtree");
        /* 3 children pending per level at most, plus the root */
        int64_t stack[4 * TREE_MAX_DEPTH + 8];
        for (size_t i = 0; i < n; i++)
            zrow[i] = qtree_repulse(tree, Y, i, theta, rep + 2 * i, stack);
    } else {
        for (size_t i = 0; i < n; i++) {
            double zs = 0.0, fx = 0.0, fy = 0.0;
            for (size_t j = 0; j < n; j++) {
                if (j == i)
                    continue;
                double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
                double w = 1.0 / (1.0 + dx * dx + dy * dy);
                zs += w, fx += w * w * dx, fy += w * w * dy;
            }
            zrow[i] = zs, rep[2 * i] = fx, rep[2 * i + 1] = fy;
        }
    }
    double Z = 0.0;
    for (size_t i = 0; i < n; i++) /* fixed order: the same bits for any thread count */
        Z += zrow[i];
    *z = Z;
    for (size_t i = 0; i < n; i++) {
        double ax = 0.0, ay = 0.0;
        for (size_t t = row_ptr[i]; t < row_ptr[i + 1]; t++) {
            size_t j = col[t];
            double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
            double w = 1.0 / (1.0 + dx * dx + dy * dy);
            ax += val[t] * w * dx, ay += val[t] * w * dy;
        }
        grad[2 * i] = 4.0 * (exaggeration * ax - rep[2 * i] / Z);
        grad[2 * i + 1] = 4.0 * (exaggeration * ay - rep[2 * i + 1] / Z);
    }
    return LGC_OK;
}

lgc_status lgc_tsne_gradient(const size_t *row_ptr, const uint32_t *col, const double *val,
                             size_t n, const double *Y, double theta, double *grad, double *z,
                             lgc_err *err)
{
    qtree tree = {0};
    double *rep = malloc(2 * n * sizeof *rep), *zrow = malloc(n * sizeof *zrow);
    lgc_status st;
    if (!rep || !zrow)
        st = lgc_err_set(err, LGC_ERR_NOMEM, "t-SNE: out of memory");
    else
        st = gradient(row_ptr, col, val, n, Y, theta, 1.0, &tree, rep, zrow, grad, z, err);
    free(rep), free(zrow), free(tree.nodes);
    return st;
}

/* ---- optimisation -------------------------------------------------------- */

lgc_status lgc_tsne(const float *X, size_t n, size_t d, const lgc_tsne_opts *o, double *Y,
                    double *kl, lgc_err *err)
{
    if (n < 3 || d < 1 || !(o->perplexity >= 1.0) || !(o->perplexity < (double)(n - 1)))
        return lgc_err_set(err, LGC_ERR_ARG, "t-SNE: %zu points and perplexity %g (needs at "
                           "least 3 points and 1 <= perplexity < points - 1)", n, o->perplexity);
    if (!(o->theta >= 0.0 && o->theta <= 1.0) || !(o->exaggeration >= 1.0) ||
        !(o->learning_rate >= 0.0))
        return lgc_err_set(err, LGC_ERR_ARG, "t-SNE: theta %g (0..1), exaggeration %g (>= 1), "
                           "learning rate %g (>= 0)", o->theta, o->exaggeration,
                           o->learning_rate);
    size_t K = (size_t)floor(3.0 * o->perplexity);
    if (o->theta == 0.0 || K > n - 1)
        K = n - 1;
    size_t *row_ptr = NULL;
    uint32_t *col = NULL;
    double *val = NULL;
    qtree tree = {0};
    double *upd = calloc(2 * n, sizeof *upd), *gains = malloc(2 * n * sizeof *gains);
    double *grad = malloc(2 * n * sizeof *grad), *rep = malloc(2 * n * sizeof *rep);
    double *zrow = malloc(n * sizeof *zrow);
    lgc_status st;
    if (!upd || !gains || !grad || !rep || !zrow) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "t-SNE: out of memory for %zu points", n);
        goto fail;
    }
    if ((st = input_similarities(X, n, d, K, o->perplexity, &row_ptr, &col, &val, err)))
        goto fail;
    lgc_rng r;
    lgc_rng_init(&r, o->seed, TSNE_STREAM);
    for (size_t i = 0; i < 2 * n; i++)
        Y[i] = 1e-4 * lgc_rng_normal(&r), gains[i] = 1.0;
    double lr = o->learning_rate > 0.0 ? o->learning_rate
                                       : fmax((double)n / o->exaggeration / 4.0, 50.0);
    double Z = 1.0;
    for (size_t it = 0; it < o->n_iter; it++) {
        int early = it < o->exaggeration_iter;
        double mom = early ? 0.5 : 0.8, ex = early ? o->exaggeration : 1.0;
        if ((st = gradient(row_ptr, col, val, n, Y, o->theta, ex, &tree, rep, zrow, grad, &Z,
                           err)))
            goto fail;
        for (size_t t = 0; t < 2 * n; t++) {
            gains[t] = upd[t] * grad[t] < 0.0 ? gains[t] + 0.2 : gains[t] * 0.8;
            gains[t] = gains[t] < MIN_GAIN ? MIN_GAIN : gains[t];
            upd[t] = mom * upd[t] - lr * gains[t] * grad[t];
            Y[t] += upd[t];
        }
        for (size_t t = 0; t < 2 * n; t++)
            if (!isfinite(Y[t])) {
                st = lgc_err_set(err, LGC_ERR_NUMERIC, "t-SNE: the map diverged at step %zu; "
                                 "try a lower learning rate", it + 1);
                goto fail;
            }
    }
    if (kl) {
        /* KL(P || Q) at the final map, with the normaliser of one more gradient */
        if ((st = gradient(row_ptr, col, val, n, Y, o->theta, 1.0, &tree, rep, zrow, grad, &Z,
                           err)))
            goto fail;
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            for (size_t t = row_ptr[i]; t < row_ptr[i + 1]; t++) {
                size_t j = col[t];
                double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
                double q = 1.0 / (1.0 + dx * dx + dy * dy) / Z;
                if (val[t] > 0.0)
                    s += val[t] * log(val[t] / q);
            }
        *kl = s;
    }
fail:
    free(row_ptr), free(col), free(val), free(tree.nodes);
    free(upd), free(gains), free(grad), free(rep), free(zrow);
    return st;
}

double lgc_map_knn_agreement(const double *Y, const uint8_t *labels, size_t n, size_t k)
{
    if (k < 1 || k >= n)
        return NAN;
    double *best = malloc(k * sizeof *best);
    size_t *who = malloc(k * sizeof *who);
    double total = 0.0;
    if (!best || !who) {
        free(best), free(who);
        return NAN;
    }
    for (size_t i = 0; i < n; i++) {
        size_t nb = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
            double v = dx * dx + dy * dy;
            if (nb == k && v >= best[k - 1])
                continue;
            size_t p = nb < k ? nb++ : k - 1;
            while (p > 0 && best[p - 1] > v) {
                best[p] = best[p - 1], who[p] = who[p - 1];
                p--;
            }
            best[p] = v, who[p] = j;
        }
        size_t same = 0;
        for (size_t t = 0; t < k; t++)
            same += labels[who[t]] == labels[i];
        total += (double)same / (double)k;
    }
    free(best), free(who);
    return total / (double)n;
}
