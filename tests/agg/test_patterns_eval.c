/* Key patterns against a labelled keyspace written by a real redis-server
 * (tools/gen-keyspaces: 56 families and 30 fixed names from the naming
 * schemes of Rails, Sidekiq, Resque, Laravel, Django, Celery, RQ, BullMQ,
 * Hangfire, Spring Session, connect-redis, Magento, Flask-Caching,
 * WordPress, Mastodon, rate limiters and application keys), scored by
 * tools/score-patterns: families recovered as one row, keys in their
 * family's row, top-level rows against families + fixed names, fixed
 * names in a row of their own (lb:global beside lb:<game>:<month>, a big
 * hiscores:global beside hiscores:<player>). The seed
 * and scale differ from the ones the folding was developed on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = tu_mkdtemp("rdbl-patterns");
    cr_assert(tmpdir);
}

static void teardown(void)
{
    tu_rmtree(tmpdir);
    free(tmpdir);
}

Test(patterns, labelled_keyspace_scores, .init = setup, .fini = teardown, .timeout = 300)
{
    char *py = tu_which("python3"), *server = tu_which("redis-server");
    cr_assert(py && server, "python3 and redis-server are needed");
    const char *src = tu_env("RDBL_SRCROOT", ".");
    const char *cli = tu_env("RDBL_CLI", "rdblens");
    char *gen = tu_path(src, "tools/gen-keyspaces"), *score = tu_path(src, "tools/score-patterns");
    char *base = tu_path(tmpdir, "ks"), *rdb = tu_path(tmpdir, "ks.rdb");
    char *labels = tu_path(tmpdir, "ks.labels"), *json = tu_path(tmpdir, "ks.json");
    char *out = NULL;
    char *g[] = {py, gen, "--out", base, "--seed", "20261207", "--scale", "0.25",
                 "--redis-server", server, NULL};
    cr_assert_eq(tu_run(g, &out), 0, "gen-keyspaces: %s", out ? out : "");
    free(out);
    char *r[] = {(char *)cli, "report", "-q", "--format", "json", "-o", json, rdb, NULL};
    cr_assert_eq(tu_run(r, NULL), 0);
    char *s[] = {py, score, "--labels", labels, "--report", json, "--min-recovered", "0.95",
                 "--min-in-row", "0.97", "--max-top-ratio", "1.25", "--min-fixed", "0.95", NULL};
    out = NULL;
    int rc = tu_run(s, &out);
    cr_log_info("%s", out ? out : "");
    cr_expect_eq(rc, 0, "score-patterns:\n%s", out ? out : "");
    free(out);
    free(py);
    free(server);
    free(gen);
    free(score);
    free(base);
    free(rdb);
    free(labels);
    free(json);
}
