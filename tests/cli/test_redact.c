/* --redact end to end: a redis-server (a free port on 127.0.0.1; own temp
 * dir; stopped by its PID) holds a keyspace as
 * applications write it, with known identifiers in key names and values:
 * e-mail addresses, UUIDs, numeric user ids, session tokens. It saves twice
 * (a few changes between) and a damaged and a cut copy are made. Every
 * command with --redact (report text/json/html, keys csv/jsonl, check
 * text/json, diff text/json/html, dump; with --salvage on the damaged copy,
 * and on the cut file for the error lines) is run, and its stdout and
 * stderr must hold none of the identifiers. Also: the pattern rows are those
 * of the unredacted report; one id gets one pseudonym in a run, the same
 * with --redact-key across runs, another without it. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *dir;

enum { NUSERS = 40, NSESS = 60, NORDERS = 30, NLOGINS = 12 };
static char emails[NUSERS][64], uids[NUSERS][16], sessions[NSESS][40], uuids[NORDERS][40];
/* login names with a digit or two, as Spring Session indexes sessions by
 * principal: short, no shape of an id, one per key */
static char logins[NLOGINS][16];

static int sh(char **out, const char *cmd)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    return tu_run(argv, out);
}

static void rand_token(uint64_t *rs, char *buf, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet);
    for (size_t i = 0; i < n; i++)
        buf[i] = alphabet[tu_xorshift(rs) % k];
    buf[n] = 0;
}

static void make_data(void)
{
    static const char *const first[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
    static const char *const dom[] = {"example.com", "corp-mail.net", "uni.edu"};
    uint64_t rs = 20260517;
    for (int i = 0; i < NUSERS; i++) {
        snprintf(emails[i], sizeof emails[i], "%s.%s%d@%s", first[i % 6], "smith", 70 + i,
                 dom[i % 3]);
        snprintf(uids[i], sizeof uids[i], "%d", 482133000 + i * 37);
    }
    for (int i = 0; i < NSESS; i++)
        rand_token(&rs, sessions[i], 26, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    static const char *const word[] = {"falcon", "mango", "river", "lunar"};
    for (int i = 0; i < NLOGINS; i++)
        snprintf(logins[i], sizeof logins[i], "%s%d", word[i % 4], i < 4 ? 5 + i : 17 + i * 3);
    for (int i = 0; i < NORDERS; i++) {
        char h[33];
        rand_token(&rs, h, 32, "0123456789abcdef");
        snprintf(uuids[i], sizeof uuids[i], "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12,
                 h + 15, h + 18);
    }
}

/* Commands for redis-cli: users (hash by numeric id, with the e-mail as a
 * value and an e-mail lookup key), sessions (Rails-style and Magento-style
 * tokens, with TTLs), orders by UUID (lists), carts, a Celery result. */
static void write_cmds(FILE *f, bool second)
{
    for (int i = 0; i < NUSERS; i++) {
        fprintf(f, "HSET user:%s:profile email %s name %s plan pro\n", uids[i], emails[i],
                emails[i]);
        fprintf(f, "SET user:by-email:%s %s\n", emails[i], uids[i]);
        fprintf(f, "SADD followers:%s %s %s\n", uids[i], uids[(i + 1) % NUSERS],
                uids[(i + 2) % NUSERS]);
        fprintf(f, "RPUSH cart:%s sku-%d sku-%d\n", uids[i], i, i + 1);
    }
    for (int i = 0; i < NSESS; i++) {
        if (i % 2)
            fprintf(f, "SET _session_id:%s uid=%s EX 86400\n", sessions[i], uids[i % NUSERS]);
        else
            fprintf(f, "SET sess_%s %s EX 3600\n", sessions[i], emails[i % NUSERS]);
    }
    for (int i = 0; i < NORDERS; i++) {
        fprintf(f, "RPUSH order:%s:items line-%d line-%d\n", uuids[i], i, i * 2);
        fprintf(f, "SET celery-task-meta-%s status=SUCCESS\n", uuids[i]);
    }
    for (int i = 0; i < NLOGINS; i++)
        fprintf(f,
                "SADD spring:session:index:org.springframework.session."
                "FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME:%s %s\n",
                logins[i], sessions[i]);
    fprintf(f, "ZADD leaderboard:weekly 10 %s 20 %s 30 %s\n", uids[0], uids[1], emails[2]);
    /* a big hash for the size limits of check */
    fprintf(f, "HSET user:%s:settings", uids[3]);
    for (int j = 0; j < 300; j++)
        fprintf(f, " pref%d %s", j, emails[3]);
    fprintf(f, "\n");
    if (second) {
        for (int i = 0; i < 10; i++)
            fprintf(f, "DEL cart:%s\n", uids[i]);
        for (int i = 0; i < 15; i++)
            fprintf(f, "RPUSH order:%s:items more-%d\n", uuids[i], i);
        fprintf(f, "SET user:by-email:%s %s\n", "newcomer.zz91@example.com", "482199999");
    }
}

static void setup(void)
{
    dir = tu_mkdtemp("rdbl-redact");
    cr_assert(dir);
    if (!tu_have_redis())
        cr_assert_fail("redis-server and redis-cli are needed (tools/setup installs them)");
    make_data();
    /* a free port per setup: Criterion runs the tests of this suite in
     * parallel, each with its own server (a fixed port raced) */
    int port = tu_free_port();
    cr_assert_gt(port, 0);
    int pid = tu_redis_start(dir, port, NULL);
    cr_assert_gt(pid, 0, "redis-server did not start");
    char *a = tu_path(dir, "a.txt"), *b = tu_path(dir, "b.txt");
    FILE *f = fopen(a, "w");
    cr_assert(f);
    write_cmds(f, false);
    fclose(f);
    f = fopen(b, "w");
    cr_assert(f);
    write_cmds(f, true);
    fclose(f);
    int rc = tu_redis_two_saves(dir, port, 0);
    char cmd[4096];
    tu_redis_stop(pid);
    cr_assert_eq(rc, 0, "writing the data failed");
    /* damaged: two zeroed 512-byte stretches; cut: the first 60% */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && cp new.rdb dmg.rdb && n=$(stat -c %%s new.rdb) && "
             "dd if=/dev/zero of=dmg.rdb bs=512 seek=$((n / 1536)) count=1 conv=notrunc "
             "2>/dev/null && dd if=/dev/zero of=dmg.rdb bs=512 seek=$((n / 768)) count=1 "
             "conv=notrunc 2>/dev/null && head -c $((n * 3 / 5)) new.rdb > cut.rdb && "
             "head -c 32 /dev/urandom > secret.key",
             dir);
    cr_assert_eq(sh(NULL, cmd), 0);
    free(a);
    free(b);
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(redact, .init = setup, .fini = teardown, .timeout = 240);

/* "rdblens ARGS" in dir: stdout and stderr together (both are output). */
static char *run(int *rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *run(int *rc, const char *fmt, ...)
{
    char args[2048], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s 2>&1", dir,
             tu_env("RDBL_CLI", "build/src/cli/rdblens"), args);
    char *out = NULL;
    int r = sh(&out, cmd);
    if (rc)
        *rc = r;
    cr_assert(out, "%s: no output", args);
    return out;
}
#pragma GCC diagnostic pop

/* None of the identifiers in out; out is not empty (the command ran). */
static void expect_clean(const char *what, const char *out)
{
    cr_assert(strlen(out) > 20, "%s: almost no output: %s", what, out);
    for (int i = 0; i < NUSERS; i++) {
        cr_assert(!strstr(out, emails[i]), "%s shows the e-mail %s", what, emails[i]);
        cr_assert(!strstr(out, uids[i]), "%s shows the user id %s", what, uids[i]);
    }
    for (int i = 0; i < NSESS; i++)
        cr_assert(!strstr(out, sessions[i]), "%s shows the session token %s", what, sessions[i]);
    for (int i = 0; i < NORDERS; i++)
        cr_assert(!strstr(out, uuids[i]), "%s shows the UUID %s", what, uuids[i]);
    for (int i = 0; i < NLOGINS; i++) {
        char seg[32]; /* as a key segment: a word can occur in a pseudonym's letters */
        snprintf(seg, sizeof seg, ":%.15s", logins[i]);
        cr_assert(!strstr(out, seg), "%s shows the login %s", what, logins[i]);
    }
    static const char *const more[] = {"newcomer.zz91@example.com", "482199999",
                                       "@example.com", "@corp-mail.net", "@uni.edu"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        cr_assert(!strstr(out, more[i]), "%s shows %s", what, more[i]);
}

Test(redact, no_identifier_in_any_output)
{
    /* the data holds them: the test would prove nothing otherwise */
    char *plain = run(NULL, "dump new.rdb");
    cr_assert(strstr(plain, emails[5]) && strstr(plain, uids[7]) && strstr(plain, sessions[4]) &&
              strstr(plain, uuids[3]));
    free(plain);
    plain = run(NULL, "keys -q new.rdb");
    cr_assert(strstr(plain, emails[5]) && strstr(plain, uids[7]) && strstr(plain, uuids[3]) &&
              strstr(plain, logins[1]) && strstr(plain, logins[9]));
    free(plain);

    static const char *const cmds[] = {
        "report -q --redact new.rdb",
        "report -q --redact -f json new.rdb",
        "report -q --redact -f html new.rdb",
        "report -q --redact --top 500 -f json old.rdb new.rdb",
        "report -q --redact --salvage dmg.rdb",
        "report -q --redact --salvage -f json dmg.rdb",
        "report -q --redact --salvage -f html dmg.rdb",
        "report -q --redact cut.rdb",
        "keys -q --redact new.rdb",
        "keys -q --redact -f jsonl --columns key,offset,type new.rdb",
        "keys -q --redact --salvage dmg.rdb",
        "keys -q --redact cut.rdb",
        "check -q --redact --max-key-bytes 200 --require-ttl 'user:*' --max-elements 50 new.rdb",
        "check -q --redact --max-key-bytes 200 --require-ttl 'user:*' -f json new.rdb",
        "check -q --redact --max-key-bytes 200 --salvage dmg.rdb",
        "diff --redact old.rdb new.rdb",
        "diff --redact -f json --top 500 old.rdb new.rdb",
        "diff --redact -f html old.rdb new.rdb",
        "dump --redact new.rdb",
        "dump --redact --salvage dmg.rdb",
        "dump --redact cut.rdb",
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        char *out = run(NULL, "%s", cmds[i]);
        expect_clean(cmds[i], out);
        free(out);
    }
    /* the outputs say so */
    static const char *const say[] = {"report -q --redact new.rdb", "diff --redact old.rdb new.rdb",
                                      "report -q --redact -f html new.rdb"};
    for (size_t i = 0; i < sizeof say / sizeof say[0]; i++) {
        char *o = run(NULL, "%s", say[i]);
        cr_expect(strstr(o, "REDACTED") || strstr(o, "redacted (--redact)"),
                  "%s does not say it is redacted", say[i]);
        free(o);
    }
    /* the damaged runs did meet holes and errors, with keys to name */
    char *out = run(NULL, "keys -q --redact --salvage dmg.rdb");
    cr_expect(strstr(out, "hole at offsets"), "no hole met: %.300s", out);
    free(out);
    out = run(NULL, "keys -q --redact cut.rdb");
    cr_expect(strstr(out, "TRUNCATED") || strstr(out, "CORRUPT"), "the cut file read whole?");
    free(out);
}

/* The pattern rows (labels, keys, memory) are those of the plain report. */
static void rows(json_t *node, const char *path, FILE *o)
{
    const char *label = json_string_value(json_object_get(node, "label"));
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", path, label ? label : "");
    fprintf(o, "%s %s %s\n", p, json_dumps(json_object_get(node, "keys"), JSON_ENCODE_ANY),
            json_dumps(json_object_get(node, "mem_bytes"), JSON_ENCODE_ANY));
    json_t *kids = json_object_get(node, "children");
    size_t i;
    json_t *k;
    json_array_foreach(kids, i, k) rows(k, p, o);
}

static char *pattern_rows(const char *args)
{
    char *out = run(NULL, "%s", args);
    json_error_t je;
    json_t *j = json_loads(out, 0, &je);
    cr_assert(j, "%s: not JSON (%s)", args, je.text);
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    rows(json_object_get(j, "prefixes"), "", o);
    fclose(o);
    json_decref(j);
    free(out);
    return buf;
}

Test(redact, patterns_unchanged)
{
    char *a = pattern_rows("report -q -f json new.rdb");
    char *b = pattern_rows("report -q --redact -f json new.rdb");
    cr_assert(strlen(a) > 200 && strstr(a, "/user/*/profile"), "rows: %.400s", a);
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
}

/* One id, one pseudonym: user:<id>:profile and cart:<id> share it; with
 * --redact-key the same in two runs; without, a fresh secret per run. */
Test(redact, pseudonyms_stable)
{
    char *k1 = run(NULL, "keys -q --redact --redact-key secret.key --columns key new.rdb");
    char *k2 = run(NULL, "keys -q --redact --redact-key secret.key --columns key new.rdb");
    cr_expect_str_eq(k1, k2, "the same secret gave other pseudonyms");
    char *k3 = run(NULL, "keys -q --redact --columns key new.rdb");
    char *k4 = run(NULL, "keys -q --redact --columns key new.rdb");
    cr_expect_str_neq(k3, k4, "two runs without --redact-key gave the same pseudonyms");
    /* user:X:profile and cart:X for the same X, in one run */
    char *plain = run(NULL, "keys -q --columns key,rdb_bytes new.rdb");
    char *red = run(NULL, "keys -q --redact --redact-key secret.key --columns key,rdb_bytes "
                          "new.rdb");
    char want[64];
    snprintf(want, sizeof want, "user:%s:settings", uids[3]);
    cr_assert(strstr(plain, want));
    /* the settings hash is the one big key: find its redacted line by size */
    const char *line = strstr(plain, want);
    const char *comma = strchr(line, ',');
    char size[32];
    snprintf(size, sizeof size, ",%.*s", (int)strcspn(comma + 1, "\n"), comma + 1);
    const char *r = strstr(red, "user:");
    char rid[16] = "";
    for (; r; r = strstr(r + 1, "user:"))
        if (strncmp(strchr(r, ','), size, strlen(size)) == 0 && strstr(r, ":settings,") ==
                                                                     r + 5 + strlen(uids[3])) {
            snprintf(rid, sizeof rid, "%.*s", (int)strlen(uids[3]), r + 5);
            break;
        }
    cr_assert(rid[0], "no redacted settings key");
    cr_expect_str_neq(rid, uids[3]);
    char prof[64];
    snprintf(prof, sizeof prof, "user:%s:profile,", rid);
    cr_expect(strstr(red, prof), "the id of user:<id>:settings has another pseudonym in "
                                 "user:<id>:profile (%s)", prof);
    /* a bad secret file */
    int rc = 0;
    char *o = run(&rc, "keys -q --redact --redact-key a.txt.missing new.rdb");
    cr_expect_neq(rc, 0);
    free(o);
    o = run(&rc, "keys -q --redact-key secret.key new.rdb");
    cr_expect_eq(rc, 2, "--redact-key alone is a usage error");
    free(o);
    free(k1), free(k2), free(k3), free(k4), free(plain), free(red);
}
