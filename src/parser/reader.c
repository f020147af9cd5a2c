/* Byte-level reading for the parser: the window over the source, lengths
 * (§3.1), strings with their INT and LZF forms (§3.2), fixed scalars (§3.3).
 * All lengths are distrusted: nothing is allocated before the bytes it
 * describes have actually arrived (the source grows its window only as data
 * comes in), and LZF sizes are checked for plausibility first. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parser/reader.h"

int rdbl__buf_reserve(rdbl__buf *b, size_t n)
{
    if (n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < n) {
        if (cap > SIZE_MAX / 2) {
            cap = n;
            break;
        }
        cap *= 2;
    }
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

rdbl_status rdbl__p_fail(rdbl__p *P, rdbl_status code, uint64_t offset, const char *fmt, ...)
{
    rdbl_error *err = P->err;
    if (!err || err->code != RDBL_OK)
        return code;
    err->code = code;
    err->offset = offset;
    err->rdb_type = P->in_key ? P->ki.rdb_type : -1;
    if (P->in_key)
        rdbl__escape(err->key, sizeof err->key, P->key.p, P->key.len);
    else
        err->key[0] = '\0';
    snprintf(err->where, sizeof err->where, "%s", P->where ? P->where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

rdbl_status rdbl__p_refill(rdbl__p *P, size_t n)
{
    const uint8_t *keep = (P->hold && P->hold < P->cur) ? P->hold : P->cur;
    size_t hold_at = 0; /* hold's distance from keep */
    if (RDBL_UNLIKELY(P->anchor != NULL)) {
        if (P->probing) /* a probe reads no further than its look-ahead */
            RDBL__TRY(rdbl__salvage_probe_bound(P, n));
        if (P->hold)
            hold_at = (size_t)((P->hold < P->cur ? P->hold : P->cur) - P->anchor);
        keep = P->anchor;
    }
    size_t drop = (size_t)(keep - P->win);
    size_t keepn = (size_t)(P->cur - keep);
    if (drop) {
        if (P->crc_on && P->crcbg)
            rdbl__crcbg_advance(P->crcbg, (size_t)(P->win_off + drop - P->crcbg_off));
        else if (P->crc_on)
            P->crc = rdbl_crc64(P->crc, P->win, drop);
        rdbl_source_consume(P->src, drop);
        P->win_off += drop;
    }
    if (P->progress)
        P->progress(P->progress_user, P->keys_done);
    const uint8_t *p = NULL;
    size_t avail = 0;
    rdbl_error serr = {0};
    size_t want = keepn + n < keepn ? SIZE_MAX : keepn + n;
    rdbl_status st = rdbl_source_need(P->src, want, &p, &avail, &serr);
    if (P->hold)
        P->hold = p + hold_at; /* hold was at keep (or at cur, which is now keep) */
    if (P->anchor)
        P->anchor = p;
    /* Look at no more than a bounded view even when the source offers the
     * whole file (a mapping): bytes behind us then get released (and CRC'd
     * while still in cache) every RDBL__VIEW bytes. */
    if (st == RDBL_OK) {
        size_t view = keepn + n > RDBL__VIEW ? keepn + n : RDBL__VIEW;
        if (avail > view)
            avail = view;
    }
    P->win = p;
    P->cur = p + keepn;
    P->lim = p + avail;
    if (st == RDBL_OK)
        return RDBL_OK;
    uint64_t at = rdbl__p_offset(P);
    if (st == RDBL_TRUNCATED)
        return rdbl__p_fail(P, RDBL_TRUNCATED, at,
                            "input ends at offset %" PRIu64 ": needed %zu more bytes%s%s",
                            P->win_off + avail, n, serr.msg[0] ? "; " : "", serr.msg);
    return rdbl__p_fail(P, st, at, "%s", serr.msg[0] ? serr.msg : rdbl_strerror(st));
}

static rdbl_status short_msg(rdbl__p *P, rdbl_status code, uint64_t at, uint64_t data_at,
                             uint64_t len, uint64_t end, const char *note)
{
    uint64_t have = end > data_at ? end - data_at : 0;
    if (have > len)
        have = len;
    return rdbl__p_fail(P, code, at,
                        "length field declares %" PRIu64 " bytes; the input ends at offset %" PRIu64
                        " with %" PRIu64 " of them (%" PRIu64 " missing)%s",
                        len, end, have, len - have, note);
}

rdbl_status rdbl__p_fits_fail(rdbl__p *P, uint64_t at, uint64_t data_at, uint64_t len)
{
    if (P->nested || data_at > P->in_end)
        return RDBL_OK;
    return short_msg(P, RDBL_TRUNCATED, at, data_at, len, P->in_end, "");
}

rdbl_status rdbl__p_short(rdbl__p *P, rdbl_status st, uint64_t at, uint64_t data_at,
                          uint64_t len)
{
    rdbl_error *e = P->err;
    if (st != RDBL_TRUNCATED || !e || e->code != RDBL_TRUNCATED || P->nested)
        return st;
    /* keep the source's own note ("gzip stream ended early ...") */
    char note[sizeof e->msg];
    const char *semi = strstr(e->msg, "; ");
    snprintf(note, sizeof note, "%s", semi ? semi : "");
    uint64_t end = P->win_off + (uint64_t)(P->lim - P->win);
    e->code = RDBL_OK; /* rewritten, not kept: rdbl__p_fail fills only a clear error */
    return short_msg(P, RDBL_TRUNCATED, at, data_at, len, end, note);
}

rdbl_status rdbl__p_cb_slow(rdbl__p *P, int rc)
{
    if (rc == 0 || rc == RDBL_SKIP)
        return RDBL_OK;
    if (rc == RDBL_STOP) {
        P->stop = 1;
        return RDBL_ABORTED; /* unwinds; rdbl_parse turns it into RDBL_OK */
    }
    return rdbl__p_fail(P, RDBL_ABORTED, rdbl__p_offset(P), "a handler returned %d", rc);
}

rdbl_status rdbl__p_bytes(rdbl__p *P, void *out, size_t n)
{
    RDBL__TRY(rdbl__p_need(P, n));
    memcpy(out, P->cur, n);
    P->cur += n;
    return RDBL_OK;
}

rdbl_status rdbl__p_skip_slow(rdbl__p *P, uint64_t n)
{
    while (n) {
        if (P->cur == P->lim)
            RDBL__TRY(rdbl__p_refill(P, 1));
        size_t avail = (size_t)(P->lim - P->cur);
        size_t take = n < avail ? (size_t)n : avail;
        P->cur += take;
        n -= take;
    }
    return RDBL_OK;
}

rdbl_status rdbl__p_len_or_special_slow(rdbl__p *P, uint64_t *out, int *special)
{
    RDBL__TRY(rdbl__p_need(P, 1));
    uint8_t b = P->cur[0];
    *special = -1;
    switch (b >> 6) {
    case 0:
        *out = b & 0x3f;
        P->cur++;
        return RDBL_OK;
    case 1:
        RDBL__TRY(rdbl__p_need(P, 2));
        *out = (uint64_t)(b & 0x3f) << 8 | P->cur[1];
        P->cur += 2;
        return RDBL_OK;
    case 2:
        if (b == 0x80) {
            RDBL__TRY(rdbl__p_need(P, 5));
            *out = rdbl__be32(P->cur + 1);
            P->cur += 5;
            return RDBL_OK;
        }
        if (b == 0x81) {
            RDBL__TRY(rdbl__p_need(P, 9));
            *out = rdbl__be64(P->cur + 1);
            P->cur += 9;
            return RDBL_OK;
        }
        return rdbl__p_fail(P, RDBL_CORRUPT, rdbl__p_offset(P),
                            "invalid length byte 0x%02x", b);
    default:
        *special = b & 0x3f;
        *out = 0;
        P->cur++;
        return RDBL_OK;
    }
}

rdbl_status rdbl__p_len_slow(rdbl__p *P, uint64_t *out)
{
    uint64_t at = rdbl__p_offset(P);
    int special;
    RDBL__TRY(rdbl__p_len_or_special(P, out, &special));
    if (special >= 0)
        return rdbl__p_fail(P, RDBL_CORRUPT, at,
                            "expected a length, found string encoding byte 0x%02x",
                            0xc0 | special);
    return RDBL_OK;
}

/* Reads the LZF header; checks that the sizes are plausible. */
static rdbl_status read_lzf_header(rdbl__p *P, uint64_t at, uint64_t *clen, uint64_t *ulen)
{
    RDBL__TRY(rdbl__p_len(P, clen));
    RDBL__TRY(rdbl__p_len(P, ulen));
    if (*clen == 0 || *ulen == 0 || !rdbl__lzf_ulen_plausible(*clen, *ulen))
        return rdbl__p_fail(P, RDBL_CORRUPT, at,
                            "implausible LZF sizes: %" PRIu64 " compressed, %" PRIu64
                            " uncompressed",
                            *clen, *ulen);
    if (*ulen > SIZE_MAX / 2 || *clen > SIZE_MAX / 2)
        return rdbl__p_fail(P, RDBL_UNSUPPORTED, at, "LZF value too large for this machine");
    return rdbl__p_fits(P, at, rdbl__p_offset(P), *clen);
}

static rdbl_status lzf_into(rdbl__p *P, uint64_t at, uint64_t clen, uint64_t ulen,
                            rdbl__buf *dst)
{
    RDBL__BODY(P, rdbl__p_need(P, (size_t)clen), at, rdbl__p_offset(P), clen);
    if (rdbl__buf_reserve(dst, (size_t)ulen ? (size_t)ulen : 1) != 0)
        return rdbl__p_fail(P, RDBL_NOMEM, at, "cannot allocate %" PRIu64 " bytes", ulen);
    rdbl__berr e;
    rdbl__berr_clear(&e);
    if (rdbl__lzf_decompress(P->cur, (size_t)clen, dst->p, (size_t)ulen, &e) != RDBL_OK)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "LZF data: %s", e.msg);
    dst->len = (size_t)ulen;
    P->cur += clen;
    return RDBL_OK;
}

rdbl_status rdbl__p_str_slow(rdbl__p *P, rdbl__pitem *x, int slot, int mode)
{
    uint64_t at = rdbl__p_offset(P);
    uint64_t len;
    int special;
    RDBL__TRY(rdbl__p_len_or_special(P, &len, &special));
    x->inwin = false;
    x->lzf = false;
    if (RDBL_LIKELY(special < 0)) {
        x->it.is_int = false;
        x->it.len = (size_t)len;
        uint64_t data_at = rdbl__p_offset(P);
        /* the cap first: the same fault gets the same error whether or not
         * the input's size is known (a memory source and a pipe alike) */
        if (len > SIZE_MAX / 2)
            return rdbl__p_fail(P, RDBL_CORRUPT, at, "string length %" PRIu64 " too large",
                                len);
        RDBL__TRY(rdbl__p_fits(P, at, data_at, len));
        if (mode == RDBL__STR_LEN) {
            x->it.ptr = NULL;
            RDBL__BODY(P, rdbl__p_skip(P, len), at, data_at, len);
        } else {
            RDBL__BODY(P, rdbl__p_need(P, (size_t)len), at, data_at, len);
            x->it.ptr = P->cur;
            x->abs = rdbl__p_offset(P);
            x->inwin = true;
            P->cur += len;
        }
        x->stored = rdbl__p_offset(P) - at;
        return RDBL_OK;
    }
    int64_t v;
    switch (special) {
    case 0: {
        uint8_t b;
        RDBL__TRY(rdbl__p_u8(P, &b));
        v = (int8_t)b;
        break;
    }
    case 1: {
        RDBL__TRY(rdbl__p_need(P, 2));
        v = (int16_t)rdbl__le16(P->cur);
        P->cur += 2;
        break;
    }
    case 2: {
        RDBL__TRY(rdbl__p_need(P, 4));
        v = (int32_t)rdbl__le32(P->cur);
        P->cur += 4;
        break;
    }
    case 3: {
        uint64_t clen, ulen;
        RDBL__TRY(read_lzf_header(P, at, &clen, &ulen));
        x->lzf = true;
        x->it.is_int = false;
        x->it.len = (size_t)ulen;
        if (mode == RDBL__STR_LEN) {
            x->it.ptr = NULL;
            uint64_t data_at = rdbl__p_offset(P);
            RDBL__BODY(P, rdbl__p_skip(P, clen), at, data_at, clen);
        } else {
            rdbl__buf *dst = &P->scratch[slot];
            RDBL__TRY(lzf_into(P, at, clen, ulen, dst));
            x->it.ptr = dst->p;
        }
        x->stored = rdbl__p_offset(P) - at;
        return RDBL_OK;
    }
    default:
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "invalid string encoding 0x%02x",
                            0xc0 | special);
    }
    x->it.is_int = true;
    x->it.ival = v;
    x->it.ptr = NULL;
    x->it.len = rdbl__i64_textlen_inline(v);
    x->stored = rdbl__p_offset(P) - at;
    return RDBL_OK;
}

rdbl_status rdbl__p_str_copy_slow(rdbl__p *P, rdbl__buf *buf, rdbl_item *out)
{
    rdbl__pitem x;
    RDBL__TRY(rdbl__p_str(P, &x, 0, RDBL__STR_BYTES));
    size_t n = x.it.len;
    if (rdbl__buf_reserve(buf, n + 24) != 0)
        return rdbl__p_fail(P, RDBL_NOMEM, rdbl__p_offset(P), "out of memory");
    if (x.it.is_int)
        n = rdbl_item_text(&x.it, (char *)buf->p, buf->cap);
    else if (n)
        memcpy(buf->p, x.it.ptr, n);
    rdbl__buf_item(buf, n, out);
    return RDBL_OK;
}

rdbl_status rdbl__p_blob(rdbl__p *P, rdbl__pitem *x, int slot, bool decode)
{
    uint64_t at = rdbl__p_offset(P);
    uint64_t len;
    int special;
    RDBL__TRY(rdbl__p_len_or_special(P, &len, &special));
    x->inwin = false;
    x->lzf = false;
    x->it.is_int = false;
    if (special < 0) {
        uint64_t data_at = rdbl__p_offset(P);
        if (len > SIZE_MAX / 2) /* before the size check, as for strings */
            return rdbl__p_fail(P, RDBL_CORRUPT, at, "blob length %" PRIu64 " too large", len);
        RDBL__TRY(rdbl__p_fits(P, at, data_at, len));
        x->it.len = (size_t)len;
        if (!decode) {
            x->it.ptr = NULL;
            RDBL__BODY(P, rdbl__p_skip(P, len), at, data_at, len);
        } else {
            RDBL__BODY(P, rdbl__p_need(P, (size_t)len), at, data_at, len);
            x->it.ptr = P->cur;
            x->abs = rdbl__p_offset(P);
            x->inwin = true;
            P->cur += len;
        }
    } else if (special == 3) {
        uint64_t clen, ulen;
        RDBL__TRY(read_lzf_header(P, at, &clen, &ulen));
        x->lzf = true;
        x->abs = at; /* decoded blob offsets are reported relative to the string */
        x->it.len = (size_t)ulen;
        if (!decode) {
            x->it.ptr = NULL;
            uint64_t data_at = rdbl__p_offset(P);
            RDBL__BODY(P, rdbl__p_skip(P, clen), at, data_at, clen);
        } else {
            RDBL__TRY(lzf_into(P, at, clen, ulen, &P->scratch[slot]));
            x->it.ptr = P->scratch[slot].p;
        }
    } else if (special <= 2) {
        /* An integer-encoded blob: legal string form, never a valid blob,
         * but let the blob validator say so with its own message. */
        P->cur--;
        rdbl__pitem tmp;
        RDBL__TRY(rdbl__p_str(P, &tmp, slot, RDBL__STR_BYTES));
        rdbl__buf *dst = &P->scratch[slot];
        if (rdbl__buf_reserve(dst, 24) != 0)
            return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
        x->it.len = rdbl_item_text(&tmp.it, (char *)dst->p, dst->cap);
        x->it.ptr = dst->p;
    } else {
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "invalid string encoding 0x%02x",
                            0xc0 | special);
    }
    x->stored = rdbl__p_offset(P) - at;
    return RDBL_OK;
}

rdbl_status rdbl__p_double_ascii(rdbl__p *P, double *out)
{
    uint64_t at = rdbl__p_offset(P);
    uint8_t n;
    RDBL__TRY(rdbl__p_u8(P, &n));
    switch (n) {
    case 253:
        *out = NAN;
        return RDBL_OK;
    case 254:
        *out = INFINITY;
        return RDBL_OK;
    case 255:
        *out = -INFINITY;
        return RDBL_OK;
    }
    char buf[256];
    RDBL__TRY(rdbl__p_bytes(P, buf, n));
    buf[n] = '\0';
    char *end;
    *out = strtod(buf, &end);
    if (n == 0 || end != buf + n)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "invalid score text \"%.40s\"", buf);
    return RDBL_OK;
}

rdbl_status rdbl__p_stream_id_raw(rdbl__p *P, rdbl_stream_id *id)
{
    RDBL__TRY(rdbl__p_need(P, 16));
    id->ms = rdbl__be64(P->cur);
    id->seq = rdbl__be64(P->cur + 8);
    P->cur += 16;
    return RDBL_OK;
}

rdbl_status rdbl__p_blob_fail(rdbl__p *P, uint64_t blob_off, bool in_file, const char *what,
                              const rdbl__berr *e)
{
    if (in_file)
        return rdbl__p_fail(P, RDBL_CORRUPT, blob_off + e->offset, "%s: %s", what, e->msg);
    return rdbl__p_fail(P, RDBL_CORRUPT, blob_off, "%s (decompressed): %s", what, e->msg);
}
