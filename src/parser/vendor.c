/* Value types outside Redis's core set, read so that a file holding them can
 * still be analysed: Redis 8.8 ARRAY (28, provisional layout §10.2),
 * Dragonfly sketches (33 SBF, 34 SBF2, 35 CMS, 36 TOPK, 37 CUCKOO, §12.2) and
 * KeyDB CRON (64, §13). Their payloads are skipped by their layouts; their
 * sizes count as the value's bytes. */
#include <inttypes.h>

#include "parser/reader.h"

static rdbl_status lens(rdbl__p *P, int n)
{
    uint64_t v;
    for (int i = 0; i < n; i++)
        RDBL__TRY(rdbl__p_len(P, &v));
    return RDBL_OK;
}

static rdbl_status skip_str(rdbl__p *P)
{
    rdbl__pitem x;
    return rdbl__p_str(P, &x, 0, RDBL__STR_LEN);
}

/* total_size (len), then (chunk_len (len), bytes) until total_size is covered. */
static rdbl_status skip_chunked(rdbl__p *P)
{
    uint64_t total, done = 0;
    RDBL__TRY(rdbl__p_len(P, &total));
    while (done < total) {
        uint64_t at = rdbl__p_offset(P), n;
        RDBL__TRY(rdbl__p_len(P, &n));
        if (n == 0 || n > total - done)
            return rdbl__p_fail(P, RDBL_CORRUPT, at,
                                "chunk of %" PRIu64 " bytes with %" PRIu64 " left", n,
                                total - done);
        RDBL__TRY(rdbl__p_skip(P, n));
        done += n;
    }
    return RDBL_OK;
}

static rdbl_status read_array(rdbl__p *P)
{
    P->where = "array";
    uint64_t count, flag, idx;
    RDBL__TRY(rdbl__p_len(P, &count));
    RDBL__TRY(rdbl__p_len(P, &flag));
    if (flag > 1)
        return rdbl__p_fail(P, RDBL_CORRUPT, rdbl__p_offset(P), "array cursor flag %" PRIu64,
                            flag);
    if (flag)
        RDBL__TRY(rdbl__p_len(P, &idx));
    bool want = !P->skip && P->ev->on_list_item;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t tag, at;
        RDBL__TRY(rdbl__p_len(P, &idx));
        at = rdbl__p_offset(P);
        RDBL__TRY(rdbl__p_len(P, &tag));
        rdbl__pitem x;
        switch (tag) {
        case 0:
        case 3:
            RDBL__TRY(rdbl__p_str(P, &x, 0, want ? RDBL__STR_BYTES : RDBL__STR_LEN));
            break;
        case 1: {
            int64_t v;
            RDBL__TRY(rdbl__p_i64le(P, &v));
            x.it = (rdbl_item){NULL, rdbl_i64_textlen(v), v, true};
            x.inwin = false;
            break;
        }
        case 2: {
            double d;
            RDBL__TRY(rdbl__p_double_bin(P, &d));
            (void)d; /* doubles have no item form: counted, not emitted */
            x.it = (rdbl_item){NULL, 8, 0, false};
            x.inwin = false;
            break;
        }
        default:
            return rdbl__p_fail(P, RDBL_CORRUPT, at, "array slot tag %" PRIu64 " (expected 0-3)",
                                tag);
        }
        rdbl__p_count(P, x.it.len);
        if (want && (tag != 2))
            RDBL__TRY(RDBL__CB(P, P->ev->on_list_item(P->user, &P->ki, &x.it)));
    }
    return RDBL_OK;
}

static rdbl_status read_sbf(rdbl__p *P, bool chunked)
{
    P->where = "Dragonfly bloom filter";
    uint64_t nfilters;
    RDBL__TRY(lens(P, 1));         /* options */
    RDBL__TRY(rdbl__p_skip(P, 16)); /* grow factor, fp prob */
    RDBL__TRY(lens(P, 3));         /* prev size, current size, max capacity */
    RDBL__TRY(rdbl__p_len(P, &nfilters));
    for (uint64_t i = 0; i < nfilters; i++) {
        RDBL__TRY(lens(P, 1)); /* hash count */
        if (chunked)
            RDBL__TRY(skip_chunked(P));
        else
            RDBL__TRY(skip_str(P));
    }
    P->st.elements = nfilters;
    return RDBL_OK;
}

static rdbl_status read_cms(rdbl__p *P)
{
    P->where = "Dragonfly count-min sketch";
    uint64_t w, d, total;
    uint64_t at = rdbl__p_offset(P);
    RDBL__TRY(rdbl__p_len(P, &w));
    RDBL__TRY(rdbl__p_len(P, &d));
    RDBL__TRY(rdbl__p_len(P, &total));
    if (w && d > UINT64_MAX / 8 / w)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "count-min sketch %" PRIu64 " x %" PRIu64, w,
                            d);
    P->st.elements = w * d;
    return rdbl__p_skip(P, w * d * 8);
}

static rdbl_status read_topk(rdbl__p *P)
{
    P->where = "Dragonfly top-k";
    uint64_t heap, bytes;
    RDBL__TRY(lens(P, 4));          /* options, k, width, depth */
    RDBL__TRY(rdbl__p_skip(P, 8));  /* decay */
    RDBL__TRY(rdbl__p_len(P, &heap));
    for (uint64_t i = 0; i < heap; i++) {
        RDBL__TRY(skip_str(P));
        RDBL__TRY(lens(P, 1));
    }
    RDBL__TRY(rdbl__p_len(P, &bytes));
    P->st.elements = heap;
    return rdbl__p_skip(P, bytes);
}

static rdbl_status read_cuckoo(rdbl__p *P)
{
    P->where = "Dragonfly cuckoo filter";
    uint64_t v[7];
    for (int i = 0; i < 7; i++)
        RDBL__TRY(rdbl__p_len(P, &v[i]));
    for (uint64_t i = 0; i < v[6]; i++)
        RDBL__TRY(skip_chunked(P));
    P->st.elements = v[4];
    return RDBL_OK;
}

static rdbl_status read_cron(rdbl__p *P)
{
    P->where = "KeyDB cron";
    uint64_t n;
    RDBL__TRY(skip_str(P));
    RDBL__TRY(rdbl__p_skip(P, 16)); /* start, interval */
    for (int part = 0; part < 2; part++) {
        RDBL__TRY(rdbl__p_len(P, &n));
        for (uint64_t i = 0; i < n; i++)
            RDBL__TRY(skip_str(P));
    }
    P->st.elements = 1;
    return RDBL_OK;
}

rdbl_status rdbl__p_vendor_value(rdbl__p *P)
{
    uint64_t start = rdbl__p_offset(P);
    rdbl_status st;
    switch (P->ki.rdb_type) {
    case 28:
        return read_array(P);
    case 33:
        st = read_sbf(P, false);
        break;
    case 34:
        st = read_sbf(P, true);
        break;
    case 35:
        st = read_cms(P);
        break;
    case 36:
        st = read_topk(P);
        break;
    case 37:
        st = read_cuckoo(P);
        break;
    case 64:
        st = read_cron(P);
        break;
    default:
        return rdbl__p_fail(P, RDBL_UNSUPPORTED, P->ki.offset, "unsupported value type %d",
                            P->ki.rdb_type);
    }
    RDBL__TRY(st);
    P->st.value_bytes = rdbl__p_offset(P) - start;
    P->st.largest_element = P->st.value_bytes;
    return RDBL_OK;
}
