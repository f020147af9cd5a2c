/* Evidence options end to end on the built binary ($RDBL_CLI): --sha256 on
 * info and report equals `sha256sum FILE` (plain, gzip, zstd, LZ4, a file
 * with bytes after the RDB, a cut file, standard input, a plain file larger
 * than the source's 4 MiB hashing step), and is absent when not asked;
 * keys --columns with the record offset pointing at each key's type byte. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdbbuild.h"
#include "testutil.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = tu_mkdtemp("rdbl-evidence");
    cr_assert(tmpdir);
}

static void teardown(void)
{
    tu_rmtree(tmpdir);
    free(tmpdir);
}

TestSuite(evidence, .init = setup, .fini = teardown, .timeout = 300);

/* Runs a shell command line (in tmpdir); stdout into *out when out is not
 * NULL. @return the exit status. */
static int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int sh(char **out, const char *fmt, ...)
{
    char body[6000], cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    char *o = tu_path(tmpdir, "sh.out");
    snprintf(cmd, sizeof cmd, "cd '%s' && R='%s' && { %s ; } > '%s' 2>/dev/null", tmpdir,
             tu_env("RDBL_CLI", "build/src/cli/rdblens"), body, o);
    char *argv[] = {"sh", "-c", cmd, NULL};
    int rc = tu_run(argv, NULL);
    if (out)
        *out = tu_read_file(o, NULL);
    free(o);
    return rc;
}
#pragma GCC diagnostic pop

/* The 64 hex digits `sha256sum` gives for name (in tmpdir). */
static void sha256sum(const char *name, char hex[65])
{
    char *out = NULL;
    cr_assert_eq(sh(&out, "sha256sum '%s'", name), 0, "sha256sum %s", name);
    cr_assert(out && strlen(out) >= 64);
    memcpy(hex, out, 64);
    hex[64] = 0;
    free(out);
}

static json_t *load(const char *text, const char *what)
{
    json_error_t je;
    json_t *j = text ? json_loads(text, 0, &je) : NULL;
    cr_assert(j, "%s: not JSON (%s)", what, text ? je.text : "no output");
    return j;
}

/* info (text and JSON) and report (JSON, text) with --sha256 on name all
 * give sha256sum's digest; the stdin form too when `pipe` is set. */
static void expect_sha(const char *name, bool pipe)
{
    char want[65], *out = NULL;
    sha256sum(name, want);
    sh(&out, "$R info --sha256 -q '%s'", name); /* a cut file exits 4: still hashed */
    cr_assert(out && strstr(out, want), "info %s: no %s in:\n%s", name, want, out);
    free(out);
    sh(&out, "$R info --sha256 -q -f json '%s'", name);
    json_t *j = load(out, "info json");
    const char *got = json_string_value(json_object_get(json_object_get(j, "file"), "sha256"));
    cr_expect(got && strcmp(got, want) == 0, "info json %s: %s, sha256sum %s", name, got, want);
    cr_expect(json_string_value(json_object_get(json_object_get(j, "file"), "sha256_of")));
    json_decref(j);
    free(out);
    sh(&out, "$R report --sha256 -q -f json '%s'", name);
    j = load(out, "report json");
    got = json_string_value(json_object_get(json_array_get(json_object_get(j, "files"), 0),
                                            "sha256"));
    cr_expect(got && strcmp(got, want) == 0, "report json %s: %s, sha256sum %s", name, got,
              want);
    json_decref(j);
    free(out);
    sh(&out, "$R report --sha256 -q '%s'", name);
    cr_expect(out && strstr(out, want), "report text %s: no SHA-256", name);
    free(out);
    sh(&out, "$R report --sha256 -q -f html '%s'", name);
    cr_expect(out && strstr(out, want), "report html %s: no SHA-256", name);
    free(out);
    if (pipe) {
        sh(&out, "cat '%s' | $R info --sha256 -q -", name);
        cr_expect(out && strstr(out, want), "info - < %s: no %s in:\n%s", name, want, out);
        free(out);
        sh(&out, "cat '%s' | $R report --sha256 -q -f json -", name);
        cr_expect(out && strstr(out, want), "report - < %s: no %s", name, want);
        free(out);
    }
}

static void copy_sample(const char *name)
{
    cr_assert_eq(sh(NULL, "cp '%s/sample.rdb' '%s'", tu_env("RDBL_TESTDATA", "testdata"), name),
                 0);
}

Test(evidence, sha256_plain_and_compressed)
{
    copy_sample("s.rdb");
    cr_assert_eq(sh(NULL, "gzip -c s.rdb > s.rdb.gz && zstd -q s.rdb -o s.rdb.zst && "
                          "lz4 -q s.rdb s.rdb.lz4"),
                 0, "gzip/zstd/lz4 are needed (tools/setup installs them)");
    expect_sha("s.rdb", true);
    expect_sha("s.rdb.gz", true);
    expect_sha("s.rdb.zst", false);
    expect_sha("s.rdb.lz4", false);
}

/* Bytes the parser does not read (after the RDB's end, after a gzip
 * stream's end, past a cut) are still in the digest: the file's, whole. */
Test(evidence, sha256_covers_unread_bytes)
{
    copy_sample("s.rdb");
    cr_assert_eq(sh(NULL, "{ cat s.rdb; head -c 300000 s.rdb; } > trail.rdb && "
                          "{ gzip -c s.rdb; printf 'garbage after the stream'; } > trail.gz && "
                          "head -c 700000 s.rdb > cut.rdb"),
                 0);
    expect_sha("trail.rdb", true);
    expect_sha("trail.gz", true);
    expect_sha("cut.rdb", true);
}

/* A mapped plain file is hashed every 4 MiB as the parser goes, the rest
 * at the end: a file of a bit more than 9 MiB crosses two steps. */
Test(evidence, sha256_large_mapped_file)
{
    rb r;
    rb_init(&r, "REDIS", 10);
    rb_select(&r, 0);
    char key[32];
    uint8_t *val = malloc(100000);
    cr_assert(val);
    uint64_t seed = 7;
    for (int i = 0; i < 95; i++) {
        for (size_t k = 0; k < 100000; k++)
            val[k] = (uint8_t)tu_xorshift(&seed);
        snprintf(key, sizeof key, "blob:%d", i);
        rb_key(&r, 0, key);
        rb_str(&r, val, 100000);
    }
    free(val);
    rb_eof(&r);
    char *p = tu_path(tmpdir, "big.rdb");
    cr_assert_eq(tu_write_file(p, r.p, r.len), 0);
    free(p);
    rb_free(&r);
    expect_sha("big.rdb", true);
}

/* Without --sha256 no digest is computed or written. */
Test(evidence, sha256_only_when_asked)
{
    copy_sample("s.rdb");
    char *out = NULL;
    cr_assert_eq(sh(&out, "$R info -q -f json s.rdb"), 0);
    cr_expect(out && !strstr(out, "sha256"), "info json has a sha256 without --sha256");
    free(out);
    cr_assert_eq(sh(&out, "$R report -q -f json s.rdb"), 0);
    cr_expect(out && !strstr(out, "sha256"), "report json has a sha256 without --sha256");
    free(out);
    char want[65];
    sha256sum("s.rdb", want);
    cr_assert_eq(sh(&out, "$R report -q -f html s.rdb"), 0);
    cr_expect(out && !strstr(out, want), "report html has the SHA-256 without --sha256");
    free(out);
}

/* Reads the record at off in the RDB p[0..n): skips the prefix opcodes
 * (EXPIRETIME_MS, EXPIRETIME, IDLE, FREQ), then the type byte, and returns
 * the key name's bytes (6- and 14-bit lengths: these keys are short), or
 * NULL when the bytes there are not such a record. */
static const uint8_t *record_key(const uint8_t *p, size_t n, size_t off, size_t *klen)
{
    while (off < n) {
        if (p[off] == 0xfc)
            off += 9;
        else if (p[off] == 0xfd)
            off += 5;
        else if (p[off] == 0xf9)
            off += 2;
        else if (p[off] == 0xf8 && off + 1 < n && p[off + 1] >> 6 == 0)
            off += 2;
        else
            break;
    }
    if (off + 3 > n || p[off] > 21) /* the type bytes of Redis 7 */
        return NULL;
    off++;
    if (p[off] >> 6 == 0) {
        *klen = p[off] & 0x3f;
        off += 1;
    } else if (p[off] >> 6 == 1) {
        *klen = (size_t)(p[off] & 0x3f) << 8 | p[off + 1];
        off += 2;
    } else {
        return NULL;
    }
    return off + *klen <= n ? p + off : NULL;
}

/* Every key's offset (plain and gzip input alike: offsets are in the
 * decompressed stream) points at its record: prefix opcodes, the type byte,
 * then the key's own name. */
static void expect_offsets(const char *name, const uint8_t *rdb, size_t n)
{
    char *out = NULL;
    cr_assert_eq(sh(&out, "$R keys -q --columns offset,db,key '%s'", name), 0, "keys %s", name);
    char *save = NULL;
    char *line = strtok_r(out, "\n", &save);
    cr_assert(line && strcmp(line, "offset,db,key") == 0, "header: %s", line);
    size_t rows = 0;
    uint64_t last = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *end;
        unsigned long long off = strtoull(line, &end, 10);
        cr_assert(*end == ',', "row: %s", line);
        const char *key = strchr(end + 1, ',');
        cr_assert(key, "row: %s", line);
        key++;
        size_t klen = 0;
        const uint8_t *k = record_key(rdb, n, (size_t)off, &klen);
        cr_assert(k, "%s: offset %llu of key %s is not a record start", name, off, key);
        cr_assert(klen == strlen(key) && memcmp(k, key, klen) == 0,
                  "%s: offset %llu holds key %.*s, not %s", name, off, (int)klen, k, key);
        cr_assert(off > last, "offsets go forward");
        last = off;
        rows++;
    }
    cr_expect_eq(rows, 3000, "%s: %zu rows", name, rows);
    free(out);
}

Test(evidence, keys_offset_points_at_the_record)
{
    copy_sample("s.rdb");
    char *p = tu_path(tmpdir, "s.rdb");
    size_t n = 0;
    uint8_t *rdb = (uint8_t *)tu_read_file(p, &n);
    free(p);
    cr_assert(rdb);
    cr_assert_eq(sh(NULL, "gzip -c s.rdb > s.rdb.gz"), 0);
    expect_offsets("s.rdb", rdb, n);
    expect_offsets("s.rdb.gz", rdb, n);
    free(rdb);
}

/* --columns picks and orders the columns of both formats; a bad list is a
 * usage error (exit 2) before anything is read. */
Test(evidence, keys_columns)
{
    copy_sample("s.rdb");
    char *out = NULL;
    cr_assert_eq(sh(&out, "$R keys -q --columns key,memory_bytes,offset s.rdb | head -n 2"), 0);
    cr_expect(out && strncmp(out, "key,memory_bytes,offset\n", 24) == 0, "%s", out);
    free(out);
    cr_assert_eq(sh(&out, "$R keys -q -f jsonl --columns ttl_ms,key s.rdb | head -n 1"), 0);
    json_t *j = load(out, "jsonl row");
    cr_expect_eq(json_object_size(j), 2);
    cr_expect(json_is_string(json_object_get(j, "key")));
    cr_expect(json_object_get(j, "ttl_ms") != NULL);
    cr_expect(strncmp(out, "{\"ttl_ms\":", 10) == 0, "column order: %s", out);
    json_decref(j);
    free(out);
    cr_expect_eq(sh(NULL, "$R keys -q --columns key,size s.rdb"), 2);
    cr_expect_eq(sh(NULL, "$R keys -q --columns key,key s.rdb"), 2);
    cr_expect_eq(sh(NULL, "$R keys -q --columns '' s.rdb"), 2);
    /* the default is unchanged: every column but offset */
    cr_assert_eq(sh(&out, "$R keys -q s.rdb | head -n 1"), 0);
    cr_expect_str_eq(out, "db,key,type,encoding,elements,rdb_bytes,memory_bytes,"
                          "largest_element_bytes,expire_at_ms,ttl_ms,idle_s,freq\n");
    free(out);
}
