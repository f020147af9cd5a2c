/* The pattern tree of a diff: the rdbl_prefix_agg tree(s) turned into
 * rdbl_diff_node rows with both sides' totals, children ordered by the
 * absolute change of their memory. */
#include <stdlib.h>
#include <string.h>

#include "analysis/diff_int.h"

static uint64_t absdiff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

static int node_cmp(const void *pa, const void *pb)
{
    const rdbl_diff_node *a = pa, *b = pb;
    if (a->other != b->other)
        return a->other ? 1 : -1;
    uint64_t da = absdiff(a->memory_bytes_before, a->memory_bytes_after);
    uint64_t db = absdiff(b->memory_bytes_before, b->memory_bytes_after);
    if (da != db)
        return da > db ? -1 : 1;
    uint64_t ma = a->memory_bytes_before + a->memory_bytes_after;
    uint64_t mb = b->memory_bytes_before + b->memory_bytes_after;
    if (ma != mb)
        return ma > mb ? -1 : 1;
    return strcmp(a->prefix, b->prefix);
}

static char *name_of(const rdbl_prefix_agg *t, uint32_t id)
{
    size_t n = rdbl_prefix_agg_name(t, id, NULL, 0);
    char *s = malloc(n + 1);
    if (s)
        rdbl_prefix_agg_name(t, id, s, n + 1);
    return s;
}

/* The children ids of a node (malloc'ed). @return their count, or -1. */
static long kids_of(const rdbl_prefix_agg *t, uint32_t id, uint32_t **out)
{
    *out = NULL;
    size_t n = rdbl_prefix_agg_children(t, id, NULL, 0);
    if (!n)
        return 0;
    uint32_t *v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    rdbl_prefix_agg_children(t, id, v, n);
    *out = v;
    return (long)n;
}

static rdbl_status from_combined(rdbl_diff_node *dst, const rdbl_prefix_agg *t, uint32_t id)
{
    const rdbl_prefix_totals *x = rdbl_prefix_agg_totals(t, id);
    dst->keys_before = x->elements;
    dst->keys_after = x->keys - x->elements;
    dst->memory_bytes_before = x->rdb_bytes;
    dst->memory_bytes_after = x->mem_bytes - x->rdb_bytes;
    dst->keys_with_ttl_before = x->value_bytes;
    dst->keys_with_ttl_after = x->keys_with_ttl - x->value_bytes;
    dst->other = rdbl_prefix_agg_is_other(t, id);
    dst->prefix = name_of(t, id);
    if (!dst->prefix)
        return RDBL_NOMEM;
    uint32_t *kids;
    long n = kids_of(t, id, &kids);
    if (n < 0)
        return RDBL_NOMEM;
    if (n) {
        dst->children = calloc((size_t)n, sizeof *dst->children);
        if (!dst->children) {
            free(kids);
            return RDBL_NOMEM;
        }
        dst->nchildren = (size_t)n;
        for (long i = 0; i < n; i++) {
            rdbl_status st = from_combined(&dst->children[i], t, kids[i]);
            if (st != RDBL_OK) {
                free(kids);
                return st;
            }
        }
        qsort(dst->children, dst->nchildren, sizeof *dst->children, node_cmp);
    }
    free(kids);
    return RDBL_OK;
}

rdbl_status rdbl__diff_tree_from_combined(rdbl_diff_node *root, const rdbl_prefix_agg *t)
{
    memset(root, 0, sizeof *root);
    return from_combined(root, t, RDBL_PREFIX_ROOT);
}

static bool same_label(const rdbl_prefix_agg *a, uint32_t x, const rdbl_prefix_agg *b, uint32_t y)
{
    if (rdbl_prefix_agg_is_other(a, x) != rdbl_prefix_agg_is_other(b, y))
        return false;
    rdbl_str l = rdbl_prefix_agg_label(a, x), m = rdbl_prefix_agg_label(b, y);
    return l.len == m.len && (l.len == 0 || memcmp(l.ptr, m.ptr, l.len) == 0);
}

/* Node x of a (or none: a NULL) paired with node y of b (or none). */
static rdbl_status join(rdbl_diff_node *dst, const rdbl_prefix_agg *a, uint32_t x,
                        const rdbl_prefix_agg *b, uint32_t y)
{
    if (a) {
        const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(a, x);
        dst->keys_before = t->keys;
        dst->memory_bytes_before = t->mem_bytes;
        dst->keys_with_ttl_before = t->keys_with_ttl;
    }
    if (b) {
        const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(b, y);
        dst->keys_after = t->keys;
        dst->memory_bytes_after = t->mem_bytes;
        dst->keys_with_ttl_after = t->keys_with_ttl;
    }
    dst->other = a ? rdbl_prefix_agg_is_other(a, x) : rdbl_prefix_agg_is_other(b, y);
    dst->prefix = a ? name_of(a, x) : name_of(b, y);
    if (!dst->prefix)
        return RDBL_NOMEM;
    uint32_t *ka = NULL, *kb = NULL;
    long na = a ? kids_of(a, x, &ka) : 0, nb = b ? kids_of(b, y, &kb) : 0;
    rdbl_status st = RDBL_OK;
    if (na < 0 || nb < 0) {
        st = RDBL_NOMEM;
        goto done;
    }
    if (na + nb == 0)
        goto done;
    dst->children = calloc((size_t)(na + nb), sizeof *dst->children);
    bool *used = calloc((size_t)nb + 1, sizeof *used);
    if (!dst->children || !used) {
        free(used);
        st = RDBL_NOMEM;
        goto done;
    }
    size_t n = 0;
    for (long i = 0; i < na && st == RDBL_OK; i++) {
        long match = -1;
        for (long j = 0; j < nb; j++)
            if (!used[j] && same_label(a, ka[i], b, kb[j])) {
                match = j;
                break;
            }
        if (match >= 0)
            used[match] = true;
        st = join(&dst->children[n++], a, ka[i], match >= 0 ? b : NULL,
                  match >= 0 ? kb[match] : 0);
    }
    for (long j = 0; j < nb && st == RDBL_OK; j++)
        if (!used[j])
            st = join(&dst->children[n++], NULL, 0, b, kb[j]);
    free(used);
    dst->nchildren = n;
    if (st == RDBL_OK)
        qsort(dst->children, n, sizeof *dst->children, node_cmp);
done:
    free(ka);
    free(kb);
    return st;
}

rdbl_status rdbl__diff_tree_join(rdbl_diff_node *root, const rdbl_prefix_agg *a,
                                 const rdbl_prefix_agg *b)
{
    memset(root, 0, sizeof *root);
    return join(root, a, RDBL_PREFIX_ROOT, b, RDBL_PREFIX_ROOT);
}

void rdbl__diff_tree_free(rdbl_diff_node *n)
{
    for (size_t i = 0; i < n->nchildren; i++)
        rdbl__diff_tree_free(&n->children[i]);
    free(n->children);
    free(n->prefix);
    n->children = NULL;
    n->nchildren = 0;
    n->prefix = NULL;
}

typedef struct fam_list {
    const rdbl_diff_node **v;
    size_t n, cap;
    bool appeared;
    bool oom;
} fam_list;

static void collect(const rdbl_diff_node *nd, fam_list *l)
{
    for (size_t i = 0; i < nd->nchildren; i++) {
        const rdbl_diff_node *c = &nd->children[i];
        bool hit = l->appeared ? c->keys_before == 0 && c->keys_after > 0
                               : c->keys_after == 0 && c->keys_before > 0;
        if (!hit) {
            collect(c, l);
            continue;
        }
        if (l->n == l->cap) {
            size_t nc = l->cap ? l->cap * 2 : 32;
            const rdbl_diff_node **v = realloc(l->v, nc * sizeof *v);
            if (!v) {
                l->oom = true;
                return;
            }
            l->v = v;
            l->cap = nc;
        }
        l->v[l->n++] = c;
    }
}

static int fam_cmp(const void *pa, const void *pb)
{
    const rdbl_diff_node *a = *(const rdbl_diff_node *const *)pa;
    const rdbl_diff_node *b = *(const rdbl_diff_node *const *)pb;
    uint64_t x = a->memory_bytes_before + a->memory_bytes_after;
    uint64_t y = b->memory_bytes_before + b->memory_bytes_after;
    if (x != y)
        return x > y ? -1 : 1;
    return strcmp(a->prefix, b->prefix);
}

size_t rdbl_diff_families(const rdbl_diff *d, bool appeared, const rdbl_diff_node ***out)
{
    fam_list l = {NULL, 0, 0, appeared, false};
    collect(&d->root, &l);
    if (l.oom) {
        free(l.v);
        l.v = NULL;
        l.n = 0;
    }
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, fam_cmp);
    *out = l.v;
    return l.n;
}
