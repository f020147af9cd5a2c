/* The dump writer: parser events -> JSON Lines, streamed (see analysis.h for
 * the format). Output goes through stdio's buffer; strings are escaped with
 * rdbl_escape_bytes() and then JSON-quoted. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "internal.h"
#include "rdblens/analysis.h"

struct rdbl_dump {
    FILE *out;
    rdbl_key_filter filter;
    uint64_t keys;
    bool writing;          /* the current key passed the filter and is being written */
    uint64_t n;            /* items written in the current array/object */
    bool hash_ttls;        /* the current hash has field TTLs buffered */
    char *ttl;             /* buffered "field":ms pairs */
    size_t ttl_len, ttl_cap;
    /* stream state */
    int stream_state;      /* 0 entries, 1 meta done, 2 in group PEL, 3 in consumers, 4 in consumer PEL */
    uint64_t groups_written, consumers_written;
};

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

static void put_item(FILE *o, const rdbl_item *it)
{
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
    else
        fprintf(o, "%.17g", d);
}

static void sep(rdbl_dump *d)
{
    if (d->n++)
        fputc(',', d->out);
}

static int on_begin_key(void *user, const rdbl_key_info *k)
{
    rdbl_dump *d = user;
    d->writing = rdbl_key_filter_match(&d->filter, k);
    if (!d->writing)
        return RDBL_SKIP;
    FILE *o = d->out;
    fprintf(o, "{\"db\":%" PRIu64 ",\"key\":\"", k->db);
    put_json_bytes(o, k->key.ptr, k->key.len);
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
    d->ttl_len = 0;
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
    return 0;
}

static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *chunk, uint64_t off,
                     uint64_t total)
{
    rdbl_dump *d = user;
    (void)k;
    (void)off;
    (void)total;
    if (chunk->is_int)
        fprintf(d->out, "%" PRId64, chunk->ival);
    else
        put_json_bytes(d->out, chunk->ptr, chunk->len);
    return 0;
}

static int on_item(void *user, const rdbl_key_info *k, const rdbl_item *it)
{
    rdbl_dump *d = user;
    (void)k;
    sep(d);
    put_item(d->out, it);
    return 0;
}

static int on_zset(void *user, const rdbl_key_info *k, const rdbl_item *m, double score)
{
    rdbl_dump *d = user;
    (void)k;
    sep(d);
    fputc('[', d->out);
    put_item(d->out, m);
    fputc(',', d->out);
    put_double(d->out, score);
    fputc(']', d->out);
    return 0;
}

static int ttl_append(rdbl_dump *d, const rdbl_item *field, int64_t ms)
{
    char num[24];
    const uint8_t *p = field->ptr;
    size_t n = field->len;
    if (field->is_int) {
        n = rdbl_item_text(field, num, sizeof num);
        p = (const uint8_t *)num;
    }
    size_t need = rdbl_escape_bytes(NULL, 0, p, n) * 2 + 40;
    if (d->ttl_len + need > d->ttl_cap) {
        size_t cap = d->ttl_cap ? d->ttl_cap * 2 : 4096;
        while (cap < d->ttl_len + need)
            cap *= 2;
        char *nb = realloc(d->ttl, cap);
        if (!nb)
            return -1;
        d->ttl = nb;
        d->ttl_cap = cap;
    }
    /* JSON-quote into the buffer via a memory stream */
    FILE *m = fmemopen(d->ttl + d->ttl_len, d->ttl_cap - d->ttl_len, "w");
    if (!m)
        return -1;
    setvbuf(m, NULL, _IONBF, 0);
    if (d->hash_ttls)
        fputc(',', m);
    fputc('"', m);
    put_json_bytes(m, p, n);
    fprintf(m, "\":%" PRId64, ms);
    long w = ftell(m);
    fclose(m);
    if (w < 0)
        return -1;
    d->ttl_len += (size_t)w;
    d->hash_ttls = true;
    return 0;
}

static int on_hash(void *user, const rdbl_key_info *k, const rdbl_item *f, const rdbl_item *v,
                   int64_t ttl)
{
    rdbl_dump *d = user;
    (void)k;
    sep(d);
    put_item(d->out, f);
    fputc(':', d->out);
    put_item(d->out, v);
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
    FILE *o = d->out;
    sep(d);
    fputc('[', o);
    put_id(o, id);
    fputs(",[", o);
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', o);
        fputc('[', o);
        put_item(o, &f[i]);
        fputc(',', o);
        put_item(o, &v[i]);
        fputc(']', o);
    }
    fputs("]]", o);
    return 0;
}

static int on_stream_meta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    rdbl_dump *d = user;
    (void)k;
    FILE *o = d->out;
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
    FILE *o = d->out;
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
    FILE *o = d->out;
    close_group(d);
    if (d->groups_written++)
        fputc(',', o);
    fputs("{\"name\":\"", o);
    put_json_bytes(o, g->name.ptr, g->name.len);
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
    fputc('[', d->out);
    put_id(d->out, id);
    fprintf(d->out, ",%" PRIu64 ",%" PRId64 "]", count, when);
    return 0;
}

static int on_stream_consumer(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    rdbl_dump *d = user;
    (void)k;
    FILE *o = d->out;
    if (d->stream_state == 2)
        fputs("],\"consumers\":[", o);
    else if (d->stream_state == 4)
        fputs("]}", o);
    if (d->consumers_written++)
        fputc(',', o);
    fputs("{\"name\":\"", o);
    put_json_bytes(o, c->name.ptr, c->name.len);
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
    put_id(d->out, id);
    return 0;
}

static int on_module(void *user, const rdbl_key_info *k, rdbl_str name, int encver,
                     uint64_t payload)
{
    rdbl_dump *d = user;
    (void)k;
    fprintf(d->out, "{\"module\":\"%.*s\",\"encver\":%d,\"payload_bytes\":%" PRIu64 "}",
            (int)name.len, (const char *)name.ptr, encver, payload);
    d->n = 1;
    return 0;
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    rdbl_dump *d = user;
    FILE *o = d->out;
    (void)st;
    if (!d->writing)
        return 0; /* filtered out: nothing was opened */
    d->writing = false;
    switch (k->type) {
    case RDBL_TYPE_STRING:
    case RDBL_TYPE_JSON:
        fputc('"', o);
        break;
    case RDBL_TYPE_HASH:
        fputc('}', o);
        if (d->hash_ttls) {
            fputs(",\"field_expire_ms\":{", o);
            fwrite(d->ttl, 1, d->ttl_len, o);
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
    case RDBL_TYPE_ZSET:
    case RDBL_TYPE_ARRAY:
        fputc(']', o);
        break;
    default:
        break;
    }
    fputs("}\n", o);
    d->keys++;
    return ferror(o) ? -1 : 0;
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
    if (filter)
        d->filter = *filter;
    else
        d->filter.type = -1;
    return d;
}

void rdbl_dump_free(rdbl_dump *d)
{
    if (!d)
        return;
    free(d->ttl);
    free(d);
}

uint64_t rdbl_dump_keys(const rdbl_dump *d)
{
    return d->keys;
}
