/* The man page and the shell completions against the executable's --help:
 * every option a command's --help names is documented in docs/rdblens.1 and
 * completed by tools/completions/{rdblens.bash,_rdblens}, and every --target
 * value --help lists is completed. A new option without its documentation
 * fails here. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/common.h"
#include "testutil.h"

static const char *const commands[] = {"info", "report", "keys", "dump", "check", "merge", "diff"};

static char *help_of(const char *cmd)
{
    char *out = NULL;
    char *argv[] = {(char *)tu_env("RDBL_CLI", "build/rdblens"), (char *)cmd, "--help", NULL};
    int rc = tu_run(argv, &out);
    cr_assert(eq(int, rc, 0), "rdblens %s --help exits %d", cmd, rc);
    cr_assert_not_null(out);
    return out;
}

static char *read_src(const char *rel)
{
    char *path = tu_path(tu_env("RDBL_SRCROOT", "."), rel);
    size_t len = 0;
    char *text = tu_read_file(path, &len);
    cr_assert_not_null(text, "cannot read %s", path);
    free(path);
    return text;
}

/* roff writes a dash as "\-": drop the backslashes so options read plainly. */
static void unroff(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] == '-')
            continue;
        *w++ = *r;
    }
    *w = '\0';
}

/* Whether `word` stands in `text` as a whole option (not as the start of a
 * longer one: --max-key must not be found in --max-key-bytes). */
static bool has_option(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        unsigned char next = (unsigned char)p[n];
        if (!(isalnum(next) || next == '-'))
            return true;
    }
    return false;
}

/* Calls fn for every "--long-option" in text, each once. */
static void each_option(const char *text, void (*fn)(const char *opt, void *ud), void *ud)
{
    char seen[8192] = " ";
    for (const char *p = strstr(text, "--"); p; p = strstr(p + 2, "--")) {
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
            continue;
        size_t n = 2;
        while (isalnum((unsigned char)p[n]) || p[n] == '-')
            n++;
        if (n < 4 || p[n - 1] == '-')
            continue;
        char opt[64];
        if (n >= sizeof opt)
            continue;
        memcpy(opt, p, n);
        opt[n] = '\0';
        char key[70];
        snprintf(key, sizeof key, " %s ", opt);
        if (strstr(seen, key))
            continue;
        if (strlen(seen) + n + 2 < sizeof seen) {
            strcat(seen, opt);
            strcat(seen, " ");
        }
        fn(opt, ud);
    }
}

struct docs {
    const char *cmd;
    char *man, *bash, *zsh;
    int count;
};

static void check_one(const char *opt, void *ud)
{
    struct docs *d = ud;
    d->count++;
    cr_expect(has_option(d->man, opt), "docs/rdblens.1 does not document %s (rdblens %s)", opt,
              d->cmd);
    cr_expect(has_option(d->bash, opt), "tools/completions/rdblens.bash lacks %s (rdblens %s)",
              opt, d->cmd);
    cr_expect(has_option(d->zsh, opt), "tools/completions/_rdblens lacks %s (rdblens %s)", opt,
              d->cmd);
}

Test(docs, every_help_option_documented_and_completed)
{
    struct docs d = {
        .man = read_src("docs/rdblens.1"),
        .bash = read_src("tools/completions/rdblens.bash"),
        .zsh = read_src("tools/completions/_rdblens"),
    };
    unroff(d.man);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        d.cmd = commands[i];
        char *help = help_of(commands[i]);
        int before = d.count;
        each_option(help, check_one, &d);
        cr_expect(gt(int, d.count - before, 1), "no options found in rdblens %s --help",
                  commands[i]);
        cr_expect(strstr(d.man, commands[i]) != NULL);
        free(help);
    }
    free(d.man);
    free(d.bash);
    free(d.zsh);
}

Test(docs, every_target_completed)
{
    char *help = help_of("report");
    char *bash = read_src("tools/completions/rdblens.bash");
    char *zsh = read_src("tools/completions/_rdblens");
    int n = 0;
    for (const char *p = help; (p = strpbrk(p, "rv")) != NULL; p++) {
        bool redis = strncmp(p, "redis-", 6) == 0, valkey = strncmp(p, "valkey-", 7) == 0;
        if (!redis && !valkey)
            continue;
        size_t k = redis ? 6 : 7;
        if (!isdigit((unsigned char)p[k]))
            continue;
        while (isdigit((unsigned char)p[k]) || p[k] == '.')
            k++;
        while (k > 0 && p[k - 1] == '.')
            k--;
        char t[32];
        if (k >= sizeof t)
            continue;
        memcpy(t, p, k);
        t[k] = '\0';
        n++;
        cr_expect(strstr(bash, t) != NULL, "rdblens.bash does not complete --target %s", t);
        cr_expect(strstr(zsh, t) != NULL, "_rdblens does not complete --target %s", t);
        p += k - 1;
    }
    cr_expect(ge(int, n, 5), "only %d targets found in report --help", n);
    free(help);
    free(bash);
    free(zsh);
}

Test(docs, version_names_commit_formats_and_codecs)
{
    char *out = NULL;
    char *argv[] = {(char *)tu_env("RDBL_CLI", "build/rdblens"), "--version", NULL};
    cr_assert(eq(int, tu_run(argv, &out), 0));
    cr_expect(strstr(out, "rdblens " RDBL_VERSION_STRING " (commit ") == out, "%s", out);
    cr_expect(strstr(out, "Redis RDB 1-") != NULL, "%s", out);
    cr_expect(strstr(out, "gzip (zlib ") != NULL, "%s", out);
    cr_expect(strstr(out, "liblz4 ") != NULL, "%s", out);
    cr_expect(strstr(out, "zstd (libzstd ") != NULL, "%s", out);
    free(out);
}

/* Runs the bash completion function on a command line (words, the cursor on
 * the last one) with stand-ins for bash-completion's helpers, and returns
 * the candidates, one per line. */
static char *complete_bash(const char *line)
{
    char *script = tu_path(tu_env("RDBL_SRCROOT", "."), "tools/completions/rdblens.bash");
    char prog[4096];
    snprintf(prog, sizeof prog,
             "_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; "
             "prev=${COMP_WORDS[COMP_CWORD-1]}; words=(\"${COMP_WORDS[@]}\"); "
             "cword=$COMP_CWORD; }\n"
             "_filedir() { COMPREPLY=(FILES); }\n"
             "compopt() { :; }\n"
             "complete() { :; }\n"
             ". '%s' || exit 9\n"
             "COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
             "_rdblens; printf '%%s\\n' \"${COMPREPLY[@]}\"\n",
             script, line);
    free(script);
    char *out = NULL;
    char *argv[] = {"bash", "-c", prog, NULL};
    int rc = tu_run(argv, &out);
    cr_assert(eq(int, rc, 0), "bash completion of '%s' failed (%d): %s", line, rc, out);
    return out;
}

Test(docs, bash_completion_completes)
{
    struct {
        const char *line, *want;
    } cases[] = {
        {"rdblens rep", "report\n"},
        {"rdblens report --tar", "--target\n"},
        {"rdblens report --target valkey-8", "valkey-8.0\nvalkey-8.1\n"},
        {"rdblens keys --format ''", "csv\njsonl\n"},
        {"rdblens report -f ''", "text\njson\nhtml\ncsv\n"},
        {"rdblens check --allocator jem", "jemalloc\njemalloc-q16\n"},
        {"rdblens report --state ''", "live\nloaded\n"},
        {"rdblens info ''", "FILES\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = complete_bash(cases[i].line);
        cr_expect(eq(str, got, (char *)cases[i].want), "completing '%s'", cases[i].line);
        free(got);
    }
}
