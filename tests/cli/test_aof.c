/* AOF inputs made by a real redis-server (own port on 127.0.0.1, own temp
 * dir, stopped by its PID) with appendonly yes and aof-use-rdb-preamble yes:
 * keys are written, BGREWRITEAOF makes the base RDB, and more writes go to
 * the incremental command file. Checked:
 *   - the appendonlydir (manifest + *.base.rdb + *.incr.aof): info names the
 *     base it reads and says what follows it (the incr file's bytes and
 *     commands); info and report count the base's keys;
 *   - one file holding an RDB preamble followed by AOF commands (the base
 *     and the incr file as the server wrote them, one after the other: the
 *     single-file layout of aof-use-rdb-preamble before Redis 7): info says
 *     what follows the RDB part (its bytes, its commands counted here by an
 *     independent RESP walk), report reads the RDB part. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *dir;

static int sh(char **out, const char *cmd)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    return tu_run(argv, out);
}

enum { USERS = 120, SESSIONS = 150, LATER = 37 };

/* Keys in the base: user profiles (hashes), sessions with a TTL, a
 * leaderboard; then LATER writes after the rewrite. */
static void make_aof(void)
{
    int port = tu_free_port();
    cr_assert_gt(port, 0);
    int pid = tu_redis_start(dir, port, "--appendonly yes --aof-use-rdb-preamble yes "
                                        "--appendfsync always");
    cr_assert_gt(pid, 0, "redis-server did not start");
    char cmd[4096];
    char *a = tu_path(dir, "a.txt"), *b = tu_path(dir, "b.txt");
    FILE *f = fopen(a, "w");
    cr_assert(f);
    uint64_t rs = 11;
    for (int i = 0; i < USERS; i++)
        fprintf(f, "HSET user:%d:profile name user%d email user%d@example.org plan free\n",
                48210 + i, i, i);
    for (int i = 0; i < SESSIONS; i++)
        fprintf(f, "SET session:%016llx%016llx uid=%d EX 86400\n",
                (unsigned long long)tu_xorshift(&rs), (unsigned long long)tu_xorshift(&rs), i);
    for (int i = 0; i < 50; i++)
        fprintf(f, "ZADD leaderboard:2024-05 %d player%d\n", i * 7, i);
    fclose(f);
    f = fopen(b, "w");
    cr_assert(f);
    for (int i = 0; i < LATER; i++)
        fprintf(f, "SET cart:%d item-%d\n", 900 + i, i);
    fclose(f);
    /* the base is written by the rewrite; wait until it is done, then the
     * later writes go to the new incr file */
    snprintf(cmd, sizeof cmd,
             "cd '%s' && redis-cli -p %d < a.txt > /dev/null && redis-cli -p %d BGREWRITEAOF "
             ">/dev/null && for i in $(seq 100); do sleep 0.1; redis-cli -p %d INFO persistence "
             "| grep -q 'aof_rewrite_in_progress:0' && redis-cli -p %d INFO persistence | "
             "grep -q 'aof_rewrite_scheduled:0' && break; done && "
             "redis-cli -p %d < b.txt > /dev/null",
             dir, port, port, port, port, port);
    int rc = sh(NULL, cmd);
    tu_redis_stop(pid);
    cr_assert_eq(rc, 0, "writing the data failed");
    /* the single-file form: base RDB, then the commands after it */
    snprintf(cmd, sizeof cmd,
             "cd '%s/appendonlydir' && ls *.manifest *.base.rdb *.incr.aof >/dev/null && "
             "cat *.base.rdb *.incr.aof > ../preamble.aof && cp *.incr.aof ../incr.aof && "
             "cp *.base.rdb ../base.rdb",
             dir);
    cr_assert_eq(sh(NULL, cmd), 0, "the appendonlydir lacks its manifest, base or incr file");
    free(a);
    free(b);
}

static void setup(void)
{
    dir = tu_mkdtemp("rdbl-aof");
    cr_assert(dir);
    if (!tu_have_redis())
        cr_assert_fail("redis-server and redis-cli are needed (tools/setup installs them)");
    make_aof();
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
}

TestSuite(aof, .init = setup, .fini = teardown, .timeout = 120);

static json_t *run_json(int want_rc, const char *args)
{
    char cmd[4096];
    char *out = tu_path(dir, "out.json");
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s > '%s'", dir,
             tu_env("RDBL_CLI", "build/src/cli/rdblens"), args, out);
    char *msg = NULL;
    int rc = sh(&msg, cmd);
    cr_assert_eq(rc, want_rc, "%s: exit %d (%s)", args, rc, msg ? msg : "");
    free(msg);
    json_error_t je;
    json_t *j = json_load_file(out, 0, &je);
    free(out);
    cr_assert(j, "%s: not JSON: %s", args, je.text);
    return j;
}

static char *run_text(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s", dir,
             tu_env("RDBL_CLI", "build/src/cli/rdblens"), args);
    char *out = NULL;
    cr_assert_eq(sh(&out, cmd), 0, "%s failed: %s", args, out ? out : "");
    return out;
}

/* Top-level RESP arrays (commands) in p[0..n), walked here apart from the
 * parser's own counter: "*N\r\n" then N bulk strings "$L\r\n<L bytes>\r\n".
 * -1 when the bytes are not such a log. */
static long resp_commands(const char *p, size_t n)
{
    size_t i = 0;
    long cmds = 0;
    while (i < n) {
        if (p[i] != '*')
            return -1;
        char *end;
        long args = strtol(p + i + 1, &end, 10);
        if (args < 1 || end[0] != '\r' || end[1] != '\n')
            return -1;
        i = (size_t)(end + 2 - p);
        for (long a = 0; a < args; a++) {
            if (i >= n || p[i] != '$')
                return -1;
            long len = strtol(p + i + 1, &end, 10);
            if (len < 0 || end[0] != '\r' || end[1] != '\n')
                return -1;
            i = (size_t)(end + 2 - p) + (size_t)len + 2;
        }
        if (i > n)
            return -1;
        cmds++;
    }
    return cmds;
}

static json_int_t report_keys(const char *input)
{
    char args[512];
    snprintf(args, sizeof args, "report -q -f json '%s'", input);
    json_t *j = run_json(0, args);
    json_t *keys = json_object_get(json_object_get(j, "summary"), "keys");
    cr_assert(json_is_integer(keys), "%s: no summary.keys", input);
    json_int_t k = json_integer_value(keys);
    json_decref(j);
    return k;
}

Test(aof, rdb_preamble_then_commands)
{
    char *incr_path = tu_path(dir, "incr.aof");
    size_t incr_len = 0;
    char *incr = tu_read_file(incr_path, &incr_len);
    cr_assert(incr && incr_len > 0, "the incr file is empty");
    long cmds = resp_commands(incr, incr_len);
    /* the later writes, and the SELECT the server puts first */
    cr_assert_eq(cmds, LATER + 1, "RESP walk: %ld commands in the incr file", cmds);

    json_t *j = run_json(0, "info -q -f json preamble.aof");
    json_t *file = json_object_get(j, "file");
    cr_expect(json_is_true(json_object_get(file, "aof_tail")), "no aof_tail");
    cr_expect_eq(json_integer_value(json_object_get(file, "aof_commands")), cmds);
    cr_expect_eq(json_integer_value(json_object_get(file, "trailing_bytes")),
                 (json_int_t)incr_len);
    cr_expect_str_eq(json_string_value(json_object_get(file, "checksum")), "ok");
    json_decref(j);

    char *text = run_text("info -q preamble.aof");
    char want[128];
    snprintf(want, sizeof want, "after the RDB preamble: %ld commands", cmds);
    cr_expect(strstr(text, "AOF tail") && strstr(text, want), "info text lacks \"%s\":\n%s",
              want, text);
    free(text);

    /* report reads the RDB part: the keys of the base, none of the later ones */
    json_int_t base_keys = report_keys("base.rdb");
    cr_expect_eq(base_keys, USERS + SESSIONS + 1);
    cr_expect_eq(report_keys("preamble.aof"), base_keys);
    free(incr);
    free(incr_path);
}

Test(aof, multi_part_directory)
{
    json_t *j = run_json(0, "info -q -f json appendonlydir");
    json_t *file = json_object_get(j, "file");
    const char *base = json_string_value(json_object_get(file, "aof_base"));
    cr_assert(base && strstr(base, "appendonlydir/") && strstr(base, ".base.rdb"),
              "aof_base: %s", base ? base : "(null)");
    cr_expect_str_eq(json_string_value(json_object_get(file, "checksum")), "ok");
    /* what follows the base: the incr file's bytes and commands */
    char *incr_path = tu_path(dir, "incr.aof");
    size_t incr_len = 0;
    char *incr = tu_read_file(incr_path, &incr_len);
    cr_assert(incr);
    json_t *inc = json_object_get(file, "aof_incr");
    cr_expect_eq(json_integer_value(json_object_get(inc, "files")), 1);
    cr_expect_eq(json_integer_value(json_object_get(inc, "bytes")), (json_int_t)incr_len);
    cr_expect_eq(json_integer_value(json_object_get(inc, "commands")),
                 resp_commands(incr, incr_len));
    cr_expect(json_is_true(json_object_get(inc, "whole")));
    free(incr);
    free(incr_path);
    json_decref(j);
    char *text = run_text("info -q appendonlydir");
    char want[96];
    snprintf(want, sizeof want, "in 1 incremental file after the base: %d commands", LATER + 1);
    cr_expect(strstr(text, want), "info text lacks \"%s\": %s", want, text);
    cr_expect(strstr(text, "multi-part AOF directory") && strstr(text, ".base.rdb"),
              "info text: %s", text);
    free(text);
    cr_expect_eq(report_keys("appendonlydir"), USERS + SESSIONS + 1);
}
