/* Text report (src/report/text.c): no line wider than the terminal (display
 * columns: UTF-8 aware, wide characters count 2), even with long, binary and
 * CJK keys; the lines that matter come first. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/diff.h"
#include "report_fixture.h"

static unsigned cols_of(const char *s, size_t n)
{
    unsigned w = 0;
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t k;
        if (p[i] < 0x80) {
            c = p[i];
            k = 1;
        } else if ((p[i] & 0xe0) == 0xc0) {
            c = (uint32_t)(p[i] & 0x1f) << 6 | (p[i + 1] & 0x3f);
            k = 2;
        } else if ((p[i] & 0xf0) == 0xe0) {
            c = (uint32_t)(p[i] & 0x0f) << 12 | (uint32_t)(p[i + 1] & 0x3f) << 6 | (p[i + 2] & 0x3f);
            k = 3;
        } else {
            c = (uint32_t)(p[i] & 0x07) << 18 | (uint32_t)(p[i + 1] & 0x3f) << 12 |
                (uint32_t)(p[i + 2] & 0x3f) << 6 | (p[i + 3] & 0x3f);
            k = 4;
        }
        cr_assert(c >= 0x20 && c != 0x7f, "control character U+%04x in the text report", c);
        bool wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
                    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
                    (c >= 0xff00 && c <= 0xff60) || (c >= 0x1f300 && c <= 0x1f64f) ||
                    (c >= 0x20000 && c <= 0x3fffd);
        w += wide ? 2 : 1;
        i += k;
    }
    return w;
}

static void check_width(const char *s, unsigned width)
{
    const char *line = s;
    unsigned max = 0;
    size_t lines = 0;
    while (*line) {
        const char *nl = strchr(line, '\n');
        cr_assert(nl != NULL, "last line without newline");
        unsigned w = cols_of(line, (size_t)(nl - line));
        cr_assert(le(u32, w, width), "line %zu is %u columns: %.*s", lines + 1, w,
                  (int)(nl - line), line);
        if (w > max)
            max = w;
        line = nl + 1;
        lines++;
    }
    cr_assert(gt(sz, lines, 50));
    cr_assert(ge(u32, max, width - 2)); /* tables use the width they have */
}

static rdbl_agg *nasty(void)
{
    rdbl_agg *a = fixture(31, 0, 5000, 1, "/a/rather/long/path/to/the/backups/of/cluster-node-17/dump.rdb");
    const char *keys[] = {
        "\xe7\x94\xa8\xe6\x88\xb7:\xe8\xb4\xad\xe7\x89\xa9\xe8\xbd\xa6:\xe5\x95\x86\xe5\x93\x81"
        "\xe5\x88\x97\xe8\xa1\xa8\xe8\xbf\x99\xe6\x98\xaf\xe4\xb8\x80\xe4\xb8\xaa\xe5\xbe\x88\xe9"
        "\x95\xbf\xe7\x9a\x84\xe9\x94\xae\xe5\x90\x8d\xe5\xad\x97\xe7\x94\xa8\xe6\x88\xb7\xe8\xb4"
        "\xad\xe7\x89\xa9\xe8\xbd\xa6\xe5\x95\x86\xe5\x93\x81\xe5\x88\x97\xe8\xa1\xa8",
        "bin\x01\x02\x03\xff\xfe:\x1b[31mred\x1b[0m:\r\n",
        "emoji:\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
        "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f"
        "\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
        "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80",
    };
    for (size_t i = 0; i < 3; i++) {
        rdbl_key_facts f;
        rdbl_key_facts_init(&f);
        f.key.ptr = (const uint8_t *)keys[i];
        f.key.len = strlen(keys[i]);
        f.type = RDBL_TYPE_HASH;
        f.mem_encoding = "hashtable";
        f.elements = 123456789;
        f.mem_bytes = (5ULL << 30) + i;
        f.has_expire = true;
        f.expire_ms = GEN_NOW_MS + 86400000LL * 400;
        rdbl_agg_add(a, &f);
    }
    char longkey[3000];
    memset(longkey, 'x', sizeof longkey);
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.key.ptr = (const uint8_t *)longkey;
    f.key.len = sizeof longkey;
    f.mem_bytes = 6ULL << 30;
    rdbl_agg_add(a, &f);
    const char *lib = "a_function_library_with_a_long_name_that_goes_on_and_on_and_on_and_on";
    rdbl_str fn = {(const uint8_t *)lib, strlen(lib)};
    rdbl_str en = {(const uint8_t *)"LUA", 3};
    rdbl_agg_add_function(a, fn, en, 1 << 20);
    return a;
}

Test(text, width_100)
{
    rdbl_agg *a = nasty();
    char *s = render(rdbl_report_text, a, NULL, NULL);
    check_width(s, 100);
    /* the key facts lead */
    const char *kf = strstr(s, "KEY FACTS");
    cr_assert(kf != NULL);
    cr_assert(lt(sz, (size_t)(kf - s), 1000));
    cr_assert(not(eq(ptr, strstr(s, "Estimated memory"), NULL)));
    cr_assert(not(eq(ptr, strstr(s, "Server used-mem at save"), NULL)));
    cr_assert(not(eq(ptr, strstr(s, "TOP PREFIXES"), NULL)));
    cr_assert(not(eq(ptr, strstr(s, "ADVICE"), NULL)));
    cr_assert(lt(sz, (size_t)(strstr(s, "TOP KEYS by memory") - s), (size_t)(strstr(s, "DATABASES") - s)));
    /* binary keys are escaped, never raw */
    cr_assert(eq(ptr, strchr(s, '\x1b'), NULL));
    cr_assert(eq(ptr, strchr(s, '\r'), NULL));
    free(s);
    rdbl_agg_free(a);
}

Test(text, width_80_and_wide)
{
    rdbl_agg *a = nasty();
    rdbl_report_opts o = {0};
    o.width = 80;
    char *s = render(rdbl_report_text, a, &o, NULL);
    check_width(s, 80);
    free(s);
    o.width = 160;
    o.top = 30;
    s = render(rdbl_report_text, a, &o, NULL);
    check_width(s, 160);
    free(s);
    rdbl_agg_free(a);
}

Test(text, empty_aggregate)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    char *s = render(rdbl_report_text, a, NULL, NULL);
    cr_assert(strstr(s, "rdblens ") == s);
    cr_assert(not(eq(ptr, strstr(s, "Nothing to report"), NULL)));
    free(s);
    rdbl_agg_free(a);
}

static void add_access(rdbl_agg *a, const char *key, int64_t idle, int freq, uint64_t mem)
{
    rdbl_key_facts f = gen_access_fact(key, idle, freq, mem);
    cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
}

/* The cold-memory total leads (KEY FACTS) and heads ACCESS, with the
 * largest cold keys: idle >= 30 days under LRU, counter 0 under LFU. */
Test(text, cold_memory_total)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    add_access(a, "cart:1", 40 * 86400, -1, 3000);
    add_access(a, "cart:2", 31 * 86400, -1, 1000);
    add_access(a, "session:9", 60, -1, 4000);
    char *s = render(rdbl_report_text, a, NULL, NULL);
    char *kf = strstr(s, "  Cold memory                3.91 KiB (50.0%) in 2 keys idle for 30.0 d or more");
    cr_assert(not(eq(ptr, kf, NULL)), "%s", s);
    char *ac = strstr(s, "ACCESS");
    cr_assert(not(eq(ptr, ac, NULL)));
    cr_assert(not(eq(ptr, strstr(ac, "Cold memory: 3.91 KiB (50.0%) in 2 keys"), NULL)));
    char *lc = strstr(ac, "Largest cold keys (idle time):\n");
    cr_assert(not(eq(ptr, lc, NULL)), "%s", ac);
    cr_assert(not(eq(ptr, strstr(lc, "40.0 d  cart:1 (2.93 KiB)\n"), NULL)), "%s", lc);
    cr_assert(eq(ptr, strstr(lc, "session:9"), NULL));
    free(s);
    rdbl_agg_free(a);

    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    add_access(a, "leaderboard:global", -1, 250, 9000);
    add_access(a, "cache:views/a", -1, 0, 1000);
    s = render(rdbl_report_text, a, NULL, NULL);
    cr_assert(not(eq(ptr, strstr(s, "Cold memory                1000 B (10.0%) in 1 key at LFU counter 0"), NULL)), "%s", s);
    lc = strstr(s, "Largest cold keys (LFU counter):\n");
    cr_assert(not(eq(ptr, lc, NULL)));
    cr_assert(not(eq(ptr, strstr(lc, "cache:views/a"), NULL)));
    cr_assert(eq(ptr, strstr(lc, "leaderboard"), NULL));
    free(s);
    rdbl_agg_free(a);

    /* no LRU/LFU data: no cold line at all */
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    add_access(a, "plain", -1, -1, 100);
    s = render(rdbl_report_text, a, NULL, NULL);
    cr_assert(eq(ptr, strstr(s, "Cold memory"), NULL));
    cr_assert(not(eq(ptr, strstr(s, "carries no LRU/LFU data"), NULL)));
    free(s);
    rdbl_agg_free(a);
}

/* A family deeper than the three levels the text shows: its last shown row
 * gives an example key, so the rest of the shape is visible
 * (spring:session:sessions:<uuid>, Rails' _session_id:2::<hash>). */
Test(text, example_under_a_cut_row)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    char key[96];
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "spring:session:sessions:%08x-5e0f-42fb-bd0e-02188f70c%03d",
                 0x1000u * (unsigned)i + 7u, i);
        rdbl_key_facts f;
        rdbl_key_facts_init(&f);
        f.key.ptr = (const uint8_t *)key;
        f.key.len = strlen(key);
        f.type = RDBL_TYPE_HASH;
        f.mem_encoding = "listpack";
        f.mem_bytes = 300;
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
    }
    char *s = render(rdbl_report_text, a, NULL, NULL);
    const char *row = strstr(s, "spring:session:sessions ");
    cr_assert(row != NULL, "%s", s);
    const char *nl = strchr(row, '\n');
    cr_assert(nl && strncmp(strstr(nl, "e.g."), "e.g. spring:session:sessions:", 29) == 0 &&
                  strstr(nl, "e.g.") < strchr(nl + 1, '\n'),
              "no example under the last shown row:\n%s", s);
    free(s);
    rdbl_agg_free(a);
}

/* Keys of one family share a long head and differ at their end: a key cut
 * in the top lists keeps its tail, so the rows stay apart; no line passes
 * the width. */
Test(text, cut_keys_keep_their_tail)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    static const char *const who[] = {"cedar1", "cedar32", "echo16", "falcon40", "river7"};
    char key[160];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key,
                 "spring:session:index:org.springframework.session.FindByIndexNameSessionRepository"
                 ".PRINCIPAL_NAME_INDEX_NAME:%s",
                 who[i]);
        rdbl_key_facts f;
        rdbl_key_facts_init(&f);
        f.key.ptr = (const uint8_t *)key;
        f.key.len = strlen(key);
        f.type = RDBL_TYPE_SET;
        f.mem_encoding = "hashtable";
        f.mem_bytes = 700 + (uint64_t)i;
        f.elements = 10;
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
    }
    char *s = render(rdbl_report_text, a, NULL, NULL);
    const char *top = strstr(s, "TOP KEYS by memory");
    cr_assert(top != NULL, "%s", s);
    const char *end = strstr(top, "\nTTL");
    cr_assert(end != NULL);
    for (int i = 0; i < 5; i++) {
        /* each key's own ending, in a row of the table (one row per key) */
        char tail[40];
        snprintf(tail, sizeof tail, ":%s ", who[i]);
        const char *hit = strstr(top, tail);
        cr_assert(hit != NULL && hit < end, "no row ends in %s:\n%s", who[i], top);
    }
    check_width(s, 100);
    free(s);
    rdbl_agg_free(a);
}

/* diff's text headline groups every count's thousands, as the report does
 * ("changed: 218974 value" beside "1,893,727 -> ..." read as two styles). */
Test(text, diff_headline_groups_thousands)
{
    rdbl_diff d;
    memset(&d, 0, sizeof d);
    strcpy(d.before.file, "a.rdb");
    strcpy(d.after.file, "b.rdb");
    d.key_level = true;
    d.summary.keys_before = 1893727;
    d.summary.keys_after = 1900001;
    d.summary.keys_changed = 222562;
    d.summary.changed_value = 218974;
    d.summary.changed_expiry = 3588;
    d.summary.keys_grown = 120000;
    d.summary.keys_shrunk = 98974;
    d.summary.ttl_gained = 12345;
    d.summary.encoding_changes = 1001;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(f != NULL);
    rdbl_diff_report_opts o = {10, 0};
    cr_assert(eq(int, rdbl_diff_write_text(f, &d, &o), RDBL_OK));
    fclose(f);
    cr_expect(not(eq(ptr, strstr(buf, "changed: 218,974 value, 3,588 expiry, 0 type; of the new "
                                      "values 120,000 are bigger, 98,974 smaller"),
                     NULL)),
              "%s", buf);
    cr_expect(not(eq(ptr, strstr(buf, "12,345 keys gained a TTL, 0 lost theirs; 1,001 changed "
                                      "encoding"),
                     NULL)),
              "%s", buf);
    free(buf);
}
