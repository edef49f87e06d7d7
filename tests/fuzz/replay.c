/*
 * replay.c - a plain main() for a fuzz target, as zstd's tests/fuzz does:
 * runs every file under the folders (or files) named on the command line
 * through LLVMFuzzerTestOneInput, in name order, each from an exact-size
 * buffer. Names starting with '.' are skipped (.keep holds an empty folder in
 * git). Fails when an argument is missing or when no input at all was found,
 * so that a moved corpus cannot turn the test into one that always passes.
 * A target signals a broken invariant by aborting.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        fclose(f);
        return -1;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *b = malloc(n ? n : 1);
    if (!b || (n && fread(b, 1, n, f) != n)) {
        fprintf(stderr, "replay: %s: cannot read\n", path);
        free(b);
        fclose(f);
        return -1;
    }
    fclose(f);
    if (getenv("LGC_REPLAY_VERBOSE"))
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(b, n);
    free(b);
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Number of inputs run from path (a folder or a file), -1 on error. */
static long run_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(sb.st_mode))
        return run_file(path);
    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                abort();
            names = grown;
        }
        size_t k = strlen(path) + strlen(de->d_name) + 2;
        if (!(names[n] = malloc(k)))
            abort();
        snprintf(names[n++], k, "%s/%s", path, de->d_name);
    }
    closedir(dir);
    if (n) /* qsort's array must not be NULL, even when empty */
        qsort(names, n, sizeof *names, by_name);
    long done = 0;
    for (size_t i = 0; i < n; i++) {
        int r = run_file(names[i]);
        if (r < 0)
            done = -1;
        else if (done >= 0)
            done += r;
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        long k = run_path(argv[i]);
        if (k < 0)
            return 1;
        printf("%s: %ld inputs\n", argv[i], k);
        total += k;
    }
    if (total == 0) {
        fprintf(stderr, "replay: no inputs found\n");
        return 1;
    }
    return 0;
}
