/* rdblens check: gate a CI job on limits. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rdblens/report.h"

static const char help[] =
    "Usage: rdblens check LIMIT... [--format text|json] [-o FILE]\n"
    "                     [memory model options] FILE...\n"
    "\n"
    "Reads the snapshots, prints every limit they break, and exits 1 if there is\n"
    "any, 0 if none. Made for CI jobs and release gates. Every inner blob is\n"
    "validated, not only the framing. At least one limit is required: with none,\n"
    "check refuses (exit 2) rather than pass anything ('rdblens info' validates a\n"
    "file without limits). A file that cannot be read whole is a failure of its\n"
    "own (rule \"input\"), never OK; the exit code is then 3 (unreadable), 4\n"
    "(corrupt, truncated or not an RDB) or 5 (checksum mismatch), and 6 when the\n"
    "output cannot be written. Every violation names its file, database and key\n"
    "(JSON: separate \"file\", \"db\" and \"key\" fields; schema rdblens.check/2).\n"
    "\n"
    "Limits (sizes take k, m, g, t with or without B or iB, all 1024-based: 10m,\n"
    "10MB and 10MiB are the same; memory is the estimated MEMORY USAGE):\n"
    "  --max-key-bytes SIZE      no key bigger than SIZE\n"
    "  --max-elements N          no collection with more than N elements\n"
    "  --max-total-bytes SIZE    the sum over all keys at most SIZE\n"
    "  --max-no-ttl-ratio R      at most this share (0..1) of keys without a TTL\n"
    "  --require-ttl GLOB        keys matching GLOB must have a TTL (repeatable)\n"
    "  --fail-on-advice LEVEL    fail on advice of LEVEL or worse: info, warn, critical\n"
    "  --max-prefix-bytes GLOB=SIZE  the keys matching GLOB together at most SIZE\n"
    "                            (a memory budget per family; repeatable)\n"
    "Growth against a baseline (an earlier RDB, or its report JSON):\n"
    "  --baseline OLD            the snapshot to compare with\n"
    "  --max-growth R            total memory may grow by at most R (20% or 0.2)\n"
    "  --max-prefix-growth GLOB=R  the keys matching GLOB may grow by at most R\n"
    "                            (repeatable; a family new since OLD counts as grown;\n"
    "                            with a report JSON as OLD, GLOB must take whole patterns)\n"
    "\n"
    "  -f, --format text|json    output (default text)\n"
    "  -o, --output FILE         write there instead of standard output (a\n"
    "                            temporary file beside it, renamed when done)\n"
    "  --list N                  violations listed per rule (default 20)\n"
    "  --now MS                  TTLs relative to this Unix time in ms\n"
    "  --salvage                 read past damage: skip each unreadable stretch to\n"
    "                            where records parse again, list the holes (stderr,\n"
    "                            output) and go on; still exits 4\n"
    "  --redact                  keys named in violations with their variable parts\n"
    "                            replaced by keyed pseudonyms of the same shape;\n"
    "                            reads the files twice (keys first)\n"
    "  --redact-key FILE         the secret for --redact (16 to 4096 bytes)\n"
    "  -q, --quiet               no progress bar\n"
    "  -h, --help                this text\n"
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
    OPT_PREFIX_BYTES,
    OPT_BASELINE,
    OPT_GROWTH,
    OPT_PREFIX_GROWTH,
};

/* "20%", "0.2": a ratio >= 0. */
static bool parse_ratio(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return false;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end || !(v >= 0))
        return false;
    *out = v;
    return true;
}

/* GLOB=VALUE: the glob (in place, argument memory) and the value text. */
static bool split_glob(char *arg, const char **glob, const char **value)
{
    char *eq = strrchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return false;
    *eq = '\0';
    *glob = arg;
    *value = eq + 1;
    return true;
}

static int begin_file(void *user, const char *path)
{
    return rdbl_check_begin_file(user, path);
}

static int file_done(void *user, const char *path, rdbl_status st, const char *line)
{
    return rdbl_check_file_done(user, path, st, line);
}

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
        {"max-prefix-bytes", required_argument, NULL, OPT_PREFIX_BYTES},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"max-growth", required_argument, NULL, OPT_GROWTH},
        {"max-prefix-growth", required_argument, NULL, OPT_PREFIX_GROWTH},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"now", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_SALVAGE_LONGOPT,
        CLI_REDACT_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        CLI_MEM_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    rdbl_check_opts co;
    rdbl_check_opts_init(&co);
    rdbl_analysis_opts ao;
    rdbl_analysis_opts_init(&ao);
    rdbl_agg_opts g;
    cli_redact rd = {0};
    rdbl_agg_opts_default(&g);
    const char **globs = calloc((size_t)argc, sizeof *globs);
    /* growth gates: globs and limits, at most one per argument */
    const char **bglobs = calloc((size_t)argc, sizeof *bglobs);
    const char **gglobs = calloc((size_t)argc, sizeof *gglobs);
    uint64_t *blimits = calloc((size_t)argc, sizeof *blimits);
    double *glimits = calloc((size_t)argc, sizeof *glimits);
    const char *baseline = NULL;
    if (!globs || !bglobs || !gglobs || !blimits || !glimits) {
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return CLI_UNREADABLE;
    }
    co.prefix_bytes_globs = bglobs;
    co.prefix_bytes = blimits;
    co.prefix_growth_globs = gglobs;
    co.prefix_growth = glimits;
    bool json = false, quiet = false;
    const char *outpath = NULL;
    int c, rc = CLI_OK;
    optind = 1;
    while ((c = cli_getopt("check", argc, argv, "f:o:qh", longopts)) != -1) {
        char *end;
        switch (c) {
        case 'o':
            outpath = optarg;
            break;
        case OPT_MAX_KEY:
            if (cli_parse_size(optarg, &co.max_key_bytes) != 0)
                rc = cli_usage_error("check", "--max-key-bytes wants a size like 10m or 10MiB, "
                                              "not '%s'", optarg);
            break;
        case OPT_MAX_EL:
            co.max_elements = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end)
                rc = cli_usage_error("check", "--max-elements wants a number");
            break;
        case OPT_MAX_TOTAL:
            if (cli_parse_size(optarg, &co.max_total_bytes) != 0)
                rc = cli_usage_error("check", "--max-total-bytes wants a size like 4g or 4GiB, "
                                              "not '%s'", optarg);
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
        case OPT_PREFIX_BYTES: {
            const char *gl, *v;
            if (!split_glob(optarg, &gl, &v) ||
                cli_parse_size(v, &blimits[co.nprefix_bytes]) != 0)
                rc = cli_usage_error("check", "--max-prefix-bytes wants GLOB=SIZE, e.g. "
                                              "'session:*=2g'");
            else
                bglobs[co.nprefix_bytes++] = gl;
            break;
        }
        case OPT_BASELINE:
            baseline = optarg;
            break;
        case OPT_GROWTH:
            if (!parse_ratio(optarg, &co.max_growth))
                rc = cli_usage_error("check", "--max-growth wants a ratio like 20%% or 0.2");
            break;
        case OPT_PREFIX_GROWTH: {
            const char *gl, *v;
            if (!split_glob(optarg, &gl, &v) || !parse_ratio(v, &glimits[co.nprefix_growth]))
                rc = cli_usage_error("check", "--max-prefix-growth wants GLOB=R, e.g. "
                                              "'session:*=20%%'");
            else
                gglobs[co.nprefix_growth++] = gl;
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
        case CLI_OPT_SALVAGE:
            ao.parse_flags |= RDBL_PARSE_SALVAGE;
            break;
        case 'h':
            fputs(help, stdout);
            free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
            return CLI_OK;
        default: {
            int r = c == CLI_BADOPT ? CLI_USAGE : cli_redact_option("check", c, optarg, &rd);
            if (r < 0)
                r = cli_mem_option("check", c, optarg, &ao.mem);
            rc = r < 0 ? CLI_USAGE : r;
        }
        }
        if (rc != CLI_OK) {
            free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
            return rc;
        }
    }
    if (optind >= argc) {
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return cli_usage_error("check", "expected at least one FILE");
    }
    co.require_ttl = globs;
    if ((co.max_growth >= 0 || co.nprefix_growth) && !baseline) {
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return cli_usage_error("check", "--max-growth and --max-prefix-growth need --baseline OLD");
    }
    if (!rdbl_check_opts_any(&co)) {
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return cli_usage_error("check", "no limit given: pass at least one of --max-key-bytes, "
                                        "--max-elements, --max-total-bytes, --max-no-ttl-ratio, "
                                        "--require-ttl, --fail-on-advice, --max-prefix-bytes, --max-growth, "
                                        "--max-prefix-growth");
    }
    rdbl_redactor *red = NULL;
    int rrc = cli_redact_make("check", &rd, g.delimiters, (const char *const *)argv + optind,
                              (size_t)(argc - optind), ao.parse_flags, &red);
    if (rrc != CLI_OK) {
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return rrc;
    }
    ao.redact = red;
    rdbl_check *chk = rdbl_check_new(&co);
    if (!chk) {
        rdbl_redactor_free(red);
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return CLI_UNREADABLE;
    }
    cli_out out;
    if (cli_out_open(&out, "check", outpath) != CLI_OK) {
        rdbl_check_free(chk);
        rdbl_redactor_free(red);
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        return CLI_OUTPUT;
    }
    if (baseline) {
        rdbl_error berr = {0};
        rdbl_source_opts so = cli_source_opts(true);
        rdbl_status bst = rdbl_check_load_baseline(chk, baseline, &ao, &so, &berr);
        if (bst != RDBL_OK && bst != RDBL_CHECKSUM) {
            if (bst == RDBL_USAGE)
                fprintf(stderr, "rdblens check: %s\n", berr.msg);
            else
                cli_print_error("check", baseline, &berr, "(the baseline)");
            rdbl_check_free(chk);
            rdbl_redactor_free(red);
        rdbl_redactor_free(red);
            free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
            cli_out_discard(&out);
            return bst == RDBL_USAGE ? CLI_USAGE : cli_exit_code(bst);
        }
    }
    ao.on_key = on_key;
    ao.key_user = chk;
    rdbl_agg *agg = NULL;
    int worst = CLI_OK;
    cli_file_hooks hooks = {begin_file, file_done, chk};
    /* one file at a time: the per-key rules run in the parsing thread */
    int arc = cli_analyze_files("check", argv + optind, (size_t)(argc - optind), 1, &ao, &g,
                                quiet, &hooks, &agg, &worst);
    if (arc != 0 && agg) { /* out of memory (with no file read, agg is NULL) */
        rdbl_agg_free(agg);
        rdbl_check_free(chk);
        rdbl_redactor_free(red);
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        cli_out_discard(&out);
        return cli_worse(worst, CLI_UNREADABLE);
    }
    if (agg && rdbl_check_finish(chk, agg) != RDBL_OK) {
        rdbl_agg_free(agg);
        rdbl_check_free(chk);
        rdbl_redactor_free(red);
        free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
        fprintf(stderr, "rdblens check: out of memory\n");
        cli_out_discard(&out);
        return CLI_UNREADABLE;
    }
    if ((json ? rdbl_check_write_json(chk, out.f) : rdbl_check_write_text(chk, out.f)) != 0)
        cli_out_note_errno(&out, errno);
    uint64_t nv = rdbl_check_violations(chk);
    rdbl_agg_free(agg);
    rdbl_check_free(chk);
    rdbl_redactor_free(red);
    free(globs), free(bglobs), free(gglobs), free(blimits), free(glimits);
    if (cli_out_close(&out) != CLI_OK)
        return CLI_OUTPUT;
    if (worst != CLI_OK)
        return worst; /* an unreadable/corrupt input never passes a gate */
    return nv ? CLI_CHECK_FAILED : CLI_OK;
}
