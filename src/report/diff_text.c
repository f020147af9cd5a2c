/* `rdblens diff` as text: a headline (keys and memory before -> after,
 * what happened to the keys), then the biggest movements: patterns by
 * absolute memory change, families that appeared or vanished, the keys
 * that grew, shrank, came and went, encoding changes and TTLs gained/lost. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rdblens/diff.h"
#include "rdblens/report.h"

typedef struct tw {
    FILE *out;
    size_t top;
} tw;

/* "+1.5 MiB" / "-512 B" / "0 B" (fmt: rdbl_fmt_bytes or rdbl_fmt_count) */
static char *fmt_delta(char *buf, size_t cap, uint64_t before, uint64_t after,
                       char *(*fmt)(char *, size_t, uint64_t))
{
    char b[24];
    uint64_t m = after >= before ? after - before : before - after;
    fmt(b, sizeof b, m);
    snprintf(buf, cap, "%s%s", m == 0 ? "" : after > before ? "+" : "-", b);
    return buf;
}

static char *fmt_delta_bytes(char *buf, size_t cap, uint64_t before, uint64_t after)
{
    return fmt_delta(buf, cap, before, after, rdbl_fmt_bytes);
}

static char *fmt_delta_count(char *buf, size_t cap, uint64_t before, uint64_t after)
{
    return fmt_delta(buf, cap, before, after, rdbl_fmt_count);
}

static char *fmt_pct(char *buf, size_t cap, uint64_t before, uint64_t after)
{
    if (before == 0)
        snprintf(buf, cap, "%s", after ? "new" : "");
    else if (after == 0)
        snprintf(buf, cap, "gone");
    else
        snprintf(buf, cap, "%+.1f%%", ((double)after - (double)before) * 100.0 / (double)before);
    return buf;
}

static void headline(tw *t, const rdbl_diff *d)
{
    const rdbl_diff_summary *s = &d->summary;
    char a[32], b[32], c[32], p[32];
    fprintf(t->out, "rdblens diff\n  before  %s%s\n  after   %s%s\n\n", d->before.file,
            d->before.is_report ? "  (report JSON)" : "", d->after.file,
            d->after.is_report ? "  (report JSON)" : "");
    if (d->before.snap.redacted)
        fprintf(t->out, "REDACTED: the variable parts of keys (ids, e-mail addresses, UUIDs, "
                        "tokens) are keyed\npseudonyms of the same shape, not the real keys\n\n");
    fprintf(t->out, "Memory  %s -> %s  (%s, %s)\n",
            rdbl_fmt_bytes(a, sizeof a, s->memory_bytes_before),
            rdbl_fmt_bytes(b, sizeof b, s->memory_bytes_after),
            fmt_delta_bytes(c, sizeof c, s->memory_bytes_before, s->memory_bytes_after),
            fmt_pct(p, sizeof p, s->memory_bytes_before, s->memory_bytes_after));
    fprintf(t->out, "Keys    %s -> %s  (%s, %s)\n", rdbl_fmt_count(a, sizeof a, s->keys_before),
            rdbl_fmt_count(b, sizeof b, s->keys_after),
            fmt_delta_count(c, sizeof c, s->keys_before, s->keys_after),
            fmt_pct(p, sizeof p, s->keys_before, s->keys_after));
    if (d->key_level) {
        char x[32], y[32], z[32], u[32];
        fprintf(t->out, "        %s added, %s removed", rdbl_fmt_count(x, sizeof x, s->keys_added),
                rdbl_fmt_count(y, sizeof y, s->keys_removed));
        if (s->keys_removed_expired)
            fprintf(t->out, " (%s of them had expired by the second save)",
                    rdbl_fmt_count(u, sizeof u, s->keys_removed_expired));
        fprintf(t->out, ", %s changed, %s unchanged\n", rdbl_fmt_count(z, sizeof z, s->keys_changed),
                rdbl_fmt_count(u, sizeof u, s->keys_unchanged));
        if (s->keys_changed) {
            char v1[32], v2[32], v3[32], v4[32], v5[32];
            fprintf(t->out, "        changed: %s value, %s expiry, %s type; of the new values "
                            "%s are bigger, %s smaller\n",
                    rdbl_fmt_count(v1, sizeof v1, s->changed_value),
                    rdbl_fmt_count(v2, sizeof v2, s->changed_expiry),
                    rdbl_fmt_count(v3, sizeof v3, s->changed_type),
                    rdbl_fmt_count(v4, sizeof v4, s->keys_grown),
                    rdbl_fmt_count(v5, sizeof v5, s->keys_shrunk));
        }
        if (s->unchanged_keys_memory_change) {
            char m[32];
            uint64_t mag = s->unchanged_keys_memory_change < 0
                             ? (uint64_t)(-(s->unchanged_keys_memory_change + 1)) + 1
                             : (uint64_t)s->unchanged_keys_memory_change;
            fprintf(t->out, "        %s%s of the change is in unchanged keys: the model's "
                            "per-file overheads (hash tables, allocator), not data\n",
                    s->unchanged_keys_memory_change < 0 ? "-" : "+",
                    rdbl_fmt_bytes(m, sizeof m, mag));
        }
        if (s->ttl_gained || s->ttl_lost || s->encoding_changes) {
            char g[32], l[32], e[32];
            fprintf(t->out, "        %s keys gained a TTL, %s lost theirs; %s changed encoding\n",
                    rdbl_fmt_count(g, sizeof g, s->ttl_gained),
                    rdbl_fmt_count(l, sizeof l, s->ttl_lost),
                    rdbl_fmt_count(e, sizeof e, s->encoding_changes));
        }
    } else {
        fprintf(t->out, "        (report JSON input: pattern level only; key-level counts "
                        "need two RDB files)\n");
    }
}

static void node_row(tw *t, const rdbl_diff_node *n, unsigned depth)
{
    char a[32], b[32], c[32], p[32], k1[32], k2[32], t1[32], t2[32];
    char name[300];
    snprintf(name, sizeof name, "%*s%s", (int)(2 * depth), "", n->prefix);
    if (strlen(name) > 38)
        memcpy(name + 35, "...", 4);
    fprintf(t->out, "  %-38s %10s %10s %11s %7s  %9s -> %-9s  TTL %s -> %s\n", name,
            rdbl_fmt_bytes(a, sizeof a, n->memory_bytes_before),
            rdbl_fmt_bytes(b, sizeof b, n->memory_bytes_after),
            fmt_delta_bytes(c, sizeof c, n->memory_bytes_before, n->memory_bytes_after),
            fmt_pct(p, sizeof p, n->memory_bytes_before, n->memory_bytes_after),
            rdbl_fmt_count(k1, sizeof k1, n->keys_before),
            rdbl_fmt_count(k2, sizeof k2, n->keys_after),
            rdbl_fmt_count(t1, sizeof t1, n->keys_with_ttl_before),
            rdbl_fmt_count(t2, sizeof t2, n->keys_with_ttl_after));
}

static void tree_rows(tw *t, const rdbl_diff_node *n, unsigned depth, size_t per_level)
{
    for (size_t i = 0; i < n->nchildren && i < per_level; i++) {
        const rdbl_diff_node *c = &n->children[i];
        if (c->memory_bytes_before == c->memory_bytes_after && c->keys_before == c->keys_after &&
            c->keys_with_ttl_before == c->keys_with_ttl_after)
            break; /* ordered by change: the rest did not move either */
        node_row(t, c, depth);
        if (depth < 2)
            tree_rows(t, c, depth + 1, depth == 0 ? 3 : 2);
    }
}

static void families(tw *t, const rdbl_diff *d, bool appeared)
{
    const rdbl_diff_node **v = NULL;
    size_t n = rdbl_diff_families(d, appeared, &v);
    if (!n)
        return;
    fprintf(t->out, "\nFamilies that %s (%zu)\n", appeared ? "appeared" : "vanished", n);
    for (size_t i = 0; i < n && i < t->top; i++) {
        char a[32], k[32];
        fprintf(t->out, "  %-50s %10s in %s keys\n", v[i]->prefix,
                rdbl_fmt_bytes(a, sizeof a,
                               appeared ? v[i]->memory_bytes_after : v[i]->memory_bytes_before),
                rdbl_fmt_count(k, sizeof k, appeared ? v[i]->keys_after : v[i]->keys_before));
    }
    free(v);
}

static void key_list(tw *t, const rdbl_diff *d, rdbl_diff_list l, const char *title)
{
    if (!d->ntop[l])
        return;
    fprintf(t->out, "\n%s\n", title);
    for (size_t i = 0; i < d->ntop[l] && i < t->top; i++) {
        const rdbl_diff_key *k = &d->top[l][i];
        char key[120], a[32], b[32], c[32];
        size_t n = rdbl_escape_bytes(key, sizeof key, k->key, k->key_len);
        if (n >= sizeof key - 1)
            memcpy(key + sizeof key - 4, "...", 4);
        if (l == RDBL_DIFF_ADDED || l == RDBL_DIFF_REMOVED)
            fprintf(t->out, "  %10s  %-6s db%-3" PRIu64 " %s\n",
                    rdbl_fmt_bytes(a, sizeof a,
                                   l == RDBL_DIFF_ADDED ? k->memory_bytes_after
                                                        : k->memory_bytes_before),
                    rdbl_type_name(k->type), k->db, key);
        else
            fprintf(t->out, "  %11s  %10s -> %-10s %-6s db%-3" PRIu64 " %s\n",
                    fmt_delta_bytes(c, sizeof c, k->memory_bytes_before, k->memory_bytes_after),
                    rdbl_fmt_bytes(a, sizeof a, k->memory_bytes_before),
                    rdbl_fmt_bytes(b, sizeof b, k->memory_bytes_after), rdbl_type_name(k->type),
                    k->db, key);
    }
}

rdbl_status rdbl_diff_write_text(FILE *out, const rdbl_diff *d, const rdbl_diff_report_opts *o)
{
    tw t = {out, o && o->top ? o->top : 10};
    headline(&t, d);
    fprintf(out, "\nBiggest movements by pattern (memory before, after, change; keys; keys "
                 "with a TTL)\n");
    if (!d->same_tree)
        fprintf(out, "  (patterns joined by name: each report kept its own folding)\n");
    tree_rows(&t, &d->root, 0, t.top);
    if (d->tree_folds)
        fprintf(out, "  (the node budget folded small families into (other); totals exact)\n");
    families(&t, d, true);
    families(&t, d, false);
    if (d->key_level) {
        key_list(&t, d, RDBL_DIFF_GROWN, "Keys that grew most");
        key_list(&t, d, RDBL_DIFF_SHRUNK, "Keys that shrank most");
        key_list(&t, d, RDBL_DIFF_ADDED, "Largest new keys");
        key_list(&t, d, RDBL_DIFF_REMOVED, "Largest removed keys");
        if (d->nenc) {
            fprintf(out, "\nEncoding changes (family, type: before -> after)\n");
            for (size_t i = 0; i < d->nenc && i < t.top; i++) {
                const rdbl_diff_enc_row *r = &d->enc[i];
                char k[32], a[32], b[32];
                fprintf(out, "  %-40s %-5s %s -> %s: %s keys, %s -> %s\n", r->family,
                        rdbl_type_name(r->type), r->before, r->after,
                        rdbl_fmt_count(k, sizeof k, r->keys),
                        rdbl_fmt_bytes(a, sizeof a, r->memory_bytes_before),
                        rdbl_fmt_bytes(b, sizeof b, r->memory_bytes_after));
            }
        }
        if (d->nttl) {
            fprintf(out, "\nTTL gained / lost by family (keys in both files)\n");
            for (size_t i = 0; i < d->nttl && i < t.top; i++) {
                const rdbl_diff_ttl_row *r = &d->ttl[i];
                char g[32], l[32], gb[32], lb[32];
                fprintf(out, "  %-40s gained %s (%s)  lost %s (%s)\n", r->family,
                        rdbl_fmt_count(g, sizeof g, r->gained),
                        rdbl_fmt_bytes(gb, sizeof gb, r->gained_bytes),
                        rdbl_fmt_count(l, sizeof l, r->lost),
                        rdbl_fmt_bytes(lb, sizeof lb, r->lost_bytes));
            }
        }
    }
    return ferror(out) ? RDBL_IO : RDBL_OK;
}
