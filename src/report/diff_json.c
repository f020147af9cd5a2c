/* `rdblens diff --format json`: schema rdblens.diff/1, written as it goes
 * (the pattern tree can have many nodes). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg_internal.h"
#include "rdblens/diff.h"

static void key_str(rdbl__jw *w, const char *k, const char *v)
{
    rdbl__jw_key(w, k);
    rdbl__jw_str(w, v, strlen(v));
}

static void key_i64(rdbl__jw *w, const char *k, int64_t v)
{
    rdbl__jw_key(w, k);
    rdbl__jw_i64(w, v);
}

static void input(rdbl__jw *w, const rdbl_diff_input *in)
{
    rdbl__jw_obj_begin(w);
    key_str(w, "file", in->file);
    key_str(w, "kind", in->is_report ? "report" : "rdb");
    rdbl__jw_key_u64(w, "keys", in->keys);
    rdbl__jw_key_u64(w, "memory_bytes", in->mem_bytes);
    rdbl__jw_key_u64(w, "keys_with_ttl", in->keys_with_ttl);
    if (!in->is_report) {
        rdbl__jw_key(w, "ctime");
        if (in->snap.ctime_source != RDBL_CTIME_NONE)
            rdbl__jw_i64(w, in->snap.ctime_s);
        else
            rdbl__jw_null(w);
        key_str(w, "redis_version", in->snap.redis_ver);
        key_str(w, "target", in->snap.target);
        key_str(w, "allocator", in->snap.allocator);
        key_str(w, "checksum", rdbl_checksum_status_name(in->snap.checksum));
        rdbl__jw_key(w, "redacted");
        rdbl__jw_bool(w, in->snap.redacted);
    }
    rdbl__jw_obj_end(w);
}

static void node(rdbl__jw *w, const rdbl_diff_node *n)
{
    rdbl__jw_obj_begin(w);
    key_str(w, "prefix", n->prefix ? n->prefix : "");
    rdbl__jw_key_u64(w, "keys_before", n->keys_before);
    rdbl__jw_key_u64(w, "keys_after", n->keys_after);
    rdbl__jw_key_u64(w, "memory_bytes_before", n->memory_bytes_before);
    rdbl__jw_key_u64(w, "memory_bytes_after", n->memory_bytes_after);
    rdbl__jw_key_u64(w, "keys_with_ttl_before", n->keys_with_ttl_before);
    rdbl__jw_key_u64(w, "keys_with_ttl_after", n->keys_with_ttl_after);
    rdbl__jw_key(w, "children");
    rdbl__jw_arr_begin(w);
    for (size_t i = 0; i < n->nchildren; i++)
        node(w, &n->children[i]);
    rdbl__jw_arr_end(w);
    rdbl__jw_obj_end(w);
}

static void families(rdbl__jw *w, const rdbl_diff *d, bool appeared)
{
    const rdbl_diff_node **v = NULL;
    size_t n = rdbl_diff_families(d, appeared, &v);
    rdbl__jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        rdbl__jw_obj_begin(w);
        key_str(w, "prefix", v[i]->prefix);
        rdbl__jw_key_u64(w, "keys", appeared ? v[i]->keys_after : v[i]->keys_before);
        rdbl__jw_key_u64(w, "memory_bytes",
                         appeared ? v[i]->memory_bytes_after : v[i]->memory_bytes_before);
        rdbl__jw_obj_end(w);
    }
    rdbl__jw_arr_end(w);
    free(v);
}

static void summary(rdbl__jw *w, const rdbl_diff *d)
{
    const rdbl_diff_summary *s = &d->summary;
    rdbl__jw_obj_begin(w);
    rdbl__jw_key_u64(w, "keys_before", s->keys_before);
    rdbl__jw_key_u64(w, "keys_after", s->keys_after);
    rdbl__jw_key_u64(w, "memory_bytes_before", s->memory_bytes_before);
    rdbl__jw_key_u64(w, "memory_bytes_after", s->memory_bytes_after);
    key_i64(w, "memory_bytes_change", rdbl_diff_delta(s->memory_bytes_before, s->memory_bytes_after));
    const struct {
        const char *name;
        uint64_t v;
    } kl[] = {
        {"keys_added", s->keys_added},
        {"keys_removed", s->keys_removed},
        {"keys_changed", s->keys_changed},
        {"keys_unchanged", s->keys_unchanged},
        {"keys_removed_expired", s->keys_removed_expired},
        {"keys_grown", s->keys_grown},
        {"keys_shrunk", s->keys_shrunk},
        {"keys_changed_type", s->changed_type},
        {"keys_changed_value", s->changed_value},
        {"keys_changed_expiry", s->changed_expiry},
        {"keys_ttl_gained", s->ttl_gained},
        {"keys_ttl_lost", s->ttl_lost},
        {"keys_encoding_changed", s->encoding_changes},
    };
    for (size_t i = 0; i < sizeof kl / sizeof kl[0]; i++) {
        rdbl__jw_key(w, kl[i].name);
        if (d->key_level)
            rdbl__jw_u64(w, kl[i].v);
        else
            rdbl__jw_null(w);
    }
    rdbl__jw_key(w, "unchanged_keys_memory_change");
    if (d->key_level)
        rdbl__jw_i64(w, s->unchanged_keys_memory_change);
    else
        rdbl__jw_null(w);
    rdbl__jw_obj_end(w);
}

static void top_keys(rdbl__jw *w, const rdbl_diff *d)
{
    rdbl__jw_obj_begin(w);
    for (int l = 0; l < RDBL_DIFF__LISTS; l++) {
        rdbl__jw_key(w, rdbl_diff_list_name((rdbl_diff_list)l));
        rdbl__jw_arr_begin(w);
        for (size_t i = 0; i < d->ntop[l]; i++) {
            const rdbl_diff_key *k = &d->top[l][i];
            rdbl__jw_obj_begin(w);
            rdbl__jw_key_u64(w, "db", k->db);
            rdbl__jw_key(w, "key");
            rdbl__jw_escaped(w, k->key, k->key_len);
            key_str(w, "type", rdbl_type_name(k->type));
            rdbl__jw_key_u64(w, "memory_bytes_before", k->memory_bytes_before);
            rdbl__jw_key_u64(w, "memory_bytes_after", k->memory_bytes_after);
            rdbl__jw_obj_end(w);
        }
        rdbl__jw_arr_end(w);
    }
    rdbl__jw_obj_end(w);
}

static void enc_rows(rdbl__jw *w, const rdbl_diff *d)
{
    rdbl__jw_arr_begin(w);
    for (size_t i = 0; i < d->nenc; i++) {
        const rdbl_diff_enc_row *r = &d->enc[i];
        rdbl__jw_obj_begin(w);
        key_str(w, "family", r->family);
        key_str(w, "type", rdbl_type_name(r->type));
        key_str(w, "encoding_before", r->before);
        key_str(w, "encoding_after", r->after);
        rdbl__jw_key_u64(w, "keys", r->keys);
        rdbl__jw_key_u64(w, "memory_bytes_before", r->memory_bytes_before);
        rdbl__jw_key_u64(w, "memory_bytes_after", r->memory_bytes_after);
        rdbl__jw_obj_end(w);
    }
    rdbl__jw_arr_end(w);
}

static void ttl_rows(rdbl__jw *w, const rdbl_diff *d)
{
    rdbl__jw_arr_begin(w);
    for (size_t i = 0; i < d->nttl; i++) {
        const rdbl_diff_ttl_row *r = &d->ttl[i];
        rdbl__jw_obj_begin(w);
        key_str(w, "family", r->family);
        rdbl__jw_key_u64(w, "keys_ttl_gained", r->gained);
        rdbl__jw_key_u64(w, "keys_ttl_lost", r->lost);
        rdbl__jw_key_u64(w, "memory_bytes_ttl_gained", r->gained_bytes);
        rdbl__jw_key_u64(w, "memory_bytes_ttl_lost", r->lost_bytes);
        rdbl__jw_obj_end(w);
    }
    rdbl__jw_arr_end(w);
}

rdbl_status rdbl_diff_write_json(FILE *out, const rdbl_diff *d, const rdbl_diff_report_opts *o)
{
    unsigned indent = o ? o->json_indent : 0;
    if (indent > 8)
        indent = 8;
    rdbl__jw *w = malloc(sizeof *w);
    if (!w)
        return RDBL_NOMEM;
    rdbl__jw_init(w, out, indent, 6);
    rdbl__jw_obj_begin(w);
    key_str(w, "schema", RDBL_DIFF_SCHEMA);
    rdbl__jw_key(w, "files");
    rdbl__jw_obj_begin(w);
    rdbl__jw_key(w, "before");
    input(w, &d->before);
    rdbl__jw_key(w, "after");
    input(w, &d->after);
    rdbl__jw_obj_end(w);
    rdbl__jw_key(w, "key_level");
    rdbl__jw_bool(w, d->key_level);
    key_str(w, "patterns",
            d->same_tree ? "one tree fed with the keys of both files: a pattern is folded the "
                           "same way on both sides"
                         : "report inputs: each side's tree as its report folded it, joined "
                           "by pattern; key-level sections need two RDB files");
    rdbl__jw_key_u64(w, "tree_folds", d->tree_folds);
    rdbl__jw_key(w, "summary");
    summary(w, d);
    rdbl__jw_key(w, "prefixes");
    node(w, &d->root);
    rdbl__jw_key(w, "families_appeared");
    families(w, d, true);
    rdbl__jw_key(w, "families_vanished");
    families(w, d, false);
    if (d->key_level) {
        rdbl__jw_key(w, "top_keys");
        top_keys(w, d);
        rdbl__jw_key(w, "encoding_changes");
        enc_rows(w, d);
        rdbl__jw_key(w, "ttl_changes");
        ttl_rows(w, d);
        rdbl__jw_key(w, "temporary");
        rdbl__jw_obj_begin(w);
        rdbl__jw_key_u64(w, "partitions", d->partitions);
        rdbl__jw_key_u64(w, "bytes", d->temp_bytes);
        rdbl__jw_obj_end(w);
    }
    rdbl__jw_obj_end(w);
    int rc = rdbl__jw_finish(w);
    int werr = w->err;
    free(w);
    if (rc != 0 && werr == ENOMEM)
        return RDBL_NOMEM;
    if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
        return RDBL_IO;
    return RDBL_OK;
}
