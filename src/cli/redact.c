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

int cli_redact_make(const char *cmd, const cli_redact *r, const char *delims,
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
    if (st == RDBL_OK)
        return CLI_OK;
    if (st == RDBL_USAGE)
        return cli_usage_error(cmd, "--redact-key %s: %s", r->key_file, err.msg);
    fprintf(stderr, "rdblens %s: --redact: %s\n", cmd, err.msg);
    return CLI_UNREADABLE;
}
