/* The RDB opcode state machine: header, top-level records, per-key prefixes,
 * EOF and CRC-64. Values are read by object.c / stream.c / module.c.
 *
 *   file     := "REDIS" dddd | "VALKEY" ddd, record*, 0xFF, [crc64 LE if ver >= 5]
 *   record   := AUX | SELECTDB | RESIZEDB | MODULE_AUX | FUNCTION* | SLOT_INFO
 *             | vendor opcode | prefix* type key value
 *   prefix   := EXPIRETIME | EXPIRETIME_MS | IDLE | FREQ | KEY_META | DF_MASK
 *
 * Follows ../shared/docs/rdb-format.md §2 and §4 (redis src/rdb.c
 * rdbLoadRioWithLoadingCtx is the ground truth for Redis files). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "parser/reader.h"
#include "source/source_int.h"

/* Bytes ahead of the read position the record loop prefetches. */
#define RDBL__PREFETCH 4096

/* Highest versions whose layouts this parser knows. */
#define RDBL__MAX_REDIS_VERSION 15
#define RDBL__MAX_VALKEY_VERSION 81

#define RDBL__STR2(x) #x
#define RDBL__STR(x) RDBL__STR2(x)

const char *rdbl_parser_formats(void)
{
    return "Redis RDB 1-" RDBL__STR(RDBL__MAX_REDIS_VERSION)
           " (14-15 as far as public), Valkey RDB up to " RDBL__STR(RDBL__MAX_VALKEY_VERSION)
           ", Dragonfly, KeyDB and Redis Enterprise records";
}

enum {
    OP_FUNCTION_PRE_GA = 246,
    OP_MODULE_AUX = 247,
    OP_IDLE = 248,
    OP_FREQ = 249,
    OP_AUX = 250,
    OP_RESIZEDB = 251,
    OP_EXPIRETIME_MS = 252,
    OP_EXPIRETIME = 253,
    OP_SELECTDB = 254,
    OP_EOF = 255,
    OP_FUNCTION2 = 245,
    OP_SLOT_INFO = 244,
    OP_243 = 243, /* Redis KEY_META / Valkey SLOT_IMPORT */
    OP_242 = 242, /* Redis HASH_TEMPLATE / Valkey UPDATE */
    /* Dragonfly */
    OP_DF_FULLSYNC_END = 200,
    OP_DF_ZSTD_BLOB = 201,
    OP_DF_LZ4_BLOB = 202,
    OP_DF_BLOB_END = 203,
    OP_DF_JOURNAL_BLOB = 210,
    OP_DF_JOURNAL_OFFSET = 211,
    OP_DF_MASK = 220,
    /* Redis Enterprise */
    OP_RE_RAM_LRU = 107,
    OP_RE_SLOT_NUM = 121,
};

static rdbl_status warn(rdbl__p *P, uint64_t off, const char *fmt, ...) RDBL_PRINTF(3, 4);
static rdbl_status warn(rdbl__p *P, uint64_t off, const char *fmt, ...)
{
    if (!P->ev->on_warning)
        return RDBL_OK;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return RDBL__CB(P, P->ev->on_warning(P->user, off, msg));
}

/* RDBL_PARSE_CRC_THREAD: when the bytes stay where they are (a mapped file,
 * a memory buffer), the CRC of everything from the window's start is left to
 * a helper thread; otherwise, or without a thread, it stays in-line. */
static void start_crc_thread(rdbl__p *P)
{
    const uint8_t *p;
    size_t len;
    if (!rdbl__source_stable_view(P->src, &p, &len) || p != P->win)
        return;
    P->crcbg = rdbl__crcbg_start(p, len, P->crc);
    P->crcbg_off = P->win_off;
}

static rdbl_status read_header(rdbl__p *P)
{
    P->where = "header";
    const uint8_t *h;
    rdbl_status st = rdbl__p_need(P, 9);
    if (st == RDBL_TRUNCATED) {
        P->err->code = RDBL_OK; /* replace the generic message */
        size_t have = (size_t)(P->lim - P->cur);
        return rdbl__p_fail(P, RDBL_TRUNCATED, 0,
                            "input has %zu bytes, too short for an RDB header (9 bytes)", have);
    }
    RDBL__TRY(st);
    h = P->cur;
    int digits_at, ndigits;
    if (memcmp(h, "REDIS", 5) == 0) {
        memcpy(P->fi.magic, "REDIS", 6);
        P->fi.producer = RDBL_PRODUCER_REDIS;
        digits_at = 5;
        ndigits = 4;
    } else if (memcmp(h, "VALKEY", 6) == 0) {
        memcpy(P->fi.magic, "VALKEY", 7);
        P->fi.producer = RDBL_PRODUCER_VALKEY;
        digits_at = 6;
        ndigits = 3;
    } else {
        char shown[40];
        rdbl__escape(shown, sizeof shown, h, 9);
        return rdbl__p_fail(P, RDBL_CORRUPT, 0,
                            "not an RDB file: starts with \"%s\", expected REDIS or VALKEY",
                            shown);
    }
    int v = 0;
    for (int i = 0; i < ndigits; i++) {
        uint8_t c = h[digits_at + i];
        if (c < '0' || c > '9')
            return rdbl__p_fail(P, RDBL_CORRUPT, (uint64_t)(digits_at + i),
                                "RDB version digit expected in the header, found 0x%02x", c);
        v = v * 10 + (c - '0');
    }
    P->cur += 9;
    P->fi.rdb_version = v;
    P->fi.compression = rdbl_source_compression(P->src);
    if (v < 1)
        return rdbl__p_fail(P, RDBL_CORRUPT, 5, "RDB version 0 does not exist");
    P->fi.future_version = P->fi.producer == RDBL_PRODUCER_VALKEY
                               ? v > RDBL__MAX_VALKEY_VERSION
                               : v > RDBL__MAX_REDIS_VERSION;
    P->crc_on = v >= 5 && !(P->flags & RDBL_PARSE_NO_CRC);
    if (P->crc_on && (P->flags & RDBL_PARSE_CRC_THREAD))
        start_crc_thread(P);
    if (P->ev->on_begin)
        RDBL__TRY(RDBL__CB(P, P->ev->on_begin(P->user, &P->fi)));
    if (P->fi.future_version)
        RDBL__TRY(warn(P, 0, "RDB version %d is newer than this parser knows; reading on", v));
    return RDBL_OK;
}

static bool item_is(const rdbl_item *it, const char *s)
{
    size_t n = strlen(s);
    return !it->is_int && it->len == n && memcmp(it->ptr, s, n) == 0;
}

static rdbl_status read_aux(rdbl__p *P)
{
    P->where = "aux field";
    rdbl__pitem k, v;
    P->hold = P->cur;
    rdbl_status st = rdbl__p_str(P, &k, 0, RDBL__STR_BYTES);
    if (st == RDBL_OK)
        st = rdbl__p_str(P, &v, 1, RDBL__STR_BYTES);
    P->hold = NULL;
    RDBL__TRY(st);
    rdbl__p_resolve(P, &k);
    rdbl__p_resolve(P, &v);
    if (item_is(&k.it, "df-ver"))
        P->dragonfly = true;
    if (P->ev->on_aux)
        return RDBL__CB(P, P->ev->on_aux(P->user, &k.it, &v.it));
    return RDBL_OK;
}

static rdbl_status read_module_aux(rdbl__p *P, uint64_t at)
{
    P->where = "module aux";
    uint64_t id, when_op, when;
    RDBL__TRY(rdbl__p_len(P, &id));
    RDBL__TRY(rdbl__p_len(P, &when_op));
    if (when_op != 2)
        return rdbl__p_fail(P, RDBL_CORRUPT, at,
                            "module aux: expected the 'when' field (opcode 2), found %" PRIu64,
                            when_op);
    RDBL__TRY(rdbl__p_len(P, &when));
    uint64_t start = rdbl__p_offset(P);
    RDBL__TRY(rdbl__p_module_tagged(P));
    char name[10];
    int encver;
    rdbl_module_id_decode(id, name, &encver);
    if (P->ev->on_module_aux) {
        rdbl_str n = {(const uint8_t *)name, 9};
        return RDBL__CB(P, P->ev->on_module_aux(P->user, n, encver, (int)when,
                                                rdbl__p_offset(P) - start));
    }
    return RDBL_OK;
}

static rdbl_status read_function(rdbl__p *P, bool pre_ga)
{
    P->where = pre_ga ? "function (7.0 RC)" : "function";
    rdbl_str name = {(const uint8_t *)"", 0}, engine = name;
    rdbl_item tmp;
    if (pre_ga) {
        /* name, engine, has_desc, [desc], code: keep name and engine. */
        RDBL__TRY(rdbl__p_str_copy(P, &P->names[0], &tmp));
        name = (rdbl_str){tmp.ptr, tmp.len};
        RDBL__TRY(rdbl__p_str_copy(P, &P->names[1], &tmp));
        engine = (rdbl_str){tmp.ptr, tmp.len};
        uint64_t has_desc;
        RDBL__TRY(rdbl__p_len(P, &has_desc));
        if (has_desc > 1)
            return rdbl__p_fail(P, RDBL_CORRUPT, rdbl__p_offset(P),
                                "function description flag %" PRIu64 " (expected 0 or 1)",
                                has_desc);
        if (has_desc) {
            rdbl__pitem d;
            RDBL__TRY(rdbl__p_str(P, &d, 0, RDBL__STR_LEN));
        }
    }
    rdbl__pitem code;
    RDBL__TRY(rdbl__p_str(P, &code, 2, P->ev->on_function ? RDBL__STR_BYTES : RDBL__STR_LEN));
    if (!P->ev->on_function)
        return RDBL_OK;
    char num[24];
    rdbl_str c;
    if (code.it.is_int) {
        size_t n = rdbl_item_text(&code.it, num, sizeof num);
        c = (rdbl_str){(const uint8_t *)num, n};
    } else {
        c = (rdbl_str){code.it.ptr, code.it.len};
    }
    return RDBL__CB(P, P->ev->on_function(P->user, c, name, engine));
}

static rdbl_status read_slot_import(rdbl__p *P)
{
    P->where = "slot import";
    rdbl__pitem name;
    RDBL__TRY(rdbl__p_str(P, &name, 0, RDBL__STR_LEN));
    uint64_t n, a, b;
    RDBL__TRY(rdbl__p_len(P, &n));
    for (uint64_t i = 0; i < n; i++) {
        RDBL__TRY(rdbl__p_len(P, &a));
        RDBL__TRY(rdbl__p_len(P, &b));
    }
    return RDBL_OK;
}

static rdbl_status read_key_meta(rdbl__p *P)
{
    P->where = "key metadata";
    uint64_t n;
    RDBL__TRY(rdbl__p_len(P, &n));
    for (uint64_t i = 0; i < n; i++) {
        RDBL__TRY(rdbl__p_skip(P, 4)); /* class spec */
        RDBL__TRY(rdbl__p_module_tagged(P));
    }
    return RDBL_OK;
}

/* Bytes after EOF (+CRC): counted, and counted as RESP commands while
 * they read as such (aoftail.c), not kept. */
static rdbl_status count_trailing(rdbl__p *P, rdbl_end_info *ei)
{
    uint64_t *n = &ei->trailing_bytes;
    rdbl__resp resp;
    memset(&resp, 0, sizeof resp);
    *n = 0;
    for (;;) {
        size_t avail = (size_t)(P->lim - P->cur);
        *n += avail;
        rdbl__resp_feed(&resp, P->cur, avail);
        ei->aof_commands = resp.commands;
        ei->aof_tail = *n > 0 && resp.commands > 0 && rdbl__resp_whole(&resp);
        P->cur = P->lim;
        rdbl_source_consume(P->src, (size_t)(P->cur - P->win));
        P->win_off += (uint64_t)(P->cur - P->win);
        const uint8_t *p;
        rdbl_error serr = {0};
        rdbl_status st = rdbl_source_need(P->src, 1, &p, &avail, &serr);
        P->win = P->cur = p;
        P->lim = p + avail;
        if (st == RDBL_TRUNCATED && avail == 0)
            return RDBL_OK;
        if (st != RDBL_OK && st != RDBL_TRUNCATED)
            return rdbl__p_fail(P, st, rdbl__p_offset(P), "after EOF: %s", serr.msg);
    }
}

static rdbl_status read_eof(rdbl__p *P, uint64_t eof_off)
{
    P->where = "checksum";
    rdbl_end_info ei = {0};
    ei.eof_offset = eof_off;
    rdbl_status result = RDBL_OK;
    if (P->fi.rdb_version >= 5) {
        bool on = P->crc_on;
        if (on) {
            /* A refill inside need() folds [win, cur) into the CRC; the rest
             * of the bytes up to the EOF opcode are added here. */
            rdbl_status st = rdbl__p_need(P, 8);
            if (st == RDBL_OK && P->crcbg) {
                P->crc = rdbl__crcbg_finish(P->crcbg, (size_t)(rdbl__p_offset(P) - P->crcbg_off));
                P->crcbg = NULL;
            } else if (st == RDBL_OK) {
                P->crc = rdbl_crc64(P->crc, P->win, (size_t)(P->cur - P->win));
            }
            P->crc_on = false;
            RDBL__TRY(st);
        }
        int64_t stored;
        RDBL__TRY(rdbl__p_i64le(P, &stored));
        ei.stored_crc = (uint64_t)stored;
        ei.computed_crc = on ? P->crc : 0;
        if (!on)
            ei.checksum = RDBL_CHECKSUM_NOT_CHECKED;
        else if (ei.stored_crc == 0)
            ei.checksum = RDBL_CHECKSUM_DISABLED;
        else if (ei.stored_crc == ei.computed_crc)
            ei.checksum = RDBL_CHECKSUM_OK;
        else
            ei.checksum = RDBL_CHECKSUM_MISMATCH;
    } else {
        ei.checksum = RDBL_CHECKSUM_ABSENT;
    }
    P->crc_on = false;
    RDBL__TRY(count_trailing(P, &ei));
    if (ei.checksum == RDBL_CHECKSUM_MISMATCH)
        result = rdbl__p_fail(P, RDBL_CHECKSUM, eof_off + 1,
                              "CRC-64 mismatch: stored %016" PRIx64 ", computed %016" PRIx64
                              " (the content itself was read)",
                              ei.stored_crc, ei.computed_crc);
    if (P->ev->on_end)
        RDBL__TRY(RDBL__CB(P, P->ev->on_end(P->user, &ei)));
    return result;
}

/* Reads the key record whose type byte was just read. */
static rdbl_status read_key(rdbl__p *P, int type, uint64_t type_off)
{
    rdbl_key_info *ki = &P->ki;
    memset(ki, 0, sizeof *ki);
    memset(&P->st, 0, sizeof P->st);
    P->st.elements_exact = true;
    P->st.min_field_expire_ms = -1;
    ki->rdb_type = type;
    ki->db = P->db;
    uint64_t start = P->pend_any ? P->pend_offset : type_off;
    /* Keys inside a Dragonfly compressed blob have no file offset of their
     * own: they report the blob's. */
    ki->offset = P->nested ? P->nested_at : start;
    ki->has_expire = P->pend_expire;
    ki->expire_ms = P->pend_expire_ms;
    ki->idle_s = P->pend_idle;
    ki->freq = P->pend_freq;
    P->pend_any = P->pend_expire = false;
    P->pend_idle = -1;
    P->pend_freq = -1;
    P->key.len = 0;
    P->in_key = true;
    P->where = "key";
    RDBL__TRY(rdbl__p_classify(P));

    rdbl_item k;
    RDBL__TRY(rdbl__p_str_copy(P, &P->key, &k));
    ki->key = (rdbl_str){P->key.p, P->key.len};
    if (type == 0 || (type == 20 && ki->type == RDBL_TYPE_JSON) || type == 30) {
        /* The string's own encoding byte tells RAW, INT or LZF: peek it so
         * on_begin_key can see it. */
        P->where = "string value";
        RDBL__TRY(rdbl__p_need(P, 1));
        uint8_t b = P->cur[0];
        if (b >> 6 == 3)
            ki->encoding = (b & 0x3f) == 3 ? RDBL_ENC_LZF : RDBL_ENC_INT;
    }
    if (RDBL_UNLIKELY(P->salv != NULL))
        RDBL__TRY(rdbl__salvage_key(P));
    P->skip = false;
    if (P->ev->on_begin_key) {
        int rc = P->ev->on_begin_key(P->user, ki);
        if (rc == RDBL_SKIP)
            P->skip = true;
        else
            RDBL__TRY(RDBL__CB(P, rc));
    }
    RDBL__TRY(rdbl__p_value(P));
    P->st.rdb_bytes = rdbl__p_offset(P) - start;
    if (P->ev->on_end_key)
        RDBL__TRY(RDBL__CB(P, P->ev->on_end_key(P->user, ki, &P->st)));
    P->in_key = false;
    P->keys_done++;
    if (RDBL_UNLIKELY(P->salv != NULL))
        rdbl__salvage_key_done(P);
    return RDBL_OK;
}

static rdbl_status set_pending(rdbl__p *P, uint64_t off)
{
    if (!P->pend_any) {
        P->pend_any = true;
        P->pend_offset = off;
    }
    return RDBL_OK;
}

/* A resynchronisation probe met a record that changes the parser's state
 * (a hash template, a Dragonfly blob): not taken as a resync point. */
static rdbl_status not_in_probe(rdbl__p *P, uint64_t off)
{
    return rdbl__p_fail(P, RDBL_CORRUPT, off, "record kind not accepted after a hole");
}

/* True when a nested (decompressed blob) input has no byte left. */
static bool nested_at_end(rdbl__p *P)
{
    if (P->cur < P->lim)
        return false;
    const uint8_t *p;
    size_t avail = 0;
    rdbl_error serr = {0};
    rdbl_source_consume(P->src, (size_t)(P->cur - P->win));
    P->win_off += (uint64_t)(P->cur - P->win);
    rdbl_status st = rdbl_source_need(P->src, 1, &p, &avail, &serr);
    P->win = P->cur = p;
    P->lim = p + avail;
    return st == RDBL_TRUNCATED && avail == 0;
}

rdbl_status rdbl__p_records(rdbl__p *P)
{
    for (;;) {
#if defined(__GNUC__)
        /* The hardware prefetchers stop at page boundaries; ask for the
         * input a few records ahead (never beyond the window). */
        if (RDBL_LIKELY((size_t)(P->lim - P->cur) > RDBL__PREFETCH))
            __builtin_prefetch(P->cur + RDBL__PREFETCH);
#endif
        uint64_t off = rdbl__p_offset(P);
        P->rec_off = off;
        P->where = "record";
        if (P->nested && nested_at_end(P))
            return RDBL_OK;
        uint8_t t;
        rdbl_status st = rdbl__p_u8(P, &t);
        if (st == RDBL_TRUNCATED) {
            P->err->code = RDBL_OK;
            return rdbl__p_fail(P, RDBL_TRUNCATED, off,
                                "input ends at offset %" PRIu64 " before the EOF marker", off);
        }
        RDBL__TRY(st);
        if (t < 64 || (t == 64 && !P->dragonfly)) {
            RDBL__TRY(read_key(P, t, off));
            if (P->stop)
                return RDBL_OK;
            continue;
        }
        switch (t) {
        case OP_EOF:
            if (RDBL_UNLIKELY(P->probing))
                return rdbl__salvage_probe_eof(P);
            if (P->nested)
                return rdbl__p_fail(P, RDBL_CORRUPT, off,
                                    "EOF marker inside a Dragonfly compressed blob");
            if (P->pend_any)
                RDBL__TRY(warn(P, off, "EOF after a key prefix (expire/idle/freq) without a key"));
            return read_eof(P, off);
        case OP_SELECTDB:
            P->where = "select db";
            RDBL__TRY(rdbl__p_len(P, &P->db));
            if (P->ev->on_db)
                RDBL__TRY(RDBL__CB(P, P->ev->on_db(P->user, P->db)));
            break;
        case OP_RESIZEDB: {
            P->where = "resize db";
            uint64_t a, b;
            RDBL__TRY(rdbl__p_len(P, &a));
            RDBL__TRY(rdbl__p_len(P, &b));
            if (P->ev->on_resize_db)
                RDBL__TRY(RDBL__CB(P, P->ev->on_resize_db(P->user, P->db, a, b)));
            break;
        }
        case OP_EXPIRETIME: {
            P->where = "expire time (s)";
            RDBL__TRY(rdbl__p_need(P, 4));
            int32_t s = (int32_t)rdbl__le32(P->cur);
            P->cur += 4;
            set_pending(P, off);
            P->pend_expire = true;
            P->pend_expire_ms = (int64_t)s * 1000;
            break;
        }
        case OP_EXPIRETIME_MS:
            P->where = "expire time (ms)";
            RDBL__TRY(rdbl__p_i64le(P, &P->pend_expire_ms));
            set_pending(P, off);
            P->pend_expire = true;
            break;
        case OP_IDLE: {
            P->where = "idle time";
            uint64_t v;
            RDBL__TRY(rdbl__p_len(P, &v));
            set_pending(P, off);
            P->pend_idle = v > INT64_MAX ? INT64_MAX : (int64_t)v;
            break;
        }
        case OP_FREQ: {
            P->where = "LFU frequency";
            uint8_t v;
            RDBL__TRY(rdbl__p_u8(P, &v));
            set_pending(P, off);
            P->pend_freq = v;
            break;
        }
        case OP_AUX:
            RDBL__TRY(read_aux(P));
            break;
        case OP_MODULE_AUX:
            RDBL__TRY(read_module_aux(P, off));
            break;
        case OP_FUNCTION_PRE_GA:
            RDBL__TRY(read_function(P, true));
            break;
        case OP_FUNCTION2:
            RDBL__TRY(read_function(P, false));
            break;
        case OP_SLOT_INFO: {
            P->where = "slot info";
            uint64_t s, k, e;
            RDBL__TRY(rdbl__p_len(P, &s));
            RDBL__TRY(rdbl__p_len(P, &k));
            RDBL__TRY(rdbl__p_len(P, &e));
            if (P->ev->on_slot_info)
                RDBL__TRY(RDBL__CB(P, P->ev->on_slot_info(P->user, s, k, e)));
            break;
        }
        case OP_243:
            if (P->fi.producer == RDBL_PRODUCER_VALKEY) {
                RDBL__TRY(read_slot_import(P));
            } else {
                set_pending(P, off);
                RDBL__TRY(read_key_meta(P));
            }
            break;
        case OP_242:
            if (P->probing)
                return not_in_probe(P, off);
            if (P->fi.producer == RDBL_PRODUCER_VALKEY)
                return rdbl__p_fail(P, RDBL_UNSUPPORTED, off,
                                    "Valkey UPDATE opcode 242 belongs to replication streams, "
                                    "not snapshot files");
            RDBL__TRY(rdbl__p_hash_template(P, off));
            break;
        case OP_DF_FULLSYNC_END:
            P->where = "dragonfly fullsync end";
            RDBL__TRY(rdbl__p_skip(P, 8));
            break;
        case OP_DF_JOURNAL_BLOB: {
            P->where = "dragonfly journal";
            uint64_t n;
            rdbl__pitem x;
            RDBL__TRY(rdbl__p_len(P, &n));
            RDBL__TRY(rdbl__p_str(P, &x, 0, RDBL__STR_LEN));
            RDBL__TRY(warn(P, off, "Dragonfly journal blob skipped"));
            break;
        }
        case OP_DF_JOURNAL_OFFSET:
            P->where = "dragonfly journal offset";
            RDBL__TRY(rdbl__p_skip(P, 8));
            break;
        case OP_DF_MASK: {
            P->where = "dragonfly key flags";
            RDBL__TRY(rdbl__p_need(P, 4));
            uint32_t fl = rdbl__le32(P->cur);
            P->cur += 4;
            if (fl & 2)
                RDBL__TRY(rdbl__p_skip(P, 4));
            set_pending(P, off);
            break;
        }
        case OP_DF_ZSTD_BLOB:
        case OP_DF_LZ4_BLOB:
            if (P->probing)
                return not_in_probe(P, off);
            RDBL__TRY(rdbl__p_df_blob(P, t, off));
            break;
        case OP_DF_BLOB_END:
            /* Dragonfly's loader appends it after a blob; harmless in a file */
            break;
        case OP_RE_RAM_LRU:
        case OP_RE_SLOT_NUM: {
            P->where = "Redis Enterprise opcode";
            uint64_t v;
            RDBL__TRY(rdbl__p_len(P, &v));
            break;
        }
        default:
            return rdbl__p_fail(P, RDBL_UNSUPPORTED, off,
                                "unknown record type or opcode %d (0x%02x) at offset %" PRIu64
                                "; an RDB value has no length prefix, so it cannot be skipped",
                                t, t, off);
        }
        if (P->stop)
            return RDBL_OK;
    }
}

rdbl_status rdbl_parse(rdbl_source *src, const rdbl_events *ev, void *user,
                       const rdbl_parse_opts *opts, rdbl_error *err)
{
    static const rdbl_events no_events;
    rdbl_error local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof *err);
    err->rdb_type = -1;
    if (!src)
        return rdbl__fail(err, RDBL_USAGE, 0, "parse", "no source");

    rdbl__p *P = calloc(1, sizeof *P);
    if (!P)
        return rdbl__fail(err, RDBL_NOMEM, 0, "parse", "out of memory");
    P->src = src;
    P->ev = ev ? ev : &no_events;
    P->user = user;
    P->err = err;
    P->flags = opts ? opts->flags : 0;
    if (opts) {
        P->progress = opts->progress;
        P->progress_user = opts->progress_user;
    }
    P->pend_idle = -1;
    P->pend_freq = -1;
    P->win_off = rdbl_source_offset(src);
    if (rdbl_source_compression(src) == RDBL_COMP_NONE && rdbl_source_input_size(src))
        P->in_end = P->win_off + rdbl_source_input_size(src);
    /* An empty window: the first read refills. */
    static const uint8_t empty[1];
    P->win = P->cur = P->lim = empty;

    rdbl_status st = RDBL_OK;
    if ((P->flags & RDBL_PARSE_SALVAGE) && rdbl__salvage_init(P, opts) != 0)
        st = rdbl__fail(err, RDBL_NOMEM, 0, "parse", "out of memory");
    if (st == RDBL_OK)
        st = read_header(P);
    if (st == RDBL_OK && !P->stop) {
        st = rdbl__p_records(P);
        /* salvage: past each hole, records again */
        while (RDBL_UNLIKELY(P->salv != NULL) && st != RDBL_OK && !P->stop &&
               rdbl__salvage_resync(P, &st))
            st = rdbl__p_records(P);
    }
    if (P->salv)
        st = rdbl__salvage_finish(P, st);
    if (P->stop) {
        st = RDBL_OK;
        memset(err, 0, sizeof *err);
        err->rdb_type = -1;
    }
    /* Hand unconsumed-but-read bytes back: the source sits after what we used. */
    if (P->cur > P->win && P->win != empty)
        rdbl_source_consume(src, (size_t)(P->cur - P->win));

    rdbl__crcbg_cancel(P->crcbg); /* an error or a stop before the EOF opcode */
    for (int i = 0; i < RDBL__SCRATCH_SLOTS; i++)
        free(P->scratch[i].p);
    free(P->names[0].p);
    free(P->names[1].p);
    free(P->items.p);
    free(P->key.p);
    rdbl__p_templates_free(P);
    free(P);
    return st;
}
