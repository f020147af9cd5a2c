/* The output contract (README "Output contract", issue 12), end to end on the
 * built binary ($RDBL_CLI): every command on every kind of bad input gives
 * its documented exit code, exactly one stderr line naming the file, and a
 * well-formed stdout (every JSON Lines line parses, every CSV row has all
 * its cells, JSON documents are whole); write failures are exit 6; multi-
 * file runs name their files; dump's zset order and score text; escaping of
 * bidi/invisible code points; --spreadsheet-safe; option errors. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rdbbuild.h"
#include "testutil.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = tu_mkdtemp("rdbl-contract");
    cr_assert(tmpdir);
}

static void teardown(void)
{
    tu_rmtree(tmpdir);
    free(tmpdir);
}

TestSuite(contract, .init = setup, .fini = teardown, .timeout = 600);

typedef struct result {
    int rc;
    char *out; /* stdout bytes, NUL-terminated */
    size_t out_len;
    char *err; /* stderr */
} result;

static void result_free(result *r)
{
    free(r->out);
    free(r->err);
}

/* Runs "rdblens ARGS" through sh; stdout to a file (or to `redirect`, e.g.
 * "/dev/full"), stderr to another. */
static result run_to(const char *redirect, const char *args)
{
    char *o = tu_path(tmpdir, "stdout"), *e = tu_path(tmpdir, "stderr");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s' 2> '%s'",
             tu_env("RDBL_CLI", "build/src/cli/rdblens"), args, redirect ? redirect : o, e);
    char *argv[] = {"sh", "-c", cmd, NULL};
    result r = {0};
    r.rc = tu_run(argv, NULL);
    r.out = redirect ? calloc(1, 1) : tu_read_file(o, &r.out_len);
    r.err = tu_read_file(e, NULL);
    cr_assert(r.out && r.err, "%s: outputs missing", args);
    free(o);
    free(e);
    return r;
}

static result run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static result run(const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    return run_to(NULL, args);
}
#pragma GCC diagnostic pop

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Exactly one stderr line, naming `name`. */
static void expect_one_line(const result *r, const char *what, const char *name)
{
    size_t len = strlen(r->err);
    cr_expect(len > 0 && r->err[len - 1] == '\n' && count_lines(r->err) == 1,
              "%s: stderr is not one line:\n%s", what, r->err);
    if (name)
        cr_expect(strstr(r->err, name) != NULL, "%s: stderr does not name %s: %s", what, name,
                  r->err);
}

/* Every line parses as a JSON object; the output ends with a newline. */
static void expect_jsonl(const result *r, const char *what)
{
    cr_expect(r->out_len == 0 || r->out[r->out_len - 1] == '\n',
              "%s: output ends inside a line", what);
    char *save = NULL;
    char *copy = strdup(r->out);
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t je;
        json_t *j = json_loads(line, 0, &je);
        cr_expect(j && json_is_object(j), "%s: line is not a JSON object (%s): %.200s", what,
                  je.text, line);
        json_decref(j);
    }
    free(copy);
}

/* Cells in one RFC 4180 record starting at *p (advanced past it), or -1
 * when the record ends inside quotes. */
static int csv_record(const char **p)
{
    int cells = 1;
    bool quoted = false;
    for (const char *s = *p; *s; s++) {
        if (quoted) {
            if (*s == '"' && s[1] == '"')
                s++;
            else if (*s == '"')
                quoted = false;
        } else if (*s == '"') {
            quoted = true;
        } else if (*s == ',') {
            cells++;
        } else if (*s == '\n') {
            *p = s + 1;
            return cells;
        }
    }
    return -1;
}

/* A header and rows of 12 cells each, every one ended by a newline. */
static void expect_csv(const result *r, const char *what)
{
    const char *p = r->out;
    size_t rows = 0;
    while (*p) {
        int cells = csv_record(&p);
        cr_expect_eq(cells, 12, "%s: CSV row %zu has %d cells", what, rows, cells);
        if (cells < 0)
            return;
        rows++;
    }
    if (r->out_len)
        cr_expect(strncmp(r->out, "db,key,type,", 12) == 0, "%s: no CSV header", what);
}

/* Empty, or one whole JSON document. */
static void expect_json_doc(const result *r, const char *what)
{
    if (r->out_len == 0)
        return;
    json_error_t je;
    json_t *j = json_loads(r->out, 0, &je);
    cr_expect(j != NULL, "%s: not one JSON document: %s", what, je.text);
    json_decref(j);
}

typedef enum { OUT_TEXT, OUT_JSONL, OUT_CSV, OUT_JSON, OUT_HTML } out_kind;

static const struct {
    const char *args;
    out_kind kind;
} commands[] = {
    {"info -q", OUT_TEXT},
    {"info -q --format json", OUT_JSON},
    {"keys -q", OUT_CSV},
    {"keys -q --format jsonl", OUT_JSONL},
    {"dump -q", OUT_JSONL},
    {"report -q", OUT_TEXT},
    {"report -q --format json", OUT_JSON},
    {"report -q --format html", OUT_HTML},
    {"check -q --max-key-bytes 1m", OUT_TEXT},
    {"check -q --format json --max-key-bytes 1m", OUT_JSON},
};

static void expect_stdout(const result *r, out_kind k, const char *what)
{
    switch (k) {
    case OUT_JSONL:
        expect_jsonl(r, what);
        break;
    case OUT_CSV:
        expect_csv(r, what);
        break;
    case OUT_JSON:
        expect_json_doc(r, what);
        break;
    case OUT_HTML:
        if (r->out_len)
            cr_expect(strstr(r->out, "</html>") != NULL, "%s: HTML not whole", what);
        break;
    case OUT_TEXT:
        cr_expect(r->out_len == 0 || r->out[r->out_len - 1] == '\n', "%s: text cut", what);
        break;
    }
}

static char *sample(void)
{
    return tu_path(tu_env("RDBL_TESTDATA", "testdata"), "sample.rdb");
}

static char *write_tmp(const char *name, const void *p, size_t n)
{
    char *path = tu_path(tmpdir, name);
    cr_assert_eq(tu_write_file(path, p, n), 0, "%s", path);
    return path;
}

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[4096];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(cmd, sizeof cmd, fmt, a, b);
#pragma GCC diagnostic pop
    char *argv[] = {"sh", "-c", cmd, NULL};
    cr_assert_eq(tu_run(argv, NULL), 0, "%s", cmd);
}

typedef struct bad_input {
    const char *name;
    char *path;
    int rc; /* the exit code every reading command must give */
} bad_input;

/* The bad inputs of the issue, made from testdata/sample.rdb. */
static size_t make_bad_inputs(bad_input *b)
{
    char *good = sample();
    size_t n = 0, glen = 0;
    uint8_t *g = (uint8_t *)tu_read_file(good, &glen);
    cr_assert(g && glen > 100);
    b[n++] = (bad_input){"missing", tu_path(tmpdir, "missing.rdb"), 3};
    char *dir = tu_path(tmpdir, "a-directory.rdb");
    cr_assert_eq(mkdir(dir, 0755), 0);
    b[n++] = (bad_input){"directory", dir, 3};
    b[n++] = (bad_input){"empty", write_tmp("empty.rdb", "", 0), 4};
    const char text[] = "# my notes\nredis-cli --rdb dump.rdb\n";
    b[n++] = (bad_input){"text", write_tmp("notes.txt", text, sizeof text - 1), 4};
    uint8_t rnd[4096];
    uint64_t seed = 0x5eed;
    for (size_t i = 0; i < sizeof rnd; i++)
        rnd[i] = (uint8_t)tu_xorshift(&seed);
    b[n++] = (bad_input){"random", write_tmp("random.bin", rnd, sizeof rnd), 4};
    uint8_t *wm = malloc(glen);
    memcpy(wm, g, glen);
    memcpy(wm, "REDIX", 5);
    b[n++] = (bad_input){"wrong magic", write_tmp("wrong-magic.rdb", wm, glen), 4};
    b[n++] = (bad_input){"truncated", write_tmp("truncated.rdb", g, glen * 6 / 10), 4};
    memcpy(wm, g, glen);
    wm[glen - 1] ^= 0x55; /* the stored CRC-64 */
    b[n++] = (bad_input){"bad checksum", write_tmp("bad-crc.rdb", wm, glen), 5};
    free(wm);
    /* compressed, then cut */
    char *gz = tu_path(tmpdir, "whole.rdb.gz"), *zs = tu_path(tmpdir, "whole.rdb.zst");
    sh("gzip -c '%s' > '%s'", good, gz);
    sh("zstd -q -c '%s' > '%s'", good, zs);
    const char *comp[][2] = {{"truncated gzip", "truncated.rdb.gz"},
                             {"truncated zstd", "truncated.rdb.zst"}};
    const char *whole[] = {gz, zs};
    for (int i = 0; i < 2; i++) {
        size_t cl = 0;
        char *c = tu_read_file(whole[i], &cl);
        cr_assert(c && cl > 100);
        b[n++] = (bad_input){comp[i][0], write_tmp(comp[i][1], c, cl * 6 / 10), 4};
        free(c);
    }
    free(gz);
    free(zs);
    free(g);
    free(good);
    return n;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

Test(contract, every_command_on_every_bad_input)
{
    bad_input bad[16];
    size_t nb = make_bad_inputs(bad);
    for (size_t i = 0; i < nb; i++) {
        for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
            char what[512];
            snprintf(what, sizeof what, "rdblens %s <%s>", commands[c].args, bad[i].name);
            result r = run("%s '%s'", commands[c].args, bad[i].path);
            cr_expect_eq(r.rc, bad[i].rc, "%s: exit %d, wanted %d; stderr: %s", what, r.rc,
                         bad[i].rc, r.err);
            expect_one_line(&r, what, base(bad[i].path));
            expect_stdout(&r, commands[c].kind, what);
            /* check never says OK about a file it could not read */
            if (strncmp(commands[c].args, "check", 5) == 0)
                cr_expect(strstr(r.out, "OK") == NULL && strstr(r.out, "\"ok\": true") == NULL,
                          "%s: says OK:\n%s", what, r.out);
            result_free(&r);
        }
        /* merge reads reports: every one of these is refused, naming it */
        result r = run("merge '%s'", bad[i].path);
        cr_expect(r.rc == 3 || r.rc == 4, "merge <%s>: exit %d", bad[i].name, r.rc);
        expect_one_line(&r, "merge", base(bad[i].path));
        cr_expect_eq(r.out_len, 0);
        result_free(&r);
    }
    for (size_t i = 0; i < nb; i++)
        free(bad[i].path);
}

Test(contract, truncated_dump_keeps_whole_records)
{
    char *good = sample();
    size_t glen = 0;
    char *g = tu_read_file(good, &glen);
    result full = run("dump -q '%s'", good);
    cr_assert_eq(full.rc, 0);
    size_t full_lines = count_lines(full.out);
    size_t cuts = 0;
    for (size_t cut = glen / 10; cut < glen - 10; cut += glen / 7, cuts++) {
        char *p = write_tmp("cut.rdb", g, cut);
        result r = run("dump -q '%s'", p);
        cr_expect_eq(r.rc, 4, "cut at %zu: exit %d", cut, r.rc);
        expect_jsonl(&r, "dump of a cut file");
        expect_one_line(&r, "dump of a cut file", "cut.rdb");
        cr_expect(strstr(r.err, "offset") && strstr(r.err, "whole keys written"), "%s", r.err);
        /* what is written is a prefix of the full dump, line for line */
        cr_expect(r.out_len <= full.out_len && memcmp(r.out, full.out, r.out_len) == 0,
                  "cut at %zu: not a prefix of the full dump", cut);
        cr_expect(count_lines(r.out) < full_lines);
        /* the same offset from every command */
        const char *off = strstr(r.err, "at offset ");
        cr_assert(off);
        long want = atol(off + 10);
        const char *others[] = {"info -q", "keys -q", "report -q", "check -q --max-key-bytes 1g"};
        for (size_t i = 0; i < 4; i++) {
            result o = run("%s '%s'", others[i], p);
            const char *oo = strstr(o.err, "at offset ");
            cr_expect(oo && atol(oo + 10) == want, "%s cut at %zu: %s (dump: %ld)", others[i],
                      cut, o.err, want);
            result_free(&o);
        }
        result_free(&r);
        free(p);
    }
    cr_expect(cuts >= 5);
    result_free(&full);
    free(g);
    free(good);
}

Test(contract, output_failures_are_exit_6)
{
    char *good = sample();
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
        char args[1024];
        snprintf(args, sizeof args, "%s '%s'", commands[c].args, good);
        result r = run_to("/dev/full", args);
        cr_expect_eq(r.rc, 6, "rdblens %s > /dev/full: exit %d: %s", args, r.rc, r.err);
        expect_one_line(&r, args, "standard output");
        cr_expect(strstr(r.err, "No space left") != NULL, "%s", r.err);
        result_free(&r);
        /* -o into a directory that does not exist: exit 6, nothing left behind */
        r = run("%s -o '%s/no/such/dir/out' '%s'", commands[c].args, tmpdir, good);
        cr_expect_eq(r.rc, 6, "%s -o: exit %d: %s", commands[c].args, r.rc, r.err);
        expect_one_line(&r, commands[c].args, "no/such/dir/out");
        result_free(&r);
    }
    /* -o is whole or absent: a good run renames it into place, nothing else remains */
    char *o = tu_path(tmpdir, "dump.jsonl");
    result r = run("dump -q -o '%s' '%s'", o, good);
    cr_expect_eq(r.rc, 0);
    result_free(&r);
    size_t n = 0;
    char *text = tu_read_file(o, &n);
    cr_expect(text && n > 0);
    free(text);
    sh("test $(ls '%s' | grep -c tmp-) = 0%s", tmpdir, "");
    /* merge too */
    char *rep = tu_path(tmpdir, "rep.json");
    r = run("report -q --format json -o '%s' '%s'", rep, good);
    cr_expect_eq(r.rc, 0);
    result_free(&r);
    char args[1024];
    snprintf(args, sizeof args, "merge '%s'", rep);
    r = run_to("/dev/full", args);
    cr_expect_eq(r.rc, 6, "merge > /dev/full: %d", r.rc);
    expect_one_line(&r, "merge", "standard output");
    result_free(&r);
    free(rep);
    free(o);
    free(good);
}

Test(contract, mixed_good_and_bad_files_name_their_file)
{
    char *good = sample();
    const char text[] = "not an rdb\n";
    char *notes = write_tmp("notes.txt", text, sizeof text - 1);
    result r = run("report -q --format json '%s' '%s'", good, notes);
    cr_expect_eq(r.rc, 4);
    expect_one_line(&r, "report good+text", "notes.txt");
    expect_json_doc(&r, "report good+text");
    /* listed as failed with its error, never as an "RDB 0" that was read */
    json_error_t jr;
    json_t *rep = json_loads(r.out, 0, &jr);
    cr_assert(rep, "%s", jr.text);
    json_t *files = json_object_get(rep, "files");
    cr_assert_eq(json_array_size(files), 2);
    json_t *bad = json_array_get(files, 1);
    cr_expect(strstr(json_string_value(json_object_get(bad, "file")), "notes.txt"));
    cr_expect_str_neq(json_string_value(json_object_get(bad, "status")), "ok");
    cr_expect(json_is_string(json_object_get(bad, "error")));
    json_t *view = json_object_get(rep, "file");
    cr_expect_str_eq(json_string_value(json_object_get(view, "checksum")), "ok",
                     "the unread file spoils the checksum of what was read");
    cr_expect_eq(json_integer_value(json_object_get(view, "rdb_version")), 10);
    cr_expect(json_is_integer(json_object_get(json_object_get(rep, "summary"), "used_mem_bytes")));
    json_decref(rep);
    result_free(&r);
    r = run("report -q '%s' '%s'", good, notes);
    cr_expect_eq(r.rc, 4);
    cr_expect(strstr(r.out, "notes.txt  NOT READ: not an RDB file") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "RDB 0") == NULL, "%s", r.out);
    result_free(&r);
    r = run("report -q '%s'", notes);
    cr_expect_eq(r.rc, 4);
    cr_expect_eq(r.out_len, 0, "a report of no RDB at all: %s", r.out);
    result_free(&r);

    r = run("check -q --format json --max-key-bytes 100 '%s' '%s'", good, notes);
    cr_expect_eq(r.rc, 4);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "%s", je.text);
    cr_expect(json_is_false(json_object_get(j, "ok")));
    size_t i;
    json_t *rule;
    bool saw_input = false, saw_key = false;
    json_array_foreach(json_object_get(j, "failed"), i, rule) {
        size_t k;
        json_t *ex;
        json_array_foreach(json_object_get(rule, "examples"), k, ex) {
            const char *file = json_string_value(json_object_get(ex, "file"));
            if (strcmp(json_string_value(json_object_get(rule, "rule")), "input") == 0) {
                saw_input = true;
                cr_expect(file && strstr(file, "notes.txt"));
            } else if (json_object_get(ex, "key")) {
                saw_key = true;
                cr_expect(file && strstr(file, "sample.rdb"));
                cr_expect(json_is_integer(json_object_get(ex, "db")));
                cr_expect(json_object_get(ex, "subject") == NULL);
            }
        }
    }
    cr_expect(saw_input && saw_key);
    json_decref(j);
    result_free(&r);

    /* text: every violation line names its file */
    r = run("check -q --max-key-bytes 100 '%s' '%s'", good, good);
    cr_expect_eq(r.rc, 1);
    char *save = NULL;
    for (char *l = strtok_r(r.out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        if (strncmp(l, "  ", 2) == 0 && strncmp(l, "  ...", 5) != 0)
            cr_expect(strstr(l, "sample.rdb: db ") != NULL, "violation without its file: %s", l);
    result_free(&r);
    free(notes);
    free(good);
}

Test(contract, check_needs_a_limit_and_options_get_one_line)
{
    char *good = sample();
    result r = run("check -q '%s'", good);
    cr_expect_eq(r.rc, 2);
    expect_one_line(&r, "check without limits", "no limit");
    result_free(&r);
    r = run("check --max-keys-bytes 1m '%s'", good);
    cr_expect_eq(r.rc, 2);
    expect_one_line(&r, "unknown option", "did you mean --max-key-bytes?");
    result_free(&r);
    r = run("report --bogus '%s'", good);
    cr_expect_eq(r.rc, 2);
    expect_one_line(&r, "unknown option", "--bogus");
    result_free(&r);
    /* sizes: 10m = 10MB = 10MiB = 10485760 */
    const char *sizes[] = {"10m", "10MB", "10MiB", "10mib", "10485760"};
    for (size_t i = 0; i < 5; i++) {
        r = run("check -q --max-key-bytes %s '%s'", sizes[i], good);
        cr_expect_eq(r.rc, 0, "--max-key-bytes %s: %d %s", sizes[i], r.rc, r.err);
        cr_expect(strstr(r.out, "max-key-bytes 10.0 MiB"), "%s: %s", sizes[i], r.out);
        result_free(&r);
    }
    r = run("keys -q --min-bytes 10XB '%s'", good);
    cr_expect_eq(r.rc, 2);
    result_free(&r);
    free(good);
}

/* An RDB with a skiplist zset (stored descending, as Redis writes it), a
 * listpack-free plain zset, and keys with bidi/invisible/formula names. */
static char *build_special(void)
{
    rb r;
    rb_init(&r, "REDIS", 11);
    rb_select(&r, 0);
    rb_key(&r, 5, "board:skiplist"); /* ZSET_2: binary scores, descending */
    const double sc[] = {INFINITY, 2.5, 0.1, 0.0, -0.0, -1e300, -INFINITY};
    const char *mem[] = {"g", "f", "e", "d", "c", "b", "a"};
    rb_len(&r, 7);
    for (int i = 0; i < 7; i++) {
        rb_cstr(&r, mem[i]);
        rb_f64(&r, sc[i]);
    }
    rb_key(&r, 0, "cache:views/\xe2\x80\xae" "exe.txt"); /* U+202E */
    rb_cstr(&r, "v");
    rb_key(&r, 0, "zero\xe2\x80\x8bwidth\xef\xbb\xbf"); /* U+200B, U+FEFF */
    rb_cstr(&r, "v");
    rb_key(&r, 0, "=cmd|' /C calc'!A0");
    rb_cstr(&r, "v");
    rb_key(&r, 0, "caf\xc3\xa9");
    rb_cstr(&r, "v");
    rb_eof(&r);
    char *p = write_tmp("special.rdb", r.p, r.len);
    rb_free(&r);
    return p;
}

Test(contract, dump_zset_order_scores_and_escaping)
{
    char *f = build_special();
    result r = run("dump -q --type zset '%s'", f);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    expect_jsonl(&r, "dump zset");
    cr_expect(strstr(r.out, "\"encoding\":\"skiplist\"") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "\"value\":[[\"a\",\"-inf\"],[\"b\",-1e+300],[\"c\",-0],[\"d\",0],"
                            "[\"e\",0.1],[\"f\",2.5],[\"g\",\"inf\"]]") != NULL,
              "zset not ascending with shortest scores: %s", r.out);
    result_free(&r);

    r = run("dump -q --type string '%s'", f);
    cr_assert_eq(r.rc, 0);
    cr_expect(strstr(r.out, "cache:views/\\\\xe2\\\\x80\\\\xaeexe.txt") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "zero\\\\xe2\\\\x80\\\\x8bwidth\\\\xef\\\\xbb\\\\xbf") != NULL, "%s",
              r.out);
    cr_expect(strstr(r.out, "caf\xc3\xa9") != NULL, "printable UTF-8 is kept: %s", r.out);
    cr_expect(strstr(r.out, "\xe2\x80\xae") == NULL && strstr(r.out, "\xe2\x80\x8b") == NULL);
    result_free(&r);

    r = run("keys -q '%s'", f);
    cr_assert_eq(r.rc, 0);
    expect_csv(&r, "keys");
    cr_expect(strstr(r.out, "\n0,=cmd|' /C calc'!A0,") != NULL, "default CSV keeps the key");
    cr_expect(strstr(r.out, "\xe2\x80\xae") == NULL);
    result_free(&r);
    r = run("keys -q --spreadsheet-safe '%s'", f);
    cr_assert_eq(r.rc, 0);
    expect_csv(&r, "keys --spreadsheet-safe");
    cr_expect(strstr(r.out, "\n0,\"'=cmd|' /C calc'!A0\",") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "\n0,caf\xc3\xa9,") != NULL, "%s", r.out);
    result_free(&r);

    r = run("report -q '%s'", f);
    cr_assert_eq(r.rc, 0);
    cr_expect(strstr(r.out, "\xe2\x80\xae") == NULL, "text report prints U+202E raw");
    result_free(&r);
    r = run("report -q --format html '%s'", f);
    cr_assert_eq(r.rc, 0);
    cr_expect(strstr(r.out, "\xe2\x80\xae") == NULL, "HTML report holds U+202E raw");
    result_free(&r);
    free(f);
}

/* -o writes through a temporary file (mkstemp: 0600), yet the result is a
 * report to share: created as any output file, 0666 less the umask. */
Test(contract, output_file_mode_follows_umask)
{
    char *good = sample();
    char *out = tu_path(tmpdir, "r.html");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "umask 022; '%s' report -q -f html -o '%s' '%s'",
             tu_env("RDBL_CLI", "build/src/cli/rdblens"), out, good);
    char *argv[] = {"sh", "-c", cmd, NULL};
    cr_assert_eq(tu_run(argv, NULL), 0);
    struct stat st;
    cr_assert_eq(stat(out, &st), 0);
    cr_expect_eq(st.st_mode & 0777, 0644, "mode %o", (unsigned)(st.st_mode & 0777));
    free(out);
    free(good);
}
