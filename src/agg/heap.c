/* Bounded heap of key entries: the N best keys by (score, score2), used by
 * the top lists, the hottest keys and the advice examples.
 *
 *   e[0]            the worst entry kept (the one a better newcomer replaces)
 *   e[1..n-1]       a binary min-heap under rdbl__entry_cmp ("worse first")
 *
 * The order is total over every field an entry prints, so the set kept and
 * its sorted output are the same whatever order the keys came in: merged
 * shards give byte-identical lists. A key buffer is allocated when an entry
 * first takes a slot and reused (grown if needed) when it is replaced. */
#include "agg/agg_internal.h"

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
    return a > b ? -1 : a < b ? 1 : 0;
}
static int cmp_i64_asc(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

int rdbl__entry_cmp(const rdbl_key_entry *a, const rdbl_key_entry *b)
{
    int c;
    if ((c = cmp_u64_desc(a->score, b->score)))
        return c;
    if ((c = cmp_u64_desc(a->score2, b->score2)))
        return c;
    if (a->db != b->db)
        return a->db < b->db ? -1 : 1;
    size_t m = a->key_len < b->key_len ? a->key_len : b->key_len;
    if (m && (c = memcmp(a->key, b->key, m)))
        return c < 0 ? -1 : 1;
    if (a->key_len != b->key_len)
        return a->key_len < b->key_len ? -1 : 1;
    if (a->key_full_len != b->key_full_len)
        return a->key_full_len < b->key_full_len ? -1 : 1;
    /* Same key (the same key in two files, or truncation): rank by the rest. */
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    if ((c = strcmp(a->encoding, b->encoding)))
        return c < 0 ? -1 : 1;
    if ((c = cmp_u64_desc(a->mem_bytes, b->mem_bytes)) ||
        (c = cmp_u64_desc(a->elements, b->elements)) ||
        (c = cmp_u64_desc(a->rdb_bytes, b->rdb_bytes)) ||
        (c = cmp_u64_desc(a->largest_element, b->largest_element)) ||
        (c = cmp_u64_desc(a->value_bytes, b->value_bytes)) ||
        (c = cmp_u64_desc(a->detail, b->detail)))
        return c;
    if (a->has_expire != b->has_expire)
        return a->has_expire ? -1 : 1;
    if ((c = cmp_i64_asc(a->expire_ms, b->expire_ms)) || (c = cmp_i64_asc(a->idle_s, b->idle_s)) ||
        (c = cmp_i64_asc(a->freq, b->freq)))
        return c;
    return 0;
}

rdbl_status rdbl__kheap_init(rdbl__kheap *h, size_t cap)
{
    h->n = 0;
    h->cap = cap;
    h->e = NULL;
    h->floor = cap ? 0 : UINT64_MAX;
    if (cap) {
        h->e = calloc(cap, sizeof *h->e);
        if (!h->e)
            return RDBL_NOMEM;
    }
    return RDBL_OK;
}

void rdbl__kheap_free(rdbl__kheap *h)
{
    if (!h->e)
        return;
    for (size_t i = 0; i < h->cap; i++)
        free(h->e[i].key);
    free(h->e);
    h->e = NULL;
    h->n = h->cap = 0;
    h->floor = UINT64_MAX;
}

/* worse(a, b): a ranks after b. */
static bool worse(const rdbl_key_entry *a, const rdbl_key_entry *b)
{
    return rdbl__entry_cmp(a, b) > 0;
}

static void swap_e(rdbl_key_entry *a, rdbl_key_entry *b)
{
    rdbl_key_entry t = *a;
    *a = *b;
    *b = t;
}

static void sift_up(rdbl__kheap *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(&h->e[i], &h->e[p]))
            break;
        swap_e(&h->e[i], &h->e[p]);
        i = p;
    }
}

static void sift_down(rdbl__kheap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && worse(&h->e[l], &h->e[m]))
            m = l;
        if (r < h->n && worse(&h->e[r], &h->e[m]))
            m = r;
        if (m == i)
            break;
        swap_e(&h->e[i], &h->e[m]);
        i = m;
    }
}

/* Copies src's fields into slot dst, reusing dst's key buffer. */
static rdbl_status put(rdbl_key_entry *dst, const rdbl_key_entry *src)
{
    uint8_t *buf = dst->key;
    size_t cap = dst->cap_;
    if (src->key_len > cap || !buf) {
        size_t ncap = src->key_len < 32 ? 32 : src->key_len;
        uint8_t *nb = realloc(buf, ncap);
        if (!nb)
            return RDBL_NOMEM;
        buf = nb;
        cap = ncap;
    }
    if (src->key_len)
        memcpy(buf, src->key, src->key_len);
    *dst = *src;
    dst->key = buf;
    dst->cap_ = cap;
    return RDBL_OK;
}

rdbl_status rdbl__kheap_offer_entry(rdbl__kheap *h, const rdbl_key_entry *e)
{
    if (h->cap == 0)
        return RDBL_OK;
    if (h->n < h->cap) {
        rdbl_status st = put(&h->e[h->n], e);
        if (st != RDBL_OK)
            return st;
        h->n++;
        sift_up(h, h->n - 1);
        if (h->n == h->cap)
            h->floor = h->e[0].score;
        return RDBL_OK;
    }
    if (!worse(&h->e[0], e))
        return RDBL_OK; /* not better than the worst kept */
    rdbl_status st = put(&h->e[0], e);
    if (st != RDBL_OK)
        return st;
    sift_down(h, 0);
    h->floor = h->e[0].score;
    return RDBL_OK;
}

rdbl_status rdbl__kheap_offer_slow(rdbl__kheap *h, const rdbl_key_facts *f, uint64_t score,
                                   uint64_t score2, uint64_t detail)
{
    if (h->cap == 0)
        return RDBL_OK;
    rdbl_key_entry e;
    memset(&e, 0, sizeof e);
    e.db = f->db;
    e.key = (uint8_t *)(uintptr_t)f->key.ptr; /* borrowed: put() copies it */
    e.key_len = f->key.len > RDBL_KEY_KEEP_MAX ? RDBL_KEY_KEEP_MAX : f->key.len;
    e.key_full_len = f->key.len;
    e.type = f->type;
    snprintf(e.encoding, sizeof e.encoding, "%s", rdbl__mem_enc(f));
    e.elements = f->elements;
    e.mem_bytes = f->mem_bytes;
    e.rdb_bytes = f->rdb_bytes;
    e.largest_element = f->largest_element;
    e.value_bytes = f->value_bytes;
    e.has_expire = f->has_expire;
    e.expire_ms = f->has_expire ? f->expire_ms : 0;
    e.idle_s = f->idle_s < 0 ? -1 : f->idle_s;
    e.freq = f->freq < 0 ? -1 : f->freq;
    e.score = score;
    e.score2 = score2;
    e.detail = detail;
    return rdbl__kheap_offer_entry(h, &e);
}

rdbl_status rdbl__kheap_merge(rdbl__kheap *dst, const rdbl__kheap *src)
{
    for (size_t i = 0; i < src->n; i++) {
        rdbl_status st = rdbl__kheap_offer_entry(dst, &src->e[i]);
        if (st != RDBL_OK)
            return st;
    }
    return RDBL_OK;
}

static int cmp_ptr(const void *a, const void *b)
{
    return rdbl__entry_cmp(*(const rdbl_key_entry *const *)a,
                           *(const rdbl_key_entry *const *)b);
}

size_t rdbl__kheap_sorted(const rdbl__kheap *h, const rdbl_key_entry **out, size_t cap)
{
    if (h->n == 0 || cap == 0)
        return 0;
    const rdbl_key_entry **all = out;
    const rdbl_key_entry *small[64];
    bool heap_alloc = false;
    if (cap < h->n) {
        if (h->n <= 64) {
            all = small;
        } else {
            all = malloc(h->n * sizeof *all);
            if (!all)
                return 0;
            heap_alloc = true;
        }
    }
    for (size_t i = 0; i < h->n; i++)
        all[i] = &h->e[i];
    qsort(all, h->n, sizeof *all, cmp_ptr);
    size_t n = h->n < cap ? h->n : cap;
    if (all != out)
        memcpy(out, all, n * sizeof *out);
    if (heap_alloc)
        free(all);
    return n;
}

static json_t *entry_to_json(const rdbl_key_entry *e, const char *detail_name)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    int rc = 0;
    rc |= rdbl__jset_u(j, "db", e->db);
    rc |= rdbl__jset(j, "key", rdbl__jkey(e->key, e->key_len));
    if (e->key_full_len != e->key_len) {
        rc |= rdbl__jset(j, "key_truncated", json_true());
        rc |= rdbl__jset_u(j, "key_bytes", e->key_full_len);
    }
    rc |= rdbl__jset(j, "type", json_string(rdbl_type_name(e->type)));
    rc |= rdbl__jset(j, "encoding", json_string(e->encoding));
    rc |= rdbl__jset_u(j, "elements", e->elements);
    rc |= rdbl__jset_u(j, "memory_bytes", e->mem_bytes);
    rc |= rdbl__jset_u(j, "rdb_bytes", e->rdb_bytes);
    rc |= rdbl__jset_u(j, "largest_element_bytes", e->largest_element);
    rc |= rdbl__jset_u(j, "value_bytes", e->value_bytes);
    rc |= rdbl__jset(j, "expire_ms", e->has_expire ? json_integer(e->expire_ms) : json_null());
    if (e->idle_s >= 0)
        rc |= rdbl__jset(j, "idle_s", json_integer(e->idle_s));
    if (e->freq >= 0)
        rc |= rdbl__jset(j, "freq", json_integer(e->freq));
    if (detail_name)
        rc |= rdbl__jset_u(j, detail_name, e->detail);
    if (rc) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *rdbl__kheap_to_json(const rdbl__kheap *h, const char *detail_name)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    const rdbl_key_entry **v = h->n ? malloc(h->n * sizeof *v) : NULL;
    if (h->n && !v) {
        json_decref(arr);
        return NULL;
    }
    size_t n = rdbl__kheap_sorted(h, v, h->n);
    for (size_t i = 0; i < n; i++) {
        json_t *e = entry_to_json(v[i], detail_name);
        if (!e || json_array_append_new(arr, e)) {
            free(v);
            json_decref(arr);
            return NULL;
        }
    }
    free(v);
    return arr;
}

static rdbl_status entry_from_json(const json_t *j, rdbl_key_entry *e, const char *detail_name,
                                   rdbl_error *err)
{
    rdbl_status st;
    memset(e, 0, sizeof *e);
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "key entry", "expected an object");
    if ((st = rdbl__jget_u64(j, "db", &e->db, err)))
        return st;
    size_t len;
    if ((st = rdbl__jget_key(j, "key", &e->key, &len, err)))
        return st;
    e->key_len = len > RDBL_KEY_KEEP_MAX ? RDBL_KEY_KEEP_MAX : len;
    e->key_full_len = len;
    uint64_t full = 0;
    if ((st = rdbl__jget_u64(j, "key_bytes", &full, err)))
        goto fail;
    if (full > e->key_full_len)
        e->key_full_len = full;
    char tname[32];
    if ((st = rdbl__jget_str(j, "type", tname, sizeof tname, err)))
        goto fail;
    if (!rdbl__type_from_name(tname, &e->type)) {
        st = rdbl__fail(err, RDBL_CORRUPT, 0, "type", "unknown type \"%s\"", tname);
        goto fail;
    }
    if ((st = rdbl__jget_str(j, "encoding", e->encoding, sizeof e->encoding, err)) ||
        (st = rdbl__jget_u64(j, "elements", &e->elements, err)) ||
        (st = rdbl__jget_u64(j, "memory_bytes", &e->mem_bytes, err)) ||
        (st = rdbl__jget_u64(j, "rdb_bytes", &e->rdb_bytes, err)) ||
        (st = rdbl__jget_u64(j, "largest_element_bytes", &e->largest_element, err)) ||
        (st = rdbl__jget_u64(j, "value_bytes", &e->value_bytes, err)))
        goto fail;
    const json_t *x = json_object_get(j, "expire_ms");
    if (x && !json_is_null(x)) {
        e->has_expire = true;
        if ((st = rdbl__jget_i64(j, "expire_ms", &e->expire_ms, 0, err)))
            goto fail;
    }
    int64_t fr;
    if ((st = rdbl__jget_i64(j, "idle_s", &e->idle_s, -1, err)) ||
        (st = rdbl__jget_i64(j, "freq", &fr, -1, err)))
        goto fail;
    if (e->idle_s < 0)
        e->idle_s = -1;
    e->freq = fr < 0 ? -1 : fr > 255 ? 255 : (int)fr;
    if (detail_name && (st = rdbl__jget_u64(j, detail_name, &e->detail, err)))
        goto fail;
    return RDBL_OK;
fail:
    free(e->key);
    e->key = NULL;
    return st;
}

rdbl_status rdbl__kheap_add_json(rdbl__kheap *h, const json_t *arr, rdbl__rescore_fn rescore,
                                 const char *detail_name, rdbl_error *err)
{
    if (!arr)
        return RDBL_OK;
    if (!json_is_array(arr))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "key list", "expected an array");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        rdbl_key_entry e;
        rdbl_status st = entry_from_json(json_array_get(arr, i), &e, detail_name, err);
        if (st != RDBL_OK)
            return st;
        rescore(&e);
        st = rdbl__kheap_offer_entry(h, &e);
        free(e.key);
        if (st != RDBL_OK)
            return st;
    }
    return RDBL_OK;
}
