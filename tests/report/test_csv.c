/* CSV prefix table (src/report/csv.c): header, RFC 4180 rows, parents before
 * children, depth-1 rows adding up to the summary. */
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
    cr_assert(eq(int, strncmp(s, "prefix,depth,keys,memory_bytes,rdb_bytes,elements,keys_with_ttl,"
                                 "memory_without_ttl_bytes\r\n", 89), 0));
    cr_assert(not(eq(ptr, strstr(s, "\r\n\"we,ird\"\"key\",1,1,3,"), NULL)));
    uint64_t mem = 0, keys = 0;
    size_t rows = 0;
    char *save;
    strtok_r(s, "\n", &save); /* header */
    char *line;
    bool seen_user = false;
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
    }
    const rdbl_summary *sum = rdbl_tables_agg_summary(rdbl_agg_tables(a));
    cr_assert(eq(u64, keys + 1, sum->all.keys));
    cr_assert(eq(u64, mem + 3, sum->all.mem_bytes));
    cr_assert(gt(sz, rows, 15));
    free(s);
    rdbl_agg_free(a);
}
