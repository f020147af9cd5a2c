/* The parser's private state and its byte-reading primitives.
 *
 * The parser reads through a window onto the source: [win, lim) are bytes the
 * source has made available, cur the read position. Bytes before cur are
 * released to the source (and fed to the CRC-64) at the next refill, except
 * from `hold` on: a caller that needs an earlier item to stay addressable
 * (a hash field while its value is read) sets hold, and items it keeps are
 * recorded by absolute offset (pitem) and re-resolved after reading.
 *
 * Every primitive returns rdbl_status; the first error fills P->err with the
 * offset, the phase (P->where), the key being read and the RDB type. */
#ifndef RDBL_PARSER_READER_H
#define RDBL_PARSER_READER_H

#include "internal.h"
#include "parser/blob.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"

#define RDBL__SCRATCH_SLOTS 3
/* Bytes of input the parser looks at between two refills (see rdbl__p_refill). */
#define RDBL__VIEW (1u << 20)

#define RDBL__TRY(x)                      \
    do {                                  \
        rdbl_status rdbl__st_ = (x);      \
        if (RDBL_UNLIKELY(rdbl__st_ != RDBL_OK)) \
            return rdbl__st_;             \
    } while (0)

typedef struct rdbl__buf {
    uint8_t *p;
    size_t len, cap;
} rdbl__buf;

typedef struct rdbl__tmpl rdbl__tmpl;

typedef struct rdbl__p {
    rdbl_source *src;
    const rdbl_events *ev;
    void *user;
    rdbl_error *err;
    unsigned flags;

    const uint8_t *win, *cur, *lim;
    uint64_t win_off;      /* decompressed offset of win */
    const uint8_t *hold;   /* NULL, or a position in [win, cur] to keep */

    bool crc_on;
    uint64_t crc;
    struct rdbl__crcbg *crcbg; /* the CRC runs in a helper (crcbg.c); crc unused */
    uint64_t crcbg_off;        /* decompressed offset of the helper's base */

    rdbl_file_info fi;
    bool dragonfly;        /* aux df-ver seen */
    const char *where;     /* phase, for errors */

    /* the key being read */
    rdbl__buf key;
    rdbl_key_info ki;
    rdbl_key_stats st;
    bool in_key;
    bool skip;             /* the consumer said RDBL_SKIP for this key */

    /* pending per-key prefixes */
    bool pend_expire;
    int64_t pend_expire_ms;
    int64_t pend_idle;
    int pend_freq;
    uint64_t pend_offset;
    bool pend_any;
    uint64_t db;

    rdbl__buf scratch[RDBL__SCRATCH_SLOTS]; /* decompressed strings/blobs */
    rdbl__buf names[2];    /* stream group / consumer names */
    rdbl__buf items;       /* stream entry field/value arrays */
    int stop;              /* a handler returned RDBL_STOP */
    uint64_t keys_done;
    bool nested;           /* reading the records of a Dragonfly compressed blob */
    uint64_t nested_at;    /* that blob's offset in the file */
    rdbl__tmpl *templates; /* RDB 15 hash templates seen so far (template.c) */
    size_t ntemplates;
    void (*progress)(void *, uint64_t);
    void *progress_user;
    uint64_t in_end;       /* decompressed offset of the input's end when known
                              (a plain file or memory), else 0 */

    /* RDBL_PARSE_SALVAGE (salvage.c); salv is NULL when off, and nothing
     * below is touched then except rec_off. */
    struct rdbl__salv *salv;
    uint64_t rec_off;      /* offset of the record being read */
    const uint8_t *anchor; /* NULL, or a position in [win, cur] a refill keeps (the scan) */
    bool probing;          /* trying a resynchronisation candidate: no events, bounded reads */
    bool key_begun;        /* salvage: on_begin_key was sent for the key being read */
} rdbl__p;

/* A string read from the input: either bytes in the window (resolve before
 * use if the window may have moved), bytes in a scratch buffer, or an int. */
typedef struct rdbl__pitem {
    rdbl_item it;
    uint64_t abs;    /* absolute offset of the bytes when inwin */
    bool inwin;
    bool lzf;        /* was LZF-compressed */
    uint64_t stored; /* bytes it took in the file */
} rdbl__pitem;

/* How much of a string the caller needs. */
enum {
    RDBL__STR_BYTES = 0, /* the bytes (decompressed) */
    RDBL__STR_LEN = 1,   /* only the length: LZF is not decompressed, raw bytes skipped */
};

static inline uint64_t rdbl__p_offset(const rdbl__p *P)
{
    return P->win_off + (uint64_t)(P->cur - P->win);
}

rdbl_status rdbl__p_fail(rdbl__p *P, rdbl_status code, uint64_t offset, const char *fmt, ...)
    RDBL_PRINTF(4, 5);
rdbl_status rdbl__p_refill(rdbl__p *P, size_t n);

static inline rdbl_status rdbl__p_need(rdbl__p *P, size_t n)
{
    if (RDBL_LIKELY((size_t)(P->lim - P->cur) >= n))
        return RDBL_OK;
    return rdbl__p_refill(P, n);
}

static inline void rdbl__p_resolve(const rdbl__p *P, rdbl__pitem *x)
{
    if (x->inwin)
        x->it.ptr = P->win + (x->abs - P->win_off);
}

static inline rdbl_status rdbl__p_u8(rdbl__p *P, uint8_t *out)
{
    RDBL__TRY(rdbl__p_need(P, 1));
    *out = *P->cur++;
    return RDBL_OK;
}
rdbl_status rdbl__p_bytes(rdbl__p *P, void *out, size_t n);
rdbl_status rdbl__p_skip_slow(rdbl__p *P, uint64_t n);
static inline rdbl_status rdbl__p_skip(rdbl__p *P, uint64_t n)
{
    if (RDBL_LIKELY(n <= (size_t)(P->lim - P->cur))) {
        P->cur += n;
        return RDBL_OK;
    }
    return rdbl__p_skip_slow(P, n);
}
/* The bytes of a string (its length field at `at`, len bytes declared from
 * data_at on) that the input cannot hold. Every reading mode (read whole, in
 * chunks, or skipped) reports it alike: at the length field, with the
 * declared and available sizes. rdbl__p_fits fails early, before reading or
 * skipping anything, when the input's size is known; rdbl__p_short turns a
 * truncation met while reading the data into that error (other statuses
 * pass through). */
rdbl_status rdbl__p_fits_fail(rdbl__p *P, uint64_t at, uint64_t data_at, uint64_t len);
static inline rdbl_status rdbl__p_fits(rdbl__p *P, uint64_t at, uint64_t data_at, uint64_t len)
{
    if (RDBL_LIKELY(!P->in_end || (data_at <= P->in_end && len <= P->in_end - data_at)))
        return RDBL_OK;
    return rdbl__p_fits_fail(P, at, data_at, len);
}
rdbl_status rdbl__p_short(rdbl__p *P, rdbl_status st, uint64_t at, uint64_t data_at,
                          uint64_t len);
#define RDBL__BODY(P, call, at, data_at, len)                                 \
    do {                                                                      \
        rdbl_status body_st_ = (call);                                        \
        if (RDBL_UNLIKELY(body_st_ != RDBL_OK))                               \
            return rdbl__p_short((P), body_st_, (at), (data_at), (len));      \
    } while (0)
/* A length (§3.1); special encodings are corruption here. */
rdbl_status rdbl__p_len_slow(rdbl__p *P, uint64_t *out);
static inline rdbl_status rdbl__p_len(rdbl__p *P, uint64_t *out)
{
    /* 6-bit and 14-bit lengths with their bytes at hand */
    if (RDBL_LIKELY(P->cur < P->lim)) {
        uint8_t b = P->cur[0];
        if (RDBL_LIKELY(b < 0x40)) {
            *out = b;
            P->cur++;
            return RDBL_OK;
        }
        if (b < 0x80 && P->lim - P->cur >= 2) {
            *out = (uint64_t)(b & 0x3f) << 8 | P->cur[1];
            P->cur += 2;
            return RDBL_OK;
        }
    }
    return rdbl__p_len_slow(P, out);
}
/* A length or a special string kind (*special = -1 for a plain length). */
rdbl_status rdbl__p_len_or_special_slow(rdbl__p *P, uint64_t *out, int *special);
static inline rdbl_status rdbl__p_len_or_special(rdbl__p *P, uint64_t *out, int *special)
{
    /* the common cases with bytes at hand: a 6-bit length, a special
     * (integer or LZF string), a 14-bit length */
    if (RDBL_LIKELY(P->cur < P->lim)) {
        uint8_t b = P->cur[0];
        if (RDBL_LIKELY(b < 0x40)) {
            *out = b;
            *special = -1;
            P->cur++;
            return RDBL_OK;
        }
        if (b >= 0xC0) {
            *out = 0;
            *special = b & 0x3f;
            P->cur++;
            return RDBL_OK;
        }
        if (b < 0x80 && P->lim - P->cur >= 2) {
            *out = (uint64_t)(b & 0x3f) << 8 | P->cur[1];
            *special = -1;
            P->cur += 2;
            return RDBL_OK;
        }
    }
    return rdbl__p_len_or_special_slow(P, out, special);
}
/* A string (§3.2) into x. slot picks the scratch buffer for LZF output. */
rdbl_status rdbl__p_str_slow(rdbl__p *P, rdbl__pitem *x, int slot, int mode);
static inline rdbl_status rdbl__p_str(rdbl__p *P, rdbl__pitem *x, int slot, int mode)
{
    /* the common case: a short plain string (6-bit length) wholly in the window */
    if (RDBL_LIKELY(P->cur < P->lim && P->cur[0] < 0x40 &&
                    P->cur[0] < (size_t)(P->lim - P->cur))) {
        size_t len = P->cur[0];
        x->inwin = mode != RDBL__STR_LEN;
        x->lzf = false;
        x->it.is_int = false;
        x->it.len = len;
        x->it.ptr = mode == RDBL__STR_LEN ? NULL : P->cur + 1;
        x->abs = rdbl__p_offset(P) + 1;
        x->stored = 1 + len;
        P->cur += 1 + len;
        return RDBL_OK;
    }
    return rdbl__p_str_slow(P, x, slot, mode);
}
/* A string copied into buf (for names that must outlive later reads). */
rdbl_status rdbl__p_str_copy_slow(rdbl__p *P, rdbl__buf *buf, rdbl_item *out);
/* out = the n bytes just copied into buf. */
static inline void rdbl__buf_item(rdbl__buf *buf, size_t n, rdbl_item *out)
{
    buf->len = n;
    out->ptr = buf->p;
    out->len = n;
    out->is_int = false;
    out->ival = 0;
}
static inline rdbl_status rdbl__p_str_copy(rdbl__p *P, rdbl__buf *buf, rdbl_item *out)
{
    /* a short plain string wholly in the window, and room in buf; with 64
     * bytes at hand on both sides, a fixed-size copy (no length-driven loop) */
    if (RDBL_LIKELY(P->cur < P->lim && P->cur[0] < 0x40 &&
                    P->cur[0] < (size_t)(P->lim - P->cur) && (size_t)P->cur[0] + 24 <= buf->cap)) {
        size_t n = P->cur[0];
        if (RDBL_LIKELY((size_t)(P->lim - P->cur) > 64 && buf->cap >= 64))
            memcpy(buf->p, P->cur + 1, 64);
        else
            memcpy(buf->p, P->cur + 1, n);
        P->cur += 1 + n;
        rdbl__buf_item(buf, n, out);
        return RDBL_OK;
    }
    return rdbl__p_str_copy_slow(P, buf, out);
}
/* A whole string that must be contiguous (a blob): decompressed when LZF. */
rdbl_status rdbl__p_blob(rdbl__p *P, rdbl__pitem *x, int slot, bool decode);
static inline rdbl_status rdbl__p_i64le(rdbl__p *P, int64_t *out)
{
    RDBL__TRY(rdbl__p_need(P, 8));
    *out = (int64_t)rdbl__le64(P->cur);
    P->cur += 8;
    return RDBL_OK;
}
static inline rdbl_status rdbl__p_double_bin(rdbl__p *P, double *out)
{
    RDBL__TRY(rdbl__p_need(P, 8));
    uint64_t u = rdbl__le64(P->cur);
    memcpy(out, &u, 8);
    P->cur += 8;
    return RDBL_OK;
}
rdbl_status rdbl__p_double_ascii(rdbl__p *P, double *out);
rdbl_status rdbl__p_stream_id_raw(rdbl__p *P, rdbl_stream_id *id);

int rdbl__buf_reserve(rdbl__buf *b, size_t n);

/* The CRC-64 of in-memory input in a helper thread (crcbg.c). base[0, len)
 * must stay readable until finish/cancel; init is the CRC of what came before.
 * @return NULL when no thread (or memory) is available: compute in-line. */
typedef struct rdbl__crcbg rdbl__crcbg;
rdbl__crcbg *rdbl__crcbg_start(const uint8_t *base, size_t len, uint64_t init);
/* base[0, consumed) is behind the parser: the helper may read a bounded
 * distance beyond it. Returns once the helper is past consumed (call it
 * before releasing those bytes to the source). */
void rdbl__crcbg_advance(rdbl__crcbg *c, size_t consumed);
/* Joins the helper and frees c. @return the CRC of base[0, n), n <= len. */
uint64_t rdbl__crcbg_finish(rdbl__crcbg *c, size_t n);
/* Joins the helper and frees c (NULL is fine). */
void rdbl__crcbg_cancel(rdbl__crcbg *c);

/* Calls a handler and turns its answer into a status: STOP sets P->stop. */
rdbl_status rdbl__p_cb_slow(rdbl__p *P, int rc);
static inline rdbl_status rdbl__p_cb(rdbl__p *P, int rc)
{
    if (RDBL_LIKELY(rc == 0 || rc == RDBL_SKIP))
        return RDBL_OK;
    return rdbl__p_cb_slow(P, rc);
}
#define RDBL__CB(P, call) rdbl__p_cb((P), (call))

/* The top-level record loop (parser.c): until EOF, or, nested, until the
 * input ends at a record boundary. */
rdbl_status rdbl__p_records(rdbl__p *P);
/* Dragonfly compressed record blobs, opcodes 201/202 (dragonfly.c). */
rdbl_status rdbl__p_df_blob(rdbl__p *P, int op, uint64_t at);

/* RDB 15 hash templates (template.c): the 242 record, types 30/32. */
rdbl_status rdbl__p_hash_template(rdbl__p *P, uint64_t at);
rdbl_status rdbl__p_template_value(rdbl__p *P);
void rdbl__p_templates_free(rdbl__p *P);

/* RESP commands after the RDB (aoftail.c): an AOF with an RDB preamble. */
typedef struct rdbl__resp {
    int state;
    uint64_t num, args, skip, commands;
    int digits;
} rdbl__resp;
/* Feeds the next n bytes of the tail (zero-initialised r to start). */
void rdbl__resp_feed(rdbl__resp *r, const uint8_t *p, size_t n);
/* The bytes so far are whole RESP commands. */
bool rdbl__resp_whole(const rdbl__resp *r);

/* Reading past damage (salvage.c), RDBL_PARSE_SALVAGE. */
/* Sets up P->salv; P->err then points at a per-hole error. @return 0, -1 (no memory). */
int rdbl__salvage_init(rdbl__p *P, const rdbl_parse_opts *o);
/* Restores P->err to the caller's, with the first error; frees P->salv.
 * @return the parse's status given the last one (st). */
rdbl_status rdbl__salvage_finish(rdbl__p *P, rdbl_status st);
/* A key's name has been read: refuses names the file's undamaged part makes
 * implausible (empty; not text when its keys are). */
rdbl_status rdbl__salvage_key(rdbl__p *P);
/* A key was read whole. */
void rdbl__salvage_key_done(rdbl__p *P);
/* After the record loop failed with st: skips the hole. @return true to go
 * on reading records, false when the parse ends (*st is then its status). */
bool rdbl__salvage_resync(rdbl__p *P, rdbl_status *st);
/* A probe met the EOF opcode: accepted only when the input ends right after it. */
rdbl_status rdbl__salvage_probe_eof(rdbl__p *P);
/* A probe's read would pass its look-ahead bound. */
rdbl_status rdbl__salvage_probe_bound(rdbl__p *P, size_t n);

/* Per-type value readers (object.c, stream.c, module.c). */
/* Sets P->ki.type/encoding from P->ki.rdb_type (collisions by magic/version). */
rdbl_status rdbl__p_classify(rdbl__p *P);
rdbl_status rdbl__p_value(rdbl__p *P);
rdbl_status rdbl__p_stream(rdbl__p *P, int version);
rdbl_status rdbl__p_module_value(rdbl__p *P, bool tagged, rdbl_str *name, int *encver,
                                 uint64_t *payload);
rdbl_status rdbl__p_module_tagged(rdbl__p *P);
/* Vendor types without element events: Array, Dragonfly sketches, KeyDB cron (vendor.c). */
rdbl_status rdbl__p_vendor_value(rdbl__p *P);
/* A blob decoder's error. in_file: the blob's bytes are the file's (the
 * error offset is blob_off + the offset inside the blob); false for a blob
 * that was LZF-decompressed, whose inner offsets are not file positions: the
 * error then points at the blob's string (the message keeps "at +N"). */
rdbl_status rdbl__p_blob_fail(rdbl__p *P, uint64_t blob_off, bool in_file, const char *what,
                              const rdbl__berr *e);

/* Item bookkeeping for key statistics. */
static inline void rdbl__p_count(rdbl__p *P, uint64_t len)
{
    P->st.elements++;
    P->st.value_bytes += len;
    if (len > P->st.largest_element)
        P->st.largest_element = len;
}

#endif
