/* rdblens check: gate a CI job on limits. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rdblens/report.h"

static const char help[] =
    "Usage: rdblens check [limits] [--format text|json] [memory model options] FILE...\n"
    "\n"
    "Reads the snapshot, prints every limit it breaks, and exits 1 if there is\n"
    "any (0 if none; 3, 4 or 5 when the file cannot be read, is corrupt, or its\n"
    "checksum does not match). Made for CI jobs and release gates. Every inner\n"
    "blob is validated, not only the framing.\n"
    "\n"
    "Limits (sizes take k, m, g suffixes; memory is the estimated MEMORY USAGE):\n"
    "  --max-key-bytes SIZE      no key bigger than SIZE\n"
    "  --max-elements N          no collection with more than N elements\n"
    "  --max-total-bytes SIZE    the sum over all keys at most SIZE\n"
    "  --max-no-ttl-ratio R      at most this share (0..1) of keys without a TTL\n"
    "  --require-ttl GLOB        keys matching GLOB must have a TTL (repeatable)\n"
    "  --fail-on-advice LEVEL    fail on advice of LEVEL or worse: info, warn, critical\n"
    "\n"
    "  -f, --format text|json    output (default text)\n"
    "  --list N                  violations listed per rule (default 20)\n"
    "  --now MS                  TTLs relative to this Unix time in ms\n"
    "  -q, --quiet               no progress bar\n"
    "\n" CLI_MEM_HELP
    "\n"
    "Example:\n"
    "  rdblens check --max-key-bytes 10m --max-elements 100000 \\\n"
    "                --require-ttl 'session:*' --require-ttl 'cache:*' dump.rdb\n";

enum {
    OPT_MAX_KEY = 1200,
    OPT_MAX_EL,
    OPT_MAX_TOTAL,
    OPT_NO_TTL,
    OPT_REQ_TTL,
    OPT_ADVICE,
    OPT_LIST,
};

static int on_key(void *user, const rdbl_key_facts *f, const rdbl_key_info *k, int64_t ref)
{
    (void)k;
    (void)ref;
    return rdbl_check_key(user, f);
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"max-key-bytes", required_argument, NULL, OPT_MAX_KEY},
        {"max-elements", required_argument, NULL, OPT_MAX_EL},
        {"max-total-bytes", required_argument, NULL, OPT_MAX_TOTAL},
        {"max-no-ttl-ratio", required_argument, NULL, OPT_NO_TTL},
        {"require-ttl", required_argument, NULL, OPT_REQ_TTL},
        {"fail-on-advice", required_argument, NULL, OPT_ADVICE},
        {"list", required_argument, NULL, OPT_LIST},
        {"format", required_argument, NULL, 'f'},
        {"now", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_MEM_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    rdbl_check_opts co;
    rdbl_check_opts_init(&co);
    rdbl_analysis_opts ao;
    rdbl_analysis_opts_init(&ao);
    rdbl_agg_opts g;
    rdbl_agg_opts_default(&g);
    const char **globs = calloc((size_t)argc, sizeof *globs);
    if (!globs)
        return CLI_UNREADABLE;
    bool json = false, quiet = false;
    int c, rc = CLI_OK;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:qh", longopts, NULL)) != -1) {
        char *end;
        switch (c) {
        case OPT_MAX_KEY:
            if (cli_parse_size(optarg, &co.max_key_bytes) != 0)
                rc = cli_usage_error("check", "--max-key-bytes wants a size like 10m");
            break;
        case OPT_MAX_EL:
            co.max_elements = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end)
                rc = cli_usage_error("check", "--max-elements wants a number");
            break;
        case OPT_MAX_TOTAL:
            if (cli_parse_size(optarg, &co.max_total_bytes) != 0)
                rc = cli_usage_error("check", "--max-total-bytes wants a size like 4g");
            break;
        case OPT_NO_TTL:
            co.max_no_ttl_ratio = strtod(optarg, &end);
            if (*optarg == '\0' || *end || co.max_no_ttl_ratio < 0 || co.max_no_ttl_ratio > 1)
                rc = cli_usage_error("check", "--max-no-ttl-ratio wants a number from 0 to 1");
            break;
        case OPT_REQ_TTL:
            globs[co.nrequire_ttl++] = optarg;
            break;
        case OPT_ADVICE: {
            rdbl_advice_level lv;
            if (!rdbl_advice_level_parse(optarg, &lv))
                rc = cli_usage_error("check", "--fail-on-advice wants info, warn or critical");
            else
                co.fail_on_advice = (int)lv;
            break;
        }
        case OPT_LIST:
            co.max_listed = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end || co.max_listed < 1)
                rc = cli_usage_error("check", "--list wants a number >= 1");
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0)
                json = true;
            else if (strcmp(optarg, "text") != 0)
                rc = cli_usage_error("check", "unknown format '%s' (text or json)", optarg);
            break;
        case 'n':
            rc = cli_now_option("check", optarg, &ao);
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            fputs(help, stdout);
            free(globs);
            return CLI_OK;
        default: {
            int r = cli_mem_option("check", c, optarg, &ao.mem);
            if (r < 0)
                rc = cli_usage_error("check", "bad option");
            else if (r > 0)
                rc = r;
        }
        }
        if (rc != CLI_OK) {
            free(globs);
            return rc;
        }
    }
    if (optind >= argc) {
        free(globs);
        return cli_usage_error("check", "expected at least one FILE");
    }
    co.require_ttl = globs;
    rdbl_check *chk = rdbl_check_new(&co);
    if (!chk) {
        free(globs);
        return CLI_UNREADABLE;
    }
    ao.on_key = on_key;
    ao.key_user = chk;
    rdbl_agg *agg = NULL;
    int worst = CLI_OK;
    /* one file at a time: the per-key rules run in the parsing thread */
    if (cli_analyze_files("check", argv + optind, (size_t)(argc - optind), 1, &ao, &g, quiet,
                          &agg, &worst) != 0) {
        rdbl_agg_free(agg);
        rdbl_check_free(chk);
        free(globs);
        return cli_worse(worst, CLI_UNREADABLE);
    }
    if (rdbl_check_finish(chk, agg) != RDBL_OK) {
        rdbl_agg_free(agg);
        rdbl_check_free(chk);
        free(globs);
        fprintf(stderr, "rdblens check: out of memory\n");
        return CLI_UNREADABLE;
    }
    int w = json ? rdbl_check_write_json(chk, stdout) : rdbl_check_write_text(chk, stdout);
    fflush(stdout);
    uint64_t nv = rdbl_check_violations(chk);
    rdbl_agg_free(agg);
    rdbl_check_free(chk);
    free(globs);
    if (w != 0)
        return CLI_UNREADABLE;
    if (worst != CLI_OK)
        return worst; /* an unreadable/corrupt input never passes a gate */
    return nv ? CLI_CHECK_FAILED : CLI_OK;
}
