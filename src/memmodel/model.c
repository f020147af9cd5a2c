/* The per-key state machine of the memory model: parser events in, one
 * MEMORY USAGE-equivalent per key out (memory-model.md §4-§6, §8).
 *
 * Per key the events are folded into a fixed-size state (counts, sums of
 * allocation sizes, listpack sizes computed from the elements, dict
 * simulations, radix-tree counters), and on_end_key turns that state into the
 * figure the target server's objectComputeSize() + key terms would give:
 *
 *     on_begin_key -> reset, decide which events are needed
 *     on_string / element events / on_blob / stream events -> accumulate
 *     on_end_key -> price the value as the loading server encodes it
 *                   (live state: with the §6 heuristics), add the key terms,
 *                   fill `last`, add to the totals
 *
 * Nothing here allocates: every sum is a running total, every structure that
 * would grow with the data (dicts, radix trees) is simulated or counted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "memmodel/model.h"
#include "parser/blob.h"

/* ---- small helpers ---- */

static inline size_t J(const rdbl_memmodel *m, size_t n)
{
    return rdbl__J(&m->a, n);
}

static uint64_t sds_req(const rdbl_memmodel *m, uint64_t len)
{
    return rdbl__sds_hdr((size_t)len, m->p->sds_kind) + len + 1;
}

static uint64_t pow2_at_least(uint64_t v)
{
    uint64_t p = 1;
    while (p < v && p < ((uint64_t)1 << 62))
        p <<= 1;
    return p;
}

/* ---- target resolution ---- */

void rdbl__mm_resolve(rdbl_memmodel *m)
{
    if (m->resolved)
        return;
    if (m->cfg.target == RDBL_TARGET_AUTO) {
        m->cfg.target = rdbl_mem_target_guess(
            m->rdb_version, m->valkey_magic, m->redis_ver[0] ? m->redis_ver : NULL,
            m->valkey_ver[0] ? m->valkey_ver : NULL, m->cfg.warning, sizeof m->cfg.warning);
    }
    m->p = rdbl__profile_get(m->cfg.target);
    /* Valkey 8.1+: the TTL sits in the robj, the expires table holds a
     * pointer; elsewhere a dictEntry */
    m->expire_entry = m->p->key_model == RDBL__KEY_VK_ROBJ ? 8 : m->j24;
    m->resolved = true;
}

/* ---- file-level events ---- */

static int on_begin(void *user, const rdbl_file_info *fi)
{
    rdbl_memmodel *m = user;
    m->rdb_version = fi->rdb_version;
    m->valkey_magic = fi->producer == RDBL_PRODUCER_VALKEY;
    return 0;
}

static int on_aux(void *user, const rdbl_item *name, const rdbl_item *value)
{
    rdbl_memmodel *m = user;
    char nb[16];
    size_t nl = rdbl_item_text(name, nb, sizeof nb - 1);
    if (nl >= sizeof nb)
        return 0;
    nb[nl] = '\0';
    char *dst = NULL;
    if (!strcmp(nb, "redis-ver"))
        dst = m->redis_ver;
    else if (!strcmp(nb, "valkey-ver"))
        dst = m->valkey_ver;
    if (dst && !m->resolved) {
        size_t vl = rdbl_item_text(value, dst, sizeof m->redis_ver - 1);
        dst[vl < sizeof m->redis_ver - 1 ? vl : sizeof m->redis_ver - 1] = '\0';
    } else if (!strcmp(nb, "used-mem")) {
        int64_t v;
        if (rdbl__mm_item_int(value, &v))
            m->writer_used_mem = v;
    }
    return 0;
}

/* A file without keys still gets its target resolved. */
static int on_end(void *user, const rdbl_end_info *ei)
{
    (void)ei;
    rdbl__mm_resolve(user);
    return 0;
}

static int on_db(void *user, uint64_t db)
{
    rdbl__mm_db_switch(user, db);
    return 0;
}

static int on_resize_db(void *user, uint64_t db, uint64_t keys, uint64_t expires)
{
    (void)db;
    (void)keys;
    (void)expires;
    (void)user;
    return 0;
}

/* ---- keys ---- */

static int on_begin_key(void *user, const rdbl_key_info *k)
{
    rdbl_memmodel *m = user;
    if (RDBL_UNLIKELY(!m->resolved)) /* the first key: no call for the others */
        rdbl__mm_resolve(m);
    if (k->db != m->cur_db || !m->db_seen)
        rdbl__mm_db_switch(m, k->db);
    mmkey *s = &m->k;
    /* the head only (~100 bytes, a few stores); the element part for the
     * keys that are not strings; the ring and the stream counters when a
     * key first uses them */
    memset(s, 0, MMKEY_HEAD_SIZE);
    s->type = k->type;
    s->enc = k->encoding;
    s->rdb_type = k->rdb_type;
    s->keylen = k->key.len;
    s->has_expire = k->has_expire;
    s->active = true;
    if (k->type != RDBL_TYPE_STRING)
        mmkey_elements(s);

    switch (k->type) {
    case RDBL_TYPE_STRING:
        /* An LZF string is longer than 20 bytes (redis compresses only
         * those), so it cannot be an integer: its length is enough. */
        return k->encoding == RDBL_ENC_LZF ? RDBL_SKIP : 0;
    case RDBL_TYPE_MODULE:
        return 0; /* on_module gives the payload size */
    case RDBL_TYPE_STREAM:
        return 0; /* groups, PELs and consumers; never the entries */
    case RDBL_TYPE_LIST:
    case RDBL_TYPE_SET:
    case RDBL_TYPE_ZSET:
    case RDBL_TYPE_HASH:
        /* Verbatim blobs are priced from their on_blob sizes (sent for
         * skipped keys too); when the loader converts one, its entries are
         * read from the blob bytes. Everything else needs its elements. */
        switch (k->encoding) {
        case RDBL_ENC_QUICKLIST2:
        case RDBL_ENC_INTSET:
        case RDBL_ENC_LISTPACK:
        case RDBL_ENC_LISTPACK_TTL:
            s->skipped = true;
            return RDBL_SKIP;
        default:
            return 0;
        }
    default:
        return RDBL_SKIP; /* vendor types: not modelled */
    }
}

/* Elements of list types priced from their elements (1, 10, 14). */
static void list_close_node(rdbl_memmodel *m, mmkey *s)
{
    if (s->node_items == 0)
        return;
    uint64_t bytes = m->p->ziplist ? s->node_zl.bytes : s->node_lp;
    s->nodes++;
    if (s->node_plain) {
        s->node_sum += m->p->ql_node + J(m, (size_t)s->node_plain_len);
        s->node_alloc += J(m, m->p->ql_node) + J(m, (size_t)s->node_plain_len);
        s->node_raw += s->node_plain_len;
    } else if (m->p->ziplist) {
        s->node_sum += m->p->ql_node + bytes; /* 6.2 counts ziplistBlobLen */
        s->node_alloc += J(m, m->p->ql_node) + J(m, (size_t)bytes);
        s->node_raw += bytes;
    } else {
        s->node_sum += m->p->ql_node + J(m, (size_t)bytes);
        s->node_alloc += J(m, m->p->ql_node) + J(m, (size_t)bytes);
        s->node_raw += bytes;
    }
    s->last_node_bytes = bytes;
    s->node_items = 0;
    s->node_lp = RDBL__LP_EMPTY;
    s->node_plain = false;
    rdbl__zl_init(&s->node_zl);
}

/* quicklistPushTail's node choice (src/quicklist.c _quicklistNodeAllowInsert),
 * for a value of sz bytes: may it go into the current tail node? */
static bool list_allow_insert(const rdbl_memmodel *m, const mmkey *s, uint64_t sz)
{
    static const uint64_t levels[] = {4096, 8192, 16384, 32768, 65536};
    if (s->node_items == 0 || s->node_plain)
        return false;
    int64_t fill = m->cfg.th.list_max_listpack_size;
    uint64_t new_sz;
    if (m->p->ziplist) /* 6.2: the ziplist growth, prevlen and encoding bytes */
        new_sz = s->node_zl.bytes + sz + (sz < 254 ? 1 : 5) + (sz < 64 ? 1 : (sz < 16384 ? 2 : 5));
    else
        new_sz = s->node_lp + sz + 8; /* SIZE_ESTIMATE_OVERHEAD */
    if (fill < 0) {
        uint64_t off = (uint64_t)(-fill) - 1;
        return new_sz <= levels[off > 4 ? 4 : off];
    }
    return new_sz <= 8192 && (int64_t)s->node_items < fill;
}

static void list_push_item(rdbl_memmodel *m, mmkey *s, const rdbl_item *it)
{
    uint64_t sz = it->len;
    bool large;
    if (m->p->plain_large) {
        int64_t fill = m->cfg.th.list_max_listpack_size;
        static const uint64_t levels[] = {4096, 8192, 16384, 32768, 65536};
        uint64_t lim = 8192;
        if (fill < 0) {
            uint64_t off = (uint64_t)(-fill) - 1;
            lim = levels[off > 4 ? 4 : off];
            large = sz > lim;
        } else {
            large = sz > 8192;
        }
    } else {
        large = sz >= ((uint64_t)1 << 30);
    }
    if (large) {
        list_close_node(m, s);
        s->node_plain = true;
        s->node_plain_len = sz;
        s->node_items = 1;
        list_close_node(m, s);
        return;
    }
    if (!list_allow_insert(m, s, sz))
        list_close_node(m, s);
    s->node_items++;
    s->node_lp += rdbl__lp_item_entry(it);
    rdbl__zl_push_item(&s->node_zl, it);
}

/* Type 14 (quicklist of ziplists): node boundaries come from the file. The
 * blob event may come before or after its items; both orders work. */
static void ql14_item(rdbl_memmodel *m, mmkey *s, const rdbl_item *it)
{
    s->node_items++;
    s->node_lp += rdbl__lp_item_entry(it);
    rdbl__zl_push_item(&s->node_zl, it);
    if (s->node_expect && s->node_items >= s->node_expect) {
        list_close_node(m, s);
        s->node_expect = 0;
    }
}

static void note_element(mmkey *s, const rdbl_item *it)
{
    s->payload += it->len;
    if (it->len > s->maxlen)
        s->maxlen = it->len;
}

static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *chunk,
                     uint64_t chunk_offset, uint64_t total_len)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    s->str_len = total_len;
    s->str_seen = true;
    if (chunk->is_int) {
        s->str_int = true;
        s->str_ival = chunk->ival;
        s->str_len = chunk->len;
        return 0;
    }
    /* keep the first 21 bytes: enough to decide integer-ness */
    if (chunk->ptr && chunk_offset < sizeof s->str_buf) {
        size_t n = chunk->len;
        if (n > sizeof s->str_buf - chunk_offset)
            n = sizeof s->str_buf - (size_t)chunk_offset;
        memcpy(s->str_buf + chunk_offset, chunk->ptr, n);
        if (chunk_offset + n > s->str_have)
            s->str_have = (size_t)(chunk_offset + n);
    }
    return 0;
}

static int on_list_item(void *user, const rdbl_key_info *k, const rdbl_item *item)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    s->n++;
    note_element(s, item);
    if (s->enc == RDBL_ENC_QUICKLIST)
        ql14_item(m, s, item);
    else if (s->enc == RDBL_ENC_LINKEDLIST || s->enc == RDBL_ENC_ZIPLIST)
        list_push_item(m, s, item);
    else
        s->items_unused = true; /* type 18: priced from its nodes */
    return 0;
}

static int on_set_member(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    int64_t v = 0;
    bool isint = rdbl__mm_item_int(it, &v);
    uint64_t idx = s->n++;
    note_element(s, it);
    uint64_t req = sds_req(m, it->len);
    s->sds_sum += J(m, (size_t)req);
    s->sds_req_sum += req;
    uint64_t le = isint ? rdbl__lp_int_entry(v) : rdbl__lp_str_entry(it->len);
    s->lp_bytes += le;
    if (isint) {
        if (!s->have_int || v < s->imin)
            s->imin = v;
        if (!s->have_int || v > s->imax)
            s->imax = v;
        s->have_int = true;
        if (s->first_nonint == UINT64_MAX) {
            s->pre_min = s->imin;
            s->pre_max = s->imax;
        }
    } else {
        s->all_int = false;
        if (s->first_nonint == UINT64_MAX) {
            s->first_nonint = idx;
            s->pre_lp = s->lp_bytes - le;
        }
    }
    /* 7.2+ listpack set loading: the first member that does not fit */
    if (s->first_lp_break == UINT64_MAX && s->first_nonint != UINT64_MAX &&
        ((int64_t)idx >= m->cfg.th.set_max_listpack_entries ||
         (int64_t)s->maxlen > m->cfg.th.set_max_listpack_value))
        s->first_lp_break = idx;
    return 0;
}

/* The listpack entry of a zset score as d2string() writes it in `style`,
 * and (zl not NULL) its ziplist entry. Integral scores in the style's
 * integer range are written as "%lld" text, which the server stores as that
 * integer, and %.17g text is never an integer: both are sized without
 * formatting. Zero ("-0" is not an integer), the shortest-text style and
 * the rest take the text. */
static uint64_t score_entry(double score, int style, rdbl__zl *zl)
{
    /* rdbl__score_text's ranges: 6.2 (-2^52 + 1, 2^52) exclusive, else
     * +-LLONG_MAX/2 (2^62 as a double) inclusive; for integral values */
    double lim_lo = style == RDBL__SCORE_62 ? -4503599627370494.0 : -4611686018427387903.0;
    double lim_hi = style == RDBL__SCORE_62 ? 4503599627370495.0 : 4611686018427387903.0;
    if (score != 0 && score >= lim_lo && score <= lim_hi && (double)(int64_t)score == score) {
        int64_t v = (int64_t)score;
        if (zl)
            rdbl__zl_push_int(zl, v);
        return rdbl__lp_int_entry(v);
    }
    /* Non-integral scores print as %.17g (6.2, 7.0) with a '.' or an
     * exponent, never as an integer: only the length matters. */
    if (style != RDBL__SCORE_SHORT && score > -4503599627370496.0 &&
        score < 4503599627370496.0 && (double)(int64_t)score != score) {
        size_t len = rdbl__score_g17_len(score);
        if (len) {
            if (zl)
                rdbl__zl_push_str(zl, len);
            return rdbl__lp_str_entry(len);
        }
    }
    char buf[48];
    size_t sl = rdbl__score_text(score, style, buf, sizeof buf);
    rdbl_item sc = {.ptr = (const uint8_t *)buf, .len = sl < sizeof buf ? sl : sizeof buf};
    if (zl)
        rdbl__zl_push_item(zl, &sc);
    return rdbl__lp_item_entry(&sc);
}

static int on_zset_member(void *user, const rdbl_key_info *k, const rdbl_item *it, double score)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    s->n++;
    note_element(s, it);
    uint64_t req = sds_req(m, it->len);
    s->sds_sum += J(m, (size_t)req);
    s->sds_req_sum += req;
    int64_t v;
    bool mint = rdbl__mm_item_int(it, &v);
    uint64_t me = mint ? rdbl__lp_int_entry(v) : rdbl__lp_str_entry(it->len);
    /* the ziplist sizes matter to 6.2 profiles only (price.c reads zl.bytes
     * only when m->p->ziplist) */
    rdbl__zl *zl = m->p->ziplist ? &s->zl : NULL;
    if (zl) {
        if (mint) /* integers always fit zipTryEncoding's 1..31 characters */
            rdbl__zl_push_int(zl, v);
        else
            rdbl__zl_push_str(zl, it->len);
    }
    int style = m->p->score_style;
    if (s->enc == RDBL_ENC_ZIPLIST)
        style = RDBL__SCORE_62; /* the text an old server wrote into its ziplist */
    uint64_t se = score_entry(score, style, zl);
    s->lp_bytes += me + se;
    /* the 7.0 load conversion's listpack, with the loader's own score text */
    if (style != m->p->score_style)
        se = score_entry(score, m->p->score_style, NULL);
    s->lp2_bytes += me + se;
    return 0;
}

static int on_hash_field(void *user, const rdbl_key_info *k, const rdbl_item *field,
                         const rdbl_item *value, int64_t expire_ms)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    uint64_t idx = s->n++;
    s->payload += field->len + value->len;
    uint64_t ml = field->len > value->len ? field->len : value->len;
    if (ml > s->maxlen)
        s->maxlen = ml;
    if (s->first_long == UINT64_MAX && (int64_t)ml > m->cfg.th.hash_max_listpack_value)
        s->first_long = idx;
    uint64_t fe = rdbl__lp_item_entry(field), ve = rdbl__lp_item_entry(value);
    s->lp_bytes += fe + ve;
    if (m->p->ziplist) { /* zl.bytes is read by 6.2 profiles only */
        rdbl__zl_push_item(&s->zl, field);
        rdbl__zl_push_item(&s->zl, value);
    }
    uint64_t vreq = sds_req(m, value->len);
    uint64_t freq = rdbl__mm_field_req(m, field->len, expire_ms >= 0);
    s->sds_sum += J(m, (size_t)freq) + J(m, (size_t)vreq);
    s->sds_req_sum += freq + vreq;
    if (m->p->vk_hashtable) {
        /* Valkey 8.1+ hash entry (t_hash.c hashTypeCreateEntry): field and
         * value in one allocation up to 128 bytes (value as sds type 8, with
         * the TTL in front when it has one), else value pointer + field */
        uint64_t fsz = rdbl__sds_hdr(field->len, RDBL__SDS_VALKEY) + field->len + 1;
        uint64_t vsz = 3 + value->len + 1;
        uint64_t ttl = expire_ms >= 0 ? 8 : 0;
        if (fsz + vsz + ttl <= 128) {
            s->vk_entries += J(m, (size_t)(ttl + fsz + vsz));
        } else {
            uint64_t f8 = (field->len < 32 ? 3 : rdbl__sds_hdr(field->len, RDBL__SDS_VALKEY)) +
                          field->len + 1;
            s->vk_entries += J(m, (size_t)(ttl + 8 + f8)) + J(m, (size_t)vreq);
        }
    }
    if (expire_ms >= 0) {
        s->ttl_fields++;
        s->lpex_bytes += fe + ve + rdbl__lp_int_entry(expire_ms);
    } else {
        s->lpex_bytes += fe + ve + rdbl__lp_int_entry(0);
    }
    return 0;
}

/* A type-18 node: PLAIN nodes cost their element, PACKED nodes their
 * listpack. With list-compress-depth d on the loader, every node but the
 * first d and the last d holds a quicklistLZF instead (8-byte size + LZF
 * bytes, when that saves at least 8 bytes): the LZF length is the one the
 * file stores, as redis's RDB and in-memory compression are the same LZF. */
static void ql2_node(rdbl_memmodel *m, mmkey *s, const rdbl_blob *b)
{
    bool plain = b->kind == RDBL_BLOB_PLAIN;
    /* 6.2 counts a node's blob length, not its allocation */
    uint64_t full = m->p->ziplist ? b->size : J(m, (size_t)b->size);
    uint64_t cost = full;
    uint64_t idx = s->nodes++; /* 0-based */
    int64_t depth = m->cfg.th.list_compress_depth;
    if (plain)
        s->plain_nodes++;
    if (idx == 0)
        s->first_blob_size = b->size;
    s->blob_count += b->count;
    s->node_raw += b->size;
    s->last_node_bytes = b->size;
    if (depth > 0 && !plain) {
        if (depth > RDBL__QL_RING) {
            s->approx = true;
        } else if ((int64_t)idx >= depth) {
            uint64_t comp = full;
            if (b->size >= 48 && b->lzf && b->stored_size + 8 < b->size)
                comp = J(m, (size_t)(8 + b->stored_size));
            else if (b->size >= 48 && !b->lzf)
                s->approx = true; /* stored plain: its LZF length is unknown */
            cost = comp;
            /* remember what to give back if this node ends up in the last d */
            mmkey_ring(s)[(idx - (uint64_t)depth) % (uint64_t)depth] = (int64_t)(full - comp);
        }
    }
    s->node_sum += m->p->ql_node + cost;
    s->node_alloc += J(m, m->p->ql_node) + cost;
}

static int on_set_member(void *user, const rdbl_key_info *k, const rdbl_item *it);
static int on_zset_member(void *user, const rdbl_key_info *k, const rdbl_item *it, double score);
static int on_hash_field(void *user, const rdbl_key_info *k, const rdbl_item *field,
                         const rdbl_item *value, int64_t expire_ms);

/* Does the loading server convert this verbatim blob to a hashtable or a
 * skiplist? Then the model needs its entries. */
static bool blob_converts(const rdbl_memmodel *m, const mmkey *s, const rdbl_blob *b)
{
    const rdbl_mem_thresholds *th = &m->cfg.th;
    switch (s->type) {
    case RDBL_TYPE_SET:
        return (int64_t)b->count > (s->enc == RDBL_ENC_INTSET ? th->set_max_intset_entries
                                                               : th->set_max_listpack_entries);
    case RDBL_TYPE_ZSET:
        return (int64_t)(b->count / 2) > th->zset_max_listpack_entries;
    case RDBL_TYPE_HASH:
        return (int64_t)(b->count / (s->enc == RDBL_ENC_LISTPACK_TTL ? 3 : 2)) >
               th->hash_max_listpack_entries;
    default:
        return false;
    }
}

/* Reads the entries of a skipped key's verbatim blob (validated by the
 * parser) into the element accumulators. */
static void walk_blob(rdbl_memmodel *m, const rdbl_key_info *k, const rdbl_blob *b)
{
    rdbl_item e[3];
    if (b->kind == RDBL_BLOB_INTSET) {
        rdbl__is_iter it;
        rdbl__is_iter_init(&it, b->data, (size_t)b->size);
        while (rdbl__is_next(&it, &e[0]))
            on_set_member(m, k, &e[0]);
        return;
    }
    if (b->kind != RDBL_BLOB_LISTPACK)
        return;
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, b->data, (size_t)b->size);
    int group = m->k.type == RDBL_TYPE_SET ? 1 : (m->k.enc == RDBL_ENC_LISTPACK_TTL ? 3 : 2);
    for (;;) {
        for (int i = 0; i < group; i++)
            if (!rdbl__lp_next(&it, &e[i]))
                return;
        if (group == 1) {
            on_set_member(m, k, &e[0]);
        } else if (m->k.type == RDBL_TYPE_ZSET) {
            double sc = 0;
            if (e[1].is_int) {
                sc = (double)e[1].ival;
            } else {
                char buf[64];
                size_t n = e[1].len < sizeof buf - 1 ? e[1].len : sizeof buf - 1;
                memcpy(buf, e[1].ptr, n);
                buf[n] = '\0';
                sc = strtod(buf, NULL);
            }
            on_zset_member(m, k, &e[0], sc);
        } else {
            int64_t ttl = group == 3 && e[2].is_int && e[2].ival != 0 ? e[2].ival : -1;
            on_hash_field(m, k, &e[0], &e[1], ttl);
        }
    }
}

static int on_blob(void *user, const rdbl_key_info *k, const rdbl_blob *b)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    s->got_blob = true;
    switch (b->kind) {
    case RDBL_BLOB_STREAM_NODE: {
        mmkey_stream(s);
        uint8_t id[16];
        rdbl__stream_id_bytes(b->node_id, id);
        rdbl__raxc_add(&s->rax_nodes, id, &m->a);
        s->st_nodes++;
        s->st_node_sum += J(m, (size_t)b->size);
        s->st_node_raw += b->size;
        s->st_last_node = b->size;
        return 0;
    }
    case RDBL_BLOB_PLAIN:
    case RDBL_BLOB_LISTPACK:
    case RDBL_BLOB_ZIPLIST:
        if (s->type == RDBL_TYPE_LIST && s->enc == RDBL_ENC_QUICKLIST) {
            /* type 14: a ziplist node; it ends the node of the items before
             * it, or announces how many items the next node has */
            if (s->node_items > 0 && s->node_expect == 0)
                list_close_node(m, s);
            else
                s->node_expect = b->count;
            s->blobs++;
            return 0;
        }
        if (s->type == RDBL_TYPE_LIST && s->enc == RDBL_ENC_QUICKLIST2) {
            ql2_node(m, s, b);
            return 0;
        }
        /* one verbatim blob */
        /* fall through */
    case RDBL_BLOB_INTSET:
    case RDBL_BLOB_ZIPMAP:
        s->blobs++;
        s->blob_size += b->size;
        s->blob_count += b->count;
        if (s->skipped && s->n == 0 && b->data && blob_converts(m, s, b))
            walk_blob(m, k, b);
        return 0;
    }
    return 0;
}

static int on_stream_meta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *sm)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey_stream(&m->k);
    m->k.st_meta_nodes = sm->nodes;
    m->k.st_have_meta = true;
    return 0;
}

static void stream_close_consumer(rdbl_memmodel *m, mmkey *s)
{
    mmkey_stream(s);
    if (!s->in_consumer)
        return;
    uint64_t alloc = 0;
    uint64_t nodes = rdbl__raxc_nodes(&s->rax_cpel, &m->a, &alloc);
    s->st_cons_rax += 16 * s->rax_cpel.n + 244 * nodes;
    s->st_cons_real += alloc + J(m, 24); /* with the rax struct */
    if (s->rax_cpel.unordered)
        s->approx = true;
    rdbl__raxc_init(&s->rax_cpel);
    s->in_consumer = false;
}

static void stream_close_group(rdbl_memmodel *m, mmkey *s)
{
    stream_close_consumer(m, s);
    if (!s->in_group)
        return;
    uint64_t alloc = 0;
    uint64_t nodes = rdbl__raxc_nodes(&s->rax_pel, &m->a, &alloc);
    s->st_group_rax += 16 * s->rax_pel.n + 244 * nodes;
    s->st_pel += s->rax_pel.n;
    s->st_group_real += alloc + J(m, 24);
    if (s->rax_pel.unordered)
        s->approx = true;
    rdbl__raxc_init(&s->rax_pel);
    s->in_group = false;
}

static int on_stream_group(void *user, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    stream_close_group(m, s);
    s->in_group = true;
    s->st_groups++;
    s->st_alloc += J(m, (size_t)sds_req(m, g->name.len)); /* key of the groups rax (approx.) */
    return 0;
}

static int on_stream_pel(void *user, const rdbl_key_info *k, rdbl_str group, rdbl_stream_id id,
                         int64_t delivery_ms, uint64_t delivery_count)
{
    (void)k;
    (void)group;
    (void)delivery_ms;
    (void)delivery_count;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    mmkey_stream(s);
    uint8_t b[16];
    rdbl__stream_id_bytes(id, b);
    rdbl__raxc_add(&s->rax_pel, b, &m->a);
    return 0;
}

static int on_stream_consumer(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    (void)k;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    stream_close_consumer(m, s);
    if (s->in_group && s->rax_pel.n) {
        /* the group's PEL is complete once its consumers start */
    }
    s->in_consumer = true;
    s->st_consumers++;
    s->st_names += c->name.len;
    s->st_alloc += J(m, (size_t)sds_req(m, c->name.len));
    return 0;
}

static int on_stream_consumer_pel(void *user, const rdbl_key_info *k, rdbl_str group,
                                  rdbl_str consumer, rdbl_stream_id id)
{
    (void)k;
    (void)group;
    (void)consumer;
    rdbl_memmodel *m = user;
    mmkey *s = &m->k;
    mmkey_stream(s);
    uint8_t b[16];
    rdbl__stream_id_bytes(id, b);
    rdbl__raxc_add(&s->rax_cpel, b, &m->a);
    return 0;
}

static int on_module(void *user, const rdbl_key_info *k, rdbl_str module, int encver,
                     uint64_t payload_bytes)
{
    (void)k;
    (void)module;
    (void)encver;
    rdbl_memmodel *m = user;
    m->k.module_bytes = payload_bytes;
    m->k.module_seen = true;
    return 0;
}

/* A stream's last group and a list's last node end with their key. Out of
 * line, so that on_end_key needs no stack frame for the other keys. */
RDBL__MM_NOINLINE static void end_key_close(rdbl_memmodel *m)
{
    if (m->k.type == RDBL_TYPE_STREAM)
        stream_close_group(m, &m->k);
    else
        list_close_node(m, &m->k);
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    rdbl_memmodel *m = user;
    if (!m->k.active)
        return 0;
    if (m->k.type == RDBL_TYPE_STREAM || m->k.type == RDBL_TYPE_LIST)
        end_key_close(m);
    m->k.active = false; /* not read by the pricing */
    rdbl__mm_price(m, k, st);
    return 0;
}

static const rdbl_events mm_events = {
    .on_begin = on_begin,
    .on_aux = on_aux,
    .on_db = on_db,
    .on_resize_db = on_resize_db,
    .on_end = on_end,
    .on_begin_key = on_begin_key,
    .on_end_key = on_end_key,
    .on_string = on_string,
    .on_list_item = on_list_item,
    .on_set_member = on_set_member,
    .on_zset_member = on_zset_member,
    .on_hash_field = on_hash_field,
    .on_blob = on_blob,
    .on_stream_meta = on_stream_meta,
    .on_stream_group = on_stream_group,
    .on_stream_pel = on_stream_pel,
    .on_stream_consumer = on_stream_consumer,
    .on_stream_consumer_pel = on_stream_consumer_pel,
    .on_module = on_module,
};

const rdbl_events *rdbl_memmodel_events(void)
{
    return &mm_events;
}

/* ---- public object ---- */

rdbl_memmodel *rdbl_memmodel_new(const rdbl_mem_config *cfg, rdbl_error *err)
{
    if (!cfg) {
        rdbl__fail(err, RDBL_USAGE, 0, "memory model", "no configuration");
        return NULL;
    }
    if (cfg->target < RDBL_TARGET_AUTO || cfg->target >= RDBL_TARGET__COUNT ||
        cfg->allocator > RDBL_ALLOC_LIBC || cfg->state > RDBL_MEM_LOADED) {
        rdbl__fail(err, RDBL_USAGE, 0, "memory model", "invalid configuration");
        return NULL;
    }
    rdbl_memmodel *m = calloc(1, sizeof *m);
    if (!m) {
        rdbl__fail(err, RDBL_NOMEM, 0, "memory model", "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    if (cfg->target == RDBL_TARGET_AUTO)
        m->cfg.warning[0] = '\0'; /* the guess, when the target is resolved */
    rdbl__alloc_ctx_init(&m->a, cfg->allocator);
    m->j16 = J(m, 16);
    m->j24 = J(m, 24);
    m->expire_entry = m->j24; /* until the target is resolved */
    m->enode = rdbl__skiplist_enode(&m->a, 32);
    uint64_t g = 0;
    for (size_t l = 2; l <= 32; l++) {
        uint64_t d = J(m, 24 + 16 * l) - J(m, 40);
        while (d) { /* gcd */
            uint64_t t = g % d;
            g = d;
            d = t;
        }
    }
    m->enode_step = g ? g : 1;
    m->writer_used_mem = -1;
    m->p = rdbl__profile_get(RDBL_TARGET_REDIS_7_0);
    if (cfg->target != RDBL_TARGET_AUTO)
        rdbl__mm_resolve(m);
    return m;
}

void rdbl_memmodel_free(rdbl_memmodel *m)
{
    free(m);
}

rdbl_status rdbl_memmodel_last(const rdbl_memmodel *m, rdbl_mem_estimate *out)
{
    if (!m->have_last) {
        memset(out, 0, sizeof *out);
        return RDBL_USAGE;
    }
    *out = m->last;
    return RDBL_OK;
}

const rdbl_mem_estimate *rdbl__memmodel_last_ref(const rdbl_memmodel *m)
{
    return m->have_last ? &m->last : NULL;
}

const rdbl_mem_config *rdbl_memmodel_config(const rdbl_memmodel *m)
{
    return &m->cfg;
}

/* Appends to a bounded text as snprintf would (truncated, NUL-terminated). */
typedef struct textbuf {
    char *p;
    size_t left; /* room before the NUL */
} textbuf;

static void tb_put(textbuf *t, const char *s, size_t n)
{
    if (n > t->left)
        n = t->left;
    memcpy(t->p, s, n);
    t->p += n;
    t->left -= n;
    *t->p = '\0';
}

static void tb_u64(textbuf *t, uint64_t v)
{
    char d[20];
    size_t i = sizeof d;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tb_put(t, d + i, sizeof d - i);
}

static void tb_term(textbuf *t, const char *name, uint64_t v)
{
    tb_put(t, name, strlen(name));
    tb_put(t, " ", 1);
    tb_u64(t, pow2_at_least(v));
}

/* Compact-encoding advice text: "name value[; name value]" (values rounded
 * up to a power of two). Written by hand: it is asked for once per key that
 * has a compact alternative, and snprintf cost ~1000 instructions. */
void rdbl__mm_advice(char *out, size_t cap, const char *n1, uint64_t v1, const char *n2,
                     uint64_t v2)
{
    if (cap == 0)
        return;
    textbuf t = {out, cap - 1};
    out[0] = '\0';
    if (n1)
        tb_term(&t, n1, v1);
    if (n1 && n2)
        tb_put(&t, "; ", 2);
    if (n2)
        tb_term(&t, n2, v2);
}
