/*
 * comm.h - the communicator lgc's data-parallel code sees: a rank among size
 * processes and the few collectives compress and decompress need. The library
 * never calls MPI itself: lgc_comm_self() is the one-process communicator, and
 * the lgc program fills an lgc_comm from MPI (src/par/mpi.c, the only file
 * that includes mpi.h) when it runs under mpirun.
 *
 * Every collective is called by all ranks in the same order with the same
 * sizes. Byte counts are exact; nothing is converted. A NULL communicator
 * means lgc_comm_self().
 */
#ifndef LGC_COMM_H
#define LGC_COMM_H

#include <stddef.h>

#include "lgc/status.h"

typedef struct lgc_comm lgc_comm;

struct lgc_comm {
    int rank, size;
    void *impl; /* the implementation's state */
    /* recv (size * bytes) = every rank's send (bytes), rank 0 first */
    lgc_status (*allgather)(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                            lgc_err *err);
    /* rank r's send (counts[r] bytes) into recv at displs[r], on every rank */
    lgc_status (*allgatherv)(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                             const size_t *counts, const size_t *displs, lgc_err *err);
    /* buf (bytes) of root, copied to every rank */
    lgc_status (*bcast)(const lgc_comm *c, void *buf, size_t bytes, int root, lgc_err *err);
    /* point to point, matched by (peer, tag) in order */
    lgc_status (*send)(const lgc_comm *c, const void *buf, size_t bytes, int dest, int tag,
                       lgc_err *err);
    lgc_status (*recv)(const lgc_comm *c, void *buf, size_t bytes, int src, int tag,
                       lgc_err *err);
};

/* The one-process communicator: rank 0 of 1; the collectives copy. */
const lgc_comm *lgc_comm_self(void);

/* Dispatch, with NULL taken as lgc_comm_self(). */
int lgc_comm_rank(const lgc_comm *c);
int lgc_comm_size(const lgc_comm *c);
lgc_status lgc_comm_allgather(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                              lgc_err *err);
lgc_status lgc_comm_allgatherv(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                               const size_t *counts, const size_t *displs, lgc_err *err);
lgc_status lgc_comm_bcast(const lgc_comm *c, void *buf, size_t bytes, int root, lgc_err *err);
lgc_status lgc_comm_send(const lgc_comm *c, const void *buf, size_t bytes, int dest, int tag,
                         lgc_err *err);
lgc_status lgc_comm_recv(const lgc_comm *c, void *buf, size_t bytes, int src, int tag,
                         lgc_err *err);

/* The contiguous range [*lo, *hi) of n items that rank r of size owns:
 * [n r / size, n (r + 1) / size), so every rank agrees without talking. */
void lgc_comm_split(size_t n, int rank, int size, size_t *lo, size_t *hi);

#endif
