/* Round trip against a real server: dumps written by redis-server itself
 * (tools/gen-testdata) are parsed through the public API only
 * (rdbl_source_open_file + rdbl_parse), every key is rebuilt from the events
 * in the canonical JSON of `rdblens dump --format jsonl`, and compared with
 * the JSON Lines file the generator read back from the server:
 *
 *   {"db":0,"key":"k","type":"string|list|set|zset|hash|stream",
 *    "expire_ms":null|N,"value":V[,"field_expire_ms":{...}]}
 *
 *   string  "bytes"                       list  ["item", ...] in order
 *   set     ["m", ...] sorted bytewise    zset  [["m", score|"inf"|"-inf"], ...]
 *                                               sorted by (score, member)
 *   hash    {"field":"value"} (field_expire_ms only when a field has a TTL)
 *   stream  {"length":N,"last_id":"ms-seq","entries":[["id",[["f","v"],...]],...],
 *            "groups":[{"name","last_id","pel":[["id",count],...],
 *                       "consumers":[{"name","pel":["id",...]}]}]}
 *            live entries in file (= ID) order; groups and consumers by name
 *
 * Byte strings use tu_escape's convention. Every key, value and TTL must
 * match, with no key missing or extra; a mismatch prints the key and the
 * first differing path with both values.
 *
 * Suites: "roundtrip" parses the committed testdata (every testdata/roundtrip/<profile>.rdb
 * and testdata/sample.rdb); "live" runs tools/gen-testdata on a private
 * redis-server for 50,000 fresh keys per profile and skips, loudly, when
 * redis-server is not installed. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/parser.h"
#include "rdblens/source.h"
#include "testutil.h"

#define MAX_REPORTED 20 /* mismatches printed in full per file */

/* A copied byte string. */
typedef struct rt_bytes {
    uint8_t *p;
    size_t len;
} rt_bytes;

/* One collected set member, zset member or hash field. */
typedef struct rt_elem {
    rt_bytes a;        /* member or field */
    rt_bytes b;        /* hash value */
    double score;
    int64_t expire_ms; /* hash field TTL, -1 if none */
} rt_elem;

typedef struct rt_consumer {
    rt_bytes name;
    json_t *pel; /* ["id", ...] */
} rt_consumer;

typedef struct rt_group {
    rt_bytes name;
    char last_id[48];
    json_t *pel; /* [["id", count], ...] */
    rt_consumer *consumers;
    size_t nconsumers;
} rt_group;

typedef struct rt_state {
    const char *file;      /* for messages */
    char *expected_text;   /* the .jsonl, lines NUL-terminated in place */
    json_t *expected;      /* "db:escaped key" -> offset of its line; removed when seen */
    size_t expected_keys;

    /* The key being read. */
    bool in_key;
    char *key;             /* escaped */
    uint8_t *str;          /* string value */
    size_t str_len, str_cap;
    json_t *list;          /* list items; stream entries */
    rt_elem *elems;
    size_t nelems, elems_cap;
    bool have_meta;
    uint64_t stream_length;
    char stream_last_id[48];
    rt_group *groups;
    size_t ngroups;
    char event_error[256]; /* the first inconsistent event of this key */

    /* Results. */
    size_t keys, matched, mismatched, extra;
    size_t unbalanced;     /* on_begin_key without on_end_key, or the reverse */
    rdbl_checksum_status checksum;
    bool ended;
} rt_state;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    cr_assert(p != NULL, "out of memory (%zu bytes)", n);
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    cr_assert(q != NULL, "out of memory (%zu bytes)", n);
    return q;
}

static rt_bytes bytes_copy(const uint8_t *p, size_t len)
{
    rt_bytes b = {xmalloc(len), len};
    if (len)
        memcpy(b.p, p, len);
    return b;
}

static int bytes_cmp(const rt_bytes *x, const rt_bytes *y)
{
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

static bool bytes_eq(const rt_bytes *x, rdbl_str s)
{
    return x->len == s.len && (s.len == 0 || memcmp(x->p, s.ptr, s.len) == 0);
}

/* An item's bytes: its own, or the decimal text of an integer item. */
static rt_bytes item_copy(const rdbl_item *it)
{
    if (!it->is_int)
        return bytes_copy(it->ptr, it->len);
    char tmp[24];
    size_t n = rdbl_item_text(it, tmp, sizeof tmp);
    cr_assert(n < sizeof tmp);
    return bytes_copy((const uint8_t *)tmp, n);
}

static json_t *jstr(const uint8_t *p, size_t len)
{
    size_t n;
    char *e = tu_escape(p, len, &n);
    cr_assert(e != NULL);
    json_t *j = json_stringn(e, n);
    cr_assert(j != NULL, "tu_escape made invalid UTF-8");
    free(e);
    return j;
}

static json_t *jbytes(const rt_bytes *b)
{
    return jstr(b->p, b->len);
}

static json_t *jid(rdbl_stream_id id)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
    return json_string(buf);
}

static void event_error(rt_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void event_error(rt_state *st, const char *fmt, ...)
{
    if (st->event_error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->event_error, sizeof st->event_error, fmt, ap);
    va_end(ap);
}

static void push_elem(rt_state *st, rt_elem e)
{
    if (st->nelems == st->elems_cap) {
        st->elems_cap = st->elems_cap ? st->elems_cap * 2 : 64;
        st->elems = xrealloc(st->elems, st->elems_cap * sizeof *st->elems);
    }
    st->elems[st->nelems++] = e;
}

static void key_reset(rt_state *st)
{
    free(st->key);
    st->key = NULL;
    st->str_len = 0;
    json_decref(st->list);
    st->list = NULL;
    for (size_t i = 0; i < st->nelems; i++) {
        free(st->elems[i].a.p);
        free(st->elems[i].b.p);
    }
    st->nelems = 0;
    for (size_t g = 0; g < st->ngroups; g++) {
        rt_group *gr = &st->groups[g];
        free(gr->name.p);
        json_decref(gr->pel);
        for (size_t c = 0; c < gr->nconsumers; c++) {
            free(gr->consumers[c].name.p);
            json_decref(gr->consumers[c].pel);
        }
        free(gr->consumers);
    }
    free(st->groups);
    st->groups = NULL;
    st->ngroups = 0;
    st->have_meta = false;
    st->event_error[0] = '\0';
    st->in_key = false;
}

/* ---- event handlers (everything they get is borrowed: copy to keep) ---- */

static int on_begin_key(void *user, const rdbl_key_info *k)
{
    rt_state *st = user;
    if (st->in_key)
        st->unbalanced++; /* the previous key then shows up as missing */
    key_reset(st);
    st->in_key = true;
    st->key = tu_escape(k->key.ptr, k->key.len, NULL);
    cr_assert(st->key != NULL);
    if (k->type == RDBL_TYPE_LIST || k->type == RDBL_TYPE_STREAM)
        st->list = json_array();
    return 0;
}

static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *chunk,
                     uint64_t chunk_offset, uint64_t total_len)
{
    rt_state *st = user;
    char tmp[24];
    const uint8_t *p = chunk->ptr;
    size_t n = chunk->len;
    if (chunk->is_int) {
        n = rdbl_item_text(chunk, tmp, sizeof tmp);
        p = (const uint8_t *)tmp;
    }
    if (chunk_offset != st->str_len)
        event_error(st, "string chunk at offset %" PRIu64 ", expected %zu", chunk_offset,
                    st->str_len);
    if (total_len < st->str_len + n)
        event_error(st, "string chunks exceed total_len %" PRIu64, total_len);
    if (st->str_len + n > st->str_cap) {
        st->str_cap = (st->str_len + n) * 2;
        st->str = xrealloc(st->str, st->str_cap);
    }
    if (n)
        memcpy(st->str + st->str_len, p, n);
    st->str_len += n;
    (void)k;
    return 0;
}

static int on_list_item(void *user, const rdbl_key_info *k, const rdbl_item *item)
{
    rt_state *st = user;
    rt_bytes b = item_copy(item);
    if (!st->list)
        event_error(st, "list item for a key of type %s", rdbl_type_name(k->type));
    else
        json_array_append_new(st->list, jbytes(&b));
    free(b.p);
    return 0;
}

static int on_set_member(void *user, const rdbl_key_info *k, const rdbl_item *member)
{
    rt_elem e = {.a = item_copy(member), .expire_ms = -1};
    push_elem(user, e);
    (void)k;
    return 0;
}

static int on_zset_member(void *user, const rdbl_key_info *k, const rdbl_item *member,
                          double score)
{
    rt_elem e = {.a = item_copy(member), .score = score, .expire_ms = -1};
    push_elem(user, e);
    (void)k;
    return 0;
}

static int on_hash_field(void *user, const rdbl_key_info *k, const rdbl_item *field,
                         const rdbl_item *value, int64_t expire_ms)
{
    rt_elem e = {.a = item_copy(field), .b = item_copy(value), .expire_ms = expire_ms};
    push_elem(user, e);
    (void)k;
    return 0;
}

static int on_stream_meta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    rt_state *st = user;
    st->have_meta = true;
    st->stream_length = m->length;
    snprintf(st->stream_last_id, sizeof st->stream_last_id, "%" PRIu64 "-%" PRIu64,
             m->last_id.ms, m->last_id.seq);
    (void)k;
    return 0;
}

static int on_stream_entry(void *user, const rdbl_key_info *k, rdbl_stream_id id, bool deleted,
                           size_t nfields, const rdbl_item *fields, const rdbl_item *values)
{
    rt_state *st = user;
    if (deleted)
        return 0;
    if (!st->list) {
        event_error(st, "stream entry for a key of type %s", rdbl_type_name(k->type));
        return 0;
    }
    json_t *fv = json_array();
    for (size_t i = 0; i < nfields; i++) {
        rt_bytes f = item_copy(&fields[i]), v = item_copy(&values[i]);
        json_array_append_new(fv, json_pack("[oo]", jbytes(&f), jbytes(&v)));
        free(f.p);
        free(v.p);
    }
    json_array_append_new(st->list, json_pack("[oo]", jid(id), fv));
    return 0;
}

static rt_group *find_group(rt_state *st, rdbl_str name)
{
    for (size_t i = 0; i < st->ngroups; i++)
        if (bytes_eq(&st->groups[i].name, name))
            return &st->groups[i];
    return NULL;
}

static int on_stream_group(void *user, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    rt_state *st = user;
    if (find_group(st, g->name)) {
        event_error(st, "group reported twice");
        return 0;
    }
    st->groups = xrealloc(st->groups, (st->ngroups + 1) * sizeof *st->groups);
    rt_group *gr = &st->groups[st->ngroups++];
    memset(gr, 0, sizeof *gr);
    gr->name = bytes_copy(g->name.ptr, g->name.len);
    snprintf(gr->last_id, sizeof gr->last_id, "%" PRIu64 "-%" PRIu64, g->last_id.ms,
             g->last_id.seq);
    gr->pel = json_array();
    (void)k;
    return 0;
}

static int on_stream_pel(void *user, const rdbl_key_info *k, rdbl_str group, rdbl_stream_id id,
                         int64_t delivery_ms, uint64_t delivery_count)
{
    rt_state *st = user;
    rt_group *gr = find_group(st, group);
    if (!gr) {
        event_error(st, "PEL entry for a group not reported before");
        return 0;
    }
    json_array_append_new(gr->pel, json_pack("[oI]", jid(id), (json_int_t)delivery_count));
    (void)k;
    (void)delivery_ms;
    return 0;
}

static rt_consumer *find_consumer(rt_group *gr, rdbl_str name)
{
    for (size_t i = 0; i < gr->nconsumers; i++)
        if (bytes_eq(&gr->consumers[i].name, name))
            return &gr->consumers[i];
    return NULL;
}

static int on_stream_consumer(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    rt_state *st = user;
    rt_group *gr = find_group(st, c->group);
    if (!gr) {
        event_error(st, "consumer of a group not reported before");
        return 0;
    }
    if (find_consumer(gr, c->name)) {
        event_error(st, "consumer reported twice");
        return 0;
    }
    gr->consumers = xrealloc(gr->consumers, (gr->nconsumers + 1) * sizeof *gr->consumers);
    rt_consumer *co = &gr->consumers[gr->nconsumers++];
    co->name = bytes_copy(c->name.ptr, c->name.len);
    co->pel = json_array();
    (void)k;
    return 0;
}

static int on_stream_consumer_pel(void *user, const rdbl_key_info *k, rdbl_str group,
                                  rdbl_str consumer, rdbl_stream_id id)
{
    rt_state *st = user;
    rt_group *gr = find_group(st, group);
    rt_consumer *co = gr ? find_consumer(gr, consumer) : NULL;
    if (!co) {
        event_error(st, "consumer PEL entry for a consumer not reported before");
        return 0;
    }
    json_array_append_new(co->pel, jid(id));
    (void)k;
    return 0;
}

static int on_end(void *user, const rdbl_end_info *ei)
{
    rt_state *st = user;
    st->checksum = ei->checksum;
    st->ended = true;
    return 0;
}

/* ---- canonical values ---- */

static int cmp_member(const void *x, const void *y)
{
    return bytes_cmp(&((const rt_elem *)x)->a, &((const rt_elem *)y)->a);
}

static int cmp_scored(const void *x, const void *y)
{
    const rt_elem *a = x, *b = y;
    if (a->score < b->score)
        return -1;
    if (a->score > b->score)
        return 1;
    return bytes_cmp(&a->a, &b->a);
}

static int cmp_group(const void *x, const void *y)
{
    return bytes_cmp(&((const rt_group *)x)->name, &((const rt_group *)y)->name);
}

static int cmp_consumer(const void *x, const void *y)
{
    return bytes_cmp(&((const rt_consumer *)x)->name, &((const rt_consumer *)y)->name);
}

/* qsort, which must not be given NULL even for zero elements. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static json_t *score_json(double s)
{
    if (isinf(s))
        return json_string(s > 0 ? "inf" : "-inf");
    return json_real(s);
}

/* Builds the key's record; field_expire is set for hashes with field TTLs. */
static json_t *build_value(rt_state *st, const rdbl_key_info *k, json_t **field_expire)
{
    json_t *v = NULL;
    *field_expire = NULL;
    switch (k->type) {
    case RDBL_TYPE_STRING:
        v = jstr(st->str, st->str_len);
        break;
    case RDBL_TYPE_LIST:
        v = json_incref(st->list);
        break;
    case RDBL_TYPE_SET:
        sort(st->elems, st->nelems, sizeof *st->elems, cmp_member);
        v = json_array();
        for (size_t i = 0; i < st->nelems; i++)
            json_array_append_new(v, jbytes(&st->elems[i].a));
        break;
    case RDBL_TYPE_ZSET:
        sort(st->elems, st->nelems, sizeof *st->elems, cmp_scored);
        v = json_array();
        for (size_t i = 0; i < st->nelems; i++)
            json_array_append_new(v, json_pack("[oo]", jbytes(&st->elems[i].a),
                                               score_json(st->elems[i].score)));
        break;
    case RDBL_TYPE_HASH:
        sort(st->elems, st->nelems, sizeof *st->elems, cmp_member);
        v = json_object();
        for (size_t i = 0; i < st->nelems; i++) {
            char *f = tu_escape(st->elems[i].a.p, st->elems[i].a.len, NULL);
            if (json_object_get(v, f))
                event_error(st, "hash field reported twice");
            json_object_set_new(v, f, jbytes(&st->elems[i].b));
            if (st->elems[i].expire_ms >= 0) {
                if (!*field_expire)
                    *field_expire = json_object();
                json_object_set_new(*field_expire, f, json_integer(st->elems[i].expire_ms));
            }
            free(f);
        }
        break;
    case RDBL_TYPE_STREAM: {
        if (!st->have_meta)
            event_error(st, "no on_stream_meta");
        sort(st->groups, st->ngroups, sizeof *st->groups, cmp_group);
        json_t *groups = json_array();
        for (size_t g = 0; g < st->ngroups; g++) {
            rt_group *gr = &st->groups[g];
            sort(gr->consumers, gr->nconsumers, sizeof *gr->consumers, cmp_consumer);
            json_t *cons = json_array();
            for (size_t c = 0; c < gr->nconsumers; c++)
                json_array_append_new(cons, json_pack("{s:o,s:O}", "name",
                                                      jbytes(&gr->consumers[c].name), "pel",
                                                      gr->consumers[c].pel));
            json_array_append_new(groups, json_pack("{s:o,s:s,s:O,s:o}", "name",
                                                    jbytes(&gr->name), "last_id", gr->last_id,
                                                    "pel", gr->pel, "consumers", cons));
        }
        v = json_pack("{s:I,s:s,s:O,s:o}", "length", (json_int_t)st->stream_length, "last_id",
                      st->stream_last_id, "entries", st->list, "groups", groups);
        break;
    }
    default:
        v = json_null();
        break;
    }
    cr_assert(v != NULL);
    return v;
}

/* ---- comparison ---- */

static void short_dump(const json_t *j, char *out, size_t cap)
{
    char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(17));
    if (!s) {
        snprintf(out, cap, "(unprintable)");
        return;
    }
    size_t n = strlen(s);
    if (n >= cap && cap > 4)
        snprintf(out, cap, "%.*s...", (int)(cap - 4), s);
    else
        snprintf(out, cap, "%s", s);
    free(s);
}

/* At most max bytes of s from from, cut on a character boundary. */
static json_t *utf8_window(const char *s, size_t len, size_t from, size_t max)
{
    size_t end = len - from < max ? len : from + max;
    while (end > from && end < len && ((uint8_t)s[end] & 0xc0) == 0x80)
        end--;
    return json_stringn(s + from, end - from);
}

/* Writes the first difference between exp and got as "path: expected X, got Y". */
static void first_diff(const char *path, const json_t *exp, const json_t *got, char *out,
                       size_t cap)
{
    char sub[512], a[300], b[300];
    if (json_typeof(exp) == json_typeof(got)) {
        if (json_is_array(exp)) {
            size_t ne = json_array_size(exp), ng = json_array_size(got);
            for (size_t i = 0; i < ne && i < ng; i++) {
                if (!json_equal(json_array_get(exp, i), json_array_get(got, i))) {
                    snprintf(sub, sizeof sub, "%s[%zu]", path, i);
                    first_diff(sub, json_array_get(exp, i), json_array_get(got, i), out, cap);
                    return;
                }
            }
            short_dump(ne > ng ? json_array_get(exp, ng) : json_array_get(got, ne), a, sizeof a);
            snprintf(out, cap, "%s: expected %zu elements, got %zu (first %s one: %s)", path, ne,
                     ng, ne > ng ? "missing" : "extra", a);
            return;
        }
        if (json_is_object(exp)) {
            const char *key;
            json_t *ev;
            json_object_foreach((json_t *)exp, key, ev) {
                json_t *gv = json_object_get(got, key);
                if (!gv) {
                    short_dump(ev, a, sizeof a);
                    snprintf(out, cap, "%s: missing \"%s\" (expected %s)", path, key, a);
                    return;
                }
                if (!json_equal(ev, gv)) {
                    snprintf(sub, sizeof sub, "%s.%s", path, key);
                    first_diff(sub, ev, gv, out, cap);
                    return;
                }
            }
            json_t *gv;
            json_object_foreach((json_t *)got, key, gv) {
                if (!json_object_get(exp, key)) {
                    short_dump(gv, a, sizeof a);
                    snprintf(out, cap, "%s: unexpected \"%s\" (got %s)", path, key, a);
                    return;
                }
            }
        }
        if (json_is_string(exp)) {
            /* Long values: show where they part, not just their heads. */
            const char *se = json_string_value(exp), *sg = json_string_value(got);
            size_t le = json_string_length(exp), lg = json_string_length(got), i = 0;
            while (i < le && i < lg && se[i] == sg[i])
                i++;
            size_t from = i > 40 ? i - 40 : 0;
            while (from > 0 && ((uint8_t)se[from] & 0xc0) == 0x80)
                from--; /* start on a character boundary (both agree up to i) */
            json_t *we = utf8_window(se, le, from, 120), *wg = utf8_window(sg, lg, from, 120);
            short_dump(we ? we : exp, a, sizeof a);
            short_dump(wg ? wg : got, b, sizeof b);
            json_decref(we);
            json_decref(wg);
            snprintf(out, cap,
                     "%s: escaped strings of %zu and %zu bytes part at byte %zu; "
                     "from byte %zu: expected %s, got %s",
                     path, le, lg, i, from, a, b);
            return;
        }
    }
    short_dump(exp, a, sizeof a);
    short_dump(got, b, sizeof b);
    snprintf(out, cap, "%s: expected %s, got %s", path, a, b);
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *stats)
{
    rt_state *st = user;
    (void)stats;
    if (!st->in_key || !st->key) {
        st->unbalanced++;
        st->key = tu_escape(k->key.ptr, k->key.len, NULL);
    }
    st->keys++;
    json_t *field_expire;
    json_t *value = build_value(st, k, &field_expire);
    json_t *got = json_pack("{s:I,s:s,s:s,s:o,s:o}", "db", (json_int_t)k->db, "key", st->key,
                            "type", rdbl_type_name(k->type), "expire_ms",
                            k->has_expire ? json_integer(k->expire_ms) : json_null(), "value",
                            value);
    cr_assert(got != NULL);
    if (field_expire)
        json_object_set_new(got, "field_expire_ms", field_expire);

    size_t idlen = strlen(st->key) + 24;
    char *id = xmalloc(idlen);
    snprintf(id, idlen, "%" PRIu64 ":%s", k->db, st->key);
    json_t *where = json_object_get(st->expected, id);
    char diff[1024] = "";
    if (!where) {
        st->extra++;
        if (st->mismatched + st->extra <= MAX_REPORTED)
            fprintf(stderr, "%s: EXTRA key db=%" PRIu64 " key=\"%s\" (not in the .jsonl)\n",
                    st->file, k->db, st->key);
    } else {
        const char *line = st->expected_text + json_integer_value(where);
        json_error_t jerr;
        json_t *exp = json_loads(line, 0, &jerr);
        cr_assert(exp != NULL, "%s: cannot reparse the line of %s: %s", st->file, id, jerr.text);
        if (st->event_error[0])
            snprintf(diff, sizeof diff, "inconsistent events: %s", st->event_error);
        else if (!json_equal(exp, got))
            first_diff("", exp, got, diff, sizeof diff);
        if (diff[0]) {
            st->mismatched++;
            if (st->mismatched + st->extra <= MAX_REPORTED)
                fprintf(stderr, "%s: MISMATCH db=%" PRIu64 " key=\"%s\" (%s/%s): %s\n", st->file,
                        k->db, st->key, rdbl_type_name(k->type),
                        rdbl_encoding_name(k->encoding), diff);
        } else {
            st->matched++;
        }
        json_decref(exp);
        json_object_del(st->expected, id);
    }
    free(id);
    json_decref(got);
    key_reset(st);
    return 0;
}

/* ---- driver ---- */

/* Indexes the .jsonl by "db:key"; the lines stay in st->expected_text. */
static void load_expected(rt_state *st, const char *jsonl)
{
    size_t len;
    st->expected_text = tu_read_file(jsonl, &len);
    cr_assert(st->expected_text != NULL, "cannot read %s", jsonl);
    st->expected = json_object();
    char *p = st->expected_text, *end = p + len;
    size_t lineno = 0;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl)
            *nl = '\0';
        lineno++;
        if (*p) {
            json_error_t jerr;
            json_t *rec = json_loads(p, 0, &jerr);
            cr_assert(rec != NULL, "%s:%zu: %s", jsonl, lineno, jerr.text);
            json_int_t db;
            const char *key;
            cr_assert(json_unpack_ex(rec, &jerr, 0, "{s:I,s:s}", "db", &db, "key", &key) == 0,
                      "%s:%zu: %s", jsonl, lineno, jerr.text);
            size_t idlen = strlen(key) + 24;
            char *id = xmalloc(idlen);
            snprintf(id, idlen, "%" JSON_INTEGER_FORMAT ":%s", db, key);
            cr_assert(json_object_get(st->expected, id) == NULL, "%s:%zu: duplicate key %s",
                      jsonl, lineno, id);
            json_object_set_new(st->expected, id, json_integer(p - st->expected_text));
            free(id);
            json_decref(rec);
            st->expected_keys++;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* Parses rdb, compares every key with jsonl; fails the test on any difference. */
static void check_dump(const char *rdb, const char *jsonl)
{
    rt_state st = {.file = rdb, .checksum = RDBL_CHECKSUM_NOT_CHECKED};
    load_expected(&st, jsonl);
    cr_assert(st.expected_keys > 0, "%s holds no key", jsonl);

    rdbl_events ev = {
        .on_end = on_end,
        .on_begin_key = on_begin_key,
        .on_end_key = on_end_key,
        .on_string = on_string,
        .on_list_item = on_list_item,
        .on_set_member = on_set_member,
        .on_zset_member = on_zset_member,
        .on_hash_field = on_hash_field,
        .on_stream_meta = on_stream_meta,
        .on_stream_entry = on_stream_entry,
        .on_stream_group = on_stream_group,
        .on_stream_pel = on_stream_pel,
        .on_stream_consumer = on_stream_consumer,
        .on_stream_consumer_pel = on_stream_consumer_pel,
    };
    rdbl_error err = {0};
    rdbl_source *src = NULL;
    rdbl_status rc = rdbl_source_open_file(&src, rdb, NULL, &err);
    cr_assert(rc == RDBL_OK, "cannot open %s: %s: %s", rdb, rdbl_status_name(rc), err.msg);
    rc = rdbl_parse(src, &ev, &st, NULL, &err);
    rdbl_source_free(src);
    if (rc == RDBL_OK && st.in_key)
        st.unbalanced++;
    key_reset(&st);
    free(st.str);
    free(st.elems);

    size_t missing = json_object_size(st.expected);
    if (missing) {
        size_t shown = 0;
        const char *id;
        json_t *off;
        json_object_foreach(st.expected, id, off) {
            if (shown++ == MAX_REPORTED)
                break;
            fprintf(stderr, "%s: MISSING key %s (in the .jsonl, not parsed)\n", rdb, id);
        }
    }
    fprintf(stderr,
            "%s: %zu keys parsed, %zu expected: %zu match, %zu differ, %zu extra, %zu missing; "
            "parse %s, checksum %s\n",
            rdb, st.keys, st.expected_keys, st.matched, st.mismatched, st.extra, missing,
            rdbl_status_name(rc), st.ended ? rdbl_checksum_status_name(st.checksum) : "(no end)");
    json_decref(st.expected);
    free(st.expected_text);

    cr_assert(rc == RDBL_OK, "%s: parse failed: %s at offset %" PRIu64 " (%s, key \"%s\"): %s",
              rdb, rdbl_status_name(rc), err.offset, err.where, err.key, err.msg);
    cr_assert(st.ended && st.checksum == RDBL_CHECKSUM_OK, "%s: checksum %s", rdb,
              st.ended ? rdbl_checksum_status_name(st.checksum) : "never reported (no on_end)");
    cr_assert(st.unbalanced == 0, "%s: %zu on_begin_key/on_end_key out of pairs", rdb,
              st.unbalanced);
    cr_assert(st.mismatched == 0 && st.extra == 0 && missing == 0,
              "%s: %zu keys differ, %zu extra, %zu missing (details above)", rdb, st.mismatched,
              st.extra, missing);
    cr_assert(st.matched == st.expected_keys);
}

static char *testdata_path(const char *rel)
{
    char *dir = tu_path(tu_env("RDBL_SRCROOT", "."), "testdata");
    char *p = tu_path(tu_env("RDBL_TESTDATA", dir), rel);
    free(dir);
    return p;
}

static void check_committed(const char *stem)
{
    char rel[256];
    snprintf(rel, sizeof rel, "%s.rdb", stem);
    char *rdb = testdata_path(rel);
    snprintf(rel, sizeof rel, "%s.jsonl", stem);
    char *jsonl = testdata_path(rel);
    check_dump(rdb, jsonl);
    free(rdb);
    free(jsonl);
}

TestSuite(roundtrip, .timeout = 300);

Test(roundtrip, profile_default) { check_committed("roundtrip/default"); }
Test(roundtrip, profile_compress) { check_committed("roundtrip/compress"); }
Test(roundtrip, profile_nocompress) { check_committed("roundtrip/nocompress"); }
Test(roundtrip, profile_small) { check_committed("roundtrip/small"); }
Test(roundtrip, sample) { check_committed("sample"); }

/* Every dump in testdata/roundtrip/ has its .jsonl and a test above. */
Test(roundtrip, inventory)
{
    static const char *const known[] = {"default.rdb", "compress.rdb", "nocompress.rdb",
                                        "small.rdb"};
    char *dir = testdata_path("roundtrip");
    DIR *d = opendir(dir);
    cr_assert(d != NULL, "cannot open %s", dir);
    size_t found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".rdb") != 0)
            continue;
        bool is_known = false;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            is_known |= strcmp(e->d_name, known[i]) == 0;
        cr_expect(is_known, "%s/%s has no test in test_roundtrip.c", dir, e->d_name);
        found++;
    }
    closedir(d);
    free(dir);
    cr_assert(found == sizeof known / sizeof *known, "expected %zu dumps, found %zu",
              sizeof known / sizeof *known, found);
}

/* ---- live: fresh dumps from the installed redis-server ---- */

static char *live_dir; /* removed by live_fini, even when a check failed */

static void live_fini(void)
{
    if (live_dir)
        tu_rmtree(live_dir);
    free(live_dir);
    live_dir = NULL;
}

static void check_live(const char *profile, const char *seed)
{
    char *server = tu_which("redis-server");
    if (!server)
        cr_skip("redis-server not found: the live round trip needs it on PATH "
                "(run tools/setup); nothing was checked");
    free(server);
    char *python = tu_which("python3");
    if (!python)
        cr_skip("python3 not found: tools/gen-testdata needs it (run tools/setup); "
                "nothing was checked");
    char *tools = tu_path(tu_env("RDBL_SRCROOT", "."), "tools");
    char *gen = tu_path(tools, "gen-testdata");
    live_dir = tu_mkdtemp("rdbl-live");
    cr_assert(live_dir != NULL, "cannot create a temporary folder");

    char *argv[] = {python,    gen,           "--out",  live_dir,     "--keys", "50000",
                    "--profile", (char *)profile, "--seed", (char *)seed, NULL};
    char *out = NULL;
    int rc = tu_run(argv, &out);
    cr_assert(rc == 0, "tools/gen-testdata --profile %s exited with %d:\n%s", profile, rc,
              out ? out : "");
    fprintf(stderr, "%s", out);
    free(out);

    char stem[64];
    snprintf(stem, sizeof stem, "%s.rdb", profile);
    char *rdb = tu_path(live_dir, stem);
    snprintf(stem, sizeof stem, "%s.jsonl", profile);
    char *jsonl = tu_path(live_dir, stem);
    check_dump(rdb, jsonl);
    free(rdb);
    free(jsonl);
    free(gen);
    free(tools);
    free(python);
}

TestSuite(live, .timeout = 420, .fini = live_fini);

Test(live, default_50k) { check_live("default", "11"); }
Test(live, small_50k) { check_live("small", "12"); }
