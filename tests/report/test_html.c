/* HTML report (src/report/html.c): self-contained (no external URL), and it
 * renders in headless Chromium without script errors, with one treemap box
 * per top-level prefix (the page's script writes data-boxes / data-status
 * on <body>; --dump-dom shows them). Zooming by #p=<prefix> shows that
 * prefix's children. Skipped when Chromium is not installed. */
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

/* Runs the browser on file://path#hash and returns the <body ...> tag. */
static char *dump_body(const char *browser, const char *path, const char *hash)
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
    char *b = strstr(dom, "<body");
    cr_assert(b != NULL, "no <body> in the dumped DOM (%zu bytes)", n);
    char *e = strchr(b, '>');
    cr_assert(e != NULL);
    char *tag = strndup(b, (size_t)(e - b + 1));
    free(dom);
    return tag;
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
    char dir[] = "/tmp/rdbl-html-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/report.html", dir);
    FILE *out = fopen(path, "w");
    cr_assert(out != NULL);
    fwrite(html, 1, len, out);
    fclose(out);

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

    unlink(path);
    rmdir(dir);
    free(html);
    rdbl_agg_free(a);
}

Test(html, empty_aggregate_renders, .timeout = 120)
{
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, NULL), RDBL_OK));
    size_t len;
    char *html = render(rdbl_report_html, a, NULL, &len);
    no_external_urls(html);
    const char *browser = chromium();
    if (!browser) {
        free(html);
        rdbl_agg_free(a);
        cr_skip("chromium is not installed: HTML not rendered");
    }
    char dir[] = "/tmp/rdbl-html-XXXXXX";
    cr_assert(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/empty.html", dir);
    FILE *out = fopen(path, "w");
    fwrite(html, 1, len, out);
    fclose(out);
    char *body = dump_body(browser, path, "");
    cr_assert(not(eq(ptr, strstr(body, "data-status=\"ok\""), NULL)), "page failed: %s", body);
    cr_assert(eq(i64, attr(body, "data-boxes"), 0));
    free(body);
    unlink(path);
    rmdir(dir);
    free(html);
    rdbl_agg_free(a);
}
