/* Whole-file fuzz target for the parser: the input is an RDB file as a user
 * could hand it over (or anything else). It is parsed three times:
 *
 *   1. from memory, with every handler present, each touching every byte
 *      and field it is given (ASan then checks they are really there) and
 *      folding them into a hash of the event stream;
 *   2. from memory with every handler NULL and RDBL_PARSE_FAST (the paths
 *      that skip work);
 *   3. through a reader source whose read sizes come from the input's first
 *      byte and length (1..64 bytes, with an occasional 4 KiB read), again
 *      with every handler;
 *   4. with only on_end_key, hashing the key statistics.
 *
 * And checks what must hold whatever the bytes (a failed check traps):
 *   - a failure fills the error with the same code and a message;
 *   - for a plain RDB (REDIS/VALKEY magic) the error offset is inside the
 *     input, and parses 1 and 3 give the same status, error offset and
 *     message and the same event hash (chunking invariance);
 *   - a file read in full by parse 1 (OK or CHECKSUM) is read in full by
 *     parse 2 with the same status, and parse 4 gives the same key
 *     statistics as parse 1.
 *
 * Seeds (fuzz/corpus/fuzz_rdb/): corpus-<folder>-<file> are unchanged copies
 * of small files of ../shared/corpus (public test dumps: redis-rdb-tools and
 * librdb, MIT; valkey, BSD-3; catcherwong/rdb-tools, MIT), one or more per
 * RDB version 2-13; synth-* are the files the synthetic suites build
 * (tests/parser/test_synth*.c, written with RDBL_SYNTH_DUMP_DIR=dir), errors
 * included; crash-* reproduce fixed crashes (each also a testdata/corrupt
 * case). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/parser.h"
#include "rdblens/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

typedef struct acc {
    uint64_t h;     /* FNV-1a of the events */
    uint64_t stats; /* FNV-1a of the key statistics */
    uint64_t keys;
    bool ended;
} acc;

static inline void mix(uint64_t *h, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t x = *h;
    for (size_t i = 0; i < n; i++)
        x = (x ^ b[i]) * 1099511628211ull;
    *h = x;
}

static inline void mix_u64(uint64_t *h, uint64_t v)
{
    mix(h, &v, sizeof v);
}

static void mix_str(acc *a, rdbl_str s)
{
    mix_u64(&a->h, s.len);
    if (s.len)
        mix(&a->h, s.ptr, s.len);
}

static void mix_item(acc *a, const rdbl_item *it)
{
    mix_u64(&a->h, it->is_int);
    mix_u64(&a->h, it->len);
    if (it->is_int) {
        CHECK(it->ptr == NULL && it->len == rdbl_i64_textlen(it->ival));
        mix_u64(&a->h, (uint64_t)it->ival);
    } else if (it->len) {
        mix(&a->h, it->ptr, it->len);
    }
}

static void mix_key(acc *a, const rdbl_key_info *k)
{
    mix_u64(&a->h, k->db);
    mix(&a->h, k->key.ptr, k->key.len);
    mix_u64(&a->h, (uint64_t)k->rdb_type);
    mix_u64(&a->h, k->type);
    mix_u64(&a->h, k->encoding);
    mix_u64(&a->h, k->has_expire);
    mix_u64(&a->h, (uint64_t)k->expire_ms);
    mix_u64(&a->h, (uint64_t)k->idle_s);
    mix_u64(&a->h, (uint64_t)k->freq);
    mix_u64(&a->h, k->offset);
    CHECK(k->type < RDBL_TYPE__COUNT && k->encoding < RDBL_ENC__COUNT);
    (void)rdbl_type_name(k->type);
}

static void mix_double(acc *a, double d)
{
    if (d != d)
        d = 0; /* NaN never reaches a handler; keep the hash defined anyway */
    uint64_t u;
    memcpy(&u, &d, 8);
    mix_u64(&a->h, u);
}

static void mix_id(acc *a, rdbl_stream_id id)
{
    mix_u64(&a->h, id.ms);
    mix_u64(&a->h, id.seq);
}

static int f_begin(void *u, const rdbl_file_info *fi)
{
    acc *a = u;
    mix(&a->h, fi->magic, strlen(fi->magic));
    mix_u64(&a->h, (uint64_t)fi->rdb_version);
    mix_u64(&a->h, fi->producer);
    mix_u64(&a->h, fi->future_version);
    return 0;
}

static int f_aux(void *u, const rdbl_item *n, const rdbl_item *v)
{
    mix_item(u, n);
    mix_item(u, v);
    return 0;
}

static int f_db(void *u, uint64_t db)
{
    mix_u64(&((acc *)u)->h, db);
    return 0;
}

static int f_resize(void *u, uint64_t db, uint64_t k, uint64_t e)
{
    acc *a = u;
    mix_u64(&a->h, db);
    mix_u64(&a->h, k);
    mix_u64(&a->h, e);
    return 0;
}

static int f_slot(void *u, uint64_t s, uint64_t k, uint64_t e)
{
    return f_resize(u, s, k, e);
}

static int f_modaux(void *u, rdbl_str m, int encver, int when, uint64_t bytes)
{
    acc *a = u;
    mix_str(a, m);
    mix_u64(&a->h, (uint64_t)encver);
    mix_u64(&a->h, (uint64_t)when);
    mix_u64(&a->h, bytes);
    return 0;
}

static int f_function(void *u, rdbl_str code, rdbl_str name, rdbl_str engine)
{
    acc *a = u;
    mix_str(a, code);
    mix_str(a, name);
    mix_str(a, engine);
    return 0;
}

static int f_warning(void *u, uint64_t off, const char *msg)
{
    acc *a = u;
    mix_u64(&a->h, off);
    mix(&a->h, msg, strlen(msg));
    return 0;
}

static int f_end(void *u, const rdbl_end_info *ei)
{
    acc *a = u;
    a->ended = true;
    mix_u64(&a->h, ei->checksum);
    mix_u64(&a->h, ei->stored_crc);
    mix_u64(&a->h, ei->computed_crc);
    mix_u64(&a->h, ei->eof_offset);
    mix_u64(&a->h, ei->trailing_bytes);
    (void)rdbl_checksum_status_name(ei->checksum);
    return 0;
}

static int f_begin_key(void *u, const rdbl_key_info *k)
{
    mix_key(u, k);
    return 0;
}

static void mix_stats(uint64_t *h, const rdbl_key_stats *st)
{
    mix_u64(h, st->elements);
    mix_u64(h, st->rdb_bytes);
    mix_u64(h, st->value_bytes);
    mix_u64(h, st->largest_element);
    mix_u64(h, st->fields_with_ttl);
    mix_u64(h, (uint64_t)st->min_field_expire_ms);
    mix_u64(h, st->blobs);
    mix_u64(h, st->elements_exact);
}

static int f_end_key(void *u, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    acc *a = u;
    a->keys++;
    mix_key(a, k);
    mix_stats(&a->h, st);
    mix(&a->stats, k->key.ptr, k->key.len);
    mix_stats(&a->stats, st);
    CHECK(st->largest_element <= st->value_bytes || st->elements <= 1 ||
          k->type == RDBL_TYPE_STREAM || k->type == RDBL_TYPE_MODULE);
    return 0;
}

static int f_string(void *u, const rdbl_key_info *k, const rdbl_item *c, uint64_t off,
                    uint64_t total)
{
    acc *a = u;
    mix_key(a, k);
    mix_item(a, c);
    mix_u64(&a->h, off);
    mix_u64(&a->h, total);
    CHECK(off + c->len <= total);
    return 0;
}

static int f_item(void *u, const rdbl_key_info *k, const rdbl_item *it)
{
    (void)k;
    mix_item(u, it);
    return 0;
}

static int f_zmember(void *u, const rdbl_key_info *k, const rdbl_item *m, double score)
{
    (void)k;
    CHECK(score == score);
    mix_item(u, m);
    mix_double(u, score);
    return 0;
}

static int f_field(void *u, const rdbl_key_info *k, const rdbl_item *f, const rdbl_item *v,
                   int64_t ttl)
{
    (void)k;
    acc *a = u;
    mix_item(a, f);
    mix_item(a, v);
    mix_u64(&a->h, (uint64_t)ttl);
    return 0;
}

static int f_blob(void *u, const rdbl_key_info *k, const rdbl_blob *b)
{
    (void)k;
    acc *a = u;
    mix_u64(&a->h, b->kind);
    mix_u64(&a->h, b->size);
    mix_u64(&a->h, b->stored_size);
    mix_u64(&a->h, b->lzf);
    mix_u64(&a->h, b->count);
    mix_id(a, b->node_id);
    if (b->data && b->size)
        mix(&a->h, b->data, (size_t)b->size);
    return 0;
}

static int f_smeta(void *u, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    (void)k;
    acc *a = u;
    mix_u64(&a->h, (uint64_t)m->version);
    mix_u64(&a->h, m->nodes);
    mix_u64(&a->h, m->length);
    mix_id(a, m->last_id);
    mix_id(a, m->first_id);
    mix_id(a, m->max_deleted_id);
    mix_u64(&a->h, m->entries_added);
    mix_u64(&a->h, m->groups);
    return 0;
}

static int f_sentry(void *u, const rdbl_key_info *k, rdbl_stream_id id, bool del, size_t n,
                    const rdbl_item *f, const rdbl_item *v)
{
    (void)k;
    acc *a = u;
    mix_id(a, id);
    mix_u64(&a->h, del);
    mix_u64(&a->h, n);
    for (size_t i = 0; i < n; i++) {
        mix_item(a, &f[i]);
        mix_item(a, &v[i]);
    }
    return 0;
}

static int f_sgroup(void *u, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    (void)k;
    acc *a = u;
    mix_str(a, g->name);
    mix_id(a, g->last_id);
    mix_u64(&a->h, (uint64_t)g->entries_read);
    mix_u64(&a->h, g->pel_count);
    mix_u64(&a->h, g->consumers);
    return 0;
}

static int f_spel(void *u, const rdbl_key_info *k, rdbl_str g, rdbl_stream_id id, int64_t when,
                  uint64_t count)
{
    (void)k;
    acc *a = u;
    mix_str(a, g);
    mix_id(a, id);
    mix_u64(&a->h, (uint64_t)when);
    mix_u64(&a->h, count);
    return 0;
}

static int f_sconsumer(void *u, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    (void)k;
    acc *a = u;
    mix_str(a, c->group);
    mix_str(a, c->name);
    mix_u64(&a->h, (uint64_t)c->seen_ms);
    mix_u64(&a->h, (uint64_t)c->active_ms);
    mix_u64(&a->h, c->pel_count);
    return 0;
}

static int f_scpel(void *u, const rdbl_key_info *k, rdbl_str g, rdbl_str c, rdbl_stream_id id)
{
    (void)k;
    acc *a = u;
    mix_str(a, g);
    mix_str(a, c);
    mix_id(a, id);
    return 0;
}

static int f_module(void *u, const rdbl_key_info *k, rdbl_str m, int encver, uint64_t bytes)
{
    (void)k;
    acc *a = u;
    mix_str(a, m);
    mix_u64(&a->h, (uint64_t)encver);
    mix_u64(&a->h, bytes);
    return 0;
}

static const rdbl_events all_events = {
    .on_begin = f_begin,
    .on_aux = f_aux,
    .on_db = f_db,
    .on_resize_db = f_resize,
    .on_slot_info = f_slot,
    .on_module_aux = f_modaux,
    .on_function = f_function,
    .on_warning = f_warning,
    .on_end = f_end,
    .on_begin_key = f_begin_key,
    .on_end_key = f_end_key,
    .on_string = f_string,
    .on_list_item = f_item,
    .on_set_member = f_item,
    .on_zset_member = f_zmember,
    .on_hash_field = f_field,
    .on_blob = f_blob,
    .on_stream_meta = f_smeta,
    .on_stream_entry = f_sentry,
    .on_stream_group = f_sgroup,
    .on_stream_pel = f_spel,
    .on_stream_consumer = f_sconsumer,
    .on_stream_consumer_pel = f_scpel,
    .on_module = f_module,
};

static const rdbl_events stats_events = {.on_end_key = f_end_key};

/* Read sizes from a small generator seeded by the input's first byte and
 * length: mostly 1..64 bytes, every so often 4 KiB. */
typedef struct chunked {
    const uint8_t *p;
    size_t len, pos;
    uint32_t rng;
} chunked;

static long chunked_read(void *user, void *buf, size_t cap)
{
    chunked *c = user;
    c->rng = c->rng * 1103515245u + 12345u;
    size_t n = (c->rng >> 16) % 17 == 0 ? 4096 : 1 + (c->rng >> 16) % 64;
    if (n > cap)
        n = cap;
    if (n > c->len - c->pos)
        n = c->len - c->pos;
    memcpy(buf, c->p + c->pos, n);
    c->pos += n;
    return (long)n;
}

static rdbl_status parse(rdbl_source *src, const rdbl_events *ev, acc *a, unsigned flags,
                         rdbl_error *err)
{
    rdbl_parse_opts o = {.flags = flags};
    memset(a, 0, sizeof *a);
    a->h = a->stats = 1469598103934665603ull;
    rdbl_status st = rdbl_parse(src, ev, a, &o, err);
    if (st != RDBL_OK)
        CHECK(err->code == st && err->msg[0] != '\0');
    else
        CHECK(err->code == RDBL_OK);
    CHECK(st == RDBL_OK || st == RDBL_TRUNCATED || st == RDBL_CORRUPT ||
          st == RDBL_UNSUPPORTED || st == RDBL_CHECKSUM || st == RDBL_IO || st == RDBL_NOMEM);
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool plain = (size >= 5 && memcmp(data, "REDIS", 5) == 0) ||
                 (size >= 6 && memcmp(data, "VALKEY", 6) == 0);
    rdbl_source *src = NULL;
    rdbl_error e1, e2, e3, e4;
    acc a1, a2, a3, a4;

    /* 1: memory, every handler */
    CHECK(rdbl_source_open_mem(&src, data, size, NULL, &e1) == RDBL_OK);
    rdbl_status s1 = parse(src, &all_events, &a1, 0, &e1);
    rdbl_source_free(src);
    if (plain && s1 != RDBL_OK)
        CHECK(e1.offset <= size);
    CHECK(a1.ended == (s1 == RDBL_OK || s1 == RDBL_CHECKSUM));

    /* 2: memory, no handler, fast */
    CHECK(rdbl_source_open_mem(&src, data, size, NULL, &e2) == RDBL_OK);
    rdbl_status s2 = parse(src, NULL, &a2, RDBL_PARSE_FAST, &e2);
    rdbl_source_free(src);
    if (s1 == RDBL_OK || s1 == RDBL_CHECKSUM)
        CHECK(s2 == s1);

    /* 3: reader, every handler, odd read sizes */
    chunked ch = {data, size, 0, (uint32_t)(size ? data[0] : 0) * 2654435761u + (uint32_t)size};
    CHECK(rdbl_source_open_reader(&src, chunked_read, &ch, NULL, &e3) == RDBL_OK);
    rdbl_status s3 = parse(src, &all_events, &a3, 0, &e3);
    rdbl_source_free(src);
    if (plain) {
        CHECK(s3 == s1);
        CHECK(a3.h == a1.h && a3.keys == a1.keys);
        if (s1 != RDBL_OK) {
            CHECK(e3.offset == e1.offset);
            CHECK(strcmp(e3.msg, e1.msg) == 0 && strcmp(e3.key, e1.key) == 0 &&
                  strcmp(e3.where, e1.where) == 0 && e3.rdb_type == e1.rdb_type);
        }
    }

    /* 4: only on_end_key: the same statistics */
    CHECK(rdbl_source_open_mem(&src, data, size, NULL, &e4) == RDBL_OK);
    rdbl_status s4 = parse(src, &stats_events, &a4, 0, &e4);
    rdbl_source_free(src);
    if (s1 == RDBL_OK || s1 == RDBL_CHECKSUM) {
        CHECK(s4 == s1);
        CHECK(a4.stats == a1.stats && a4.keys == a1.keys);
    }
    return 0;
}
