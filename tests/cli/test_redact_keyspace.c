/* --redact on a realistic keyspace: tools/gen-keyspaces writes its labelled
 * keyspace (Rails, Sidekiq, Django, BullMQ, Spring... and application keys
 * with letter-only ids: game rooms "game:QXZT:state", invite codes, tag
 * names, high-score user names) into its own redis-server (a free port, its
 * own temp dir) and saves it. The letter-only ids of variable positions
 * must not show in any output of report (text, JSON, CSV, HTML), keys or
 * dump with --redact, and the literal segments must stay ("lb", ":1:",
 * "queue:default", "game:*:state"). An id counts as leaked only when it is
 * not also some other id's pseudonym (short ids of one shape can meet). */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *dir, *rdb, *keyfile;

static int sh(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(char **out, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *argv[] = {"sh", "-c", cmd, NULL};
    return tu_run(argv, out);
}

static const char *cli(void)
{
    return tu_env("RDBL_CLI", "build/src/cli/rdblens");
}

static void setup(void)
{
    cr_assert(tu_have_redis(), "redis-server is needed (tools/setup installs it)");
    dir = tu_mkdtemp("rdbl-redks");
    cr_assert_not_null(dir);
    char *gen = tu_path(tu_env("RDBL_SRCROOT", "."), "tools/gen-keyspaces");
    char *out = NULL;
    int rc = sh(&out, "'%s' --out '%s/ks' --seed 5 --scale 0.1 2>&1", gen, dir);
    cr_assert_eq(rc, 0, "gen-keyspaces: %s", out ? out : "");
    free(out);
    free(gen);
    rdb = tu_path(dir, "ks.rdb");
    keyfile = tu_path(dir, "secret");
    cr_assert_eq(tu_write_file(keyfile, "0123456789abcdef-redact-test-key", 32), 0);
}

static void teardown(void)
{
    if (dir)
        tu_rmtree(dir);
    free(dir);
    free(rdb);
    free(keyfile);
}

TestSuite(redact_keyspace, .init = setup, .fini = teardown, .timeout = 240);

/* The ids of letter-only variable positions, from the labels file: the
 * second segment of these families' keys. */
static bool is_secret_family(const char *fam)
{
    static const char *const f[] = {"game-room-state", "game-room-players", "invite-code",
                                    "hiscores", "tag-posts"};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        if (strcmp(fam, f[i]) == 0)
            return true;
    return false;
}

typedef struct idset {
    char (*id)[48];
    size_t n, cap;
} idset;

static bool idset_has(const idset *s, const char *t, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->id[i]) == n && memcmp(s->id[i], t, n) == 0)
            return true;
    return false;
}

static void idset_add(idset *s, const char *t, size_t n)
{
    if (n == 0 || n >= 48 || idset_has(s, t, n))
        return;
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->id = realloc(s->id, s->cap * sizeof *s->id);
        cr_assert_not_null(s->id);
    }
    memcpy(s->id[s->n], t, n);
    s->id[s->n++][n] = 0;
}

/* Every maximal run of letters in text, each passed to fn. */
static void letter_runs(const char *text, void (*fn)(void *, const char *, size_t), void *u)
{
    for (const char *p = text; *p;) {
        if (!isalpha((unsigned char)*p)) {
            p++;
            continue;
        }
        const char *q = p;
        while (*q && isalpha((unsigned char)*q))
            q++;
        fn(u, p, (size_t)(q - p));
        p = q;
    }
}

static void add_run(void *u, const char *t, size_t n)
{
    idset_add(u, t, n);
}

typedef struct leak_ctx {
    const idset *secrets;
    const char *what;
    size_t leaks;
    char first[48];
} leak_ctx;

static void check_run(void *u, const char *t, size_t n)
{
    leak_ctx *c = u;
    if (idset_has(c->secrets, t, n) && c->leaks++ == 0)
        snprintf(c->first, sizeof c->first, "%.*s", (int)n, t);
}

static void no_leak(const idset *secrets, const char *what, const char *text)
{
    leak_ctx c = {secrets, what, 0, ""};
    letter_runs(text, check_run, &c);
    cr_expect_eq(c.leaks, 0, "%s shows %zu ids of variable positions, e.g. '%s'", what, c.leaks,
                 c.first);
}

Test(redact_keyspace, no_letter_only_id_survives_and_literals_stay)
{
    char *labels_path = tu_path(dir, "ks.labels");
    char *labels = tu_read_file(labels_path, NULL);
    cr_assert_not_null(labels);
    idset ids = {0};
    for (char *line = strtok(labels, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        if (!is_secret_family(line))
            continue;
        char *seg = strchr(tab + 1, ':');
        if (!seg)
            continue;
        seg++;
        size_t n = strcspn(seg, ":");
        /* 5+ letters, or 4 capitals (room codes): not words of the
         * reports' own text ("that") */
        bool upper = n == 4;
        for (size_t i = 0; i < n; i++)
            upper = upper && isupper((unsigned char)seg[i]);
        bool letters = n >= 5 || upper;
        for (size_t i = 0; i < n; i++)
            letters = letters && isalpha((unsigned char)seg[i]);
        if (letters)
            idset_add(&ids, seg, n);
    }
    free(labels);
    free(labels_path);
    cr_assert_gt(ids.n, 100, "the keyspace has letter-only ids (%zu)", ids.n);

    char *keys = NULL;
    cr_assert_eq(sh(&keys, "'%s' keys -q --redact --redact-key '%s' --columns key '%s'", cli(),
                    keyfile, rdb),
                 0);
    /* ids that some pseudonym happens to spell are no evidence of a leak */
    idset spelled = {0};
    letter_runs(keys, add_run, &spelled);
    idset secrets = {0};
    for (size_t i = 0; i < ids.n; i++)
        if (!idset_has(&spelled, ids.id[i], strlen(ids.id[i])))
            idset_add(&secrets, ids.id[i], strlen(ids.id[i]));
    cr_assert_gt(secrets.n, ids.n * 9 / 10, "%zu of %zu ids are spelled by pseudonyms",
                 ids.n - secrets.n, ids.n);
    /* the ids are gone from the keys, their families' literals are there */
    cr_expect_eq(strstr(keys, "game:") != NULL && strstr(keys, ":state\n") != NULL, true);
    static const char *const literal[] = {"\ninvite:", "\ntag:", ":posts\n", "\nlb:",
                                          "\n:1:django.contrib.sessions.", "\nqueue:default\n",
                                          "\nstat:processed:", "\nspring:session:sessions:",
                                          "\nhiscores:"};
    for (size_t i = 0; i < sizeof literal / sizeof *literal; i++)
        cr_expect_not_null(strstr(keys, literal[i]), "keys --redact lost the literal '%s'",
                           literal[i]);
    char *plain = NULL;
    cr_assert_eq(sh(&plain, "'%s' keys -q --columns key '%s'", cli(), rdb), 0);
    idset before = {0};
    letter_runs(plain, add_run, &before);
    size_t seen = 0;
    for (size_t i = 0; i < secrets.n; i++)
        seen += idset_has(&before, secrets.id[i], strlen(secrets.id[i]));
    cr_assert_eq(seen, secrets.n, "without --redact the ids are all there");
    no_leak(&secrets, "keys --redact", keys);

    static const char *const fmt[] = {"text", "json", "csv", "html"};
    for (size_t i = 0; i < 4; i++) {
        char *out = NULL;
        int rc = sh(&out, "'%s' report -q --redact --redact-key '%s' -f %s '%s'", cli(),
                    keyfile, fmt[i], rdb);
        cr_assert_eq(rc, 0, "report -f %s: %s", fmt[i], out ? out : "");
        char what[64];
        snprintf(what, sizeof what, "report -f %s --redact", fmt[i]);
        no_leak(&secrets, what, out);
        if (strcmp(fmt[i], "csv") == 0) { /* the pattern picture stays */
            cr_expect_not_null(strstr(out, "\ngame:*:state,"), "%s", out);
            cr_expect_not_null(strstr(out, "\ntag:*:posts,"), "%s", out);
            cr_expect_not_null(strstr(out, "\ninvite:*,"), "%s", out);
            cr_expect_not_null(strstr(out, "\nlb:*"), "%s", out);
        }
        free(out);
    }
    char *dump = NULL;
    cr_assert_eq(sh(&dump, "'%s' dump -q --redact --redact-key '%s' '%s'", cli(), keyfile, rdb),
                 0);
    no_leak(&secrets, "dump --redact", dump);

    char *chk = NULL; /* exit 1: the limit is broken, the keys listed */
    cr_assert_eq(sh(&chk, "'%s' check -q --redact --redact-key '%s' --max-key-bytes 100 "
                          "--list 1000 '%s'",
                    cli(), keyfile, rdb),
                 1, "%s", chk ? chk : "");
    cr_assert_not_null(strstr(chk, "game:"), "%s", chk);
    no_leak(&secrets, "check --redact", chk);
    free(chk);

    /* the same id, the same pseudonym: keys and a second run agree */
    char *again = NULL;
    cr_assert_eq(sh(&again, "'%s' keys -q --redact --redact-key '%s' --columns key '%s'", cli(),
                    keyfile, rdb),
                 0);
    cr_expect_str_eq(again, keys);
    free(again);
    free(dump);
    free(plain);
    free(keys);
    free(ids.id);
    free(spelled.id);
    free(secrets.id);
    free(before.id);
}
