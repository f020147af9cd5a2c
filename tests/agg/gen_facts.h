/* Deterministic per-key facts for aggregator and report tests: a realistic
 * key mix (user:<id>:<field> string families, sessions, caches, big hashes,
 * zsets, lists, expiring keys, LFU counters) from a seeded splitmix64, so
 * every run produces the same facts. Header-only; shared by tests/agg and
 * tests/report. */
#ifndef RDBL_TEST_GEN_FACTS_H
#define RDBL_TEST_GEN_FACTS_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rdblens/agg.h"

#define GEN_NOW_MS 1700000000000LL /* 2023-11-14 22:13:20 UTC */

typedef struct gen_state {
    uint64_t seed;
    char key[256];
    uint8_t sample[4096];
} gen_state;

static inline uint64_t gen_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The i-th fact of the stream seeded with seed (independent of other i). */
static inline void gen_fact(gen_state *g, uint64_t seed, uint64_t i, rdbl_key_facts *f)
{
    uint64_t s = seed * 1000003u + i;
    uint64_t r = gen_next(&s);
    rdbl_key_facts_init(f);
    f->db = (r >> 60) == 0 ? 1 : 0;
    unsigned kind = (unsigned)(gen_next(&s) % 100);
    uint64_t id = i; /* keys are unique within a stream */
    (void)gen_next(&s);
    int n = 0;
    f->type = RDBL_TYPE_STRING;
    f->encoding = RDBL_ENC_RAW;
    f->mem_encoding = "embstr";
    f->elements = 1;
    if (kind < 30) {
        /* unique keys: entity i / 2, field by i's parity (so no two i share one) */
        static const char *const fields[] = {"name", "age", "email", "city"};
        const char *fld = fields[(i % 2) + 2 * (gen_next(&s) % 2)];
        n = snprintf(g->key, sizeof g->key, "user:%" PRIu64 ":%s", i / 2, fld);
        f->value_bytes = 3 + gen_next(&s) % 30;
        f->mem_bytes = 56 + f->value_bytes;
        if (f->value_bytes > 20)
            f->mem_encoding = "raw";
    } else if (kind < 45) {
        n = snprintf(g->key, sizeof g->key, "session:%016" PRIx64, gen_next(&s));
        f->value_bytes = 100 + gen_next(&s) % 400;
        f->mem_bytes = 80 + f->value_bytes;
        f->mem_encoding = "raw";
        if (gen_next(&s) % 10 == 0) {
            f->has_expire = true;
            f->expire_ms = GEN_NOW_MS + (int64_t)(gen_next(&s) % 86400000);
        }
    } else if (kind < 60) {
        n = snprintf(g->key, sizeof g->key, "cache:page:%" PRIu64, id);
        f->value_bytes = 1024 + gen_next(&s) % 3000;
        f->mem_bytes = 64 + f->value_bytes;
        f->mem_encoding = "raw";
        f->has_expire = true;
        /* a mass-expiry minute for a third of them */
        if (gen_next(&s) % 3 == 0)
            f->expire_ms = GEN_NOW_MS + 3600000 + (int64_t)(gen_next(&s) % 60000);
        else
            f->expire_ms = GEN_NOW_MS - 5000 + (int64_t)(gen_next(&s) % (40LL * 86400000));
        size_t len = f->value_bytes < sizeof g->sample ? f->value_bytes : sizeof g->sample;
        for (size_t k = 0; k < len; k++)
            g->sample[k] = (uint8_t)"<html><body>lorem ipsum</body></html>"[k % 38];
        f->sample.ptr = g->sample;
        f->sample.len = len;
    } else if (kind < 75) {
        n = snprintf(g->key, sizeof g->key, "profile:%" PRIu64, id);
        f->type = RDBL_TYPE_HASH;
        f->elements = 1 + gen_next(&s) % 700;
        f->encoding = f->elements > 128 ? RDBL_ENC_HASHTABLE : RDBL_ENC_LISTPACK;
        f->mem_encoding = f->elements > 128 ? "hashtable" : "listpack";
        f->value_bytes = f->elements * 20;
        f->largest_element = 10 + gen_next(&s) % 60;
        f->mem_bytes = 100 + f->elements * (f->elements > 128 ? 70 : 22);
        if (f->elements > 128 && f->elements <= 256) {
            f->compact_mem_bytes = 100 + f->elements * 22;
            f->compact_config = "hash-max-listpack-entries 256";
        }
        if (gen_next(&s) % 8 == 0) {
            f->fields_with_ttl = 1 + gen_next(&s) % 5;
            f->min_field_expire_ms = GEN_NOW_MS + (int64_t)(gen_next(&s) % 7200000);
        }
    } else if (kind < 85) {
        n = snprintf(g->key, sizeof g->key, "lb:%s:%" PRIu64,
                     (gen_next(&s) & 1) ? "daily" : "weekly", id);
        f->type = RDBL_TYPE_ZSET;
        f->elements = 1 + gen_next(&s) % 20000;
        f->encoding = f->elements > 128 ? RDBL_ENC_SKIPLIST : RDBL_ENC_LISTPACK;
        f->mem_encoding = f->elements > 128 ? "skiplist" : "listpack";
        f->value_bytes = f->elements * 12;
        f->largest_element = 12;
        f->mem_bytes = 200 + f->elements * (f->elements > 128 ? 90 : 14);
    } else if (kind < 95) {
        n = snprintf(g->key, sizeof g->key, "queue:{tenant%" PRIu64 "}:jobs:%" PRIu64, id % 20,
                     id);
        f->type = RDBL_TYPE_LIST;
        f->elements = gen_next(&s) % 3000;
        f->encoding = RDBL_ENC_QUICKLIST2;
        f->mem_encoding = "quicklist";
        f->value_bytes = f->elements * 30;
        f->largest_element = f->elements ? 30 : 0;
        f->mem_bytes = 100 + f->elements * 33;
    } else {
        n = snprintf(g->key, sizeof g->key, "tags:%" PRIu64, id);
        f->type = RDBL_TYPE_SET;
        f->elements = 1 + gen_next(&s) % 50;
        f->encoding = RDBL_ENC_INTSET;
        f->mem_encoding = "intset";
        f->value_bytes = f->elements * 4;
        f->largest_element = 8;
        f->mem_bytes = 40 + f->elements * 8;
    }
    if (f->type == RDBL_TYPE_STRING)
        f->largest_element = f->value_bytes;
    f->key.ptr = (const uint8_t *)g->key;
    f->key.len = n > 0 ? (size_t)n : 0;
    f->rdb_bytes = f->value_bytes + f->key.len + 9;
    uint64_t acc = gen_next(&s);
    if (acc % 4 == 0)
        f->freq = (int)(acc >> 8) % 256;
    else if (acc % 4 == 1)
        f->idle_s = (int64_t)((acc >> 8) % (60LL * 86400));
}

/* One key with only a name, LRU idle time, LFU counter and memory
 * (idle -1 / freq -1: unknown). The key is borrowed. */
static inline rdbl_key_facts gen_access_fact(const char *key, int64_t idle, int freq, uint64_t mem)
{
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.key.ptr = (const uint8_t *)key;
    f.key.len = strlen(key);
    f.idle_s = idle;
    f.freq = freq;
    f.mem_bytes = mem;
    return f;
}

/* A snapshot context for generated data. */
static inline void gen_snapshot(rdbl_snapshot *s, const char *file)
{
    memset(s, 0, sizeof *s);
    snprintf(s->file, sizeof s->file, "%s", file);
    s->file_size = 123456789;
    snprintf(s->magic, sizeof s->magic, "REDIS");
    s->rdb_version = 11;
    s->compression = RDBL_COMP_GZIP;
    s->checksum = RDBL_CHECKSUM_OK;
    s->ctime_s = GEN_NOW_MS / 1000;
    s->ctime_source = RDBL_CTIME_AUX;
    snprintf(s->redis_ver, sizeof s->redis_ver, "7.2.4");
    s->has_used_mem = true;
    s->used_mem = 900ULL << 20;
    snprintf(s->target, sizeof s->target, "redis-7.2");
    snprintf(s->allocator, sizeof s->allocator, "jemalloc-q8");
    s->ntotals = 1;
    snprintf(s->totals[0].name, sizeof s->totals[0].name, "allocated_estimate_bytes");
    s->totals[0].bytes = 800ULL << 20;
}

#endif
