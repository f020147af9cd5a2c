/* The key-level join of `rdblens diff`: partition i of OLD against
 * partition i of NEW (the same key hashes to the same partition on both
 * sides), one pair in memory at a time.
 *
 * Per key in both: unchanged, or changed (type, value digest or expiry);
 * grown/shrunk by memory; an encoding change or a TTL gained/lost is
 * counted under the key's family, the deepest node of the diff's pattern
 * tree the key reaches (found by walking the tree with the same per-segment
 * folding, rdbl_prefix_fold_segment). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg_internal.h"
#include "analysis/diff_int.h"
#include "internal.h"

/* bytes of a partition record with a key of about 20 bytes (diff_part.c):
 * the join's first guess of a partition's key count */
#define TYPICAL_REC 48u

/* ---- u64 -> u32 map (open addressing; key 0 is never used: +1) ----------- */
typedef struct u64map {
    uint64_t *k;
    uint32_t *v;
    size_t mask, n;
} u64map;

static bool map_init(u64map *m, size_t cap)
{
    size_t n = 16;
    while (n < cap * 2)
        n <<= 1;
    m->k = calloc(n, sizeof *m->k);
    m->v = calloc(n, sizeof *m->v);
    m->mask = n - 1;
    m->n = 0;
    return m->k && m->v;
}

static void map_free(u64map *m)
{
    free(m->k);
    free(m->v);
    memset(m, 0, sizeof *m);
}

static bool map_grow(u64map *m);

/* The slot of key (found, or where it goes). */
static size_t map_slot(const u64map *m, uint64_t key)
{
    key += 1;
    size_t i = rdbl__mix64(key) & m->mask;
    while (m->k[i] && m->k[i] != key)
        i = (i + 1) & m->mask;
    return i;
}

static uint32_t *map_get(const u64map *m, uint64_t key)
{
    size_t i = map_slot(m, key);
    return m->k[i] ? &m->v[i] : NULL;
}

static uint32_t *map_put(u64map *m, uint64_t key, uint32_t v)
{
    if ((m->n + 1) * 2 > m->mask + 1 && !map_grow(m))
        return NULL;
    size_t i = map_slot(m, key);
    if (!m->k[i]) {
        m->k[i] = key + 1;
        m->v[i] = v;
        m->n++;
    }
    return &m->v[i];
}

static bool map_grow(u64map *m)
{
    u64map g;
    if (!map_init(&g, (m->mask + 1)))
        return false;
    for (size_t i = 0; i <= m->mask; i++)
        if (m->k[i]) {
            size_t j = map_slot(&g, m->k[i] - 1);
            g.k[j] = m->k[i];
            g.v[j] = m->v[i];
            g.n++;
        }
    map_free(m);
    *m = g;
    return true;
}

/* ---- families ------------------------------------------------------------ */
typedef struct glob_kid {
    uint32_t parent, child;
    rdbl_str label;               /* the tree's */
    size_t literals;              /* bytes of the label that are not '*' */
} glob_kid;

struct rdbl__dfam {
    const rdbl_prefix_agg *t;
    u64map kids;                  /* hash(parent, label) -> child */
    glob_kid *globs;              /* children whose label holds a '*', by parent */
    size_t nglobs, globs_cap;
    uint8_t delim[256];
    unsigned depth;
    bool no_fold;
};

static uint64_t label_key(uint32_t parent, const uint8_t *lab, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ parent;
    for (size_t i = 0; i < n; i++)
        h = (h ^ lab[i]) * 0x100000001b3ULL;
    return rdbl__mix64(h ^ n);
}

static bool fam_add_kids(rdbl__dfam *m, uint32_t id)
{
    size_t n = rdbl_prefix_agg_children(m->t, id, NULL, 0);
    if (!n)
        return true;
    uint32_t *v = malloc(n * sizeof *v);
    if (!v)
        return false;
    rdbl_prefix_agg_children(m->t, id, v, n);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        rdbl_str l = rdbl_prefix_agg_label(m->t, v[i]);
        uint64_t k = rdbl_prefix_agg_is_other(m->t, v[i]) ? label_key(id, NULL, 0) ^ 1
                                                          : label_key(id, l.ptr, l.len);
        ok = map_put(&m->kids, k, v[i]) != NULL;
        if (ok && l.len && memchr(l.ptr, '*', l.len)) {
            if (m->nglobs == m->globs_cap) {
                size_t nc = m->globs_cap ? m->globs_cap * 2 : 64;
                glob_kid *g = realloc(m->globs, nc * sizeof *g);
                ok = g != NULL;
                if (g) {
                    m->globs = g;
                    m->globs_cap = nc;
                }
            }
            if (ok) {
                size_t stars = 0;
                for (size_t b = 0; b < l.len; b++)
                    stars += l.ptr[b] == '*';
                m->globs[m->nglobs] = (glob_kid){id, v[i], l, l.len - stars};
                m->nglobs++;
            }
        }
        ok = ok && fam_add_kids(m, v[i]);
    }
    free(v);
    return ok;
}

/* By parent; among siblings the most literal pattern first, then by
 * label bytes: a key that several patterns match goes to the most specific
 * one, whatever order the tree lists them in (a tree merged from two
 * sides lists siblings in another order than one built in a single pass,
 * and swapped rows between the two). */
static int glob_cmp(const void *pa, const void *pb)
{
    const glob_kid *a = pa, *b = pb;
    if (a->parent != b->parent)
        return a->parent < b->parent ? -1 : 1;
    if (a->literals != b->literals)
        return a->literals > b->literals ? -1 : 1;
    size_t n = a->label.len < b->label.len ? a->label.len : b->label.len;
    int c = n ? memcmp(a->label.ptr, b->label.ptr, n) : 0;
    if (c)
        return c;
    return (a->label.len > b->label.len) - (a->label.len < b->label.len);
}

rdbl__dfam *rdbl__dfam_new(const rdbl_prefix_agg *tree, const rdbl_agg_opts *o)
{
    rdbl__dfam *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->t = tree;
    m->depth = o->max_depth ? o->max_depth : 4;
    m->no_fold = o->no_fold;
    const char *d = o->delimiters && *o->delimiters ? o->delimiters : ":";
    for (; *d; d++)
        m->delim[(uint8_t)*d] = 1;
    if (!map_init(&m->kids, rdbl_prefix_agg_node_count(tree) + 1) || !fam_add_kids(m, 0)) {
        rdbl__dfam_free(m);
        return NULL;
    }
    qsort(m->globs, m->nglobs, sizeof *m->globs, glob_cmp);
    return m;
}

void rdbl__dfam_free(rdbl__dfam *m)
{
    if (!m)
        return;
    map_free(&m->kids);
    free(m->globs);
    free(m);
}

/* Whether seg matches the label read as a glob ('*' any run of bytes). */
static bool glob_match(const uint8_t *g, size_t gl, const uint8_t *s, size_t sl)
{
    size_t gi = 0, si = 0, star = (size_t)-1, mark = 0;
    while (si < sl) {
        if (gi < gl && g[gi] == '*') {
            star = gi++;
            mark = si;
        } else if (gi < gl && g[gi] == s[si]) {
            gi++, si++;
        } else if (star != (size_t)-1) {
            gi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (gi < gl && g[gi] == '*')
        gi++;
    return gi == gl;
}

/* A child of node whose glob label matches seg (the reports' pattern view
 * folds variable positions to "*" or "head*"); the first in tree order. */
static const uint32_t *glob_child(const rdbl__dfam *m, uint32_t node, const uint8_t *seg,
                                  size_t n)
{
    size_t lo = 0, hi = m->nglobs; /* by parent, most specific first (glob_cmp) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->globs[mid].parent < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < m->nglobs && m->globs[i].parent == node; i++) {
        rdbl_str l = rdbl_prefix_agg_label(m->t, m->globs[i].child);
        if (glob_match(l.ptr, l.len, seg, n))
            return &m->globs[i].child;
    }
    return NULL;
}

uint32_t rdbl__dfam_of(const rdbl__dfam *m, const uint8_t *key, size_t len)
{
    uint32_t node = 0;
    size_t pos = 0;
    uint8_t buf[256];
    for (unsigned d = 0; d < m->depth; d++) {
        size_t start = pos;
        while (pos < len && !m->delim[key[pos]])
            pos++;
        const uint8_t *seg = key + start;
        size_t n = pos - start;
        const uint32_t *c = map_get(&m->kids, label_key(node, seg, n));
        if (!c && !m->no_fold && n) {
            size_t f = rdbl_prefix_fold_segment(seg, n, buf, sizeof buf);
            if (f <= sizeof buf)
                c = map_get(&m->kids, label_key(node, buf, f));
        }
        if (!c)
            c = glob_child(m, node, seg, n);
        if (!c)
            c = map_get(&m->kids, label_key(node, NULL, 0) ^ 1); /* "(other)" */
        if (!c)
            break;
        node = *c;
        if (rdbl_prefix_agg_is_other(m->t, node) || pos >= len)
            break;
        pos++; /* the delimiter */
    }
    return node;
}

/* ---- top lists ------------------------------------------------------------ */
typedef struct kheap {
    rdbl_diff_key *e;
    uint64_t *score;
    size_t n, cap;
} kheap;

/* true when entry (s, k) ranks below entry i (worse). */
static bool worse(const kheap *h, size_t i, uint64_t s, uint64_t db, const uint8_t *k, size_t kl)
{
    if (s != h->score[i])
        return s < h->score[i];
    if (db != h->e[i].db)
        return db > h->e[i].db;
    size_t n = kl < h->e[i].key_len ? kl : h->e[i].key_len;
    int c = memcmp(k, h->e[i].key, n);
    return c ? c > 0 : kl > h->e[i].key_len;
}

static void swap_at(kheap *h, size_t a, size_t b)
{
    rdbl_diff_key t = h->e[a];
    h->e[a] = h->e[b];
    h->e[b] = t;
    uint64_t s = h->score[a];
    h->score[a] = h->score[b];
    h->score[b] = s;
}

/* Min-heap: the root is the worst entry kept. */
static void sift_down(kheap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && worse(h, m, h->score[l], h->e[l].db, h->e[l].key, h->e[l].key_len))
            m = l;
        if (r < h->n && worse(h, m, h->score[r], h->e[r].db, h->e[r].key, h->e[r].key_len))
            m = r;
        if (m == i)
            return;
        swap_at(h, i, m);
        i = m;
    }
}

static void sift_up(kheap *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!worse(h, p, h->score[i], h->e[i].db, h->e[i].key, h->e[i].key_len))
            return;
        swap_at(h, i, p);
        i = p;
    }
}

static void offer_key(kheap *h, uint64_t score, rdbl_diff_key e);

static bool offer(kheap *h, uint64_t score, const rdbl__drec *r, rdbl_type type, uint64_t before,
                  uint64_t after)
{
    if (!h->cap || score == 0)
        return true;
    size_t kl = r->key_len < RDBL_KEY_KEEP_MAX ? r->key_len : RDBL_KEY_KEEP_MAX;
    if (h->n == h->cap && worse(h, 0, score, r->db, r->key, kl))
        return true;
    uint8_t *k = malloc(kl ? kl : 1);
    if (!k)
        return false;
    memcpy(k, r->key, kl);
    offer_key(h, score, (rdbl_diff_key){r->db, k, kl, type, before, after});
    return true;
}

/* Keeps e (its key malloc'ed; owned from here on) if it ranks in h. */
static void offer_key(kheap *h, uint64_t score, rdbl_diff_key e)
{
    if (!h->cap || (h->n == h->cap && worse(h, 0, score, e.db, e.key, e.key_len))) {
        free(e.key);
        return;
    }
    if (h->n == h->cap) {
        free(h->e[0].key);
        h->e[0] = e;
        h->score[0] = score;
        sift_down(h, 0);
    } else {
        h->e[h->n] = e;
        h->score[h->n] = score;
        sift_up(h, h->n++);
    }
}

/* Moves the entries out best first. */
static void heap_take(kheap *h, rdbl_diff_key **out, size_t *n)
{
    size_t cnt = h->n;
    while (h->n > 1) {
        swap_at(h, 0, h->n - 1);
        h->n--;
        sift_down(h, 0);
    }
    *out = h->e;
    *n = cnt;
    h->e = NULL;
    free(h->score);
    h->score = NULL;
    h->n = 0;
}

/* ---- the join --------------------------------------------------------------- */
typedef struct fam_acc {
    uint32_t node;
    uint8_t type, enc_b, enc_a;
    uint64_t keys, mem_b, mem_a;  /* enc rows */
    uint64_t gained, lost, gained_bytes, lost_bytes;
} fam_acc;

/* join_part's buffers, kept from one partition to the next */
typedef struct jspace {
    uint8_t *ob, *nb;             /* the two partitions' records */
    size_t obcap, nbcap;
    struct jslot *slot;           /* the hash table of OLD's records */
    size_t slotcap;
} jspace;

typedef struct joiner {
    rdbl_diff *d;
    rdbl_diff_summary sum;        /* the key-level counts of this joiner's partitions */
    jspace ws;
    rdbl__dfam *fam;
    kheap top[RDBL_DIFF__LISTS];
    u64map enc_map, ttl_map;
    fam_acc *enc, *ttl;
    size_t nenc, ttl_n, enc_cap, ttl_cap;
    int64_t new_ref_ms;
} joiner;

static fam_acc *fam_row(u64map *m, fam_acc **rows, size_t *n, size_t *cap, uint64_t key)
{
    uint32_t *ix = map_get(m, key);
    if (ix)
        return &(*rows)[*ix];
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        fam_acc *r = realloc(*rows, nc * sizeof *r);
        if (!r)
            return NULL;
        *rows = r;
        *cap = nc;
    }
    if (!map_put(m, key, (uint32_t)*n))
        return NULL;
    fam_acc *a = &(*rows)[(*n)++];
    memset(a, 0, sizeof *a);
    return a;
}

static bool both(joiner *j, const rdbl__drec *o, const rdbl__drec *n)
{
    rdbl_diff_summary *s = &j->sum;
    bool type_ch = o->type != n->type;
    bool val_ch = o->digest != n->digest;
    bool exp_ch = o->has_expire != n->has_expire || (o->has_expire && o->expire_ms != n->expire_ms);
    if (type_ch || val_ch || exp_ch) {
        s->keys_changed++;
        s->changed_type += type_ch;
        s->changed_value += val_ch;
        s->changed_expiry += exp_ch;
    } else {
        s->keys_unchanged++;
        s->unchanged_keys_memory_change += (int64_t)n->mem - (int64_t)o->mem;
    }
    if (!type_ch && !val_ch) {
        /* same value: a memory difference is the model's, not the data's */
    } else if (n->mem > o->mem) {
        s->keys_grown++;
        if (!offer(&j->top[RDBL_DIFF_GROWN], n->mem - o->mem, n, n->type, o->mem, n->mem))
            return false;
    } else if (n->mem < o->mem) {
        s->keys_shrunk++;
        if (!offer(&j->top[RDBL_DIFF_SHRUNK], o->mem - n->mem, n, n->type, o->mem, n->mem))
            return false;
    }
    bool enc_ch = !type_ch && o->enc != n->enc;
    bool gained = !o->has_expire && n->has_expire, lost = o->has_expire && !n->has_expire;
    if (!enc_ch && !gained && !lost)
        return true;
    uint32_t node = rdbl__dfam_of(j->fam, n->key, n->key_len);
    if (enc_ch) {
        s->encoding_changes++;
        uint64_t k = ((uint64_t)node << 32) | ((uint64_t)n->type << 16) | ((uint64_t)o->enc << 8) |
                     n->enc;
        fam_acc *a = fam_row(&j->enc_map, &j->enc, &j->nenc, &j->enc_cap, k);
        if (!a)
            return false;
        a->node = node;
        a->type = n->type;
        a->enc_b = o->enc;
        a->enc_a = n->enc;
        a->keys++;
        a->mem_b += o->mem;
        a->mem_a += n->mem;
    }
    if (gained || lost) {
        s->ttl_gained += gained;
        s->ttl_lost += lost;
        fam_acc *a = fam_row(&j->ttl_map, &j->ttl, &j->ttl_n, &j->ttl_cap, node);
        if (!a)
            return false;
        a->node = node;
        a->gained += gained;
        a->lost += lost;
        a->gained_bytes += gained ? n->mem : 0;
        a->lost_bytes += lost ? n->mem : 0;
    }
    return true;
}

/* Grows *p to hold n elements of size sz. @return false when out of memory. */
static bool reserve(void **p, size_t *cap, size_t n, size_t sz)
{
    if (n <= *cap)
        return true;
    void *q = realloc(*p, n * sz);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* A slot of a partition's hash table: the key hash and the OLD record's
 * offset, side by side, so a probe costs one cache miss. */
typedef struct jslot {
    uint64_t hash;
    uint64_t at;                  /* 0: empty; else (offset + 1) << 1 | seen in NEW */
} jslot;

static rdbl_status join_part(joiner *j, rdbl__dparts *old, rdbl__dparts *new_, unsigned i)
{
    /* the buffers of the last partition are reused: freeing and mapping
     * them again cost page faults for every partition */
    jspace *w = &j->ws;
    size_t ol = 0, nl = 0;
    rdbl_status st = rdbl__dparts_load(old, i, &w->ob, &w->obcap, &ol);
    if (st == RDBL_OK)
        st = rdbl__dparts_load(new_, i, &w->nb, &w->nbcap, &nl);
    if (st != RDBL_OK)
        return st;
    const uint8_t *ob = w->ob, *nb = w->nb;
    /* at most half full: sized for records of TYPICAL_REC bytes, doubled
     * (and filled again) when OLD's are smaller */
    size_t tsz = 16;
    while (tsz < (ol / TYPICAL_REC + 1) * 2)
        tsz <<= 1;
    size_t pos, n;
    rdbl__drec r, o;
    jslot *tab;
    for (;;) {
        if (!reserve((void **)&w->slot, &w->slotcap, tsz, sizeof *w->slot))
            return RDBL_NOMEM;
        tab = w->slot;
        memset(tab, 0, tsz * sizeof *tab);
        size_t at = 0;
        pos = n = 0;
        while (n < tsz / 2 && rdbl__drec_next(ob, ol, &pos, &r)) {
            size_t h = (size_t)r.hash & (tsz - 1);
            while (tab[h].at)
                h = (h + 1) & (tsz - 1);
            tab[h] = (jslot){r.hash, ((uint64_t)at + 1) << 1};
            at = pos;
            n++;
        }
        if (n < tsz / 2)
            break;
        tsz <<= 1;
    }
    if (pos != ol)
        return RDBL_IO;
    rdbl_diff_summary *s = &j->sum;
    pos = 0;
    while (st == RDBL_OK && rdbl__drec_next(nb, nl, &pos, &r)) {
        size_t h = (size_t)r.hash & (tsz - 1);
        bool found = false;
        for (; tab[h].at; h = (h + 1) & (tsz - 1)) {
            if (tab[h].hash != r.hash)
                continue;
            size_t p = (size_t)(tab[h].at >> 1) - 1;
            rdbl__drec_next(ob, ol, &p, &o);
            if (o.db == r.db && o.key_len == r.key_len && memcmp(o.key, r.key, r.key_len) == 0) {
                tab[h].at |= 1;
                found = true;
                break;
            }
        }
        if (found) {
            if (!both(j, &o, &r))
                st = RDBL_NOMEM;
        } else {
            s->keys_added++;
            if (!offer(&j->top[RDBL_DIFF_ADDED], r.mem, &r, r.type, 0, r.mem))
                st = RDBL_NOMEM;
        }
    }
    if (st == RDBL_OK && pos != nl)
        st = RDBL_IO;
    /* OLD records not met: removed (the top list's order is total, so the
     * table's order does not matter) */
    for (size_t h = 0; h < tsz && st == RDBL_OK; h++) {
        if (!tab[h].at || (tab[h].at & 1))
            continue;
        size_t p = (size_t)(tab[h].at >> 1) - 1;
        rdbl__drec_next(ob, ol, &p, &o);
        s->keys_removed++;
        if (o.has_expire && j->new_ref_ms > 0 && o.expire_ms <= j->new_ref_ms)
            s->keys_removed_expired++;
        if (!offer(&j->top[RDBL_DIFF_REMOVED], o.mem, &o, o.type, o.mem, 0))
            st = RDBL_NOMEM;
    }
    return st;
}

static int enc_row_cmp(const void *pa, const void *pb)
{
    const rdbl_diff_enc_row *a = pa, *b = pb;
    if (a->keys != b->keys)
        return a->keys > b->keys ? -1 : 1;
    int c = strcmp(a->family, b->family);
    if (c)
        return c;
    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    c = strcmp(a->before, b->before);
    return c ? c : strcmp(a->after, b->after);
}

static int ttl_row_cmp(const void *pa, const void *pb)
{
    const rdbl_diff_ttl_row *a = pa, *b = pb;
    uint64_t x = a->gained + a->lost, y = b->gained + b->lost;
    if (x != y)
        return x > y ? -1 : 1;
    return strcmp(a->family, b->family);
}

static void fam_name(const rdbl_prefix_agg *t, uint32_t node, char *buf, size_t cap)
{
    rdbl_prefix_agg_name(t, node, buf, cap);
    if (node == 0 || !buf[0])
        snprintf(buf, cap, "(all keys)");
}

static void copy_enc(char *dst, size_t cap, const char *const *encs, unsigned i)
{
    snprintf(dst, cap, "%s", encs[i] ? encs[i] : "?");
}

static rdbl_status finish(joiner *j, const char *const *encs, const rdbl_prefix_agg *tree)
{
    rdbl_diff *d = j->d;
    for (int l = 0; l < RDBL_DIFF__LISTS; l++)
        heap_take(&j->top[l], &d->top[l], &d->ntop[l]);
    size_t cap = d->opts.max_family_rows;
    if (j->nenc) {
        d->enc = calloc(j->nenc, sizeof *d->enc);
        if (!d->enc)
            return RDBL_NOMEM;
        size_t nencs = 0;
        while (encs[nencs])
            nencs++;
        for (size_t i = 0; i < j->nenc; i++) {
            const fam_acc *a = &j->enc[i];
            rdbl_diff_enc_row *r = &d->enc[i];
            fam_name(tree, a->node, r->family, sizeof r->family);
            r->type = (rdbl_type)a->type;
            copy_enc(r->before, sizeof r->before, encs, a->enc_b < nencs ? a->enc_b : nencs);
            copy_enc(r->after, sizeof r->after, encs, a->enc_a < nencs ? a->enc_a : nencs);
            r->keys = a->keys;
            r->memory_bytes_before = a->mem_b;
            r->memory_bytes_after = a->mem_a;
        }
        qsort(d->enc, j->nenc, sizeof *d->enc, enc_row_cmp);
        d->nenc = j->nenc < cap ? j->nenc : cap;
        d->enc_rows_dropped = j->nenc - d->nenc;
    }
    if (j->ttl_n) {
        d->ttl = calloc(j->ttl_n, sizeof *d->ttl);
        if (!d->ttl)
            return RDBL_NOMEM;
        for (size_t i = 0; i < j->ttl_n; i++) {
            const fam_acc *a = &j->ttl[i];
            rdbl_diff_ttl_row *r = &d->ttl[i];
            fam_name(tree, a->node, r->family, sizeof r->family);
            r->gained = a->gained;
            r->lost = a->lost;
            r->gained_bytes = a->gained_bytes;
            r->lost_bytes = a->lost_bytes;
        }
        qsort(d->ttl, j->ttl_n, sizeof *d->ttl, ttl_row_cmp);
        d->nttl = j->ttl_n < cap ? j->ttl_n : cap;
        d->ttl_rows_dropped = j->ttl_n - d->nttl;
    }
    return RDBL_OK;
}

static rdbl_status joiner_init(joiner *j, rdbl_diff *d, rdbl__dfam *fam, int64_t new_ref_ms)
{
    memset(j, 0, sizeof *j);
    j->d = d;
    j->fam = fam;
    j->new_ref_ms = new_ref_ms;
    if (!map_init(&j->enc_map, 64) || !map_init(&j->ttl_map, 64))
        return RDBL_NOMEM;
    for (int l = 0; l < RDBL_DIFF__LISTS; l++) {
        j->top[l].cap = d->opts.top_n;
        j->top[l].e = calloc(d->opts.top_n + 1, sizeof *j->top[l].e);
        j->top[l].score = calloc(d->opts.top_n + 1, sizeof *j->top[l].score);
        if (!j->top[l].e || !j->top[l].score)
            return RDBL_NOMEM;
    }
    return RDBL_OK;
}

static void joiner_free(joiner *j)
{
    for (int l = 0; l < RDBL_DIFF__LISTS; l++) {
        for (size_t i = 0; i < j->top[l].n; i++)
            free(j->top[l].e[i].key);
        free(j->top[l].e);
        free(j->top[l].score);
    }
    free(j->ws.ob);
    free(j->ws.nb);
    free(j->ws.slot);
    map_free(&j->enc_map);
    map_free(&j->ttl_map);
    free(j->enc);
    free(j->ttl);
}

/* One thread's share of the partitions: first, first + step, ... */
typedef struct share {
    joiner *j;
    rdbl__dparts *old, *new_;
    unsigned first, step;
    rdbl_status st;
} share;

static void *join_share(void *arg)
{
    share *sh = arg;
    for (unsigned i = sh->first; i < sh->old->n && sh->st == RDBL_OK; i += sh->step)
        sh->st = join_part(sh->j, sh->old, sh->new_, i);
    return NULL;
}

static void sum_add(rdbl_diff_summary *a, const rdbl_diff_summary *b)
{
    a->keys_added += b->keys_added;
    a->keys_removed += b->keys_removed;
    a->keys_changed += b->keys_changed;
    a->keys_unchanged += b->keys_unchanged;
    a->keys_removed_expired += b->keys_removed_expired;
    a->changed_type += b->changed_type;
    a->changed_value += b->changed_value;
    a->changed_expiry += b->changed_expiry;
    a->keys_grown += b->keys_grown;
    a->keys_shrunk += b->keys_shrunk;
    a->unchanged_keys_memory_change += b->unchanged_keys_memory_change;
    a->ttl_gained += b->ttl_gained;
    a->ttl_lost += b->ttl_lost;
    a->encoding_changes += b->encoding_changes;
}

/* a += b (b's top-list keys move to a or are freed). The result is the
 * one joiner gets over both shares: every order is total. */
static rdbl_status merge(joiner *a, joiner *b)
{
    sum_add(&a->sum, &b->sum);
    for (int l = 0; l < RDBL_DIFF__LISTS; l++) {
        for (size_t i = 0; i < b->top[l].n; i++)
            offer_key(&a->top[l], b->top[l].score[i], b->top[l].e[i]);
        b->top[l].n = 0;
    }
    for (size_t i = 0; i < b->nenc; i++) {
        const fam_acc *x = &b->enc[i];
        uint64_t k = ((uint64_t)x->node << 32) | ((uint64_t)x->type << 16) |
                     ((uint64_t)x->enc_b << 8) | x->enc_a;
        fam_acc *y = fam_row(&a->enc_map, &a->enc, &a->nenc, &a->enc_cap, k);
        if (!y)
            return RDBL_NOMEM;
        y->node = x->node;
        y->type = x->type;
        y->enc_b = x->enc_b;
        y->enc_a = x->enc_a;
        y->keys += x->keys;
        y->mem_b += x->mem_b;
        y->mem_a += x->mem_a;
    }
    for (size_t i = 0; i < b->ttl_n; i++) {
        const fam_acc *x = &b->ttl[i];
        fam_acc *y = fam_row(&a->ttl_map, &a->ttl, &a->ttl_n, &a->ttl_cap, x->node);
        if (!y)
            return RDBL_NOMEM;
        y->node = x->node;
        y->gained += x->gained;
        y->lost += x->lost;
        y->gained_bytes += x->gained_bytes;
        y->lost_bytes += x->lost_bytes;
    }
    return RDBL_OK;
}

rdbl_status rdbl__diff_join(rdbl_diff *d, rdbl__dparts *old, rdbl__dparts *new_,
                            const char *const *encs, const rdbl_prefix_agg *tree,
                            int64_t new_ref_ms, rdbl_error *err)
{
    /* Two threads when there are two cores, each joining every other
     * partition with its own counts, top lists, family rows and buffers
     * (the family map and the tree are only read), merged at the end. */
    joiner j[2];
    memset(j, 0, sizeof j);
    int nj = d->opts.ao.threaded && old->n > 1 ? 2 : 1;
    rdbl__dfam *fam = rdbl__dfam_new(tree, &d->opts.agg); /* builds the tree's view: before any thread */
    rdbl_status st = fam ? RDBL_OK : RDBL_NOMEM;
    for (int t = 0; t < nj && st == RDBL_OK; t++)
        st = joiner_init(&j[t], d, fam, new_ref_ms);
    share sh[2];
    for (int t = 0; t < nj; t++)
        sh[t] = (share){&j[t], old, new_, (unsigned)t, (unsigned)nj, st};
    pthread_t th;
    bool second = st == RDBL_OK && nj == 2 && pthread_create(&th, NULL, join_share, &sh[1]) == 0;
    if (nj == 2 && !second && st == RDBL_OK)
        sh[0].step = 1; /* no thread: all partitions here */
    if (st == RDBL_OK)
        join_share(&sh[0]);
    if (second)
        pthread_join(th, NULL);
    st = sh[0].st;
    if (second && st == RDBL_OK)
        st = sh[1].st;
    if (second && st == RDBL_OK)
        st = merge(&j[0], &j[1]);
    if (st == RDBL_OK) {
        sum_add(&d->summary, &j[0].sum);
        st = finish(&j[0], encs, tree);
    }
    for (int t = 0; t < nj; t++)
        joiner_free(&j[t]);
    rdbl__dfam_free(fam);
    if (st != RDBL_OK)
        rdbl__fail(err, st, 0, st == RDBL_IO ? RDBL_DIFF_TEMP : "diff join",
                   st == RDBL_IO ? "cannot read back a temporary file" : "out of memory");
    return st;
}
