/* JSON report, schema "rdblens.report/1": the machine-readable form, and the
 * input of `rdblens merge`.
 *
 *   {
 *     "schema": "rdblens.report/1",
 *     "generator": {"name": "rdblens", "version": "..."},
 *     "file": {...}            the one input file (for several: a combined view,
 *                              see file_view()); "files": [...] lists them all
 *     "files": [...], "options": {...}, "reference_ms": ...,
 *     "summary": {...}         keys, memory_bytes (= sum of per-key estimates),
 *                              used_mem_bytes (the AUX field, summed), and each
 *                              reconciled total under its own name
 *     "databases", "types", "distributions", "functions", "modules",
 *     "prefixes", "top_keys", "ttl", "access",
 *     "advice": [...]          derived, ordered by saving (not read back)
 *     "advice_state": {...}    the evidence advice is derived from (read back)
 *   }
 *
 * Deterministic: members are written in a fixed order, lists in a defined
 * order, integers as integers, the few ratios with 6 significant digits.
 * Units: bytes, milliseconds, seconds as named. */
#include <errno.h>

#include "agg/agg_internal.h"
#include "report/json_read.h"
#include "rdblens/report.h"

static int checksum_rank(rdbl_checksum_status c)
{
    switch (c) {
    case RDBL_CHECKSUM_OK:
        return 0;
    case RDBL_CHECKSUM_NOT_CHECKED:
        return 1;
    case RDBL_CHECKSUM_DISABLED:
        return 2;
    case RDBL_CHECKSUM_ABSENT:
        return 3;
    case RDBL_CHECKSUM_MISMATCH:
        return 4;
    }
    return 4;
}

/* A file that was not an RDB at all (rdbl_snapshot_unread, as JSON). */
static bool unread_file(const json_t *f)
{
    const char *st = json_string_value(json_object_get(f, "status"));
    return st && strcmp(st, "ok") != 0 &&
           json_integer_value(json_object_get(f, "rdb_version")) == 0;
}

/* "file": the snapshot itself when there is one file; otherwise what all
 * files that were read share (null where they differ) and the worst checksum
 * status among them (a file that was not an RDB is listed in "files" only). */
static json_t *file_view(json_t *files)
{
    size_t n = json_array_size(files);
    if (n == 1)
        return json_incref(json_array_get(files, 0));
    json_t *j = json_object();
    if (!j)
        return NULL;
    int rc = rdbl__jset_u(j, "merged_files", n);
    static const char *const same[] = {"magic", "rdb_version", "compression"};
    for (size_t k = 0; k < 3; k++) {
        json_t *v = NULL;
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            if (unread_file(json_array_get(files, i)))
                continue;
            json_t *x = json_object_get(json_array_get(files, i), same[k]);
            if (first) {
                v = x;
                first = false;
            } else if (!json_equal(v, x)) {
                v = NULL;
                break;
            }
        }
        rc |= rdbl__jset(j, same[k], v ? json_incref(v) : json_null());
    }
    const char *worst = n ? "ok" : "absent";
    int wr = -1;
    for (size_t i = 0; i < n; i++) {
        const char *c = json_string_value(json_object_get(json_array_get(files, i), "checksum"));
        if (!c || unread_file(json_array_get(files, i)))
            continue;
        for (int s = RDBL_CHECKSUM_OK; s <= RDBL_CHECKSUM_NOT_CHECKED; s++) {
            if (strcmp(c, rdbl_checksum_status_name((rdbl_checksum_status)s)) == 0 &&
                checksum_rank((rdbl_checksum_status)s) > wr) {
                wr = checksum_rank((rdbl_checksum_status)s);
                worst = c;
            }
        }
    }
    rc |= rdbl__jset(j, "checksum", json_string(worst));
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* used-mem and the reconciled totals, summed over files. */
static int summary_extras(json_t *sum, const rdbl_agg *a)
{
    const rdbl_snapshot *s;
    size_t n = rdbl_agg_snapshots(a, &s);
    uint64_t used = 0;
    bool all_used = rdbl_snapshots_used_mem(s, n, &used);
    int rc = rdbl__jset(sum, "used_mem_bytes", all_used ? rdbl__ju(used) : json_null());
    uint64_t mem = 0;
    const json_t *m = json_object_get(sum, "memory_bytes");
    if (json_is_integer(m))
        mem = (uint64_t)json_integer_value(m);
    rc |= rdbl__jset(sum, "memory_to_used_mem_ratio",
                     all_used && used ? json_real((double)mem / (double)used) : json_null());
    /* Reconciled totals: summed by name, first-seen order; only when every
     * file has the total (a partial sum would mislead). */
    for (size_t i = 0; n && i < s[0].ntotals; i++) {
        const char *name = s[0].totals[i].name;
        uint64_t tot;
        if (!rdbl_snapshots_total(s, n, name, &tot) || !name[0] || json_object_get(sum, name))
            continue; /* never overwrite one of the summary's own members */
        rc |= rdbl__jset_u(sum, name, tot);
    }
    return rc;
}

/* The figures behind an item's words, for machines: the non-zero ones, and
 * its rows (threshold steps, expiry clusters, cold families). */
static int advice_figures(json_t *o, const rdbl_advice_item *it)
{
    const struct {
        const char *name;
        uint64_t v;
    } f[] = {
        {"total_keys", it->total_keys},
        {"total_bytes", it->total_bytes},
        {"limit_bytes", it->limit_bytes},
        {"limit_elements", it->limit_elements},
        {"max_bytes", it->max_bytes},
        {"max_elements", it->max_elements},
        {"alt_saving_bytes", it->alt_saving_bytes},
        {"alt_bytes", it->alt_bytes},
        {"sampled_keys", it->sampled_keys},
        {"sampled_bytes", it->sampled_bytes},
        {"lz4_permille", it->ratio_pm},
        {"zlib_permille", it->alt_ratio_pm},
        {"skipped_keys", it->skipped_keys},
        {"skipped_bytes", it->skipped_bytes},
        {"entities", it->entities},
        {"field_count", it->field_count},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v)
            rc |= rdbl__jset_u(o, f[i].name, f[i].v);
    if (it->fields[0])
        rc |= rdbl__jset(o, "fields", json_string(it->fields));
    if (!it->nrows)
        return rc;
    json_t *rows = json_array();
    rc |= rdbl__jset(o, "rows", rows);
    for (size_t i = 0; i < it->nrows && !rc; i++) {
        const rdbl_advice_row *r = &it->rows[i];
        json_t *x = json_object();
        if (!x || json_array_append_new(rows, x))
            return -1;
        if (r->name[0])
            rc |= rdbl__jset(x, "family", json_string(r->name));
        if (!strcmp(it->rule, "compact-encoding"))
            rc |= rdbl__jset_u(x, "threshold", r->value);
        if (!strcmp(it->rule, "cold-data")) {
            rc |= rdbl__jset_u(x, "lfu_keys", r->value);
            rc |= rdbl__jset(x, "idle_min_s", json_integer(r->idle_min_s));
            rc |= rdbl__jset(x, "idle_max_s", json_integer(r->idle_max_s));
        }
        if (!strcmp(it->rule, "mass-expiry")) {
            rc |= rdbl__jset(x, "first_minute_ms", json_integer(r->at_ms));
            rc |= rdbl__jset(x, "span_ms", json_integer(r->span_ms));
        }
        rc |= rdbl__jset_u(x, "keys", r->keys);
        rc |= rdbl__jset_u(x, "memory_bytes", r->bytes);
        if (r->saving_bytes)
            rc |= rdbl__jset_u(x, "saving_bytes", r->saving_bytes);
    }
    return rc;
}

static json_t *advice_to_json(const rdbl_agg *a)
{
    rdbl_advice_list l;
    if (rdbl_agg_advice(a, &l) != RDBL_OK)
        return NULL;
    json_t *arr = json_array();
    int rc = arr ? 0 : -1;
    for (size_t i = 0; i < l.n && !rc; i++) {
        const rdbl_advice_item *it = &l.items[i];
        json_t *o = json_object();
        json_t *ex = json_array();
        if (!o || !ex || json_array_append_new(arr, o)) {
            json_decref(o);
            json_decref(ex);
            rc = -1;
            break;
        }
        rc |= rdbl__jset(o, "rule", json_string(it->rule));
        rc |= rdbl__jset(o, "level", json_string(rdbl_advice_level_name(it->level)));
        rdbl_advice_words w;
        rdbl_advice_words_of(it, &w);
        rc |= rdbl__jset(o, "title", json_string(w.title));
        rc |= rdbl__jset(o, "detail", json_string(w.detail));
        if (it->config[0])
            rc |= rdbl__jset(o, "config", json_string(it->config));
        if (it->prefix[0])
            rc |= rdbl__jset(o, "prefix", json_string(it->prefix));
        rc |= rdbl__jset_u(o, "keys", it->keys);
        rc |= rdbl__jset_u(o, "affected_bytes", it->affected_bytes);
        rc |= rdbl__jset_u(o, "saving_bytes", it->saving_bytes);
        rc |= advice_figures(o, it);
        rc |= rdbl__jset(o, "examples", ex);
        for (size_t k = 0; k < it->nexamples && !rc; k++) {
            const rdbl_key_entry *e = it->examples[k];
            json_t *x = json_object();
            if (!x || json_array_append_new(ex, x)) {
                rc = -1;
                break;
            }
            rc |= rdbl__jset_u(x, "db", e->db);
            rc |= rdbl__jset(x, "key", rdbl__jkey(e->key, e->key_len));
            rc |= rdbl__jset(x, "type", json_string(rdbl_type_name(e->type)));
            rc |= rdbl__jset(x, "encoding", json_string(e->encoding));
            rc |= rdbl__jset_u(x, "elements", e->elements);
            rc |= rdbl__jset_u(x, "memory_bytes", e->mem_bytes);
        }
    }
    rdbl_advice_list_free(&l);
    if (rc) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* light: the big members ("prefixes", "ttl") are null placeholders, to be
 * streamed by rdbl_report_json(). */
static json_t *report_object(const rdbl_agg *a, bool light)
{
    json_t *st = light ? rdbl__agg_to_json_light(a) : rdbl_agg_to_json(a);
    json_t *root = json_object();
    json_t *gen = json_object();
    if (!st || !root || !gen) {
        json_decref(st);
        json_decref(root);
        json_decref(gen);
        return NULL;
    }
    int rc = 0;
    rc |= rdbl__jset(root, "schema", json_string(RDBL_REPORT_SCHEMA));
    rc |= rdbl__jset(root, "generator", gen);
    rc |= rdbl__jset(gen, "name", json_string("rdblens"));
    rc |= rdbl__jset(gen, "version", json_string(RDBL_VERSION_STRING));
    rc |= rdbl__jset(root, "file", file_view(json_object_get(st, "files")));
    json_t *sum = json_object_get(st, "summary");
    if (!sum || summary_extras(sum, a))
        rc = -1;
    const char *k;
    json_t *v;
    json_object_foreach(st, k, v)
    {
        if (rc)
            break;
        if (strcmp(k, "advice_state") == 0)
            rc |= rdbl__jset(root, "advice", advice_to_json(a));
        rc |= json_object_set(root, k, v) ? -1 : 0;
    }
    json_decref(st);
    if (rc) {
        json_decref(root);
        return NULL;
    }
    return root;
}

json_t *rdbl_report_json_object(const rdbl_agg *a)
{
    return report_object(a, false);
}

/* Writes the report member by member: the same bytes json_dumpf() would
 * write for rdbl_report_json_object(), but the prefix tree and the expiry
 * minutes (the bulk of a report) never exist as a jansson tree. */
rdbl_status rdbl_report_json(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err)
{
    json_t *root = report_object(a, true);
    if (!root)
        return rdbl__fail(err, RDBL_NOMEM, 0, "json report", "out of memory");
    unsigned indent = o ? o->json_indent : 0;
    if (indent > 8)
        indent = 8;
    rdbl__jw *w = malloc(sizeof *w);
    if (!w) {
        json_decref(root);
        return rdbl__fail(err, RDBL_NOMEM, 0, "json report", "out of memory");
    }
    rdbl__jw_init(w, out, indent, 6);
    const char *k;
    json_t *v;
    rdbl__jw_obj_begin(w);
    json_object_foreach(root, k, v)
    {
        rdbl__jw_key(w, k);
        if (strcmp(k, "prefixes") == 0)
            rdbl__prefix_agg_write(rdbl_agg_prefix(a), w);
        else if (strcmp(k, "ttl") == 0)
            rdbl__ttl_agg_write(rdbl_agg_ttl(a), w);
        else
            rdbl__jw_json(w, v);
    }
    rdbl__jw_obj_end(w);
    int rc = rdbl__jw_finish(w);
    int werr = w->err;
    free(w);
    json_decref(root);
    if (rc != 0 && werr == ENOMEM)
        return rdbl__fail(err, RDBL_NOMEM, 0, "json report", "out of memory");
    if (rc != 0 || fputc('\n', out) == EOF || ferror(out))
        return rdbl__fail(err, RDBL_IO, 0, "json report", "write failed: %s",
                          strerror(werr ? werr : errno));
    return RDBL_OK;
}

/* ---- reading reports back -------------------------------------------------------------- */

static rdbl_status load_json(json_t **out, const char *path, const char *buf, size_t len,
                             rdbl_error *err)
{
    json_error_t je;
    json_t *j;
    if (buf)
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    else if (strcmp(path, "-") == 0)
        j = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
    else
        j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        rdbl_status code = (path && strstr(je.text, "unable to open")) ? RDBL_IO : RDBL_CORRUPT;
        return rdbl__fail(err, code, (uint64_t)(je.position < 0 ? 0 : je.position),
                          path ? path : "json", "%s (line %d, column %d)", je.text, je.line,
                          je.column);
    }
    const char *schema = json_string_value(json_object_get(j, "schema"));
    if (!schema || strcmp(schema, RDBL_REPORT_SCHEMA) != 0) {
        rdbl__fail(err, RDBL_CORRUPT, 0, path ? path : "json",
                   "not an rdblens report (schema \"%.60s\", expected \"%s\")",
                   schema ? schema : "", RDBL_REPORT_SCHEMA);
        json_decref(j); /* after the message: schema points into j */
        return RDBL_CORRUPT;
    }
    *out = j;
    return RDBL_OK;
}

rdbl_status rdbl_report_json_load_mem(rdbl_agg *a, const char *buf, size_t len, rdbl_error *err)
{
    json_t *j;
    rdbl_status st = load_json(&j, NULL, buf, len, err);
    if (st != RDBL_OK)
        return st;
    st = rdbl_agg_add_json(a, j, err);
    json_decref(j);
    return st;
}

/* Opens a report for reading ("-" is standard input, not closed). */
static FILE *open_report(const char *path, rdbl_error *err)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "rb");
    if (!f)
        rdbl__fail(err, RDBL_IO, 0, path, "unable to open %s: %s", path, strerror(errno));
    return f;
}

rdbl_status rdbl_report_json_load(rdbl_agg *a, const char *path, rdbl_error *err)
{
    /* streamed: a report's prefix tree and expiry minutes are never held
     * whole (json_read.c) */
    FILE *f = open_report(path, err);
    if (!f)
        return RDBL_IO;
    rdbl_status st = rdbl__report_stream_add(a, f, path, err);
    if (f != stdin)
        fclose(f);
    return st;
}

rdbl_status rdbl_report_merge(rdbl_agg **out, const char *const *paths, size_t n,
                              const rdbl_agg_opts *opts, rdbl_error *err)
{
    *out = NULL;
    if (n == 0)
        return rdbl__fail(err, RDBL_USAGE, 0, "merge", "no report to merge");
    rdbl__aopts o;
    rdbl_status st;
    if (opts) {
        rdbl__aopts_norm(&o, opts);
    } else {
        /* the first report's options: read up to them only (standard input
         * cannot be read twice, so it is read whole, the old way) */
        json_t *first = NULL;
        if (strcmp(paths[0], "-") == 0) {
            if ((st = load_json(&first, paths[0], NULL, 0, err)) != RDBL_OK)
                return st;
            rdbl__aopts_from_json(&o, json_object_get(first, "options"));
        } else {
            FILE *f = open_report(paths[0], err);
            if (!f)
                return RDBL_IO;
            json_t *opt = NULL;
            st = rdbl__report_stream_options(f, paths[0], &opt, err);
            fclose(f);
            if (st != RDBL_OK)
                return st;
            rdbl__aopts_from_json(&o, opt);
            json_decref(opt);
        }
        if (first) {
            rdbl_agg *a;
            if ((st = rdbl_agg_new(&a, &o.o)) != RDBL_OK) {
                json_decref(first);
                return rdbl__fail(err, st, 0, "merge", "out of memory");
            }
            st = rdbl_agg_add_json(a, first, err);
            json_decref(first);
            for (size_t i = 1; i < n && st == RDBL_OK; i++)
                st = rdbl_report_json_load(a, paths[i], err);
            if (st != RDBL_OK) {
                rdbl_agg_free(a);
                return st;
            }
            *out = a;
            return RDBL_OK;
        }
    }
    rdbl_agg *a;
    st = rdbl_agg_new(&a, &o.o);
    if (st != RDBL_OK)
        return rdbl__fail(err, st, 0, "merge", "out of memory");
    for (size_t i = 0; i < n && st == RDBL_OK; i++)
        st = rdbl_report_json_load(a, paths[i], err);
    if (st != RDBL_OK) {
        rdbl_agg_free(a);
        return st;
    }
    *out = a;
    return RDBL_OK;
}
