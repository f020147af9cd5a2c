/* The dump writer: parser events -> JSON Lines (see analysis.h for the
 * format). Strings are escaped with rdbl_escape_bytes() and then JSON-quoted.
 *
 * Whole records only: each key is written into a record buffer (a stdio
 * stream over memory, moved to an unlinked temporary file past REC_MEM
 * bytes, so a 500 MB value costs no more RAM than a small one) and copied
 * to the output at the key's end. A key cut by an input error is never
 * written.
 *
 * Sorted sets come out in ascending score order whatever their encoding:
 * listpack/ziplist zsets are stored ascending, skiplist ones descending
 * (Redis saves from the tail so a load appends at the head). Each member is
 * buffered with its length before and after it, so the record can be read
 * forwards or backwards; at the key's end the members are copied in stored
 * order when it was ascending, reversed when it was descending, and in
 * stored order when it was neither (no server writes that; documented). */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analysis_int.h"
#include "internal.h"
#include "rdblens/analysis.h"

enum { REC_MEM = 4 << 20 };

/* A bounded buffer: a stdio stream over memory up to REC_MEM bytes, then
 * over an unlinked temporary file. */
typedef struct recbuf {
    FILE *f;               /* cookie stream writing into mem/spill */
    char *mem;             /* bytes while they fit in REC_MEM */
    size_t mem_len, mem_cap;
    FILE *spill;           /* unlinked temporary file, created on first need */
    uint64_t spill_len;
    bool spilled;          /* the bytes live in the spill file */
    struct rdbl_dump *d;
} recbuf;

struct rdbl_dump {
    const rdbl_redactor *red; /* --redact: keys redacted, values as stand-ins */
    rdbl__vhash vh;           /* the current string value's digest */
    uint8_t *rk;              /* the redacted key */
    size_t rk_cap;
    FILE *out;
    FILE *rec;             /* main.f: the current record */
    recbuf main;           /* the record */
    recbuf side;           /* a hash's "field":ms pairs, written after its value */
    int werr;              /* first write errno; werr_tmp: it was the temp file */
    bool werr_tmp;
    bool zset;             /* the current key is a zset: members framed */
    bool z_asc, z_desc;    /* stored order seen so far */
    double z_last;
    uint64_t z_n, z_start, z_mark;
    rdbl_key_filter filter;
    uint64_t keys;
    bool writing;          /* the current key passed the filter and is being written */
    uint64_t n;            /* items written in the current array/object */
    bool hash_ttls;        /* the current hash has field TTLs in side */
    /* stream state */
    int stream_state;      /* 0 entries, 1 meta done, 2 in group PEL, 3 in consumers, 4 in consumer PEL */
    uint64_t groups_written, consumers_written;
};

static void note_err(rdbl_dump *d, int err, bool tmp)
{
    if (!d->werr) {
        d->werr = err ? err : EIO;
        d->werr_tmp = tmp;
    }
}

static int pwrite_all(int fd, const void *buf, size_t n, uint64_t off)
{
    const char *p = buf;
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

/* An unlinked file in $TMPDIR (or /tmp). */
static FILE *make_spill(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/rdblens-dump-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* The record stream's write function: memory up to REC_MEM, then the spill
 * file (the memory part copied there first, at the same offsets). */
static ssize_t rec_write(void *cookie, const char *buf, size_t n)
{
    recbuf *d = cookie;
    if (!d->spilled && n <= REC_MEM - d->mem_len) {
        if (d->mem_len + n > d->mem_cap) {
            size_t cap = d->mem_cap ? d->mem_cap : 1 << 16;
            while (cap < d->mem_len + n)
                cap *= 2;
            if (cap > REC_MEM)
                cap = REC_MEM;
            char *nm = realloc(d->mem, cap);
            if (!nm)
                goto spill; /* no memory: the disk still works */
            d->mem = nm;
            d->mem_cap = cap;
        }
        memcpy(d->mem + d->mem_len, buf, n);
        d->mem_len += n;
        return (ssize_t)n;
    }
spill:
    if (!d->spilled) {
        if (!d->spill && !(d->spill = make_spill()))
            goto fail;
        if (ftruncate(fileno(d->spill), 0) != 0 ||
            pwrite_all(fileno(d->spill), d->mem, d->mem_len, 0) != 0)
            goto fail;
        d->spill_len = d->mem_len;
        d->spilled = true;
    }
    if (pwrite_all(fileno(d->spill), buf, n, d->spill_len) != 0)
        goto fail;
    d->spill_len += n;
    return (ssize_t)n;
fail:
    note_err(d->d, errno, true);
    return -1;
}

/* Bytes in the record so far (flushes the stream into mem/spill). */
static uint64_t rec_pos(recbuf *d)
{
    fflush(d->f);
    return d->spilled ? d->spill_len : d->mem_len;
}

static int rec_read(recbuf *d, uint64_t off, void *buf, size_t n)
{
    if (!d->spilled) {
        memcpy(buf, d->mem + off, n);
        return 0;
    }
    char *p = buf;
    while (n) {
        ssize_t r = pread(fileno(d->spill), p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            note_err(d->d, r < 0 ? errno : EIO, true);
            return -1;
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

static void rec_patch(recbuf *d, uint64_t off, const void *buf, size_t n)
{
    if (!d->spilled)
        memcpy(d->mem + off, buf, n);
    else if (pwrite_all(fileno(d->spill), buf, n, off) != 0)
        note_err(d->d, errno, true);
}

static void rec_reset(recbuf *d)
{
    fflush(d->f);
    clearerr(d->f);
    d->mem_len = 0;
    d->spill_len = 0;
    d->spilled = false;
}

/* Copies buffered bytes [from, to) to the output. */
static int emit(recbuf *d, uint64_t from, uint64_t to)
{
    if (from >= to)
        return 0;
    if (!d->spilled) {
        fwrite(d->mem + from, 1, (size_t)(to - from), d->d->out);
        return 0;
    }
    char buf[1 << 16];
    while (from < to) {
        size_t n = to - from > sizeof buf ? sizeof buf : (size_t)(to - from);
        if (rec_read(d, from, buf, n) != 0)
            return -1;
        fwrite(buf, 1, n, d->d->out);
        from += n;
    }
    return 0;
}

static int rec_open(recbuf *b, rdbl_dump *d)
{
    static const cookie_io_functions_t io = {.write = rec_write};
    b->d = d;
    b->f = fopencookie(b, "w", io);
    if (!b->f)
        return -1;
    setvbuf(b->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

static void rec_close(recbuf *b)
{
    if (b->f)
        fclose(b->f);
    if (b->spill)
        fclose(b->spill);
    free(b->mem);
}

/* The framed zset members, in ascending score order (see the top). */
static int emit_zset(rdbl_dump *d, uint64_t end)
{
    recbuf *m = &d->main;
    bool reverse = !d->z_asc && d->z_desc;
    uint64_t off = reverse ? end : d->z_start;
    for (uint64_t i = 0; i < d->z_n; i++) {
        uint64_t len, at;
        if (reverse) {
            if (rec_read(m, off - 8, &len, 8) != 0)
                return -1;
            at = off - 8 - len;
            off = at - 8;
        } else {
            if (rec_read(m, off, &len, 8) != 0)
                return -1;
            at = off + 8;
            off = at + len + 8;
        }
        if (i)
            fputc(',', d->out);
        if (emit(m, at, at + len) != 0)
            return -1;
    }
    return 0;
}

/* Shortest of %.15g..%.17g that reads back as the same double. Every
 * decimal of at most 15 digits survives a trip through a double, so when 15
 * digits read back, %g's stripped form is already the shortest; subnormals
 * carry fewer digits (5e-324), so they are tried from 1. */
static void fmt_score(char *buf, size_t cap, double v)
{
    int from = v != 0 && fabs(v) < DBL_MIN ? 1 : 15;
    for (int prec = from; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* Writes bytes as a JSON string: rdbl_escape_bytes, then JSON quoting. */
static void put_json_bytes(FILE *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char buf[4096];
    size_t bl = 0;
    for (size_t i = 0; i < n;) {
        /* escape a bounded piece at a time (never splitting a UTF-8 sequence
         * is guaranteed because rdbl_escape_bytes handles the piece end) */
        size_t take = n - i > 1024 ? 1024 : n - i;
        /* extend to a UTF-8 boundary */
        while (i + take < n && take < 1028 && (p[i + take] & 0xc0) == 0x80)
            take++;
        char esc[4200];
        size_t el = rdbl_escape_bytes(esc, sizeof esc, p + i, take);
        for (size_t k = 0; k < el; k++) {
            unsigned char c = (unsigned char)esc[k];
            if (bl + 8 > sizeof buf) {
                fwrite(buf, 1, bl, o);
                bl = 0;
            }
            if (c == '"' || c == '\\') {
                buf[bl++] = '\\';
                buf[bl++] = (char)c;
            } else if (c < 0x20) { /* cannot happen after escaping; kept for safety */
                buf[bl++] = '\\';
                buf[bl++] = 'u';
                buf[bl++] = '0';
                buf[bl++] = '0';
                buf[bl++] = hex[c >> 4];
                buf[bl++] = hex[c & 15];
            } else {
                buf[bl++] = (char)c;
            }
        }
        i += take;
    }
    fwrite(buf, 1, bl, o);
}

/* --redact: a value's bytes as their stand-in ("~<len>B:<digest>"). */
static void put_value(const rdbl_dump *d, FILE *o, const uint8_t *p, size_t n)
{
    if (!d->red) {
        put_json_bytes(o, p, n);
        return;
    }
    char tok[64];
    size_t k = rdbl_redact_value(d->red, p, n, tok, sizeof tok);
    fwrite(tok, 1, k, o);
}

static void put_item(const rdbl_dump *d, FILE *o, const rdbl_item *it)
{
    if (d->red) {
        char num[24];
        int w = it->is_int ? snprintf(num, sizeof num, "%" PRId64, it->ival) : 0;
        fputc('"', o);
        put_value(d, o, it->is_int ? (const uint8_t *)num : it->ptr,
                  it->is_int ? (size_t)(w > 0 ? w : 0) : it->len);
        fputc('"', o);
        return;
    }
    if (it->is_int) {
        fprintf(o, "\"%" PRId64 "\"", it->ival);
        return;
    }
    fputc('"', o);
    put_json_bytes(o, it->ptr, it->len);
    fputc('"', o);
}

static void put_id(FILE *o, rdbl_stream_id id)
{
    fprintf(o, "\"%" PRIu64 "-%" PRIu64 "\"", id.ms, id.seq);
}

static void put_double(FILE *o, double d)
{
    if (isinf(d))
        fputs(d > 0 ? "\"inf\"" : "\"-inf\"", o);
    else if (isnan(d))
        fputs("\"nan\"", o);
    else {
        char buf[32];
        fmt_score(buf, sizeof buf, d); /* keeps -0 as "-0" */
        fputs(buf, o);
    }
}

static void sep(rdbl_dump *d)
{
    if (d->n++)
        fputc(',', d->rec);
}

static int on_begin_key(void *user, const rdbl_key_info *k)
{
    rdbl_dump *d = user;
    d->writing = rdbl_key_filter_match(&d->filter, k);
    if (!d->writing)
        return RDBL_SKIP;
    rec_reset(&d->main);
    FILE *o = d->rec;
    fprintf(o, "{\"db\":%" PRIu64 ",\"key\":\"", k->db);
    if (d->red) {
        if (k->key.len > d->rk_cap) {
            uint8_t *nb = realloc(d->rk, k->key.len);
            if (!nb)
                return -1;
            d->rk = nb;
            d->rk_cap = k->key.len;
        }
        rdbl_redact_key(d->red, k->key.ptr, k->key.len, d->rk);
        put_json_bytes(o, d->rk, k->key.len);
    } else {
        put_json_bytes(o, k->key.ptr, k->key.len);
    }
    fprintf(o, "\",\"type\":\"%s\",\"encoding\":\"%s\",\"expire_ms\":", rdbl_type_name(k->type),
            rdbl_encoding_name(k->encoding));
    if (k->has_expire)
        fprintf(o, "%" PRId64, k->expire_ms);
    else
        fputs("null", o);
    if (k->idle_s >= 0)
        fprintf(o, ",\"idle_s\":%" PRId64, k->idle_s);
    if (k->freq >= 0)
        fprintf(o, ",\"freq\":%d", k->freq);
    fputs(",\"value\":", o);
    d->n = 0;
    d->hash_ttls = false;
    d->stream_state = 0;
    d->groups_written = d->consumers_written = 0;
    switch (k->type) {
    case RDBL_TYPE_STRING:
    case RDBL_TYPE_JSON:
        fputc('"', o);
        break;
    case RDBL_TYPE_HASH:
        fputc('{', o);
        break;
    case RDBL_TYPE_STREAM:
        fputs("{\"entries\":[", o);
        break;
    case RDBL_TYPE_MODULE:
        break;
    case RDBL_TYPE_LIST:
    case RDBL_TYPE_SET:
    case RDBL_TYPE_ZSET:
    case RDBL_TYPE_ARRAY:
        fputc('[', o);
        break;
    default:
        fputs("null", o);
        break;
    }
    if (d->red)
        rdbl__vhash_begin(&d->vh, d->red);
    d->zset = k->type == RDBL_TYPE_ZSET;
    if (d->zset) {
        d->z_asc = d->z_desc = true;
        d->z_n = 0;
        d->z_start = rec_pos(&d->main);
    }
    return 0;
}

static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *chunk, uint64_t off,
                     uint64_t total)
{
    rdbl_dump *d = user;
    (void)k;
    (void)off;
    (void)total;
    if (d->red) { /* the whole string becomes one stand-in, written at its end */
        char num[24];
        int w = chunk->is_int ? snprintf(num, sizeof num, "%" PRId64, chunk->ival) : 0;
        rdbl__vhash_update(&d->vh, chunk->is_int ? (const uint8_t *)num : chunk->ptr,
                           chunk->is_int ? (size_t)(w > 0 ? w : 0) : chunk->len);
        return 0;
    }
    if (chunk->is_int)
        fprintf(d->rec, "%" PRId64, chunk->ival);
    else
        put_json_bytes(d->rec, chunk->ptr, chunk->len);
    return 0;
}

static int on_item(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    rdbl_dump *d = user;
    (void)k;
    sep(d);
    put_item(d, d->rec, it);
    return 0;
}

static int on_zset(void *user, const rdbl_key_info *k, const rdbl_item *m, double score)
{
    rdbl_dump *d = user;
    (void)k;
    if (d->z_n && !isnan(score) && !isnan(d->z_last)) {
        if (score < d->z_last)
            d->z_asc = false;
        else if (score > d->z_last)
            d->z_desc = false;
    }
    d->z_last = score;
    d->z_n++;
    /* framed: [len][member][len], len patched in once the member is written */
    uint64_t len = 0, at = rec_pos(&d->main);
    fwrite(&len, 8, 1, d->rec);
    fputc('[', d->rec);
    put_item(d, d->rec, m);
    fputc(',', d->rec);
    put_double(d->rec, score);
    fputc(']', d->rec);
    len = rec_pos(&d->main) - at - 8;
    rec_patch(&d->main, at, &len, 8);
    fwrite(&len, 8, 1, d->rec);
    return d->werr ? -1 : 0;
}

/* A field's TTL, as ,"field":ms into the side buffer (bounded like the
 * record), written after the hash's value. */
static int ttl_append(rdbl_dump *d, const rdbl_item *field, int64_t ms)
{
    FILE *m = d->side.f;
    if (!d->hash_ttls)
        rec_reset(&d->side);
    else
        fputc(',', m);
    put_item(d, m, field);
    fprintf(m, ":%" PRId64, ms);
    d->hash_ttls = true;
    return d->werr ? -1 : 0;
}

static int on_hash(void *user, const rdbl_key_info *k, const rdbl_item *f, const rdbl_item *v,
                   int64_t ttl)
{
    rdbl_dump *d = user;
    (void)k;
    sep(d);
    put_item(d, d->rec, f);
    fputc(':', d->rec);
    put_item(d, d->rec, v);
    if (ttl >= 0 && ttl_append(d, f, ttl) != 0)
        return -1;
    return 0;
}

static int on_stream_entry(void *user, const rdbl_key_info *k, rdbl_stream_id id, bool deleted,
                           size_t n, const rdbl_item *f, const rdbl_item *v)
{
    rdbl_dump *d = user;
    (void)k;
    if (deleted)
        return 0;
    FILE *o = d->rec;
    sep(d);
    fputc('[', o);
    put_id(o, id);
    fputs(",[", o);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', o);
        fputc('[', o);
        put_item(d, o, &f[i]);
        fputc(',', o);
        put_item(d, o, &v[i]);
        fputc(']', o);
    }
    fputs("]]", o);
    return 0;
}

static int on_stream_meta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    rdbl_dump *d = user;
    (void)k;
    FILE *o = d->rec;
    fprintf(o, "],\"length\":%" PRIu64 ",\"last_id\":", m->length);
    put_id(o, m->last_id);
    if (m->version >= 2) {
        fputs(",\"first_id\":", o);
        put_id(o, m->first_id);
        fputs(",\"max_deleted_id\":", o);
        put_id(o, m->max_deleted_id);
        fprintf(o, ",\"entries_added\":%" PRIu64, m->entries_added);
    }
    fputs(",\"groups\":[", o);
    d->stream_state = 1;
    return 0;
}

static void close_group(rdbl_dump *d)
{
    FILE *o = d->rec;
    if (d->stream_state == 4)
        fputs("]}", o); /* consumer PEL, consumer */
    if (d->stream_state == 2)
        fputs("],\"consumers\":[", o); /* group without consumers */
    if (d->stream_state >= 2)
        fputs("]}", o); /* consumers array, group */
    d->stream_state = 1;
}

static int on_stream_group(void *user, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    rdbl_dump *d = user;
    (void)k;
    FILE *o = d->rec;
    close_group(d);
    if (d->groups_written++)
        fputc(',', o);
    fputs("{\"name\":\"", o);
    put_value(d, o, g->name.ptr, g->name.len);
    fputs("\",\"last_id\":", o);
    put_id(o, g->last_id);
    fprintf(o, ",\"entries_read\":%" PRId64 ",\"pel\":[", g->entries_read);
    d->stream_state = 2;
    d->n = 0;
    d->consumers_written = 0;
    return 0;
}

static int on_stream_pel(void *user, const rdbl_key_info *k, rdbl_str group, rdbl_stream_id id,
                         int64_t when, uint64_t count)
{
    rdbl_dump *d = user;
    (void)k;
    (void)group;
    sep(d);
    fputc('[', d->rec);
    put_id(d->rec, id);
    fprintf(d->rec, ",%" PRIu64 ",%" PRId64 "]", count, when);
    return 0;
}

static int on_stream_consumer(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    rdbl_dump *d = user;
    (void)k;
    FILE *o = d->rec;
    if (d->stream_state == 2)
        fputs("],\"consumers\":[", o);
    else if (d->stream_state == 4)
        fputs("]}", o);
    if (d->consumers_written++)
        fputc(',', o);
    fputs("{\"name\":\"", o);
    put_value(d, o, c->name.ptr, c->name.len);
    fprintf(o, "\",\"seen_ms\":%" PRId64 ",\"active_ms\":%" PRId64 ",\"pel\":[", c->seen_ms,
            c->active_ms);
    d->stream_state = 4;
    d->n = 0;
    return 0;
}

static int on_stream_cpel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_str c,
                          rdbl_stream_id id)
{
    rdbl_dump *d = user;
    (void)k;
    (void)g;
    (void)c;
    sep(d);
    put_id(d->rec, id);
    return 0;
}

static int on_module(void *user, const rdbl_key_info *k, rdbl_str name, int encver,
                     uint64_t payload)
{
    rdbl_dump *d = user;
    (void)k;
    fprintf(d->rec, "{\"module\":\"%.*s\",\"encver\":%d,\"payload_bytes\":%" PRIu64 "}",
            (int)name.len, (const char *)name.ptr, encver, payload);
    d->n = 1;
    return 0;
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    rdbl_dump *d = user;
    FILE *o = d->rec;
    if (!d->writing)
        return 0; /* filtered out: nothing was opened */
    d->writing = false;
    switch (k->type) {
    case RDBL_TYPE_STRING:
    case RDBL_TYPE_JSON:
        if (d->red) {
            char tok[64];
            size_t n = rdbl__vhash_token(&d->vh, tok, sizeof tok);
            fwrite(tok, 1, n, o);
        }
        fputc('"', o);
        break;
    case RDBL_TYPE_HASH:
        fputc('}', o);
        if (d->hash_ttls) {
            /* the record so far, then the buffered pairs straight from side */
            fputs(",\"field_expire_ms\":{", o);
            if (emit(&d->main, 0, rec_pos(&d->main)) != 0 ||
                emit(&d->side, 0, rec_pos(&d->side)) != 0)
                return -1;
            rec_reset(&d->main);
            fputc('}', o);
        }
        break;
    case RDBL_TYPE_STREAM:
        if (d->stream_state == 0)
            fputs("],\"groups\":[", o); /* no meta event (cannot happen) */
        close_group(d);
        fputs("]}", o);
        break;
    case RDBL_TYPE_MODULE:
        if (!d->n)
            fputs("null", o);
        break;
    case RDBL_TYPE_LIST:
    case RDBL_TYPE_SET:
    case RDBL_TYPE_ARRAY:
        fputc(']', o);
        break;
    default:
        break;
    }
    uint64_t end = rec_pos(&d->main);
    if (d->zset) {
        if (emit(&d->main, 0, d->z_start) == 0 && emit_zset(d, end) == 0)
            fputs(st->damaged ? "],\"damaged\":true}\n" : "]}\n", d->out);
    } else {
        /* --salvage: the value broke off; what was read before stands */
        fputs(st->damaged ? ",\"damaged\":true}\n" : "}\n", o);
        emit(&d->main, 0, rec_pos(&d->main));
    }
    if (d->werr || ferror(d->rec))
        return -1;
    if (ferror(d->out)) {
        note_err(d, errno, false);
        return -1;
    }
    d->keys++;
    return 0;
}

static const rdbl_events dump_events = {
    .on_begin_key = on_begin_key,
    .on_end_key = on_end_key,
    .on_string = on_string,
    .on_list_item = on_item,
    .on_set_member = on_item,
    .on_zset_member = on_zset,
    .on_hash_field = on_hash,
    .on_stream_meta = on_stream_meta,
    .on_stream_entry = on_stream_entry,
    .on_stream_group = on_stream_group,
    .on_stream_pel = on_stream_pel,
    .on_stream_consumer = on_stream_consumer,
    .on_stream_consumer_pel = on_stream_cpel,
    .on_module = on_module,
};

const rdbl_events *rdbl_dump_events(void)
{
    return &dump_events;
}

rdbl_dump *rdbl_dump_new(FILE *out, const rdbl_key_filter *filter)
{
    rdbl_dump *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->out = out;
    if (rec_open(&d->main, d) != 0 || rec_open(&d->side, d) != 0) {
        rdbl_dump_free(d);
        return NULL;
    }
    d->rec = d->main.f;
    if (filter)
        d->filter = *filter;
    else
        d->filter.type = -1;
    return d;
}

void rdbl_dump_redact(rdbl_dump *d, const rdbl_redactor *r)
{
    d->red = r;
}

void rdbl_dump_free(rdbl_dump *d)
{
    if (!d)
        return;
    rec_close(&d->main);
    rec_close(&d->side);
    free(d->rk);
    free(d);
}

int rdbl_dump_write_error(const rdbl_dump *d, bool *tmp)
{
    *tmp = d->werr_tmp;
    return d->werr;
}

uint64_t rdbl_dump_keys(const rdbl_dump *d)
{
    return d->keys;
}
