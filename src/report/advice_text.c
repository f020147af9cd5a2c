/* Advice in words: the one place that turns an advice item's figures
 * (src/agg/advice.c keeps numbers, reasons and examples) into a title and a
 * detail, with sizes, counts, plurals and times written the same way for the
 * text, JSON and HTML reports.
 *
 * Rules of the wording: a count agrees with its noun ("1 key exceeds",
 * "2 keys exceed"); times relative to the snapshot are "in 12 min",
 * "5 min before the save" or "within a minute of the save", never a signed
 * duration; a threshold advice says why it stops where it does. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "rdblens/report.h"

/* Bounded appends into a fixed buffer (cut at the end, never overflowing). */
typedef struct tbuf {
    char *p;
    size_t cap, len;
} tbuf;

static void add(tbuf *b, const char *fmt, ...) RDBL_PRINTF(2, 3);
static void add(tbuf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - b->len - 1;
}

static const char *pl(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Formatted figures, each in its own buffer so one call can use many. */
typedef struct fig {
    char s[12][40];
    unsigned n;
} fig;

static const char *B(fig *f, uint64_t v)
{
    char *b = f->s[f->n++ % 12];
    return rdbl_fmt_bytes(b, 40, v);
}

static const char *C(fig *f, uint64_t v)
{
    char *b = f->s[f->n++ % 12];
    return rdbl_fmt_count(b, 40, v);
}

/* "12 keys" / "1 key" */
static const char *N(fig *f, uint64_t v, const char *one, const char *many)
{
    char *b = f->s[f->n++ % 12];
    char c[32];
    snprintf(b, 40, "%s %s", rdbl_fmt_count(c, sizeof c, v), pl(v, one, many));
    return b;
}

/* Sizes that are whole KiB/MiB as such ("2 KiB"), others as rdbl_fmt_bytes. */
static const char *BX(fig *f, uint64_t v)
{
    char *b = f->s[f->n++ % 12];
    if (v >= 1024 && v % (1024 * 1024) == 0)
        snprintf(b, 40, "%" PRIu64 " MiB", v >> 20);
    else if (v >= 1024 && v % 1024 == 0)
        snprintf(b, 40, "%" PRIu64 " KiB", v >> 10);
    else
        rdbl_fmt_bytes(b, 40, v);
    return b;
}

static const char *PCT(fig *f, uint64_t part, uint64_t whole)
{
    char *b = f->s[f->n++ % 12];
    double p = whole ? 100.0 * (double)part / (double)whole : 0.0;
    if (p > 0.0 && p < 1.0)
        snprintf(b, 40, "%.1f%%", p);
    else
        snprintf(b, 40, "%.0f%%", p);
    return b;
}

char *rdbl_fmt_when_ms(char *buf, size_t cap, int64_t delta_ms)
{
    char d[32];
    if (delta_ms > -60000 && delta_ms < 60000)
        snprintf(buf, cap, "within a minute of the save");
    else if (delta_ms > 0)
        snprintf(buf, cap, "in %s", rdbl_fmt_duration_ms(d, sizeof d, delta_ms));
    else
        snprintf(buf, cap, "%s before the save",
                 rdbl_fmt_duration_ms(d, sizeof d, delta_ms == INT64_MIN ? INT64_MAX : -delta_ms));
    return buf;
}

char *rdbl_fmt_clip(char *buf, size_t cap, const char *s, size_t max)
{
    if (!cap)
        return buf;
    size_t n = strlen(s);
    if (max > cap - 1)
        max = cap - 1;
    if (n <= max) {
        memcpy(buf, s, n + 1);
        return buf;
    }
    /* room for "..." (3 bytes of UTF-8 for the ellipsis) */
    size_t keep = max >= 4 ? max - 3 : 0;
    size_t cut = keep;
    while (cut > 0 && s[cut] != ' ')
        cut--;
    if (cut == 0)
        cut = keep; /* one long word: cut it, at a UTF-8 boundary */
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    while (cut > 0 && (s[cut - 1] == ' ' || s[cut - 1] == ',' || s[cut - 1] == ';' ||
                       s[cut - 1] == ':'))
        cut--;
    memcpy(buf, s, cut);
    if (max >= 4) {
        memcpy(buf + cut, "\xe2\x80\xa6", 3);
        buf[cut + 3] = 0;
    } else {
        buf[cut] = 0;
    }
    return buf;
}

/* "hash-max-listpack-value 256" -> name "hash-max-listpack-value" */
static void config_name(char *out, size_t cap, const char *line)
{
    snprintf(out, cap, "%s", line);
    char *sp = strchr(out, ' ');
    if (sp && !strchr(sp + 1, ';'))
        *sp = 0;
}

static void compact_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    char name[96];
    config_name(name, sizeof name, it->config);
    bool intset = strstr(it->config, "intset") != NULL;
    const char *enc = intset ? (it->keys == 1 ? "an intset" : "intsets")
                             : (it->keys == 1 ? "a listpack" : "listpacks");
    add(t, "%s would fit a compact encoding with \"%s\"", N(f, it->keys, "key", "keys"),
        it->config);
    add(d, "%s (%s) %s over the current %s; with \"%s\" %s would be stored as %s and take "
           "about %s less.",
        N(f, it->keys, "key", "keys"), B(f, it->affected_bytes), pl(it->keys, "is", "are"), name,
        it->config, pl(it->keys, "it", "they"), enc, B(f, it->saving_bytes));
    if (it->nrows > 1) {
        add(d, " Keys converted and memory saved, by threshold (cumulative):");
        for (size_t i = 0; i < it->nrows; i++) {
            const rdbl_advice_row *r = &it->rows[i];
            add(d, "%s %" PRIu64 ": %s, %s", i ? ";" : "", r->value, N(f, r->keys, "key", "keys"),
                B(f, r->saving_bytes));
        }
        add(d, ".");
    }
    if (intset)
        add(d, " Intsets are sorted arrays: every SADD or SREM shifts the array, so a write "
               "becomes O(n) on them.");
    else
        add(d, " Listpacks are scanned linearly: O(1) commands (HGET, SISMEMBER, ZSCORE) "
               "become O(n) on them.");
    add(d, " So the proposal is the lowest step that captures most of the saving, and never "
           "goes above %s entries or %s per value.",
        C(f, it->limit_elements), BX(f, it->limit_bytes));
    if (it->skipped_keys)
        add(d, " %s (%s) would need a threshold above that ceiling: leave %s as %s %s.",
            N(f, it->skipped_keys, "more key", "more keys"), B(f, it->skipped_bytes),
            pl(it->skipped_keys, "it", "them"), pl(it->skipped_keys, "it", "they"),
            pl(it->skipped_keys, "is", "are"));
    add(d, " Check latency after raising it.");
}

static void big_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    add(t, "%s (>= %s or >= %s elements)", N(f, it->keys, "big key", "big keys"),
        BX(f, it->limit_bytes), C(f, it->limit_elements));
    if (it->keys == 1 && it->max_elements > 1)
        add(d, "1 key holds %s with %s elements.", B(f, it->max_bytes), C(f, it->max_elements));
    else if (it->keys == 1)
        add(d, "1 key holds %s.", B(f, it->max_bytes));
    else
        add(d, "%s keys hold %s; the largest takes %s, the longest has %s elements.",
            C(f, it->keys), B(f, it->affected_bytes), B(f, it->max_bytes),
            C(f, it->max_elements));
    add(d, " Big keys block the server on DEL/EXPIRE (use UNLINK), slow down replication and "
           "migration, and unbalance cluster slots: split %s into smaller keys.",
        pl(it->keys, "it", "them"));
}

static void huge_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    add(t, "%s with >= %s elements", N(f, it->keys, "list/sorted set", "lists/sorted sets"),
        C(f, it->limit_elements));
    add(d, "The %s %s elements (%s in %s). Whole-range reads (LRANGE 0 -1, ZRANGE 0 -1) "
           "and deletes are O(N) and stall the server: trim %s (LTRIM, ZREMRANGEBYRANK), page "
           "through %s, or shard %s.",
        it->keys == 1 ? "key has" : "largest has", C(f, it->max_elements),
        B(f, it->affected_bytes), pl(it->keys, "it", "them all"), pl(it->keys, "it", "them"),
        pl(it->keys, "it", "them"), pl(it->keys, "it", "them"));
}

static void expired_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    add(t, "%s already expired at snapshot time",
        N(f, it->keys, "key had", "keys had"));
    add(d, "%s %s. A server loading this file drops %s (a primary at load, a replica when its "
           "primary expires %s); in a running server they linger until accessed or sampled. "
           "Many of them means active expiry lags: see active-expire-effort / hz.",
        pl(it->keys, "It holds", "They hold"), B(f, it->affected_bytes),
        pl(it->keys, "it", "them"), pl(it->keys, "it", "them"));
}

static void empty_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    add(t, "%s", N(f, it->keys, "empty collection", "empty collections"));
    add(d, "Collections with no element (%s) cannot exist in a running server: they come from "
           "a bug in whatever wrote the file, and servers drop them on load.",
        B(f, it->affected_bytes));
}

static void compress_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    add(t, "%s compress well (LZ4 would save ~%s)",
        N(f, it->keys, "large string value", "large string values"), B(f, it->saving_bytes));
    bool all = it->sampled_keys >= it->total_keys;
    add(d, "Of %s >= %s (%s of values), ", N(f, it->total_keys, "string", "strings"),
        BX(f, it->limit_bytes), B(f, it->total_bytes));
    if (all)
        add(d, "every one was sampled (the first 64 KiB of each, %s in all): ",
            B(f, it->sampled_bytes));
    else
        add(d, "%s were sampled (%s of the keys; the first 64 KiB of each, %s in all, and "
               "every value of 256 KiB or more, up to 64 of them) and the figures extrapolated "
               "to the others size class by size class (1-2 KiB, 2-4 KiB, ...): ",
            C(f, it->sampled_keys), PCT(f, it->sampled_keys, it->total_keys),
            B(f, it->sampled_bytes));
    add(d, "LZ4 shrinks the samples to %.0f%%, zlib to %.0f%%. About %s compress to <= 75%%; "
           "compressing them in the client would save about %s with LZ4 (fast) or %s with "
           "zlib.",
        (double)it->ratio_pm / 10.0, (double)it->alt_ratio_pm / 10.0, C(f, it->keys),
        B(f, it->saving_bytes), B(f, it->alt_saving_bytes));
    if (it->skipped_keys)
        add(d, " %s over the big-key size (%s) %s left to that advice.",
            N(f, it->skipped_keys, "string", "strings"), B(f, it->skipped_bytes),
            pl(it->skipped_keys, "is", "are"));
}

static void family_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    char name[120];
    rdbl_fmt_clip(name, sizeof name, it->prefix, 80);
    add(t, "Store the small strings under %s as one hash per entity", name);
    add(d, "%s under %s (%s: %s; about %s, %.1f fields each) take %s. As one small hash per "
           "entity (listpack) they would take about %s (estimate: per entity 40 B of key "
           "overhead + the key name + a listpack of the fields). Field TTLs need Redis 7.4+ "
           "(HEXPIRE).",
        N(f, it->keys, "small string key", "small string keys"), it->prefix,
        N(f, it->field_count, "field", "fields"), it->fields,
        N(f, it->entities, "entity", "entities"), it->per_entity, B(f, it->affected_bytes),
        B(f, it->alt_bytes));
}

static void json_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    char name[120];
    rdbl_fmt_clip(name, sizeof name, it->prefix, 80);
    add(t, "Store the JSON strings under %s as hashes", name);
    add(d, "%s under %s hold small JSON objects with the same %s (%s), %s in all. As hashes "
           "(HSET key field value ...) they would take about %s, and one field can be read or "
           "changed (HGET, HSET, HINCRBY) without rewriting the whole value.",
        N(f, it->keys, "string key", "string keys"), it->prefix,
        N(f, it->field_count, "field", "fields"), it->fields, B(f, it->affected_bytes),
        B(f, it->alt_bytes));
}

static void cache_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    char name[120];
    rdbl_fmt_clip(name, sizeof name, it->prefix, 80);
    add(t, "%s under \"%s\" %s temporary but %s no TTL", N(f, it->keys, "key", "keys"), name,
        pl(it->keys, "looks", "look"), pl(it->keys, "has", "have"));
    add(d, "%s of the %s under \"%s\" (%s) never %s, yet the name suggests cached, session or "
           "temporary data. Give them a TTL (SET ... EX, EXPIRE), or make sure the server can "
           "evict them under memory pressure: maxmemory with an allkeys-lru or allkeys-lfu "
           "policy (the volatile-* policies never evict a key without a TTL).",
        C(f, it->keys), N(f, it->total_keys, "key", "keys"), it->prefix,
        B(f, it->affected_bytes), pl(it->keys, "expires", "expire"));
}

static void expiry_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    char when[64], tm[48], w[64];
    const rdbl_advice_row *top = &it->rows[0];
    if (!it->nrows)
        return;
    if (it->nrows == 1)
        add(t, "%s (%s) expire together %s", N(f, top->keys, "key", "keys"), B(f, top->bytes),
            rdbl_fmt_when_ms(when, sizeof when, top->at_ms - it->ref_ms));
    else
        add(t, "%s (%s) expire in %zu bursts", N(f, it->keys, "key", "keys"),
            B(f, it->affected_bytes), it->nrows);
    add(d, "%s", it->nrows == 1 ? "Expiry avalanche:" : "Expiry avalanches, most memory first:");
    for (size_t i = 0; i < it->nrows; i++) {
        const rdbl_advice_row *r = &it->rows[i];
        rdbl_fmt_time_ms(tm, sizeof tm, r->at_ms, false);
        add(d, "%s %s", i ? ";" : "", tm);
        if (r->span_ms >= 60000)
            add(d, " (+%s)", rdbl_fmt_duration_ms(w, sizeof w, r->span_ms + 60000));
        add(d, ", %s: %s, %s", rdbl_fmt_when_ms(when, sizeof when, r->at_ms - it->ref_ms),
            N(f, r->keys, "key", "keys"), B(f, r->bytes));
    }
    if (it->avg_keys < 1.0)
        add(d, ". Almost nothing expires in the 30 minutes around %s", pl(it->nrows, "it", "them"));
    else
        add(d, ". Each holds at least 10 times the keys of the minutes around it (%.0f a minute "
               "there)",
            it->avg_keys);
    add(d, ", and %s later than %s after the save, so these are keys set to expire "
           "together, not short-TTL churn. When they go, the cache misses arrive at once (a "
           "thundering herd on the backend) and the expiry cycle costs latency: add random "
           "jitter to their TTLs (for example +/- 10%%).",
        pl(it->nrows, "it comes", "they come"), rdbl_fmt_duration_ms(w, sizeof w, 10 * 60000));
    if (it->skipped_keys)
        add(d, " Not counted: %s (%s) due within 10 min of the save, short-TTL churn that is "
               "expected.",
            N(f, it->skipped_keys, "key", "keys"), B(f, it->skipped_bytes));
}

static void cold_words(const rdbl_advice_item *it, tbuf *t, tbuf *d, fig *f)
{
    char dur[32], a[32], b[32];
    rdbl_fmt_duration_ms(dur, sizeof dur, it->idle_s * 1000);
    uint64_t lfu = 0;
    for (size_t i = 0; i < it->nrows; i++)
        lfu += it->rows[i].value;
    if (lfu == it->keys) /* an LFU policy: no idle times */
        add(t, "%s of cold data in %s (LFU counter 0)", B(f, it->affected_bytes),
            N(f, it->keys, "key", "keys"));
    else
        add(t, "%s of cold data in %s idle for %s or more", B(f, it->affected_bytes),
            N(f, it->keys, "key", "keys"), dur);
    if (lfu == it->keys)
        add(d, "%s of the %s with an LFU counter %s a counter of 0: not used lately, the keys "
               "an LFU policy evicts first.",
            C(f, it->keys), N(f, it->total_keys, "key", "keys"), pl(it->keys, "has", "have"));
    else
        add(d, "%s of the %s with an idle time %s not been read or written for %s or more.",
            C(f, it->keys), N(f, it->total_keys, "key", "keys"), pl(it->keys, "has", "have"),
            dur);
    add(d, " By family, most memory first:");
    for (size_t i = 0; i < it->nrows; i++) {
        const rdbl_advice_row *r = &it->rows[i];
        add(d, "%s %s: %s, %s", i ? ";" : "", r->name, N(f, r->keys, "key", "keys"),
            B(f, r->bytes));
        if (r->idle_min_s >= 0) {
            add(d, ", idle %s", rdbl_fmt_duration_ms(a, sizeof a, r->idle_min_s * 1000));
            rdbl_fmt_duration_ms(b, sizeof b, r->idle_max_s * 1000);
            if (strcmp(a, b) != 0)
                add(d, " to %s", b);
        }
        if (r->value)
            add(d, "%s%s at LFU counter 0", r->idle_min_s >= 0 ? " (" : ", ",
                C(f, r->value));
        if (r->value && r->idle_min_s >= 0)
            add(d, ")");
    }
    add(d, ". If nothing reads them any more, delete them or give them a TTL; if they must "
           "stay, an eviction policy (maxmemory-policy allkeys-lru or allkeys-lfu) lets the "
           "server drop them first under memory pressure.");
}

typedef void (*words_fn)(const rdbl_advice_item *, tbuf *, tbuf *, fig *);

/* The rules' words, by rule id (the ids of src/agg/advice.c). */
static const struct {
    const char *rule;
    words_fn fn;
} rules[] = {
    {"compact-encoding", compact_words},        {"big-keys", big_words},
    {"huge-collections", huge_words},           {"expired-keys", expired_words},
    {"empty-keys", empty_words},                {"compressible-strings", compress_words},
    {"small-string-family", family_words},      {"json-string-family", json_words},
    {"no-ttl-cache", cache_words},              {"mass-expiry", expiry_words},
    {"cold-data", cold_words},
};

void rdbl_advice_words_of(const rdbl_advice_item *it, rdbl_advice_words *out)
{
    tbuf t = {out->title, sizeof out->title, 0};
    tbuf d = {out->detail, sizeof out->detail, 0};
    out->title[0] = out->detail[0] = 0;
    fig f;
    f.n = 0;
    const char *r = it->rule ? it->rule : "";
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (!strcmp(r, rules[i].rule)) {
            rules[i].fn(it, &t, &d, &f);
            return;
        }
    add(&t, "%s: %s (%s)", r, N(&f, it->keys, "key", "keys"), B(&f, it->affected_bytes));
}
