/* CSV report: the prefix tree as a table, one row per node, parents before
 * their children (children by memory, descending). RFC 4180 fields through
 * rdbl_csv_write_field; prefixes escaped as rdbl_escape_bytes does.
 *
 *   prefix,depth,keys,memory_bytes,rdb_bytes,elements,keys_with_ttl,memory_without_ttl_bytes,
 *   values,example
 *
 * memory_bytes of the depth-1 rows adds up to the summary's memory_bytes.
 * values: the distinct values the '*' of the row's own (last) label stands
 * for (empty when that label has none: user:*:cart; "~" first when
 * estimated); example: one key of the row,
 * escaped, "…" after it when cut (as in text and JSON). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rdblens/report.h"

static int rows(FILE *out, const rdbl_prefix_agg *p, uint32_t node, char *name, size_t cap)
{
    size_t n = rdbl_prefix_agg_children(p, node, NULL, 0);
    if (!n)
        return 0;
    uint32_t *kids = malloc(n * sizeof *kids);
    if (!kids)
        return -1;
    rdbl_prefix_agg_children(p, node, kids, n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(p, kids[i]);
        size_t len = rdbl_prefix_agg_name(p, kids[i], name, cap);
        if (len >= cap)
            len = strlen(name);
        rc |= rdbl_csv_write_field(out, name, len);
        if (fprintf(out, ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                         ",%" PRIu64 ",",
                    rdbl_prefix_agg_depth(p, kids[i]), t->keys, t->mem_bytes, t->rdb_bytes,
                    t->elements, t->keys_with_ttl, t->mem_no_ttl) < 0)
            rc = -1;
        bool est = false, cut = false;
        uint64_t nv = rdbl_prefix_agg_values(p, kids[i], &est);
        if (!rc && nv && fprintf(out, "%s%" PRIu64, est ? "~" : "", nv) < 0)
            rc = -1;
        rdbl_str ex = rdbl_prefix_agg_example(p, kids[i], &cut);
        if (!rc && fputc(',', out) == EOF)
            rc = -1;
        if (!rc && ex.ptr) {
            /* escaped, then the mark of a cut example, as one field */
            size_t el = rdbl_escape_bytes(name, cap, ex.ptr, ex.len);
            if (el >= cap)
                el = strlen(name);
            if (cut && el + 4 <= cap) {
                memcpy(name + el, "\xe2\x80\xa6", 4);
                el += 3;
            }
            rc = rdbl_csv_write_field(out, name, el);
        }
        if (!rc && fputs("\r\n", out) == EOF)
            rc = -1;
        if (!rc && !rdbl_prefix_agg_is_other(p, kids[i]))
            rc = rows(out, p, kids[i], name, cap);
    }
    free(kids);
    return rc;
}

rdbl_status rdbl_report_csv_prefixes(FILE *out, const rdbl_agg *a, rdbl_error *err)
{
    char *name = malloc(65536);
    if (!name)
        return rdbl__fail(err, RDBL_NOMEM, 0, "csv report", "out of memory");
    int rc = fputs("prefix,depth,keys,memory_bytes,rdb_bytes,elements,keys_with_ttl,"
                   "memory_without_ttl_bytes,values,example\r\n",
                   out) == EOF;
    if (!rc)
        rc = rows(out, rdbl_agg_prefix(a), RDBL_PREFIX_ROOT, name, 65536);
    free(name);
    if (rc || ferror(out))
        return rdbl__fail(err, RDBL_IO, 0, "csv report", "write failed: %s", strerror(errno));
    return RDBL_OK;
}
