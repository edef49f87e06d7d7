/* comm.c - the one-process communicator and the dispatch of lgc/comm.h. */
#include <string.h>

#include "lgc/comm.h"

static lgc_status self_allgather(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                                 lgc_err *err)
{
    (void)c, (void)err;
    if (bytes && send != recv)
        memmove(recv, send, bytes);
    return LGC_OK;
}

static lgc_status self_allgatherv(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                                  const size_t *counts, const size_t *displs, lgc_err *err)
{
    (void)c, (void)counts;
    return self_allgather(c, send, bytes, (char *)recv + displs[0], err);
}

static lgc_status self_bcast(const lgc_comm *c, void *buf, size_t bytes, int root, lgc_err *err)
{
    (void)c, (void)buf, (void)bytes;
    return root == 0 ? LGC_OK : lgc_err_set(err, LGC_ERR_ARG, "comm: root %d of 1 rank", root);
}

/* One process has no peer: a message to itself would wait for ever. */
static lgc_status self_send(const lgc_comm *c, const void *buf, size_t bytes, int dest, int tag,
                            lgc_err *err)
{
    (void)c, (void)buf, (void)bytes, (void)tag;
    return lgc_err_set(err, LGC_ERR_ARG, "comm: send to rank %d of 1", dest);
}

static lgc_status self_recv(const lgc_comm *c, void *buf, size_t bytes, int src, int tag,
                            lgc_err *err)
{
    (void)c, (void)buf, (void)bytes, (void)tag;
    return lgc_err_set(err, LGC_ERR_ARG, "comm: receive from rank %d of 1", src);
}

static const lgc_comm self = {0,          1,         NULL,      self_allgather, self_allgatherv,
                              self_bcast, self_send, self_recv};

const lgc_comm *lgc_comm_self(void) { return &self; }

static const lgc_comm *or_self(const lgc_comm *c) { return c ? c : &self; }

int lgc_comm_rank(const lgc_comm *c) { return or_self(c)->rank; }
int lgc_comm_size(const lgc_comm *c) { return or_self(c)->size; }

lgc_status lgc_comm_allgather(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                              lgc_err *err)
{
    c = or_self(c);
    return c->allgather(c, send, bytes, recv, err);
}

lgc_status lgc_comm_allgatherv(const lgc_comm *c, const void *send, size_t bytes, void *recv,
                               const size_t *counts, const size_t *displs, lgc_err *err)
{
    c = or_self(c);
    return c->allgatherv(c, send, bytes, recv, counts, displs, err);
}

lgc_status lgc_comm_bcast(const lgc_comm *c, void *buf, size_t bytes, int root, lgc_err *err)
{
    c = or_self(c);
    return c->bcast(c, buf, bytes, root, err);
}

lgc_status lgc_comm_send(const lgc_comm *c, const void *buf, size_t bytes, int dest, int tag,
                         lgc_err *err)
{
    c = or_self(c);
    return c->send(c, buf, bytes, dest, tag, err);
}

lgc_status lgc_comm_recv(const lgc_comm *c, void *buf, size_t bytes, int src, int tag,
                         lgc_err *err)
{
    c = or_self(c);
    return c->recv(c, buf, bytes, src, tag, err);
}

void lgc_comm_split(size_t n, int rank, int size, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)rank / (size_t)size;
    *hi = n * (size_t)(rank + 1) / (size_t)size;
}
