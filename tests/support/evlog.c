/* Event recorder (see evlog.h): one canonical text line per event. */
#include "evlog.h"

#include <inttypes.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void die(const char *what)
{
    fprintf(stderr, "evlog: %s\n", what);
    abort();
}

void evlog_init(evlog *l, unsigned opts)
{
    memset(l, 0, sizeof *l);
    l->opts = opts;
    l->buf = malloc(1024);
    if (!l->buf)
        die("out of memory");
    l->cap = 1024;
    l->buf[0] = '\0';
}

void evlog_free(evlog *l)
{
    free(l->buf);
    free(l->key);
    memset(l, 0, sizeof *l);
}

void evlog_reset(evlog *l)
{
    unsigned opts = l->opts;
    evlog_free(l);
    evlog_init(l, opts);
}

static void reserve(evlog *l, size_t more)
{
    if (more < l->cap - l->len)
        return;
    size_t cap = l->cap;
    while (more >= cap - l->len) {
        if (cap > SIZE_MAX / 2)
            die("log too large");
        cap *= 2;
    }
    char *nb = realloc(l->buf, cap);
    if (!nb)
        die("out of memory");
    l->buf = nb;
    l->cap = cap;
}

static void vput(evlog *l, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 0)))
#endif
    ;
static void vput(evlog *l, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
    if (n < 0)
        die("vsnprintf");
    if ((size_t)n >= l->cap - l->len) {
        reserve(l, (size_t)n + 1);
        vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap2);
    }
    va_end(ap2);
    l->len += (size_t)n;
}

static void put(evlog *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void put(evlog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput(l, fmt, ap);
    va_end(ap);
}

void evlog_printf(evlog *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vput(l, fmt, ap);
    va_end(ap);
    put(l, "\n");
}

/* "escaped bytes" */
static void put_bytes(evlog *l, const uint8_t *p, size_t n)
{
    size_t need = rdbl_escape_bytes(NULL, 0, p, n);
    reserve(l, need + 3);
    l->buf[l->len++] = '"';
    rdbl_escape_bytes(l->buf + l->len, l->cap - l->len, p, n);
    l->len += need;
    l->buf[l->len++] = '"';
    l->buf[l->len] = '\0';
}

static void put_str(evlog *l, rdbl_str s)
{
    put_bytes(l, s.ptr, s.len);
}

static void put_item(evlog *l, const rdbl_item *it)
{
    if (it->is_int) {
        put(l, "#%" PRId64, it->ival);
        if (it->ptr != NULL || it->len != rdbl_i64_textlen(it->ival))
            put(l, "!badint(len=%zu)", it->len);
    } else {
        put_bytes(l, it->ptr, it->len);
    }
}

static void put_id(evlog *l, rdbl_stream_id id)
{
    put(l, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
}

static void put_double(evlog *l, double d)
{
    if (isnan(d))
        put(l, "nan");
    else if (isinf(d))
        put(l, d > 0 ? "inf" : "-inf");
    else
        put(l, "%.17g", d);
}

/* Counts the event; returns the value the handler must return. */
static int tick(evlog *l)
{
    l->events++;
    if (l->ret_at && l->events == l->ret_at)
        return l->ret_val;
    return 0;
}

static void remember_key(evlog *l, rdbl_str k)
{
    if (k.len + 1 > l->keycap) {
        uint8_t *nk = realloc(l->key, k.len + 1);
        if (!nk)
            die("out of memory");
        l->key = nk;
        l->keycap = k.len + 1;
    }
    if (k.len)
        memcpy(l->key, k.ptr, k.len);
    l->keylen = k.len;
}

static void check_key(evlog *l, const rdbl_key_info *k)
{
    if (k->key.len != l->keylen || (k->key.len && memcmp(k->key.ptr, l->key, k->key.len)))
        put(l, "!key mismatch\n");
}

/* ---- handlers ---- */

static int h_begin(void *u, const rdbl_file_info *fi)
{
    evlog *l = u;
    put(l, "begin magic=%s ver=%d producer=%s future=%d", fi->magic, fi->rdb_version,
        fi->producer == RDBL_PRODUCER_VALKEY ? "valkey" : "redis", fi->future_version ? 1 : 0);
    if (!(l->opts & EVLOG_NO_COMP))
        put(l, " comp=%s", rdbl_compression_name(fi->compression));
    put(l, "\n");
    return tick(l);
}

static int h_aux(void *u, const rdbl_item *name, const rdbl_item *value)
{
    evlog *l = u;
    put(l, "aux ");
    put_item(l, name);
    put(l, "=");
    put_item(l, value);
    put(l, "\n");
    return tick(l);
}

static int h_db(void *u, uint64_t db)
{
    evlog *l = u;
    put(l, "db %" PRIu64 "\n", db);
    return tick(l);
}

static int h_resize(void *u, uint64_t db, uint64_t keys, uint64_t expires)
{
    evlog *l = u;
    put(l, "resize db=%" PRIu64 " keys=%" PRIu64 " expires=%" PRIu64 "\n", db, keys, expires);
    return tick(l);
}

static int h_slot(void *u, uint64_t slot, uint64_t keys, uint64_t expires)
{
    evlog *l = u;
    put(l, "slot %" PRIu64 " keys=%" PRIu64 " expires=%" PRIu64 "\n", slot, keys, expires);
    return tick(l);
}

static int h_modaux(void *u, rdbl_str module, int encver, int when, uint64_t bytes)
{
    evlog *l = u;
    put(l, "modaux %.*s/%d when=%d bytes=%" PRIu64 "\n", (int)module.len,
        (const char *)module.ptr, encver, when, bytes);
    return tick(l);
}

static int h_function(void *u, rdbl_str code, rdbl_str name, rdbl_str engine)
{
    evlog *l = u;
    put(l, "function name=");
    put_str(l, name);
    put(l, " engine=");
    put_str(l, engine);
    put(l, " code=");
    put_str(l, code);
    put(l, "\n");
    return tick(l);
}

static int h_warning(void *u, uint64_t off, const char *msg)
{
    evlog *l = u;
    l->warnings++;
    put(l, "warning @%" PRIu64 " %s\n", off, msg);
    return tick(l);
}

static int h_end(void *u, const rdbl_end_info *ei)
{
    evlog *l = u;
    put(l, "end crc=%s stored=%016" PRIx64 " computed=%016" PRIx64 " eof=@%" PRIu64
           " trailing=%" PRIu64 "\n",
        rdbl_checksum_status_name(ei->checksum), ei->stored_crc, ei->computed_crc,
        ei->eof_offset, ei->trailing_bytes);
    return tick(l);
}

static void put_expire(evlog *l, const rdbl_key_info *k)
{
    if (k->has_expire)
        put(l, "expire=%" PRId64, k->expire_ms);
    else
        put(l, "expire=none");
}

static int h_begin_key(void *u, const rdbl_key_info *k)
{
    evlog *l = u;
    remember_key(l, k->key);
    put(l, "key db=%" PRIu64 " ", k->db);
    put_str(l, k->key);
    put(l, " type=%s enc=%s rdbtype=%d ", rdbl_type_name(k->type),
        rdbl_encoding_name(k->encoding), k->rdb_type);
    put_expire(l, k);
    put(l, " idle=%" PRId64 " freq=%d @%" PRIu64 "\n", k->idle_s, k->freq, k->offset);
    int rc = tick(l);
    if (rc == 0 && l->skip_keys)
        return RDBL_SKIP;
    return rc;
}

static int h_end_key(void *u, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    evlog *l = u;
    l->keys++;
    if (l->opts & EVLOG_BRIEF_KEYS) {
        put(l, "endkey db=%" PRIu64 " ", k->db);
        put_str(l, k->key);
        put(l, " type=%s enc=%s ", rdbl_type_name(k->type), rdbl_encoding_name(k->encoding));
        put_expire(l, k);
        put(l, "\n");
        return tick(l);
    }
    put(l, "endkey ");
    put_str(l, k->key);
    put(l,
        " n=%" PRIu64 " bytes=%" PRIu64 " vbytes=%" PRIu64 " largest=%" PRIu64 " fttl=%" PRIu64
        " fmin=%" PRId64 " blobs=%" PRIu64 " exact=%d\n",
        st->elements, st->rdb_bytes, st->value_bytes, st->largest_element, st->fields_with_ttl,
        st->min_field_expire_ms, st->blobs, st->elements_exact ? 1 : 0);
    return tick(l);
}

static int h_string(void *u, const rdbl_key_info *k, const rdbl_item *chunk, uint64_t off,
                    uint64_t total)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "str %" PRIu64 "/%" PRIu64 " ", off, total);
    put_item(l, chunk);
    put(l, "\n");
    return tick(l);
}

static int h_list_item(void *u, const rdbl_key_info *k, const rdbl_item *it)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "item ");
    put_item(l, it);
    put(l, "\n");
    return tick(l);
}

static int h_set_member(void *u, const rdbl_key_info *k, const rdbl_item *it)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "member ");
    put_item(l, it);
    put(l, "\n");
    return tick(l);
}

static int h_zset_member(void *u, const rdbl_key_info *k, const rdbl_item *it, double score)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "zmember ");
    put_item(l, it);
    put(l, " ");
    put_double(l, score);
    put(l, "\n");
    return tick(l);
}

static int h_hash_field(void *u, const rdbl_key_info *k, const rdbl_item *f, const rdbl_item *v,
                        int64_t expire_ms)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "field ");
    put_item(l, f);
    put(l, " ");
    put_item(l, v);
    if (expire_ms < 0)
        put(l, " ttl=none\n");
    else
        put(l, " ttl=%" PRId64 "\n", expire_ms);
    return tick(l);
}

static const char *blob_kind(rdbl_blob_kind k)
{
    switch (k) {
    case RDBL_BLOB_ZIPLIST:
        return "ziplist";
    case RDBL_BLOB_LISTPACK:
        return "listpack";
    case RDBL_BLOB_INTSET:
        return "intset";
    case RDBL_BLOB_ZIPMAP:
        return "zipmap";
    case RDBL_BLOB_PLAIN:
        return "plain";
    case RDBL_BLOB_STREAM_NODE:
        return "streamnode";
    }
    return "?";
}

static int h_blob(void *u, const rdbl_key_info *k, const rdbl_blob *b)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "blob %s size=%" PRIu64 " stored=%" PRIu64 " lzf=%d count=%" PRIu64 " node=",
        blob_kind(b->kind), b->size, b->stored_size, b->lzf ? 1 : 0, b->count);
    put_id(l, b->node_id);
    if (b->data)
        put(l, " data=%016" PRIx64 "\n", rdbl_crc64(0, b->data, (size_t)b->size));
    else
        put(l, " data=none\n");
    return tick(l);
}

static int h_stream_meta(void *u, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "smeta v=%d nodes=%" PRIu64 " len=%" PRIu64 " last=", m->version, m->nodes,
        m->length);
    put_id(l, m->last_id);
    put(l, " first=");
    put_id(l, m->first_id);
    put(l, " maxdel=");
    put_id(l, m->max_deleted_id);
    put(l, " added=%" PRIu64 " groups=%" PRIu64 "\n", m->entries_added, m->groups);
    return tick(l);
}

static int h_stream_entry(void *u, const rdbl_key_info *k, rdbl_stream_id id, bool deleted,
                          size_t nfields, const rdbl_item *fields, const rdbl_item *values)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "sentry ");
    put_id(l, id);
    put(l, " del=%d", deleted ? 1 : 0);
    for (size_t i = 0; i < nfields; i++) {
        put(l, " ");
        put_item(l, &fields[i]);
        put(l, "=");
        put_item(l, &values[i]);
    }
    put(l, "\n");
    return tick(l);
}

static int h_stream_group(void *u, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "sgroup ");
    put_str(l, g->name);
    put(l, " last=");
    put_id(l, g->last_id);
    put(l, " read=%" PRId64 " pel=%" PRIu64 " consumers=%" PRIu64 "\n", g->entries_read,
        g->pel_count, g->consumers);
    return tick(l);
}

static int h_stream_pel(void *u, const rdbl_key_info *k, rdbl_str group, rdbl_stream_id id,
                        int64_t delivery_ms, uint64_t count)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "spel ");
    put_str(l, group);
    put(l, " ");
    put_id(l, id);
    put(l, " delivered=%" PRId64 " count=%" PRIu64 "\n", delivery_ms, count);
    return tick(l);
}

static int h_stream_consumer(void *u, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "sconsumer ");
    put_str(l, c->group);
    put(l, " ");
    put_str(l, c->name);
    put(l, " seen=%" PRId64 " active=%" PRId64 " pel=%" PRIu64 "\n", c->seen_ms, c->active_ms,
        c->pel_count);
    return tick(l);
}

static int h_stream_cpel(void *u, const rdbl_key_info *k, rdbl_str group, rdbl_str consumer,
                         rdbl_stream_id id)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "scpel ");
    put_str(l, group);
    put(l, " ");
    put_str(l, consumer);
    put(l, " ");
    put_id(l, id);
    put(l, "\n");
    return tick(l);
}

static int h_module(void *u, const rdbl_key_info *k, rdbl_str module, int encver,
                    uint64_t bytes)
{
    evlog *l = u;
    check_key(l, k);
    put(l, "module ");
    put_str(l, module);
    put(l, " encver=%d bytes=%" PRIu64 "\n", encver, bytes);
    return tick(l);
}

static const rdbl_events all_events = {
    .on_begin = h_begin,
    .on_aux = h_aux,
    .on_db = h_db,
    .on_resize_db = h_resize,
    .on_slot_info = h_slot,
    .on_module_aux = h_modaux,
    .on_function = h_function,
    .on_warning = h_warning,
    .on_end = h_end,
    .on_begin_key = h_begin_key,
    .on_end_key = h_end_key,
    .on_string = h_string,
    .on_list_item = h_list_item,
    .on_set_member = h_set_member,
    .on_zset_member = h_zset_member,
    .on_hash_field = h_hash_field,
    .on_blob = h_blob,
    .on_stream_meta = h_stream_meta,
    .on_stream_entry = h_stream_entry,
    .on_stream_group = h_stream_group,
    .on_stream_pel = h_stream_pel,
    .on_stream_consumer = h_stream_consumer,
    .on_stream_consumer_pel = h_stream_cpel,
    .on_module = h_module,
};

static const rdbl_events key_events = {
    .on_begin = h_begin,
    .on_end = h_end,
    .on_end_key = h_end_key,
};

const rdbl_events *evlog_events(void)
{
    return &all_events;
}

const rdbl_events *evlog_events_keys(void)
{
    return &key_events;
}

/* ---- queries ---- */

static bool line_has_prefix(const char *line, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len > n && memcmp(line, prefix, n) == 0 && line[n] == ' ';
}

char *evlog_grep(const evlog *l, const char *prefix)
{
    char *out = malloc(l->len + 1);
    if (!out)
        die("out of memory");
    size_t o = 0;
    const char *p = l->buf, *end = l->buf + l->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (line_has_prefix(p, len, prefix)) {
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
    }
    out[o] = '\0';
    return out;
}

size_t evlog_count(const evlog *l, const char *prefix)
{
    size_t n = 0;
    const char *p = l->buf, *end = l->buf + l->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        if (line_has_prefix(p, len, prefix))
            n++;
        p += len;
    }
    return n;
}

bool evlog_contains(const evlog *l, const char *needle)
{
    return strstr(l->buf, needle) != NULL;
}

rdbl_status evlog_parse_mem(evlog *l, const void *p, size_t n, const rdbl_events *ev,
                            unsigned flags, rdbl_error *err)
{
    rdbl_error local;
    if (!err)
        err = &local;
    rdbl_source *src = NULL;
    rdbl_status st = rdbl_source_open_mem(&src, p, n, NULL, err);
    if (st != RDBL_OK)
        return st;
    rdbl_parse_opts o = {.flags = flags};
    st = rdbl_parse(src, ev ? ev : evlog_events(), l, &o, err);
    rdbl_source_free(src);
    return st;
}

const char *evlog_err_text(const rdbl_error *e)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s @%" PRIu64 " type=%d where=\"%s\" key=\"%s\" msg=\"%s\"",
             rdbl_status_name(e->code), e->offset, e->rdb_type, e->where, e->key, e->msg);
    return buf;
}

/* ---- test inputs ---- */

typedef struct flist {
    char **v;
    size_t n, cap;
} flist;

static int walk(const char *dir, const char *suffix, flist *fl)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(n);
        if (!path)
            die("out of memory");
        snprintf(path, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) {
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            walk(path, suffix, fl);
            free(path);
            continue;
        }
        size_t pl = strlen(path), sl = strlen(suffix);
        if (!S_ISREG(st.st_mode) || pl < sl || strcmp(path + pl - sl, suffix) != 0) {
            free(path);
            continue;
        }
        if (fl->n + 2 > fl->cap) {
            size_t cap = fl->cap ? fl->cap * 2 : 64;
            char **nv = realloc(fl->v, cap * sizeof *nv);
            if (!nv)
                die("out of memory");
            fl->v = nv;
            fl->cap = cap;
        }
        fl->v[fl->n++] = path;
    }
    closedir(d);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **evlog_list_files(const char *dir, const char *suffix, size_t *n)
{
    flist fl = {0};
    if (walk(dir, suffix, &fl) != 0) {
        free(fl.v);
        return NULL;
    }
    if (!fl.v) {
        fl.v = malloc(sizeof *fl.v);
        if (!fl.v)
            die("out of memory");
    }
    qsort(fl.v, fl.n, sizeof *fl.v, cmp_str);
    fl.v[fl.n] = NULL;
    if (n)
        *n = fl.n;
    return fl.v;
}

void evlog_free_list(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}
