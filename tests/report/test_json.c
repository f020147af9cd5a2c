/* JSON report (src/report/json.c): required members and units, every
 * breakdown adds up to summary.memory_bytes, byte-identical output run to
 * run, `merge` of per-shard reports equals the report of all keys together,
 * bad inputs rejected. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_fixture.h"

/* Criterion's cr_assert needs an expression that starts with an identifier. */
static bool yes(bool x)
{
    return x;
}

#define N 20000

static json_t *obj(json_t *j, const char *path)
{
    /* "a.b.c" */
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = j;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, "."))
        cur = json_object_get(cur, tok);
    cr_assert(cur != NULL, "missing %s", path);
    return cur;
}

static json_int_t JI(json_t *j, const char *path)
{
    json_t *v = obj(j, path);
    cr_assert(yes(json_is_integer(v)), "%s is not an integer", path);
    return json_integer_value(v);
}

static json_int_t sum_of(json_t *arr, const char *member)
{
    json_int_t s = 0;
    cr_assert(yes(json_is_array(arr)));
    for (size_t i = 0; i < json_array_size(arr); i++)
        s += json_integer_value(json_object_get(json_array_get(arr, i), member));
    return s;
}

Test(json, members_units_and_sums)
{
    rdbl_agg *a = fixture(21, 0, N, 1, "dump.rdb");
    rdbl_report_opts o = {0};
    o.json_indent = 2;
    char *s = render(rdbl_report_json, a, &o, NULL);
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    cr_assert(j != NULL, "%s", je.text);
    cr_assert(eq(str, (char *)json_string_value(obj(j, "schema")), "rdblens.report/1"));
    cr_assert(eq(i64, JI(j, "file.rdb_version"), 11));
    cr_assert(eq(str, (char *)json_string_value(obj(j, "file.magic")), "REDIS"));
    cr_assert(eq(str, (char *)json_string_value(obj(j, "file.compression")), "gzip"));
    cr_assert(eq(str, (char *)json_string_value(obj(j, "file.checksum")), "ok"));
    cr_assert(eq(i64, JI(j, "summary.keys"), N));
    json_int_t mem = JI(j, "summary.memory_bytes");
    cr_assert(eq(i64, (int64_t)mem, (int64_t)rdbl_tables_agg_summary(rdbl_agg_tables(a))->all.mem_bytes));
    cr_assert(eq(i64, JI(j, "summary.used_mem_bytes"), 900LL << 20));
    /* the reconciled total beside it, under its own name */
    cr_assert(eq(i64, JI(j, "summary.allocated_estimate_bytes"), 800LL << 20));
    /* breakdowns */
    cr_assert(eq(i64, sum_of(obj(j, "types"), "memory_bytes"), mem));
    cr_assert(eq(i64, sum_of(obj(j, "databases"), "memory_bytes"), mem));
    cr_assert(eq(i64, sum_of(obj(j, "ttl.buckets"), "memory_bytes"), mem));
    cr_assert(eq(i64, sum_of(obj(j, "ttl.buckets"), "keys"), N));
    cr_assert(eq(i64, sum_of(obj(j, "access.idle_buckets"), "memory_bytes"), mem));
    cr_assert(eq(i64, JI(j, "prefixes.memory_bytes"), mem));
    cr_assert(eq(i64, sum_of(obj(j, "prefixes.children"), "memory_bytes"), mem));
    json_t *types = obj(j, "types");
    for (size_t i = 0; i < json_array_size(types); i++) {
        json_t *t = json_array_get(types, i);
        cr_assert(eq(i64, sum_of(json_object_get(t, "encodings"), "memory_bytes"),
                     json_integer_value(json_object_get(t, "memory_bytes"))));
    }
    /* top keys */
    json_t *top = obj(j, "top_keys.by_memory");
    cr_assert(eq(sz, json_array_size(top), 100));
    json_t *k0 = json_array_get(top, 0);
    cr_assert(yes(json_is_string(json_object_get(k0, "key"))));
    cr_assert(yes(json_is_integer(json_object_get(k0, "memory_bytes"))));
    for (size_t i = 1; i < json_array_size(top); i++)
        cr_assert(ge(i64, json_integer_value(json_object_get(json_array_get(top, i - 1), "memory_bytes")),
                     json_integer_value(json_object_get(json_array_get(top, i), "memory_bytes"))));
    /* advice: ordered by level, then saving */
    json_t *adv = obj(j, "advice");
    cr_assert(gt(sz, json_array_size(adv), 2));
    for (size_t i = 0; i < json_array_size(adv); i++) {
        json_t *it = json_array_get(adv, i);
        const char *lvl = json_string_value(json_object_get(it, "level"));
        cr_assert(yes(lvl && (!strcmp(lvl, "info") || !strcmp(lvl, "warn") || !strcmp(lvl, "critical"))));
        const char *prev = i ? json_string_value(json_object_get(json_array_get(adv, i - 1), "level")) : NULL;
        if (i && !strcmp(prev, lvl))
            cr_assert(ge(i64, json_integer_value(json_object_get(json_array_get(adv, i - 1), "saving_bytes")),
                         json_integer_value(json_object_get(it, "saving_bytes"))));
        if (i)
            cr_assert(yes(strcmp(prev, "info") != 0 || strcmp(lvl, "info") == 0));
    }
    json_decref(j);
    free(s);
    rdbl_agg_free(a);
}

Test(json, deterministic)
{
    rdbl_agg *a = fixture(22, 0, N, 1, "dump.rdb"), *b = fixture(22, 0, N, 1, "dump.rdb");
    size_t la, lb;
    char *sa = render(rdbl_report_json, a, NULL, &la), *sb = render(rdbl_report_json, b, NULL, &lb);
    cr_assert(eq(sz, la, lb));
    cr_assert(eq(int, memcmp(sa, sb, la), 0));
    /* compact by default: one line */
    cr_assert(eq(ptr, memchr(sa, '\n', la - 1), NULL));
    free(sa);
    free(sb);
    rdbl_agg_free(a);
    rdbl_agg_free(b);
}

static char *write_tmp(const char *dir, const char *name, const char *s)
{
    char *path = malloc(512);
    snprintf(path, 512, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f != NULL);
    fputs(s, f);
    fclose(f);
    return path;
}

Test(json, merge_of_shards_equals_all_together, .timeout = 120)
{
    /* three shards: keys split by i % 3 */
    rdbl_agg *sh[3];
    const char *names[3] = {"shard-0.rdb", "shard-1.rdb", "shard-2.rdb"};
    for (int i = 0; i < 3; i++)
        sh[i] = fixture(23, (uint64_t)i, N, 3, names[i]);
    rdbl_agg *all;
    cr_assert(eq(int, rdbl_agg_new(&all, NULL), RDBL_OK));
    rdbl_agg_set_now(all, GEN_NOW_MS);
    gen_state g;
    for (uint64_t i = 0; i < N; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 23, i, &f);
        rdbl_agg_add(all, &f);
    }
    for (int i = 0; i < 3; i++) {
        rdbl_snapshot s;
        gen_snapshot(&s, names[i]);
        rdbl_agg_add_snapshot(all, &s);
    }
    char dir[] = "/tmp/rdbl-json-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    char *paths[3];
    for (int i = 0; i < 3; i++) {
        char *s = render(rdbl_report_json, sh[i], NULL, NULL);
        char nm[32];
        snprintf(nm, sizeof nm, "s%d.json", i);
        paths[i] = write_tmp(dir, nm, s);
        free(s);
    }
    rdbl_agg *m;
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_report_merge(&m, (const char *const *)paths, 3, NULL, &err), RDBL_OK),
              "%s: %s", err.where, err.msg);
    rdbl_report_opts o = {0};
    o.json_indent = 1;
    size_t l1, l2;
    char *s_all = render(rdbl_report_json, all, &o, &l1), *s_m = render(rdbl_report_json, m, &o, &l2);
    cr_assert(eq(sz, l1, l2));
    cr_assert(eq(int, memcmp(s_all, s_m, l1), 0), "merged report differs");
    /* the merged "file" is a combined view */
    json_t *j = json_loads(s_m, 0, NULL);
    cr_assert(eq(i64, JI(j, "file.merged_files"), 3));
    cr_assert(eq(sz, json_array_size(obj(j, "files")), 3));
    cr_assert(eq(i64, JI(j, "summary.used_mem_bytes"), 3 * (900LL << 20)));
    json_decref(j);
    /* merging a merged report again adds it once more */
    char *s_again = render(rdbl_report_json, m, NULL, NULL);
    char *p4 = write_tmp(dir, "merged.json", s_again);
    rdbl_agg *m2;
    const char *two[2] = {p4, p4};
    cr_assert(eq(int, rdbl_report_merge(&m2, two, 2, NULL, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(u64, rdbl_tables_agg_summary(rdbl_agg_tables(m2))->all.keys, 2 * N));
    for (int i = 0; i < 3; i++) {
        unlink(paths[i]);
        free(paths[i]);
        rdbl_agg_free(sh[i]);
    }
    unlink(p4);
    free(p4);
    rmdir(dir);
    free(s_all);
    free(s_m);
    free(s_again);
    rdbl_agg_free(all);
    rdbl_agg_free(m);
    rdbl_agg_free(m2);
}

static rdbl_status load(const char *s, rdbl_error *err)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    memset(err, 0, sizeof *err);
    rdbl_status st = rdbl_report_json_load_mem(a, s, strlen(s), err);
    rdbl_agg_free(a);
    return st;
}

Test(json, rejects_bad_input)
{
    rdbl_error err;
    cr_assert(eq(int, load("not json", &err), RDBL_CORRUPT));
    cr_assert(eq(int, load("{\"schema\":\"other/1\",\"summary\":{}}", &err), RDBL_CORRUPT));
    cr_assert(not(eq(ptr, strstr(err.msg, "schema"), NULL)));
    cr_assert(eq(int, load("{\"schema\":\"rdblens.report/1\"}", &err), RDBL_CORRUPT));
    cr_assert(eq(int, load("{\"schema\":\"rdblens.report/1\",\"summary\":{\"keys\":\"x\"}}", &err),
                 RDBL_CORRUPT));
    cr_assert(eq(str, err.where, "keys"));
    cr_assert(eq(int,
                 load("{\"schema\":\"rdblens.report/1\",\"summary\":{\"keys\":1},"
                      "\"top_keys\":{\"by_memory\":[{\"key\":\"a\",\"type\":\"nope\"}]}}",
                      &err),
                 RDBL_CORRUPT));
    cr_assert(eq(int, load("{\"schema\":\"rdblens.report/1\",\"summary\":{\"keys\":1},\"x\":1,\"x\":2}", &err),
                 RDBL_CORRUPT));
    /* the minimal valid report */
    cr_assert(eq(int, load("{\"schema\":\"rdblens.report/1\",\"summary\":{\"keys\":1}}", &err), RDBL_OK));
    rdbl_agg *a;
    rdbl_error e2 = {0};
    const char *missing[1] = {"/nonexistent/r.json"};
    cr_assert(eq(int, rdbl_report_merge(&a, missing, 1, NULL, &e2), RDBL_IO));
    cr_assert(eq(ptr, a, NULL));
}

/* The report is streamed member by member (the prefix tree and the expiry
 * minutes never become a jansson tree); its bytes must be exactly what
 * json_dumpf() writes for rdbl_report_json_object(), in every indent mode,
 * with "(other)" nodes, escaped labels, and reals. */
static void streamed_equals_dump(rdbl_agg *a)
{
    json_t *j = rdbl_report_json_object(a);
    cr_assert(j != NULL);
    static const unsigned indents[] = {0, 1, 2, 4};
    for (size_t i = 0; i < sizeof indents / sizeof indents[0]; i++) {
        rdbl_report_opts o = {0};
        o.json_indent = indents[i];
        size_t n;
        char *s = render(rdbl_report_json, a, &o, &n);
        size_t flags = JSON_REAL_PRECISION(6) |
                       (indents[i] ? JSON_INDENT(indents[i]) : JSON_COMPACT);
        char *d = json_dumps(j, flags);
        cr_assert(d != NULL);
        size_t dn = strlen(d);
        cr_assert(eq(sz, n, dn + 1), "indent %u", indents[i]);
        cr_assert(eq(int, memcmp(s, d, dn), 0), "indent %u", indents[i]);
        cr_assert(eq(chr, s[dn], '\n'));
        free(d);
        free(s);
    }
    json_decref(j);
}

Test(json, streamed_bytes_equal_jansson_dump)
{
    rdbl_agg *a = fixture(23, 0, N, 1, "dump.rdb");
    streamed_equals_dump(a);
    rdbl_agg_free(a);

    /* a small budget (folds, "(other)" children), odd bytes in keys, and
     * expiry minutes past the cap */
    rdbl_agg_opts go;
    rdbl_agg_opts_default(&go);
    go.node_budget = 64;
    go.expiry_minutes_cap = 50;
    go.delimiters = ":/";
    cr_assert(eq(int, rdbl_agg_new(&a, &go), RDBL_OK));
    rdbl_agg_set_now(a, GEN_NOW_MS);
    gen_state g;
    for (uint64_t i = 0; i < 5000; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 24, i, &f);
        if (i % 7 == 0) {
            int k = snprintf(g.key, sizeof g.key, "we\"ird\\:%c\x01/\xc3\xa9t\xe9:%" PRIu64,
                             (char)(i % 256 ? i % 256 : 1), i % 97);
            f.key.ptr = (const uint8_t *)g.key;
            f.key.len = (size_t)k;
        }
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
    }
    rdbl_snapshot s;
    gen_snapshot(&s, "odd \"name\".rdb");
    cr_assert(eq(int, rdbl_agg_add_snapshot(a, &s), RDBL_OK));
    cr_assert(rdbl_prefix_agg_folds(rdbl_agg_prefix(a)) > 0);
    streamed_equals_dump(a);
    rdbl_agg_free(a);

    /* nothing at all */
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    streamed_equals_dump(a);
    rdbl_agg_free(a);
}

/* Reports read back from files are streamed (src/report/json_read.c: the
 * prefix tree and the expiry minutes are added as they are read); the
 * aggregate must be the one the whole-tree reader (load_mem) builds, for
 * compact and indented reports, with "(other)" nodes, escaped labels,
 * minutes past the cap, a report whose "schema" is not first (read whole),
 * and any truncation must fail cleanly. */
static char *state_of(const rdbl_agg *a)
{
    json_t *j = rdbl_agg_to_json(a);
    cr_assert(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static void stream_equals_tree(const char *text, size_t len, const rdbl_agg_opts *go)
{
    char path[] = "/tmp/rdbl-jsonr-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert(eq(sz, (size_t)write(fd, text, len), len));
    close(fd);
    rdbl_agg *a, *b;
    cr_assert(eq(int, rdbl_agg_new(&a, go), RDBL_OK));
    cr_assert(eq(int, rdbl_agg_new(&b, go), RDBL_OK));
    rdbl_error e1 = {0}, e2 = {0};
    cr_assert(eq(int, rdbl_report_json_load(a, path, &e1), RDBL_OK), "%s", e1.msg);
    cr_assert(eq(int, rdbl_report_json_load_mem(b, text, len, &e2), RDBL_OK), "%s", e2.msg);
    char *sa = state_of(a), *sb = state_of(b);
    cr_assert(eq(int, strcmp(sa, sb), 0), "streamed and whole-tree loads differ");
    free(sa);
    free(sb);
    /* loading twice (a merge) agrees too */
    cr_assert(eq(int, rdbl_report_json_load(a, path, &e1), RDBL_OK), "%s", e1.msg);
    cr_assert(eq(int, rdbl_report_json_load_mem(b, text, len, &e2), RDBL_OK), "%s", e2.msg);
    sa = state_of(a);
    sb = state_of(b);
    cr_assert(eq(int, strcmp(sa, sb), 0), "streamed and whole-tree merges differ");
    free(sa);
    free(sb);
    rdbl_agg_free(a);
    rdbl_agg_free(b);
    /* every truncation is an error, never a crash */
    for (size_t cut = 0; cut < len; cut += 1 + len / 97) {
        FILE *f = fopen(path, "w");
        cr_assert(f != NULL);
        cr_assert(eq(sz, fwrite(text, 1, cut, f), cut));
        fclose(f);
        rdbl_agg *c;
        cr_assert(eq(int, rdbl_agg_new(&c, go), RDBL_OK));
        rdbl_error e3 = {0};
        cr_assert(ne(int, rdbl_report_json_load(c, path, &e3), RDBL_OK), "cut at %zu", cut);
        rdbl_agg_free(c);
    }
    unlink(path);
}

Test(json, streamed_load_equals_whole_tree_load, .timeout = 120)
{
    rdbl_agg_opts go;
    rdbl_agg_opts_default(&go);
    go.node_budget = 300; /* folds: "(other)" nodes at several depths */
    go.expiry_minutes_cap = 400;
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, &go), RDBL_OK));
    rdbl_agg_set_now(a, GEN_NOW_MS);
    gen_state g;
    for (uint64_t i = 0; i < 6000; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 25, i, &f);
        if (i % 11 == 0) {
            int k = snprintf(g.key, sizeof g.key, "q\"t:\\b:%c\xe9:\xc3\xa9:%" PRIu64,
                             (char)(1 + i % 31), i % 53);
            f.key.ptr = (const uint8_t *)g.key;
            f.key.len = (size_t)k;
        }
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
    }
    rdbl_snapshot s;
    gen_snapshot(&s, "dump.rdb");
    cr_assert(eq(int, rdbl_agg_add_snapshot(a, &s), RDBL_OK));
    cr_assert(gt(u64, rdbl_prefix_agg_folds(rdbl_agg_prefix(a)), 0));
    for (unsigned indent = 0; indent <= 2; indent += 2) {
        rdbl_report_opts o = {0};
        o.json_indent = indent;
        size_t n;
        char *text = render(rdbl_report_json, a, &o, &n);
        stream_equals_tree(text, n, &go);
        free(text);
    }
    /* "schema" last: not streamed, read whole */
    json_t *j = rdbl_report_json_object(a), *moved = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        if (strcmp(k, "schema") != 0)
            json_object_set(moved, k, v);
    }
    json_object_set(moved, "schema", json_object_get(j, "schema"));
    char *text = json_dumps(moved, JSON_COMPACT);
    stream_equals_tree(text, strlen(text), &go);
    free(text);
    json_decref(moved);
    json_decref(j);
    rdbl_agg_free(a);
}
