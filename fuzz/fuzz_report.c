/* libFuzzer target for reading reports back (src/report/json_read.c): the
 * input is a report's text, read through the streaming reader (from a
 * FILE) and through the whole-tree reader (jansson, load_mem). Neither may
 * crash or leak; when both accept it, the aggregates must be equal. (Their
 * verdicts may differ: the streaming reader refuses a prefix node with
 * members after its "children", which rdblens never writes.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/report.h"
#include "report/json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *state_of(const rdbl_agg *a)
{
    json_t *j = rdbl_agg_to_json(a);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    rdbl_agg_opts go;
    rdbl_agg_opts_default(&go);
    go.node_budget = 64; /* folds, "(other)" nodes */
    go.expiry_minutes_cap = 32;
    rdbl_agg *a = NULL, *b = NULL;
    if (rdbl_agg_new(&a, &go) != RDBL_OK || rdbl_agg_new(&b, &go) != RDBL_OK) {
        rdbl_agg_free(a);
        return 0;
    }
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (!f) {
        rdbl_agg_free(a);
        rdbl_agg_free(b);
        return 0;
    }
    rdbl_error e1, e2;
    rdbl_status s1 = rdbl__report_stream_add(a, f, "fuzz", &e1);
    fclose(f);
    rdbl_status s2 = rdbl_report_json_load_mem(b, (const char *)data, size, &e2);
    if (s1 == RDBL_OK && s2 == RDBL_OK) {
        char *x = state_of(a), *y = state_of(b);
        if (x && y && strcmp(x, y) != 0)
            abort(); /* the two readers built different aggregates */
        free(x);
        free(y);
    }
    rdbl_agg_free(a);
    rdbl_agg_free(b);
    return 0;
}
