/* cmd_info.c - `lgc info`: what a package holds, section by section. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lgc/codec.h"

/* A key-value as text, or as a JSON value through j. */
static void print_kv_text(const lgc_pkg_kv *kv)
{
    switch (kv->type) {
    case LGC_KV_U64: printf("%llu", (unsigned long long)kv->v.u64); break;
    case LGC_KV_I64: printf("%lld", (long long)kv->v.i64); break;
    case LGC_KV_F64: printf("%.17g", kv->v.f64); break;
    case LGC_KV_STR: printf("%s", kv->v.str); break;
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

static void json_kv(cli_json *j, const lgc_pkg_kv *kv)
{
    switch (kv->type) {
    case LGC_KV_U64: cli_json_u64(j, kv->key, kv->v.u64); break;
    case LGC_KV_I64: cli_json_i64(j, kv->key, kv->v.i64); break;
    case LGC_KV_F64: cli_json_num(j, kv->key, kv->v.f64, 17); break;
    case LGC_KV_STR: cli_json_str(j, kv->key, kv->v.str); break;
    case LGC_KV_F64_ARRAY: cli_json_nums(j, kv->key, kv->v.f64s, kv->n, 9); break;
    case LGC_KV_U64_ARRAY:
        cli_json_array(j, kv->key);
        for (size_t i = 0; i < kv->n; i++)
            cli_json_u64(j, NULL, kv->v.u64s[i]);
        cli_json_close(j);
        break;
    }
}

int cmd_info(int argc, char **argv)
{
    const char *cmd = cli_cmd_info.name, *in = NULL;
    int json = 0, rc;
    uint64_t max_mem = 0;
    size_t n_pos;
    const cli_option rows[] = {
        CLI_ROW_MAX_MEMORY(&max_mem),
        CLI_ROW_JSON(&json),
    };
    if ((rc = cli_parse(&cli_cmd_info, rows, CLI_N_ROWS(rows), argc, argv, &in, &n_pos)))
        return rc == CLI_HELP_SHOWN ? 0 : rc;
    lgc_err err;
    lgc_pkg *p = NULL;
    lgc_codec codec;
    lgc_pkg_info info;
    rc = 0;
    memset(&codec, 0, sizeof codec);
    lgc_net teacher; /* the package's, when it has one */
    int has_teacher = 0;
    memset(&teacher, 0, sizeof teacher);
    if (cli_open_package(cmd, in, max_mem, 1, &p, &codec, &rc))
        goto done;
    if (lgc_pkg_get_info(p, &info, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    if (lgc_codec_get_teacher(p, in, codec.c, codec.h, codec.w, codec.n_classes, &teacher,
                              &has_teacher, &err)) {
        rc = cli_fail_err(cmd, &err);
        goto done;
    }
    size_t dec_params = codec.dec.n_params, gmm_params = 0, ksum = 0, d = codec.latent;
    for (size_t k = 0; k < codec.n_mix; k++) {
        ksum += codec.gmm[k].k;
        gmm_params += codec.gmm[k].k * (1 + d + d * (d + 1) / 2);
    }
    if (json) {
        char fmt[32];
        snprintf(fmt, sizeof fmt, "%u.%u", info.version_major, info.version_minor);
        cli_json j;
        cli_json_begin(&j, cmd);
        cli_json_str(&j, "package", in);
        cli_json_u64(&j, "package_bytes", info.file_bytes);
        cli_json_str(&j, "format", fmt);
        cli_json_u64(&j, "header_bytes", info.header_bytes);
        cli_json_u64(&j, "kv_table_bytes", info.kv_table_bytes);
        cli_json_u64(&j, "tensor_table_bytes", info.tensor_table_bytes);
        cli_json_u64(&j, "data_stored_bytes", info.data_stored_bytes);
        cli_json_u64(&j, "data_bytes", info.data_bytes);
        cli_json_i64(&j, "zstd_level", info.zstd_level);
        cli_json_str(&j, "model", lgc_model_name(codec.kind));
        cli_json_u64(&j, "latent", codec.latent);
        cli_json_array(&j, "image_shape");
        cli_json_u64(&j, NULL, codec.h);
        cli_json_u64(&j, NULL, codec.w);
        cli_json_u64(&j, NULL, codec.c);
        cli_json_close(&j);
        cli_json_u64(&j, "n_classes", codec.n_classes);
        cli_json_u64(&j, "decoder_params", dec_params);
        cli_json_u64(&j, "gmm_params", gmm_params);
        cli_json_u64(&j, "k_sum", ksum);
        cli_json_u64(&j, "decoder_input", codec.dec_in);
        cli_json_u64(&j, "mixtures", codec.n_mix);
        cli_json_bool(&j, "grouped", codec.grouped);
        cli_json_u64_or_null(&j, "teacher_params", has_teacher, teacher.n_params);
        cli_json_bool(&j, "real_records", codec.n_ex > 0);
        cli_json_u64_or_null(&j, "exemplars", codec.n_ex, codec.n_ex);
        if (codec.n_ex)
            cli_json_num(&j, "exemplar_share", codec.ex_share, 4);
        else
            cli_json_null(&j, "exemplar_share");
        cli_json_object(&j, "keys");
        for (size_t i = 0; i < lgc_pkg_n_kv(p); i++)
            json_kv(&j, lgc_pkg_kv_at(p, i));
        cli_json_close(&j);
        cli_json_end(&j);
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
        if (has_teacher) {
            lgc_net_describe(&teacher, desc, sizeof desc);
            printf("  teacher: %s (%zu parameters, int8): decompress --soft-labels writes its "
                   "probabilities\n", desc, teacher.n_params);
        }
        if (codec.n_ex)
            printf("  REAL RECORDS: this package holds %zu real training images with their labels "
                   "(a hybrid package); they fill %.0f%% of every decompressed set\n",
                   codec.n_ex, 100.0 * codec.ex_share);
        else
            printf("  real records: none (only a decoder and mixtures)\n");
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
            print_kv_text(kv);
            printf("\n");
        }
    }
done:
    lgc_net_free(&teacher);
    lgc_codec_free(&codec);
    lgc_pkg_free(p);
    return rc;
}
