/* Advice: rules that name their evidence and estimate a saving.
 *
 * Per-key evidence (kept here, merged exactly):
 *   compact-encoding    hashtable/skiplist/quicklist keys the memory model says would
 *                       fit the compact encoding under a raised threshold: grouped by
 *                       the config line, saving = mem_bytes - compact_mem_bytes
 *   big-keys            mem_bytes >= big_key_bytes or elements >= big_key_elements
 *   huge-collections    lists and sorted sets with >= huge_collection_elements
 *   compressible        strings >= compress_min_bytes whose sample compresses to
 *                       <= 75% with LZ4 or zlib; at most compress_budget_bytes of
 *                       samples are compressed per aggregator, later keys are
 *                       counted as "unsampled". saving = value_bytes x (1 - LZ4 ratio)
 *   expired-keys        TTL at or before the reference time: saving = their memory
 *   empty-keys          collections with no element (servers drop them on load)
 *
 * Derived when the list is built (from the other aggregators):
 *   small-string-family prefix-tree nodes with a folded id segment ("user:*") whose
 *                       children are small string keys ("user:*:name", "user:*:age"):
 *                       one hash per entity would save the per-key overhead.
 *                       Formula, per entity (e = entities = the largest field count,
 *                       f = fields per entity = keys / e, lengths are averages):
 *                         hash = 16 (robj) + 24 (dictEntry) + r8(entity_key + 4)
 *                              + r8(7 + f x (field + 2 + value + 2))   (listpack)
 *                       r8 = round up to 8. saving = current memory - e x hash.
 *                       Only when f <= 128 and value <= 64 (default listpack limits).
 *   no-ttl-cache        prefixes named like caches/sessions/temporary data (cache,
 *                       session, tmp, token, otp, lock, nonce...) with >= cache_min_keys
 *                       keys of which < 10% have a TTL
 *   mass-expiry         minutes in which >= expiry_cluster_min_keys keys expire and at
 *                       least 10x the average of the minutes with expiries
 *
 * Levels: info (worth knowing), warn (fix it), critical (risk to the server:
 * keys 10x over the size limit or 200x over the element limit). */
#include <ctype.h>
#include <inttypes.h>
#include <lz4.h>
#include <math.h>
#include <zlib.h>

#include "agg/agg_internal.h"

#define MAX_COMPACT_GROUPS 64
/* Safe ceilings of threshold advice: listpacks and intsets are scanned
 * linearly, so past these O(1) commands turn into O(n) ones. */
#define RDBL__ADVICE_MAX_ENTRIES 1024
#define RDBL__ADVICE_MAX_VALUE 2048
#define SAMPLE_MAX (64 * 1024)

typedef struct rule_acc {
    uint64_t keys, mem, saving;
    uint64_t max_mem, max_elements;
    rdbl__kheap ex;
} rule_acc;

typedef struct compact_grp {
    char config[96];
    rule_acc a;
} compact_grp;

/* Value size classes of the compression estimate: [1 KiB, 2 KiB), [2 KiB,
 * 4 KiB), ... (smaller values in the first, the last open-ended). The
 * unsampled keys of a class are extrapolated from the sampled keys of that
 * class: one big incompressible value among the first sampled (bench-1g: a
 * 4.7 MiB value among 2,344 sampled keys of 1-64 KiB) would otherwise be
 * taken for half of all the string bytes, and the estimate swung from 20 to
 * 43 MiB with the sample budget (all keys sampled: 43.2 MiB). */
#define ZCLS 24

typedef struct zcls {
    uint64_t keys, bytes;                 /* eligible strings, their value bytes */
    uint64_t sampled_keys, sampled_bytes; /* sampled strings, their whole values */
    uint64_t good_keys, good_mem;         /* sampled and compressing to <= 75% */
    uint64_t saving_lz4, saving_zlib;
} zcls;

typedef struct compress_acc {
    uint64_t eligible_keys, eligible_bytes;
    uint64_t sampled_keys, sampled_bytes, lz4_bytes, zlib_bytes;
    uint64_t good_keys, good_value_bytes, saving_lz4, saving_zlib;
    uint64_t unsampled_keys, unsampled_bytes;
    uint64_t big_keys, big_bytes; /* strings left to the big-keys advice */
    rule_acc a; /* keys/mem: the good keys; examples by LZ4 saving */
    zcls cls[ZCLS];
} compress_acc;

static unsigned zcls_of(uint64_t value_bytes)
{
    unsigned c = 0;
    for (uint64_t v = value_bytes >> 11; v && c < ZCLS - 1; v >>= 1)
        c++;
    return c;
}

static void zcls_add(zcls *d, const zcls *s)
{
    d->keys = rdbl__sadd(d->keys, s->keys);
    d->bytes = rdbl__sadd(d->bytes, s->bytes);
    d->sampled_keys = rdbl__sadd(d->sampled_keys, s->sampled_keys);
    d->sampled_bytes = rdbl__sadd(d->sampled_bytes, s->sampled_bytes);
    d->good_keys = rdbl__sadd(d->good_keys, s->good_keys);
    d->good_mem = rdbl__sadd(d->good_mem, s->good_mem);
    d->saving_lz4 = rdbl__sadd(d->saving_lz4, s->saving_lz4);
    d->saving_zlib = rdbl__sadd(d->saving_zlib, s->saving_zlib);
}

/* "classes": one object per value size class that has keys. */
static json_t *zcls_to_json(const zcls *cls)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (unsigned c = 0; c < ZCLS; c++) {
        const zcls *x = &cls[c];
        if (!x->keys)
            continue;
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o)) { /* append_new took o either way */
            json_decref(arr);
            return NULL;
        }
        int rc = rdbl__jset_u(o, "from_bytes", c ? (uint64_t)1024 << c : 0);
        rc |= rdbl__jset_u(o, "keys", x->keys);
        rc |= rdbl__jset_u(o, "value_bytes", x->bytes);
        rc |= rdbl__jset_u(o, "sampled_keys", x->sampled_keys);
        rc |= rdbl__jset_u(o, "sampled_value_bytes", x->sampled_bytes);
        rc |= rdbl__jset_u(o, "good_keys", x->good_keys);
        rc |= rdbl__jset_u(o, "good_memory_bytes", x->good_mem);
        rc |= rdbl__jset_u(o, "saving_lz4_bytes", x->saving_lz4);
        rc |= rdbl__jset_u(o, "saving_zlib_bytes", x->saving_zlib);
        if (rc) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Adds "classes" (absent in reports written before them: then nothing). */
static rdbl_status zcls_from_json(zcls *cls, const json_t *arr, rdbl_error *err)
{
    if (!arr)
        return RDBL_OK;
    if (!json_is_array(arr))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "merge",
                          "advice_state.compress.classes is not an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        uint64_t from = 0;
        zcls x;
        rdbl_status st;
        if ((st = rdbl__jget_u64(o, "from_bytes", &from, err)) ||
            (st = rdbl__jget_u64(o, "keys", &x.keys, err)) ||
            (st = rdbl__jget_u64(o, "value_bytes", &x.bytes, err)) ||
            (st = rdbl__jget_u64(o, "sampled_keys", &x.sampled_keys, err)) ||
            (st = rdbl__jget_u64(o, "sampled_value_bytes", &x.sampled_bytes, err)) ||
            (st = rdbl__jget_u64(o, "good_keys", &x.good_keys, err)) ||
            (st = rdbl__jget_u64(o, "good_memory_bytes", &x.good_mem, err)) ||
            (st = rdbl__jget_u64(o, "saving_lz4_bytes", &x.saving_lz4, err)) ||
            (st = rdbl__jget_u64(o, "saving_zlib_bytes", &x.saving_zlib, err)))
            return st;
        zcls_add(&cls[zcls_of(from)], &x);
    }
    return RDBL_OK;
}

#define MAX_JSON_FAMILIES 64

/* Small JSON strings of one key family with the same fields. */
typedef struct json_fam {
    char pattern[64];
    char fields[200];
    uint64_t nfields;
    uint64_t keys, mem, value_bytes, lp_bytes;
} json_fam;

struct rdbl_advice_agg {
    rdbl__aopts opts;
    int64_t ref_ms;
    compact_grp *compact;
    size_t ncompact;
    rule_acc big, huge, expired, empty;
    compress_acc z;
    uint64_t budget_used;
    unsigned big_sampled; /* values >= RDBL__BIG_SAMPLE_MIN compressed past the budget */
    rdbl__compressor *cz; /* made at the first sample */
    json_fam *jf;         /* MAX_JSON_FAMILIES, made at the first one */
    size_t njf;
};

/* ---- sample compression --------------------------------------------------------- */

struct rdbl__compressor {
    uint8_t *lz4buf, *zbuf;
    size_t lz4cap, zcap;
    /* One deflate stream, reset per sample: the same bytes as compress2(),
     * without its ~256 KiB of allocations per call. */
    z_stream zs;
};

rdbl__compressor *rdbl__compressor_new(void)
{
    rdbl__compressor *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->lz4cap = (size_t)LZ4_compressBound(SAMPLE_MAX);
    c->zcap = compressBound(SAMPLE_MAX);
    c->lz4buf = malloc(c->lz4cap);
    c->zbuf = malloc(c->zcap);
    if (!c->lz4buf || !c->zbuf || deflateInit(&c->zs, Z_DEFAULT_COMPRESSION) != Z_OK) {
        free(c->lz4buf);
        free(c->zbuf);
        free(c);
        return NULL;
    }
    return c;
}

void rdbl__compressor_free(rdbl__compressor *c)
{
    if (!c)
        return;
    deflateEnd(&c->zs);
    free(c->lz4buf);
    free(c->zbuf);
    free(c);
}

size_t rdbl__sample_len(const rdbl_key_facts *f)
{
    return f->sample.len > SAMPLE_MAX ? SAMPLE_MAX : f->sample.len;
}

bool rdbl__advice_samples(const rdbl_agg_opts *o, const rdbl_key_facts *f)
{
    return f->type == RDBL_TYPE_STRING && f->value_bytes >= o->compress_min_bytes &&
           f->sample.len > 0;
}

void rdbl__compress_sizes(rdbl__compressor *c, const rdbl_key_facts *f, rdbl__sample_sizes *out)
{
    size_t n = rdbl__sample_len(f);
    int l = LZ4_compress_default((const char *)f->sample.ptr, (char *)c->lz4buf, (int)n,
                                 (int)c->lz4cap);
    out->lz4 = l > 0 ? (size_t)l : n;
    out->zlib = n; /* compress2's answer when it fails */
    z_stream *zs = &c->zs;
    if (deflateReset(zs) == Z_OK) {
        zs->next_in = (Bytef *)(uintptr_t)f->sample.ptr; /* zlib does not write to it */
        zs->avail_in = (uInt)n;
        zs->next_out = c->zbuf;
        zs->avail_out = (uInt)c->zcap;
        if (deflate(zs, Z_FINISH) == Z_STREAM_END)
            out->zlib = (size_t)zs->total_out;
    }
    out->known = true;
}

static rdbl_status acc_init(rule_acc *a, size_t examples)
{
    memset(a, 0, sizeof *a);
    return rdbl__kheap_init(&a->ex, examples);
}

static void acc_add(rule_acc *a, uint64_t mem, uint64_t saving, uint64_t elements)
{
    a->keys++;
    a->mem = rdbl__sadd(a->mem, mem);
    a->saving = rdbl__sadd(a->saving, saving);
    if (mem > a->max_mem)
        a->max_mem = mem;
    if (elements > a->max_elements)
        a->max_elements = elements;
}

static rdbl_status acc_merge(rule_acc *d, const rule_acc *s)
{
    d->keys = rdbl__sadd(d->keys, s->keys);
    d->mem = rdbl__sadd(d->mem, s->mem);
    d->saving = rdbl__sadd(d->saving, s->saving);
    if (s->max_mem > d->max_mem)
        d->max_mem = s->max_mem;
    if (s->max_elements > d->max_elements)
        d->max_elements = s->max_elements;
    return rdbl__kheap_merge(&d->ex, &s->ex);
}

rdbl_status rdbl_advice_agg_new(rdbl_advice_agg **out, const rdbl_agg_opts *o)
{
    rdbl_advice_agg *a = calloc(1, sizeof *a);
    if (!a)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&a->opts, o);
    size_t ex = a->opts.o.examples;
    bool ok = acc_init(&a->big, ex) == RDBL_OK && acc_init(&a->huge, ex) == RDBL_OK &&
              acc_init(&a->expired, ex) == RDBL_OK && acc_init(&a->empty, ex) == RDBL_OK &&
              acc_init(&a->z.a, ex) == RDBL_OK;
    if (!ok) {
        rdbl_advice_agg_free(a);
        return RDBL_NOMEM;
    }
    *out = a;
    return RDBL_OK;
}

void rdbl_advice_agg_free(rdbl_advice_agg *a)
{
    if (!a)
        return;
    for (size_t i = 0; i < a->ncompact; i++)
        rdbl__kheap_free(&a->compact[i].a.ex);
    free(a->compact);
    rdbl__kheap_free(&a->big.ex);
    rdbl__kheap_free(&a->huge.ex);
    rdbl__kheap_free(&a->expired.ex);
    rdbl__kheap_free(&a->empty.ex);
    rdbl__kheap_free(&a->z.a.ex);
    rdbl__compressor_free(a->cz);
    free(a->jf);
    free(a);
}

void rdbl_advice_agg_set_now(rdbl_advice_agg *a, int64_t ref_ms)
{
    a->ref_ms = ref_ms;
}

/* The group of a config line, kept sorted by line; past the cap "(other)". */
static compact_grp *compact_group(rdbl_advice_agg *a, const char *config)
{
    size_t at = 0;
    while (at < a->ncompact) {
        int c = strcmp(a->compact[at].config, config);
        if (c == 0)
            return &a->compact[at];
        if (c > 0)
            break;
        at++;
    }
    if (a->ncompact >= MAX_COMPACT_GROUPS && strcmp(config, "(other)") != 0)
        return compact_group(a, "(other)");
    if (a->ncompact > MAX_COMPACT_GROUPS)
        return NULL;
    if (!a->compact) {
        a->compact = calloc(MAX_COMPACT_GROUPS + 1, sizeof *a->compact);
        if (!a->compact)
            return NULL;
    }
    memmove(a->compact + at + 1, a->compact + at, (a->ncompact - at) * sizeof *a->compact);
    compact_grp *g = &a->compact[at];
    if (acc_init(&g->a, a->opts.o.examples) != RDBL_OK) {
        memmove(a->compact + at, a->compact + at + 1, (a->ncompact - at) * sizeof *a->compact);
        return NULL;
    }
    snprintf(g->config, sizeof g->config, "%s", config);
    a->ncompact++;
    return g;
}

static bool is_collection(rdbl_type t)
{
    return t == RDBL_TYPE_LIST || t == RDBL_TYPE_SET || t == RDBL_TYPE_ZSET ||
           t == RDBL_TYPE_HASH;
}

static uint64_t permille(uint64_t part, uint64_t whole)
{
    return whole ? (part * 1000 + whole / 2) / whole : 1000;
}

/* value_bytes x (1 - ratio); 0 when it does not compress. */
static uint64_t saving_of(uint64_t value_bytes, uint64_t pm)
{
    if (pm >= 1000)
        return 0;
    /* split to avoid overflow for huge values */
    return value_bytes / 1000 * (1000 - pm) + value_bytes % 1000 * (1000 - pm) / 1000;
}

static rdbl_status compress_sample(rdbl_advice_agg *a, const rdbl_key_facts *f,
                                   rdbl__sizes_fn sizes, void *ctx)
{
    compress_acc *z = &a->z;
    size_t n = rdbl__sample_len(f);
    zcls *c = &z->cls[zcls_of(f->value_bytes)];
    z->eligible_keys++;
    z->eligible_bytes = rdbl__sadd(z->eligible_bytes, f->value_bytes);
    c->keys++;
    c->bytes = rdbl__sadd(c->bytes, f->value_bytes);
    bool big = f->value_bytes >= RDBL__BIG_SAMPLE_MIN && a->big_sampled < RDBL__BIG_SAMPLES;
    if (n == 0 || (!big && a->budget_used + n > a->opts.o.compress_budget_bytes)) {
        z->unsampled_keys++;
        z->unsampled_bytes = rdbl__sadd(z->unsampled_bytes, f->value_bytes);
        return RDBL_OK;
    }
    if (big)
        a->big_sampled++; /* past the budget (RDBL__BIG_SAMPLES) */
    else
        a->budget_used += n;
    rdbl__sample_sizes cs = {0, 0, false};
    if (sizes)
        sizes(ctx, f, &cs); /* maybe computed ahead by another thread */
    if (!cs.known) {
        if (!a->cz && !(a->cz = rdbl__compressor_new()))
            return RDBL_NOMEM;
        rdbl__compress_sizes(a->cz, f, &cs);
    }
    size_t lz = cs.lz4, zl = cs.zlib;
    z->sampled_keys++;
    z->sampled_bytes += n;
    c->sampled_keys++;
    c->sampled_bytes = rdbl__sadd(c->sampled_bytes, f->value_bytes);
    z->lz4_bytes += lz;
    z->zlib_bytes += zl;
    size_t best = lz < zl ? lz : (size_t)zl;
    if (best * 4 > n * 3)
        return RDBL_OK; /* compresses to more than 75%: not worth the CPU */
    /* Scale the sample's ratio (in per mille, as the JSON keeps it) to the
     * whole value. */
    uint64_t pl = permille(lz, n), pz = permille(zl, n);
    uint64_t sl = saving_of(f->value_bytes, pl);
    uint64_t sz = saving_of(f->value_bytes, pz);
    z->good_keys++;
    z->good_value_bytes = rdbl__sadd(z->good_value_bytes, f->value_bytes);
    z->saving_lz4 = rdbl__sadd(z->saving_lz4, sl);
    z->saving_zlib = rdbl__sadd(z->saving_zlib, sz);
    c->good_keys++;
    c->good_mem = rdbl__sadd(c->good_mem, f->mem_bytes);
    c->saving_lz4 = rdbl__sadd(c->saving_lz4, sl);
    c->saving_zlib = rdbl__sadd(c->saving_zlib, sz);
    acc_add(&z->a, f->mem_bytes, sl, f->elements);
    /* detail: the LZ4 ratio in per mille */
    return rdbl__kheap_offer(&z->a.ex, f, sl, f->value_bytes, pl);
}

/* ---- small JSON objects with the same fields ------------------------------------------- */

/* Length of a listpack entry holding s (n bytes): integers that fit 64 bits
 * as the integer encodings, other strings with their length header; plus the
 * back-length byte(s). */
static uint64_t lp_entry(const uint8_t *s, size_t n)
{
    bool num = n > 0 && n <= 20;
    for (size_t i = 0; i < n && num; i++)
        num = (s[i] >= '0' && s[i] <= '9') || (i == 0 && s[i] == '-' && n > 1);
    if (num && (n == 1 || s[s[0] == '-' ? 1 : 0] != '0')) {
        long long v = strtoll((const char *)s, NULL, 10); /* s is followed by a non-digit */
        uint64_t b = v >= 0 && v <= 127 ? 1 : v >= -4096 && v < 4096 ? 2
                   : v >= -32768 && v < 32768 ? 3 : v >= -8388608 && v < 8388608 ? 4
                   : v >= INT32_MIN && v <= INT32_MAX ? 5 : 9;
        return b + 1;
    }
    uint64_t h = n < 64 ? 1 : n < 4096 ? 2 : 5;
    uint64_t e = h + n;
    return e + (e < 128 ? 1 : e < 16384 ? 2 : 3);
}

/* A flat JSON object: field names (in order) and per field the value's
 * listpack entry. Nested objects and arrays count as one string value.
 * @return false when it is not an object of 1..JF_MAX_FIELDS fields with
 * values of at most 64 bytes (what stays a listpack by default). */
#define JF_MAX_FIELDS 32
typedef struct jf_scan {
    size_t n;
    const uint8_t *name[JF_MAX_FIELDS];
    size_t name_len[JF_MAX_FIELDS];
    uint64_t lp_bytes;
} jf_scan;

static size_t skip_ws(const uint8_t *p, size_t i, size_t n)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* End of the JSON string starting at p[i] == '"' (index after the closing
 * quote), or 0. */
static size_t str_end(const uint8_t *p, size_t i, size_t n)
{
    for (i++; i < n; i++) {
        if (p[i] == '\\')
            i++;
        else if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

static bool jf_parse(const uint8_t *p, size_t n, jf_scan *s)
{
    s->n = 0;
    s->lp_bytes = 7; /* listpack header and end byte */
    size_t i = skip_ws(p, 0, n);
    if (i >= n || p[i] != '{')
        return false;
    i = skip_ws(p, i + 1, n);
    if (i < n && p[i] == '}')
        return false;
    while (i < n) {
        if (p[i] != '"' || s->n == JF_MAX_FIELDS)
            return false;
        size_t e = str_end(p, i, n);
        if (!e)
            return false;
        s->name[s->n] = p + i + 1;
        s->name_len[s->n] = e - i - 2;
        s->lp_bytes += lp_entry(p + i + 1, e - i - 2);
        s->n++;
        i = skip_ws(p, e, n);
        if (i >= n || p[i] != ':')
            return false;
        i = skip_ws(p, i + 1, n);
        if (i >= n)
            return false;
        size_t vs = i, ve;
        if (p[i] == '"') {
            ve = str_end(p, i, n);
            if (!ve)
                return false;
            vs++; /* the value without its quotes */
            i = ve;
            ve--;
        } else if (p[i] == '{' || p[i] == '[') {
            int depth = 0;
            while (i < n) {
                if (p[i] == '"') {
                    size_t q = str_end(p, i, n);
                    if (!q)
                        return false;
                    i = q;
                    continue;
                }
                if (p[i] == '{' || p[i] == '[')
                    depth++;
                else if ((p[i] == '}' || p[i] == ']') && --depth == 0) {
                    i++;
                    break;
                }
                i++;
            }
            if (depth)
                return false;
            ve = i;
        } else {
            while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ' ' && p[i] != '\n')
                i++;
            ve = i;
        }
        if (ve - vs > 64)
            return false;
        s->lp_bytes += lp_entry(p + vs, ve - vs);
        i = skip_ws(p, i, n);
        if (i < n && p[i] == ',') {
            i = skip_ws(p, i + 1, n);
            continue;
        }
        if (i < n && p[i] == '}')
            return skip_ws(p, i + 1, n) == n;
        return false;
    }
    return false;
}

/* Adds src into the family of the same pattern and fields (a new one while
 * fewer than MAX_JSON_FAMILIES exist; later ones are dropped). */
static rdbl_status json_fam_merge(rdbl_advice_agg *a, const json_fam *src)
{
    json_fam *d = NULL;
    for (size_t i = 0; i < a->njf && !d; i++)
        if (!strcmp(a->jf[i].pattern, src->pattern) && !strcmp(a->jf[i].fields, src->fields))
            d = &a->jf[i];
    if (!d) {
        if (a->njf == MAX_JSON_FAMILIES)
            return RDBL_OK;
        if (!a->jf && !(a->jf = calloc(MAX_JSON_FAMILIES, sizeof *a->jf)))
            return RDBL_NOMEM;
        d = &a->jf[a->njf++];
        *d = *src;
        return RDBL_OK;
    }
    d->keys = rdbl__sadd(d->keys, src->keys);
    d->mem = rdbl__sadd(d->mem, src->mem);
    d->value_bytes = rdbl__sadd(d->value_bytes, src->value_bytes);
    d->lp_bytes = rdbl__sadd(d->lp_bytes, src->lp_bytes);
    return RDBL_OK;
}

static rdbl_status json_family_add(rdbl_advice_agg *a, const rdbl_key_facts *f)
{
    jf_scan s;
    if (!jf_parse(f->sample.ptr, f->sample.len, &s))
        return RDBL_OK;
    json_fam key;
    memset(&key, 0, sizeof key);
    rdbl__key_family(a->opts.o.delimiters, f->key, key.pattern, sizeof key.pattern);
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        char esc[64];
        rdbl_escape_bytes(esc, sizeof esc, s.name[i], s.name_len[i]);
        int w = snprintf(key.fields + o, sizeof key.fields - o, "%s%s", i ? ", " : "", esc);
        if (w < 0 || (size_t)w >= sizeof key.fields - o)
            break;
        o += (size_t)w;
    }
    key.nfields = s.n;
    key.keys = 1;
    key.mem = f->mem_bytes;
    key.value_bytes = f->value_bytes;
    key.lp_bytes = s.lp_bytes;
    return json_fam_merge(a, &key);
}

rdbl_status rdbl_advice_agg_add(rdbl_advice_agg *a, const rdbl_key_facts *f)
{
    return rdbl__advice_agg_add_sized(a, f, NULL, NULL);
}

/* True when a key that has not expired gets no rule of add_key(): most
 * keys. Tested first so they skip its frame and its rules one by one. */
static inline bool quiet(const rdbl_agg_opts *o, const rdbl_key_facts *f)
{
    if (f->mem_bytes >= o->big_key_bytes || (f->compact_config && f->compact_mem_bytes))
        return false;
    if (f->type == RDBL_TYPE_STRING)
        return f->value_bytes < o->compress_min_bytes && (f->has_expire || !f->sample.len ||
                                                          f->sample.ptr[0] != '{');
    return f->elements != 0 && f->elements < o->big_key_elements &&
           (f->elements < o->huge_collection_elements ||
            (f->type != RDBL_TYPE_LIST && f->type != RDBL_TYPE_ZSET));
}

RDBL__AGG_OUTLINE static rdbl_status add_key(rdbl_advice_agg *a, const rdbl_key_facts *f,
                                             rdbl__sizes_fn sizes, void *ctx);

rdbl_status rdbl__advice_agg_add_sized(rdbl_advice_agg *a, const rdbl_key_facts *f,
                                       rdbl__sizes_fn sizes, void *ctx)
{
    if (!(f->has_expire && f->expire_ms <= a->ref_ms) && quiet(&a->opts.o, f))
        return RDBL_OK;
    return add_key(a, f, sizes, ctx);
}

RDBL__AGG_OUTLINE static rdbl_status add_key(rdbl_advice_agg *a, const rdbl_key_facts *f,
                                             rdbl__sizes_fn sizes, void *ctx)
{
    rdbl_status st = RDBL_OK;
    const rdbl_agg_opts *o = &a->opts.o;
    /* One recommendation per key: an expired key is only counted as expired,
     * a huge list or sorted set is told to be trimmed, another big key to be
     * split; only keys that are none of these are considered for a compact
     * encoding or compression. */
    bool expired = f->has_expire && f->expire_ms <= a->ref_ms; /* dropped on load */
    bool huge = !expired && (f->type == RDBL_TYPE_LIST || f->type == RDBL_TYPE_ZSET) &&
                f->elements >= o->huge_collection_elements;
    bool big = !expired && !huge &&
               (f->mem_bytes >= o->big_key_bytes ||
                (f->type != RDBL_TYPE_STRING && f->elements >= o->big_key_elements));
    if (!expired && !huge && !big && f->compact_config && f->compact_mem_bytes &&
        f->compact_mem_bytes < f->mem_bytes) {
        compact_grp *g = compact_group(a, f->compact_config);
        if (!g)
            return RDBL_NOMEM;
        uint64_t sav = f->mem_bytes - f->compact_mem_bytes;
        acc_add(&g->a, f->mem_bytes, sav, f->elements);
        if ((st = rdbl__kheap_offer(&g->a.ex, f, sav, f->mem_bytes, sav)))
            return st;
    }
    if (big) {
        acc_add(&a->big, f->mem_bytes, 0, f->elements);
        if ((st = rdbl__kheap_offer(&a->big.ex, f, f->mem_bytes, f->elements, 0)))
            return st;
    }
    if (huge) {
        acc_add(&a->huge, f->mem_bytes, 0, f->elements);
        if ((st = rdbl__kheap_offer(&a->huge.ex, f, f->elements, f->mem_bytes, 0)))
            return st;
    }
    if (f->has_expire && f->expire_ms <= a->ref_ms) {
        acc_add(&a->expired, f->mem_bytes, f->mem_bytes, f->elements);
        if ((st = rdbl__kheap_offer(&a->expired.ex, f, f->mem_bytes, 0, 0)))
            return st;
    }
    if (f->elements == 0 && is_collection(f->type)) {
        acc_add(&a->empty, f->mem_bytes, f->mem_bytes, 0);
        if ((st = rdbl__kheap_offer(&a->empty.ex, f, f->mem_bytes, 0, 0)))
            return st;
    }
    if (!expired && f->type == RDBL_TYPE_STRING && f->value_bytes >= o->compress_min_bytes) {
        if (big) {
            a->z.big_keys++;
            a->z.big_bytes = rdbl__sadd(a->z.big_bytes, f->value_bytes);
        } else {
            st = compress_sample(a, f, sizes, ctx);
        }
    }
    if (st == RDBL_OK && f->type == RDBL_TYPE_STRING && !f->has_expire && f->sample.len &&
        f->sample.len == f->value_bytes && f->value_bytes <= 512 && f->sample.ptr[0] == '{')
        st = json_family_add(a, f);
    return st;
}

rdbl_status rdbl_advice_agg_merge(rdbl_advice_agg *dst, const rdbl_advice_agg *src)
{
    rdbl_status st;
    for (size_t i = 0; i < src->ncompact; i++) {
        compact_grp *g = compact_group(dst, src->compact[i].config);
        if (!g)
            return RDBL_NOMEM;
        if ((st = acc_merge(&g->a, &src->compact[i].a)))
            return st;
    }
    if ((st = acc_merge(&dst->big, &src->big)) || (st = acc_merge(&dst->huge, &src->huge)) ||
        (st = acc_merge(&dst->expired, &src->expired)) ||
        (st = acc_merge(&dst->empty, &src->empty)) || (st = acc_merge(&dst->z.a, &src->z.a)))
        return st;
    compress_acc *d = &dst->z;
    const compress_acc *s = &src->z;
    d->eligible_keys += s->eligible_keys;
    d->eligible_bytes = rdbl__sadd(d->eligible_bytes, s->eligible_bytes);
    d->sampled_keys += s->sampled_keys;
    d->sampled_bytes = rdbl__sadd(d->sampled_bytes, s->sampled_bytes);
    d->lz4_bytes = rdbl__sadd(d->lz4_bytes, s->lz4_bytes);
    d->zlib_bytes = rdbl__sadd(d->zlib_bytes, s->zlib_bytes);
    d->good_keys += s->good_keys;
    d->good_value_bytes = rdbl__sadd(d->good_value_bytes, s->good_value_bytes);
    d->saving_lz4 = rdbl__sadd(d->saving_lz4, s->saving_lz4);
    d->saving_zlib = rdbl__sadd(d->saving_zlib, s->saving_zlib);
    d->unsampled_keys += s->unsampled_keys;
    d->unsampled_bytes = rdbl__sadd(d->unsampled_bytes, s->unsampled_bytes);
    d->big_keys = rdbl__sadd(d->big_keys, s->big_keys);
    d->big_bytes = rdbl__sadd(d->big_bytes, s->big_bytes);
    for (unsigned c = 0; c < ZCLS; c++)
        zcls_add(&d->cls[c], &s->cls[c]);
    for (size_t i = 0; i < src->njf; i++)
        if ((st = json_fam_merge(dst, &src->jf[i])))
            return st;
    return RDBL_OK;
}

/* ---- JSON state ------------------------------------------------------------------------ */

static json_t *acc_to_json(const rule_acc *a, const char *detail)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    if (rdbl__jset_u(j, "keys", a->keys) || rdbl__jset_u(j, "memory_bytes", a->mem) ||
        rdbl__jset_u(j, "saving_bytes", a->saving) ||
        rdbl__jset_u(j, "max_memory_bytes", a->max_mem) ||
        rdbl__jset_u(j, "max_elements", a->max_elements) ||
        rdbl__jset(j, "examples", rdbl__kheap_to_json(&a->ex, detail))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static rdbl_status acc_from_json(rule_acc *a, const json_t *j, rdbl__rescore_fn rescore,
                                 const char *detail, const char *what, rdbl_error *err)
{
    if (!j)
        return RDBL_OK;
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, what, "expected an object");
    rule_acc s;
    memset(&s, 0, sizeof s);
    rdbl_status st;
    if ((st = rdbl__jget_u64(j, "keys", &s.keys, err)) ||
        (st = rdbl__jget_u64(j, "memory_bytes", &s.mem, err)) ||
        (st = rdbl__jget_u64(j, "saving_bytes", &s.saving, err)) ||
        (st = rdbl__jget_u64(j, "max_memory_bytes", &s.max_mem, err)) ||
        (st = rdbl__jget_u64(j, "max_elements", &s.max_elements, err)))
        return st;
    a->keys = rdbl__sadd(a->keys, s.keys);
    a->mem = rdbl__sadd(a->mem, s.mem);
    a->saving = rdbl__sadd(a->saving, s.saving);
    if (s.max_mem > a->max_mem)
        a->max_mem = s.max_mem;
    if (s.max_elements > a->max_elements)
        a->max_elements = s.max_elements;
    return rdbl__kheap_add_json(&a->ex, json_object_get(j, "examples"), rescore, detail, err);
}

static void rescore_saving(rdbl_key_entry *e)
{
    e->score = e->detail;
    e->score2 = e->mem_bytes;
}
static void rescore_big(rdbl_key_entry *e)
{
    e->score = e->mem_bytes;
    e->score2 = e->elements;
    e->detail = 0;
}
static void rescore_huge(rdbl_key_entry *e)
{
    e->score = e->elements;
    e->score2 = e->mem_bytes;
    e->detail = 0;
}
static void rescore_mem(rdbl_key_entry *e)
{
    e->score = e->mem_bytes;
    e->score2 = 0;
    e->detail = 0;
}
static void rescore_compress(rdbl_key_entry *e)
{
    /* score is the saving measured when the key was sampled; the JSON keeps
     * the ratio, so recompute it the same way (from value_bytes and ratio). */
    e->score = saving_of(e->value_bytes, e->detail);
    e->score2 = e->value_bytes;
}

static int json_fam_cmp(const void *x, const void *y)
{
    const json_fam *a = x, *b = y;
    int c = strcmp(a->pattern, b->pattern);
    return c ? c : strcmp(a->fields, b->fields);
}

json_t *rdbl_advice_agg_to_json(const rdbl_advice_agg *a)
{
    json_t *j = json_object();
    json_t *cg = json_array();
    json_t *z = json_object();
    if (!j || !cg || !z) {
        json_decref(j);
        json_decref(cg);
        json_decref(z);
        return NULL;
    }
    int rc = 0;
    rc |= rdbl__jset(j, "reference_ms", json_integer(a->ref_ms));
    rc |= rdbl__jset(j, "compact", cg);
    rc |= rdbl__jset(j, "big_keys", acc_to_json(&a->big, NULL));
    rc |= rdbl__jset(j, "huge_collections", acc_to_json(&a->huge, NULL));
    rc |= rdbl__jset(j, "expired", acc_to_json(&a->expired, NULL));
    rc |= rdbl__jset(j, "empty", acc_to_json(&a->empty, NULL));
    rc |= rdbl__jset(j, "compress", z);
    for (size_t i = 0; i < a->ncompact && !rc; i++) {
        json_t *g = acc_to_json(&a->compact[i].a, "saving_bytes");
        if (!g || rdbl__jset(g, "config", json_string(a->compact[i].config)) ||
            json_array_append_new(cg, g)) {
            json_decref(g);
            rc = -1;
        }
    }
    if (!rc) {
        const compress_acc *c = &a->z;
        rc |= rdbl__jset_u(z, "eligible_keys", c->eligible_keys);
        rc |= rdbl__jset_u(z, "eligible_value_bytes", c->eligible_bytes);
        rc |= rdbl__jset_u(z, "sampled_keys", c->sampled_keys);
        rc |= rdbl__jset_u(z, "sampled_bytes", c->sampled_bytes);
        rc |= rdbl__jset_u(z, "lz4_bytes", c->lz4_bytes);
        rc |= rdbl__jset_u(z, "zlib_bytes", c->zlib_bytes);
        rc |= rdbl__jset_u(z, "good_keys", c->good_keys);
        rc |= rdbl__jset_u(z, "good_value_bytes", c->good_value_bytes);
        rc |= rdbl__jset_u(z, "saving_lz4_bytes", c->saving_lz4);
        rc |= rdbl__jset_u(z, "saving_zlib_bytes", c->saving_zlib);
        rc |= rdbl__jset_u(z, "unsampled_keys", c->unsampled_keys);
        rc |= rdbl__jset_u(z, "unsampled_value_bytes", c->unsampled_bytes);
        rc |= rdbl__jset_u(z, "big_keys", c->big_keys);
        rc |= rdbl__jset_u(z, "big_value_bytes", c->big_bytes);
        rc |= rdbl__jset(z, "good", acc_to_json(&c->a, "lz4_permille"));
        rc |= rdbl__jset(z, "classes", zcls_to_json(c->cls));
        json_t *jfs = json_array();
        rc |= rdbl__jset(j, "json_families", jfs);
        /* by pattern and fields: the JSON does not depend on the arrival order */
        json_fam sorted[MAX_JSON_FAMILIES];
        if (a->njf)
            memcpy(sorted, a->jf, a->njf * sizeof *sorted);
        qsort(sorted, a->njf, sizeof *sorted, json_fam_cmp);
        for (size_t i = 0; i < a->njf && !rc; i++) {
            const json_fam *f = &sorted[i];
            json_t *o = json_object();
            if (!o || json_array_append_new(jfs, o)) {
                rc = -1;
                break;
            }
            rc |= rdbl__jset(o, "pattern", json_string(f->pattern));
            rc |= rdbl__jset(o, "fields", json_string(f->fields));
            rc |= rdbl__jset_u(o, "field_count", f->nfields);
            rc |= rdbl__jset_u(o, "keys", f->keys);
            rc |= rdbl__jset_u(o, "memory_bytes", f->mem);
            rc |= rdbl__jset_u(o, "value_bytes", f->value_bytes);
            rc |= rdbl__jset_u(o, "listpack_bytes", f->lp_bytes);
        }
    }
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

rdbl_status rdbl_advice_agg_add_json(rdbl_advice_agg *a, const json_t *j, rdbl_error *err)
{
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "advice_state", "expected an object");
    rdbl_status st;
    int64_t ref;
    if ((st = rdbl__jget_i64(j, "reference_ms", &ref, 0, err)))
        return st;
    const json_t *cg = json_object_get(j, "compact");
    if (cg && !json_is_array(cg))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "advice_state.compact", "expected an array");
    for (size_t i = 0; i < json_array_size(cg); i++) {
        const json_t *g = json_array_get(cg, i);
        char config[96];
        if ((st = rdbl__jget_str(g, "config", config, sizeof config, err)))
            return st;
        compact_grp *grp = compact_group(a, config);
        if (!grp)
            return RDBL_NOMEM;
        if ((st = acc_from_json(&grp->a, g, rescore_saving, "saving_bytes",
                                "advice_state.compact", err)))
            return st;
    }
    if ((st = acc_from_json(&a->big, json_object_get(j, "big_keys"), rescore_big, NULL,
                            "advice_state.big_keys", err)) ||
        (st = acc_from_json(&a->huge, json_object_get(j, "huge_collections"), rescore_huge, NULL,
                            "advice_state.huge_collections", err)) ||
        (st = acc_from_json(&a->expired, json_object_get(j, "expired"), rescore_mem, NULL,
                            "advice_state.expired", err)) ||
        (st = acc_from_json(&a->empty, json_object_get(j, "empty"), rescore_mem, NULL,
                            "advice_state.empty", err)))
        return st;
    const json_t *jfs = json_object_get(j, "json_families");
    if (jfs && !json_is_array(jfs))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "advice_state.json_families", "expected an array");
    for (size_t i = 0; i < json_array_size(jfs); i++) {
        const json_t *o = json_array_get(jfs, i);
        json_fam f;
        memset(&f, 0, sizeof f);
        if ((st = rdbl__jget_str(o, "pattern", f.pattern, sizeof f.pattern, err)) ||
            (st = rdbl__jget_str(o, "fields", f.fields, sizeof f.fields, err)) ||
            (st = rdbl__jget_u64(o, "field_count", &f.nfields, err)) ||
            (st = rdbl__jget_u64(o, "keys", &f.keys, err)) ||
            (st = rdbl__jget_u64(o, "memory_bytes", &f.mem, err)) ||
            (st = rdbl__jget_u64(o, "value_bytes", &f.value_bytes, err)) ||
            (st = rdbl__jget_u64(o, "listpack_bytes", &f.lp_bytes, err)) ||
            (st = json_fam_merge(a, &f)))
            return st;
    }
    const json_t *z = json_object_get(j, "compress");
    if (z) {
        compress_acc s;
        memset(&s, 0, sizeof s);
        if ((st = rdbl__jget_u64(z, "eligible_keys", &s.eligible_keys, err)) ||
            (st = rdbl__jget_u64(z, "eligible_value_bytes", &s.eligible_bytes, err)) ||
            (st = rdbl__jget_u64(z, "sampled_keys", &s.sampled_keys, err)) ||
            (st = rdbl__jget_u64(z, "sampled_bytes", &s.sampled_bytes, err)) ||
            (st = rdbl__jget_u64(z, "lz4_bytes", &s.lz4_bytes, err)) ||
            (st = rdbl__jget_u64(z, "zlib_bytes", &s.zlib_bytes, err)) ||
            (st = rdbl__jget_u64(z, "good_keys", &s.good_keys, err)) ||
            (st = rdbl__jget_u64(z, "good_value_bytes", &s.good_value_bytes, err)) ||
            (st = rdbl__jget_u64(z, "saving_lz4_bytes", &s.saving_lz4, err)) ||
            (st = rdbl__jget_u64(z, "saving_zlib_bytes", &s.saving_zlib, err)) ||
            (st = rdbl__jget_u64(z, "unsampled_keys", &s.unsampled_keys, err)) ||
            (st = rdbl__jget_u64(z, "unsampled_value_bytes", &s.unsampled_bytes, err)) ||
            (st = rdbl__jget_u64(z, "big_keys", &s.big_keys, err)) ||
            (st = rdbl__jget_u64(z, "big_value_bytes", &s.big_bytes, err)))
            return st;
        compress_acc *d = &a->z;
        d->eligible_keys = rdbl__sadd(d->eligible_keys, s.eligible_keys);
        d->eligible_bytes = rdbl__sadd(d->eligible_bytes, s.eligible_bytes);
        d->sampled_keys = rdbl__sadd(d->sampled_keys, s.sampled_keys);
        d->sampled_bytes = rdbl__sadd(d->sampled_bytes, s.sampled_bytes);
        d->lz4_bytes = rdbl__sadd(d->lz4_bytes, s.lz4_bytes);
        d->zlib_bytes = rdbl__sadd(d->zlib_bytes, s.zlib_bytes);
        d->good_keys = rdbl__sadd(d->good_keys, s.good_keys);
        d->good_value_bytes = rdbl__sadd(d->good_value_bytes, s.good_value_bytes);
        d->saving_lz4 = rdbl__sadd(d->saving_lz4, s.saving_lz4);
        d->saving_zlib = rdbl__sadd(d->saving_zlib, s.saving_zlib);
        d->unsampled_keys = rdbl__sadd(d->unsampled_keys, s.unsampled_keys);
        d->unsampled_bytes = rdbl__sadd(d->unsampled_bytes, s.unsampled_bytes);
        d->big_keys = rdbl__sadd(d->big_keys, s.big_keys);
        d->big_bytes = rdbl__sadd(d->big_bytes, s.big_bytes);
        if ((st = acc_from_json(&d->a, json_object_get(z, "good"), rescore_compress,
                                "lz4_permille", "advice_state.compress.good", err)) ||
            (st = zcls_from_json(d->cls, json_object_get(z, "classes"), err)))
            return st;
    }
    return RDBL_OK;
}

/* ---- the compression estimate ------------------------------------------------------------ */

typedef struct compress_estimate {
    double keys, mem, saving_lz4, saving_zlib;
} compress_estimate;

/* The good keys, their memory and the savings, scaled from the sampled
 * keys to every eligible one: within each value size class by that
 * class's own samples (keys by count, the rest by value bytes); a class
 * with no sample by all the samples together. A merge with a report that
 * has no classes (written before them) scales everything at once, as those
 * reports did. */
static void compress_extrapolate(const compress_acc *z, compress_estimate *e)
{
    zcls all = {0};
    for (unsigned c = 0; c < ZCLS; c++)
        zcls_add(&all, &z->cls[c]);
    double kall = all.sampled_keys ? (double)all.good_keys / (double)all.sampled_keys : 0.0;
    double ball = all.sampled_bytes ? 1.0 / (double)all.sampled_bytes : 0.0;
    memset(e, 0, sizeof *e);
    if (all.keys != z->eligible_keys || !all.sampled_keys) {
        uint64_t sampled_vb =
            z->eligible_bytes > z->unsampled_bytes ? z->eligible_bytes - z->unsampled_bytes : 0;
        double scale = sampled_vb ? (double)z->eligible_bytes / (double)sampled_vb : 1.0;
        double kscale =
            z->sampled_keys ? (double)z->eligible_keys / (double)z->sampled_keys : 1.0;
        e->keys = (double)z->good_keys * kscale;
        e->mem = (double)z->a.mem * scale;
        e->saving_lz4 = (double)z->saving_lz4 * scale;
        e->saving_zlib = (double)z->saving_zlib * scale;
        return;
    }
    for (unsigned c = 0; c < ZCLS; c++) {
        const zcls *x = &z->cls[c];
        if (x->sampled_keys && x->sampled_bytes) {
            double ks = (double)x->keys / (double)x->sampled_keys;
            double bs = (double)x->bytes / (double)x->sampled_bytes;
            e->keys += (double)x->good_keys * ks;
            e->mem += (double)x->good_mem * bs;
            e->saving_lz4 += (double)x->saving_lz4 * bs;
            e->saving_zlib += (double)x->saving_zlib * bs;
        } else if (x->keys) {
            double b = (double)x->bytes * ball;
            e->keys += (double)x->keys * kall;
            e->mem += (double)all.good_mem * b;
            e->saving_lz4 += (double)all.saving_lz4 * b;
            e->saving_zlib += (double)all.saving_zlib * b;
        }
    }
}

/* ---- building the list ------------------------------------------------------------------ */

typedef struct builder {
    rdbl_advice_list *l;
    size_t cap;
    bool nomem;
} builder;

static rdbl_advice_item *item_new(builder *b, const char *rule, rdbl_advice_level level)
{
    if (b->nomem)
        return NULL;
    if (b->l->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 16;
        rdbl_advice_item *ni = realloc(b->l->items, nc * sizeof *ni);
        if (!ni) {
            b->nomem = true;
            return NULL;
        }
        b->l->items = ni;
        b->cap = nc;
    }
    rdbl_advice_item *it = &b->l->items[b->l->n++];
    memset(it, 0, sizeof *it);
    it->rule = rule;
    it->level = level;
    return it;
}

static void item_examples(rdbl_advice_item *it, const rdbl__kheap *h)
{
    it->nexamples = rdbl__kheap_sorted(h, it->examples, RDBL_ADVICE_EXAMPLES);
}

/* Splits "hash-max-listpack-value 128" into name length and value. */
static size_t config_name_len(const char *line, uint64_t *value)
{
    const char *sp = strrchr(line, ' ');
    *value = 0;
    if (!sp)
        return strlen(line);
    char *end;
    unsigned long long v = strtoull(sp + 1, &end, 10);
    if (*end)
        return strlen(line);
    *value = v;
    return (size_t)(sp - line);
}

static int cmp_entry_ptr(const void *x, const void *y)
{
    return rdbl__entry_cmp(*(const rdbl_key_entry *const *)x, *(const rdbl_key_entry *const *)y);
}

/* Whether every term of a config line ("name v[; name v]") stays within the
 * safe ceilings: listpacks and intsets are scanned linearly, so past about a
 * thousand entries or a few KiB per value O(1) commands become O(n) ones. */
static bool config_safe(const char *line)
{
    const char *p = line;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char term[96];
        if (n >= sizeof term)
            return false;
        memcpy(term, p, n);
        term[n] = 0;
        uint64_t v;
        config_name_len(term, &v);
        if (strstr(term, "-value") ? v > RDBL__ADVICE_MAX_VALUE : v > RDBL__ADVICE_MAX_ENTRIES)
            return false;
        p += n;
        while (*p == ';' || *p == ' ')
            p++;
    }
    return true;
}

/* One item per setting: the groups of one config name ("zset-max-listpack-
 * entries 256", "... 1024") make a ladder. A key that needs a threshold V
 * also converts under any higher one, so the savings accumulate up the
 * ladder. Steps above the safe ceiling are left out (counted as skipped);
 * the item proposes the lowest step that captures at least 80% of the safe
 * saving, and its figures (keys, memory, saving) are those of that step.
 * Groups are kept sorted by line, so equal names are adjacent. */
static void build_compact(builder *b, const rdbl_advice_agg *a)
{
    size_t i = 0;
    while (i < a->ncompact) {
        uint64_t v;
        size_t nl = config_name_len(a->compact[i].config, &v);
        size_t j = i + 1;
        while (j < a->ncompact) {
            uint64_t w;
            if (config_name_len(a->compact[j].config, &w) != nl ||
                strncmp(a->compact[j].config, a->compact[i].config, nl) != 0)
                break;
            j++;
        }
        /* groups i..j-1: the safe ones ordered by numeric value */
        size_t idx[MAX_COMPACT_GROUPS + 1];
        size_t n = 0;
        uint64_t skipped_keys = 0, skipped_bytes = 0;
        for (size_t k = i; k < j; k++) {
            const compact_grp *g = &a->compact[k];
            if (!g->a.keys || !g->a.saving)
                continue;
            if (!config_safe(g->config) || strcmp(g->config, "(other)") == 0) {
                skipped_keys += g->a.keys;
                skipped_bytes = rdbl__sadd(skipped_bytes, g->a.mem);
                continue;
            }
            idx[n++] = k;
        }
        for (size_t x = 1; x < n; x++)
            for (size_t y = x; y > 0; y--) {
                uint64_t p, q;
                config_name_len(a->compact[idx[y - 1]].config, &p);
                config_name_len(a->compact[idx[y]].config, &q);
                if (p <= q)
                    break;
                size_t t = idx[y];
                idx[y] = idx[y - 1];
                idx[y - 1] = t;
            }
        if (n) {
            rdbl_advice_item *it = item_new(b, "compact-encoding", RDBL_ADVICE_INFO);
            if (!it)
                return;
            uint64_t total = 0;
            for (size_t k = 0; k < n; k++)
                total += a->compact[idx[k]].a.saving;
            uint64_t keys = 0, mem = 0, saving = 0;
            size_t pick = n - 1;
            bool picked = false;
            const rdbl_key_entry *ex[(MAX_COMPACT_GROUPS + 1) * RDBL_ADVICE_EXAMPLES];
            size_t nex = 0;
            for (size_t k = 0; k < n; k++) {
                const compact_grp *g = &a->compact[idx[k]];
                keys += g->a.keys;
                mem += g->a.mem;
                saving += g->a.saving;
                uint64_t val;
                config_name_len(g->config, &val);
                size_t r = k < RDBL_ADVICE_ROWS ? k : RDBL_ADVICE_ROWS - 1;
                it->rows[r].value = val;
                it->rows[r].keys = keys;
                it->rows[r].bytes = mem;
                it->rows[r].saving_bytes = saving;
                it->nrows = r + 1;
                if (!picked) {
                    nex += rdbl__kheap_sorted(&g->a.ex, ex + nex, RDBL_ADVICE_EXAMPLES);
                    it->keys = keys;
                    it->affected_bytes = mem;
                    it->saving_bytes = saving;
                    if (saving * 5 >= total * 4) {
                        pick = k;
                        picked = true;
                    }
                }
            }
            snprintf(it->config, sizeof it->config, "%s", a->compact[idx[pick]].config);
            it->alt_saving_bytes = total;
            it->skipped_keys = skipped_keys;
            it->skipped_bytes = skipped_bytes;
            it->limit_elements = RDBL__ADVICE_MAX_ENTRIES;
            it->limit_bytes = RDBL__ADVICE_MAX_VALUE;
            qsort(ex, nex, sizeof *ex, cmp_entry_ptr);
            it->nexamples = nex < RDBL_ADVICE_EXAMPLES ? nex : RDBL_ADVICE_EXAMPLES;
            memcpy(it->examples, ex, it->nexamples * sizeof *ex);
        }
        i = j;
    }
}

static void build_key_rules(builder *b, const rdbl_advice_agg *a)
{
    const rdbl_agg_opts *o = &a->opts.o;
    if (a->big.keys) {
        bool crit = a->big.max_mem >= o->big_key_bytes * 10 ||
                    a->big.max_elements >= o->big_key_elements * 200;
        rdbl_advice_item *it =
            item_new(b, "big-keys", crit ? RDBL_ADVICE_CRITICAL : RDBL_ADVICE_WARN);
        if (!it)
            return;
        it->keys = a->big.keys;
        it->affected_bytes = a->big.mem;
        it->limit_bytes = o->big_key_bytes;
        it->limit_elements = o->big_key_elements;
        it->max_bytes = a->big.max_mem;
        it->max_elements = a->big.max_elements;
        item_examples(it, &a->big.ex);
    }
    if (a->huge.keys) {
        rdbl_advice_item *it = item_new(b, "huge-collections", RDBL_ADVICE_WARN);
        if (!it)
            return;
        it->keys = a->huge.keys;
        it->affected_bytes = a->huge.mem;
        it->limit_elements = o->huge_collection_elements;
        it->max_bytes = a->huge.max_mem;
        it->max_elements = a->huge.max_elements;
        item_examples(it, &a->huge.ex);
    }
    if (a->expired.keys) {
        rdbl_advice_item *it = item_new(b, "expired-keys", RDBL_ADVICE_INFO);
        if (!it)
            return;
        it->keys = a->expired.keys;
        it->affected_bytes = a->expired.mem;
        it->saving_bytes = a->expired.saving;
        item_examples(it, &a->expired.ex);
    }
    if (a->empty.keys) {
        rdbl_advice_item *it = item_new(b, "empty-keys", RDBL_ADVICE_INFO);
        if (!it)
            return;
        it->keys = a->empty.keys;
        it->affected_bytes = a->empty.mem;
        it->saving_bytes = a->empty.saving;
        item_examples(it, &a->empty.ex);
    }
    const compress_acc *z = &a->z;
    if (z->good_keys && z->saving_lz4) {
        rdbl_advice_item *it = item_new(b, "compressible-strings", RDBL_ADVICE_INFO);
        if (!it)
            return;
        compress_estimate e;
        compress_extrapolate(z, &e);
        it->keys = (uint64_t)(e.keys + 0.5);
        it->affected_bytes = (uint64_t)(e.mem + 0.5);
        it->saving_bytes = (uint64_t)(e.saving_lz4 + 0.5);
        it->alt_saving_bytes = (uint64_t)(e.saving_zlib + 0.5);
        it->total_keys = z->eligible_keys;
        it->total_bytes = z->eligible_bytes;
        it->limit_bytes = o->compress_min_bytes;
        it->sampled_keys = z->sampled_keys;
        it->sampled_bytes = z->sampled_bytes;
        it->ratio_pm = permille(z->lz4_bytes, z->sampled_bytes);
        it->alt_ratio_pm = permille(z->zlib_bytes, z->sampled_bytes);
        it->skipped_keys = z->big_keys;
        it->skipped_bytes = z->big_bytes;
        item_examples(it, &z->a.ex);
    }
}

/* ---- derived rules: prefix families, cache-like prefixes ---------------------------------- */

static bool label_has_star(rdbl_str l)
{
    return l.len && memchr(l.ptr, '*', l.len) != NULL;
}

static uint64_t r8(uint64_t v)
{
    return (v + 7) & ~(uint64_t)7;
}

static void family_at(builder *b, const rdbl__advice_ctx *c, uint32_t node, const uint32_t *kids,
                      size_t nk)
{
    const rdbl_prefix_agg *p = c->prefix;
    uint64_t k = 0, e = 0, mem = 0, vbytes = 0, kbytes = 0, fbytes = 0;
    size_t fields = 0;
    for (size_t i = 0; i < nk; i++) {
        if (rdbl_prefix_agg_is_other(p, kids[i]))
            continue;
        rdbl_str l = rdbl_prefix_agg_label(p, kids[i]);
        const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(p, kids[i]);
        if (!t->fam_keys || label_has_star(l))
            continue;
        fields++;
        k += t->fam_keys;
        if (t->fam_keys > e)
            e = t->fam_keys;
        mem += t->fam_mem_bytes;
        vbytes += t->fam_value_bytes;
        kbytes += t->fam_key_bytes;
        fbytes += (uint64_t)l.len * t->fam_keys;
    }
    if (fields < 2 || k < c->o->family_min_keys || e == 0)
        return;
    double f = (double)k / (double)e;
    double avg_key = (double)kbytes / (double)k, avg_field = (double)fbytes / (double)k,
           avg_val = (double)vbytes / (double)k;
    if (f > 128.0 || avg_val > 64.0)
        return; /* would not stay a listpack under default thresholds */
    double ek = avg_key - avg_field - 1.0;
    if (ek < 1.0)
        ek = 1.0;
    uint64_t per_entity = 16 + 24 + r8((uint64_t)ceil(ek) + 4) +
                          r8((uint64_t)ceil(7.0 + f * (avg_field + 2.0 + avg_val + 2.0)));
    uint64_t hash_mem = per_entity * e;
    if (hash_mem >= mem || (mem - hash_mem) * 10 < mem)
        return; /* less than 10%: not worth a data-model change */
    rdbl_advice_item *it = item_new(b, "small-string-family", RDBL_ADVICE_INFO);
    if (!it)
        return;
    rdbl_prefix_agg_name(p, node, it->prefix, sizeof it->prefix);
    size_t o = 0, shown = 0;
    for (size_t i = 0; i < nk && shown < 4; i++) {
        rdbl_str l = rdbl_prefix_agg_label(p, kids[i]);
        if (rdbl_prefix_agg_is_other(p, kids[i]) || !rdbl_prefix_agg_totals(p, kids[i])->fam_keys ||
            label_has_star(l))
            continue;
        char esc[48];
        rdbl_escape_bytes(esc, sizeof esc, l.ptr, l.len);
        int n = snprintf(it->fields + o, sizeof it->fields - o, "%s%s", shown ? ", " : "", esc);
        if (n < 0 || (size_t)n >= sizeof it->fields - o)
            break;
        o += (size_t)n;
        shown++;
    }
    if (fields > shown && o + 8 < sizeof it->fields)
        snprintf(it->fields + o, sizeof it->fields - o, ", ...");
    it->keys = k;
    it->affected_bytes = mem;
    it->saving_bytes = mem - hash_mem;
    it->alt_bytes = hash_mem;
    it->entities = e;
    it->per_entity = f;
    it->field_count = fields;
}

static const char *const cache_words[] = {
    "cache", "cached", "caches", "session", "sessions", "sess", "tmp", "temp", "token",
    "tokens", "otp", "lock", "locks", "nonce", "csrf", "captcha", "ratelimit", "throttle",
    "idempotency", "dedup", "jwt", "verify", "verification", "reset", "expiring", "ephemeral",
};

static bool cache_like(rdbl_str l)
{
    size_t i = 0;
    while (i < l.len) {
        while (i < l.len && !isalpha(l.ptr[i]))
            i++;
        size_t s = i;
        while (i < l.len && isalpha(l.ptr[i]))
            i++;
        size_t n = i - s;
        if (!n || n > 15)
            continue;
        char w[16];
        for (size_t j = 0; j < n; j++)
            w[j] = (char)tolower(l.ptr[s + j]);
        w[n] = 0;
        for (size_t j = 0; j < sizeof cache_words / sizeof cache_words[0]; j++)
            if (strcmp(w, cache_words[j]) == 0)
                return true;
    }
    return false;
}

static void cache_at(builder *b, const rdbl__advice_ctx *c, uint32_t node)
{
    const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(c->prefix, node);
    rdbl_advice_item *it = item_new(b, "no-ttl-cache", RDBL_ADVICE_WARN);
    if (!it)
        return;
    rdbl_prefix_agg_name(c->prefix, node, it->prefix, sizeof it->prefix);
    it->keys = t->keys - t->keys_with_ttl;
    it->total_keys = t->keys;
    it->affected_bytes = t->mem_no_ttl;
}

/* Walks the tree once: families at nodes with a folded label, cache-like
 * prefixes at the shallowest matching node (depth <= 3). */
static void walk(builder *b, const rdbl__advice_ctx *c, uint32_t node, unsigned depth,
                 bool cache_done)
{
    const rdbl_prefix_agg *p = c->prefix;
    size_t nk = rdbl_prefix_agg_children(p, node, NULL, 0);
    uint32_t small[64];
    uint32_t *kids = small;
    if (nk > 64) {
        kids = malloc(nk * sizeof *kids);
        if (!kids) {
            b->nomem = true;
            return;
        }
    }
    if (nk)
        rdbl_prefix_agg_children(p, node, kids, nk);
    if (node != RDBL_PREFIX_ROOT && label_has_star(rdbl_prefix_agg_label(p, node)))
        family_at(b, c, node, kids, nk);
    for (size_t i = 0; i < nk && !b->nomem; i++) {
        uint32_t k = kids[i];
        if (rdbl_prefix_agg_is_other(p, k))
            continue;
        bool done = cache_done;
        if (!done && depth < 3) {
            const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(p, k);
            if (cache_like(rdbl_prefix_agg_label(p, k)) && t->keys >= c->o->cache_min_keys) {
                done = true; /* report the shallowest match only */
                if (t->keys_with_ttl * 10 < t->keys)
                    cache_at(b, c, k);
            }
        }
        walk(b, c, k, depth + 1, done);
    }
    if (kids != small)
        free(kids);
}

/* Expiry avalanches: a window of 3 minutes around one of the busiest
 * expiry minutes, with >= expiry_cluster_min_keys keys and at least 10 times
 * the keys per minute of the 30 minutes around it (so jittered TTLs, which
 * spread evenly, do not count). Windows within 10 minutes after the
 * reference time are churn: short-TTL keys (rate limits, counters) written
 * just before the save, due just after it. Ranked by memory. */
#define CLUSTER_CANDIDATES 32
#define CHURN_MINUTES 10

static void build_clusters(builder *b, const rdbl__advice_ctx *c)
{
    rdbl_ttl_minute top[CLUSTER_CANDIDATES];
    size_t n = rdbl_ttl_agg_top_minutes(c->ttl, top, CLUSTER_CANDIDATES);
    if (!n)
        return;
    rdbl_ttl_summary s;
    rdbl_ttl_agg_summary(c->ttl, &s);
    int64_t ref_min = s.ref_ms / 60000;
    rdbl_advice_row rows[CLUSTER_CANDIDATES];
    double avgs[CLUSTER_CANDIDATES];
    int64_t used[CLUSTER_CANDIDATES];
    size_t nr = 0;
    uint64_t churn_keys = 0, churn_mem = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t m = top[i].minute;
        bool dup = false;
        for (size_t k = 0; k < nr && !dup; k++)
            dup = m >= used[k] - 2 && m <= used[k] + 2;
        if (dup)
            continue;
        rdbl_count w = rdbl_ttl_agg_minutes_sum(c->ttl, m - 1, m + 1);
        if (w.keys < c->o->expiry_cluster_min_keys)
            continue;
        rdbl_count lo = rdbl_ttl_agg_minutes_sum(c->ttl, m - 16, m - 2);
        rdbl_count hi = rdbl_ttl_agg_minutes_sum(c->ttl, m + 2, m + 16);
        double around = (double)(lo.keys + hi.keys) / 30.0;
        bool churn = m - ref_min <= CHURN_MINUTES;
        if (!churn && (double)w.keys / 3.0 < 10.0 * around)
            continue;
        used[nr] = m;
        avgs[nr] = churn ? -1.0 : around;
        if (churn) {
            churn_keys += w.keys;
            churn_mem += w.mem_bytes;
        }
        /* the window's first and last minutes with expiries */
        int64_t first = m, last = m;
        if (rdbl_ttl_agg_minutes_sum(c->ttl, m - 1, m - 1).keys)
            first = m - 1;
        if (rdbl_ttl_agg_minutes_sum(c->ttl, m + 1, m + 1).keys)
            last = m + 1;
        memset(&rows[nr], 0, sizeof rows[nr]);
        rows[nr].at_ms = first * 60000;
        rows[nr].span_ms = (last - first) * 60000;
        rows[nr].keys = w.keys;
        rows[nr].bytes = w.mem_bytes;
        nr++;
    }
    /* keep the avalanches, most memory first */
    size_t na = 0;
    for (size_t i = 0; i < nr; i++)
        if (avgs[i] >= 0.0) {
            rows[na] = rows[i];
            avgs[na] = avgs[i];
            na++;
        }
    if (!na)
        return;
    for (size_t x = 1; x < na; x++)
        for (size_t y = x; y > 0 && rows[y].bytes > rows[y - 1].bytes; y--) {
            rdbl_advice_row t = rows[y];
            rows[y] = rows[y - 1];
            rows[y - 1] = t;
            double d = avgs[y];
            avgs[y] = avgs[y - 1];
            avgs[y - 1] = d;
        }
    rdbl_advice_item *it = item_new(b, "mass-expiry", RDBL_ADVICE_WARN);
    if (!it)
        return;
    it->ref_ms = s.ref_ms;
    it->nrows = na < RDBL_ADVICE_ROWS ? na : RDBL_ADVICE_ROWS;
    double avg = 0.0;
    for (size_t i = 0; i < na; i++) {
        it->keys += rows[i].keys;
        it->affected_bytes = rdbl__sadd(it->affected_bytes, rows[i].bytes);
        if (avgs[i] > avg)
            avg = avgs[i];
    }
    memcpy(it->rows, rows, it->nrows * sizeof *rows);
    it->avg_keys = avg;
    it->limit_elements = c->o->expiry_cluster_min_keys;
    it->skipped_keys = churn_keys;
    it->skipped_bytes = churn_mem;
}

/* Families of small JSON strings with the same fields (>= family_min_keys
 * keys): as hashes, the key's value becomes a listpack of the fields. Per
 * key the string's sds (value + 4 bytes of header and NUL, allocator
 * rounding ignored) is replaced by the listpack. */
static void build_json_families(builder *b, const rdbl_advice_agg *a)
{
    for (size_t i = 0; i < a->njf; i++) {
        const json_fam *f = &a->jf[i];
        if (f->keys < a->opts.o.family_min_keys || f->nfields < 2)
            continue;
        rdbl_advice_item *it = item_new(b, "json-string-family", RDBL_ADVICE_INFO);
        if (!it)
            return;
        snprintf(it->prefix, sizeof it->prefix, "%s", f->pattern);
        snprintf(it->fields, sizeof it->fields, "%s", f->fields);
        it->field_count = f->nfields;
        it->keys = f->keys;
        it->affected_bytes = f->mem;
        uint64_t sds = rdbl__sadd(f->value_bytes, 4 * f->keys);
        uint64_t alt = f->mem > sds ? f->mem - sds : 0;
        it->alt_bytes = rdbl__sadd(alt, f->lp_bytes);
        it->saving_bytes = it->alt_bytes < f->mem ? f->mem - it->alt_bytes : 0;
        it->total_bytes = f->value_bytes;
    }
}

/* Cold data: keys idle for cold_idle_s or more (LRU) or with an LFU counter
 * of 0, by family, when there are >= 100 of them or they hold >= 1% of the
 * memory. The
 * saving is their memory: deleted, expired or evicted, it is freed. */
static void build_cold(builder *b, const rdbl__advice_ctx *c)
{
    rdbl_cold_family fam[RDBL_ADVICE_ROWS];
    size_t nf = rdbl_access_agg_cold_families(c->access, fam, RDBL_ADVICE_ROWS);
    if (!nf)
        return;
    rdbl_cold_family *all = malloc(nf * sizeof *all);
    if (!all) {
        b->nomem = true;
        return;
    }
    rdbl_access_agg_cold_families(c->access, all, nf);
    uint64_t keys = 0, mem = 0;
    for (size_t i = 0; i < nf; i++) {
        keys += all[i].keys;
        mem = rdbl__sadd(mem, all[i].mem_bytes);
    }
    free(all);
    const rdbl_summary *sum = rdbl_tables_agg_summary(c->tables);
    if (keys < 100 && mem * 100 < sum->all.mem_bytes)
        return;
    const rdbl_access_summary *as = rdbl_access_agg_summary(c->access);
    rdbl_advice_item *it = item_new(b, "cold-data", RDBL_ADVICE_INFO);
    if (!it)
        return;
    it->keys = keys;
    it->affected_bytes = mem;
    it->saving_bytes = mem;
    it->idle_s = as->cold_idle_s;
    it->total_keys = sum->all.keys - as->idle[RDBL_IDLE_UNKNOWN].keys;
    if (as->freq_known.keys > it->total_keys)
        it->total_keys = as->freq_known.keys;
    it->nrows = nf < RDBL_ADVICE_ROWS ? nf : RDBL_ADVICE_ROWS;
    for (size_t i = 0; i < it->nrows; i++) {
        rdbl_advice_row *r = &it->rows[i];
        memcpy(r->name, fam[i].name, sizeof fam[i].name); /* NUL-terminated, 64 < 96 */
        r->keys = fam[i].keys;
        r->bytes = fam[i].mem_bytes;
        r->value = fam[i].lfu_keys;
        r->idle_min_s = fam[i].idle_min_s;
        r->idle_max_s = fam[i].idle_max_s;
    }
    const rdbl_key_entry *ex[RDBL_ADVICE_EXAMPLES];
    it->nexamples = rdbl_access_agg_coldest(c->access, ex, RDBL_ADVICE_EXAMPLES);
    memcpy(it->examples, ex, it->nexamples * sizeof *ex);
}

/* Severity first (critical, warn, info), then the saving, then the memory
 * concerned. */
static int item_cmp(const void *x, const void *y)
{
    const rdbl_advice_item *a = x, *b = y;
    if (a->level != b->level)
        return a->level > b->level ? -1 : 1;
    if (a->saving_bytes != b->saving_bytes)
        return a->saving_bytes > b->saving_bytes ? -1 : 1;
    if (a->affected_bytes != b->affected_bytes)
        return a->affected_bytes > b->affected_bytes ? -1 : 1;
    int c = strcmp(a->rule, b->rule);
    if (c)
        return c;
    c = strcmp(a->prefix, b->prefix);
    if (c)
        return c;
    c = strcmp(a->fields, b->fields);
    return c ? c : strcmp(a->config, b->config);
}

rdbl_status rdbl__advice_build(const rdbl__advice_ctx *c, rdbl_advice_list *out)
{
    out->items = NULL;
    out->n = 0;
    builder b = {out, 0, false};
    build_compact(&b, c->state);
    build_key_rules(&b, c->state);
    if (c->prefix)
        walk(&b, c, RDBL_PREFIX_ROOT, 0, false);
    if (c->ttl)
        build_clusters(&b, c);
    if (c->access && c->tables)
        build_cold(&b, c);
    build_json_families(&b, c->state);
    if (b.nomem) {
        rdbl_advice_list_free(out);
        return RDBL_NOMEM;
    }
    if (out->n)
        qsort(out->items, out->n, sizeof *out->items, item_cmp);
    return RDBL_OK;
}

void rdbl_advice_list_free(rdbl_advice_list *l)
{
    free(l->items);
    l->items = NULL;
    l->n = 0;
}
