/* mpi.c - lgc_comm over MPI: the only file that includes mpi.h (lgc/par.h).
 * Byte buffers larger than INT_MAX go in INT_MAX pieces, since MPI counts
 * are int. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

#include "lgc/par.h"

#define PIECE ((size_t)1 << 30)

static lgc_status mpi_fail(lgc_err *err, const char *what, int rc)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    return lgc_err_set(err, LGC_ERR_IO, "mpi: %s: %s", what, msg);
}

static lgc_status m_allgather(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                              lgc_err *err)
{
    if (bytes > INT_MAX) { /* rare: gather in pieces, rank r's bytes at r * bytes */
        size_t n = (size_t)c->size;
        uint8_t *tmp = malloc(n * PIECE);
        if (!tmp)
            return lgc_err_set(err, LGC_ERR_NOMEM, "mpi: out of memory");
        for (size_t off = 0; off < bytes; off += PIECE) {
            size_t b = bytes - off < PIECE ? bytes - off : PIECE;
            int rc = MPI_Allgather((const uint8_t *)send + off, (int)b, MPI_BYTE, tmp, (int)b,
                                   MPI_BYTE, MPI_COMM_WORLD);
            if (rc != MPI_SUCCESS) {
                free(tmp);
                return mpi_fail(err, "allgather", rc);
            }
            for (size_t r = 0; r < n; r++)
                memcpy((uint8_t *)recv + r * bytes + off, tmp + r * b, b);
        }
        free(tmp);
        return LGC_OK;
    }
    int rc = MPI_Allgather(send, (int)bytes, MPI_BYTE, recv, (int)bytes, MPI_BYTE, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? LGC_OK : mpi_fail(err, "allgather", rc);
}

static lgc_status m_allgatherv(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                               const size_t *counts, const size_t *displs, lgc_err *err)
{
    int *cnt = malloc((size_t)c->size * sizeof *cnt),
        *dsp = malloc((size_t)c->size * sizeof *dsp);
    if (!cnt || !dsp) {
        free(cnt), free(dsp);
        return lgc_err_set(err, LGC_ERR_NOMEM, "mpi: out of memory");
    }
    for (int r = 0; r < c->size; r++) {
        if (counts[r] > INT_MAX || displs[r] > INT_MAX) {
            free(cnt), free(dsp);
            return lgc_err_set(err, LGC_ERR_LIMIT, "mpi: allgatherv of more than 2 GiB");
        }
        cnt[r] = (int)counts[r], dsp[r] = (int)displs[r];
    }
    int rc = MPI_Allgatherv(send, (int)bytes, MPI_BYTE, recv, cnt, dsp, MPI_BYTE, MPI_COMM_WORLD);
    free(cnt), free(dsp);
    return rc == MPI_SUCCESS ? LGC_OK : mpi_fail(err, "allgatherv", rc);
}

static lgc_status m_bcast(const lgc_comm *c, void *buf, size_t bytes, int root, lgc_err *err)
{
    (void)c;
    for (size_t off = 0; off < bytes || (!bytes && !off); off += PIECE) {
        size_t b = bytes - off < PIECE ? bytes - off : PIECE;
        int rc = MPI_Bcast((uint8_t *)buf + off, (int)b, MPI_BYTE, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, "broadcast", rc);
        if (!bytes)
            break;
    }
    return LGC_OK;
}

static lgc_status m_send(const lgc_comm *c, const void *buf, size_t bytes, int dest, int tag,
                         lgc_err *err)
{
    (void)c;
    for (size_t off = 0; off < bytes || (!bytes && !off); off += PIECE) {
        size_t b = bytes - off < PIECE ? bytes - off : PIECE;
        int rc = MPI_Send((const uint8_t *)buf + off, (int)b, MPI_BYTE, dest, tag, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, "send", rc);
        if (!bytes)
            break;
    }
    return LGC_OK;
}

static lgc_status m_recv(const lgc_comm *c, void *buf, size_t bytes, int src, int tag,
                         lgc_err *err)
{
    (void)c;
    for (size_t off = 0; off < bytes || (!bytes && !off); off += PIECE) {
        size_t b = bytes - off < PIECE ? bytes - off : PIECE;
        int rc = MPI_Recv((uint8_t *)buf + off, (int)b, MPI_BYTE, src, tag, MPI_COMM_WORLD,
                          MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return mpi_fail(err, "receive", rc);
        if (!bytes)
            break;
    }
    return LGC_OK;
}

int lgc_par_launched(void)
{
    /* set by Open MPI's mpirun (and PMIx launchers) for every process it starts */
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

lgc_status lgc_par_init(int *argc, char ***argv, lgc_comm *c, lgc_err *err)
{
    memset(c, 0, sizeof *c);
    /* serialized: decompress calls MPI from whichever OpenMP thread holds
     * its ordered section, one at a time */
    int provided = 0, rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided);
    if (rc != MPI_SUCCESS)
        return mpi_fail(err, "init", rc);
    if (provided < MPI_THREAD_SERIALIZED)
        return lgc_err_set(err, LGC_ERR_ARG, "mpi: this MPI library gives thread level %d, "
                           "lgc needs MPI_THREAD_SERIALIZED", provided);
    /* errors come back as codes, to be reported as one line, not as an abort */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    c->allgather = m_allgather, c->allgatherv = m_allgatherv, c->bcast = m_bcast, c->send = m_send, c->recv = m_recv;
    return LGC_OK;
}

void lgc_par_finalize(int failed)
{
    if (failed)
        MPI_Abort(MPI_COMM_WORLD, failed); /* peers may wait in a collective for ever */
    else
        MPI_Finalize();
}
