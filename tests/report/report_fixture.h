/* Aggregates of generated facts for the report tests. */
#ifndef RDBL_TEST_REPORT_FIXTURE_H
#define RDBL_TEST_REPORT_FIXTURE_H

#include <stdlib.h>

#include "../agg/gen_facts.h"
#include "rdblens/report.h"

/* Keys [from, to) of stream `seed` with step `step`, plus a snapshot. */
static inline rdbl_agg *fixture(uint64_t seed, uint64_t from, uint64_t to, uint64_t step,
                                const char *file)
{
    rdbl_agg *a;
    if (rdbl_agg_new(&a, NULL) != RDBL_OK)
        abort();
    rdbl_agg_set_now(a, GEN_NOW_MS);
    gen_state g;
    for (uint64_t i = from; i < to; i += step) {
        rdbl_key_facts f;
        gen_fact(&g, seed, i, &f);
        if (rdbl_agg_add(a, &f) != RDBL_OK)
            abort();
    }
    if (file) {
        rdbl_snapshot s;
        gen_snapshot(&s, file);
        if (rdbl_agg_add_snapshot(a, &s) != RDBL_OK)
            abort();
    }
    return a;
}

/* Renders with fn into a malloc'd NUL-terminated string. */
typedef rdbl_status (*render_fn)(FILE *, const rdbl_agg *, const rdbl_report_opts *,
                                 rdbl_error *);

static inline char *render(render_fn fn, const rdbl_agg *a, const rdbl_report_opts *o,
                           size_t *len)
{
    /* through a temporary file: what a user's redirect sees */
    FILE *f = tmpfile();
    if (!f)
        abort();
    rdbl_error err = {0};
    if (fn(f, a, o, &err) != RDBL_OK)
        abort();
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        abort();
    char *out = malloc((size_t)n + 1);
    if (!out || fread(out, 1, (size_t)n, f) != (size_t)n)
        abort();
    out[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return out;
}

#endif
