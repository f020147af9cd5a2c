/* Advice on realistic dumps written by the installed redis-server
 * (tools/gen-advice-dump): on "problems" every planted problem is found with
 * the right fix and a size within 30% of the planted one, serious ones first;
 * on "traps" (jittered TTLs, rate-limit churn, fixed config without TTL, a
 * 4.4 MiB blob, hashes only an unsafe threshold would cover, incompressible
 * thumbnails, entities already stored as hashes) no rule fires. The report is
 * read as JSON from the built executable ($RDBL_CLI). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *dir; /* removed by fini, even when a check failed */

static void fini(void)
{
    if (dir)
        tu_rmtree(dir);
    free(dir);
    dir = NULL;
}

/* Makes the scenario's dump and returns the report's "advice" array (owned
 * by *root). */
static json_t *advice_of(const char *scenario, json_t **root)
{
    char *server = tu_which("redis-server");
    char *python = tu_which("python3");
    cr_assert(server != NULL && python != NULL,
              "redis-server and python3 are needed (run tools/setup)");
    free(server);
    char *tools = tu_path(tu_env("RDBL_SRCROOT", "."), "tools");
    char *gen = tu_path(tools, "gen-advice-dump");
    dir = tu_mkdtemp("rdbl-advice");
    cr_assert(not(eq(ptr, dir, NULL)));
    char *argv[] = {python, gen, "--out", dir, "--scenario", (char *)scenario, NULL};
    char *out = NULL;
    int rc = tu_run(argv, &out);
    cr_assert(eq(int, rc, 0), "gen-advice-dump --scenario %s: %s", scenario, out ? out : "");
    free(out);
    char name[64];
    snprintf(name, sizeof name, "%s.rdb", scenario);
    char *rdb = tu_path(dir, name);
    char *json = tu_path(dir, "report.json");
    char *rv[] = {(char *)tu_env("RDBL_CLI", "build/rdblens"), "report", "--format", "json",
                  "-q", "-o", json, rdb, NULL};
    out = NULL;
    rc = tu_run(rv, &out);
    cr_assert(eq(int, rc, 0), "rdblens report: %s", out ? out : "");
    free(out);
    json_error_t je;
    *root = json_load_file(json, 0, &je);
    cr_assert(not(eq(ptr, *root, NULL)), "report JSON: %s", je.text);
    free(rdb);
    free(json);
    free(gen);
    free(tools);
    free(python);
    json_t *adv = json_object_get(*root, "advice");
    cr_assert(eq(int, json_is_array(adv) ? 1 : 0, 1), "no advice array");
    return adv;
}

static json_t *item(json_t *adv, const char *rule, size_t *pos)
{
    for (size_t i = 0; i < json_array_size(adv); i++) {
        json_t *it = json_array_get(adv, i);
        if (!strcmp(json_string_value(json_object_get(it, "rule")), rule)) {
            if (pos)
                *pos = i;
            return it;
        }
    }
    return NULL;
}

static uint64_t num(json_t *it, const char *name)
{
    return (uint64_t)json_integer_value(json_object_get(it, name));
}

static const char *str(json_t *it, const char *name)
{
    const char *s = json_string_value(json_object_get(it, name));
    return s ? s : "";
}

static void near(uint64_t got, uint64_t want, const char *what)
{
    cr_assert(ge(u64, got * 10, want * 7), "%s: %llu, planted %llu", what,
              (unsigned long long)got, (unsigned long long)want);
    cr_assert(le(u64, got * 10, want * 13), "%s: %llu, planted %llu", what,
              (unsigned long long)got, (unsigned long long)want);
}

TestSuite(advice_live, .timeout = 400, .fini = fini);

Test(advice_live, problems_found)
{
    json_t *root;
    json_t *adv = advice_of("problems", &root);
    size_t pos;
    json_t *it = item(adv, "huge-collections", NULL);
    cr_assert(it != NULL);
    cr_assert(eq(u64, num(it, "keys"), 1));
    it = item(adv, "mass-expiry", &pos);
    cr_assert(it != NULL);
    near(num(it, "keys"), 20000, "avalanche keys");
    json_t *rows = json_object_get(it, "rows"); /* the figures behind the words */
    cr_assert(eq(sz, json_array_size(rows), 1));
    near(num(json_array_get(rows, 0), "keys"), 20000, "avalanche row keys");
    cr_assert(ge(u64, num(it, "skipped_keys"), 7000)); /* the rate-limit churn, apart */
    cr_assert(lt(sz, pos, 4)); /* warn: among the first */
    it = item(adv, "big-keys", NULL);
    cr_assert(it != NULL);
    cr_assert(eq(u64, num(it, "keys"), 1)); /* the string, not the 1.1M list again */
    it = item(adv, "no-ttl-cache", NULL);
    cr_assert(it != NULL);
    cr_assert(eq(u64, num(it, "keys"), 3000));
    it = item(adv, "compressible-strings", NULL);
    cr_assert(it != NULL);
    near(num(it, "keys"), 2500, "compressible keys");
    cr_assert(lt(u64, num(it, "sampled_keys"), 2500)); /* past the 2 MiB sample */
    cr_assert(not(eq(ptr, strstr(str(it, "detail"), "were sampled ("), NULL)), "%s",
              str(it, "detail"));
    it = item(adv, "compact-encoding", NULL);
    cr_assert(it != NULL);
    cr_assert(eq(str, (char *)str(it, "config"), "hash-max-listpack-entries 1024"));
    cr_assert(eq(u64, num(it, "keys"), 400));
    it = item(adv, "small-string-family", NULL);
    cr_assert(it != NULL);
    near(num(it, "keys"), 12000, "entity family keys");
    it = item(adv, "json-string-family", NULL);
    cr_assert(it != NULL);
    cr_assert(eq(u64, num(it, "keys"), 5000));
    it = item(adv, "cold-data", NULL);
    cr_assert(it != NULL);
    cr_assert(eq(u64, num(it, "keys"), 3000));
    cr_assert(not(eq(ptr, strstr(str(it, "detail"), "archive:order:*"), NULL)));
    /* severity first */
    for (size_t i = 1; i < json_array_size(adv); i++) {
        const char *a = str(json_array_get(adv, i - 1), "level");
        const char *b = str(json_array_get(adv, i), "level");
        bool wrong = !strcmp(a, "info") && strcmp(b, "info") != 0;
        cr_assert(not(wrong), "%s before %s", a, b);
    }
    json_decref(root);
}

Test(advice_live, traps_not_flagged)
{
    json_t *root;
    json_t *adv = advice_of("traps", &root);
    for (size_t i = 0; i < json_array_size(adv); i++)
        cr_assert(false, "flagged: [%s] %s", str(json_array_get(adv, i), "rule"),
                  str(json_array_get(adv, i), "title"));
    json_decref(root);
}
