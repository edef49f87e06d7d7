/* io.c - atomic writers (O_TMPFILE + linkat + rename) and checked readers. */
#define _GNU_SOURCE
#include "lgc/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Folder part of path ("." when there is none). Caller frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return dup_str(".");
    if (slash == path)
        return dup_str("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

static char *tmp_name_for(const char *path)
{
    size_t n = strlen(path) + 32;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%s.tmp.%ld", path, (long)getpid());
    return t;
}

lgc_status lgc_afile_open(lgc_afile *af, const char *path, int overwrite, lgc_err *err)
{
    memset(af, 0, sizeof *af);
    af->fd = -1;
    struct stat st;
    if (!overwrite && stat(path, &st) == 0)
        return lgc_err_set(err, LGC_ERR_IO, "%s: already exists (use -f to overwrite)", path);
    af->overwrite = overwrite;
    af->path = dup_str(path);
    char *dir = dir_of(path);
    if (!af->path || !dir) {
        free(dir);
        lgc_afile_abort(af);
        return lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", path);
    }
#ifdef O_TMPFILE
    af->fd = open(dir, O_TMPFILE | O_WRONLY, 0644);
    if (af->fd >= 0)
        af->anonymous = 1;
#endif
    if (af->fd < 0) {
        af->tmp_path = tmp_name_for(path);
        if (af->tmp_path)
            af->fd = open(af->tmp_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    free(dir);
    if (af->fd < 0) {
        int e = errno;
        lgc_afile_abort(af);
        return lgc_err_set(err, LGC_ERR_IO, "%s: cannot create output: %s", path, strerror(e));
    }
    af->fp = fdopen(af->fd, "wb");
    if (!af->fp) {
        lgc_afile_abort(af);
        return lgc_err_set(err, LGC_ERR_IO, "%s: cannot open output stream", path);
    }
    return LGC_OK;
}

lgc_status lgc_afile_write(lgc_afile *af, const void *buf, size_t n, lgc_err *err)
{
    if (n && fwrite(buf, 1, n, af->fp) != n)
        return lgc_err_set(err, LGC_ERR_IO, "%s: write failed: %s", af->path, strerror(errno));
    return LGC_OK;
}

lgc_status lgc_afile_commit(lgc_afile *af, lgc_err *err)
{
    lgc_status st = LGC_OK;
    if (fflush(af->fp) != 0 || fsync(af->fd) != 0) {
        st = lgc_err_set(err, LGC_ERR_IO, "%s: write failed: %s", af->path, strerror(errno));
        goto fail;
    }
    if (!af->overwrite) {
        /* Publish under the final name in one step that fails if the name
         * exists: no window between a check and a rename for another writer. */
        int rc;
        if (af->anonymous) {
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", af->fd);
            rc = linkat(AT_FDCWD, proc, AT_FDCWD, af->path, AT_SYMLINK_FOLLOW);
        } else {
            rc = link(af->tmp_path, af->path);
        }
        if (rc != 0) {
            int e = errno;
            if (e == EEXIST)
                st = lgc_err_set(err, LGC_ERR_IO, "%s: already exists (use -f to overwrite)",
                                 af->path);
            else
                st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot publish output: %s", af->path,
                                 strerror(e));
            goto fail;
        }
        if (af->tmp_path)
            unlink(af->tmp_path);
        af->anonymous = 0;
    } else {
        if (af->anonymous) {
            /* Give the anonymous file a temporary name, then rename over the target. */
            char proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", af->fd);
            af->tmp_path = tmp_name_for(af->path);
            if (!af->tmp_path) {
                st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory", af->path);
                goto fail;
            }
            unlink(af->tmp_path);
            if (linkat(AT_FDCWD, proc, AT_FDCWD, af->tmp_path, AT_SYMLINK_FOLLOW) != 0) {
                st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot publish output: %s", af->path,
                                 strerror(errno));
                free(af->tmp_path);
                af->tmp_path = NULL;
                goto fail;
            }
            af->anonymous = 0;
        }
        if (rename(af->tmp_path, af->path) != 0) {
            st = lgc_err_set(err, LGC_ERR_IO, "%s: cannot rename into place: %s", af->path,
                             strerror(errno));
            goto fail;
        }
    }
    free(af->tmp_path);
    af->tmp_path = NULL;
    if (fclose(af->fp) != 0) {
        af->fp = NULL;
        af->fd = -1; /* closed with fp: a later lgc_afile_abort must not close it again */
        st = lgc_err_set(err, LGC_ERR_IO, "%s: close failed: %s", af->path, strerror(errno));
        free(af->path);
        af->path = NULL;
        return st;
    }
    af->fp = NULL;
    af->fd = -1;
    free(af->path);
    af->path = NULL;
    return LGC_OK;
fail:
    lgc_afile_abort(af);
    return st;
}

void lgc_afile_abort(lgc_afile *af)
{
    if (af->fp)
        fclose(af->fp);
    else if (af->fd >= 0)
        close(af->fd);
    if (af->tmp_path)
        unlink(af->tmp_path);
    free(af->tmp_path);
    free(af->path);
    memset(af, 0, sizeof *af);
    af->fd = -1;
}

lgc_status lgc_read_file(const char *path, size_t max_bytes, uint8_t **out, size_t *n_out,
                         lgc_err *err)
{
    *out = NULL;
    *n_out = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return lgc_err_set(err, LGC_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    lgc_status st = LGC_OK;
    uint8_t *buf = NULL;
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = lgc_err_set(err, LGC_ERR_IO, "%s: not a regular file", path);
        goto fail;
    }
    if ((unsigned long long)sb.st_size > max_bytes) {
        st = lgc_err_set(err, LGC_ERR_LIMIT, "%s: file is %lld bytes, above the limit of %zu",
                         path, (long long)sb.st_size, max_bytes);
        goto fail;
    }
    size_t n = (size_t)sb.st_size;
    buf = malloc(n ? n : 1);
    if (!buf) {
        st = lgc_err_set(err, LGC_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
        goto fail;
    }
    if (n && fread(buf, 1, n, fp) != n) {
        st = lgc_err_set(err, LGC_ERR_IO, "%s: read failed", path);
        goto fail;
    }
    fclose(fp);
    *out = buf;
    *n_out = n;
    return LGC_OK;
fail:
    free(buf);
    fclose(fp);
    return st;
}

int lgc_map_file(const char *path, uint8_t **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    void *p = MAP_FAILED;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
        (unsigned long long)sb.st_size <= (size_t)-1)
        p = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd); /* the mapping keeps the file */
    if (p == MAP_FAILED)
        return -1;
    *out = p;
    *n_out = (size_t)sb.st_size;
    return 0;
}

void lgc_unmap_file(void *p, size_t n)
{
    if (p)
        munmap(p, n);
}
