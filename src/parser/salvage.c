/* Reading past damage (RDBL_PARSE_SALVAGE).
 *
 * When the record loop fails, the hole is skipped by scanning forward, one
 * offset at a time, for the next place where records parse again:
 *
 *   start (the failed record) ...... s: record | record | record
 *                                       `-- probe: no events, bounded --'
 *
 * A probe at s reads records with every value decoded and validated (no
 * fast paths), any warning refused, keys held to what the file's undamaged
 * part shows (never empty; text when the keys before the first hole were),
 * until SALV_CHAIN key records are whole, or the EOF opcode ends the input
 * exactly. It never reads further than SALV_LOOKAHEAD bytes past s: the
 * source's window then spans [s, s + look-ahead) at most, so a compressed
 * input (which cannot seek back) is scanned in one pass within bounded
 * memory. The first offset whose probe succeeds is parsed again, with
 * events. A record is lost rather than a false one accepted.
 *
 * Zeroed pages read as records too (type 0, key length 0, value length 0,
 * again and again): caught at the first such record; after a hole no empty
 * key name is accepted.
 *
 * Nothing here runs when salvage is off: the parser tests P->salv twice per
 * key and stores the record offset; the refill tests P->anchor. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "parser/reader.h"

#define SALV_LOOKAHEAD (4u << 20) /* bytes a probe may read past its start */
#define SALV_CHAIN 3              /* key records a probe must read whole */
#define SALV_KEY_MAX 65536        /* longest key name accepted after a hole */
#define SALV_LAST_KEY 256         /* bytes of the last good key kept */

typedef struct rdbl__salv {
    rdbl_error err;           /* the current hole's error: P->err points here */
    rdbl_error *out;          /* the caller's: gets the first hole's error */
    void (*on_hole)(void *, const rdbl_hole *);
    void *hole_user;
    uint64_t keys, binary;    /* keys read whole before the first hole; how many not text */
    size_t min_len;           /* the shortest of their names */
    bool past_hole;
    bool text_keys;           /* decided at the first hole: keys must be text */
    uint64_t holes;
    uint64_t last_resync;     /* offset of the last resynchronisation point */
    uint8_t last_key[SALV_LAST_KEY];
    size_t last_len;
    bool has_last;
    uint64_t probe_keys;      /* key records the probe has read whole */
    uint64_t probe_end;       /* offset a probe may not read past */
} rdbl__salv;

int rdbl__salvage_init(rdbl__p *P, const rdbl_parse_opts *o)
{
    rdbl__salv *S = calloc(1, sizeof *S);
    if (!S)
        return -1;
    S->out = P->err;
    S->err.rdb_type = -1;
    if (o) {
        S->on_hole = o->on_hole;
        S->hole_user = o->hole_user;
    }
    P->err = &S->err;
    P->salv = S;
    return 0;
}

static bool is_damage(rdbl_status st)
{
    return st == RDBL_CORRUPT || st == RDBL_UNSUPPORTED || st == RDBL_TRUNCATED;
}

rdbl_status rdbl__salvage_finish(rdbl__p *P, rdbl_status st)
{
    rdbl__salv *S = P->salv;
    rdbl_error *out = S->out;
    /* the first hole's error stays, unless something else ended the parse */
    if (st != RDBL_OK && S->err.code != RDBL_OK && (out->code == RDBL_OK || !is_damage(st)))
        *out = S->err;
    P->err = out;
    if (S->holes && (st == RDBL_OK || is_damage(st)))
        st = out->code;
    free(S);
    P->salv = NULL;
    return st;
}

/* Printable UTF-8: no control bytes, well-formed sequences. */
static bool key_is_text(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t k = c >= 0xf5 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : 0;
        if (k == 0 || n - i - 1 < k)
            return false;
        for (size_t j = 1; j <= k; j++)
            if ((p[i + j] & 0xc0) != 0x80)
                return false;
        i += k + 1;
    }
    return true;
}

static bool probe_value(rdbl__p *P);

rdbl_status rdbl__salvage_key(rdbl__p *P)
{
    const rdbl__salv *S = P->salv;
    size_t n = P->key.len;
    /* A run of zero bytes reads as string records with an empty name and an
     * empty value, one after another: a real file has at most one per db. */
    if (n == 0 && (S->past_hole || (P->ki.rdb_type == 0 && (size_t)(P->lim - P->cur) >= 3 &&
                                    (P->cur[0] | P->cur[1] | P->cur[2]) == 0)))
        return rdbl__p_fail(P, RDBL_CORRUPT, P->ki.offset,
                            "empty key name%s",
                            S->past_hole ? " (none is accepted after a hole)"
                                         : " in a run of zero bytes");
    if (!S->past_hole && S->keys >= 16 && S->binary * 100 <= S->keys &&
        !key_is_text(P->key.p, n)) {
        /* Before any hole, a key unlike the others (not text) is where
         * damage often starts unnoticed: a name running into zeroed bytes,
         * or glued to a foreign stretch. Kept only when its value and the
         * records after it read cleanly. */
        if (!probe_value(P))
            return rdbl__p_fail(P, RDBL_CORRUPT, P->ki.offset,
                                "key name is not text, unlike the keys before it, and the "
                                "records after it do not read");
    }
    if (S->past_hole) {
        if (n > SALV_KEY_MAX)
            return rdbl__p_fail(P, RDBL_CORRUPT, P->ki.offset,
                                "key name of %zu bytes after a hole", n);
        if (S->text_keys && !key_is_text(P->key.p, n))
            return rdbl__p_fail(P, RDBL_CORRUPT, P->ki.offset,
                                "key name is not text, unlike the keys before the damage");
        /* A name of 1 or 2 bytes, shorter than every one of 16 or more
         * read before the damage: a byte or two of a value's tail ("v"
         * from an LZF payload, whose made-up length swallowed 50 real
         * records on the labelled keyspace) far more often than a real
         * key. (Longer short names are real often enough: "lb:global"
         * after keys of 12+ bytes.) */
        if (S->keys >= 16 && n <= 2 && n < S->min_len)
            return rdbl__p_fail(P, RDBL_CORRUPT, P->ki.offset,
                                "key name of %zu bytes after a hole, shorter than every key "
                                "before the damage (%zu)",
                                n, S->min_len);
    }
    P->key_begun = !P->probing;
    return RDBL_OK;
}

void rdbl__salvage_key_done(rdbl__p *P)
{
    rdbl__salv *S = P->salv;
    P->key_begun = false;
    if (P->probing)
        return;
    if (!S->past_hole) {
        if (S->keys == 0 || P->key.len < S->min_len)
            S->min_len = P->key.len;
        S->keys++;
        if (!key_is_text(P->key.p, P->key.len))
            S->binary++;
    }
    size_t n = P->key.len < SALV_LAST_KEY ? P->key.len : SALV_LAST_KEY;
    memcpy(S->last_key, P->key.p, n);
    S->last_len = n;
    S->has_last = true;
}

rdbl_status rdbl__salvage_probe_eof(rdbl__p *P)
{
    size_t crc = P->fi.rdb_version >= 5 ? 8 : 0;
    rdbl_status st = rdbl__p_need(P, crc + 1);
    if (st == RDBL_TRUNCATED && (size_t)(P->lim - P->cur) == crc)
        return RDBL_OK;
    return rdbl__p_fail(P, RDBL_CORRUPT, rdbl__p_offset(P), "EOF opcode not at the input's end");
}

rdbl_status rdbl__salvage_probe_bound(rdbl__p *P, size_t n)
{
    if (rdbl__p_offset(P) + n <= P->salv->probe_end)
        return RDBL_OK;
    return rdbl__p_fail(P, RDBL_CORRUPT, rdbl__p_offset(P),
                        "record longer than the resynchronisation look-ahead");
}

/* Probe handlers: every value is decoded (a handler for each kind), any
 * warning refuses the candidate, and the chain ends with a STOP. */
static int pr_end_key(void *u, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    (void)k;
    (void)st;
    rdbl__p *P = u;
    return ++P->salv->probe_keys >= SALV_CHAIN ? RDBL_STOP : 0;
}
static int pr_warning(void *u, uint64_t off, const char *msg)
{
    (void)u;
    (void)off;
    (void)msg;
    return -1;
}
static int pr_string(void *u, const rdbl_key_info *k, const rdbl_item *c, uint64_t o, uint64_t t)
{
    (void)u, (void)k, (void)c, (void)o, (void)t;
    return 0;
}
static int pr_item(void *u, const rdbl_key_info *k, const rdbl_item *it)
{
    (void)u, (void)k, (void)it;
    return 0;
}
static int pr_zset(void *u, const rdbl_key_info *k, const rdbl_item *m, double s)
{
    (void)u, (void)k, (void)m, (void)s;
    return 0;
}
static int pr_hash(void *u, const rdbl_key_info *k, const rdbl_item *f, const rdbl_item *v,
                   int64_t e)
{
    (void)u, (void)k, (void)f, (void)v, (void)e;
    return 0;
}
static int pr_blob(void *u, const rdbl_key_info *k, const rdbl_blob *b)
{
    (void)u, (void)k, (void)b;
    return 0;
}
static int pr_entry(void *u, const rdbl_key_info *k, rdbl_stream_id id, bool del, size_t n,
                    const rdbl_item *f, const rdbl_item *v)
{
    (void)u, (void)k, (void)id, (void)del, (void)n, (void)f, (void)v;
    return 0;
}

static const rdbl_events probe_events = {
    .on_warning = pr_warning,
    .on_end_key = pr_end_key,
    .on_string = pr_string,
    .on_list_item = pr_item,
    .on_set_member = pr_item,
    .on_zset_member = pr_zset,
    .on_hash_field = pr_hash,
    .on_blob = pr_blob,
    .on_stream_entry = pr_entry,
};

/* Bytes that may start a record: the key types of Redis and Valkey files,
 * and the opcodes that are neither vendor nor stateful. */
static bool may_start(uint8_t t)
{
    return (t <= 27 && t != 8) || t >= 243;
}

/* The parser state a probe borrows: saved before it parses ahead with the
 * probe handlers, put back after, with P->cur at the anchor (the probe's
 * start, kept in the window by the refills). */
typedef struct probe_saved {
    const rdbl_events *ev;
    void *user;
    rdbl_error *err;
    unsigned flags;
    void (*progress)(void *, uint64_t);
    uint64_t db, keys_done;
} probe_saved;

static void probe_enter(rdbl__p *P, probe_saved *sv, rdbl_error *perr, uint64_t s)
{
    *sv = (probe_saved){P->ev, P->user, P->err, P->flags, P->progress, P->db, P->keys_done};
    memset(perr, 0, sizeof *perr);
    P->anchor = P->cur;
    P->ev = &probe_events;
    P->user = P;
    P->err = perr;
    P->flags &= ~(unsigned)RDBL_PARSE_FAST;
    P->progress = NULL;
    P->probing = true;
    P->salv->probe_end = s + SALV_LOOKAHEAD;
}

static void probe_leave(rdbl__p *P, const probe_saved *sv)
{
    P->ev = sv->ev;
    P->user = sv->user;
    P->err = sv->err;
    P->flags = sv->flags;
    P->progress = sv->progress;
    P->db = sv->db;
    P->keys_done = sv->keys_done;
    P->stop = 0;
    P->probing = false;
    P->hold = NULL;
    P->pend_any = P->pend_expire = false;
    P->pend_idle = -1;
    P->pend_freq = -1;
    P->cur = P->anchor;
    P->anchor = NULL;
}

/* Tries the records at s (P->cur must point there). Leaves P->cur at s. */
static bool probe(rdbl__p *P, uint64_t s)
{
    rdbl__salv *S = P->salv;
    probe_saved sv;
    rdbl_error perr;
    probe_enter(P, &sv, &perr, s);
    S->probe_keys = 0;
    rdbl_status st = rdbl__p_records(P);
    bool ok = P->stop != 0 || st == RDBL_OK;
    probe_leave(P, &sv);
    P->in_key = false;
    P->key_begun = false;
    return ok;
}

/* The key being read (its name read, P->cur at its value): do its value
 * and the records after it read cleanly? Leaves the key as it was. */
static bool probe_value(rdbl__p *P)
{
    rdbl__salv *S = P->salv;
    rdbl_key_info ki = P->ki;
    rdbl_key_stats st = P->st;
    size_t n = P->key.len;
    uint8_t *name = malloc(n ? n : 1);
    if (!name)
        return false;
    memcpy(name, P->key.p, n);
    probe_saved sv;
    rdbl_error perr;
    probe_enter(P, &sv, &perr, rdbl__p_offset(P));
    bool was_past = S->past_hole, was_text = S->text_keys;
    S->past_hole = true; /* no empty name, no huge one (but names may be binary) */
    S->text_keys = false;
    S->probe_keys = 1;
    P->skip = false;
    rdbl_status r = rdbl__p_value(P);
    bool ok = false;
    if (r == RDBL_OK) {
        P->in_key = false;
        r = rdbl__p_records(P);
        ok = P->stop != 0 || r == RDBL_OK;
    }

    probe_leave(P, &sv);
    S->past_hole = was_past;
    S->text_keys = was_text;
    if (rdbl__buf_reserve(&P->key, n ? n : 1) != 0) {
        free(name);
        return false;
    }
    memcpy(P->key.p, name, n);
    free(name);
    P->key.len = n;
    P->ki = ki;
    P->ki.key = (rdbl_str){P->key.p, n};
    P->st = st;
    P->in_key = true;
    P->where = "key";
    return ok;
}

/* Scans from s for the first offset whose probe succeeds.
 * @return true and *at, or false with *at the input's end (or where the
 *         source failed). */
static bool scan(rdbl__p *P, uint64_t s, uint64_t *at)
{
    rdbl__salv *S = P->salv;
    for (;;) {
        uint64_t lim_off = P->win_off + (uint64_t)(P->lim - P->win);
        if (s >= lim_off) {
            P->cur = P->lim;
            rdbl_status st = rdbl__p_need(P, 1);
            memset(&S->err, 0, sizeof S->err); /* the input's end is no new error */
            S->err.rdb_type = -1;
            if (st != RDBL_OK) {
                *at = rdbl__p_offset(P) + (uint64_t)(P->lim - P->cur);
                return false;
            }
            s = rdbl__p_offset(P);
            continue;
        }
        const uint8_t *q = P->win + (s - P->win_off);
        while (q < P->lim && !may_start(*q))
            q++;
        P->cur = q;
        s = rdbl__p_offset(P);
        if (q == P->lim)
            continue;
        if (probe(P, s)) {
            *at = s;
            return true;
        }
        s++;
    }
}

bool rdbl__salvage_resync(rdbl__p *P, rdbl_status *st)
{
    rdbl__salv *S = P->salv;
    if (!is_damage(*st) || P->nested || P->dragonfly)
        return false;
    if (!S->past_hole) {
        /* from here on the keys are held to the profile of those read so far,
         * and the CRC-64 can no longer match */
        S->past_hole = true;
        S->text_keys = S->keys < 16 || S->binary * 100 <= S->keys;
        rdbl__crcbg_cancel(P->crcbg);
        P->crcbg = NULL;
        P->crc_on = false;
    }
    if (S->out->code == RDBL_OK)
        *S->out = S->err;
    rdbl_error cause = S->err;
    memset(&S->err, 0, sizeof S->err);
    S->err.rdb_type = -1;

    rdbl_hole h;
    memset(&h, 0, sizeof h);
    h.start = P->in_key ? P->ki.offset : P->pend_any ? P->pend_offset : P->rec_off;
    h.db = P->db;
    h.has_last_key = S->has_last;
    h.last_key = (rdbl_str){S->last_key, S->last_len};
    h.cause = &cause;
    if (P->in_key && P->key_begun) {
        /* the key and the elements sent before the damage stand */
        h.key_damaged = true;
        P->st.damaged = true;
        P->st.rdb_bytes = rdbl__p_offset(P) - P->ki.offset;
        if (P->ev->on_end_key) {
            rdbl_status cs = RDBL__CB(P, P->ev->on_end_key(P->user, &P->ki, &P->st));
            if (cs != RDBL_OK) {
                *st = cs;
                return false;
            }
        }
        P->keys_done++;
    }
    P->in_key = false;
    P->key_begun = false;
    P->hold = NULL;
    P->pend_any = P->pend_expire = false;
    P->pend_idle = -1;
    P->pend_freq = -1;

    uint64_t s = h.start + 1;
    if (S->holes && s <= S->last_resync)
        s = S->last_resync + 1; /* never the same place twice */
    if (s < P->win_off)
        s = P->win_off; /* bytes already released cannot be read again */
    uint64_t lim_off = P->win_off + (uint64_t)(P->lim - P->win);
    if (s > lim_off)
        s = lim_off;
    uint64_t at;
    bool found = scan(P, s, &at);
    h.end = at;
    h.to_end = !found;
    S->holes++;
    S->last_resync = at;
    if (P->ev->on_hole) {
        rdbl_status cs = RDBL__CB(P, P->ev->on_hole(P->user, &h));
        if (cs != RDBL_OK) {
            *st = cs;
            return false;
        }
    }
    if (S->on_hole)
        S->on_hole(S->hole_user, &h);
    if (!found) {
        *st = S->out->code;
        return false;
    }
    return true;
}
