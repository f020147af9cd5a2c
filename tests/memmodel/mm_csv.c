/* mm_csv: a test helper (not installed) that runs the memory model alone
 * over an RDB file and prints one CSV row per key, then the totals on
 * stderr. Used by tools/accuracy when the CLI is not built, and to look at
 * the model's own columns (allocation estimate, approximate flag).
 *
 *     mm_csv [--target T] [--allocator A] [--state S] [--config N=V]...
 *            [--redis-conf FILE] FILE
 *
 * Columns: db,key,type,encoding,mem_usage_bytes,alloc_bytes,approximate,
 * compact_bytes,compact_config. Keys are written in the project's escaped
 * text form (tests/support tu_escape), CSV-quoted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/memmodel.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"
#include "testutil.h"

typedef struct drv {
    rdbl_memmodel *mm;
    const rdbl_events *ev;
} drv;

static void csv_field(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            putchar('"');
        putchar(s[i]);
    }
    putchar('"');
}

/* Forward everything to the model; print the row after on_end_key. */
#define FWD(name, ...)                                                        \
    do {                                                                      \
        drv *d_ = user;                                                       \
        return d_->ev->name ? d_->ev->name(d_->mm, __VA_ARGS__) : 0;          \
    } while (0)

static int on_begin(void *user, const rdbl_file_info *fi) { FWD(on_begin, fi); }
static int on_aux(void *user, const rdbl_item *n, const rdbl_item *v) { FWD(on_aux, n, v); }
static int on_db(void *user, uint64_t db) { FWD(on_db, db); }
static int on_begin_key(void *user, const rdbl_key_info *k) { FWD(on_begin_key, k); }
static int on_string(void *user, const rdbl_key_info *k, const rdbl_item *c, uint64_t o,
                     uint64_t t)
{
    FWD(on_string, k, c, o, t);
}
static int on_list_item(void *user, const rdbl_key_info *k, const rdbl_item *i)
{
    FWD(on_list_item, k, i);
}
static int on_set_member(void *user, const rdbl_key_info *k, const rdbl_item *i)
{
    FWD(on_set_member, k, i);
}
static int on_zset_member(void *user, const rdbl_key_info *k, const rdbl_item *i, double s)
{
    FWD(on_zset_member, k, i, s);
}
static int on_hash_field(void *user, const rdbl_key_info *k, const rdbl_item *f,
                         const rdbl_item *v, int64_t t)
{
    FWD(on_hash_field, k, f, v, t);
}
static int on_blob(void *user, const rdbl_key_info *k, const rdbl_blob *b)
{
    FWD(on_blob, k, b);
}
static int on_stream_meta(void *user, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    FWD(on_stream_meta, k, m);
}
static int on_stream_group(void *user, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    FWD(on_stream_group, k, g);
}
static int on_stream_pel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_stream_id id,
                         int64_t w, uint64_t c)
{
    FWD(on_stream_pel, k, g, id, w, c);
}
static int on_stream_consumer(void *user, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    FWD(on_stream_consumer, k, c);
}
static int on_stream_cpel(void *user, const rdbl_key_info *k, rdbl_str g, rdbl_str c,
                          rdbl_stream_id id)
{
    FWD(on_stream_consumer_pel, k, g, c, id);
}
static int on_module(void *user, const rdbl_key_info *k, rdbl_str m, int e, uint64_t b)
{
    FWD(on_module, k, m, e, b);
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    drv *d = user;
    int rc = d->ev->on_end_key(d->mm, k, st);
    if (rc)
        return rc;
    rdbl_mem_estimate e;
    if (rdbl_memmodel_last(d->mm, &e) != RDBL_OK)
        return -1;
    size_t n;
    char *key = tu_escape(k->key.ptr, k->key.len, &n);
    if (!key)
        return -1;
    printf("%llu,", (unsigned long long)k->db);
    csv_field(key, n);
    printf(",%s,%s,%llu,%llu,%d,%llu,", rdbl_type_name(k->type), e.encoding,
           (unsigned long long)e.bytes, (unsigned long long)e.alloc_bytes, e.approximate ? 1 : 0,
           (unsigned long long)e.compact_bytes);
    csv_field(e.compact_config, strlen(e.compact_config));
    putchar('\n');
    free(key);
    return 0;
}

int main(int argc, char **argv)
{
    rdbl_error err = {0};
    rdbl_mem_config cfg;
    rdbl_mem_config_init(&cfg, "auto", &err);
    const char *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        rdbl_status st = RDBL_OK;
        if (!strcmp(a, "--target") && v) {
            st = rdbl_mem_config_set(&cfg, "target", v, &err);
            i++;
        } else if (!strcmp(a, "--allocator") && v) {
            st = rdbl_mem_config_set(&cfg, "allocator", v, &err);
            i++;
        } else if (!strcmp(a, "--state") && v) {
            st = rdbl_mem_config_set(&cfg, "state", v, &err);
            i++;
        } else if (!strcmp(a, "--redis-conf") && v) {
            st = rdbl_mem_config_read_redis_conf(&cfg, v, &err);
            i++;
        } else if (!strcmp(a, "--config") && v) {
            char name[128];
            const char *eq = strchr(v, '=');
            if (!eq || (size_t)(eq - v) >= sizeof name) {
                fprintf(stderr, "mm_csv: --config NAME=VALUE\n");
                return 2;
            }
            memcpy(name, v, (size_t)(eq - v));
            name[eq - v] = '\0';
            st = rdbl_mem_config_set(&cfg, name, eq + 1, &err);
            i++;
        } else if (a[0] != '-' || !strcmp(a, "-")) {
            file = a;
        } else {
            fprintf(stderr, "mm_csv: unknown option %s\n", a);
            return 2;
        }
        if (st != RDBL_OK) {
            fprintf(stderr, "mm_csv: %s\n", err.msg);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "usage: mm_csv [--target T] [--allocator A] [--state S] "
                        "[--config N=V]... [--redis-conf F] FILE\n");
        return 2;
    }
    rdbl_source *src;
    if (rdbl_source_open_file(&src, file, NULL, &err) != RDBL_OK) {
        fprintf(stderr, "mm_csv: %s\n", err.msg);
        return 3;
    }
    drv d = {rdbl_memmodel_new(&cfg, &err), rdbl_memmodel_events()};
    if (!d.mm) {
        fprintf(stderr, "mm_csv: %s\n", err.msg);
        rdbl_source_free(src);
        return 2;
    }
    static const rdbl_events ev = {
        .on_begin = on_begin,
        .on_aux = on_aux,
        .on_db = on_db,
        .on_begin_key = on_begin_key,
        .on_end_key = on_end_key,
        .on_string = on_string,
        .on_list_item = on_list_item,
        .on_set_member = on_set_member,
        .on_zset_member = on_zset_member,
        .on_hash_field = on_hash_field,
        .on_blob = on_blob,
        .on_stream_meta = on_stream_meta,
        .on_stream_group = on_stream_group,
        .on_stream_pel = on_stream_pel,
        .on_stream_consumer = on_stream_consumer,
        .on_stream_consumer_pel = on_stream_cpel,
        .on_module = on_module,
    };
    printf("db,key,type,encoding,mem_usage_bytes,alloc_bytes,approximate,compact_bytes,"
           "compact_config\n");
    rdbl_status st = rdbl_parse(src, &ev, &d, NULL, &err);
    const rdbl_mem_config *used = rdbl_memmodel_config(d.mm);
    rdbl_mem_totals t;
    rdbl_memmodel_totals(d.mm, &t);
    fprintf(stderr,
            "target=%s allocator=%s state=%s%s%s\n"
            "keys=%llu expires=%llu not_modelled=%llu approximate=%llu\n"
            "sum_mem_usage=%llu used_memory_dataset_est=%llu used_memory_overhead_est=%llu "
            "used_memory_est=%llu writer_used_mem=%lld\n",
            rdbl_mem_target_name(used->target), rdbl_allocator_name(used->allocator),
            used->state == RDBL_MEM_LIVE ? "live" : "loaded", used->warning[0] ? " warning: " : "",
            used->warning, (unsigned long long)t.keys, (unsigned long long)t.keys_with_expire,
            (unsigned long long)t.keys_not_modelled, (unsigned long long)t.keys_approximate,
            (unsigned long long)t.sum_mem_usage, (unsigned long long)t.used_memory_dataset_est,
            (unsigned long long)t.used_memory_overhead_est, (unsigned long long)t.used_memory_est,
            (long long)t.writer_used_mem);
    rdbl_memmodel_free(d.mm);
    rdbl_source_free(src);
    if (st != RDBL_OK && st != RDBL_CHECKSUM) {
        fprintf(stderr, "mm_csv: %s at offset %llu: %s\n", rdbl_status_name(st),
                (unsigned long long)err.offset, err.msg);
        return 4;
    }
    return 0;
}
