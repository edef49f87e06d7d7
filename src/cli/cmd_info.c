/* cmd_info.c - `lgc info`: what a package holds, section by section. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lgc/codec.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: lgc info IN.lgc [options]\n\n"
               "Check a package fully (structure and meaning) and describe it: bytes per\n"
               "section, model, sizes, per-class K, and how and when it was made.\n\n"
               "  --json           one JSON object on stdout\n"
               "  --max-memory B   refuse a package whose decoded data, or the decoder and\n"
               "                   mixtures built from it, need more than B bytes; suffixes\n"
               "                   K, M, G, T [data 1G, decoder 2G]\n");
}

static void print_kv_value(const lgc_pkg_kv *kv, int json)
{
    switch (kv->type) {
    case LGC_KV_U64: printf("%llu", (unsigned long long)kv->v.u64); break;
    case LGC_KV_I64: printf("%lld", (long long)kv->v.i64); break;
    case LGC_KV_F64: printf("%.17g", kv->v.f64); break;
    case LGC_KV_STR:
        if (json)
            cli_json_str(kv->v.str);
        else
            printf("%s", kv->v.str);
        break;
    case LGC_KV_F64_ARRAY:
    case LGC_KV_U64_ARRAY:
        printf("[");
        for (size_t i = 0; i < kv->n; i++) {
            if (kv->type == LGC_KV_F64_ARRAY)
                printf("%s%.6g", i ? ", " : "", kv->v.f64s[i]);
            else
                printf("%s%llu", i ? ", " : "", (unsigned long long)kv->v.u64s[i]);
        }
        printf("]");
        break;
    }
}

int cmd_info(int argc, char **argv)
{
    const char *cmd = "info", *in = NULL;
    int json = 0, rc;
    uint64_t max_mem = 0;
    const char *v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (cli_opt(argc, argv, &i, "--max-memory", &v)) {
            if ((rc = cli_bytes(cmd, "--max-memory", v, &max_mem)))
                return rc;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_fail(cmd, EXIT_USAGE, "unknown option '%s' (see lgc info --help)", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_fail(cmd, EXIT_USAGE, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!in)
        return cli_fail(cmd, EXIT_USAGE, "a package is required");
    lgc_err err;
    lgc_pkg *p = NULL;
    lgc_codec codec;
    lgc_pkg_info info;
    rc = 0;
    memset(&codec, 0, sizeof codec);
    if (cli_open_package(cmd, in, max_mem, 1, &p, &codec, &rc))
        goto done;
    if (lgc_pkg_get_info(p, &info, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    size_t dec_params = codec.dec.n_params, gmm_params = 0, ksum = 0, d = codec.latent;
    for (size_t k = 0; k < codec.n_mix; k++) {
        ksum += codec.gmm[k].k;
        gmm_params += codec.gmm[k].k * (1 + d + d * (d + 1) / 2);
    }
    if (json) {
        printf("{\"package\":");
        cli_json_str(in);
        printf(",\"format\":\"%u.%u\",\"file_bytes\":%llu,\"header_bytes\":%llu,"
               "\"kv_table_bytes\":%llu,\"tensor_table_bytes\":%llu,\"data_stored_bytes\":%llu,"
               "\"data_bytes\":%llu,\"zstd_level\":%d,\"decoder_params\":%zu,\"gmm_params\":%zu,"
               "\"k_sum\":%zu,\"decoder_input\":%zu,\"mixtures\":%zu,\"grouped\":%s,"
               "\"keys\":{",
               info.version_major, info.version_minor, (unsigned long long)info.file_bytes,
               (unsigned long long)info.header_bytes, (unsigned long long)info.kv_table_bytes,
               (unsigned long long)info.tensor_table_bytes,
               (unsigned long long)info.data_stored_bytes, (unsigned long long)info.data_bytes,
               info.zstd_level, dec_params, gmm_params, ksum, codec.dec_in, codec.n_mix,
               codec.grouped ? "true" : "false");
        for (size_t i = 0; i < lgc_pkg_n_kv(p); i++) {
            const lgc_pkg_kv *kv = lgc_pkg_kv_at(p, i);
            printf("%s", i ? "," : "");
            cli_json_str(kv->key);
            printf(":");
            print_kv_value(kv, 1);
        }
        printf("}}\n");
    } else {
        printf("%s: lgc package format %u.%u, %llu bytes\n", in, info.version_major,
               info.version_minor, (unsigned long long)info.file_bytes);
        printf("  sections: header %llu, keys %llu, tensor table %llu, data %llu stored (%llu "
               "decoded%s)\n",
               (unsigned long long)info.header_bytes, (unsigned long long)info.kv_table_bytes,
               (unsigned long long)info.tensor_table_bytes,
               (unsigned long long)info.data_stored_bytes, (unsigned long long)info.data_bytes,
               info.zstd_level ? ", zstd" : "");
        char desc[256];
        lgc_net_describe(&codec.dec, desc, sizeof desc);
        printf("  model: %s, latent %zu, image %zux%zux%zu; decoder %s (%zu parameters)\n",
               lgc_model_name(codec.kind), codec.latent, codec.h, codec.w, codec.c, desc,
               dec_params);
        if (codec.dec_in != codec.latent)
            printf("  decoder input: %zu = latent %zu + one-hot of %zu classes (mixtures on the "
                   "latent alone)\n",
                   codec.dec_in, codec.latent, codec.n_classes);
        if (codec.grouped) {
            printf("  mixtures: %zu groups of %zu classes, sum K = %zu, %zu parameters\n",
                   codec.n_mix, codec.n_classes, ksum, gmm_params);
            printf("  %-6s %5s %8s %4s\n", "group", "class", "prior", "K");
            for (size_t m = 0; m < codec.n_mix; m++)
                printf("  %-6u %5u %8.5f %4zu\n", codec.mix_group[m], codec.mix_class[m],
                       codec.mix_prior[m], codec.gmm[m].k);
        } else {
            printf("  mixtures: %zu classes, sum K = %zu, %zu parameters\n", codec.n_classes,
                   ksum, gmm_params);
            printf("  %-6s %8s %4s\n", "class", "prior", "K");
            for (size_t k = 0; k < codec.n_classes; k++)
                printf("  %-6zu %8.5f %4zu\n", k, codec.priors[k], codec.gmm[k].k);
        }
        printf("  keys:\n");
        for (size_t i = 0; i < lgc_pkg_n_kv(p); i++) {
            const lgc_pkg_kv *kv = lgc_pkg_kv_at(p, i);
            printf("    %-16s ", kv->key);
            print_kv_value(kv, 0);
            printf("\n");
        }
    }
done:
    lgc_codec_free(&codec);
    lgc_pkg_free(p);
    return rc;
}
