/* Option parsing shared by the commands: getopt_long with one-line errors
 * and a suggestion, usage errors, sizes with units. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "rdblens %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'rdblens %s --help')\n", cmd);
    return CLI_USAGE;
}

/* Edit distance of two short strings (option names), capped at 99. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t row[64];
    if (na >= 63 || nb >= 63)
        return 99;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The long option closest to name (without dashes and "=value"), or NULL
 * when none is close enough to be what the user meant. */
static const char *closest(const char *name, size_t n, const struct option *longopts)
{
    const char *best = NULL;
    size_t bd = 99;
    for (const struct option *o = longopts; o->name; o++) {
        size_t ol = strlen(o->name);
        size_t d = distance(name, n, o->name, ol);
        /* a known option inside the typed one ("--max-keys-bytes") counts too */
        if (n >= 3 && ol > n && strncmp(o->name, name, n) == 0)
            d = 1;
        if (d < bd) {
            bd = d;
            best = o->name;
        }
    }
    size_t limit = n < 6 ? 2 : n / 3 + 1;
    return bd <= limit ? best : NULL;
}

int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    char spec[64];
    snprintf(spec, sizeof spec, ":%s", shortopts);
    opterr = 0;
    int prev = optind;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c != '?' && c != ':')
        return c;
    const char *arg = optind - 1 >= prev && optind - 1 < argc ? argv[optind - 1] : "";
    if (optopt && !(arg[0] == '-' && arg[1] == '-')) {
        if (c == ':')
            cli_usage_error(cmd, "option '-%c' wants a value", optopt);
        else
            cli_usage_error(cmd, "unknown option '-%c'", optopt);
        return CLI_BADOPT;
    }
    const char *name = arg[0] == '-' && arg[1] == '-' ? arg + 2 : arg;
    size_t n = strcspn(name, "=");
    if (c == ':') {
        cli_usage_error(cmd, "option '--%.*s' wants a value", (int)n, name);
        return CLI_BADOPT;
    }
    const char *s = closest(name, n, longopts);
    if (s)
        cli_usage_error(cmd, "unknown option '--%.*s' (did you mean --%s?)", (int)n, name, s);
    else
        cli_usage_error(cmd, "unknown option '%s'", arg);
    return CLI_BADOPT;
}

/* "k", "kb", "kib" in any case, and the same for m, g, t: all binary
 * multiples (1024), as the help and README say. */
int cli_parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)*s) && *s != '.')
        return -1;
    double v = strtod(s, &end);
    if (end == s || v < 0 || !isfinite(v))
        return -1;
    double mul = 1;
    const char *units = "kmgt";
    const char *u = *end ? strchr(units, tolower((unsigned char)*end)) : NULL;
    if (u) {
        for (const char *p = units; p <= u; p++)
            mul *= 1024.0;
        end++;
        if (tolower((unsigned char)end[0]) == 'i' && tolower((unsigned char)end[1]) == 'b')
            end += 2;
        else if (tolower((unsigned char)*end) == 'b')
            end++;
    } else if (tolower((unsigned char)*end) == 'b') {
        end++;
    }
    if (*end != '\0')
        return -1;
    double r = v * mul;
    if (r >= 1.8e19)
        return -1;
    *out = (uint64_t)r;
    return 0;
}
