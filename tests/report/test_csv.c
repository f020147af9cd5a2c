/* CSV prefix table (src/report/csv.c): header, RFC 4180 rows, parents before
 * children, depth-1 rows adding up to the summary, values and an example key
 * for each pattern row. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "report_fixture.h"

static rdbl_status csv_fn(FILE *f, const rdbl_agg *a, const rdbl_report_opts *o, rdbl_error *e)
{
    (void)o;
    return rdbl_report_csv_prefixes(f, a, e);
}

Test(csv, prefix_rows)
{
    rdbl_agg *a = fixture(51, 0, 10000, 1, "dump.rdb");
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.key.ptr = (const uint8_t *)"we,ird\"key";
    f.key.len = 10;
    f.mem_bytes = 3;
    rdbl_agg_add(a, &f);
    char *s = render(csv_fn, a, NULL, NULL);
    const char *head = "prefix,depth,keys,memory_bytes,rdb_bytes,elements,keys_with_ttl,"
                       "memory_without_ttl_bytes,values,example\r\n";
    cr_assert(eq(int, strncmp(s, head, strlen(head)), 0));
    /* a literal row: no values; its example is its key, quoted as a field */
    cr_assert(not(eq(ptr, strstr(s, "\r\n\"we,ird\"\"key\",1,1,3,0,0,0,3,,\"we,ird\"\"key\"\r\n"),
                     NULL)));
    uint64_t mem = 0, keys = 0;
    size_t rows = 0;
    char *save;
    strtok_r(s, "\n", &save); /* header */
    char *line;
    bool seen_user = false;
    size_t patterns = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        rows++;
        if (line[0] == '"')
            continue; /* the quoted test key: checked above */
        char prefix[256];
        unsigned depth;
        unsigned long long k, m;
        cr_assert(eq(int, sscanf(line, "%255[^,],%u,%llu,%llu", prefix, &depth, &k, &m), 4), "%s",
                  line);
        if (strcmp(prefix, "user") == 0)
            seen_user = true;
        if (strcmp(prefix, "user:*") == 0)
            cr_assert(seen_user, "child before parent");
        if (depth == 1) {
            mem += m;
            keys += k;
        }
        /* a pattern row: how many values its '*' took, and one of its keys
         * (which has the pattern's head) */
        char *star = strchr(prefix, '*'), *last = strrchr(prefix, ':');
        if (star && strchr(last ? last : prefix, '*')) { /* the row's own label has a '*' */
            unsigned long long vals = 0;
            char ex[256] = "";
            int got = sscanf(line, "%*[^,],%*u,%*u,%*u,%*u,%*u,%*u,%*u,~%llu,%255[^\r]", &vals, ex);
            if (got < 2)
                got = sscanf(line, "%*[^,],%*u,%*u,%*u,%*u,%*u,%*u,%*u,%llu,%255[^\r]", &vals, ex);
            cr_assert(eq(int, got, 2), "%s", line);
            cr_assert(ge(u64, vals, 1));
            cr_assert(le(u64, vals, k));
            cr_assert(eq(int, strncmp(ex, prefix, (size_t)(star - prefix)), 0), "%s", line);
            patterns++;
        }
    }
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    cr_assert(eq(u64, keys + 1, sum->all.keys));
    cr_assert(eq(u64, mem + 3, sum->all.mem_bytes));
    cr_assert(gt(sz, rows, 15));
    cr_assert(gt(sz, patterns, 2));
    free(s);
    rdbl_agg_free(a);
}
