/* common.c - what the readers and writers of src/data share: taking a
 * buffer's payload, naming a file's real format, printing shapes, freeing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "lgc/io.h"

uint8_t *data_take(uint8_t *buf, size_t off, size_t n)
{
    if (off)
        memmove(buf, buf + off, n);
    uint8_t *p = realloc(buf, n ? n : 1);
    return p ? p : buf;
}

void data_release(uint8_t *buf, size_t n, int mapped)
{
    if (mapped)
        lgc_unmap_file(buf, n);
    else
        free(buf);
}

const char *data_magic_hint(const uint8_t *buf, size_t n)
{
    if (n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b)
        return "; it is gzip-compressed: gunzip it first";
    if (n >= 6 && memcmp(buf, "\x93NUMPY", 6) == 0)
        return "; it is an NPY file";
    if (n >= 4 && buf[0] == 0 && buf[1] == 0)
        return "; it looks like an IDX file";
    if (n >= 4 && memcmp(buf, "\x89PNG", 4) == 0)
        return "; it is a PNG image";
    return "";
}

void data_dims_str(char *s, size_t cap, const size_t *dims, int rank, const char *sep)
{
    size_t k = 0;
    s[0] = '\0';
    for (int i = 0; i < rank && k < cap; i++) {
        int w = snprintf(s + k, cap - k, "%s%zu", i ? sep : "", dims[i]);
        if (w < 0)
            break;
        k += (size_t)w;
    }
}

/* The mappings the readers made, by the pixel pointer they handed out, so
 * that lgc_images needs no field of its own for them (callers that fill an
 * lgc_images by hand keep working) and lgc_images_free knows munmap from free. */
typedef struct map_rec {
    const uint8_t *pix;
    void *base;
    size_t len;
    struct map_rec *next;
} map_rec;
static map_rec *g_maps;
static pthread_mutex_t g_maps_lock = PTHREAD_MUTEX_INITIALIZER;

int data_map_register(const uint8_t *pix, void *base, size_t len)
{
    map_rec *r = malloc(sizeof *r);
    if (!r)
        return -1;
    r->pix = pix, r->base = base, r->len = len;
    pthread_mutex_lock(&g_maps_lock);
    r->next = g_maps;
    g_maps = r;
    pthread_mutex_unlock(&g_maps_lock);
    return 0;
}

/* The record of pix, unlinked if take (the caller then frees it), or NULL. */
static map_rec *map_find(const uint8_t *pix, int take)
{
    pthread_mutex_lock(&g_maps_lock);
    map_rec **p = &g_maps;
    while (*p && (*p)->pix != pix)
        p = &(*p)->next;
    map_rec *r = *p;
    if (r && take)
        *p = r->next;
    pthread_mutex_unlock(&g_maps_lock);
    return r;
}

int lgc_images_mapped(const lgc_images *x)
{
    return x && x->pix && map_find(x->pix, 0) != NULL;
}

void lgc_images_free(lgc_images *x)
{
    if (!x)
        return;
    map_rec *r = x->pix ? map_find(x->pix, 1) : NULL;
    if (r) {
        lgc_unmap_file(r->base, r->len);
        free(r);
    } else {
        free(x->pix);
    }
    memset(x, 0, sizeof *x);
}

void lgc_labels_free(lgc_labels *y)
{
    if (!y)
        return;
    free(y->y);
    memset(y, 0, sizeof *y);
}

void lgc_dataset_free(lgc_dataset *d)
{
    if (!d)
        return;
    lgc_images_free(&d->x);
    lgc_labels_free(&d->y);
    d->n_classes = 0;
}
