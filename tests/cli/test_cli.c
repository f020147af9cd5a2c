/* The rdblens command line, end to end: exit codes, the JSON fields the
 * issues promise, streaming outputs that agree with each other, determinism,
 * exact merges, and the memory model's top keys against a real server's
 * MEMORY USAGE (testdata/accuracy). Runs the built binary ($RDBL_CLI). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "rdbbuild.h"
#include "testutil.h"

static const char *cli(void)
{
    return tu_env("RDBL_CLI", "build/src/cli/rdblens");
}

static const char *testdata(void)
{
    return tu_env("RDBL_TESTDATA", "testdata");
}

static char *tmpdir;

static void setup(void)
{
    tmpdir = tu_mkdtemp("rdbl-cli");
    cr_assert(tmpdir);
}

static void teardown(void)
{
    tu_rmtree(tmpdir);
    free(tmpdir);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 300);

/* Runs "rdblens ARGS" through the shell with stdout to a file.
 * OUT: *out the stdout bytes (NUL-terminated), *err stdout+stderr of sh.
 * @return the exit code. */
static int run(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int run(char **out, const char *fmt, ...)
{
    char args[4096], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *outp = tu_path(tmpdir, "stdout");
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s'", cli(), args, outp);
    char *argv[] = {"sh", "-c", cmd, NULL};
    char *errtext = NULL;
    int rc = tu_run(argv, &errtext);
    if (out)
        *out = tu_read_file(outp, NULL);
    free(errtext);
    free(outp);
    return rc;
}

static json_t *run_json(int want_rc, const char *fmt, const char *arg)
{
    char *out = NULL;
    int rc = run(&out, fmt, arg);
    cr_assert_eq(rc, want_rc, "rdblens %s %s: exit %d, wanted %d", fmt, arg, rc, want_rc);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    cr_assert(j, "not JSON: %s (%.200s)", je.text, out);
    free(out);
    return j;
}
#pragma GCC diagnostic pop

static char *td(const char *name)
{
    return tu_path(testdata(), name);
}

static char *corpus(const char *name)
{
    return tu_path(tu_env("RDBL_CORPUS_DIR", "../shared/corpus"), name);
}

static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

Test(cli, usage_and_exit_codes)
{
    cr_expect_eq(run(NULL, "--help"), 0);
    cr_expect_eq(run(NULL, "--version"), 0);
    cr_expect_eq(run(NULL, "%s", ""), 2);
    cr_expect_eq(run(NULL, "frobnicate x.rdb"), 2);
    cr_expect_eq(run(NULL, "info --bogus x.rdb"), 2);
    cr_expect_eq(run(NULL, "keys --format xml x.rdb"), 2);
    cr_expect_eq(run(NULL, "report --target banana x.rdb"), 2);
    cr_expect_eq(run(NULL, "info /nonexistent/dump.rdb"), 3);
    cr_expect_eq(run(NULL, "report /nonexistent/dump.rdb"), 3);
    const char *cmds[] = {"info", "dump", "keys", "report", "check", "merge"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out = NULL;
        cr_expect_eq(run(&out, "%s --help", cmds[i]), 0, "%s --help", cmds[i]);
        cr_expect(out && strstr(out, "Usage: rdblens"), "%s --help teaches nothing", cmds[i]);
        free(out);
    }
}

Test(cli, info_json_fields)
{
    char *f = td("sample.rdb");
    json_t *j = run_json(0, "info --format json %s", f);
    json_t *file = json_object_get(j, "file");
    cr_expect_eq(json_integer_value(json_object_get(file, "rdb_version")), 10);
    cr_expect_str_eq(json_string_value(json_object_get(file, "magic")), "REDIS");
    cr_expect_str_eq(json_string_value(json_object_get(file, "compression")), "none");
    cr_expect_str_eq(json_string_value(json_object_get(file, "checksum")), "ok");
    json_t *sum = json_object_get(j, "summary");
    json_int_t keys = json_integer_value(json_object_get(sum, "keys"));
    cr_expect_gt(keys, 1000);
    json_t *bt = json_object_get(sum, "by_type");
    cr_expect(json_integer_value(json_object_get(bt, "hash/listpack")) > 0);
    json_int_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach(bt, k, v) total += json_integer_value(v);
    cr_expect_eq(total, keys, "by_type adds up to %lld, keys %lld", (long long)total,
                 (long long)keys);
    cr_expect_eq(json_array_size(json_object_get(j, "errors")), 0);
    json_decref(j);
    free(f);
}

Test(cli, info_reports_damage_with_offsets)
{
    char *bad = corpus("valkey-assets/corrupt_ziplist.rdb");
    char *crc = corpus("librdb/invalid_chksum_v8.rdb");
    FILE *probe = fopen(bad, "rb");
    if (!probe)
        cr_skip("corpus not found at %s", bad);
    fclose(probe);
    json_t *j = run_json(4, "info --format json %s", bad);
    cr_expect(json_is_true(json_object_get(j, "partial")));
    json_t *e = json_array_get(json_object_get(j, "errors"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(e, "code")), "CORRUPT");
    cr_expect_gt(json_integer_value(json_object_get(e, "offset")), 9);
    cr_expect_gt(json_integer_value(json_object_get(json_object_get(j, "summary"), "keys")), 0,
                 "keys read before the damage are reported");
    json_decref(j);
    /* the report of a file cut short never claims a checksum it did not reach */
    j = run_json(4, "report --format json %s", bad);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(j, "file"), "checksum")), "not-checked");
    json_decref(j);
    j = run_json(5, "info --format json %s", crc);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(j, "file"), "checksum")), "mismatch");
    cr_expect(json_is_false(json_object_get(j, "partial")));
    json_decref(j);
    free(bad);
    free(crc);
}

Test(cli, dump_keys_and_info_agree)
{
    char *f = td("sample.rdb");
    json_t *info = run_json(0, "info --format json %s", f);
    json_int_t keys = json_integer_value(json_object_get(json_object_get(info, "summary"), "keys"));
    json_decref(info);

    char *out = NULL;
    cr_assert_eq(run(&out, "dump %s", f), 0);
    cr_expect_eq((json_int_t)lines(out), keys);
    size_t bad = 0;
    for (char *line = out, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert(nl);
        json_error_t je;
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, &je);
        if (!j || !json_object_get(j, "key") || !json_object_get(j, "value"))
            bad++;
        json_decref(j);
    }
    cr_expect_eq(bad, 0, "%zu dump lines are not JSON objects with key and value", bad);
    free(out);

    cr_assert_eq(run(&out, "dump --db 0 --type hash --match 'user:*' %s", f), 0);
    size_t nf = 0;
    for (char *line = out, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert(nl);
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
        cr_assert(j, "filtered dump line is not JSON: %.80s", line);
        cr_expect_str_eq(json_string_value(json_object_get(j, "type")), "hash");
        cr_expect(strncmp(json_string_value(json_object_get(j, "key")), "user:", 5) == 0);
        json_decref(j);
        nf++;
    }
    cr_expect_gt(nf, 0, "the filter kept no key");
    free(out);

    cr_assert_eq(run(&out, "keys -q %s", f), 0);
    cr_expect(strncmp(out,
                      "db,key,type,encoding,elements,rdb_bytes,memory_bytes,"
                      "largest_element_bytes,expire_at_ms,ttl_ms,idle_s,freq\n",
                      strlen("db,key,type,encoding")) == 0);
    cr_expect_eq((json_int_t)lines(out), keys + 1);
    free(out);

    cr_assert_eq(run(&out, "keys -q --format jsonl --match 'session:*' --min-bytes 100 %s", f),
                 0);
    for (char *line = out, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
        cr_assert(j);
        cr_expect(strncmp(json_string_value(json_object_get(j, "key")), "session:", 8) == 0);
        cr_expect_geq(json_integer_value(json_object_get(j, "memory_bytes")), 100);
        json_decref(j);
    }
    free(out);
    free(f);
}

/* summary.memory_bytes is exactly the sum of the per-key estimates. */
Test(cli, report_total_is_sum_of_keys)
{
    char *f = td("sample.rdb");
    json_t *r = run_json(0, "report -q --format json %s", f);
    json_int_t total =
        json_integer_value(json_object_get(json_object_get(r, "summary"), "memory_bytes"));
    json_decref(r);
    char *out = NULL;
    cr_assert_eq(run(&out, "keys -q --format jsonl %s", f), 0);
    json_int_t sum = 0;
    for (char *line = out, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
        sum += json_integer_value(json_object_get(j, "memory_bytes"));
        json_decref(j);
    }
    free(out);
    cr_expect_eq(sum, total, "keys sum %lld, report %lld", (long long)sum, (long long)total);
    free(f);
}

Test(cli, report_json_is_deterministic_and_merges_exactly)
{
    char *a = td("roundtrip/default.rdb"), *b = td("roundtrip/small.rdb");
    char *ja = tu_path(tmpdir, "a.json"), *jb = tu_path(tmpdir, "b.json");
    char *one = NULL, *two = NULL, *both = NULL, *merged = NULL, *par = NULL;
    cr_assert_eq(run(&one, "report -q --format json %s %s", a, b), 0);
    cr_assert_eq(run(&two, "report -q --format json %s %s", a, b), 0);
    cr_expect_str_eq(one, two, "same input, different JSON");
    cr_assert_eq(run(&par, "report -q -j 2 --format json %s %s", a, b), 0);
    cr_expect_str_eq(one, par, "-j 2 differs from one thread");
    cr_assert_eq(run(NULL, "report -q --format json -o %s %s", ja, a), 0);
    cr_assert_eq(run(NULL, "report -q --format json -o %s %s", jb, b), 0);
    cr_assert_eq(run(&merged, "merge %s %s", ja, jb), 0);
    cr_expect_str_eq(one, merged, "merge(A, B) differs from the report of A and B");
    char *html = NULL;
    cr_assert_eq(run(&html, "merge --format html %s %s", ja, jb), 0);
    cr_assert(html && strstr(html, "<html"));
    /* self-contained: no URL but the SVG namespace name */
    for (const char *u = strstr(html, "://"); u; u = strstr(u + 3, "://"))
        cr_expect(strncmp(u - 4, "http://www.w3.org/2000/svg", 26) == 0, "external URL: %.60s",
                  u - 8);
    free(html);
    /* the CSV rows (with their values and example columns) too */
    char *csv1 = NULL, *csv2 = NULL;
    cr_assert_eq(run(&csv1, "report -q --format csv %s %s", a, b), 0);
    cr_assert_eq(run(&csv2, "merge --format csv %s %s", ja, jb), 0);
    cr_expect(strncmp(csv1, "prefix,depth,keys,", 18) == 0);
    cr_expect(strstr(csv1, ",values,example\r\n") != NULL);
    cr_expect_str_eq(csv1, csv2, "merge --format csv differs from report --format csv");
    free(csv1);
    free(csv2);
    cr_assert_eq(run(&both, "report -q %s", a), 0);
    cr_expect(strstr(both, "KEY FACTS") != NULL);
    free(one);
    free(two);
    free(both);
    free(merged);
    free(par);
    free(ja);
    free(jb);
    free(a);
    free(b);
}

/* Writes an RDB of string keys keys[lo..hi) (value "v") to path. */
static void write_keys(const char *path, char keys[][48], int lo, int hi)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    for (int i = lo; i < hi; i++) {
        rb_key(&r, 0, keys[i]);
        rb_cstr(&r, "v");
    }
    rb_eof(&r);
    cr_assert_eq(tu_write_file(path, r.p, r.len), 0);
    rb_free(&r);
}

/* A family ("cache:page:<name>", 200 names: more than a sample holds) in
 * one file, 1500 other names beside "page" in another: the key pattern
 * sample lets "cache:page" go into "cache:*" in the second file's report
 * but not in the first's. Reports of both files, in one run, with -j and
 * merged from each file's report, are the same bytes. */
Test(cli, merge_exact_when_the_sample_lets_a_family_go)
{
    enum { NPAGE = 200, N = NPAGE + 1500 };
    static char keys[N][48];
    static char words[NPAGE][8];
    uint64_t st = 777;
    for (int i = 0; i < N; i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = st >> 11;
        char name[8];
        for (int j = 0; j < 7; j++)
            name[j] = (char)('a' + (r >> (5 * j)) % 26);
        name[7] = 0;
        if (i < NPAGE) {
            memcpy(words[i], name, sizeof name);
            snprintf(keys[i], sizeof keys[i], "cache:page:%.7s", name);
        } else {
            snprintf(keys[i], sizeof keys[i], "cache:%.6s:%.7s", name, words[(r >> 40) % NPAGE]);
        }
    }
    char *a = tu_path(tmpdir, "pages.rdb"), *b = tu_path(tmpdir, "names.rdb");
    char *ja = tu_path(tmpdir, "pages.json"), *jb = tu_path(tmpdir, "names.json");
    write_keys(a, keys, 0, NPAGE);
    write_keys(b, keys, NPAGE, N);
    char *one = NULL, *par = NULL, *merged = NULL;
    cr_assert_eq(run(&one, "report -q --format json %s %s", a, b), 0);
    cr_assert_eq(run(&par, "report -q -j 2 --format json %s %s", a, b), 0);
    cr_assert_eq(run(NULL, "report -q --format json -o %s %s", ja, a), 0);
    cr_assert_eq(run(NULL, "report -q --format json -o %s %s", jb, b), 0);
    cr_assert_eq(run(&merged, "merge %s %s", ja, jb), 0);
    cr_assert(strstr(one, "\"cache:page\"") == NULL, "the premise: cache:page went into cache:*");
    cr_expect_str_eq(one, par, "-j 2 differs from one thread");
    cr_expect_str_eq(one, merged, "merge(A, B) differs from the report of A and B");
    free(one);
    free(par);
    free(merged);
    free(a);
    free(b);
    free(ja);
    free(jb);
}

Test(cli, check_exit_codes)
{
    char *f = td("sample.rdb");
    char *out = NULL;
    cr_expect_eq(run(&out, "check -q --max-key-bytes 1k %s", f), 1);
    cr_expect(strstr(out, "max-key-bytes") != NULL);
    free(out);
    cr_expect_eq(run(NULL, "check -q --max-key-bytes 1g --max-elements 100000000 %s", f), 0);
    json_t *j = run_json(1, "check -q --format json --max-total-bytes 1k %s", f);
    cr_expect(json_is_false(json_object_get(j, "ok")));
    json_decref(j);
    cr_expect_eq(run(NULL, "check -q --max-no-ttl-ratio 0 %s", f), 1);
    cr_expect_eq(run(NULL, "check -q --max-no-ttl-ratio 2 %s", f), 2);
    char *bad = corpus("valkey-assets/corrupt_ziplist.rdb");
    FILE *probe = fopen(bad, "rb");
    if (probe) {
        fclose(probe);
        cr_expect_eq(run(NULL, "check -q --max-key-bytes 1g %s", bad), 4,
                     "a corrupt file never passes a gate");
    }
    free(bad);
    free(f);
}

Test(cli, compressed_input_reads_the_same)
{
    char *f = td("sample.rdb");
    char *gz = tu_path(tmpdir, "sample.rdb.gz");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "gzip -c '%s' > '%s'", f, gz);
    char *argv[] = {"sh", "-c", cmd, NULL};
    cr_assert_eq(tu_run(argv, NULL), 0);
    char *plain = NULL, *comp = NULL;
    cr_assert_eq(run(&plain, "keys -q %s", f), 0);
    cr_assert_eq(run(&comp, "keys -q %s", gz), 0);
    cr_expect_str_eq(plain, comp);
    json_t *j = run_json(0, "info --format json %s", gz);
    cr_expect_str_eq(
        json_string_value(json_object_get(json_object_get(j, "file"), "compression")), "gzip");
    json_decref(j);
    free(plain);
    free(comp);
    free(gz);
    free(f);
}

/* The bar: the top 10 keys by estimated memory are the top 10 by a
 * real server's MEMORY USAGE (Redis 7.0.15, quantum 16, live truth). */
Test(cli, top_keys_match_memory_usage_truth)
{
    char *dir = td("accuracy/redis70-q16-s303");
    char *dump = tu_path(dir, "dump.rdb.gz"), *truth = tu_path(dir, "truth.tsv");
    char *tsv = tu_read_file(truth, NULL);
    cr_assert(tsv, "missing %s", truth);
    /* truth: key, live enc, reloaded enc, mem, mem_reloaded */
    typedef struct {
        char key[512];
        long long mem;
    } row;
    row top[10] = {{{0}, -1}};
    for (char *line = tsv, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (line[0] == '#')
            continue;
        char *f[5];
        int n = 0;
        for (char *p = line; n < 5; n++) {
            f[n] = p;
            char *t = strchr(p, '\t');
            if (!t) {
                n++;
                break;
            }
            *t = '\0';
            p = t + 1;
        }
        if (n < 5)
            continue;
        long long mem = atoll(f[3]);
        for (int i = 0; i < 10; i++) {
            if (mem > top[i].mem) {
                memmove(&top[i + 1], &top[i], sizeof(row) * (size_t)(9 - i));
                snprintf(top[i].key, sizeof top[i].key, "%s", f[0]);
                top[i].mem = mem;
                break;
            }
        }
    }
    free(tsv);
    json_t *r = run_json(0, "report -q --format json --allocator jemalloc-q16 %s", dump);
    json_t *list = json_object_get(json_object_get(r, "top_keys"), "by_memory");
    cr_assert_geq(json_array_size(list), 10);
    for (int i = 0; i < 10; i++) {
        bool found = false;
        for (size_t k = 0; k < 10; k++) {
            const char *key = json_string_value(json_object_get(json_array_get(list, k), "key"));
            if (key && strcmp(key, top[i].key) == 0)
                found = true;
        }
        cr_expect(found, "truth's #%d key %s (%lld B) is not in rdblens' top 10", i + 1,
                  top[i].key, top[i].mem);
    }
    json_decref(r);
    free(dump);
    free(truth);
    free(dir);
}
