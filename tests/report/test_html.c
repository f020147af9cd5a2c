/* HTML report (src/report/html.c): self-contained (no external URL), and it
 * renders in headless Chromium without script errors, with one treemap box
 * per top-level prefix (the page's script writes data-boxes / data-status /
 * data-height on <body>; --dump-dom shows them). Zooming by #p=<prefix> shows
 * that prefix's children. Every section of the text report is on the page;
 * hostile keys (</script>, markup, control bytes, bidi overrides) stay text;
 * the page height does not grow with the number of prefixes or keys.
 * Skipped when Chromium is not installed. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_fixture.h"

static const char *chromium(void)
{
    static const char *const c[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                    "/usr/bin/google-chrome"};
    for (size_t i = 0; i < 3; i++)
        if (access(c[i], X_OK) == 0)
            return c[i];
    return NULL;
}

/* Runs the browser on file://path#hash and returns the DOM after the scripts ran. */
static char *dump_dom(const char *browser, const char *path, const char *hash)
{
    char prof[] = "/tmp/rdbl-chrome-XXXXXX";
    cr_assert(mkdtemp(prof) != NULL);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "timeout 90 %s --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--user-data-dir=%s --window-size=1280,1000 --dump-dom 'file://%s%s' 2>/dev/null; "
             "rm -rf %s",
             browser, prof, path, hash, prof);
    FILE *p = popen(cmd, "r");
    cr_assert(p != NULL);
    size_t cap = 1 << 20, n = 0;
    char *dom = malloc(cap);
    size_t k;
    while ((k = fread(dom + n, 1, cap - n - 1, p)) > 0) {
        n += k;
        if (n + 1 == cap) {
            cap *= 2;
            dom = realloc(dom, cap);
        }
    }
    dom[n] = 0;
    pclose(p);
    return dom;
}

/* The <body ...> tag of a dumped DOM. */
static char *body_tag(const char *dom)
{
    const char *b = strstr(dom, "<body");
    cr_assert(b != NULL, "no <body> in the dumped DOM (%zu bytes)", strlen(dom));
    const char *e = strchr(b, '>');
    cr_assert(e != NULL);
    return strndup(b, (size_t)(e - b + 1));
}

static char *dump_body(const char *browser, const char *path, const char *hash)
{
    char *dom = dump_dom(browser, path, hash);
    char *tag = body_tag(dom);
    free(dom);
    return tag;
}

/* Writes html to a fresh temporary directory; path gets the file's path. */
static void write_page(const char *html, size_t len, char *path, size_t cap)
{
    char dir[] = "/tmp/rdbl-html-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    snprintf(path, cap, "%s/report.html", dir);
    FILE *out = fopen(path, "w");
    cr_assert(out != NULL);
    cr_assert(eq(sz, fwrite(html, 1, len, out), len));
    cr_assert(eq(int, fclose(out), 0));
}

static void remove_page(const char *path)
{
    unlink(path);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    *strrchr(dir, '/') = 0;
    rmdir(dir);
}

/* A page rendered and loaded in the browser: its HTML, file, DOM and <body> tag. */
typedef struct page {
    char *html, *dom, *body;
    size_t len;
    char path[256];
} page;

/* Renders a and loads it; false when there is no browser (pg->html is set
 * either way). The page's script must have finished without an error. */
static bool page_load(page *pg, const rdbl_agg *a, const rdbl_report_opts *o)
{
    memset(pg, 0, sizeof *pg);
    pg->html = render(rdbl_report_html, a, o, &pg->len);
    const char *browser = chromium();
    if (!browser)
        return false;
    write_page(pg->html, pg->len, pg->path, sizeof pg->path);
    pg->dom = dump_dom(browser, pg->path, "");
    pg->body = body_tag(pg->dom);
    cr_assert(not(eq(ptr, strstr(pg->body, "data-status=\"ok\""), NULL)), "page failed: %s",
              pg->body);
    return true;
}

static void page_free(page *pg)
{
    if (pg->path[0])
        remove_page(pg->path);
    free(pg->html);
    free(pg->dom);
    free(pg->body);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static long attr(const char *tag, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "%s=\"", name);
    const char *p = strstr(tag, pat);
    cr_assert(p != NULL, "no %s in %s", name, tag);
    return strtol(p + strlen(pat), NULL, 10);
}

static void no_external_urls(const char *html)
{
    static const char *const bad[] = {"src=\"http", "href=\"http", "src='http", "href='http",
                                      "url(http", "@import", "src=\"//", "href=\"//"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert(eq(ptr, strstr(html, bad[i]), NULL), "external reference: %s", bad[i]);
    /* the only URL-like string is the SVG namespace name (never fetched) */
    const char *p = html;
    while ((p = strstr(p, "http")) != NULL) {
        cr_assert(strncmp(p, "http://www.w3.org/2000/svg", 26) == 0, "URL in page: %.40s", p);
        p += 4;
    }
}

Test(html, renders_in_chromium, .timeout = 240)
{
    rdbl_agg *a = fixture(41, 0, 20000, 1, "dump.rdb");
    /* a key that tries to close the script tag */
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    const char *evil = "evil</script><script>alert(1)</script>\xe2\x80\xa8";
    f.key.ptr = (const uint8_t *)evil;
    f.key.len = strlen(evil);
    f.mem_bytes = 1ULL << 40;
    rdbl_agg_add(a, &f);
    size_t len;
    char *html = render(rdbl_report_html, a, NULL, &len);
    cr_assert(gt(sz, len, 10000));
    cr_assert(eq(ptr, strstr(html, "evil</script>"), NULL));
    no_external_urls(html);
    size_t top = rdbl_prefix_agg_children(rdbl_agg_prefix(a), RDBL_PREFIX_ROOT, NULL, 0);
    cr_assert(eq(sz, top, 8)); /* lb queue profile cache session user tags evil<... */

    const char *browser = chromium();
    if (!browser) {
        free(html);
        rdbl_agg_free(a);
        cr_skip("chromium is not installed (apt-get install chromium): HTML not rendered");
    }
    char path[256];
    write_page(html, len, path, sizeof path);
    char *body = dump_body(browser, path, "");
    cr_assert(not(eq(ptr, strstr(body, "data-status=\"ok\""), NULL)), "page failed: %s", body);
    cr_assert(eq(i64, attr(body, "data-boxes"), (long)top));
    cr_assert(eq(i64, attr(body, "data-depth"), 0));
    free(body);

    /* zoomed into user:* (children: the four field names) */
    body = dump_body(browser, path, "#p=user%3A*");
    cr_assert(not(eq(ptr, strstr(body, "data-status=\"ok\""), NULL)), "page failed: %s", body);
    cr_assert(eq(i64, attr(body, "data-depth"), 2));
    cr_assert(eq(i64, attr(body, "data-boxes"), 4));
    free(body);

    remove_page(path);
    free(html);
    rdbl_agg_free(a);
}

/* Everything the text report has is on the page: hot and cold keys with the
 * cold-memory total, size distribution, used_memory estimates, allocator,
 * warnings, advice, TTLs, tables. */
Test(html, sections_of_the_text_report, .timeout = 240)
{
    rdbl_agg *a = fixture(41, 0, 20000, 1, NULL);
    rdbl_snapshot snap;
    gen_snapshot(&snap, "dump.rdb");
    snprintf(snap.allocator_source, sizeof snap.allocator_source, "calibrated");
    snprintf(snap.allocator_reason, sizeof snap.allocator_reason, "jemalloc-q8: the closest");
    snprintf(snap.target_note, sizeof snap.target_note, "redis-7.2 is not verified");
    cr_assert(eq(int, rdbl_agg_add_snapshot(a, &snap), RDBL_OK));
    char cold[64];
    const rdbl_access_summary *as = rdbl_access_agg_summary(rdbl_agg_access(a));
    cr_assert(gt(u64, as->cold.keys, 0));
    char b[32];
    rdbl_fmt_bytes(b, sizeof b, as->cold.mem_bytes);
    char *sp = strchr(b, ' '); /* the page keeps number and unit together */
    cr_assert(sp != NULL);
    *sp = 0;
    snprintf(cold, sizeof cold, "%s&nbsp;%s", b, sp + 1);
    page pg;
    if (!page_load(&pg, a, NULL)) {
        page_free(&pg);
        rdbl_agg_free(a);
        cr_skip("chromium is not installed: HTML not rendered");
    }
    const char *dom = pg.dom;
    static const char *const want[] = {
        "Memory by key prefix", "Advice", "Memory estimates", "allocated (estimate)",
        "Server used_memory at save", "Hot and cold keys", "largest cold keys",
        "hottest keys", "TTL distribution", "Expiry clusters", "Top keys", "Prefixes",
        "Types and encodings", "Size distribution", "Databases",
        "Memory model redis-7.2, allocator jemalloc-q8 (calibrated against the used-mem",
        "jemalloc-q8: the closest", "Cold memory", "Read this first",
        "dump.rdb: redis-7.2 is not verified.",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(not(eq(ptr, strstr(dom, want[i]), NULL)), "missing on the page: %s", want[i]);
    /* the cold-memory total (idle >= 30 d here: the fixture's idle keys reach 60 d) */
    char needle[128];
    snprintf(needle, sizeof needle, "Cold memory: %s", cold);
    cr_assert(not(eq(ptr, strstr(dom, needle), NULL)), "no \"%s\" on the page", needle);
    page_free(&pg);
    rdbl_agg_free(a);
}

/* Keys are hostile: no key can close the data script, become markup, hide or
 * reorder text (bidi overrides, U+2028), or carry a raw control byte. */
Test(html, hostile_keys_stay_text, .timeout = 240)
{
    rdbl_agg *a = fixture(7, 0, 2000, 1, "dump.rdb");
    static const char *const keys[] = {
        "evil</script><script>document.body.setAttribute('data-pwned','1')</script>",
        "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">:&amp;:x",
        "ctl\x01\x1b[31mred\x7f\xff\xfe:\r\n:end",
        "bidi:\xe2\x80\xae" "resu\xe2\x80\xac:\xe2\x81\xa6" "admin\xe2\x81\xa9:\xe2\x80\xa8" "line",
        "</SCRIPT><!--",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        rdbl_key_facts f = gen_access_fact(keys[i], 90 * 86400, -1, (100ULL << 20) + i);
        f.type = RDBL_TYPE_HASH;
        f.mem_encoding = "hashtable";
        f.elements = 100000;
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
    }
    page pg;
    bool loaded = page_load(&pg, a, NULL);
    const char *html = pg.html;
    /* exactly the page's own two script elements close */
    cr_assert(eq(sz, count(html, "</script>"), 2));
    cr_assert(eq(sz, count(html, "</SCRIPT>"), 0));
    cr_assert(eq(ptr, strstr(html, "<img"), NULL));
    cr_assert(eq(ptr, strstr(html, "<!--"), NULL));
    cr_assert(eq(ptr, strchr(html, '\x1b'), NULL));
    cr_assert(eq(ptr, strchr(html, '\x01'), NULL));
    no_external_urls(html);
    if (!loaded) {
        page_free(&pg);
        rdbl_agg_free(a);
        cr_skip("chromium is not installed: HTML not rendered");
    }
    char *dom = pg.dom, *body = pg.body;
    cr_assert(eq(ptr, strstr(body, "data-pwned"), NULL), "a key ran script: %s", body);
    cr_assert(eq(ptr, strstr(dom, "<img"), NULL));
    /* the keys are on the page as text: in the top keys, cold keys, advice */
    cr_assert(ge(sz, count(dom, "evil&lt;/script&gt;&lt;script&gt;"), 2));
    /* bidi controls and U+2028 are shown escaped (and marked), never raw */
    cr_assert(not(eq(ptr, strstr(dom, "bidi:<span class=\"esc\">"), NULL)));
    cr_assert(not(eq(ptr, strstr(dom, "</span>resu<span class=\"esc\">"), NULL)));
    char *js = strstr(dom, "<script>");
    cr_assert(not(eq(ptr, js, NULL)));
    static const char *const raw[] = {"\xe2\x80\xae", "\xe2\x80\xac", "\xe2\x81\xa6",
                                      "\xe2\x81\xa9", "\xe2\x80\xa8", "\x1b"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        const char *hit = strstr(dom, raw[i]);
        cr_assert(hit == NULL || hit > js, "raw control %zu in the rendered page", i);
    }
    /* control bytes as \xNN escapes, marked as escapes */
    cr_assert(not(eq(ptr, strstr(dom, "<span class=\"esc\">\\x01</span>"), NULL)));
    page_free(&pg);
    rdbl_agg_free(a);
}

/* A keyspace with thousands of prefixes and 1000 top keys makes a page about
 * as tall as a small one: long tables are paged (20 rows and a pager). */
Test(html, page_height_bounded, .timeout = 300)
{
    const char *browser = chromium();
    if (!browser)
        cr_skip("chromium is not installed: HTML not rendered");
    long heights[2];
    for (int big = 0; big < 2; big++) {
        rdbl_agg *a = fixture(41, 0, 2000, 1, "dump.rdb");
        size_t extra = big ? 4000 : 10;
        for (size_t i = 0; i < extra; i++) {
            /* letters only: no id folding, one top-level prefix per key family */
            char key[96], fam[8];
            size_t x = i;
            for (int k = 0; k < 4; k++, x /= 26)
                fam[k] = (char)('a' + x % 26);
            fam[4] = 0;
            snprintf(key, sizeof key, "svc%s:config:feature-flag-with-a-rather-long-name-%s", fam,
                     fam);
            rdbl_key_facts f = gen_access_fact(key, -1, 0, 1000 + i);
            f.type = RDBL_TYPE_STRING;
            f.mem_encoding = "raw";
            f.elements = 1;
            cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
        }
        rdbl_report_opts o = {0};
        o.top = 1000;
        page pg;
        cr_assert(page_load(&pg, a, &o));
        const char *dom = pg.dom, *body = pg.body;
        heights[big] = attr(body, "data-height");
        if (big) {
            /* top keys (100 kept) and prefixes (the page's tree: 200 per level) paged */
            cr_assert(not(eq(ptr, strstr(dom, "rows 1\xe2\x80\x93" "15 of 100"), NULL)));
            cr_assert(not(eq(ptr, strstr(dom, "rows 1\xe2\x80\x93" "20 of "), NULL)));
            /* the treemap draws readable boxes and one "(N smaller)" for the rest */
            cr_assert(le(i64, attr(body, "data-boxes"), 400));
            cr_assert(not(eq(ptr, strstr(dom, " smaller)"), NULL)));
        }
        page_free(&pg);
        rdbl_agg_free(a);
    }
    cr_assert(lt(i64, heights[0], 9000), "small page: %ld px", heights[0]);
    cr_assert(lt(i64, heights[1], heights[0] + 800), "%ld px against %ld px", heights[1],
              heights[0]);
}

Test(html, empty_aggregate_renders, .timeout = 120)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    page pg;
    bool loaded = page_load(&pg, a, NULL);
    no_external_urls(pg.html);
    if (loaded)
        cr_assert(eq(i64, attr(pg.body, "data-boxes"), 0));
    page_free(&pg);
    rdbl_agg_free(a);
    if (!loaded)
        cr_skip("chromium is not installed: HTML not rendered");
}

/* --salvage: the holes a file was read past are on the page, a section with
 * each stretch's start and end offset, bytes skipped, database and the last
 * key read whole before it, and a warning up front. */
Test(html, salvage_holes_section, .timeout = 240)
{
    rdbl_agg *a = fixture(41, 0, 2000, 1, NULL);
    rdbl_snapshot snap;
    gen_snapshot(&snap, "damaged.rdb");
    snap.status = RDBL_CORRUPT;
    snap.holes = 2;
    snap.hole_bytes = 478640 + 38205;
    snap.damaged_keys = 1;
    snap.nholes = 2;
    snap.hole[0] = (rdbl_snapshot_hole){270293, 748933, 0, true, false, "counter:cxfxdk:20237408"};
    snap.hole[1] = (rdbl_snapshot_hole){819186, 857391, 3, false, true, "feature:xxjvivih"};
    cr_assert(eq(int, rdbl_agg_add_snapshot(a, &snap), RDBL_OK));
    page pg;
    if (!page_load(&pg, a, NULL)) {
        page_free(&pg);
        rdbl_agg_free(a);
        cr_skip("chromium is not installed: HTML not rendered");
    }
    /* shown, with its rows (the numbers as the page formats them) */
    cr_assert(not(eq(ptr, strstr(pg.dom, "<section id=\"holes\" style=\"display: block;\">"),
                     NULL)),
              "the holes section is not shown");
    static const char *const want[] = {
        "Damaged stretches (--salvage)", "Start offset", "End offset", "Bytes skipped",
        "Last key read whole before it", "270,293", "748,933", "478,640", "819,186",
        "857,391", "38,205", "counter:cxfxdk:20237408", "feature:xxjvivih",
        "the key it broke kept damaged", "to the end of the file",
        "damaged.rdb was read past 2 damaged stretches (--salvage)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        cr_assert(not(eq(ptr, strstr(pg.dom, want[i]), NULL)), "missing on the page: %s",
                  want[i]);
    page_free(&pg);
    rdbl_agg_free(a);

    /* a clean file: no such section shown */
    a = fixture(41, 0, 2000, 1, "clean.rdb");
    if (page_load(&pg, a, NULL))
        cr_assert(not(eq(ptr, strstr(pg.dom, "<section id=\"holes\" style=\"display:none\">"),
                         NULL)),
                  "a holes section on a clean file's page");
    page_free(&pg);
    rdbl_agg_free(a);
}
