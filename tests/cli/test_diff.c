/* rdblens diff end to end on a pair of real dumps: a redis-server (own port
 * on 127.0.0.1, own temp dir, stopped by its PID) loads realistic keys,
 * saves, gets known changes (a new family, a vanished one, grown
 * collections, bigger values, TTLs removed and added, a type change, keys
 * that expire in between) and saves again. Every count of the diff is
 * checked against a key-by-key comparison of the two `rdblens dump`
 * outputs, the memory totals against `report`, and TMPDIR must be left
 * empty. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static const char *cli(void)
{
    return tu_env("RDBL_CLI", "build/src/cli/rdblens");
}

static char *dir;          /* the pair and everything else of the suite */
static char *old_rdb, *new_rdb;

static int sh(char **out, const char *cmd)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    return tu_run(argv, out);
}

static void hex(uint64_t *rs, char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = "0123456789abcdef"[tu_xorshift(rs) & 15];
    buf[n] = 0;
}

enum { SESSIONS = 300, USERS = 200, CARTS = 100, CACHE = 150, LEGACY = 80, OTP = 20 };
static char sessions[SESSIONS][80], carts[CARTS][80], legacy[LEGACY][80];

/* The first state: what a Rails/Sidekiq-style app leaves in Redis. */
static void write_old(FILE *f)
{
    uint64_t rs = 0x5eed;
    char h[64], v[64];
    for (int i = 0; i < SESSIONS; i++) {
        hex(&rs, h, 32);
        snprintf(sessions[i], sizeof sessions[i], "session:%s", h);
        hex(&rs, v, 40);
        fprintf(f, "SET %s %s EX 86400\n", sessions[i], v);
    }
    for (int i = 0; i < USERS; i++)
        fprintf(f, "HSET user:%d:profile name user%d email u%d@example.com plan free "
                   "created_at 1714000000\n",
                1000 + i, i, i);
    for (int i = 0; i < CARTS; i++) {
        char a[16], b[8], c[8], d[8], e[16];
        hex(&rs, a, 8), hex(&rs, b, 4), hex(&rs, c, 4), hex(&rs, d, 4), hex(&rs, e, 12);
        snprintf(carts[i], sizeof carts[i], "cart:%s-%s-%s-%s-%s", a, b, c, d, e);
        fprintf(f, "RPUSH %s sku-1 sku-2 sku-3\n", carts[i]);
    }
    fprintf(f, "ZADD leaderboard:2024-05-01");
    for (int i = 0; i < 50; i++)
        fprintf(f, " %d player%d", (int)(tu_xorshift(&rs) % 9999), i);
    fprintf(f, "\n");
    for (int i = 0; i < CACHE; i++)
        fprintf(f, "SET cache:views/products/%d %0200d\n", 5000 + i, i);
    for (int i = 0; i < LEGACY; i++) {
        hex(&rs, h, 24);
        snprintf(legacy[i], sizeof legacy[i], "legacy:token:%s", h);
        hex(&rs, v, 16);
        fprintf(f, "SET %s %s\n", legacy[i], v);
    }
    for (int i = 0; i < OTP; i++)
        fprintf(f, "SET otp:+4479%08d %06d PX 1500\n", (int)(tu_xorshift(&rs) % 100000000),
                i);
    fprintf(f, "RPUSH sidekiq:queue:default");
    for (int i = 0; i < 40; i++) {
        hex(&rs, h, 24);
        fprintf(f, " {\"class\":\"Mailer\",\"jid\":\"%s\"}", h);
    }
    fprintf(f, "\nSADD feature:flags dark_mode beta_checkout new_search\n");
}

/* The known changes. */
static void write_new(FILE *f)
{
    for (int i = 0; i < 60; i++)
        fprintf(f, "RPUSH notif:%d:inbox m1 m2 m3 m4\n", 2000 + i); /* a new family */
    for (int i = 0; i < LEGACY; i++)
        fprintf(f, "DEL %s\n", legacy[i]); /* a vanished one */
    for (int i = 0; i < 30; i++) {
        fprintf(f, "RPUSH %s", carts[i]); /* grown collections */
        for (int j = 0; j < 20; j++)
            fprintf(f, " sku-x%d", j);
        fprintf(f, "\n");
    }
    for (int i = 0; i < 20; i++) { /* listpack -> hashtable */
        fprintf(f, "HSET user:%d:profile", 1000 + i);
        for (int j = 0; j < 600; j++)
            fprintf(f, " pref%d v%d", j, j);
        fprintf(f, "\n");
    }
    for (int i = 0; i < 50; i++) /* bigger values */
        fprintf(f, "SET cache:views/products/%d %02000d\n", 5000 + i, i);
    for (int i = 0; i < 100; i++)
        fprintf(f, "PERSIST %s\n", sessions[i]); /* TTLs removed */
    for (int i = 0; i < 10; i++)
        fprintf(f, "EXPIRE user:%d:profile 604800\n", 1000 + i); /* TTLs added */
    fprintf(f, "DEL feature:flags\nSET feature:flags dark_mode=1\n"); /* a type change */
    fprintf(f, "ZINCRBY leaderboard:2024-05-01 500 player1\n");
}

static void make_pair(void)
{
    int port = tu_free_port();
    cr_assert_gt(port, 0);
    int pid = tu_redis_start(dir, port, NULL);
    cr_assert_gt(pid, 0, "redis-server did not start");
    char *a = tu_path(dir, "a.txt"), *b = tu_path(dir, "b.txt");
    FILE *f = fopen(a, "w");
    cr_assert(f);
    write_old(f);
    fclose(f);
    f = fopen(b, "w");
    cr_assert(f);
    write_new(f);
    fclose(f);
    /* 3 s between the saves: the OTPs (PX 1500) must be past due at NEW's
     * reference time, its ctime AUX in whole seconds (up to 1 s earlier than
     * the save itself); with 2 s both suite runs of 17:00 failed here. */
    int rc = tu_redis_two_saves(dir, port, 3);
    tu_redis_stop(pid);
    cr_assert_eq(rc, 0, "loading the data failed");
    free(a);
    free(b);
}

static void setup(void)
{
    dir = tu_mkdtemp("rdbl-diff");
    cr_assert(dir);
    if (!tu_have_redis())
        cr_assert_fail("redis-server and redis-cli are needed (tools/setup installs them)");
    make_pair();
    old_rdb = tu_path(dir, "old.rdb");
    new_rdb = tu_path(dir, "new.rdb");
}

static void teardown(void)
{
    tu_rmtree(dir);
    free(dir);
    free(old_rdb);
    free(new_rdb);
}

TestSuite(diff, .init = setup, .fini = teardown, .timeout = 120);

/* Runs rdblens with args; stdout parsed as JSON (or NULL when not wanted). */
static json_t *run_json(int want_rc, const char *env, const char *args)
{
    char cmd[8192];
    char *out = tu_path(dir, "out.json");
    snprintf(cmd, sizeof cmd, "%s '%s' %s > '%s'", env ? env : "", cli(), args, out);
    char *msg = NULL;
    int rc = sh(&msg, cmd);
    cr_assert_eq(rc, want_rc, "%s: exit %d (%s)", cmd, rc, msg ? msg : "");
    free(msg);
    json_error_t je;
    json_t *j = json_load_file(out, 0, &je);
    free(out);
    cr_assert(j, "not JSON: %s", je.text);
    return j;
}

/* One key of a dump: type, value (canonical text: sets and zsets sorted,
 * object keys sorted) and expiry. */
typedef struct dkey {
    char *id;     /* "db\nkey" */
    char *type;
    char *value;
    long long expire; /* -1 none */
} dkey;

static int cmp_json_text(const void *a, const void *b)
{
    const size_t fl = JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY;
    char *x = json_dumps(*(json_t *const *)a, fl);
    char *y = json_dumps(*(json_t *const *)b, fl);
    int c = strcmp(x, y);
    free(x);
    free(y);
    return c;
}

static size_t load_dump(const char *rdb, dkey **out)
{
    char cmd[4096];
    char *path = tu_path(dir, "dump.jsonl");
    snprintf(cmd, sizeof cmd, "'%s' dump '%s' > '%s'", cli(), rdb, path);
    cr_assert_eq(sh(NULL, cmd), 0);
    FILE *f = fopen(path, "r");
    cr_assert(f);
    size_t n = 0, cap = 0;
    dkey *v = NULL;
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        cr_assert(j, "dump line not JSON: %s", je.text);
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            v = realloc(v, cap * sizeof *v);
        }
        const char *type = json_string_value(json_object_get(j, "type"));
        json_t *val = json_object_get(j, "value");
        if (strcmp(type, "set") == 0 || strcmp(type, "zset") == 0) {
            size_t m = json_array_size(val);
            json_t **items = malloc((m + 1) * sizeof *items);
            for (size_t i = 0; i < m; i++)
                items[i] = json_array_get(val, i);
            qsort(items, m, sizeof *items, cmp_json_text);
            json_t *sorted = json_array();
            for (size_t i = 0; i < m; i++)
                json_array_append(sorted, items[i]);
            free(items);
            v[n].value = json_dumps(sorted, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(sorted);
        } else {
            v[n].value = json_dumps(val, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        }
        char id[1024];
        snprintf(id, sizeof id, "%lld\n%s", (long long)json_integer_value(json_object_get(j, "db")),
                 json_string_value(json_object_get(j, "key")));
        v[n].id = strdup(id);
        v[n].type = strdup(type);
        json_t *e = json_object_get(j, "expire_ms");
        v[n].expire = json_is_integer(e) ? (long long)json_integer_value(e) : -1;
        n++;
        json_decref(j);
    }
    free(line);
    fclose(f);
    free(path);
    *out = v;
    return n;
}

static int cmp_dkey(const void *a, const void *b)
{
    return strcmp(((const dkey *)a)->id, ((const dkey *)b)->id);
}

static long long jint(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    cr_assert(json_is_integer(v), "%s is not an integer", k);
    return (long long)json_integer_value(v);
}

static bool dir_empty(const char *path)
{
    DIR *d = opendir(path);
    cr_assert(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n == 0;
}

Test(diff, counts_match_a_key_by_key_comparison_of_the_dumps)
{
    dkey *a, *b;
    size_t na = load_dump(old_rdb, &a), nb = load_dump(new_rdb, &b);
    qsort(a, na, sizeof *a, cmp_dkey);
    qsort(b, nb, sizeof *b, cmp_dkey);
    long long added = 0, removed = 0, changed = 0, same = 0, ch_type = 0, ch_val = 0, ch_exp = 0;
    long long gained = 0, lost = 0, removed_ttl = 0, otp_removed = 0;
    size_t i = 0, k = 0;
    while (i < na || k < nb) {
        int c = i == na ? 1 : k == nb ? -1 : strcmp(a[i].id, b[k].id);
        if (c < 0) {
            removed_ttl += a[i].expire >= 0;
            otp_removed += strncmp(a[i].id, "0\notp:", 6) == 0;
            removed++, i++;
        } else if (c > 0) {
            added++, k++;
        } else {
            bool t = strcmp(a[i].type, b[k].type) != 0;
            bool v = strcmp(a[i].value, b[k].value) != 0;
            bool e = a[i].expire != b[k].expire;
            ch_type += t, ch_val += v, ch_exp += e;
            gained += a[i].expire < 0 && b[k].expire >= 0;
            lost += a[i].expire >= 0 && b[k].expire < 0;
            if (t || v || e)
                changed++;
            else
                same++;
            i++, k++;
        }
    }
    /* the scenario is what the test thinks it is */
    cr_expect_eq(added, 60);
    /* expired keys not yet reclaimed are still saved: some OTPs may stay */
    cr_expect_eq(removed, LEGACY + otp_removed);
    cr_expect_eq(removed_ttl, otp_removed);
    cr_expect_eq(gained, 10);
    cr_expect_eq(lost, 100);

    char *tmp = tu_path(dir, "tmp");
    cr_assert_eq(mkdir(tmp, 0700), 0);
    char env[1200], args[4096];
    snprintf(env, sizeof env, "TMPDIR='%s'", tmp);
    snprintf(args, sizeof args, "diff --format json '%s' '%s'", old_rdb, new_rdb);
    json_t *j = run_json(0, env, args);
    cr_expect(dir_empty(tmp), "diff left temporary files in TMPDIR");
    cr_expect_str_eq(json_string_value(json_object_get(j, "schema")), "rdblens.diff/1");
    cr_expect(json_is_true(json_object_get(j, "key_level")));
    json_t *s = json_object_get(j, "summary");
    cr_expect_eq(jint(s, "keys_before"), (long long)na);
    cr_expect_eq(jint(s, "keys_after"), (long long)nb);
    cr_expect_eq(jint(s, "keys_added"), added);
    cr_expect_eq(jint(s, "keys_removed"), removed);
    cr_expect_eq(jint(s, "keys_changed"), changed);
    cr_expect_eq(jint(s, "keys_unchanged"), same);
    cr_expect_eq(jint(s, "keys_changed_type"), ch_type);
    cr_expect_eq(jint(s, "keys_changed_value"), ch_val);
    cr_expect_eq(jint(s, "keys_changed_expiry"), ch_exp);
    cr_expect_eq(jint(s, "keys_ttl_gained"), gained);
    cr_expect_eq(jint(s, "keys_ttl_lost"), lost);
    cr_expect_eq(jint(s, "keys_removed_expired"), removed_ttl, "the OTP keys expired in between");
    cr_expect_eq(jint(s, "keys_encoding_changed"), 20);

    /* memory equals report's summary.memory_bytes of each file */
    const char *files[2] = {old_rdb, new_rdb};
    const char *names[2] = {"memory_bytes_before", "memory_bytes_after"};
    for (int f = 0; f < 2; f++) {
        snprintf(args, sizeof args, "report --format json -q '%s'", files[f]);
        json_t *r = run_json(0, NULL, args);
        cr_expect_eq(jint(s, names[f]), jint(json_object_get(r, "summary"), "memory_bytes"),
                     "%s", names[f]);
        json_decref(r);
    }

    /* the pattern tree: root totals are the summary's; families */
    json_t *root = json_object_get(j, "prefixes");
    cr_expect_eq(jint(root, "keys_before"), (long long)na);
    cr_expect_eq(jint(root, "keys_after"), (long long)nb);
    cr_expect_eq(jint(root, "memory_bytes_before"), jint(s, "memory_bytes_before"));
    cr_expect_eq(jint(root, "memory_bytes_after"), jint(s, "memory_bytes_after"));
    json_t *app = json_object_get(j, "families_appeared");
    json_t *van = json_object_get(j, "families_vanished");
    cr_assert_eq(json_array_size(app), 1);
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(app, 0), "prefix")), "notif");
    cr_expect_eq(jint(json_array_get(app, 0), "keys"), 60);
    cr_assert_geq(json_array_size(van), 1); /* legacy, and otp when all expired */
    cr_expect_str_eq(json_string_value(json_object_get(json_array_get(van, 0), "prefix")), "legacy");
    /* children ordered by absolute memory change */
    json_t *kids = json_object_get(root, "children");
    long long prev = -1;
    for (size_t c = 0; c < json_array_size(kids); c++) {
        json_t *n = json_array_get(kids, c);
        long long d = llabs(jint(n, "memory_bytes_after") - jint(n, "memory_bytes_before"));
        cr_expect(prev < 0 || d <= prev, "children not ordered by |change|");
        prev = d;
        cr_expect(json_object_get(n, "keys_with_ttl_before") && json_object_get(n, "children"));
    }

    /* families of the key-level changes */
    json_t *ttl = json_object_get(j, "ttl_changes");
    bool sess = false;
    for (size_t r = 0; r < json_array_size(ttl); r++) {
        json_t *row = json_array_get(ttl, r);
        if (strcmp(json_string_value(json_object_get(row, "family")), "session:*") == 0) {
            sess = true;
            cr_expect_eq(jint(row, "keys_ttl_lost"), 100);
        }
    }
    cr_expect(sess, "no TTL row for session:*");
    json_t *enc = json_array_get(json_object_get(j, "encoding_changes"), 0);
    cr_assert(enc);
    cr_expect_str_eq(json_string_value(json_object_get(enc, "family")), "user:*:profile");
    cr_expect_str_eq(json_string_value(json_object_get(enc, "encoding_before")), "listpack");
    cr_expect_str_eq(json_string_value(json_object_get(enc, "encoding_after")), "hashtable");
    cr_expect_eq(jint(enc, "keys"), 20);

    /* top lists */
    json_t *top = json_object_get(j, "top_keys");
    json_t *grown = json_array_get(json_object_get(top, "grown"), 0);
    cr_assert(grown);
    cr_expect(strncmp(json_string_value(json_object_get(grown, "key")), "user:10", 7) == 0);
    cr_expect_str_eq(json_string_value(json_object_get(grown, "type")), "hash");
    cr_expect_gt(jint(grown, "memory_bytes_after"), jint(grown, "memory_bytes_before"));
    json_t *rem = json_array_get(json_object_get(top, "removed"), 0);
    cr_assert(rem);
    cr_expect_eq(jint(rem, "memory_bytes_after"), 0);
    cr_expect_eq(json_array_size(json_object_get(top, "added")), 20);
    json_t *shr = json_array_get(json_object_get(top, "shrunk"), 0);
    cr_assert(shr);
    cr_expect_str_eq(json_string_value(json_object_get(shr, "key")), "feature:flags");
    json_decref(j);
    for (size_t x = 0; x < na; x++)
        free(a[x].id), free(a[x].type), free(a[x].value);
    for (size_t x = 0; x < nb; x++)
        free(b[x].id), free(b[x].type), free(b[x].value);
    free(a);
    free(b);
    free(tmp);
}

Test(diff, same_file_is_all_unchanged)
{
    char args[4096];
    snprintf(args, sizeof args, "diff --format json '%s' '%s'", new_rdb, new_rdb);
    json_t *j = run_json(0, NULL, args);
    json_t *s = json_object_get(j, "summary");
    cr_expect_eq(jint(s, "keys_unchanged"), jint(s, "keys_before"));
    cr_expect_eq(jint(s, "keys_added") + jint(s, "keys_removed") + jint(s, "keys_changed"), 0);
    cr_expect_eq(json_array_size(json_object_get(j, "families_appeared")), 0);
    json_decref(j);
}

Test(diff, report_json_inputs_give_the_pattern_level_only)
{
    char cmd[8192], args[4096];
    char *ra = tu_path(dir, "a.json"), *rb = tu_path(dir, "b.json");
    snprintf(cmd, sizeof cmd, "'%s' report --format json -q -o '%s' '%s' && '%s' report --format "
             "json -q -o '%s' '%s'", cli(), ra, old_rdb, cli(), rb, new_rdb);
    cr_assert_eq(sh(NULL, cmd), 0);
    snprintf(args, sizeof args, "diff --format json '%s' '%s'", ra, rb);
    json_t *j = run_json(0, NULL, args);
    cr_expect(json_is_false(json_object_get(j, "key_level")));
    json_t *s = json_object_get(j, "summary");
    cr_expect(json_is_null(json_object_get(s, "keys_added")), "key level from reports");
    cr_expect(strstr(json_string_value(json_object_get(j, "patterns")), "report") != NULL);
    /* the same totals and families as the RDB diff */
    snprintf(args, sizeof args, "diff --format json '%s' '%s'", old_rdb, new_rdb);
    json_t *k = run_json(0, NULL, args);
    json_t *t = json_object_get(k, "summary");
    cr_expect_eq(jint(s, "memory_bytes_before"), jint(t, "memory_bytes_before"));
    cr_expect_eq(jint(s, "memory_bytes_after"), jint(t, "memory_bytes_after"));
    cr_expect_eq(jint(s, "keys_after"), jint(t, "keys_after"));
    cr_expect_eq(json_array_size(json_object_get(j, "families_appeared")),
                 json_array_size(json_object_get(k, "families_appeared")));
    /* mixed: an RDB against a report */
    snprintf(args, sizeof args, "diff --format json '%s' '%s'", old_rdb, rb);
    json_t *m = run_json(0, NULL, args);
    cr_expect_eq(jint(json_object_get(m, "summary"), "memory_bytes_after"),
                 jint(t, "memory_bytes_after"));
    json_decref(m);
    json_decref(k);
    json_decref(j);
    free(ra);
    free(rb);
}

Test(diff, text_and_html_outputs_and_errors)
{
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "'%s' diff '%s' '%s'", cli(), old_rdb, new_rdb);
    cr_expect_eq(sh(&out, cmd), 0);
    cr_expect(strstr(out, "Memory ") && strstr(out, "60 added, "), "%s", out);
    cr_expect(strstr(out, "Families that appeared (1)") != NULL);
    free(out);
    char *html = tu_path(dir, "d.html");
    snprintf(cmd, sizeof cmd, "'%s' diff --format html -o '%s' '%s' '%s'", cli(), html, old_rdb,
             new_rdb);
    cr_expect_eq(sh(NULL, cmd), 0);
    char *page = tu_read_file(html, NULL);
    cr_assert(page);
    cr_expect(strstr(page, "<!DOCTYPE html>") == page);
    cr_expect(strstr(page, "notif:*:inbox") != NULL);
    cr_expect(strstr(page, "<script") == NULL && strstr(page, "http") == NULL,
              "the page must be self-contained");
    free(page);
    free(html);
    /* errors: a missing file, a bad option, one file; TMPDIR stays empty */
    char *tmp = tu_path(dir, "tmp2");
    cr_assert_eq(mkdir(tmp, 0700), 0);
    snprintf(cmd, sizeof cmd, "TMPDIR='%s' '%s' diff '%s' /nonexistent.rdb", tmp, cli(), old_rdb);
    cr_expect_eq(sh(NULL, cmd), 3);
    snprintf(cmd, sizeof cmd, "'%s' diff --format xml a b", cli());
    cr_expect_eq(sh(NULL, cmd), 2);
    snprintf(cmd, sizeof cmd, "'%s' diff '%s'", cli(), old_rdb);
    cr_expect_eq(sh(NULL, cmd), 2);
    /* a truncated NEW: corrupt (4), nothing left behind */
    snprintf(cmd, sizeof cmd, "head -c 20000 '%s' > '%s/cut.rdb' && TMPDIR='%s' '%s' diff '%s' "
             "'%s/cut.rdb'", new_rdb, dir, tmp, cli(), old_rdb, dir);
    cr_expect_eq(sh(NULL, cmd), 4);
    cr_expect(dir_empty(tmp), "temporary files left after an error");
    free(tmp);
}

/* check --baseline BASE --max-prefix-growth 'cache:*=50%' and 'session:*=50%'
 * on NEW: cache:* grew (50 values 200 -> 2000 bytes), session:* did not
 * (beyond the model's per-file overhead). @return the violation's numbers
 * ("X -> Y (+Z%) ", without the file; malloc'ed). */
static char *cache_growth_fails(const char *base)
{
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof cmd,
             "'%s' check --baseline '%s' --max-prefix-growth 'cache:*=50%%' "
             "--max-prefix-growth 'session:*=50%%' --format json '%s'",
             cli(), base, new_rdb);
    cr_expect_eq(sh(&out, cmd), 1, "baseline %s", base);
    json_t *j = json_loads(strstr(out, "{"), 0, NULL);
    cr_assert(j, "%s", out);
    json_t *rule = json_array_get(json_object_get(j, "failed"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(rule, "rule")), "max-prefix-growth");
    cr_expect_eq(json_integer_value(json_object_get(rule, "count")), 1, "%s", out);
    json_t *ex = json_array_get(json_object_get(rule, "examples"), 0);
    cr_expect_str_eq(json_string_value(json_object_get(ex, "subject")), "cache:*");
    const char *d = json_string_value(json_object_get(ex, "detail"));
    cr_assert(d, "%s", out);
    char *nums = strndup(d, strcspn(d, "s"));
    json_decref(j);
    free(out);
    return nums;
}

/* check's growth gates on the same pair: exit 1 with the numbers when a
 * limit is broken, 0 when not, 2 without a baseline for growth limits. */
Test(diff, check_growth_gates)
{
    char cmd[8192];
    char *out = NULL;
    snprintf(cmd, sizeof cmd, "'%s' check --baseline '%s' --max-growth 20%% '%s'", cli(), old_rdb,
             new_rdb);
    cr_expect_eq(sh(&out, cmd), 1);
    cr_expect(strstr(out, "FAIL max-growth") && strstr(out, "limit +20%"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' check --baseline '%s' --max-growth 10 '%s'", cli(), old_rdb,
             new_rdb);
    cr_expect_eq(sh(NULL, cmd), 0, "a 10x allowance passes");
    /* cache:* grew (50 values 200 -> 2000 bytes), session:* did not (beyond the model's
     * per-file overhead) */
    free(cache_growth_fails(old_rdb));
    /* budgets without a baseline: notif:* appeared with 60 small lists */
    snprintf(cmd, sizeof cmd, "'%s' check --max-prefix-bytes 'notif:*=1k' '%s'", cli(), new_rdb);
    cr_expect_eq(sh(&out, cmd), 1);
    cr_expect(strstr(out, "notif:*") && strstr(out, "budget 1.00 KiB"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "'%s' check --max-prefix-bytes 'notif:*=1m' '%s'", cli(), new_rdb);
    cr_expect_eq(sh(NULL, cmd), 0);
    snprintf(cmd, sizeof cmd, "'%s' check --max-growth 20%% '%s'", cli(), new_rdb);
    cr_expect_eq(sh(NULL, cmd), 2, "growth without a baseline is a usage error");
}

/* check --baseline REPORT.json --max-prefix-growth: the baseline's share of
 * a glob comes from the report's pattern tree, and equals what the RDB
 * baseline gives when the glob names whole patterns. */
Test(diff, check_prefix_growth_against_a_report_json)
{
    char cmd[8192];
    char *out = NULL;
    char *rep = tu_path(dir, "old-report.json");
    snprintf(cmd, sizeof cmd, "'%s' report --format json -o '%s' '%s'", cli(), rep, old_rdb);
    cr_assert_eq(sh(NULL, cmd), 0);
    char *detail[2] = {cache_growth_fails(old_rdb), cache_growth_fails(rep)};
    cr_expect_str_eq(detail[0], detail[1], "the report JSON gives other numbers than the RDB");
    free(detail[0]);
    free(detail[1]);
    /* a generous limit passes */
    snprintf(cmd, sizeof cmd, "'%s' check --baseline '%s' --max-prefix-growth 'cache:*=20' '%s'",
             cli(), rep, new_rdb);
    cr_expect_eq(sh(NULL, cmd), 0);
    /* a glob that cuts through a pattern ("session:*" folds the ids) cannot
     * be answered from a report: a usage error that says so, not a guess */
    snprintf(cmd, sizeof cmd, "'%s' check --baseline '%s' --max-prefix-growth 'session:a*=20%%' "
             "'%s' 2>&1", cli(), rep, new_rdb);
    cr_expect_eq(sh(&out, cmd), 2);
    cr_expect(strstr(out, "session:a*") && strstr(out, "RDB baseline"), "%s", out);
    free(out);
    free(rep);
}

/* Whether process pid holds an open, deleted file in directory d (a
 * partition file of diff). */
static bool holds_temp_in(pid_t pid, const char *d)
{
    char fdd[64], link[4096], target[4096];
    snprintf(fdd, sizeof fdd, "/proc/%d/fd", (int)pid);
    DIR *dd = opendir(fdd);
    if (!dd)
        return false;
    bool found = false;
    struct dirent *e;
    size_t dl = strlen(d);
    while (!found && (e = readdir(dd))) {
        snprintf(link, sizeof link, "%s/%s", fdd, e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        found = strncmp(target, d, dl) == 0 && strstr(target, "/rdblens-diff-");
    }
    closedir(dd);
    return found;
}

/* Starts `rdblens diff OLD -` with TMPDIR=tmp, its stdin a pipe (*wfd), fed
 * the first half of NEW; returns once its partition files exist. */
static pid_t start_diff_on_pipe(const char *tmp, int *wfd)
{
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        dup2(p[0], 0);
        close(p[0]);
        close(p[1]);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        setenv("TMPDIR", tmp, 1);
        execl(cli(), cli(), "diff", old_rdb, "-", (char *)NULL);
        _exit(127);
    }
    close(p[0]);
    size_t len = 0;
    char *data = tu_read_file(new_rdb, &len);
    cr_assert(data && len > 100);
    signal(SIGPIPE, SIG_IGN);
    cr_assert_eq(write(p[1], data, len / 2), (ssize_t)(len / 2));
    free(data);
    bool seen = false;
    for (int i = 0; i < 200 && !(seen = holds_temp_in(pid, tmp)); i++)
        usleep(50000);
    cr_assert(seen, "diff never opened a partition file in its TMPDIR");
    *wfd = p[1];
    return pid;
}

/* Temporary files go on every exit path: killed by SIGTERM or SIGINT
 * mid-run (NEW half read), or failing on an input that breaks off. */
Test(diff, temporary_files_are_gone_after_a_signal_or_an_error)
{
    char *tmp = tu_path(dir, "tmp-sig");
    cr_assert_eq(mkdir(tmp, 0700), 0);
    int sigs[2] = {SIGTERM, SIGINT};
    for (int i = 0; i < 2; i++) {
        int wfd;
        pid_t pid = start_diff_on_pipe(tmp, &wfd);
        cr_assert_eq(kill(pid, sigs[i]), 0);
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        close(wfd);
        cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == sigs[i], "status %d", status);
        cr_expect(dir_empty(tmp), "temporary files left after signal %d", sigs[i]);
    }
    /* the rest of NEW is garbage: the parser fails mid-file (exit 4) */
    int wfd;
    pid_t pid = start_diff_on_pipe(tmp, &wfd);
    char junk[4096];
    memset(junk, 0xEE, sizeof junk);
    cr_expect_eq(write(wfd, junk, sizeof junk), (ssize_t)sizeof junk);
    close(wfd);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 4, "status %d", status);
    cr_expect(dir_empty(tmp), "temporary files left after an error");
    free(tmp);
}
