/* HTML report: one self-contained page (no external URL: inline CSS, JS and
 * SVG), for people who would rather look.
 *
 *   <head>  title, inline <style>
 *   <body data-boxes="N" data-status="ok|error: ...">   set by the script: N is the
 *           number of boxes in the treemap currently shown (at load: one per
 *           top-level prefix); tests read it from the DOM
 *     summary cards | treemap (click to zoom, breadcrumb to zoom out) |
 *     advice | TTL chart (SVG) | sortable tables: top keys, prefixes, types, dbs
 *   <script type="application/json" id="rdbl-data">  the data, escaped so that
 *           no "</script>" can occur in it
 *   <script>  the page logic (vanilla JS, no library)
 *
 * The embedded tree is bounded: per level at most 200/40/20/12 children (the
 * rest summed into one "(N smaller)" box) and 4000 nodes in all. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rdblens/report.h"

typedef struct hw {
    FILE *f;
    bool failed;
} hw;

static void put(hw *w, const char *s)
{
    if (fputs(s, w->f) == EOF)
        w->failed = true;
}

static void putf(hw *w, const char *fmt, ...) RDBL_PRINTF(2, 3);
static void putf(hw *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(w->f, fmt, ap) < 0)
        w->failed = true;
    va_end(ap);
}

/* A JSON string safe inside <script>: '<', '>', '&', U+2028/9 and the invisible
 * and bidi controls U+200B-200F, U+202A-202E, U+2060-206F escaped. */
static void jstr(hw *w, const char *s)
{
    char buf[512];
    size_t o = 0;
    buf[o++] = '"';
    for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
        if (o > sizeof buf - 16) {
            buf[o] = 0;
            put(w, buf);
            o = 0;
        }
        uint8_t c = *p;
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            o += (size_t)snprintf(buf + o, 8, "\\u%04x", c);
        } else if (c == 0xe2 && ((p[1] == 0x80 && ((p[2] >= 0x8b && p[2] <= 0x8f) ||
                                                   (p[2] >= 0xa8 && p[2] <= 0xae))) ||
                                 (p[1] == 0x81 && p[2] >= 0xa0 && p[2] <= 0xaf))) {
            /* line separators and invisible / direction controls: escaped, so that
             * not even the page source shows text reordered */
            o += (size_t)snprintf(buf + o, 8, "\\u%04x",
                                  0x2000 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f));
            p += 2;
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = 0;
    put(w, buf);
}

static void jkey(hw *w, const uint8_t *p, size_t len)
{
    char small[512];
    size_t need = rdbl_escape_bytes(NULL, 0, p, len);
    char *buf = need + 1 > sizeof small ? malloc(need + 1) : small;
    if (!buf) {
        w->failed = true;
        return;
    }
    rdbl_escape_bytes(buf, need + 1, p, len);
    jstr(w, buf);
    if (buf != small)
        free(buf);
}

static void hesc(hw *w, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            put(w, "&amp;");
            break;
        case '<':
            put(w, "&lt;");
            break;
        case '>':
            put(w, "&gt;");
            break;
        case '"':
            put(w, "&quot;");
            break;
        default:
            if (fputc(*s, w->f) == EOF)
                w->failed = true;
        }
    }
}

/* ---- data ----------------------------------------------------------------------------- */

/* Writes the JSON members of an array separated by commas: sep(w, &first). */
static void sep(hw *w, bool *first)
{
    if (!*first)
        put(w, ",");
    *first = false;
}

/* [label, keys, memory] */
static void count_row(hw *w, const char *label, const rdbl_count *c)
{
    put(w, "[");
    jstr(w, label);
    putf(w, ",%" PRIu64 ",%" PRIu64 "]", c->keys, c->mem_bytes);
}

static const size_t level_cap[] = {200, 40, 20, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
                                   12, 12, 12};

/* The members of one treemap node after its names ("k" keys, "m" memory, "t"
 * keys with a TTL, "r" RDB bytes, "o" a summed "(other)" box). New per-node
 * facts go here; the page's tip() shows them. */
static void tree_fields(hw *w, const rdbl_prefix_totals *t)
{
    putf(w, ",\"k\":%" PRIu64 ",\"m\":%" PRIu64 ",\"t\":%" PRIu64 ",\"r\":%" PRIu64, t->keys,
         t->mem_bytes, t->keys_with_ttl, t->rdb_bytes);
}

static void tree_node(hw *w, const rdbl_prefix_agg *p, uint32_t id, unsigned depth,
                      size_t *budget, char *name, size_t cap)
{
    const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(p, id);
    if (id == RDBL_PREFIX_ROOT) {
        put(w, "{\"p\":\"(all keys)\",\"l\":\"(all keys)\"");
    } else {
        rdbl_prefix_agg_name(p, id, name, cap);
        put(w, "{\"p\":");
        jstr(w, name);
        rdbl_str l = rdbl_prefix_agg_label(p, id);
        put(w, ",\"l\":");
        jkey(w, l.ptr, l.len);
    }
    tree_fields(w, t);
    if (rdbl_prefix_agg_is_other(p, id))
        put(w, ",\"o\":1");
    /* one key of the row ("x", "xc" when cut) and the distinct values of
     * the row's own "*" ("v", "ve" when estimated) */
    bool cut, est;
    rdbl_str ex = rdbl_prefix_agg_example(p, id, &cut);
    if (ex.ptr && id != RDBL_PREFIX_ROOT) {
        put(w, ",\"x\":");
        jkey(w, ex.ptr, ex.len);
        if (cut)
            put(w, ",\"xc\":1");
    }
    uint64_t nv = rdbl_prefix_agg_values(p, id, &est);
    if (nv)
        putf(w, ",\"v\":%" PRIu64 "%s", nv, est ? ",\"ve\":1" : "");
    size_t n = rdbl_prefix_agg_children(p, id, NULL, 0);
    if (n && *budget && depth < 4) {
        uint32_t *kids = malloc(n * sizeof *kids);
        if (!kids) {
            w->failed = true;
            put(w, "}");
            return;
        }
        rdbl_prefix_agg_children(p, id, kids, n);
        size_t lim = level_cap[depth];
        put(w, ",\"c\":[");
        size_t shown = 0;
        for (; shown < n && shown < lim && *budget; shown++) {
            (*budget)--;
            if (shown)
                put(w, ",");
            tree_node(w, p, kids[shown], depth + 1, budget, name, cap);
        }
        if (shown < n) {
            rdbl_prefix_totals rest;
            memset(&rest, 0, sizeof rest);
            for (size_t i = shown; i < n; i++) {
                const rdbl_prefix_totals *x = rdbl_prefix_agg_totals(p, kids[i]);
                rest.keys += x->keys;
                rest.mem_bytes += x->mem_bytes;
                rest.keys_with_ttl += x->keys_with_ttl;
                rest.rdb_bytes += x->rdb_bytes;
            }
            char lab[64];
            snprintf(lab, sizeof lab, "(%zu smaller)", n - shown);
            put(w, shown ? "," : "");
            put(w, "{\"p\":");
            jstr(w, lab);
            put(w, ",\"l\":");
            jstr(w, lab);
            tree_fields(w, &rest);
            put(w, ",\"o\":1}");
        }
        put(w, "]");
        free(kids);
    }
    put(w, "}");
}

/* [key, db, type, encoding, elements, memory, largest element, TTL s|null,
 *  LFU counter|null, idle s|null]; a key kept truncated ends in "…". */
static void key_row(hw *w, const rdbl_key_entry *e, int64_t ref)
{
    put(w, "[");
    if (e->key_full_len > e->key_len) {
        size_t need = rdbl_escape_bytes(NULL, 0, e->key, e->key_len);
        char *buf = malloc(need + 4);
        if (!buf) {
            w->failed = true;
            put(w, "\"\"");
        } else {
            rdbl_escape_bytes(buf, need + 1, e->key, e->key_len);
            memcpy(buf + need, "\xe2\x80\xa6", 4);
            jstr(w, buf);
            free(buf);
        }
    } else {
        jkey(w, e->key, e->key_len);
    }
    putf(w, ",%" PRIu64 ",", e->db);
    jstr(w, rdbl_type_name(e->type));
    put(w, ",");
    jstr(w, e->encoding);
    putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", e->elements, e->mem_bytes,
         e->largest_element);
    if (e->has_expire) {
        int64_t d;
        if (__builtin_sub_overflow(e->expire_ms, ref, &d))
            d = e->expire_ms < ref ? INT64_MIN : INT64_MAX;
        putf(w, "%" PRId64, d / 1000);
    } else {
        put(w, "null");
    }
    if (e->freq >= 0)
        putf(w, ",%d", e->freq);
    else
        put(w, ",null");
    if (e->idle_s >= 0)
        putf(w, ",%" PRId64 "]", e->idle_s);
    else
        put(w, ",null]");
}

static void key_list(hw *w, const rdbl_key_entry *const *v, size_t n, int64_t ref)
{
    put(w, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(w, ",");
        key_row(w, v[i], ref);
    }
    put(w, "]");
}

static void files(hw *w, const rdbl_snapshot *s, size_t ns)
{
    char tm[64];
    put(w, ",\"files\":[");
    for (size_t i = 0; i < ns; i++) {
        put(w, i ? ",{\"file\":" : "{\"file\":");
        jkey(w, (const uint8_t *)s[i].file, strlen(s[i].file));
        put(w, ",\"magic\":");
        jstr(w, s[i].magic);
        putf(w, ",\"rdb_version\":%d,\"size\":%" PRIu64 ",\"checksum\":", s[i].rdb_version,
             s[i].file_size);
        jstr(w, rdbl_checksum_status_name(s[i].checksum));
        put(w, ",\"ctime\":");
        jstr(w, s[i].ctime_source == RDBL_CTIME_NONE
                    ? "unknown"
                    : rdbl_fmt_time_ms(tm, sizeof tm, s[i].ctime_s * 1000, true));
        put(w, ",\"ctime_source\":");
        jstr(w, rdbl_ctime_source_name(s[i].ctime_source));
        put(w, ",\"compression\":");
        jstr(w, rdbl_compression_name(s[i].compression));
        put(w, ",\"server\":");
        jstr(w, s[i].redis_ver);
        put(w, ",\"target\":");
        jstr(w, s[i].target);
        put(w, ",\"allocator\":");
        jstr(w, s[i].allocator);
        put(w, ",\"allocator_source\":");
        jstr(w, s[i].allocator_source);
        put(w, ",\"allocator_note\":");
        jstr(w, s[i].allocator_reason);
        put(w, ",\"used\":");
        if (s[i].has_used_mem)
            putf(w, "%" PRIu64, s[i].used_mem);
        else
            put(w, "null");
        put(w, ",\"totals\":[");
        for (size_t k = 0; k < s[i].ntotals; k++) {
            put(w, k ? ",[" : "[");
            jstr(w, s[i].totals[k].name);
            putf(w, ",%" PRIu64 "]", s[i].totals[k].bytes);
        }
        put(w, "],\"sha256\":");
        jstr(w, s[i].sha256);
        put(w, ",\"sha256_of\":");
        jstr(w, s[i].sha256[0] ? rdbl_source_sha256_scope(s[i].compression) : s[i].sha256_note);
        /* --salvage: [start, end, bytes, db, last key, to the end, key kept damaged] */
        putf(w, ",\"holes\":%" PRIu64 ",\"hole_list\":[", s[i].holes);
        for (size_t h = 0; h < s[i].nholes; h++) {
            const rdbl_snapshot_hole *x = &s[i].hole[h];
            putf(w, "%s[%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", h ? "," : "",
                 x->start, x->end, x->end - x->start, x->db);
            jstr(w, x->last_key);
            putf(w, ",%d,%d]", x->to_end ? 1 : 0, x->key_damaged ? 1 : 0);
        }
        put(w, "]");
        put(w, ",\"status\":");
        jstr(w, s[i].status == RDBL_OK ? "ok" : s[i].error);
        put(w, "}");
    }
    put(w, "]");
}

/* One warning sentence (a JSON string in the "warnings" array). */
static void warn(hw *w, bool *first, const char *fmt, ...) RDBL_PRINTF(3, 4);
static void warn(hw *w, bool *first, const char *fmt, ...)
{
    char buf[1600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sep(w, first);
    jstr(w, buf);
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/* What a reader must know before trusting the figures. */
static void warnings(hw *w, const rdbl_agg *a, const rdbl_snapshot *s, size_t ns)
{
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    char b1[32], b2[32], name[1100];
    bool first = true;
    put(w, ",\"warnings\":[");
    for (size_t i = 0; i < ns; i++) {
        rdbl_escape_bytes(name, sizeof name, (const uint8_t *)s[i].file, strlen(s[i].file));
        if (rdbl_snapshot_unread(&s[i])) {
            warn(w, &first, "%s is not an RDB file (%s at offset %" PRIu64
                            ": %s): none of it is in the figures.",
                 name, rdbl_status_name(s[i].status), s[i].error_offset, s[i].error);
            continue;
        }
        if (s[i].status != RDBL_OK && s[i].status != RDBL_CHECKSUM)
            warn(w, &first,
                 "%s could not be read to the end: %s at offset %" PRIu64
                 " (%s). The report covers what was read before.",
                 name, rdbl_status_name(s[i].status), s[i].error_offset, s[i].error);
        if (s[i].redacted)
            warn(w, &first,
                 "%s: keys are redacted (--redact): ids, e-mail addresses, UUIDs and tokens "
                 "in them are keyed pseudonyms of the same shape, not the real keys.",
                 name);
        if (s[i].holes)
            warn(w, &first,
                 "%s was read past %" PRIu64 " damaged stretch%s (--salvage): %s skipped, what "
                 "they held is missing from the figures; %" PRIu64 " key%s kept damaged. See "
                 "Damaged stretches below.",
                 name, s[i].holes, s[i].holes == 1 ? "" : "es",
                 rdbl_fmt_bytes(b1, sizeof b1, s[i].hole_bytes), s[i].damaged_keys,
                 plural(s[i].damaged_keys));
        if (s[i].checksum == RDBL_CHECKSUM_MISMATCH)
            warn(w, &first, "%s: the CRC-64 checksum does not match: the file is damaged.",
                 name);
        if (s[i].future_version)
            warn(w, &first, "%s: RDB version %d is newer than the versions rdblens knows.", name,
                 s[i].rdb_version);
        if (s[i].target_warning[0])
            warn(w, &first, "%s: %s.", name, s[i].target_warning);
        if (s[i].target_note[0])
            warn(w, &first, "%s: %s.", name, s[i].target_note);
    }
    if (sum->unmodelled_keys)
        warn(w, &first,
             "%s module key%s (%s) %s not modelled: %s figure is a lower bound.",
             rdbl_fmt_count(b1, sizeof b1, sum->unmodelled_keys), plural(sum->unmodelled_keys),
             rdbl_fmt_bytes(b2, sizeof b2, sum->unmodelled_mem_bytes),
             sum->unmodelled_keys == 1 ? "is" : "are",
             sum->unmodelled_keys == 1 ? "its" : "their");
    if (rdbl_prefix_agg_folds(rdbl_agg_prefix(a)))
        warn(w, &first,
             "The prefix tree passed its budget of %s nodes: small prefixes were folded "
             "into \"(other)\".",
             rdbl_fmt_count(b1, sizeof b1, rdbl_agg_get_opts(a)->node_budget));
    rdbl_ttl_summary ts;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &ts);
    if (ts.untracked.keys)
        warn(w, &first,
             "%s key%s expire in minutes past the tracking cap of %zu minutes: the expiry "
             "clusters leave them out.",
             rdbl_fmt_count(b1, sizeof b1, ts.untracked.keys), plural(ts.untracked.keys),
             ts.minutes_cap);
    put(w, "]");
}

static void summary(hw *w, const rdbl_agg *a, const rdbl_snapshot *s, size_t ns, int64_t ref)
{
    const rdbl_tables_agg *tb = rdbl_agg_tables(a);
    const rdbl_summary *sum = rdbl_tables_agg_summary(tb);
    const rdbl_table_row *rows;
    size_t ndb = rdbl_tables_agg_rows(tb, RDBL_TABLE_DB, &rows);
    uint64_t used = 0;
    bool all_used = rdbl_snapshots_used_mem(s, ns, &used);
    putf(w, ",\"summary\":{\"keys\":%" PRIu64 ",\"mem\":%" PRIu64 ",\"rdb\":%" PRIu64
            ",\"ttl\":%" PRIu64 ",\"expired\":%" PRIu64 ",\"dbs\":%zu,\"used\":",
         sum->all.keys, sum->all.mem_bytes, sum->all.rdb_bytes, sum->all.keys_with_ttl,
         sum->expired_keys, ndb);
    if (all_used)
        putf(w, "%" PRIu64, used);
    else
        put(w, "null");
    /* reconciled totals summed over the files, by the first file's names */
    put(w, ",\"totals\":[");
    bool first = true;
    for (size_t i = 0; ns && i < s[0].ntotals; i++) {
        uint64_t tot;
        if (!rdbl_snapshots_total(s, ns, s[0].totals[i].name, &tot))
            continue;
        sep(w, &first);
        put(w, "[");
        jstr(w, s[0].totals[i].name);
        putf(w, ",%" PRIu64 "]", tot);
    }
    char tm[64];
    put(w, "],\"ref\":");
    jstr(w, rdbl_fmt_time_ms(tm, sizeof tm, ref, true));
    put(w, "}");
}

static void tables(hw *w, const rdbl_agg *a)
{
    const rdbl_tables_agg *tb = rdbl_agg_tables(a);
    const rdbl_table_row *rows, *enc;
    put(w, ",\"types\":[");
    size_t ne = rdbl_tables_agg_rows(tb, RDBL_TABLE_ENCODING, &enc);
    for (size_t i = 0; i < ne; i++) {
        const rdbl_table_stats *x = &enc[i].s;
        put(w, i ? ",[" : "[");
        jstr(w, rdbl_type_name(enc[i].type));
        put(w, ",");
        jstr(w, enc[i].encoding);
        putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
             x->keys, x->mem_bytes, x->keys ? x->mem_bytes / x->keys : 0, x->max_mem_bytes,
             x->elements, x->max_elements);
    }
    size_t ndb = rdbl_tables_agg_rows(tb, RDBL_TABLE_DB, &rows);
    put(w, "],\"dbs\":[");
    for (size_t i = 0; i < ndb; i++) {
        const rdbl_table_stats *x = &rows[i].s;
        putf(w, "%s[", i ? "," : "");
        if (rows[i].encoding[0])
            jstr(w, rows[i].encoding);
        else
            putf(w, "%" PRIu64, rows[i].db);
        putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", x->keys, x->mem_bytes,
             x->keys_with_ttl, x->elements);
    }
    /* size distribution: [type, [[log2 bucket, keys, memory]...]] */
    const rdbl_table_row *types;
    size_t nt = rdbl_tables_agg_rows(tb, RDBL_TABLE_TYPE, &types);
    put(w, "],\"dist\":[");
    bool first = true;
    for (size_t i = 0; i < nt; i++) {
        if (!types[i].s.keys)
            continue;
        sep(w, &first);
        put(w, "[");
        jstr(w, rdbl_type_name(types[i].type));
        put(w, ",[");
        const rdbl_count *d = rdbl_tables_agg_dist(tb, types[i].type, RDBL_DIST_MEMORY);
        bool f2 = true;
        for (unsigned b = 0; d && b < RDBL_LOG2_BUCKETS; b++) {
            if (!d[b].keys)
                continue;
            sep(w, &f2);
            putf(w, "[%u,%" PRIu64 ",%" PRIu64 "]", b, d[b].keys, d[b].mem_bytes);
        }
        put(w, "]]");
    }
    const rdbl_function_row *fr;
    const rdbl_module_row *mr;
    size_t nf = rdbl_tables_agg_functions(tb, &fr);
    size_t nm = rdbl_tables_agg_modules(tb, &mr);
    put(w, "],\"functions\":[");
    for (size_t i = 0; i < nf; i++) {
        put(w, i ? ",[" : "[");
        jstr(w, fr[i].name);
        put(w, ",");
        jstr(w, fr[i].engine);
        putf(w, ",%" PRIu64 "]", fr[i].code_bytes);
    }
    put(w, "],\"modules\":[");
    for (size_t i = 0; i < nm; i++) {
        put(w, i ? ",[" : "[");
        jkey(w, (const uint8_t *)mr[i].name, strlen(mr[i].name));
        putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", mr[i].keys, mr[i].mem_bytes,
             mr[i].aux_records);
    }
    put(w, "]");
}

static void ttls(hw *w, const rdbl_agg *a)
{
    rdbl_ttl_summary ts;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &ts);
    char tm[64];
    put(w, ",\"ttl\":[");
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++) {
        put(w, b ? "," : "");
        count_row(w, rdbl_ttl_bucket_label((rdbl_ttl_bucket)b), &ts.buckets[b]);
    }
    rdbl_ttl_minute m[10];
    size_t nm = rdbl_ttl_agg_top_minutes(rdbl_agg_ttl(a), m, 10);
    put(w, "],\"clusters\":[");
    for (size_t i = 0; i < nm; i++) {
        putf(w, "%s[", i ? "," : "");
        jstr(w, rdbl_fmt_time_ms(tm, sizeof tm, m[i].minute * 60000, false));
        putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRId64 "]", m[i].keys, m[i].mem_bytes,
             (m[i].minute * 60000 - ts.ref_ms) / 1000);
    }
    put(w, "],\"fields\":");
    if (!ts.field_keys) {
        put(w, "null");
        return;
    }
    putf(w, "{\"keys\":%" PRIu64 ",\"fields\":%" PRIu64 ",\"mem\":%" PRIu64 ",\"buckets\":[",
         ts.field_keys, ts.fields, ts.field_mem_bytes);
    bool first = true;
    for (unsigned b = RDBL_TTL_EXPIRED; b < RDBL_TTL__COUNT; b++) {
        if (!ts.field_buckets[b].keys)
            continue;
        sep(w, &first);
        count_row(w, rdbl_ttl_bucket_label((rdbl_ttl_bucket)b), &ts.field_buckets[b]);
    }
    put(w, "]}");
}

static void access(hw *w, const rdbl_agg *a, const rdbl_key_entry **v, size_t top, int64_t ref)
{
    const rdbl_access_agg *ac = rdbl_agg_access(a);
    const rdbl_access_summary *s = rdbl_access_agg_summary(ac);
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    putf(w,
         ",\"access\":{\"idle_known\":%" PRIu64 ",\"cold_idle_s\":%" PRId64
         ",\"cold\":[%" PRIu64 ",%" PRIu64 "],\"lfu_known\":%" PRIu64 ",\"lfu0\":[%" PRIu64
         ",%" PRIu64 "],\"idle\":[",
         sum->all.keys - s->idle[RDBL_IDLE_UNKNOWN].keys, s->cold_idle_s, s->cold.keys,
         s->cold.mem_bytes, s->freq_known.keys, s->freq[0].keys, s->freq[0].mem_bytes);
    for (unsigned b = RDBL_IDLE_LT_1M; b < RDBL_IDLE__COUNT; b++) {
        put(w, b > RDBL_IDLE_LT_1M ? "," : "");
        count_row(w, rdbl_idle_bucket_label((rdbl_idle_bucket)b), &s->idle[b]);
    }
    put(w, "],\"freq\":[");
    bool first = true;
    for (unsigned i = 0; i < 256; i++) {
        if (!s->freq[i].keys)
            continue;
        sep(w, &first);
        putf(w, "[%u,%" PRIu64 ",%" PRIu64 "]", i, s->freq[i].keys, s->freq[i].mem_bytes);
    }
    put(w, "],\"hot\":");
    key_list(w, v, s->freq_known.keys ? rdbl_access_agg_hottest(ac, v, top) : 0, ref);
    put(w, ",\"coldkeys\":");
    key_list(w, v, rdbl_access_agg_coldest(ac, v, top), ref);
    put(w, "}");
}

static void advice(hw *w, const rdbl_agg *a, int64_t ref)
{
    put(w, ",\"advice\":[");
    rdbl_advice_list l;
    if (rdbl_agg_advice(a, &l) != RDBL_OK) {
        w->failed = true;
        put(w, "]");
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        const rdbl_advice_item *it = &l.items[i];
        put(w, i ? ",{\"level\":" : "{\"level\":");
        jstr(w, rdbl_advice_level_name(it->level));
        put(w, ",\"rule\":");
        jstr(w, it->rule);
        rdbl_advice_words wd;
        rdbl_advice_words_of(it, &wd);
        put(w, ",\"title\":");
        jstr(w, wd.title);
        put(w, ",\"detail\":");
        jstr(w, wd.detail);
        put(w, ",\"config\":");
        jstr(w, it->config);
        putf(w, ",\"saving\":%" PRIu64 ",\"keys\":%" PRIu64 ",\"affected\":%" PRIu64
                ",\"examples\":",
             it->saving_bytes, it->keys, it->affected_bytes);
        key_list(w, it->examples, it->nexamples, ref);
        put(w, "}");
    }
    rdbl_advice_list_free(&l);
    put(w, "]");
}

static void data(hw *w, const rdbl_agg *a, const rdbl_report_opts *o, const char *title)
{
    const rdbl_snapshot *s;
    size_t ns = rdbl_agg_snapshots(a, &s);
    int64_t ref = rdbl_agg_now(a);
    put(w, "{\"title\":");
    jstr(w, title);
    put(w, ",\"generator\":\"rdblens " RDBL_VERSION_STRING "\"");
    files(w, s, ns);
    summary(w, a, s, ns, ref);
    warnings(w, a, s, ns);
    put(w, ",\"tree\":");
    char *name = malloc(65536);
    if (!name) {
        w->failed = true;
        return;
    }
    size_t budget = 4000;
    tree_node(w, rdbl_agg_prefix(a), RDBL_PREFIX_ROOT, 0, &budget, name, 65536);
    free(name);

    size_t top = o && o->top ? o->top : 100;
    if (top > 1000)
        top = 1000;
    const rdbl_key_entry **v = malloc(top * sizeof *v);
    if (!v) {
        w->failed = true;
        return;
    }
    const rdbl_top_agg *tp = rdbl_agg_top(a);
    put(w, ",\"top\":");
    key_list(w, v, rdbl_top_agg_get(tp, RDBL_TOP_BY_MEMORY, RDBL_TYPE_STRING, v, top), ref);
    put(w, ",\"topel\":");
    key_list(w, v, rdbl_top_agg_get(tp, RDBL_TOP_BY_ELEMENTS, RDBL_TYPE_STRING, v, top), ref);
    put(w, ",\"pertype\":[");
    bool first = true;
    for (unsigned ty = 0; ty < RDBL_TYPE__COUNT; ty++) {
        const rdbl_key_entry *pv[3];
        size_t n = rdbl_top_agg_get(tp, RDBL_TOP_BY_TYPE, (rdbl_type)ty, pv, 3);
        if (!n)
            continue;
        sep(w, &first);
        put(w, "[");
        jstr(w, rdbl_type_name((rdbl_type)ty));
        put(w, ",");
        key_list(w, pv, n, ref);
        put(w, "]");
    }
    put(w, "]");
    tables(w, a);
    ttls(w, a);
    access(w, a, v, top, ref);
    free(v);
    advice(w, a, ref);
    put(w, "}");
}

/* ---- page ------------------------------------------------------------------------------- */

static const char *const css[] = {
    ":root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--mute:#5f6779;--line:#e3e6ec;",
    "--accent:#3b6fd8;--info:#3b82c4;--warn:#c47d0a;--crit:#cf3b3b}",
    "*{box-sizing:border-box}",
    "body{margin:0;background:var(--bg);color:var(--ink);",
    "font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}",
    "header{background:#1d2330;color:#fff;padding:18px 28px}",
    "header h1{margin:0;font-size:20px;font-weight:600;overflow-wrap:anywhere}",
    "header .sub{color:#c3cad8;font-size:13px;margin-top:4px}",
    "header .note{color:#aeb6c8}",
    "header .note.w{color:#f3c969}",
    "header details ul{margin:4px 0;padding-left:20px}",
    "header summary{cursor:pointer}",
    "header .key{font-size:12px}",
    "main{max-width:1280px;margin:0 auto;padding:20px 28px 60px}",
    "section{background:var(--card);border:1px solid var(--line);border-radius:10px;",
    "padding:16px 20px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.03);min-width:0}",
    "h2{font-size:16px;margin:0 0 12px;font-weight:600}",
    "h3{font-size:14px;margin:14px 0 8px;font-weight:600}",
    "p.big{font-size:15px;margin:0 0 6px}",
    "#warnings{display:none;background:#fff7e6;border:1px solid #f0c36d;border-radius:10px;padding:12px 18px;margin:0 0 18px}",
    "#warnings ul{margin:6px 0 0;padding-left:20px}",
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px}",
    ".card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px;min-width:0}",
    ".card .v{font-size:22px;font-weight:600;margin-top:2px}",
    ".card .l{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}",
    ".card .n{color:var(--mute);font-size:12px}",
    "#crumbs{margin:0 0 8px;font-size:13px;color:var(--mute);overflow-wrap:anywhere}",
    "#crumbs a{color:var(--accent);cursor:pointer;text-decoration:none}",
    "#crumbs a:hover{text-decoration:underline}",
    "#tm{position:relative;width:100%;height:480px;border-radius:6px;overflow:hidden;background:#eef0f4}",
    ".tm-box{position:absolute;overflow:hidden;border:1px solid rgba(255,255,255,.85);",
    "color:#fff;padding:3px 6px;font-size:12px;line-height:1.3;cursor:default;text-shadow:0 1px 1px rgba(0,0,0,.35)}",
    ".tm-box.tm-light{color:#1d2330;text-shadow:none}",
    ".tm-box.tm-zoom{cursor:zoom-in}",
    ".tm-box:hover{filter:brightness(1.08)}",
    ".tm-box b,.tm-box span{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".tm-box b{font-weight:600}",
    ".tm-box span{opacity:.92}",
    ".tm-sub{border-color:rgba(255,255,255,.55);font-size:11px}",
    ".hint{color:var(--mute);font-size:12px;margin-top:6px}",
    "table.st{border-collapse:collapse;width:100%;font-size:13px;table-layout:auto}",
    "table.st th{text-align:left;color:var(--mute);font-weight:600;border-bottom:2px solid var(--line);",
    "padding:6px 8px;cursor:pointer;user-select:none;white-space:nowrap}",
    "table.st th:hover{color:var(--ink)}",
    "table.st td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}",
    "table.st tr:hover td{background:#f8f9fb}",
    "table.dist{width:auto;min-width:60%}",
    "table.dist td{white-space:nowrap}",
    ".num{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap}",
    ".key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;",
    "overflow-wrap:anywhere;word-break:break-all;unicode-bidi:isolate}",
    "td.kc{width:55%;max-width:0;min-width:200px}",
    "td.kx{width:25%;max-width:0;min-width:160px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".esc{color:#a3321f;background:#fbe9e5;border-radius:2px}",
    ".pager{margin-top:8px;font-size:12px;color:var(--mute)}",
    ".pager button{border:1px solid var(--line);background:#fff;padding:3px 10px;border-radius:5px;margin-left:6px;",
    "cursor:pointer;font:inherit}",
    ".pager button:disabled{color:#b6bcc8;cursor:default}",
    ".tabs{margin-bottom:10px}",
    ".tabs button{border:1px solid var(--line);background:#fff;padding:5px 12px;",
    "border-radius:6px;margin-right:6px;cursor:pointer;font:inherit}",
    ".tabs button.on{background:var(--accent);color:#fff;border-color:var(--accent)}",
    ".adv{border-left:4px solid var(--info);padding:8px 14px;margin:10px 0;background:#fafbfc;",
    "border-radius:0 6px 6px 0;overflow-wrap:anywhere}",
    ".adv.warn{border-color:var(--warn)}.adv.critical{border-color:var(--crit)}",
    ".adv .t{font-weight:600}",
    ".badge{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;",
    "color:#fff;background:var(--info);border-radius:4px;padding:1px 6px;margin-right:8px}",
    ".adv.warn .badge{background:var(--warn)}.adv.critical .badge{background:var(--crit)}",
    ".adv .m{color:var(--mute);font-size:12px;margin:2px 0 4px}",
    ".adv p{margin:4px 0}",
    ".adv code{background:#eef0f4;padding:1px 5px;border-radius:4px}",
    ".grid2{display:grid;grid-template-columns:minmax(0,1.3fr) minmax(0,1fr);gap:18px}",
    ".grid2>section{margin:0}",
    ".grid2.top{align-items:start}",
    "@media(max-width:900px){.grid2{grid-template-columns:minmax(0,1fr)}}",
    ".row2{margin:18px 0}",
    "svg text{font:12px system-ui,sans-serif;fill:#4a5163}",
    "footer{color:var(--mute);font-size:12px;text-align:center;margin-top:30px}",
};

static const char *const js[] = {
    "(function(){'use strict';",
    "function fail(e){document.body.setAttribute('data-status','error: '+e);",
    "var d=document.getElementById('err');if(d){d.textContent='Report script error: '+e;d.style.display='block';}}",
    "window.onerror=function(m){fail(m);};",
    "try{",
    "var D=JSON.parse(document.getElementById('rdbl-data').textContent),S=D.summary,F=D.files;",
    "function fb(n){if(n==null)return '-';var u=['B','KiB','MiB','GiB','TiB','PiB'],i=0;",
    "while(n>=1024&&i<5){n/=1024;i++;}",
    "return (i===0?n.toFixed(0):n<9.995?n.toFixed(2):n<99.95?n.toFixed(1):n.toFixed(0))+'\\u00a0'+u[i];}",
    "function fc(n){return n==null?'-':Number(n).toLocaleString('en-US');}",
    "function pc(a,b){return b?(100*a/b).toFixed(1)+'%':'-';}",
    "function pl(n,w){return fc(n)+' '+w+(n==1?'':'s');}",
    "function fd(s){if(s==null)return '-';if(s<=0)return 'expired';",
    "if(s<60)return s+' s';if(s<3600)return (s/60).toFixed(0)+' min';",
    "if(s<86400)return (s/3600).toFixed(1)+' h';return (s/86400).toFixed(1)+' d';}",
    "function fi(s){return s==null?'-':s<60?s+' s':fd(s);}",
    "/* invisible and direction-changing characters are shown as \\uXXXX: no key can hide or reorder the text around it */",
    "var INV=/[\\u00ad\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff9-\\ufffb]/g;",
    "function vis(s){return String(s).replace(INV,function(c){return '\\\\u'+('000'+c.charCodeAt(0).toString(16)).slice(-4);});}",
    "function el(t,a,x){var e=document.createElement(t);if(a)for(var k in a)e.setAttribute(k,vis(a[k]));",
    "if(x!=null)e.textContent=vis(x);return e;}",
    "function $(i){return document.getElementById(i);}",
    "function add(p,c){p.appendChild(c);return c;}",
    "/* a key: escapes (\\xNN, \\\\, \\uXXXX) marked so they are not read as the key's own characters */",
    "function keyNode(s){var e=el('span',{'class':'key'}),re=/\\\\x[0-9a-f]{2}|\\\\\\\\|\\\\u[0-9a-f]{4}/g,i=0,m;s=vis(s);",
    "while((m=re.exec(s))){if(m.index>i)e.appendChild(document.createTextNode(s.slice(i,m.index)));",
    "e.appendChild(el('span',{'class':'esc'},m[0]));i=re.lastIndex;}",
    "if(i<s.length)e.appendChild(document.createTextNode(s.slice(i)));return e;}",
    "/* header */",
    "var sub=$('sub');",
    "function fline(f){if(f.status!=='ok'&&!f.rdb_version)return 'NOT READ (not an RDB file): '+f.status;return [f.magic+' RDB '+f.rdb_version,f.size?fb(f.size)+' on disk':'',f.compression==='none'?'uncompressed':f.compression,'checksum '+f.checksum.replace('-',' '),",
    "'snapshot '+f.ctime+(f.ctime_source==='mtime'?' (file modification time)':''),f.server?'server '+f.server:'',f.status!=='ok'?'PARTIAL':''].filter(Boolean).join(' \\u00b7 ');}",
    "if(F.length==1)add(sub,el('div',null,fline(F[0])));",
    "else{var fd_=add(sub,el('details'));add(fd_,el('summary',null,'merged report of '+pl(F.length,'file')));",
    "var fl=add(fd_,el('ul'));F.forEach(function(f){var li=add(fl,el('li'));li.appendChild(keyNode(f.file));li.appendChild(document.createTextNode(': '+fline(f)));});}",
    "function model(f){var t='memory model '+(f.target||'?')+', allocator '+(f.allocator||'?');",
    "if(f.allocator_source){t+=' ('+({option:'set by --allocator',calibrated:'calibrated against the used-mem the server recorded',",
    "'default':'the default'}[f.allocator_source]||f.allocator_source)+')';}return t;}",
    "F.forEach(function(f){if(f.sha256||f.sha256_of)add(sub,el('div',null,(F.length>1?vis(f.file)+': ':'')+'SHA-256 '+(f.sha256||'')+' ('+f.sha256_of+')'));});",
    "var models={};F.forEach(function(f){models[model(f)]=1;});",
    "Object.keys(models).forEach(function(m){add(sub,el('div',null,m.charAt(0).toUpperCase()+m.slice(1)));});",
    "F.forEach(function(f){if(f.allocator_note)add(sub,el('div',{'class':'note'+(f.allocator_source==='calibrated'||f.allocator_source==='option'?'':' w')},f.allocator_note));});",
    "/* warnings */",
    "if(D.warnings.length){var wb=$('warnings');wb.style.display='block';add(wb,el('b',null,'Read this first'));",
    "var ul=add(wb,el('ul'));D.warnings.forEach(function(w){add(ul,el('li',null,w));});}",
    "/* summary cards */",
    "var A=D.access,cards=$('cards');",
    "function card(l,v,n){var c=el('div',{'class':'card'});c.appendChild(el('div',{'class':'l'},l));",
    "c.appendChild(el('div',{'class':'v'},v));if(n)c.appendChild(el('div',{'class':'n'},n));cards.appendChild(c);}",
    "card('Keys',fc(S.keys),pl(S.dbs,'database'));",
    "card('Estimated memory',fb(S.mem),'sum of per-key MEMORY USAGE');",
    "card('Server used-mem',S.used==null?'n/a':fb(S.used),S.used?'estimate = '+pc(S.mem,S.used)+' of it':'not in the file');",
    "var ttlmem=S.mem-D.ttl[0][2],soon=0;D.ttl.slice(1,7).forEach(function(r){soon+=r[2];});",
    "card('Keys with a TTL',pc(S.ttl,S.keys),pc(ttlmem,S.mem)+' of memory; '+fb(soon)+' expires within a day'+(S.expired?'; '+pl(S.expired,'key')+' already expired':''));",
    "var cold=A.idle_known?{k:A.cold[0],m:A.cold[1],w:'idle \\u2265 '+fd(A.cold_idle_s)}:A.lfu_known?{k:A.lfu0[0],m:A.lfu0[1],w:'at LFU counter 0'}:null;",
    "if(cold)card('Cold memory',fb(cold.m),pc(cold.m,S.mem)+' in '+pl(cold.k,'key')+' '+cold.w);",
    "else card('Cold memory','n/a','no LRU/LFU data in the file');",
    "var sav=0,lv={};D.advice.forEach(function(a){sav+=a.saving;lv[a.level]=(lv[a.level]||0)+1;});",
    "card('Advice',pl(D.advice.length,'item'),['critical','warn','info'].filter(function(l){return lv[l];}).map(function(l){return lv[l]+' '+l;}).concat(sav?['~'+fb(sav)+' to save']:[]).join(' \\u00b7 '));",
    "/* treemap */",
    "var PAL=[210,12,145,275,38,180,330,95,245,60,300,165];",
    "(D.tree.c||[]).forEach(function(n,i){(function h(x,hue){x.hue=hue;(x.c||[]).forEach(function(y){h(y,hue);});})(n,PAL[i%PAL.length]);});",
    "function squarify(items,x,y,w,h){var out=[],tot=0;items.forEach(function(i){tot+=i.v;});",
    "if(tot<=0||w<=0||h<=0)return out;var sc=w*h/tot,rest=items.map(function(i){return {v:i.v*sc,n:i.n};}),row=[];",
    "function worst(r,s){var sum=0,mx=0,mn=Infinity;r.forEach(function(a){sum+=a.v;if(a.v>mx)mx=a.v;if(a.v<mn)mn=a.v;});",
    "var s2=s*s,q=sum*sum;return Math.max(s2*mx/q,q/(s2*mn));}",
    "function lay(){var sum=0;row.forEach(function(a){sum+=a.v;});",
    "if(w>=h){var cw=sum/h,yy=y;row.forEach(function(a){var hh=a.v/cw;out.push({x:x,y:yy,w:cw,h:hh,n:a.n});yy+=hh;});x+=cw;w-=cw;}",
    "else{var rh=sum/w,xx=x;row.forEach(function(a){var ww=a.v/rh;out.push({x:xx,y:y,w:ww,h:rh,n:a.n});xx+=ww;});y+=rh;h-=rh;}row=[];}",
    "while(rest.length){var s=Math.min(w,h),c=rest[0];",
    "if(!row.length||worst(row.concat([c]),s)<=worst(row,s)){row.push(c);rest.shift();}else lay();}",
    "if(row.length)lay();return out;}",
    "var path=[D.tree];",
    "/* the tooltip of a box: every fact the tree carries for the prefix */",
    "/* the distinct values of each '*' on the way to n (\"45 / 38\"), one key of n's row */",
    "function vals(n){var a=[];for(var q=n;q&&q!==D.tree;q=q.up)if(q.v)a.unshift((q.ve?'~':'')+fc(q.v));return a.join(' / ');}",
    "function exk(n){return n.x==null?'':vis(n.x)+(n.xc?'\\u2026':'');}",
    "function tip(n,zoom){var v=vals(n);return n.p+'\\n'+fb(n.m)+' ('+pc(n.m,D.tree.m)+' of all), '+pl(n.k,'key')+', '+pc(n.t,n.k)+' with a TTL'+(n.x!=null?'\\ne.g. '+exk(n):'')+(v?'\\n* = '+v+' distinct':'')+(zoom?'\\nclick to zoom in':'');}",
    "function box(n,x,y,w,h,depth,parentHue,idx,nested){var zoom=!!(n.c&&n.c.length);",
    "var d=el('div',{'class':'tm-box'+(zoom?' tm-zoom':''),'title':tip(n,zoom)});",
    "d.style.left=x+'px';d.style.top=y+'px';d.style.width=Math.max(w,0)+'px';d.style.height=Math.max(h,0)+'px';",
    "var hue=n.hue==null?215:n.hue,li=n.o?72:(parentHue==null?Math.min(30+depth*6,50):40+(idx%4)*5),sa=n.o?8:(parentHue==null?58:50);",
    "d.style.background='hsl('+hue+','+sa+'%,'+li+'%)';if(li>=60)d.className+=' tm-light';",
    "var name=n.l==='*'||depth>1&&parentHue==null?n.p:n.l;",
    "if(nested){d.appendChild(el('b',null,name+'  '+fb(n.m)+' \\u00b7 '+pc(n.m,path[path.length-1].m)));}",
    "else if(w>54&&h>30){d.appendChild(el('b',null,name));d.appendChild(el('span',null,fb(n.m)+' \\u00b7 '+pc(n.m,path[path.length-1].m)));}",
    "else if(w>30&&h>16){d.appendChild(el('b',null,name));}",
    "if(zoom)d.onclick=function(ev){ev.stopPropagation();var p=[];for(var q=n;q;q=q.up)p.unshift(q);path=p;render();};",
    "return d;}",
    "(function up(n){(n.c||[]).forEach(function(c){c.up=n;up(c);});})(D.tree);",
    "/* boxes too small to read (under ~24x24 px) are drawn as one \"(N smaller)\" box that zooms into them */",
    "function lay(kids,W,H){var tot=0;kids.forEach(function(n){tot+=n.m;});",
    "var items=kids.map(function(n){return {v:Math.max(n.m,tot*1e-7,1e-9),n:n};});",
    "items.sort(function(a,b){return b.v-a.v;});var sum=0;items.forEach(function(i){sum+=i.v;});",
    "var keep=items.length,acc=0;for(var i=0;i<items.length;i++){if(i>=8&&items[i].v/sum*W*H<576){keep=i;break;}}",
    "if(items.length-keep>1){var rest=items.slice(keep).map(function(i){return i.n;}),o={p:'('+fc(rest.length)+' smaller)',l:'('+fc(rest.length)+' smaller)',k:0,m:0,t:0,r:0,o:1,c:rest,hue:null};",
    "rest.forEach(function(n){o.k+=n.k;o.m+=n.m;o.t+=n.t;o.r+=n.r;});o.up=rest[0].up;o.p=(o.up&&o.up!==D.tree?o.up.p+' ':'')+o.l;",
    "items=items.slice(0,keep);items.push({v:Math.max(o.m,1e-9),n:o});}",
    "return squarify(items,0,0,W,H);}",
    "function render(){var cur=path[path.length-1],tm=$('tm');tm.innerHTML='';",
    "var W=tm.clientWidth||1000,H=tm.clientHeight||480,depth=path.length;",
    "var rects=lay(cur.c||[],W,H);",
    "rects.forEach(function(r,i){var n=r.n,nest=n.c&&n.c.length&&r.w>90&&r.h>70,d=box(n,r.x,r.y,r.w,r.h,depth,null,i,nest);",
    "/* nest the next level inside large boxes, under a header strip */",
    "if(nest){d.className+=' tm-parent';var sub=lay(n.c,r.w-6,r.h-24);",
    "sub.forEach(function(s,j){var c=box(s.n,s.x+3,s.y+21,s.w,s.h,depth+1,n.hue,j,false);c.className+=' tm-sub';d.appendChild(c);});}",
    "tm.appendChild(d);});",
    "document.body.setAttribute('data-boxes',String(rects.length));",
    "document.body.setAttribute('data-depth',String(path.length-1));",
    "var cr=$('crumbs');cr.innerHTML='';path.forEach(function(n,i){if(i)cr.appendChild(document.createTextNode(' \\u203a '));",
    "if(i<path.length-1){var a=el('a',null,i?n.l:'all keys');a.onclick=function(){path=path.slice(0,i+1);render();};cr.appendChild(a);}",
    "else cr.appendChild(el('b',null,(i?n.p:'all keys')+' \\u2014 '+fb(n.m)+', '+pl(n.k,'key')));});}",
    "/* #p=<prefix> opens the treemap zoomed into that prefix (links, tests) */",
    "(function(){var h=decodeURIComponent((location.hash||'').replace(/^#p=/,''));if(!h||h===location.hash)return;",
    "(function f(n,acc){if(n.p===h&&n!==D.tree){path=acc.concat([n]);return true;}",
    "return (n.c||[]).some(function(c){return f(c,acc.concat([n]));});})(D.tree,[]);})();",
    "render();var rt;window.addEventListener('resize',function(){clearTimeout(rt);rt=setTimeout(render,150);});",
    "/* sortable tables, paged: a long table shows `page` rows and a pager (a page never grows with the keyspace) */",
    "function table(host,cols,rows,page){page=page||20;var t=el('table',{'class':'st'}),th=el('thead'),tr=el('tr'),tb=el('tbody'),st={c:-1,d:1},at=0,all=false;",
    "var pg=el('div',{'class':'pager'});",
    "cols.forEach(function(c,i){var h=el('th',{'class':c.n?'num':''},c.t);h.onclick=function(){st.d=st.c===i?-st.d:(c.n?-1:1);st.c=i;at=0;draw();};tr.appendChild(h);});",
    "th.appendChild(tr);t.appendChild(th);t.appendChild(tb);host.innerHTML='';host.appendChild(t);host.appendChild(pg);",
    "function btn(x,f,on){var b=el('button',null,x);if(on)b.onclick=function(){f();draw();};else b.disabled=true;return b;}",
    "function draw(){var r=rows.slice();if(st.c>=0){var i=st.c;r.sort(function(a,b){var x=a[i],y=b[i];",
    "if(x==null&&y==null)return 0;if(x==null)return 1;if(y==null)return -1;return (x<y?-1:x>y?1:0)*st.d;});}",
    "var lo=all?0:at,hi=all?r.length:Math.min(r.length,at+page);",
    "tb.innerHTML='';r.slice(lo,hi).forEach(function(row){var q=el('tr');cols.forEach(function(c,i){",
    "var v=c.f?c.f(row[i],row):row[i],td=el('td',{'class':(c.n?'num':'')+(c.k?(c.x?' kx':' kc'):'')});if(c.x)td.title=v;",
    "if(c.k){td.appendChild(keyNode(v));if(c.i&&st.c<0)td.style.paddingLeft=(8+16*(row[1]-1))+'px';}else td.textContent=vis(v==null?'':v);q.appendChild(td);});tb.appendChild(q);});",
    "Array.prototype.forEach.call(tr.children,function(h,i){h.textContent=cols[i].t+(st.c===i?(st.d>0?' \\u25b2':' \\u25bc'):'');});",
    "pg.innerHTML='';if(r.length<=page)return;",
    "add(pg,el('span',null,'rows '+fc(lo+1)+'\\u2013'+fc(hi)+' of '+fc(r.length)+' '));",
    "add(pg,btn('\\u2039 previous',function(){at=Math.max(0,at-page);},!all&&at>0));",
    "add(pg,btn('next \\u203a',function(){at+=page;},!all&&hi<r.length));",
    "add(pg,btn(all?'show '+page+' per page':'show all '+fc(r.length),function(){all=!all;at=0;},true));}",
    "draw();return t;}",
    "var KC=[{t:'Key',k:1},{t:'DB',n:1},{t:'Type'},{t:'Encoding'},{t:'Elements',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'Largest element',n:1,f:fb},{t:'TTL',n:1,f:fd}];",
    "var PT=[];D.pertype.forEach(function(p){p[1].forEach(function(r){PT.push(r);});});",
    "function keysTab(which){table($('keys'),KC,which==='el'?D.topel:which==='ty'?PT:D.top,15);",
    "Array.prototype.forEach.call(document.querySelectorAll('#ktabs button'),function(b){b.className=b.getAttribute('data-w')===which?'on':'';});}",
    "Array.prototype.forEach.call(document.querySelectorAll('#ktabs button'),function(b){b.onclick=function(){keysTab(b.getAttribute('data-w'));};});",
    "keysTab('mem');",
    "/* prefix rows, parents first; below the top level, children under 1% of their parent are one \"(N smaller)\" row, as in the text report */",
    "function prow(p,d,k,m,t,r,c){return [p,d,k,m,m/Math.max(1,D.tree.m),t/Math.max(1,k),k?m/k:0,r,c?vals(c):'',c?exk(c):''];}",
    "var PR=[];(function walk(n,d){var sm=null;(n.c||[]).forEach(function(c){",
    "if(d>1&&c.m*100<n.m){sm=sm||{n:0,k:0,m:0,t:0,r:0};sm.n++;sm.k+=c.k;sm.m+=c.m;sm.t+=c.t;sm.r+=c.r;return;}",
    "PR.push(prow(c.p,d,c.k,c.m,c.t,c.r,c));if(d<3)walk(c,d+1);});",
    "if(sm)PR.push(prow(n.p+' ('+fc(sm.n)+' smaller prefix'+(sm.n==1?'':'es')+')',d,sm.k,sm.m,sm.t,sm.r));})(D.tree,1);",
    "table($('prefixes'),[{t:'Prefix',k:1,i:1},{t:'Depth',n:1},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'% memory',n:1,f:function(v){return (100*v).toFixed(1)+'%';}},{t:'With TTL',n:1,f:function(v){return (100*v).toFixed(0)+'%';}},{t:'Avg / key',n:1,f:fb},{t:'RDB bytes',n:1,f:fb},{t:'Distinct values of *',n:1},{t:'Example key',k:1,x:1}],PR,20);",
    "table($('types'),[{t:'Type'},{t:'Encoding'},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'% memory',n:1,f:function(v){return (100*v).toFixed(1)+'%';}},{t:'Avg / key',n:1,f:fb},{t:'Max / key',n:1,f:fb},{t:'Elements',n:1,f:fc},{t:'Max elements',n:1,f:fc}],",
    "D.types.map(function(r){return [r[0],r[1],r[2],r[3],r[3]/Math.max(1,S.mem)].concat(r.slice(4));}));",
    "table($('dbs'),[{t:'DB',n:1},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'With TTL',n:1,f:fc},{t:'Elements',n:1,f:fc}],D.dbs);",
    "/* memory estimates */",
    "var ME=[['Sum of per-key estimates',S.mem,'MEMORY USAGE of every key, summed']];",
    "if(S.used!=null)ME.push(['Server used_memory at save',S.used,'recorded by the server (used-mem); the estimate is '+pc(S.mem,S.used)+' of it']);",
    "S.totals.forEach(function(t){var n=t[0].replace(/_bytes$/,''),est=/_estimate$/.test(n);",
    "ME.push([n.replace(/_estimate$/,'')+(est?' (estimate)':''),t[1],est?'model estimate of the INFO memory figure':'reconciled total']);});",
    "ME.push(['RDB payload',S.rdb,'serialized values in the file']);",
    "table($('estimates'),[{t:'Figure'},{t:'Bytes',n:1,f:fb},{t:'What it is'}],ME);",
    "/* bar charts: rows of [label, keys, memory], both as shares */",
    "function bars(host,rows,short){var W=560,H=210,L=44,B=40,T=14,n=rows.length,bw=(W-L-10)/Math.max(n,1),mk=0,mm=0;",
    "rows.forEach(function(r){mk+=r[1];mm+=r[2];});var mx=0;",
    "rows.forEach(function(r){mx=Math.max(mx,mk?r[1]/mk:0,mm?r[2]/mm:0);});if(!mx)mx=1;",
    "var ns='http://www.w3.org/2000/svg',svg=document.createElementNS(ns,'svg');",
    "svg.setAttribute('viewBox','0 0 '+W+' '+(H+20));svg.setAttribute('width','100%');svg.setAttribute('role','img');",
    "function se(t,a,x){var e=document.createElementNS(ns,t);for(var k in a)e.setAttribute(k,a[k]);if(x!=null)e.textContent=x;svg.appendChild(e);return e;}",
    "for(var g=0;g<=4;g++){var yv=T+(H-B-T)*(1-g/4);se('line',{x1:L,x2:W-6,y1:yv,y2:yv,stroke:'#e3e6ec'});",
    "se('text',{x:L-6,y:yv+4,'text-anchor':'end'},(100*mx*g/4).toFixed(0)+'%');}",
    "rows.forEach(function(r,i){var x=L+i*bw,hk=mk?(H-B-T)*(r[1]/mk)/mx:0,hm=mm?(H-B-T)*(r[2]/mm)/mx:0;",
    "var a=se('rect',{x:x+bw*0.12,y:H-B-hk,width:bw*0.36,height:hk,fill:'#9bb7ea',rx:2});",
    "a.appendChild(document.createElementNS(ns,'title')).textContent=r[0]+': '+pl(r[1],'key')+' ('+pc(r[1],mk)+')';",
    "var b=se('rect',{x:x+bw*0.5,y:H-B-hm,width:bw*0.36,height:hm,fill:'#3b6fd8',rx:2});",
    "b.appendChild(document.createElementNS(ns,'title')).textContent=r[0]+': '+fb(r[2])+' ('+pc(r[2],mm)+')';",
    "se('text',{x:x+bw/2,y:H-B+16,'text-anchor':'middle'},short(r[0]));});",
    "se('rect',{x:L,y:H-4,width:10,height:10,fill:'#9bb7ea'});se('text',{x:L+14,y:H+5},'keys');",
    "se('rect',{x:L+64,y:H-4,width:10,height:10,fill:'#3b6fd8'});se('text',{x:L+78,y:H+5},'memory');",
    "host.appendChild(svg);}",
    "function shortb(s){return s.replace('< ','<').replace('>= ','\\u2265').replace(' min','m').replace(' h','h').replace(' d','d');}",
    "/* TTLs */",
    "add($('ttlchart'),el('div',{'class':'hint',style:'margin:0 0 6px'},'Time left to expiry, relative to '+S.ref+'.'));",
    "bars($('ttlchart'),D.ttl,shortb);",
    "var cl=$('clusters');if(D.clusters.length){table(cl,[{t:'Minute (UTC)'},{t:'In',n:1,f:fd},{t:'Keys expiring',n:1,f:fc},{t:'Memory',n:1,f:fb}],",
    "D.clusters.map(function(c){return [c[0],c[3],c[1],c[2]];}),10);}",
    "else cl.textContent='No key expires after the snapshot.';",
    "if(D.fields){var fs=$('fields');fs.style.display='block';add(fs,el('h2',null,'Hash field TTLs (Redis 7.4+ HEXPIRE)'));",
    "add(fs,el('p',null,pl(D.fields.keys,'hash')+' ('+fb(D.fields.mem)+') have '+pl(D.fields.fields,'field')+' with a TTL; by their earliest field expiry:'));",
    "var fh=add(fs,el('div'));table(fh,[{t:'Earliest field expiry'},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb}],D.fields.buckets);}",
    "/* hot and cold keys */",
    "var AC=$('access');",
    "if(!A.idle_known&&!A.lfu_known){add(AC,el('p',null,'The file carries no LRU/LFU data: the server had no LRU or LFU maxmemory policy, so nothing tells hot keys from cold ones.'));}",
    "else{",
    "add(AC,el('p',{'class':'big'},'Cold memory: '+fb(cold.m)+' ('+pc(cold.m,S.mem)+') in '+pl(cold.k,'key')+' '+cold.w+",
    "(A.idle_known?'.':' \\u2014 the first keys an LFU policy evicts. The counter decays by one per lfu-decay-time (1 minute by default) without a read; new keys start at 5, 255 is the hottest.')));",
    "var g2=add(AC,el('div',{'class':'grid2'})),c1=add(g2,el('div')),c2=add(g2,el('div')),HB;",
    "if(A.idle_known){add(c1,el('h3',null,'LRU idle time ('+pl(A.idle_known,'key')+')'));HB=A.idle.filter(function(r){return r[1];});bars(c1,A.idle,shortb);}",
    "else{add(c1,el('h3',null,'LFU counter ('+pl(A.lfu_known,'key')+')'));",
    "var G=[[0,0,'0'],[1,4,'1-4'],[5,5,'5'],[6,10,'6-10'],[11,20,'11-20'],[21,50,'21-50'],[51,100,'51-100'],[101,200,'101-200'],[201,255,'201+']];",
    "HB=G.map(function(g){var k=0,m=0;A.freq.forEach(function(f){if(f[0]>=g[0]&&f[0]<=g[1]){k+=f[1];m+=f[2];}});return [g[2],k,m];});",
    "bars(c1,HB,function(s){return s;});HB=HB.filter(function(r){return r[1];});}",
    "add(c2,el('h3',null,'Keys and memory per '+(A.idle_known?'idle time':'counter')));",
    "table(add(c2,el('div')),[{t:A.idle_known?'Idle':'Counter'},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'% memory',n:1,f:function(v){return (100*v).toFixed(1)+'%';}}],",
    "HB.map(function(r){return [r[0],r[1],r[2],r[2]/Math.max(1,S.mem)];}),12);",
    "var at=add(AC,el('div',{'class':'tabs',id:'atabs'})),ab=add(AC,el('div',{id:'akeys'}));",
    "var CK=[{t:'Key',k:1},{t:A.idle_known?'Idle':'LFU',n:1,f:A.idle_known?fi:null},{t:'Type'},{t:'Elements',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'TTL',n:1,f:fd}];",
    "function atab(w){table(ab,CK,(w==='hot'?A.hot:A.coldkeys).map(function(r){return [r[0],A.idle_known?r[9]:r[8],r[2],r[4],r[5],r[7]];}),10);",
    "Array.prototype.forEach.call(at.children,function(b){b.className=b.getAttribute('data-w')===w?'on':'';});}",
    "[['cold','largest cold keys ('+fc(A.coldkeys.length)+')'],['hot','hottest keys ('+fc(A.hot.length)+')']].forEach(function(x){",
    "if(x[0]==='hot'&&!A.lfu_known)return;var b=add(at,el('button',{'data-w':x[0]},x[1]));b.onclick=function(){atab(x[0]);};});",
    "atab('cold');}",
    "/* size distribution: keys per power-of-two class of memory per key, by type */",
    "(function(){var host=$('dist'),types=D.dist.map(function(d){return d[0];}),B={},mx={};",
    "D.dist.forEach(function(d){mx[d[0]]=0;d[1].forEach(function(b){B[b[0]]=B[b[0]]||{};B[b[0]][d[0]]=b;mx[d[0]]=Math.max(mx[d[0]],b[1]);});});",
    "var ks=Object.keys(B).map(Number).sort(function(a,b){return a-b;});",
    "if(!ks.length){host.textContent='No keys.';return;}",
    "var t=add(host,el('table',{'class':'st dist'})),hr=add(add(t,el('thead')),el('tr'));add(hr,el('th',null,'Memory per key'));",
    "types.forEach(function(ty){add(hr,el('th',{'class':'num'},ty));});var tb=add(t,el('tbody'));",
    "function p2(b){if(b<=0)return '0';var u=['B','KiB','MiB','GiB','TiB','PiB','EiB'],e=b-1;return Math.pow(2,e%10)+' '+u[Math.floor(e/10)];}",
    "add(hr,el('th',{'class':'num'},'all: keys'));add(hr,el('th',{'class':'num'},'memory'));",
    "ks.forEach(function(b){var tr=add(tb,el('tr')),k=0,m=0;add(tr,el('td',null,p2(b)+' \\u2013 '+p2(b+1)));",
    "types.forEach(function(ty){var c=B[b][ty],td=add(tr,el('td',{'class':'num'},c?fc(c[1]):''));",
    "if(c){k+=c[1];m+=c[2];td.title=pl(c[1],'key')+', '+fb(c[2]);td.style.background='rgba(59,111,216,'+(0.08+0.5*c[1]/mx[ty]).toFixed(3)+')';}});",
    "add(tr,el('td',{'class':'num'},fc(k)));add(tr,el('td',{'class':'num'},fb(m)+' ('+pc(m,S.mem)+')'));});})();",
    "/* --salvage: the damaged stretches read past */",
    "(function(){var HR=[];F.forEach(function(f){(f.hole_list||[]).forEach(function(h){HR.push([f.file].concat(h));});});",
    "if(!HR.length)return;var hs=$('holes');hs.style.display='block';add(hs,el('h2',null,'Damaged stretches (--salvage)'));",
    "var tot=0;F.forEach(function(f){tot+=f.holes||0;});",
    "add(hs,el('div',{'class':'hint'},'Stretches of the file that did not parse, skipped to where records parse again; the keys they held are missing. '+(tot>HR.length?'The first '+HR.length+' of '+fc(tot)+' are listed.':'')));",
    "var HC=[{t:'Start offset',n:1,f:fc},{t:'End offset',n:1,f:fc},{t:'Bytes skipped',n:1,f:fc},{t:'DB',n:1},{t:'Last key read whole before it',k:1},{t:'Note'}];",
    "var rows=HR.map(function(h){return [h[1],h[2],h[3],h[4],h[5],[h[6]?'to the end of the file':'',h[7]?'the key it broke kept damaged':''].filter(Boolean).join('; ')];});",
    "if(F.length>1){HC.unshift({t:'File',k:1});rows=HR.map(function(h,i){return [h[0]].concat(rows[i]);});}",
    "table(add(hs,el('div')),HC,rows);})();",
    "/* functions and modules */",
    "if(D.functions.length||D.modules.length){var fm=$('fm');fm.style.display='block';",
    "if(D.functions.length)table(add(fm,el('div')),[{t:'Function library',k:1},{t:'Engine'},{t:'Code',n:1,f:fb}],D.functions);",
    "if(D.modules.length)table(add(fm,el('div')),[{t:'Module type',k:1},{t:'Keys',n:1,f:fc},{t:'Bytes (not modelled)',n:1,f:fb},{t:'Aux records',n:1,f:fc}],D.modules);}",
    "/* advice */",
    "var AD=$('advice');if(!D.advice.length)AD.appendChild(el('p',null,'Nothing to report: no rule found evidence worth acting on.'));",
    "D.advice.forEach(function(a){var d=el('div',{'class':'adv '+a.level}),t=el('div',{'class':'t'});",
    "t.appendChild(el('span',{'class':'badge'},a.level));t.appendChild(document.createTextNode(vis(a.title)));d.appendChild(t);",
    "d.appendChild(el('div',{'class':'m'},(a.saving?'estimated saving '+fb(a.saving)+' \\u00b7 ':'')+pl(a.keys,'key')+' \\u00b7 '+fb(a.affected)+' affected'));",
    "d.appendChild(el('p',null,a.detail));if(a.config){var p=el('p',null,'config: ');p.appendChild(el('code',null,a.config));d.appendChild(p);}",
    "if(a.examples.length){var p2=el('p',{'class':'m'},'e.g. ');a.examples.slice(0,5).forEach(function(e,i){if(i)p2.appendChild(document.createTextNode(', '));",
    "var c=el('code');c.appendChild(keyNode(e[0]));p2.appendChild(c);p2.appendChild(document.createTextNode(' ('+fb(e[5])+')'));});d.appendChild(p2);}",
    "AD.appendChild(d);});",
    "document.body.setAttribute('data-height',String(document.documentElement.scrollHeight));",
    "if(!document.body.getAttribute('data-status'))document.body.setAttribute('data-status','ok');",
    "}catch(e){fail(e&&e.message?e.message:String(e));}",
    "})();",
};

rdbl_status rdbl_report_html(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err)
{
    hw w = {out, false};
    const rdbl_snapshot *s;
    size_t ns = rdbl_agg_snapshots(a, &s);
    char title[1100];
    if (o && o->title)
        snprintf(title, sizeof title, "%s", o->title);
    else if (ns == 1)
        rdbl_escape_bytes(title, sizeof title, (const uint8_t *)s[0].file, strlen(s[0].file));
    else if (ns > 1)
        snprintf(title, sizeof title, "%zu snapshot files", ns);
    else
        snprintf(title, sizeof title, "report");

    put(&w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>");
    hesc(&w, "rdblens \xe2\x80\x94 ");
    hesc(&w, title);
    put(&w, "</title>\n<style>\n");
    for (size_t i = 0; i < sizeof css / sizeof css[0]; i++) {
        put(&w, css[i]);
        put(&w, "\n");
    }
    put(&w, "</style></head>\n<body>\n<header><h1>rdblens \xe2\x80\x94 ");
    hesc(&w, title);
    put(&w, "</h1><div class=\"sub\" id=\"sub\"></div></header>\n<main>\n"
            "<div id=\"err\" style=\"display:none;color:#cf3b3b;font-weight:600\"></div>\n"
            "<div id=\"warnings\"></div>\n"
            "<section id=\"holes\" style=\"display:none\"></section>\n"
            "<div class=\"cards\" id=\"cards\"></div>\n"
            "<section><h2>Memory by key prefix</h2><div id=\"crumbs\"></div>"
            "<div id=\"tm\"></div><div class=\"hint\">Box area = estimated memory. Click a box "
            "to zoom into its sub-prefixes; \"*\" stands for an id segment "
            "(user:1234 and user:98 both count under user:*).</div></section>\n"
            "<section><h2>Advice</h2><div id=\"advice\"></div></section>\n"
            "<div class=\"grid2 row2 top\"><section><h2>Memory estimates</h2><div id=\"estimates\">"
            "</div></section><section><h2>Databases</h2><div id=\"dbs\"></div></section></div>\n"
            "<section><h2>Hot and cold keys</h2><div id=\"access\"></div></section>\n"
            "<div class=\"grid2 row2\"><section><h2>TTL distribution</h2><div id=\"ttlchart\">"
            "</div></section><section><h2>Expiry clusters</h2><div id=\"clusters\"></div>"
            "</section></div>\n"
            "<section id=\"fields\" style=\"display:none\"></section>\n"
            "<section><h2>Top keys</h2><div class=\"tabs\" id=\"ktabs\">"
            "<button data-w=\"mem\">by memory</button><button data-w=\"el\">by elements</button>"
            "<button data-w=\"ty\">largest per type</button></div><div id=\"keys\"></div>"
            "</section>\n"
            "<section><h2>Prefixes</h2><div id=\"prefixes\"></div></section>\n"
            "<section><h2>Types and encodings</h2><div id=\"types\"></div></section>\n"
            "<section><h2>Size distribution</h2><div class=\"hint\" style=\"margin:0 0 8px\">"
            "Keys per power-of-two class of memory per key, by type (hover a cell for its "
            "memory).</div><div id=\"dist\"></div></section>\n"
            "<section id=\"fm\" style=\"display:none\"><h2>Functions and modules</h2></section>\n"
            "<footer>Memory figures are per-key MEMORY USAGE estimates; their sum typically "
            "runs 7-30% above INFO used_memory_dataset; the server's used_memory and RSS also "
            "include startup overhead, buffers and fragmentation. Generated by rdblens "
            RDBL_VERSION_STRING ".</footer>\n</main>\n"
            "<script type=\"application/json\" id=\"rdbl-data\">");
    data(&w, a, o, title);
    put(&w, "</script>\n<script>\n");
    for (size_t i = 0; i < sizeof js / sizeof js[0]; i++) {
        put(&w, js[i]);
        put(&w, "\n");
    }
    put(&w, "</script>\n</body></html>\n");
    if (w.failed || ferror(out))
        return rdbl__fail(err, RDBL_IO, 0, "html report", "write failed: %s", strerror(errno));
    return RDBL_OK;
}
