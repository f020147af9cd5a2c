/* Exit codes, error printing, progress bar, small parsers for the CLI. */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_exit_code(rdbl_status st)
{
    switch (st) {
    case RDBL_OK:
        return CLI_OK;
    case RDBL_IO:
        return CLI_UNREADABLE;
    case RDBL_CHECKSUM:
        return CLI_CHECKSUM;
    case RDBL_USAGE:
        return CLI_USAGE;
    default:
        return CLI_CORRUPT;
    }
}

static int severity(int code)
{
    switch (code) {
    case CLI_OUTPUT:
        return 7;
    case CLI_UNREADABLE:
        return 5;
    case CLI_CORRUPT:
        return 4;
    case CLI_CHECKSUM:
        return 3;
    case CLI_CHECK_FAILED:
        return 2;
    case CLI_USAGE:
        return 6;
    default:
        return 0;
    }
}

int cli_worse(int a, int b)
{
    return severity(b) > severity(a) ? b : a;
}

void cli_format_error(char *buf, size_t cap, const char *path, const rdbl_error *e,
                      const char *tail)
{
    size_t n = 0;
#define PUT(...)                                                                        \
    do {                                                                                \
        if (n < cap) {                                                                  \
            int w = snprintf(buf + n, cap - n, __VA_ARGS__);                            \
            n += w > 0 ? (size_t)w : 0;                                                 \
        }                                                                               \
    } while (0)
    if (path)
        PUT("%s: ", path);
    PUT("%s", rdbl_status_name(e->code));
    if (e->code != RDBL_IO)
        PUT(" at offset %" PRIu64, e->offset);
    if (e->key[0])
        PUT(" in key \"%s\"", e->key);
    if (e->where[0])
        PUT(" (%s)", e->where);
    PUT(": %s", e->msg[0] ? e->msg : rdbl_strerror(e->code));
    if (tail && *tail)
        PUT("; %s", tail);
#undef PUT
}

void cli_print_error(const char *cmd, const char *path, const rdbl_error *e, const char *tail)
{
    char line[1200];
    cli_format_error(line, sizeof line, path, e, tail);
    fprintf(stderr, "rdblens %s: %s\n", cmd, line);
}

long cli_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

rdbl_source_opts cli_source_opts(bool one)
{
    rdbl_source_opts o = {0};
    o.threaded = one && cli_cpus() >= 2;
    return o;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, const rdbl_source *src, bool quiet)
{
    memset(p, 0, sizeof *p);
    p->src = src;
    p->on = !quiet && isatty(STDERR_FILENO);
    p->start = p->last = cli_now();
}

static void fmt_bytes(double b, char *buf, size_t cap)
{
    const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (b >= 1024 && i < 4) {
        b /= 1024;
        i++;
    }
    snprintf(buf, cap, "%.1f %s", b, u[i]);
}

void cli_progress_cb(void *user, uint64_t keys)
{
    cli_progress *p = user;
    if (!p->on)
        return;
    double now = cli_now();
    if (now - p->last < 0.2)
        return;
    p->last = now;
    uint64_t done = rdbl_source_input_consumed(p->src);
    uint64_t total = rdbl_source_input_size(p->src);
    double el = now - p->start;
    double rate = el > 0 ? (double)done / el : 0;
    char d[32], t[32], r[32];
    fmt_bytes((double)done, d, sizeof d);
    fmt_bytes(rate, r, sizeof r);
    if (total) {
        double frac = (double)done / (double)total;
        if (frac > 1)
            frac = 1;
        int width = 30, fill = (int)(frac * width);
        char bar[31];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[width] = '\0';
        fmt_bytes((double)total, t, sizeof t);
        double eta = rate > 0 ? (double)(total - (done < total ? done : total)) / rate : 0;
        fprintf(stderr, "\r[%s] %5.1f%% %s / %s  %s/s  %" PRIu64 " keys  ETA %.0fs   ", bar,
                frac * 100, d, t, r, keys, eta);
    } else {
        fprintf(stderr, "\r%s read  %s/s  %" PRIu64 " keys   ", d, r, keys);
    }
    p->drawn = 1;
}

void cli_progress_done(cli_progress *p)
{
    if (p->on && p->drawn)
        fprintf(stderr, "\r%*s\r", 100, "");
}

int cli_filter_option(const char *cmd, int c, const char *arg, rdbl_key_filter *f)
{
    char *end;
    switch (c) {
    case 'd':
        f->db = strtoull(arg, &end, 10);
        if (*arg == '\0' || *end != '\0')
            return cli_usage_error(cmd, "--db wants a number, not '%s'", arg);
        f->has_db = true;
        return 0;
    case 'm':
        f->match = arg;
        return 0;
    case 't':
        f->type = rdbl_type_from_name(arg);
        if (f->type < 0)
            return cli_usage_error(cmd, "unknown type '%s'", arg);
        return 0;
    default:
        return -1;
    }
}

int cli_now_option(const char *cmd, const char *arg, rdbl_analysis_opts *o)
{
    char *end;
    o->now_ms = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0')
        return cli_usage_error(cmd, "--now wants Unix milliseconds, not '%s'", arg);
    o->has_now = true;
    return 0;
}
