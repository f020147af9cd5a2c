/* Text report for terminals: at most `width` columns (default 100), human
 * units, the lines that matter first.
 *
 *   header      file, snapshot time, server, memory model
 *   KEY FACTS   keys, estimated memory vs the server's used-mem, reconciled
 *               totals, biggest prefixes, biggest key, TTL coverage, top advice
 *   TOP PREFIXES, TOP KEYS BY MEMORY, TTL, ADVICE            (the one-minute read)
 *   DATABASES, TYPES AND ENCODINGS, SIZE DISTRIBUTION, TOP KEYS BY ELEMENTS,
 *   LARGEST KEYS PER TYPE, EXPIRY CLUSTERS, HASH FIELD TTLS, ACCESS,
 *   FUNCTIONS AND MODULES, NOTES                              (the reference)
 *
 * Every line is built in a buffer and clipped to the width in display
 * columns (UTF-8 aware, East Asian wide characters count 2), so no key can
 * push a line past the terminal. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rdblens/report.h"

typedef struct tw {
    FILE *f;
    unsigned width;
    size_t top;
    bool failed;
    int64_t ref_ms;
    uint64_t total_mem, total_keys;
} tw;

/* ---- display columns -------------------------------------------------------------------- */

/* Decodes one UTF-8 sequence (input is already escaped, so valid). */
static size_t u8_next(const char *s, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if ((p[0] & 0xe0) == 0xc0 && p[1]) {
        *cp = (uint32_t)(p[0] & 0x1f) << 6 | (p[1] & 0x3f);
        return 2;
    }
    if ((p[0] & 0xf0) == 0xe0 && p[1] && p[2]) {
        *cp = (uint32_t)(p[0] & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
        return 3;
    }
    if ((p[0] & 0xf8) == 0xf0 && p[1] && p[2] && p[3]) {
        *cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
              (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
        return 4;
    }
    *cp = '?';
    return 1;
}

static unsigned cp_width(uint32_t c)
{
    if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
        (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
        return 2;
    if (c >= 0x300 && c <= 0x36f)
        return 0; /* combining marks */
    return 1;
}

static unsigned str_cols(const char *s)
{
    unsigned w = 0;
    while (*s) {
        uint32_t cp;
        s += u8_next(s, &cp);
        w += cp_width(cp);
    }
    return w;
}

/* Copies s into out, cut to at most cols columns; a cut string ends in "…".
 * @return the columns used. */
static unsigned fit(char *out, size_t cap, const char *s, unsigned cols)
{
    size_t o = 0;
    unsigned w = 0;
    bool cut = str_cols(s) > cols;
    unsigned limit = cut ? (cols ? cols - 1 : 0) : cols;
    while (*s) {
        uint32_t cp;
        size_t n = u8_next(s, &cp);
        unsigned cw = cp_width(cp);
        if (w + cw > limit || o + n + 4 > cap)
            break;
        memcpy(out + o, s, n);
        o += n;
        w += cw;
        s += n;
    }
    if (cut && cols && o + 4 <= cap) {
        memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
        o += 3;
        w++;
    }
    out[o] = 0;
    return w;
}

/* fit() for a key name: a cut keeps the head and the tail around the "…"
 * (about 3/5 and 2/5 of the columns). Keys of one family share their head
 * (spring:session:index:org.springframework…, :1:views.decorators.cache…)
 * and differ at their end, so a cut head alone made top-list rows that read
 * the same. */
static unsigned fit_key(char *out, size_t cap, const char *s, unsigned cols)
{
    unsigned total = str_cols(s);
    if (total <= cols || cols < 12)
        return fit(out, cap, s, cols);
    unsigned tail = (cols - 1) * 2 / 5, head = cols - 1 - tail;
    unsigned used = fit(out, cap, s, head + 1); /* head columns, then "…" */
    /* the tail starts at the first code point after which at most `tail`
     * columns remain */
    const char *p = s;
    unsigned w = 0;
    while (*p && total - w > tail) {
        uint32_t cp;
        size_t n = u8_next(p, &cp);
        w += cp_width(cp);
        p += n;
    }
    size_t o = strlen(out), n = strlen(p);
    if (o + n + 1 > cap)
        return used;
    memcpy(out + o, p, n + 1);
    return used + (total - w);
}

/* ---- line output ------------------------------------------------------------------------- */

static void emit(tw *t, const char *line)
{
    char buf[4096];
    fit(buf, sizeof buf, line, t->width);
    /* trailing spaces are noise in diffs and pagers */
    size_t n = strlen(buf);
    while (n && buf[n - 1] == ' ')
        buf[--n] = 0;
    if (fputs(buf, t->f) == EOF || fputc('\n', t->f) == EOF)
        t->failed = true;
}

static void line(tw *t, const char *fmt, ...) RDBL_PRINTF(2, 3);
static void line(tw *t, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(t, buf);
}

/* A row of cells: text left-aligned (width > 0) or right-aligned
 * (width < 0), separated by one space. */
typedef struct row {
    char buf[4096];
    size_t len;
} row;

static void row_init(row *r)
{
    r->len = 0;
    r->buf[0] = 0;
}

static void cell(row *r, int width, const char *s)
{
    unsigned w = width < 0 ? (unsigned)-width : (unsigned)width;
    char tmp[1024];
    unsigned used = fit(tmp, sizeof tmp, s, w);
    size_t pad = w > used ? w - used : 0;
    size_t need = strlen(tmp) + pad + 1;
    if (r->len + need + 1 >= sizeof r->buf)
        return;
    if (r->len)
        r->buf[r->len++] = ' ';
    if (width < 0) {
        memset(r->buf + r->len, ' ', pad);
        r->len += pad;
    }
    memcpy(r->buf + r->len, tmp, strlen(tmp));
    r->len += strlen(tmp);
    if (width > 0) {
        memset(r->buf + r->len, ' ', pad);
        r->len += pad;
    }
    r->buf[r->len] = 0;
}

static void cellf(row *r, int width, const char *fmt, ...) RDBL_PRINTF(3, 4);
static void cellf(row *r, int width, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cell(r, width, buf);
}

static void row_emit(tw *t, row *r, unsigned indent)
{
    char buf[4200];
    snprintf(buf, sizeof buf, "%*s%s", (int)indent, "", r->buf);
    emit(t, buf);
}

static void blank(tw *t)
{
    emit(t, "");
}

static void heading(tw *t, const char *title)
{
    blank(t);
    emit(t, title);
}

/* The end of the first line of text wrapped at cols columns: as many whole
 * words as fit (a single longer word is cut). */
static const char *line_end(const char *s, unsigned cols)
{
    const char *end = s, *last_break = NULL;
    unsigned w = 0;
    while (*end) {
        uint32_t cp;
        size_t n = u8_next(end, &cp);
        unsigned cw = cp_width(cp);
        if (w + cw > cols)
            break;
        if (*end == ' ')
            last_break = end;
        w += cw;
        end += n;
    }
    if (*end && last_break)
        end = last_break;
    return end;
}

/* Word-wraps text at `cols` columns with an indent. */
static void wrap(tw *t, const char *text, unsigned indent, unsigned cols)
{
    const char *s = text;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        const char *end = line_end(s, cols);
        char buf[2048];
        size_t n = (size_t)(end - s);
        if (n > sizeof buf - 1)
            n = sizeof buf - 1;
        memcpy(buf, s, n);
        buf[n] = 0;
        line(t, "%*s%s", (int)indent, "", buf);
        s = end;
    }
}

/* The first line of wrap() into out. */
static void wrap_first(char *out, size_t cap, const char *text, unsigned cols)
{
    size_t n = (size_t)(line_end(text, cols) - text);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, text, n);
    out[n] = 0;
}

/* ---- formatting helpers ------------------------------------------------------------------- */

static const char *B(char *buf, uint64_t v)
{
    return rdbl_fmt_bytes(buf, 32, v);
}
static const char *C(char *buf, uint64_t v)
{
    return rdbl_fmt_count(buf, 32, v);
}
static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static void key_text(char *out, size_t cap, const rdbl_key_entry *e)
{
    rdbl_escape_bytes(out, cap, e->key, e->key_len);
    if (e->key_full_len > e->key_len) {
        size_t n = strlen(out);
        if (n + 4 < cap)
            memcpy(out + n, "\xe2\x80\xa6", 4);
    }
}

static void ttl_text(char *out, size_t cap, const tw *t, const rdbl_key_entry *e)
{
    if (!e->has_expire) {
        snprintf(out, cap, "-");
        return;
    }
    int64_t d;
    if (__builtin_sub_overflow(e->expire_ms, t->ref_ms, &d))
        d = e->expire_ms < t->ref_ms ? INT64_MIN : INT64_MAX;
    if (d <= 0)
        snprintf(out, cap, "expired");
    else
        rdbl_fmt_duration_ms(out, cap, d);
}

static void bar(char *out, size_t cap, double frac, unsigned cols)
{
    unsigned n = (unsigned)(frac * cols + 0.5);
    if (frac > 0 && n == 0)
        n = 1;
    size_t o = 0;
    for (unsigned i = 0; i < n && o + 4 < cap; i++) {
        memcpy(out + o, "\xe2\x96\x88", 3); /* █ */
        o += 3;
    }
    out[o] = 0;
}

/* ---- sections ------------------------------------------------------------------------------ */

static const char *checksum_text(rdbl_checksum_status c)
{
    switch (c) {
    case RDBL_CHECKSUM_OK:
        return "checksum ok";
    case RDBL_CHECKSUM_MISMATCH:
        return "CHECKSUM MISMATCH";
    case RDBL_CHECKSUM_DISABLED:
        return "checksum disabled";
    case RDBL_CHECKSUM_ABSENT:
        return "no checksum (RDB < 5)";
    case RDBL_CHECKSUM_NOT_CHECKED:
        return "checksum not checked";
    }
    return "checksum ?";
}

static const char *comp_text(rdbl_compression c)
{
    switch (c) {
    case RDBL_COMP_NONE:
        return "uncompressed";
    case RDBL_COMP_GZIP:
        return "gzip";
    case RDBL_COMP_LZ4:
        return "lz4";
    case RDBL_COMP_ZSTD:
        return "zstd";
    case RDBL_COMP_VKCS:
        return "vkcs-lz4";
    }
    return "?";
}

static void header(tw *t, const rdbl_agg *a)
{
    const rdbl_snapshot *s;
    size_t n = rdbl_agg_snapshots(a, &s);
    char b1[32], tm[48];
    if (n == 0) {
        line(t, "rdblens %s report", RDBL_VERSION_STRING);
    } else if (n == 1) {
        line(t, "rdblens %s report: %s", RDBL_VERSION_STRING, s->file);
    } else {
        line(t, "rdblens %s report: %zu files merged", RDBL_VERSION_STRING, n);
    }
    char rule[512];
    size_t w = t->width < 500 ? t->width : 500;
    memset(rule, '=', w);
    rule[w] = 0;
    emit(t, rule);
    for (size_t i = 0; i < n && i < 8; i++) {
        if (rdbl_snapshot_unread(&s[i])) {
            char nr[1500];
            line(t, "File      %s  NOT READ: not an RDB file, none of it is in the figures",
                 s[i].file);
            snprintf(nr, sizeof nr, "at offset %" PRIu64 ": %s", s[i].error_offset, s[i].error);
            wrap(t, nr, 10, t->width > 40 ? (unsigned)t->width - 10 : 30);
            continue;
        }
        char sz[48] = "";
        if (s[i].file_size)
            snprintf(sz, sizeof sz, ", %s on disk", B(b1, s[i].file_size));
        line(t, "File      %s%s%s RDB %d%s%s, %s, %s%s", n > 1 ? s[i].file : "", n > 1 ? "  (" : "",
             s[i].magic[0] ? s[i].magic : "?", s[i].rdb_version,
             s[i].future_version ? " (newer than known)" : "", sz, comp_text(s[i].compression),
             checksum_text(s[i].checksum), n > 1 ? ")" : "");
        const char *src = s[i].ctime_source == RDBL_CTIME_AUX     ? "ctime recorded in the file"
                          : s[i].ctime_source == RDBL_CTIME_MTIME ? "file modification time"
                                                                  : "unknown";
        char when[128];
        if (s[i].ctime_source != RDBL_CTIME_NONE)
            snprintf(when, sizeof when, "%s (%s)",
                     rdbl_fmt_time_ms(tm, sizeof tm, s[i].ctime_s * 1000, true), src);
        else
            snprintf(when, sizeof when, "unknown");
        line(t, "Snapshot  %s%s%s", when, s[i].redis_ver[0] ? "   server " : "",
             s[i].redis_ver);
        if (s[i].has_now) {
            line(t, "TTLs      relative to --now %s",
                 rdbl_fmt_time_ms(tm, sizeof tm, s[i].now_ms, true));
        }
        if (s[i].target[0] || s[i].allocator[0])
            line(t, "Model     %s%s%s%s%s%s", s[i].target,
                 s[i].target[0] && s[i].allocator[0] ? " / " : "", s[i].allocator,
                 s[i].allocator_source[0] ? " (" : "", s[i].allocator_source,
                 s[i].allocator_source[0] ? ")" : "");
        /* under it: how the allocator was chosen, then the model's warnings */
        unsigned cols = t->width > 40 ? (unsigned)t->width - 10 : 30;
        if (s[i].allocator_reason[0])
            wrap(t, s[i].allocator_reason, 10, cols);
        for (int k = 0; k < 2; k++) {
            const char *wtext = k ? s[i].target_note : s[i].target_warning;
            char wbuf[256];
            snprintf(wbuf, sizeof wbuf, "WARNING: %s", wtext);
            if (wtext[0])
                wrap(t, wbuf, 10, cols);
        }
        if (s[i].redacted) {
            line(t, "REDACTED  the variable parts of keys (ids, e-mail addresses, UUIDs, tokens) "
                    "are");
            line(t, "          keyed pseudonyms of the same shape, not the real keys");
        }
        if (s[i].sha256[0]) {
            line(t, "SHA-256   %s", s[i].sha256);
            wrap(t, rdbl_source_sha256_scope(s[i].compression), 10, cols);
        } else if (s[i].sha256_note[0]) {
            line(t, "SHA-256   none");
            wrap(t, s[i].sha256_note, 10, cols);
        }
        if (s[i].status != RDBL_OK && s[i].status != RDBL_CHECKSUM)
            line(t, "PARTIAL   the file could not be read to the end: %s at offset %" PRIu64
                    " (%s); what was read before is reported",
                 rdbl_status_name(s[i].status), s[i].error_offset, s[i].error);
        if (s[i].holes) {
            char hb[32];
            line(t, "SALVAGED  read past %" PRIu64 " hole%s (%s skipped; what they held is "
                    "missing), %" PRIu64 " key%s kept damaged",
                 s[i].holes, s[i].holes == 1 ? "" : "s", rdbl_fmt_bytes(hb, sizeof hb, s[i].hole_bytes),
                 s[i].damaged_keys, s[i].damaged_keys == 1 ? "" : "s");
            for (size_t h = 0; h < s[i].nholes && h < 5; h++)
                line(t, "          offsets %" PRIu64 "-%" PRIu64 ", db %" PRIu64 "%s%s%s%s",
                     s[i].hole[h].start, s[i].hole[h].end, s[i].hole[h].db,
                     s[i].hole[h].last_key[0] ? ", after key \"" : "", s[i].hole[h].last_key,
                     s[i].hole[h].last_key[0] ? "\"" : "", s[i].hole[h].to_end ? ", to the end" : "");
            if (s[i].holes > 5)
                line(t, "          ... %" PRIu64 " more (JSON lists %d)", s[i].holes - 5,
                     RDBL_SNAPSHOT_HOLES);
        }
    }
    if (n > 8)
        line(t, "          ... and %zu more files", n - 8);
}

/* The cold-memory total, or false when the file has no LRU/LFU data: idle
 * time when the file has it, else the keys at LFU counter 0. */
static bool cold_text(char *out, size_t cap, const tw *t, const rdbl_access_summary *s)
{
    char b1[32], b2[32], dur[32];
    if (t->total_keys > s->idle[RDBL_IDLE_UNKNOWN].keys)
        snprintf(out, cap, "%s (%.1f%%) in %s key%s idle for %s or more",
                 B(b1, s->cold.mem_bytes), pct(s->cold.mem_bytes, t->total_mem),
                 C(b2, s->cold.keys), s->cold.keys == 1 ? "" : "s",
                 rdbl_fmt_duration_ms(dur, sizeof dur, s->cold_idle_s * 1000));
    else if (s->freq_known.keys)
        snprintf(out, cap, "%s (%.1f%%) in %s key%s at LFU counter 0 (evicted first)",
                 B(b1, s->freq[0].mem_bytes), pct(s->freq[0].mem_bytes, t->total_mem),
                 C(b2, s->freq[0].keys), s->freq[0].keys == 1 ? "" : "s");
    else
        return false;
    return true;
}

static void key_facts(tw *t, const rdbl_agg *a, const rdbl_advice_list *adv)
{
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    const rdbl_snapshot *s;
    size_t n = rdbl_agg_snapshots(a, &s);
    char b1[32], b2[32], b3[32];
    heading(t, "KEY FACTS");
    const rdbl_table_row *dbs;
    size_t ndb = rdbl_tables_agg_rows(rdbl_agg_tables(a), RDBL_TABLE_DB, &dbs);
    line(t, "  %-26s %s in %zu database%s; %.1f%% with a TTL%s%s%s", "Keys",
         C(b1, sum->all.keys), ndb, ndb == 1 ? "" : "s",
         pct(sum->all.keys_with_ttl, sum->all.keys), sum->expired_keys ? "; " : "",
         sum->expired_keys ? C(b2, sum->expired_keys) : "",
         sum->expired_keys ? " already expired" : "");
    line(t, "  %-26s %s  (sum of per-key MEMORY USAGE estimates)", "Estimated memory",
         B(b1, sum->all.mem_bytes));
    uint64_t used = 0;
    if (rdbl_snapshots_used_mem(s, n, &used))
        line(t, "  %-26s %s  (recorded by the server; the estimate is %.0f%% of it)",
             "Server used-mem at save", B(b2, used), pct(sum->all.mem_bytes, used));
    else
        line(t, "  %-26s %s", "Server used-mem at save", "not recorded in the file");
    for (size_t i = 0; n && i < s[0].ntotals; i++) {
        uint64_t tot;
        if (!rdbl_snapshots_total(s, n, s[0].totals[i].name, &tot))
            continue;
        /* "used_memory_dataset_estimate_bytes" -> "used_memory_dataset (est.)" */
        char label[64], shown[64];
        snprintf(label, sizeof label, "%s", s[0].totals[i].name);
        size_t ln = strlen(label);
        if (ln > 6 && strcmp(label + ln - 6, "_bytes") == 0)
            label[ln -= 6] = 0;
        bool est = ln > 9 && strcmp(label + ln - 9, "_estimate") == 0;
        if (est)
            label[ln - 9] = 0;
        fit(shown, sizeof shown, label, 26);
        line(t, "  %-26s %s  (%s)", shown, B(b1, tot),
             est ? "model estimate of the server's INFO figure" : "reconciled total");
    }
    line(t, "  %-26s %s of serialized values", "RDB payload", B(b1, sum->all.rdb_bytes));

    /* biggest prefixes */
    const rdbl_prefix_agg *p = rdbl_agg_prefix(a);
    uint32_t kids[4];
    size_t nk = rdbl_prefix_agg_children(p, RDBL_PREFIX_ROOT, kids, 4);
    char pl[512];
    size_t o = 0;
    pl[0] = 0;
    for (size_t i = 0; i < nk && i < 4; i++) {
        char name[128];
        rdbl_prefix_agg_name(p, kids[i], name, sizeof name);
        char shown[64];
        fit(shown, sizeof shown, name, 24);
        int w = snprintf(pl + o, sizeof pl - o, "%s%s %.1f%%", i ? ", " : "", shown,
                         pct(rdbl_prefix_agg_totals(p, kids[i])->mem_bytes, sum->all.mem_bytes));
        if (w > 0 && (size_t)w < sizeof pl - o)
            o += (size_t)w;
    }
    if (nk)
        line(t, "  %-26s %s", "Biggest prefixes (memory)", pl);
    const rdbl_key_entry *e;
    if (rdbl_top_agg_get(rdbl_agg_top(a), RDBL_TOP_BY_MEMORY, RDBL_TYPE_STRING, &e, 1)) {
        char k[256];
        key_text(k, sizeof k, e);
        char shown[96];
        fit_key(shown, sizeof shown, k, 40);
        line(t, "  %-26s %s (%s, %s, %s element%s)", "Biggest key", shown,
             rdbl_type_name(e->type), B(b1, e->mem_bytes), C(b2, e->elements),
             e->elements == 1 ? "" : "s");
    }
    rdbl_ttl_summary ts;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &ts);
    uint64_t soon = 0;
    for (unsigned b = RDBL_TTL_EXPIRED; b <= RDBL_TTL_LT_1D; b++)
        soon += ts.buckets[b].mem_bytes;
    line(t, "  %-26s %.1f%% of keys, %.1f%% of memory; %s of memory expires within a day",
         "TTL coverage", pct(sum->all.keys_with_ttl, sum->all.keys),
         pct(sum->all.mem_bytes - ts.buckets[RDBL_TTL_NONE].mem_bytes, sum->all.mem_bytes),
         B(b3, soon));
    char cold[256];
    if (cold_text(cold, sizeof cold, t, rdbl_access_agg_summary(rdbl_agg_access(a))))
        line(t, "  %-26s %s", "Cold memory", cold);
    if (adv->n) {
        uint64_t saving = 0;
        size_t worst = 0;
        for (size_t i = 0; i < adv->n; i++) {
            saving += adv->items[i].saving_bytes;
            if (adv->items[i].level > adv->items[worst].level)
                worst = i;
        }
        line(t, "  %-26s %zu item%s, ~%s to save in all (see ADVICE); the most serious:",
             "Advice", adv->n, adv->n == 1 ? "" : "s", B(b1, saving));
        rdbl_advice_words w;
        rdbl_advice_words_of(&adv->items[worst], &w);
        char head[300];
        snprintf(head, sizeof head, "[%s] %s", rdbl_advice_level_name(adv->items[worst].level),
                 w.title);
        wrap(t, head, 29, t->width - 29);
    } else {
        line(t, "  %-26s %s", "Advice", "nothing to report");
    }
}

/* Under a pattern row: one key of the row and the distinct values of each
 * '*' on its path (vals, "45 / 38"; "" when the path has none: a row whose
 * deeper levels are not shown gets its example all the same). */
static void pattern_line(tw *t, const rdbl_prefix_agg *p, uint32_t node, unsigned depth,
                         const char *vals)
{
    bool cut;
    rdbl_str ex = rdbl_prefix_agg_example(p, node, &cut);
    if (!ex.ptr)
        return;
    char key[600], tail[160];
    rdbl_escape_bytes(key, sizeof key, ex.ptr, ex.len);
    snprintf(tail, sizeof tail, "%s%s%s%s", cut ? "\xe2\x80\xa6" : "", *vals ? "  (* = " : "",
             vals, *vals ? " distinct)" : "");
    unsigned ind = 2 + 2 * depth + 2;
    size_t room = t->width > ind + 5 + strlen(tail) ? t->width - ind - 5 - strlen(tail) : 8;
    /* a long key keeps its head and ends in "…" (UTF-8 kept whole) */
    if (strlen(key) > room) {
        size_t n = room > 1 ? room - 1 : 0;
        while (n > 0 && ((uint8_t)key[n] & 0xc0) == 0x80)
            n--;
        memcpy(key + n, "\xe2\x80\xa6", 4);
        if (cut)
            memmove(tail, tail + 3, strlen(tail + 3) + 1);
    }
    line(t, "%*se.g. %s%s", (int)ind, "", key, tail);
}

static void prefix_rows(tw *t, const rdbl_prefix_agg *p, uint32_t node, unsigned depth,
                        unsigned maxdepth, size_t maxrows, size_t *rows, unsigned keycol,
                        const char *vals)
{
    uint32_t kids[16];
    size_t nk = rdbl_prefix_agg_children(p, node, kids, depth == 0 ? 12 : 4);
    size_t lim = depth == 0 ? 12 : 4;
    for (size_t i = 0; i < nk && i < lim && *rows < maxrows; i++) {
        const rdbl_prefix_totals *pt = rdbl_prefix_agg_totals(p, kids[i]);
        /* children below 1% of their parent are noise here */
        if (depth > 0 && pt->mem_bytes * 100 < rdbl_prefix_agg_totals(p, node)->mem_bytes)
            continue;
        char name[512], b1[32], b2[32], b3[32];
        rdbl_prefix_agg_name(p, kids[i], name, sizeof name);
        char ind[600];
        snprintf(ind, sizeof ind, "%*s%s", (int)(2 * depth), "", name);
        row r;
        row_init(&r);
        cell(&r, (int)keycol, ind);
        cell(&r, -11, C(b1, pt->keys));
        cell(&r, -10, B(b2, pt->mem_bytes));
        cellf(&r, -6, "%.1f%%", pct(pt->mem_bytes, t->total_mem));
        cellf(&r, -8, "%.0f%%", pct(pt->keys_with_ttl, pt->keys));
        cell(&r, -10, B(b3, pt->keys ? pt->mem_bytes / pt->keys : 0));
        row_emit(t, &r, 2);
        (*rows)++;
        bool est;
        uint64_t nv = rdbl_prefix_agg_values(p, kids[i], &est);
        char kv[128];
        if (nv)
            snprintf(kv, sizeof kv, "%s%s%s%s", vals, *vals ? " / " : "", est ? "~" : "",
                     C(b1, nv));
        else
            snprintf(kv, sizeof kv, "%s", vals);
        /* a chain (the row's largest child holds all its keys) shows its
         * example once, under the child */
        uint32_t first;
        bool chain = depth + 1 < maxdepth && !rdbl_prefix_agg_is_other(p, kids[i]) &&
                     rdbl_prefix_agg_children(p, kids[i], &first, 1) >= 1 &&
                     !rdbl_prefix_agg_is_other(p, first) &&
                     rdbl_prefix_agg_totals(p, first)->keys == pt->keys;
        /* the last level shown, with levels below it: the example shows
         * the rest of the key's shape */
        bool deeper = depth + 1 >= maxdepth && !rdbl_prefix_agg_is_other(p, kids[i]) &&
                      rdbl_prefix_agg_children(p, kids[i], NULL, 0) > 0;
        if ((*kv || deeper) && !chain)
            pattern_line(t, p, kids[i], depth, kv);
        if (depth + 1 < maxdepth && !rdbl_prefix_agg_is_other(p, kids[i]))
            prefix_rows(t, p, kids[i], depth + 1, maxdepth, maxrows, rows, keycol, kv);
    }
}

static void top_prefixes(tw *t, const rdbl_agg *a)
{
    const rdbl_prefix_agg *p = rdbl_agg_prefix(a);
    const rdbl_agg_opts *o = rdbl_agg_get_opts(a);
    heading(t, "TOP PREFIXES by memory  (\"*\" = a folded id segment; children indented)");
    unsigned keycol = t->width - 2 - 1 - (11 + 1 + 10 + 1 + 6 + 1 + 8 + 1 + 10);
    row r;
    row_init(&r);
    cell(&r, (int)keycol, "prefix");
    cell(&r, -11, "keys");
    cell(&r, -10, "memory");
    cell(&r, -6, "% mem");
    cell(&r, -8, "TTL'd");
    cell(&r, -10, "avg/key");
    row_emit(t, &r, 2);
    size_t rows = 0;
    prefix_rows(t, p, RDBL_PREFIX_ROOT, 0, 3, t->top * 3, &rows, keycol, "");
    if (rdbl_prefix_agg_folds(p))
        line(t, "  (the tree passed its budget of %s nodes: small prefixes were folded into "
                "\"(other)\")",
             rdbl_fmt_count((char[32]){0}, 32, o->node_budget));
}

static void key_table(tw *t, const rdbl_key_entry *const *v, size_t n, bool by_elements)
{
    const unsigned fixed = 4 + 1 + 3 + 1 + 6 + 1 + 10 + 1 + 11 + 1 + 10 + 1 + 9;
    unsigned keycol = t->width - 2 - 1 - fixed;
    row r;
    row_init(&r);
    cell(&r, -4, "#");
    cell(&r, (int)keycol, "key");
    cell(&r, -3, "db");
    cell(&r, 6, "type");
    cell(&r, 10, "encoding");
    cell(&r, -11, "elements");
    cell(&r, -10, "memory");
    cell(&r, -9, "TTL");
    row_emit(t, &r, 2);
    for (size_t i = 0; i < n; i++) {
        const rdbl_key_entry *e = v[i];
        char k[1024], b1[32], b2[32], ttl[32];
        key_text(k, sizeof k, e);
        ttl_text(ttl, sizeof ttl, t, e);
        char shown[1024];
        fit_key(shown, sizeof shown, k, keycol);
        row_init(&r);
        cellf(&r, -4, "%zu", i + 1);
        cell(&r, (int)keycol, shown);
        cellf(&r, -3, "%" PRIu64, e->db);
        cell(&r, 6, rdbl_type_name(e->type));
        cell(&r, 10, e->encoding);
        cell(&r, -11, C(b1, e->elements));
        cell(&r, -10, B(b2, e->mem_bytes));
        cell(&r, -9, ttl);
        row_emit(t, &r, 2);
    }
    (void)by_elements;
}

static void top_keys(tw *t, const rdbl_agg *a, rdbl_top_list list, const char *title)
{
    const rdbl_key_entry *v[1000];
    size_t n = rdbl_top_agg_get(rdbl_agg_top(a), list, RDBL_TYPE_STRING, v,
                                t->top < 1000 ? t->top : 1000);
    heading(t, title);
    if (!n) {
        line(t, "  (no keys)");
        return;
    }
    key_table(t, v, n, list == RDBL_TOP_BY_ELEMENTS);
}

static void ttl_section(tw *t, const rdbl_agg *a)
{
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &s);
    char tm[48];
    heading(t, "TTL");
    line(t, "  relative to %s", rdbl_fmt_time_ms(tm, sizeof tm, s.ref_ms, true));
    uint64_t maxm = 0;
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++)
        if (s.buckets[b].mem_bytes > maxm)
            maxm = s.buckets[b].mem_bytes;
    unsigned barw = t->width - 2 - (10 + 1 + 11 + 1 + 7 + 1 + 10 + 1 + 7 + 1);
    row r;
    row_init(&r);
    cell(&r, 10, "TTL");
    cell(&r, -11, "keys");
    cell(&r, -7, "% keys");
    cell(&r, -10, "memory");
    cell(&r, -7, "% mem");
    cell(&r, (int)barw, "share of memory");
    row_emit(t, &r, 2);
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++) {
        char b1[32], b2[32], br[512];
        const rdbl_count *c = &s.buckets[b];
        bar(br, sizeof br, maxm ? (double)c->mem_bytes / (double)maxm : 0, barw);
        row_init(&r);
        cell(&r, 10, rdbl_ttl_bucket_label((rdbl_ttl_bucket)b));
        cell(&r, -11, C(b1, c->keys));
        cellf(&r, -7, "%.1f%%", pct(c->keys, t->total_keys));
        cell(&r, -10, B(b2, c->mem_bytes));
        cellf(&r, -7, "%.1f%%", pct(c->mem_bytes, t->total_mem));
        cell(&r, (int)barw, br);
        row_emit(t, &r, 2);
    }
}

static void advice_section(tw *t, const rdbl_advice_list *l)
{
    heading(t, "ADVICE  (most serious first, then by estimated saving)");
    if (!l->n) {
        line(t, "  Nothing to report: no rule found evidence worth acting on.");
        return;
    }
    char b1[32], b2[32], b3[32];
    for (size_t i = 0; i < l->n; i++) {
        const rdbl_advice_item *it = &l->items[i];
        rdbl_advice_words w;
        rdbl_advice_words_of(it, &w);
        char num[32];
        snprintf(num, sizeof num, "%2zu. ", i + 1);
        char head[400];
        snprintf(head, sizeof head, "[%s] %s", rdbl_advice_level_name(it->level), w.title);
        /* the headline wraps at word boundaries under its number */
        char first[400];
        unsigned cols = t->width - 4;
        wrap_first(first, sizeof first, head, cols);
        line(t, "%s%s", num, first);
        if (strlen(first) < strlen(head))
            wrap(t, head + strlen(first), 4, cols);
        if (it->saving_bytes)
            line(t, "      estimated saving %s; %s %s, %s affected", B(b1, it->saving_bytes),
                 C(b2, it->keys), it->keys == 1 ? "key" : "keys", B(b3, it->affected_bytes));
        else
            line(t, "      %s %s, %s affected", C(b2, it->keys), it->keys == 1 ? "key" : "keys",
                 B(b3, it->affected_bytes));
        wrap(t, w.detail, 6, t->width - 6);
        if (it->config[0])
            line(t, "      config: %s", it->config);
        for (size_t k = 0; k < it->nexamples && k < 3; k++) {
            const rdbl_key_entry *e = it->examples[k];
            char key[1024], shown[512];
            key_text(key, sizeof key, e);
            fit_key(shown, sizeof shown, key, t->width - 60);
            if (e->type == RDBL_TYPE_STRING)
                line(t, "      e.g. %s (db %" PRIu64 ", string, %s)", shown, e->db,
                     B(b1, e->mem_bytes));
            else
                line(t, "      e.g. %s (db %" PRIu64 ", %s, %s, %s element%s)", shown, e->db,
                     rdbl_type_name(e->type), B(b1, e->mem_bytes), C(b2, e->elements),
                     e->elements == 1 ? "" : "s");
        }
    }
}

static void stats_row(tw *t, const char *c1, const char *c2, const rdbl_table_stats *s,
                      unsigned c1w, unsigned c2w)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    row r;
    row_init(&r);
    cell(&r, (int)c1w, c1);
    if (c2w)
        cell(&r, (int)c2w, c2);
    cell(&r, -11, C(b1, s->keys));
    cell(&r, -10, B(b2, s->mem_bytes));
    cellf(&r, -6, "%.1f%%", pct(s->mem_bytes, t->total_mem));
    cell(&r, -10, B(b3, s->keys ? s->mem_bytes / s->keys : 0));
    cell(&r, -10, B(b4, s->max_mem_bytes));
    cell(&r, -12, C(b5, s->elements));
    char b6[32];
    cell(&r, -10, C(b6, s->max_elements));
    row_emit(t, &r, 2);
}

static void stats_head(tw *t, const char *c1, const char *c2, unsigned c1w, unsigned c2w)
{
    row r;
    row_init(&r);
    cell(&r, (int)c1w, c1);
    if (c2w)
        cell(&r, (int)c2w, c2);
    cell(&r, -11, "keys");
    cell(&r, -10, "memory");
    cell(&r, -6, "% mem");
    cell(&r, -10, "avg/key");
    cell(&r, -10, "max/key");
    cell(&r, -12, "elements");
    cell(&r, -10, "max elems");
    row_emit(t, &r, 2);
}

static void tables_section(tw *t, const rdbl_agg *a)
{
    const rdbl_tables_agg *tb = rdbl_agg_tables(a);
    const rdbl_table_row *rows;
    size_t n = rdbl_tables_agg_rows(tb, RDBL_TABLE_DB, &rows);
    heading(t, "DATABASES");
    stats_head(t, "db", NULL, 8, 0);
    for (size_t i = 0; i < n; i++) {
        char db[32];
        if (rows[i].encoding[0])
            snprintf(db, sizeof db, "%s", rows[i].encoding);
        else
            snprintf(db, sizeof db, "%" PRIu64, rows[i].db);
        stats_row(t, db, NULL, &rows[i].s, 8, 0);
    }
    heading(t, "TYPES AND ENCODINGS  (in-memory encoding chosen by the memory model)");
    stats_head(t, "type", "encoding", 8, 12);
    const rdbl_table_row *types, *enc;
    size_t nt = rdbl_tables_agg_rows(tb, RDBL_TABLE_TYPE, &types);
    size_t ne = rdbl_tables_agg_rows(tb, RDBL_TABLE_ENCODING, &enc);
    /* types by memory, descending */
    size_t order[RDBL_TYPE__COUNT];
    size_t no = 0;
    for (size_t i = 0; i < nt && no < RDBL_TYPE__COUNT; i++)
        if (types[i].s.keys)
            order[no++] = i;
    for (size_t i = 1; i < no; i++)
        for (size_t j = i; j > 0 && types[order[j]].s.mem_bytes > types[order[j - 1]].s.mem_bytes;
             j--) {
            size_t x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    for (size_t i = 0; i < no; i++) {
        const rdbl_table_row *ty = &types[order[i]];
        stats_row(t, rdbl_type_name(ty->type), "(all)", &ty->s, 8, 12);
        size_t nenc = 0;
        for (size_t k = 0; k < ne; k++)
            nenc += enc[k].type == ty->type;
        if (nenc < 2)
            continue;
        for (size_t k = 0; k < ne; k++)
            if (enc[k].type == ty->type)
                stats_row(t, "", enc[k].encoding, &enc[k].s, 8, 12);
    }
}

static void dist_section(tw *t, const rdbl_agg *a)
{
    const rdbl_tables_agg *tb = rdbl_agg_tables(a);
    const rdbl_table_row *types;
    size_t nt = rdbl_tables_agg_rows(tb, RDBL_TABLE_TYPE, &types);
    heading(t, "SIZE DISTRIBUTION  (keys per power-of-two size class of memory per key)");
    for (size_t i = 0; i < nt; i++) {
        if (!types[i].s.keys)
            continue;
        const rdbl_count *d = rdbl_tables_agg_dist(tb, types[i].type, RDBL_DIST_MEMORY);
        char buf[1024];
        size_t o = 0;
        int w = snprintf(buf, sizeof buf, "  %-7s", rdbl_type_name(types[i].type));
        o = (size_t)w;
        for (unsigned b = 0; b < RDBL_LOG2_BUCKETS; b++) {
            if (!d[b].keys)
                continue;
            char lo[32], k[32];
            rdbl_fmt_bytes(lo, sizeof lo, b == 0 ? 0 : (uint64_t)1 << (b - 1));
            /* "64 B" -> "64B" keeps the line short */
            char *sp = strchr(lo, ' ');
            if (sp)
                memmove(sp, sp + 1, strlen(sp));
            w = snprintf(buf + o, sizeof buf - o, " %s+:%s", lo, C(k, d[b].keys));
            if (w < 0 || (size_t)w >= sizeof buf - o)
                break;
            if (str_cols(buf) + 0 > t->width) {
                buf[o] = 0;
                emit(t, buf);
                o = (size_t)snprintf(buf, sizeof buf, "  %-7s", "");
                w = snprintf(buf + o, sizeof buf - o, " %s+:%s", lo, C(k, d[b].keys));
            }
            o += (size_t)w;
        }
        emit(t, buf);
    }
}

static void per_type_section(tw *t, const rdbl_agg *a)
{
    heading(t, "LARGEST KEYS PER TYPE");
    bool any = false;
    for (unsigned ty = 0; ty < RDBL_TYPE__COUNT; ty++) {
        const rdbl_key_entry *v[3];
        size_t n = rdbl_top_agg_get(rdbl_agg_top(a), RDBL_TOP_BY_TYPE, (rdbl_type)ty, v, 3);
        if (!n)
            continue;
        any = true;
        line(t, "  %s", rdbl_type_name((rdbl_type)ty));
        key_table(t, v, n, false);
    }
    if (!any)
        line(t, "  (no keys)");
}

static void clusters_section(tw *t, const rdbl_agg *a)
{
    rdbl_ttl_minute m[5];
    size_t n = rdbl_ttl_agg_top_minutes(rdbl_agg_ttl(a), m, 5);
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &s);
    heading(t, "EXPIRY CLUSTERS  (the minutes in which the most memory expires)");
    if (!n) {
        line(t, "  (no future expiries)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char tm[48], k[32], b[32], in[32];
        line(t, "  %s  %11s %-4s  %10s   %s",
             rdbl_fmt_time_ms(tm, sizeof tm, m[i].minute * 60000, false), C(k, m[i].keys),
             m[i].keys == 1 ? "key" : "keys", B(b, m[i].mem_bytes),
             rdbl_fmt_when_ms(in, sizeof in, m[i].minute * 60000 - s.ref_ms));
    }
    if (s.untracked.keys) {
        char k[32];
        line(t, "  (%s keys expire in minutes past the tracking cap of %zu minutes)",
             C(k, s.untracked.keys), s.minutes_cap);
    }
}

static void fields_section(tw *t, const rdbl_agg *a)
{
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &s);
    if (!s.field_keys)
        return;
    char b1[32], b2[32], b3[32];
    heading(t, "HASH FIELD TTLS  (Redis 7.4+ HEXPIRE)");
    line(t, "  %s hashes (%s) have %s fields with a TTL; earliest field expiry:",
         C(b1, s.field_keys), B(b2, s.field_mem_bytes), C(b3, s.fields));
    for (unsigned b = RDBL_TTL_EXPIRED; b < RDBL_TTL__COUNT; b++) {
        if (!s.field_buckets[b].keys)
            continue;
        line(t, "    %-10s %11s keys", rdbl_ttl_bucket_label((rdbl_ttl_bucket)b),
             C(b1, s.field_buckets[b].keys));
    }
}

/* One line per key of an access list: the counter or the idle time, then the key. */
static void access_keys(tw *t, const rdbl_key_entry *const *v, size_t n, bool idle)
{
    for (size_t i = 0; i < n; i++) {
        char k[1024], shown[512], b1[32], what[48];
        key_text(k, sizeof k, v[i]);
        fit_key(shown, sizeof shown, k, t->width - 40);
        if (idle && v[i]->idle_s >= 0)
            rdbl_fmt_duration_ms(what, sizeof what, v[i]->idle_s * 1000);
        else
            snprintf(what, sizeof what, "%d", v[i]->freq);
        line(t, "    %9s  %s (%s)", what, shown, B(b1, v[i]->mem_bytes));
    }
}

static void access_section(tw *t, const rdbl_agg *a)
{
    const rdbl_access_summary *s = rdbl_access_agg_summary(rdbl_agg_access(a));
    heading(t, "ACCESS  (LRU idle time / LFU counter, when the file has them)");
    char b1[32], b2[32];
    uint64_t known = t->total_keys - s->idle[RDBL_IDLE_UNKNOWN].keys;
    if (!known && !s->freq_known.keys) {
        line(t, "  The file carries no LRU/LFU data (the server had no LRU/LFU maxmemory "
                "policy).");
        return;
    }
    size_t cap = t->top < 1000 ? t->top : 1000;
    const rdbl_key_entry *v[1000];
    char cold[256];
    if (cold_text(cold, sizeof cold, t, s))
        line(t, "  Cold memory: %s", cold);
    if (known) {
        line(t, "  %s keys carry an idle time", C(b1, known));
        for (unsigned b = RDBL_IDLE_LT_1M; b < RDBL_IDLE__COUNT; b++) {
            if (!s->idle[b].keys)
                continue;
            line(t, "    idle %-10s %11s keys %10s", rdbl_idle_bucket_label((rdbl_idle_bucket)b),
                 C(b1, s->idle[b].keys), B(b2, s->idle[b].mem_bytes));
        }
    }
    if (s->freq_known.keys) {
        line(t, "  %s keys carry an LFU counter", C(b1, s->freq_known.keys));
        size_t n = rdbl_access_agg_hottest(rdbl_agg_access(a), v, cap);
        line(t, "  Hottest keys (LFU counter, 255 = hottest; new keys start at 5):");
        access_keys(t, v, n, false);
    }
    size_t n = rdbl_access_agg_coldest(rdbl_agg_access(a), v, cap);
    if (n) {
        line(t, "  Largest cold keys (%s):", known ? "idle time" : "LFU counter");
        access_keys(t, v, n, known);
    }
}

static void fm_section(tw *t, const rdbl_agg *a)
{
    const rdbl_function_row *fr;
    const rdbl_module_row *mr;
    size_t nf = rdbl_tables_agg_functions(rdbl_agg_tables(a), &fr);
    size_t nm = rdbl_tables_agg_modules(rdbl_agg_tables(a), &mr);
    if (!nf && !nm)
        return;
    char b1[32], b2[32];
    heading(t, "FUNCTIONS AND MODULES");
    for (size_t i = 0; i < nf; i++)
        line(t, "  function library %s (%s, %s of code)", fr[i].name,
             fr[i].engine[0] ? fr[i].engine : "engine in shebang", B(b1, fr[i].code_bytes));
    for (size_t i = 0; i < nm; i++)
        line(t, "  module %s: %s keys (%s, not modelled), %s aux records", mr[i].name,
             C(b1, mr[i].keys), B(b2, mr[i].mem_bytes), C(b1, mr[i].aux_records));
}

static void notes(tw *t, const rdbl_agg *a)
{
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    heading(t, "NOTES");
    wrap(t,
         "Memory is the sum of per-key MEMORY USAGE estimates for the model above. It "
         "typically runs 7-30% above INFO used_memory_dataset; the server's used_memory and "
         "RSS also include startup overhead, buffers and fragmentation.",
         2, t->width - 2);
    if (sum->unmodelled_keys) {
        char b1[32], b2[32];
        line(t, "  %s module keys (%s) are not modelled: their figure is a lower bound.",
             C(b1, sum->unmodelled_keys), B(b2, sum->unmodelled_mem_bytes));
    }
}

rdbl_status rdbl_report_text(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err)
{
    tw t;
    memset(&t, 0, sizeof t);
    t.f = out;
    t.width = o && o->width ? o->width : 100;
    if (t.width < 80)
        t.width = 80;
    if (t.width > 400)
        t.width = 400;
    t.top = o && o->top ? o->top : 10;
    t.ref_ms = rdbl_agg_now(a);
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    t.total_mem = sum->all.mem_bytes;
    t.total_keys = sum->all.keys;
    rdbl_advice_list adv;
    if (rdbl_agg_advice(a, &adv) != RDBL_OK)
        return rdbl__fail(err, RDBL_NOMEM, 0, "text report", "out of memory");
    header(&t, a);
    key_facts(&t, a, &adv);
    top_prefixes(&t, a);
    top_keys(&t, a, RDBL_TOP_BY_MEMORY, "TOP KEYS by memory");
    ttl_section(&t, a);
    advice_section(&t, &adv);
    tables_section(&t, a);
    dist_section(&t, a);
    top_keys(&t, a, RDBL_TOP_BY_ELEMENTS, "TOP KEYS by element count");
    per_type_section(&t, a);
    clusters_section(&t, a);
    fields_section(&t, a);
    access_section(&t, a);
    fm_section(&t, a);
    notes(&t, a);
    rdbl_advice_list_free(&adv);
    if (t.failed || ferror(out))
        return rdbl__fail(err, RDBL_IO, 0, "text report", "write failed: %s", strerror(errno));
    return RDBL_OK;
}
