/* --redact and --redact-key: the options, and the redactor they ask for. */
#include <stdio.h>

#include "cli.h"

int cli_redact_option(const char *cmd, int c, const char *arg, cli_redact *r)
{
    (void)cmd;
    if (c == CLI_OPT_REDACT) {
        r->on = true;
        return 0;
    }
    if (c == CLI_OPT_REDACT_KEY) {
        r->key_file = arg;
        return 0;
    }
    return -1;
}

/* The first pass: every input's keys teach the redactor the pattern view.
 * An input that cannot be read (or breaks off) is left to the real pass to
 * report; its keys not learnt are redacted whole. */
static int learn(const char *cmd, rdbl_redactor *red, const char *const *paths, size_t npaths,
                 unsigned parse_flags)
{
    for (size_t i = 0; i < npaths; i++) {
        rdbl_error err = {0};
        rdbl_source *src = NULL;
        rdbl_source_opts so = cli_source_opts(true);
        if (rdbl_source_open_file(&src, paths[i], &so, &err) != RDBL_OK)
            continue;
        rdbl_status st = rdbl_redactor_learn(red, src, parse_flags, &err);
        rdbl_source_free(src);
        if (st == RDBL_NOMEM) {
            fprintf(stderr, "rdblens %s: --redact: %s\n", cmd, err.msg);
            return CLI_UNREADABLE;
        }
    }
    if (rdbl_redactor_seal(red) != RDBL_OK) {
        fprintf(stderr, "rdblens %s: --redact: out of memory\n", cmd);
        return CLI_UNREADABLE;
    }
    return CLI_OK;
}

int cli_redact_make(const char *cmd, const cli_redact *r, const char *delims,
                    const char *const *paths, size_t npaths, unsigned parse_flags,
                    rdbl_redactor **out)
{
    *out = NULL;
    if (!r->on) {
        if (r->key_file)
            return cli_usage_error(cmd, "--redact-key goes with --redact");
        return CLI_OK;
    }
    rdbl_error err = {0};
    rdbl_status st = r->key_file ? rdbl_redactor_load(out, r->key_file, delims, &err)
                                 : rdbl_redactor_new(out, NULL, 0, delims, &err);
    if (st == RDBL_USAGE)
        return cli_usage_error(cmd, "--redact-key %s: %s", r->key_file, err.msg);
    if (st != RDBL_OK) {
        fprintf(stderr, "rdblens %s: --redact: %s\n", cmd, err.msg);
        return CLI_UNREADABLE;
    }
    int rc = learn(cmd, *out, paths, npaths, parse_flags);
    if (rc != CLI_OK) {
        rdbl_redactor_free(*out);
        *out = NULL;
    }
    return rc;
}
