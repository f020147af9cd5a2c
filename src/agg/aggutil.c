/* Helpers of the aggregator layer: option defaults, facts initialisation,
 * snapshot reference time, and the JSON readers/writers every aggregator
 * uses (so each one reports bad input the same way: RDBL_CORRUPT with the
 * member named in err->where). */
#include <ctype.h>
#include <strings.h>

#include "agg/agg_internal.h"

void rdbl_key_facts_init(rdbl_key_facts *f)
{
    memset(f, 0, sizeof *f);
    f->idle_s = -1;
    f->freq = -1;
    f->min_field_expire_ms = -1;
    f->modelled = true;
}

const char *rdbl_ctime_source_name(rdbl_ctime_source s)
{
    switch (s) {
    case RDBL_CTIME_AUX:
        return "aux";
    case RDBL_CTIME_MTIME:
        return "mtime";
    case RDBL_CTIME_NONE:
        break;
    }
    return "none";
}

bool rdbl_snapshot_unread(const rdbl_snapshot *s)
{
    return s->status != RDBL_OK && s->rdb_version == 0;
}

int64_t rdbl_snapshot_ref_ms(const rdbl_snapshot *s)
{
    if (s->has_now)
        return s->now_ms;
    if (s->ctime_source != RDBL_CTIME_NONE)
        return s->ctime_s * 1000;
    return 0;
}

bool rdbl_snapshots_used_mem(const rdbl_snapshot *s, size_t n, uint64_t *out)
{
    uint64_t used = 0;
    size_t read = 0;
    for (size_t i = 0; i < n; i++) {
        if (rdbl_snapshot_unread(&s[i]))
            continue; /* holds no key: nothing to compare with */
        if (!s[i].has_used_mem)
            return false;
        used = rdbl__sadd(used, s[i].used_mem);
        read++;
    }
    *out = used;
    return read > 0;
}

bool rdbl_snapshots_total(const rdbl_snapshot *s, size_t n, const char *name, uint64_t *out)
{
    uint64_t tot = 0;
    size_t read = 0;
    for (size_t f = 0; f < n; f++) {
        if (rdbl_snapshot_unread(&s[f]))
            continue;
        read++;
        size_t k = 0;
        while (k < s[f].ntotals && strcmp(s[f].totals[k].name, name) != 0)
            k++;
        if (k == s[f].ntotals)
            return false;
        tot = rdbl__sadd(tot, s[f].totals[k].bytes);
    }
    *out = tot;
    return read > 0;
}

void rdbl_agg_opts_default(rdbl_agg_opts *o)
{
    rdbl__aopts n;
    rdbl__aopts_norm(&n, NULL);
    *o = n.o;
    o->delimiters = ":";
}

#define DFLT(field, v)                                                        \
    do {                                                                      \
        if (!out->o.field)                                                    \
            out->o.field = (v);                                               \
    } while (0)

void rdbl__aopts_norm(rdbl__aopts *out, const rdbl_agg_opts *in)
{
    memset(out, 0, sizeof *out);
    if (in)
        out->o = *in;
    const char *d = (in && in->delimiters && in->delimiters[0]) ? in->delimiters : ":";
    snprintf(out->delims, sizeof out->delims, "%s", d);
    out->o.delimiters = out->delims;
    DFLT(max_depth, 4);
    if (out->o.max_depth > 16)
        out->o.max_depth = 16;
    DFLT(node_budget, 100000);
    if (out->o.node_budget < 16)
        out->o.node_budget = 16;
    if (out->o.node_budget > (1u << 30))
        out->o.node_budget = 1u << 30;
    DFLT(top_n, 100);
    if (out->o.top_n > 100000)
        out->o.top_n = 100000;
    DFLT(examples, 5);
    if (out->o.examples > RDBL_ADVICE_EXAMPLES)
        out->o.examples = RDBL_ADVICE_EXAMPLES;
    DFLT(expiry_minutes_cap, 100000);
    DFLT(cold_idle_s, 30LL * 86400);
    DFLT(big_key_bytes, 10ULL << 20);
    DFLT(big_key_elements, 5000);
    DFLT(huge_collection_elements, 1000000);
    DFLT(compress_min_bytes, 1024);
    DFLT(compress_budget_bytes, 8ULL << 20);
    DFLT(family_min_keys, 1000);
    DFLT(cache_min_keys, 1000);
    DFLT(expiry_cluster_min_keys, 1000);
}
#undef DFLT

json_t *rdbl__aopts_to_json(const rdbl_agg_opts *o)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    int rc = 0;
    rc |= rdbl__jset(j, "delimiters", json_string(o->delimiters ? o->delimiters : ":"));
    rc |= rdbl__jset_u(j, "max_depth", o->max_depth);
    rc |= rdbl__jset_u(j, "node_budget", o->node_budget);
    rc |= rdbl__jset(j, "fold_ids", json_boolean(!o->no_fold));
    rc |= rdbl__jset_u(j, "top_n", o->top_n);
    rc |= rdbl__jset_u(j, "examples", o->examples);
    rc |= rdbl__jset_u(j, "expiry_minutes_cap", o->expiry_minutes_cap);
    rc |= rdbl__jset_u(j, "cold_idle_s", (uint64_t)o->cold_idle_s);
    rc |= rdbl__jset_u(j, "big_key_bytes", o->big_key_bytes);
    rc |= rdbl__jset_u(j, "big_key_elements", o->big_key_elements);
    rc |= rdbl__jset_u(j, "huge_collection_elements", o->huge_collection_elements);
    rc |= rdbl__jset_u(j, "compress_min_bytes", o->compress_min_bytes);
    rc |= rdbl__jset_u(j, "compress_budget_bytes", o->compress_budget_bytes);
    rc |= rdbl__jset_u(j, "family_min_keys", o->family_min_keys);
    rc |= rdbl__jset_u(j, "cache_min_keys", o->cache_min_keys);
    rc |= rdbl__jset_u(j, "expiry_cluster_min_keys", o->expiry_cluster_min_keys);
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static uint64_t jopt_u(const json_t *j, const char *name)
{
    const json_t *v = json_object_get(j, name);
    return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v)
                                                           : 0;
}

void rdbl__aopts_from_json(rdbl__aopts *out, const json_t *j)
{
    rdbl_agg_opts in;
    memset(&in, 0, sizeof in);
    const json_t *d = json_object_get(j, "delimiters");
    if (json_is_string(d))
        in.delimiters = json_string_value(d);
    in.max_depth = (unsigned)jopt_u(j, "max_depth");
    in.node_budget = (size_t)jopt_u(j, "node_budget");
    in.no_fold = json_is_false(json_object_get(j, "fold_ids"));
    in.top_n = (size_t)jopt_u(j, "top_n");
    in.examples = (size_t)jopt_u(j, "examples");
    in.expiry_minutes_cap = (size_t)jopt_u(j, "expiry_minutes_cap");
    in.cold_idle_s = (int64_t)jopt_u(j, "cold_idle_s");
    in.big_key_bytes = jopt_u(j, "big_key_bytes");
    in.big_key_elements = jopt_u(j, "big_key_elements");
    in.huge_collection_elements = jopt_u(j, "huge_collection_elements");
    in.compress_min_bytes = jopt_u(j, "compress_min_bytes");
    in.compress_budget_bytes = jopt_u(j, "compress_budget_bytes");
    in.family_min_keys = jopt_u(j, "family_min_keys");
    in.cache_min_keys = jopt_u(j, "cache_min_keys");
    in.expiry_cluster_min_keys = jopt_u(j, "expiry_cluster_min_keys");
    rdbl__aopts_norm(out, &in);
}

int rdbl__jset(json_t *obj, const char *name, json_t *v)
{
    if (!v)
        return -1;
    return json_object_set_new(obj, name, v) ? -1 : 0;
}

json_t *rdbl__jkey(const uint8_t *p, size_t len)
{
    char small[256];
    size_t need = rdbl_escape_bytes(NULL, 0, p, len);
    char *buf = small;
    if (need + 1 > sizeof small) {
        buf = malloc(need + 1);
        if (!buf)
            return NULL;
    }
    rdbl_escape_bytes(buf, need + 1, p, len);
    json_t *s = json_stringn(buf, need);
    if (buf != small)
        free(buf);
    return s;
}

static rdbl_status bad(rdbl_error *err, const char *name, const char *what)
{
    return rdbl__fail(err, RDBL_CORRUPT, 0, name, "JSON member \"%s\": %s", name, what);
}

rdbl_status rdbl__jget_u64(const json_t *obj, const char *name, uint64_t *out, rdbl_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!v) {
        *out = 0;
        return RDBL_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return bad(err, name, "expected a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return RDBL_OK;
}

rdbl_status rdbl__jget_i64(const json_t *obj, const char *name, int64_t *out, int64_t dflt,
                           rdbl_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        *out = dflt;
        return RDBL_OK;
    }
    if (!json_is_integer(v))
        return bad(err, name, "expected an integer");
    *out = (int64_t)json_integer_value(v);
    return RDBL_OK;
}

rdbl_status rdbl__jget_key(const json_t *obj, const char *name, uint8_t **out, size_t *len,
                           rdbl_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_string(v))
        return bad(err, name, "expected a string");
    size_t n = json_string_length(v);
    uint8_t *buf = malloc(n + 1);
    if (!buf)
        return rdbl__fail(err, RDBL_NOMEM, 0, name, "out of memory");
    rdbl_status st = rdbl_unescape_key(json_string_value(v), n, buf, n + 1, len);
    if (st != RDBL_OK) {
        free(buf);
        return bad(err, name, "bad escape sequence");
    }
    buf[*len] = 0;
    *out = buf;
    return RDBL_OK;
}

rdbl_status rdbl__jget_str(const json_t *obj, const char *name, char *buf, size_t cap,
                           rdbl_error *err)
{
    const json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v)) {
        if (cap)
            buf[0] = 0;
        return RDBL_OK;
    }
    if (!json_is_string(v))
        return bad(err, name, "expected a string");
    snprintf(buf, cap, "%s", json_string_value(v));
    return RDBL_OK;
}

json_t *rdbl__count_to_json(const rdbl_count *c)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    if (rdbl__jset_u(j, "keys", c->keys) || rdbl__jset_u(j, "memory_bytes", c->mem_bytes)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

rdbl_status rdbl__count_from_json(const json_t *j, rdbl_count *c, const char *what,
                                  rdbl_error *err)
{
    if (!json_is_object(j))
        return bad(err, what, "expected an object");
    rdbl_status st = rdbl__jget_u64(j, "keys", &c->keys, err);
    if (st == RDBL_OK)
        st = rdbl__jget_u64(j, "memory_bytes", &c->mem_bytes, err);
    return st;
}

bool rdbl__type_from_name(const char *s, rdbl_type *out)
{
    static const char *const names[] = {
#define RDBL__T(name, text) text,
        RDBL_TYPE_LIST(RDBL__T)
#undef RDBL__T
    };
    for (unsigned i = 0; i < RDBL_TYPE__COUNT; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (rdbl_type)i;
            return true;
        }
    }
    return false;
}

const char *rdbl_advice_level_name(rdbl_advice_level l)
{
    switch (l) {
#define RDBL__L(name, text)                                                   \
    case RDBL_ADVICE_##name:                                                  \
        return text;
        RDBL_ADVICE_LEVEL_LIST(RDBL__L)
#undef RDBL__L
    case RDBL_ADVICE__COUNT:
        break;
    }
    return "unknown";
}

bool rdbl_advice_level_parse(const char *s, rdbl_advice_level *out)
{
    if (strcasecmp(s, "warning") == 0) {
        *out = RDBL_ADVICE_WARN;
        return true;
    }
#define RDBL__L(name, text)                                                   \
    if (strcasecmp(s, text) == 0) {                                           \
        *out = RDBL_ADVICE_##name;                                            \
        return true;                                                          \
    }
    RDBL_ADVICE_LEVEL_LIST(RDBL__L)
#undef RDBL__L
    return false;
}

/* The family of a key: up to two segments, each folded as the prefix tree
 * folds it, stopping after an id ("session:*"); ":*" marks a longer key
 * ("cache:page:*"). */
void rdbl__key_family(const char *delims, rdbl_str key, char *out, size_t cap)
{
    uint8_t folded[64];
    size_t o = 0, i = 0;
    out[0] = 0;
    for (unsigned seg = 0; seg < 2 && i <= key.len; seg++) {
        size_t s = i;
        while (i < key.len && !(key.ptr[i] && strchr(delims, key.ptr[i])))
            i++;
        size_t n = rdbl_prefix_fold_segment(key.ptr + s, i - s, folded, sizeof folded);
        if (n > sizeof folded)
            n = sizeof folded;
        char esc[80];
        rdbl_escape_bytes(esc, sizeof esc, folded, n);
        int w = snprintf(out + o, cap - o, "%s%s", seg ? ":" : "", esc);
        if (w < 0 || (size_t)w >= cap - o)
            return;
        o += (size_t)w;
        bool id = n == 1 && folded[0] == '*';
        if (i >= key.len)
            return;
        i++; /* the delimiter */
        if (id)
            return;
    }
    if (o + 3 <= cap)
        snprintf(out + o, cap - o, ":*");
}
