/* Values of every key type except streams and modules: strings, lists,
 * sets, sorted sets, hashes (all encodings, incl. hash field TTLs), and the
 * classification of RDB type bytes (§5, §10.4 collisions).
 *
 * Plain encodings are read element by element (zero-copy from the window
 * where possible). Blob encodings (ziplist, listpack, intset, zipmap) are
 * validated whole, then walked. Nothing is decoded that no handler reads:
 * an LZF string nobody asked for is skipped by its compressed length. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "parser/reader.h"

/* Raw strings are emitted in chunks of this size (fixed, so events do not
 * depend on how the input happened to be read). */
#define RDBL__CHUNK (64u << 10)
/* LZF strings up to this size are decompressed at once; larger ones are
 * streamed through the incremental decoder. */
#define RDBL__LZF_WHOLE (1u << 20)

/* The per-encoding readers stay out of line: rdbl__p_value then only
 * dispatches (tail calls), without the register saves of every reader
 * inlined into it on each key. */
#if defined(__GNUC__)
#define RDBL__OUTLINE __attribute__((noinline))
#else
#define RDBL__OUTLINE
#endif

typedef struct type_row {
    rdbl_type type;
    rdbl_encoding enc;
} type_row;

rdbl_status rdbl__p_classify(rdbl__p *P)
{
    int t = P->ki.rdb_type;
    bool valkey = P->fi.producer == RDBL_PRODUCER_VALKEY;
    int ver = P->fi.rdb_version;
    type_row r = {RDBL_TYPE_STRING, RDBL_ENC_OTHER};
    switch (t) {
    case 0: r = (type_row){RDBL_TYPE_STRING, RDBL_ENC_RAW}; break;
    case 1: r = (type_row){RDBL_TYPE_LIST, RDBL_ENC_LINKEDLIST}; break;
    case 2: r = (type_row){RDBL_TYPE_SET, RDBL_ENC_HASHTABLE}; break;
    case 3:
    case 5: r = (type_row){RDBL_TYPE_ZSET, RDBL_ENC_SKIPLIST}; break;
    case 4: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE}; break;
    case 6:
    case 7: r = (type_row){RDBL_TYPE_MODULE, RDBL_ENC_MODULE}; break;
    case 9: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_ZIPMAP}; break;
    case 10: r = (type_row){RDBL_TYPE_LIST, RDBL_ENC_ZIPLIST}; break;
    case 11: r = (type_row){RDBL_TYPE_SET, RDBL_ENC_INTSET}; break;
    case 12: r = (type_row){RDBL_TYPE_ZSET, RDBL_ENC_ZIPLIST}; break;
    case 13: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_ZIPLIST}; break;
    case 14: r = (type_row){RDBL_TYPE_LIST, RDBL_ENC_QUICKLIST}; break;
    case 15:
    case 19:
    case 21:
    case 26:
    case 27: r = (type_row){RDBL_TYPE_STREAM, RDBL_ENC_LISTPACKS}; break;
    case 16: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_LISTPACK}; break;
    case 17: r = (type_row){RDBL_TYPE_ZSET, RDBL_ENC_LISTPACK}; break;
    case 18: r = (type_row){RDBL_TYPE_LIST, RDBL_ENC_QUICKLIST2}; break;
    case 20:
        if (!valkey && ver < 10)
            r = (type_row){RDBL_TYPE_JSON, RDBL_ENC_RAW}; /* old Dragonfly JSON */
        else
            r = (type_row){RDBL_TYPE_SET, RDBL_ENC_LISTPACK};
        break;
    case 22: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE_TTL}; break;
    case 23:
        if (valkey)
            goto unsupported;
        r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_LISTPACK_TTL};
        break;
    case 24: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE_TTL}; break;
    case 25: r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_LISTPACK_TTL}; break;
    case 28: r = (type_row){RDBL_TYPE_ARRAY, RDBL_ENC_OTHER}; break;
    case 29:
    case 30:
    case 31:
    case 32:
    case 33:
    case 34:
    case 35:
    case 36:
    case 37:
        if (!valkey && ver >= 15 && !P->dragonfly) {
            if (t == 30) {
                r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_LISTPACK};
                break;
            }
            if (t == 32) {
                r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE};
                break;
            }
            if (t == 33)
                return rdbl__p_fail(P, RDBL_UNSUPPORTED, P->ki.offset,
                                    "type 33 (GCRA) is a Redis Enterprise type; its layout "
                                    "is not public");
            return rdbl__p_fail(P, RDBL_UNSUPPORTED, P->ki.offset,
                                "type %d (Redis 8.10 self-contained hash template, written by "
                                "DUMP) is not supported: its fields-format tags are not public",
                                t);
        }
        if (t == 29)
            goto unsupported;
        /* Dragonfly */
        if (t == 30)
            r = (type_row){RDBL_TYPE_JSON, RDBL_ENC_RAW};
        else if (t == 31)
            r = (type_row){RDBL_TYPE_HASH, RDBL_ENC_HASHTABLE_TTL};
        else if (t == 32)
            r = (type_row){RDBL_TYPE_SET, RDBL_ENC_HASHTABLE};
        else if (t == 35)
            r = (type_row){RDBL_TYPE_CMS, RDBL_ENC_OTHER};
        else if (t == 36)
            r = (type_row){RDBL_TYPE_TOPK, RDBL_ENC_OTHER};
        else
            r = (type_row){RDBL_TYPE_BLOOM, RDBL_ENC_OTHER};
        break;
    case 64: r = (type_row){RDBL_TYPE_CRON, RDBL_ENC_OTHER}; break;
    default:
        goto unsupported;
    }
    P->ki.type = r.type;
    P->ki.encoding = r.enc;
    return RDBL_OK;
unsupported:
    return rdbl__p_fail(P, RDBL_UNSUPPORTED, P->ki.offset,
                        "unsupported value type %d in a %s%0*d file at offset %" PRIu64, t,
                        P->fi.magic, valkey ? 3 : 4, ver, P->ki.offset);
}

static bool items_wanted(const rdbl__p *P)
{
    if (P->skip)
        return false;
    switch (P->ki.type) {
    case RDBL_TYPE_LIST:
    case RDBL_TYPE_ARRAY:
        return P->ev->on_list_item != NULL;
    case RDBL_TYPE_SET:
        return P->ev->on_set_member != NULL;
    case RDBL_TYPE_ZSET:
        return P->ev->on_zset_member != NULL;
    case RDBL_TYPE_HASH:
        return P->ev->on_hash_field != NULL;
    default:
        return false;
    }
}

static inline void count_pair(rdbl__p *P, uint64_t a, uint64_t b)
{
    P->st.elements++;
    P->st.value_bytes += a + b;
    uint64_t m = a > b ? a : b;
    if (m > P->st.largest_element)
        P->st.largest_element = m;
}

static inline void note_field_ttl(rdbl__p *P, int64_t ms)
{
    if (ms < 0)
        return;
    P->st.fields_with_ttl++;
    if (P->st.min_field_expire_ms < 0 || ms < P->st.min_field_expire_ms)
        P->st.min_field_expire_ms = ms;
}

static rdbl_status empty_warning(rdbl__p *P)
{
    if (!P->ev->on_warning)
        return RDBL_OK;
    char k[64], msg[200];
    rdbl__escape(k, sizeof k, P->key.p, P->key.len);
    snprintf(msg, sizeof msg, "empty %s \"%s\" (servers drop empty keys when loading)",
             rdbl_type_name(P->ki.type), k);
    return RDBL__CB(P, P->ev->on_warning(P->user, P->ki.offset, msg));
}

/* ---- strings ------------------------------------------------------------ */

typedef struct lzf_emit_ctx {
    rdbl__p *P;
    uint64_t done, total;
    int handler_rc; /* what on_string returned when it asked to stop */
} lzf_emit_ctx;

/* Returns 1 (stop) when the handler returned anything but 0, keeping its
 * code apart from the decoder's own negative errors. */
static int lzf_emit(void *ud, const uint8_t *p, size_t n)
{
    lzf_emit_ctx *c = ud;
    rdbl_item it = {p, n, 0, false};
    int rc = c->P->ev->on_string(c->P->user, &c->P->ki, &it, c->done, c->total);
    c->done += n;
    if (rc != 0) {
        c->handler_rc = rc;
        return 1;
    }
    return 0;
}

static rdbl_status read_string_lzf(rdbl__p *P, uint64_t at, bool want);

static RDBL__OUTLINE rdbl_status read_string_value(rdbl__p *P)
{
    P->where = "string value";
    uint64_t at = rdbl__p_offset(P);
    bool want = !P->skip && P->ev->on_string;
    uint64_t len;
    int special;
    RDBL__TRY(rdbl__p_len_or_special(P, &len, &special));
    if (special < 0) {
        uint64_t data_at = rdbl__p_offset(P);
        RDBL__TRY(rdbl__p_fits(P, at, data_at, len));
        rdbl__p_count(P, len);
        if (!want) {
            RDBL__BODY(P, rdbl__p_skip(P, len), at, data_at, len);
            return RDBL_OK;
        }
        uint64_t done = 0;
        do {
            uint64_t left = len - done;
            size_t n = left < RDBL__CHUNK ? (size_t)left : RDBL__CHUNK;
            RDBL__BODY(P, rdbl__p_need(P, n), at, data_at, len);
            rdbl_item it = {P->cur, n, 0, false};
            P->cur += n;
            RDBL__TRY(RDBL__CB(P, P->ev->on_string(P->user, &P->ki, &it, done, len)));
            done += n;
        } while (done < len);
        return RDBL_OK;
    }
    if (special <= 2) {
        /* an 8, 16 or 32-bit integer (§3.2), as rdbl__p_str reads it */
        size_t w = (size_t)1 << special;
        RDBL__TRY(rdbl__p_need(P, w));
        int64_t v = special == 0   ? (int8_t)P->cur[0]
                    : special == 1 ? (int16_t)rdbl__le16(P->cur)
                                   : (int32_t)rdbl__le32(P->cur);
        P->cur += w;
        rdbl_item it = {NULL, rdbl__i64_textlen_inline(v), v, true};
        rdbl__p_count(P, it.len);
        if (want)
            RDBL__TRY(RDBL__CB(P, P->ev->on_string(P->user, &P->ki, &it, 0, it.len)));
        return RDBL_OK;
    }
    if (special != 3)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "invalid string encoding 0x%02x",
                            0xc0 | special);
    return read_string_lzf(P, at, want);
}

/* The LZF form of a string value, its header byte read (apart from the
 * common forms above so that they stay light). */
static rdbl_status read_string_lzf(rdbl__p *P, uint64_t at, bool want)
{
    /* LZF: skipped by its compressed length when nobody reads it */
    uint64_t clen, ulen;
    RDBL__TRY(rdbl__p_len(P, &clen));
    RDBL__TRY(rdbl__p_len(P, &ulen));
    if (clen == 0 || ulen == 0 || !rdbl__lzf_ulen_plausible(clen, ulen) ||
        ulen > SIZE_MAX / 2)
        return rdbl__p_fail(P, RDBL_CORRUPT, at,
                            "implausible LZF sizes: %" PRIu64 " compressed, %" PRIu64
                            " uncompressed",
                            clen, ulen);
    uint64_t data_at = rdbl__p_offset(P);
    RDBL__TRY(rdbl__p_fits(P, at, data_at, clen));
    rdbl__p_count(P, ulen);
    if (!want) {
        RDBL__BODY(P, rdbl__p_skip(P, clen), at, data_at, clen);
        return RDBL_OK;
    }
    if (ulen <= RDBL__LZF_WHOLE) {
        RDBL__BODY(P, rdbl__p_need(P, (size_t)clen), at, data_at, clen);
        rdbl__buf *dst = &P->scratch[0];
        if (rdbl__buf_reserve(dst, (size_t)ulen) != 0)
            return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
        rdbl__berr e;
        rdbl__berr_clear(&e);
        if (rdbl__lzf_decompress(P->cur, (size_t)clen, dst->p, (size_t)ulen, &e) != RDBL_OK)
            return rdbl__p_fail(P, RDBL_CORRUPT, at, "LZF data: %s", e.msg);
        P->cur += clen;
        rdbl_item it = {dst->p, (size_t)ulen, 0, false};
        return RDBL__CB(P, P->ev->on_string(P->user, &P->ki, &it, 0, ulen));
    }
    rdbl__lzf_stream *z = rdbl__lzf_stream_new(ulen);
    if (!z)
        return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    lzf_emit_ctx c = {P, 0, ulen, 0};
    rdbl_status st = RDBL_OK;
    uint64_t left = clen;
    while (left && st == RDBL_OK) {
        size_t n = left < RDBL__CHUNK ? (size_t)left : RDBL__CHUNK;
        st = rdbl__p_need(P, n);
        if (st != RDBL_OK)
            break;
        rdbl__berr e;
        rdbl__berr_clear(&e);
        int rc = rdbl__lzf_stream_feed(z, P->cur, n, lzf_emit, &c, &e);
        P->cur += n;
        left -= n;
        if (rc < 0)
            st = rdbl__p_fail(P, RDBL_CORRUPT, at, "LZF data: %s", e.msg);
        else if (rc > 0)
            st = RDBL__CB(P, c.handler_rc);
    }
    if (st == RDBL_OK) {
        rdbl__berr e;
        rdbl__berr_clear(&e);
        if (rdbl__lzf_stream_finish(z, &e) != RDBL_OK)
            st = rdbl__p_fail(P, RDBL_CORRUPT, at, "LZF data: %s", e.msg);
    }
    rdbl__lzf_stream_free(z);
    return rdbl__p_short(P, st, at, data_at, clen);
}

/* ---- plain collections --------------------------------------------------- */

static rdbl_status emit_single(rdbl__p *P, const rdbl_item *it)
{
    switch (P->ki.type) {
    case RDBL_TYPE_SET:
        return RDBL__CB(P, P->ev->on_set_member(P->user, &P->ki, it));
    default:
        return RDBL__CB(P, P->ev->on_list_item(P->user, &P->ki, it));
    }
}

static RDBL__OUTLINE rdbl_status read_plain_single(rdbl__p *P)
{
    P->where = P->ki.type == RDBL_TYPE_SET ? "set" : "list";
    uint64_t n;
    RDBL__TRY(rdbl__p_len(P, &n));
    bool want = items_wanted(P);
    for (uint64_t i = 0; i < n; i++) {
        rdbl__pitem x;
        RDBL__TRY(rdbl__p_str(P, &x, 0, want ? RDBL__STR_BYTES : RDBL__STR_LEN));
        rdbl__p_count(P, x.it.len);
        if (want)
            RDBL__TRY(emit_single(P, &x.it));
    }
    return n ? RDBL_OK : empty_warning(P);
}

static rdbl_status check_score(rdbl__p *P, uint64_t at, double score)
{
    if (isnan(score))
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "sorted set score is NaN");
    return RDBL_OK;
}

static RDBL__OUTLINE rdbl_status read_plain_zset(rdbl__p *P, bool binary)
{
    P->where = "sorted set";
    uint64_t n;
    RDBL__TRY(rdbl__p_len(P, &n));
    bool want = items_wanted(P);
    for (uint64_t i = 0; i < n; i++) {
        rdbl__pitem m;
        double score;
        if (want)
            P->hold = P->cur;
        rdbl_status st = rdbl__p_str(P, &m, 0, want ? RDBL__STR_BYTES : RDBL__STR_LEN);
        uint64_t sat = rdbl__p_offset(P);
        if (st == RDBL_OK)
            st = binary ? rdbl__p_double_bin(P, &score) : rdbl__p_double_ascii(P, &score);
        P->hold = NULL;
        RDBL__TRY(st);
        RDBL__TRY(check_score(P, sat, score));
        rdbl__p_count(P, m.it.len);
        if (want) {
            rdbl__p_resolve(P, &m);
            RDBL__TRY(RDBL__CB(P, P->ev->on_zset_member(P->user, &P->ki, &m.it, score)));
        }
    }
    return n ? RDBL_OK : empty_warning(P);
}

/* Hash forms with pairs, and with per-field TTLs (§5: 4, 22, 24, HASH_2). */
enum hash_form { HASH_PLAIN, HASH_META_PRE_GA, HASH_META, HASH_VALKEY2, HASH_DF_EXPIRY };

static RDBL__OUTLINE rdbl_status read_plain_hash(rdbl__p *P, enum hash_form form)
{
    P->where = "hash";
    int64_t min_expire = 0;
    if (form == HASH_META)
        RDBL__TRY(rdbl__p_i64le(P, &min_expire));
    uint64_t n;
    RDBL__TRY(rdbl__p_len(P, &n));
    bool want = items_wanted(P);
    int mode = want ? RDBL__STR_BYTES : RDBL__STR_LEN;
    for (uint64_t i = 0; i < n; i++) {
        rdbl__pitem f, v;
        int64_t ttl = -1;
        uint64_t ttl_at = 0;
        rdbl_status st = RDBL_OK;
        if (want)
            P->hold = P->cur;
        if (form == HASH_META_PRE_GA || form == HASH_META) {
            uint64_t raw;
            ttl_at = rdbl__p_offset(P);
            st = rdbl__p_len(P, &raw);
            if (st == RDBL_OK && raw != 0) {
                if (form == HASH_META_PRE_GA)
                    ttl = (int64_t)raw;
                else
                    ttl = (int64_t)(raw + (uint64_t)min_expire - 1);
                if (raw > 0xFFFFFFFFFFFFull && form == HASH_META_PRE_GA)
                    st = rdbl__p_fail(P, RDBL_CORRUPT, ttl_at,
                                      "hash field TTL %" PRIu64 " out of range", raw);
            }
        }
        if (st == RDBL_OK)
            st = rdbl__p_str(P, &f, 0, mode);
        if (st == RDBL_OK)
            st = rdbl__p_str(P, &v, 1, mode);
        if (st == RDBL_OK && form == HASH_VALKEY2) {
            ttl_at = rdbl__p_offset(P);
            st = rdbl__p_i64le(P, &ttl);
            if (st == RDBL_OK && ttl < -1)
                st = rdbl__p_fail(P, RDBL_CORRUPT, ttl_at, "hash field expiry %" PRId64, ttl);
        }
        if (st == RDBL_OK && form == HASH_DF_EXPIRY) {
            rdbl__pitem e;
            ttl_at = rdbl__p_offset(P);
            st = rdbl__p_str(P, &e, 2, RDBL__STR_BYTES);
            if (st == RDBL_OK) {
                int64_t secs;
                if (e.it.is_int)
                    secs = e.it.ival;
                else if (!rdbl__str_to_i64(e.it.ptr, e.it.len, &secs))
                    st = rdbl__p_fail(P, RDBL_CORRUPT, ttl_at,
                                      "Dragonfly field expiry is not an integer");
                if (st == RDBL_OK)
                    ttl = secs < 0 ? -1 : secs * 1000;
            }
        }
        P->hold = NULL;
        RDBL__TRY(st);
        count_pair(P, f.it.len, v.it.len);
        note_field_ttl(P, ttl);
        if (want) {
            rdbl__p_resolve(P, &f);
            rdbl__p_resolve(P, &v);
            RDBL__TRY(RDBL__CB(P, P->ev->on_hash_field(P->user, &P->ki, &f.it, &v.it, ttl)));
        }
    }
    return n ? RDBL_OK : empty_warning(P);
}

/* Dragonfly SET_WITH_EXPIRY: (member, expiry string) pairs; member TTLs are
 * counted as field TTLs. */
static RDBL__OUTLINE rdbl_status read_df_set_expiry(rdbl__p *P)
{
    P->where = "set with expiry";
    uint64_t n;
    RDBL__TRY(rdbl__p_len(P, &n));
    bool want = items_wanted(P);
    for (uint64_t i = 0; i < n; i++) {
        rdbl__pitem m, e;
        if (want)
            P->hold = P->cur;
        rdbl_status st = rdbl__p_str(P, &m, 0, want ? RDBL__STR_BYTES : RDBL__STR_LEN);
        if (st == RDBL_OK)
            st = rdbl__p_str(P, &e, 1, RDBL__STR_BYTES);
        P->hold = NULL;
        RDBL__TRY(st);
        int64_t secs = -1;
        if (e.it.is_int) {
            secs = e.it.ival;
        } else {
            rdbl__p_resolve(P, &e);
            if (!rdbl__str_to_i64(e.it.ptr, e.it.len, &secs))
                return rdbl__p_fail(P, RDBL_CORRUPT, rdbl__p_offset(P),
                                    "Dragonfly member expiry is not an integer");
        }
        note_field_ttl(P, secs < 0 ? -1 : secs * 1000);
        rdbl__p_count(P, m.it.len);
        if (want) {
            rdbl__p_resolve(P, &m);
            RDBL__TRY(RDBL__CB(P, P->ev->on_set_member(P->user, &P->ki, &m.it)));
        }
    }
    return n ? RDBL_OK : empty_warning(P);
}

/* ---- blob collections ------------------------------------------------------ */

typedef struct blob_iter {
    rdbl_blob_kind kind;
    union {
        rdbl__lp_iter lp;
        rdbl__zl_iter zl;
        rdbl__is_iter is;
        rdbl__zm_iter zm;
    } u;
} blob_iter;

static void bi_init(blob_iter *b, rdbl_blob_kind kind, const uint8_t *p, size_t n)
{
    b->kind = kind;
    switch (kind) {
    case RDBL_BLOB_ZIPLIST:
        rdbl__zl_iter_init(&b->u.zl, p, n);
        break;
    case RDBL_BLOB_INTSET:
        rdbl__is_iter_init(&b->u.is, p, n);
        break;
    case RDBL_BLOB_ZIPMAP:
        rdbl__zm_iter_init(&b->u.zm, p, n);
        break;
    default:
        rdbl__lp_iter_init(&b->u.lp, p, n);
        break;
    }
}

static inline bool bi_next(blob_iter *b, rdbl_item *it)
{
    switch (b->kind) {
    case RDBL_BLOB_ZIPLIST:
        return rdbl__zl_next(&b->u.zl, it);
    case RDBL_BLOB_INTSET:
        return rdbl__is_next(&b->u.is, it);
    case RDBL_BLOB_ZIPMAP:
        return rdbl__zm_next(&b->u.zm, it);
    default:
        return rdbl__lp_next(&b->u.lp, it);
    }
}

static rdbl_status validate_blob(rdbl__p *P, rdbl_blob_kind kind, const uint8_t *p, size_t n,
                                 uint64_t blob_off, bool in_file, rdbl__blob_info *info)
{
    rdbl__berr e;
    rdbl__berr_clear(&e);
    rdbl_status st;
    const char *what;
    switch (kind) {
    case RDBL_BLOB_ZIPLIST:
        what = "ziplist";
        st = rdbl__zl_validate(p, n, info, &e);
        break;
    case RDBL_BLOB_INTSET:
        what = "intset";
        st = rdbl__is_validate(p, n, info, &e);
        break;
    case RDBL_BLOB_ZIPMAP:
        what = "zipmap";
        st = rdbl__zm_validate(p, n, info, &e);
        break;
    default:
        what = "listpack";
        st = rdbl__lp_validate(p, n, info, &e);
        break;
    }
    if (st == RDBL_OK)
        return RDBL_OK;
    return rdbl__p_blob_fail(P, blob_off, in_file, what, &e);
}

static rdbl_status score_of(rdbl__p *P, uint64_t at, const rdbl_item *it, double *out)
{
    if (it->is_int) {
        *out = (double)it->ival;
        return RDBL_OK;
    }
    char buf[128];
    if (it->len == 0 || it->len >= sizeof buf)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "sorted set score of %zu bytes", it->len);
    memcpy(buf, it->ptr, it->len);
    buf[it->len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    if (end != buf + it->len)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "sorted set score \"%.40s\" is not a number",
                            buf);
    return check_score(P, at, *out);
}

/* Emits the entries of a validated blob in groups of `group` (1: items,
 * 2: pairs, 3: field/value/ttl triplets). */
static rdbl_status emit_blob(rdbl__p *P, rdbl_blob_kind kind, const uint8_t *p, size_t n,
                             int group, uint64_t at)
{
    blob_iter b;
    bi_init(&b, kind, p, n);
    rdbl_item e[3];
    for (;;) {
        for (int i = 0; i < group; i++)
            if (!bi_next(&b, &e[i]))
                return RDBL_OK; /* validate() checked the count is a multiple of group */
        switch (P->ki.type) {
        case RDBL_TYPE_LIST:
            RDBL__TRY(RDBL__CB(P, P->ev->on_list_item(P->user, &P->ki, &e[0])));
            break;
        case RDBL_TYPE_SET:
            RDBL__TRY(RDBL__CB(P, P->ev->on_set_member(P->user, &P->ki, &e[0])));
            break;
        case RDBL_TYPE_ZSET: {
            double s = 0;
            RDBL__TRY(score_of(P, at, &e[1], &s));
            RDBL__TRY(RDBL__CB(P, P->ev->on_zset_member(P->user, &P->ki, &e[0], s)));
            break;
        }
        default: {
            int64_t ttl = -1;
            if (group == 3 && e[2].ival != 0)
                ttl = e[2].ival;
            RDBL__TRY(RDBL__CB(P, P->ev->on_hash_field(P->user, &P->ki, &e[0], &e[1], ttl)));
            break;
        }
        }
    }
}

/* Field TTLs of a listpack_ex hash: integers in [0, 2^48), non-decreasing,
 * zeros (no TTL) last (§5.1). Also collects statistics. */
static rdbl_status check_lp_ttls(rdbl__p *P, const uint8_t *p, size_t n, uint64_t at)
{
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, p, n);
    rdbl_item f, v, t;
    int64_t prev = 0;
    bool seen_zero = false;
    while (rdbl__lp_next(&it, &f) && rdbl__lp_next(&it, &v) && rdbl__lp_next(&it, &t)) {
        if (!t.is_int || t.ival < 0 || t.ival > 0xFFFFFFFFFFFFll)
            return rdbl__p_fail(P, RDBL_CORRUPT, at,
                                "hash field TTL in listpack is not an integer in [0, 2^48)");
        if (t.ival == 0) {
            seen_zero = true;
        } else {
            if (seen_zero || t.ival < prev)
                return rdbl__p_fail(P, RDBL_CORRUPT, at,
                                    "hash field TTLs in listpack are not in ascending order");
            prev = t.ival;
            note_field_ttl(P, t.ival);
        }
        count_pair(P, f.len, v.len);
    }
    return RDBL_OK;
}

/* Reads one blob string, validates it and emits its entries.
 * group: entries per logical element; ttl: field/value/ttl triplets. */
static rdbl_status read_blob(rdbl__p *P, rdbl_blob_kind kind, int group, bool triplets,
                             uint64_t *out_count)
{
    bool want = items_wanted(P);
    bool want_blob = P->ev->on_blob != NULL; /* sizes are sent even for skipped keys */
    bool fast = (P->flags & RDBL_PARSE_FAST) != 0;
    uint64_t at = rdbl__p_offset(P);
    rdbl__pitem x;
    /* Decode unless fast mode lets us skip an LZF blob nobody reads. */
    bool decode = true;
    if (fast && !want) {
        /* peek: is it LZF? */
        RDBL__TRY(rdbl__p_need(P, 1));
        if (P->cur[0] == 0xC3)
            decode = false;
    }
    RDBL__TRY(rdbl__p_blob(P, &x, 0, decode));
    rdbl_blob blob = {kind, x.it.len, x.stored, x.lzf, 0, {0, 0}, NULL};
    if (!decode) {
        P->st.elements_exact = false;
        if (out_count)
            *out_count = 0;
    } else {
        rdbl__p_resolve(P, &x);
        uint64_t boff = x.inwin ? x.abs : at;
        rdbl__blob_info info = {0};
        RDBL__TRY(validate_blob(P, kind, x.it.ptr, x.it.len, boff, x.inwin, &info));
        if (info.count % (uint64_t)group != 0)
            return rdbl__p_fail(P, RDBL_CORRUPT, boff,
                                "%s of a %s has %" PRIu64 " entries, not a multiple of %d",
                                kind == RDBL_BLOB_ZIPLIST ? "ziplist" : "listpack",
                                rdbl_type_name(P->ki.type), info.count, group);
        blob.count = info.count;
        blob.data = x.it.ptr;
        if (triplets) {
            RDBL__TRY(check_lp_ttls(P, x.it.ptr, x.it.len, boff));
        } else {
            uint64_t elems = info.count / (uint64_t)group;
            P->st.elements += elems;
            P->st.value_bytes += info.value_bytes;
            if (info.largest > P->st.largest_element)
                P->st.largest_element = info.largest;
        }
        if (out_count)
            *out_count = info.count;
        if (want)
            RDBL__TRY(emit_blob(P, kind, x.it.ptr, x.it.len, group, boff));
    }
    P->st.blobs++;
    if (want_blob)
        RDBL__TRY(RDBL__CB(P, P->ev->on_blob(P->user, &P->ki, &blob)));
    return RDBL_OK;
}

static RDBL__OUTLINE rdbl_status read_single_blob(rdbl__p *P, rdbl_blob_kind kind, int group, bool triplets,
                                    const char *where)
{
    P->where = where;
    uint64_t count;
    RDBL__TRY(read_blob(P, kind, group, triplets, &count));
    if (P->st.elements_exact && P->st.elements == 0)
        return empty_warning(P);
    return RDBL_OK;
}

static RDBL__OUTLINE rdbl_status read_quicklist(rdbl__p *P, bool v2)
{
    P->where = v2 ? "quicklist node" : "quicklist (ziplist) node";
    uint64_t nodes;
    RDBL__TRY(rdbl__p_len(P, &nodes));
    bool want = items_wanted(P);
    bool want_blob = P->ev->on_blob != NULL; /* sizes are sent even for skipped keys */
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t container = 2;
        uint64_t at = rdbl__p_offset(P);
        if (v2) {
            RDBL__TRY(rdbl__p_len(P, &container));
            if (container != 1 && container != 2)
                return rdbl__p_fail(P, RDBL_CORRUPT, at,
                                    "quicklist node container %" PRIu64
                                    " (expected 1 plain or 2 packed)",
                                    container);
        }
        if (container == 1) {
            rdbl__pitem x;
            RDBL__TRY(rdbl__p_blob(P, &x, 0, want));
            if (x.it.len == 0)
                return rdbl__p_fail(P, RDBL_CORRUPT, at, "empty plain quicklist node");
            rdbl__p_resolve(P, &x);
            rdbl__p_count(P, x.it.len);
            P->st.blobs++;
            if (want)
                RDBL__TRY(RDBL__CB(P, P->ev->on_list_item(P->user, &P->ki, &x.it)));
            if (want_blob) {
                rdbl_blob b = {RDBL_BLOB_PLAIN, x.it.len, x.stored, x.lzf, 1, {0, 0},
                               want ? x.it.ptr : NULL};
                RDBL__TRY(RDBL__CB(P, P->ev->on_blob(P->user, &P->ki, &b)));
            }
            continue;
        }
        uint64_t count = 0;
        RDBL__TRY(read_blob(P, v2 ? RDBL_BLOB_LISTPACK : RDBL_BLOB_ZIPLIST, 1, false, &count));
        if (count == 0 && P->st.elements_exact && P->ev->on_warning) {
            char msg[120];
            snprintf(msg, sizeof msg, "empty quicklist node %" PRIu64 " (dropped on load)", i);
            RDBL__TRY(RDBL__CB(P, P->ev->on_warning(P->user, at, msg)));
        }
    }
    if (nodes == 0 || (P->st.elements_exact && P->st.elements == 0))
        return empty_warning(P);
    return RDBL_OK;
}

static RDBL__OUTLINE rdbl_status read_listpack_ex(rdbl__p *P, bool ga)
{
    P->where = "hash listpack with TTLs";
    if (ga) {
        int64_t min_expire;
        RDBL__TRY(rdbl__p_i64le(P, &min_expire));
    }
    return read_single_blob(P, RDBL_BLOB_LISTPACK, 3, true, "hash listpack with TTLs");
}

/* ---- dispatch ------------------------------------------------------------ */

rdbl_status rdbl__p_value(rdbl__p *P)
{
    bool valkey = P->fi.producer == RDBL_PRODUCER_VALKEY;
    switch (P->ki.rdb_type) {
    case 0:
        return read_string_value(P);
    case 1:
    case 2:
        return read_plain_single(P);
    case 3:
        return read_plain_zset(P, false);
    case 5:
        return read_plain_zset(P, true);
    case 4:
        return read_plain_hash(P, HASH_PLAIN);
    case 6:
    case 7: {
        P->where = "module value";
        rdbl_str name;
        int encver;
        uint64_t payload;
        RDBL__TRY(rdbl__p_module_value(P, P->ki.rdb_type == 7, &name, &encver, &payload));
        P->st.elements = 1;
        P->st.value_bytes = payload;
        P->st.largest_element = payload;
        if (!P->skip && P->ev->on_module)
            return RDBL__CB(P, P->ev->on_module(P->user, &P->ki, name, encver, payload));
        return RDBL_OK;
    }
    case 9:
        return read_single_blob(P, RDBL_BLOB_ZIPMAP, 2, false, "hash zipmap");
    case 10:
        return read_single_blob(P, RDBL_BLOB_ZIPLIST, 1, false, "list ziplist");
    case 11:
        return read_single_blob(P, RDBL_BLOB_INTSET, 1, false, "set intset");
    case 12:
        return read_single_blob(P, RDBL_BLOB_ZIPLIST, 2, false, "sorted set ziplist");
    case 13:
        return read_single_blob(P, RDBL_BLOB_ZIPLIST, 2, false, "hash ziplist");
    case 14:
        return read_quicklist(P, false);
    case 15:
        return rdbl__p_stream(P, 1);
    case 16:
        return read_single_blob(P, RDBL_BLOB_LISTPACK, 2, false, "hash listpack");
    case 17:
        return read_single_blob(P, RDBL_BLOB_LISTPACK, 2, false, "sorted set listpack");
    case 18:
        return read_quicklist(P, true);
    case 19:
        return rdbl__p_stream(P, 2);
    case 20:
        if (P->ki.type == RDBL_TYPE_JSON)
            return read_string_value(P);
        return read_single_blob(P, RDBL_BLOB_LISTPACK, 1, false, "set listpack");
    case 21:
        return rdbl__p_stream(P, 3);
    case 22:
        return read_plain_hash(P, valkey ? HASH_VALKEY2 : HASH_META_PRE_GA);
    case 23:
        return read_listpack_ex(P, false);
    case 24:
        return read_plain_hash(P, HASH_META);
    case 25:
        return read_listpack_ex(P, true);
    case 26:
        return rdbl__p_stream(P, 4);
    case 27:
        return rdbl__p_stream(P, 5);
    case 30:
        if (P->ki.type == RDBL_TYPE_HASH)
            return rdbl__p_template_value(P);
        return read_string_value(P);
    case 31:
        return read_plain_hash(P, HASH_DF_EXPIRY);
    case 32:
        if (P->ki.type == RDBL_TYPE_HASH)
            return rdbl__p_template_value(P);
        return read_df_set_expiry(P);
    default:
        return rdbl__p_vendor_value(P);
    }
}
