/* `rdblens diff --format html`: one self-contained page (no script, no
 * external resources). Patterns as diverging bars around a centre line:
 * growth to the right in red, shrinkage to the left in green, so the big
 * movements of a keyspace show at a glance; then the key-level tables. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/diff.h"
#include "rdblens/report.h"

typedef struct hw {
    FILE *f;
    size_t top;
    uint64_t scale;               /* largest |change| drawn */
} hw;

static void text(hw *w, const char *s)
{
    static const char *const ent[256] = {['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
                                         ['"'] = "&quot;"};
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (ent[*p])
            fputs(ent[*p], w->f);
        else
            fputc(*p, w->f);
    }
}

static uint64_t absd(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

static const char *sign(uint64_t before, uint64_t after)
{
    return after > before ? "+" : after < before ? "-" : "";
}

static bool moved(const rdbl_diff_node *c)
{
    return c->memory_bytes_before != c->memory_bytes_after || c->keys_before != c->keys_after ||
           c->keys_with_ttl_before != c->keys_with_ttl_after;
}

static void scale_of(hw *w, const rdbl_diff_node *n, unsigned depth, size_t per)
{
    for (size_t i = 0; i < n->nchildren && i < per; i++) {
        const rdbl_diff_node *c = &n->children[i];
        uint64_t dlt = absd(c->memory_bytes_before, c->memory_bytes_after);
        if (dlt > w->scale)
            w->scale = dlt;
        if (depth < 2)
            scale_of(w, c, depth + 1, depth == 0 ? 6 : 3);
    }
}

static void bar_row(hw *w, const rdbl_diff_node *c, unsigned depth)
{
    char a[32], b[32], d[32], k1[32], k2[32], t1[32], t2[32], pct[32];
    uint64_t dlt = absd(c->memory_bytes_before, c->memory_bytes_after);
    double frac = w->scale ? (double)dlt * 100.0 / (double)w->scale : 0;
    bool grow = c->memory_bytes_after > c->memory_bytes_before;
    const char *cls = c->keys_before == 0 ? " class=\"new\"" : c->keys_after == 0 ? " class=\"gone\"" : "";
    if (c->memory_bytes_before == 0)
        snprintf(pct, sizeof pct, "%s", c->memory_bytes_after ? "new" : "");
    else if (c->memory_bytes_after == 0)
        snprintf(pct, sizeof pct, "gone");
    else
        snprintf(pct, sizeof pct, "%+.1f%%",
                 ((double)c->memory_bytes_after - (double)c->memory_bytes_before) * 100.0 /
                     (double)c->memory_bytes_before);
    fprintf(w->f, "<tr%s><td class=\"p\" style=\"padding-left:%upx\">", cls, 6 + depth * 18);
    text(w, c->prefix);
    char bar[64];
    snprintf(bar, sizeof bar, "<i style=\"width:%.1f%%\"></i>", frac > 0 && frac < 0.5 ? 0.5 : frac);
    fprintf(w->f, "</td><td class=\"bar\"><div class=\"half l\">%s</div><div class=\"half r\">%s</div></td>",
            !grow && dlt ? bar : "", grow ? bar : "");
    fprintf(w->f, "<td class=\"n %s\">%s%s</td><td class=\"n\">%s</td>", grow ? "up" : "down",
            sign(c->memory_bytes_before, c->memory_bytes_after), rdbl_fmt_bytes(d, sizeof d, dlt),
            pct);
    fprintf(w->f, "<td class=\"n\">%s &rarr; %s</td><td class=\"n\">%s &rarr; %s</td>"
                  "<td class=\"n\">%s &rarr; %s</td></tr>\n",
            rdbl_fmt_bytes(a, sizeof a, c->memory_bytes_before),
            rdbl_fmt_bytes(b, sizeof b, c->memory_bytes_after),
            rdbl_fmt_count(k1, sizeof k1, c->keys_before),
            rdbl_fmt_count(k2, sizeof k2, c->keys_after),
            rdbl_fmt_count(t1, sizeof t1, c->keys_with_ttl_before),
            rdbl_fmt_count(t2, sizeof t2, c->keys_with_ttl_after));
}

static void rows(hw *w, const rdbl_diff_node *n, unsigned depth, size_t per)
{
    for (size_t i = 0; i < n->nchildren && i < per; i++) {
        const rdbl_diff_node *c = &n->children[i];
        if (!moved(c))
            break;
        bar_row(w, c, depth);
        if (depth < 2)
            rows(w, c, depth + 1, depth == 0 ? 6 : 3);
    }
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}"
    "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}"
    ".files{color:#555;margin-bottom:16px}.cards{display:flex;gap:14px;flex-wrap:wrap}"
    ".card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:200px}"
    ".card .v{font-size:20px;font-weight:600}.card .s{color:#555}"
    "table{border-collapse:collapse;background:#fff;border:1px solid #ddd}"
    "td,th{padding:3px 8px;border-bottom:1px solid #eee;white-space:nowrap}"
    "th{background:#f0f0f0;text-align:left;font-weight:600}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}td.p{font-family:monospace}"
    "td.bar{width:360px;padding:3px 0}.half{display:inline-block;width:50%;height:14px;"
    "vertical-align:middle;position:relative}.half.l{border-right:1px solid #888}"
    ".half i{position:absolute;top:0;height:14px;display:block}"
    ".half.l i{right:0;background:#2e9d5b}.half.r i{left:0;background:#d9534f}"
    ".up{color:#b52b27}.down{color:#23794a}tr.new td.p::after{content:\" new\";color:#b52b27;"
    "font:11px sans-serif}tr.gone td.p::after{content:\" gone\";color:#23794a;font:11px sans-serif}"
    ".note{color:#666;font-size:12px;margin:6px 0}";

static void card(hw *w, const char *title, const char *v, const char *s)
{
    fputs("<div class=\"card\"><div class=\"s\">", w->f);
    text(w, title);
    fputs("</div><div class=\"v\">", w->f);
    text(w, v);
    fputs("</div><div class=\"s\">", w->f);
    text(w, s);
    fputs("</div></div>\n", w->f);
}

static void keys_table(hw *w, const rdbl_diff *d, rdbl_diff_list l, const char *title)
{
    if (!d->ntop[l])
        return;
    fprintf(w->f, "<h2>");
    text(w, title);
    fprintf(w->f, "</h2><table><tr><th>key</th><th>db</th><th>type</th><th>before</th>"
                  "<th>after</th><th>change</th></tr>\n");
    for (size_t i = 0; i < d->ntop[l] && i < w->top; i++) {
        const rdbl_diff_key *k = &d->top[l][i];
        size_t need = rdbl_escape_bytes(NULL, 0, k->key, k->key_len);
        char *key = malloc(need + 1);
        if (!key)
            return;
        rdbl_escape_bytes(key, need + 1, k->key, k->key_len);
        char a[32], b[32], c[32];
        fputs("<tr><td class=\"p\">", w->f);
        text(w, key);
        free(key);
        fprintf(w->f,
                "</td><td class=\"n\">%" PRIu64 "</td><td>%s</td><td class=\"n\">%s</td>"
                "<td class=\"n\">%s</td><td class=\"n %s\">%s%s</td></tr>\n",
                k->db, rdbl_type_name(k->type),
                l == RDBL_DIFF_ADDED ? "&ndash;"
                                     : rdbl_fmt_bytes(a, sizeof a, k->memory_bytes_before),
                l == RDBL_DIFF_REMOVED ? "&ndash;"
                                       : rdbl_fmt_bytes(b, sizeof b, k->memory_bytes_after),
                k->memory_bytes_after > k->memory_bytes_before ? "up" : "down",
                sign(k->memory_bytes_before, k->memory_bytes_after),
                rdbl_fmt_bytes(c, sizeof c, absd(k->memory_bytes_before, k->memory_bytes_after)));
    }
    fputs("</table>\n", w->f);
}

static void families(hw *w, const rdbl_diff *d, bool appeared)
{
    const rdbl_diff_node **v = NULL;
    size_t n = rdbl_diff_families(d, appeared, &v);
    if (!n)
        return;
    fprintf(w->f, "<h2>Families that %s (%zu)</h2><table><tr><th>pattern</th><th>keys</th>"
                  "<th>memory</th></tr>\n",
            appeared ? "appeared" : "vanished", n);
    for (size_t i = 0; i < n && i < w->top; i++) {
        char a[32], k[32];
        fputs("<tr><td class=\"p\">", w->f);
        text(w, v[i]->prefix);
        fprintf(w->f, "</td><td class=\"n\">%s</td><td class=\"n %s\">%s</td></tr>\n",
                rdbl_fmt_count(k, sizeof k, appeared ? v[i]->keys_after : v[i]->keys_before),
                appeared ? "up" : "down",
                rdbl_fmt_bytes(a, sizeof a,
                               appeared ? v[i]->memory_bytes_after : v[i]->memory_bytes_before));
    }
    fputs("</table>\n", w->f);
    free(v);
}

static void summary_cards(hw *w, const rdbl_diff *d)
{
    const rdbl_diff_summary *s = &d->summary;
    char a[32], b[32], c[32], v[96], sub[160];
    rdbl_fmt_bytes(a, sizeof a, s->memory_bytes_before);
    rdbl_fmt_bytes(b, sizeof b, s->memory_bytes_after);
    rdbl_fmt_bytes(c, sizeof c, absd(s->memory_bytes_before, s->memory_bytes_after));
    snprintf(v, sizeof v, "%s%s", sign(s->memory_bytes_before, s->memory_bytes_after), c);
    snprintf(sub, sizeof sub, "%s \u2192 %s", a, b);
    card(w, "Estimated memory", v, sub);
    rdbl_fmt_count(a, sizeof a, s->keys_before);
    rdbl_fmt_count(b, sizeof b, s->keys_after);
    rdbl_fmt_count(c, sizeof c, absd(s->keys_before, s->keys_after));
    snprintf(v, sizeof v, "%s%s", sign(s->keys_before, s->keys_after), c);
    snprintf(sub, sizeof sub, "%s \u2192 %s", a, b);
    card(w, "Keys", v, sub);
    if (d->key_level) {
        rdbl_fmt_count(a, sizeof a, s->keys_added);
        rdbl_fmt_count(b, sizeof b, s->keys_removed);
        snprintf(v, sizeof v, "+%s / -%s", a, b);
        rdbl_fmt_count(c, sizeof c, s->keys_removed_expired);
        snprintf(sub, sizeof sub, "%s removed had expired by the second save", c);
        card(w, "Added / removed", v, sub);
        rdbl_fmt_count(a, sizeof a, s->keys_changed);
        rdbl_fmt_count(b, sizeof b, s->keys_unchanged);
        snprintf(sub, sizeof sub, "%s unchanged", b);
        card(w, "Changed", a, sub);
        snprintf(v, sizeof v, "+%" PRIu64 " / -%" PRIu64, s->ttl_gained, s->ttl_lost);
        snprintf(sub, sizeof sub, "%" PRIu64 " encoding changes", s->encoding_changes);
        card(w, "TTL gained / lost", v, sub);
    }
}

rdbl_status rdbl_diff_write_html(FILE *out, const rdbl_diff *d, const rdbl_diff_report_opts *o)
{
    hw w = {out, o && o->top ? o->top : 30, 0};
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<title>rdblens diff</title><style>%s</style></head><body>\n", css);
    fputs("<h1>What changed between two snapshots</h1><div class=\"files\">before: ", out);
    text(&w, d->before.file);
    fputs(d->before.is_report ? " (report JSON)" : "", out);
    fputs("<br>after: ", out);
    text(&w, d->after.file);
    fputs(d->after.is_report ? " (report JSON)" : "", out);
    if (d->before.snap.redacted)
        fputs("<br><b>Redacted</b> (--redact): the variable parts of keys (ids, e-mail "
              "addresses, UUIDs, tokens) are keyed pseudonyms of the same shape, not the real "
              "keys.",
              out);
    fputs("</div>\n<div class=\"cards\">\n", out);
    summary_cards(&w, d);
    fputs("</div>\n", out);
    if (!d->key_level)
        fputs("<p class=\"note\">A report JSON input: only the pattern level is compared "
              "(each side's tree as its report folded it, joined by pattern). Key-level "
              "sections need two RDB files.</p>\n",
              out);
    fputs("<h2>Patterns by memory change</h2><p class=\"note\">Growth to the right (red), "
          "shrinkage to the left (green), scaled to the largest movement shown. Children "
          "indented under their family.</p>\n<table><tr><th>pattern</th><th>shrinkage | growth</th>"
          "<th>memory change</th><th>%</th><th>before &rarr; after</th><th>keys</th>"
          "<th>keys with TTL</th></tr>\n",
          out);
    scale_of(&w, &d->root, 0, w.top);
    rows(&w, &d->root, 0, w.top);
    fputs("</table>\n", out);
    if (d->tree_folds)
        fputs("<p class=\"note\">The node budget folded small families into (other); totals "
              "stay exact.</p>\n",
              out);
    families(&w, d, true);
    families(&w, d, false);
    if (d->key_level) {
        keys_table(&w, d, RDBL_DIFF_GROWN, "Keys that grew most");
        keys_table(&w, d, RDBL_DIFF_SHRUNK, "Keys that shrank most");
        keys_table(&w, d, RDBL_DIFF_ADDED, "Largest new keys");
        keys_table(&w, d, RDBL_DIFF_REMOVED, "Largest removed keys");
        if (d->nenc) {
            fputs("<h2>Encoding changes</h2><table><tr><th>family</th><th>type</th>"
                  "<th>before &rarr; after</th><th>keys</th><th>memory</th></tr>\n",
                  out);
            for (size_t i = 0; i < d->nenc && i < w.top; i++) {
                const rdbl_diff_enc_row *r = &d->enc[i];
                char k[32], a[32], b[32];
                fputs("<tr><td class=\"p\">", out);
                text(&w, r->family);
                fprintf(out, "</td><td>%s</td><td>", rdbl_type_name(r->type));
                text(&w, r->before);
                fputs(" &rarr; ", out);
                text(&w, r->after);
                fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s &rarr; %s</td></tr>\n",
                        rdbl_fmt_count(k, sizeof k, r->keys),
                        rdbl_fmt_bytes(a, sizeof a, r->memory_bytes_before),
                        rdbl_fmt_bytes(b, sizeof b, r->memory_bytes_after));
            }
            fputs("</table>\n", out);
        }
        if (d->nttl) {
            fputs("<h2>TTL gained / lost by family</h2><table><tr><th>family</th>"
                  "<th>gained</th><th>lost</th><th>memory that lost its TTL</th></tr>\n",
                  out);
            for (size_t i = 0; i < d->nttl && i < w.top; i++) {
                const rdbl_diff_ttl_row *r = &d->ttl[i];
                char a[32];
                fputs("<tr><td class=\"p\">", out);
                text(&w, r->family);
                fprintf(out, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n down\">%" PRIu64
                             "</td><td class=\"n\">%s</td></tr>\n",
                        r->gained, r->lost, rdbl_fmt_bytes(a, sizeof a, r->lost_bytes));
            }
            fputs("</table>\n", out);
        }
    }
    fputs("</body></html>\n", out);
    return ferror(out) ? RDBL_IO : RDBL_OK;
}
