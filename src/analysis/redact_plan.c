/* --redact's first pass: which key segments are variable, from the pattern
 * view of the input's own keys.
 *
 *   pass 1: every key ──▶ a prefix tree (16 levels deep) ──▶ its pattern view
 *                                                              │ copied into
 *   pass 2: "user:alice:cart"                                  ▼
 *        walk the plan segment by segment:      root ─ user ─ * ─ cart
 *        "user"  a literal row: stays                    │
 *        "alice" no row of its own: the '*' row  ────────┘  pseudonymised
 *        "cart"  a literal row below it: stays
 *
 * A segment stays only where the view shows it as a literal row; where the
 * view shows a '*' (or a glued "head*"), the parts under the stars are
 * variable whatever their characters ("alice", "kqzpw", "QXZT"). Beside a
 * '*' (a variable position), or among LONE_MANY or more such rows, a
 * literal row of one key per input (a diff's two files learn together)
 * with nothing below (a key the view carved out of
 * the '*' for its size, a single name beside a family, a login among a
 * dozen) is taken as variable too: a pseudonym too many rather than a
 * user name shown. A literal row beside a '*' is still redacted by its
 * own shape ("bull:email:3"), and the shape rules of redact.c (e-mails,
 * UUIDs, letter-digit runs) apply over the whole key as a second net. A segment with no row (an "(other)" fold, past
 * the depth) and everything after it is variable.
 *
 * Memory: the view's rows (the tree's node budget bounds them), kept as a
 * flat table; the tree is freed once the plan is made. */
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"
#include "internal.h"

enum { PLAN_DEPTH = 16 };

typedef struct prow {
    uint32_t parent;
    uint32_t lab_off, lab_len;
    uint32_t first_glob; /* first child whose label has a '*' (+1), 0 = none */
    uint32_t next_glob;  /* next sibling with a '*' (+1) */
    uint32_t hash;
    bool var;            /* has a "*" child: a variable position */
    bool lone;           /* one key, nothing below */
} prow;

struct rdbl__rplan {
    prow *rows;
    uint32_t nrows;
    uint8_t *labs;
    size_t nlabs;
    uint32_t *table; /* row index + 1, 0 empty */
    uint32_t tmask;
};

static uint32_t lab_hash(uint32_t parent, const uint8_t *s, size_t n)
{
    uint32_t h = 2166136261u ^ parent * 0x9e3779b1u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 16777619u;
    return h ? h : 1;
}

static bool has_star(const uint8_t *s, size_t n)
{
    return memchr(s, '*', n) != NULL;
}

/* ---- learning --------------------------------------------------------------- */

rdbl_status rdbl__rplan_tree_new(rdbl_prefix_agg **out, const char *delims)
{
    rdbl_agg_opts o;
    rdbl_agg_opts_default(&o);
    o.delimiters = delims;
    o.max_depth = PLAN_DEPTH;
    return rdbl_prefix_agg_new(out, &o);
}

typedef struct learn_ctx {
    rdbl_prefix_agg *tree;
    rdbl_status st;
} learn_ctx;

static int learn_key(void *user, const rdbl_key_info *k)
{
    learn_ctx *c = user;
    rdbl_key_facts f;
    rdbl_key_facts_init(&f);
    f.db = k->db;
    f.key = k->key;
    f.type = k->type;
    c->st = rdbl_prefix_agg_add(c->tree, &f);
    return c->st == RDBL_OK ? 0 : -1;
}

rdbl_status rdbl__rplan_learn(rdbl_prefix_agg *tree, rdbl_source *src, unsigned flags,
                              rdbl_error *err)
{
    learn_ctx c = {tree, RDBL_OK};
    rdbl_events ev = {0};
    ev.on_begin_key = learn_key;
    rdbl_parse_opts po = {0};
    po.flags = (flags & RDBL_PARSE_SALVAGE) | RDBL_PARSE_FAST | RDBL_PARSE_NO_CRC;
    rdbl_status st = rdbl_parse(src, &ev, &c, &po, err);
    if (c.st != RDBL_OK)
        return rdbl__fail(err, c.st, 0, "redact", "out of memory learning the key patterns");
    return st == RDBL_CHECKSUM ? RDBL_OK : st;
}

static bool put_row(rdbl__rplan *p, uint32_t parent, rdbl_str lab, const rdbl_prefix_totals *t,
                    bool leaf, uint32_t cap, uint64_t lone_keys)
{
    if (p->nrows == cap)
        return false;
    uint8_t *nl = realloc(p->labs, p->nlabs + lab.len + 1);
    if (!nl)
        return false;
    p->labs = nl;
    if (lab.len)
        memcpy(p->labs + p->nlabs, lab.ptr, lab.len);
    prow *r = &p->rows[p->nrows];
    *r = (prow){.parent = parent, .lab_off = (uint32_t)p->nlabs, .lab_len = (uint32_t)lab.len,
                .hash = lab_hash(parent, lab.ptr, lab.len), .lone = leaf && t->keys <= lone_keys};
    p->nlabs += lab.len;
    if (has_star(lab.ptr, lab.len)) {
        prow *par = &p->rows[parent];
        r->next_glob = par->first_glob;
        par->first_glob = p->nrows + 1;
        if (lab.len == 1)
            par->var = true;
    }
    p->nrows++;
    return true;
}

/* Many single-key names under one row ("cedar", "haven", ... one key
 * each) are a variable position the view still lists name by name (it
 * folds from VAR_MIN named rows): their row is taken as beside a '*'. */
enum { LONE_MANY = 8 };

static bool mark_lone_families(rdbl__rplan *p)
{
    uint32_t *lone = calloc(p->nrows, sizeof *lone);
    if (!lone)
        return false;
    for (uint32_t i = 1; i < p->nrows; i++)
        lone[p->rows[i].parent] += p->rows[i].lone;
    for (uint32_t i = 1; i < p->nrows; i++) /* not the root: "retry", "schedule"... */
        if (lone[i] >= LONE_MANY)
            p->rows[i].var = true;
    free(lone);
    return true;
}

static bool index_rows(rdbl__rplan *p)
{
    uint32_t size = 16;
    while (size < 2 * p->nrows)
        size *= 2;
    p->table = calloc(size, sizeof *p->table);
    if (!p->table)
        return false;
    p->tmask = size - 1;
    for (uint32_t i = 1; i < p->nrows; i++) {
        uint32_t at = p->rows[i].hash & p->tmask;
        while (p->table[at])
            at = (at + 1) & p->tmask;
        p->table[at] = i + 1;
    }
    return true;
}

rdbl_status rdbl__rplan_make(rdbl__rplan **out, const rdbl_prefix_agg *tree, uint64_t inputs)
{
    *out = NULL;
    rdbl__rplan *p = calloc(1, sizeof *p);
    /* the view's rows: at most its node count (+ "(other)" rows) */
    uint32_t cap = (uint32_t)rdbl_prefix_agg_node_count(tree) * 2 + 16;
    uint32_t *tree_id = malloc((size_t)cap * sizeof *tree_id);
    uint32_t *kids = NULL;
    size_t kcap = 0;
    bool ok = p && tree_id && (p->rows = calloc(cap, sizeof *p->rows)) != NULL;
    if (ok) {
        p->rows[0] = (prow){0};
        tree_id[0] = RDBL_PREFIX_ROOT;
        p->nrows = 1;
    }
    for (uint32_t q = 0; ok && q < p->nrows; q++) {
        size_t n = rdbl_prefix_agg_children(tree, tree_id[q], kids, kcap);
        if (n > kcap) {
            free(kids);
            kcap = n;
            kids = malloc(kcap * sizeof *kids);
            if (!kids) {
                ok = false;
                break;
            }
            n = rdbl_prefix_agg_children(tree, tree_id[q], kids, kcap);
        }
        for (size_t i = 0; ok && i < n; i++) {
            if (rdbl_prefix_agg_is_other(tree, kids[i]))
                continue; /* no row to match: its keys' segments are variable */
            rdbl_str lab = rdbl_prefix_agg_label(tree, kids[i]);
            if (lab.len == 7 && memcmp(lab.ptr, "(empty)", 7) == 0)
                lab.len = 0;
            bool leaf = rdbl_prefix_agg_children(tree, kids[i], NULL, 0) == 0;
            tree_id[p->nrows] = kids[i];
            ok = put_row(p, q, lab, rdbl_prefix_agg_totals(tree, kids[i]), leaf, cap,
                         inputs ? inputs : 1);
        }
    }
    free(kids);
    free(tree_id);
    if (!ok || !mark_lone_families(p) || !index_rows(p)) {
        rdbl__rplan_free(p);
        return RDBL_NOMEM;
    }
    *out = p;
    return RDBL_OK;
}

void rdbl__rplan_free(rdbl__rplan *p)
{
    if (!p)
        return;
    free(p->rows);
    free(p->labs);
    free(p->table);
    free(p);
}

/* ---- looking keys up ---------------------------------------------------- */

static uint32_t literal_row(const rdbl__rplan *p, uint32_t parent, const uint8_t *s, size_t n)
{
    uint32_t h = lab_hash(parent, s, n);
    for (uint32_t at = h & p->tmask; p->table[at]; at = (at + 1) & p->tmask) {
        const prow *r = &p->rows[p->table[at] - 1];
        if (r->hash == h && r->parent == parent && r->lab_len == n &&
            (n == 0 || memcmp(p->labs + r->lab_off, s, n) == 0))
            return p->table[at] - 1;
    }
    return 0;
}

rdbl__rplan_step rdbl__rplan_next(const rdbl__rplan *p, uint32_t *row, const uint8_t *s,
                                  size_t n, const uint8_t **lab, size_t *ln)
{
    uint32_t at = *row;
    uint32_t lit = literal_row(p, at, s, n);
    if (lit && !(p->rows[at].var && p->rows[lit].lone && !has_star(s, n))) {
        *row = lit;
        return p->rows[at].var ? RPLAN_SHAPE : RPLAN_KEEP;
    }
    /* the most specific glob (most literal bytes) that matches (Redis glob
     * rules: a '?', '[' or '\\' in a label can only miss, leaving the
     * segment to the plain '*' or to RPLAN_LOST: more redacted, never less) */
    uint32_t best = 0;
    for (uint32_t g = p->rows[at].first_glob; g; g = p->rows[g - 1].next_glob) {
        const prow *r = &p->rows[g - 1];
        if (rdbl_glob_match(p->labs + r->lab_off, r->lab_len, s, n) &&
            (!best || r->lab_len > p->rows[best].lab_len))
            best = g - 1;
    }
    if (lit && !best) {
        *row = lit; /* a lone key beside a '*' that took no other key */
        *lab = (const uint8_t *)"*";
        *ln = 1;
        return RPLAN_STARS;
    }
    if (!best)
        return RPLAN_LOST;
    *row = best;
    *lab = p->labs + p->rows[best].lab_off;
    *ln = p->rows[best].lab_len;
    return RPLAN_STARS;
}

unsigned rdbl__rplan_depth(void)
{
    return PLAN_DEPTH;
}
