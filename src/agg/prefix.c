/* Prefix tree and key patterns.
 *
 *   key "user:1234:cart"  ──split at delimiters──▶  "user" ":" "1234" ":" "cart"
 *                         ──fold id segments────▶  "user" ":" "*"    ":" "cart"
 *
 *   root (all keys)
 *    ├─ user                 every key whose first segment is "user"
 *    │   ├─ *   (sep ':')    "user:<id>..."
 *    │   │   ├─ cart         "user:<id>:cart"        <- the key ends here
 *    │   │   └─ (other)      folded small subtrees (exact totals)
 *    ...
 *
 * Storage: nodes live in one array (ids are uint32 indexes, 0 is the root),
 * labels in one byte arena, and a single open-addressing table maps
 * (parent, separator, label) to a node. Adding a key hashes each of its (at
 * most max_depth) segments once and allocates nothing once the nodes exist.
 *
 * Bounded: when the live node count would pass the budget, compact() folds
 * the smallest subtrees (by memory, then keys) into their parent's
 * "(other)" child until half of the budget is free (a compaction costs a
 * sort of the nodes, so it must not run often). Totals move, never
 * vanish: every node still counts every key below it. A folded label that
 * shows up again gets a new node, which then only counts keys seen after
 * the fold: rdbl_prefix_agg_folds() says whether that ever happened. */
#include <errno.h>

#include "agg/agg_internal.h"
#include "swar.h"

enum { K_ROOT = 0, K_NORMAL = 1, K_OTHER = 2 };

/* Byte classes for splitting keys (rdbl__prefix_prepare). */
enum { C_DELIM = 1, C_DIGIT = 2, C_AT = 4, C_UPPER = 8 };

typedef struct pnode {
    rdbl_prefix_totals t;
    /* beside the totals: every key of the path reads it too */
    uint32_t ex_rank;      /* the example key's rank (see EX_CAP), EX_NONE = no example */
    uint32_t parent;
    uint32_t first_child;  /* child list (unordered), 0 = none */
    uint32_t next_sibling; /* also the free-list link of dead slots */
    uint32_t prev_sibling; /* 0 = the first child */
    uint32_t other;        /* this node's "(other)" child, 0 = none */
    uint32_t label_off, label_len;
    uint32_t hash;
    uint32_t nnamed;       /* children in the label sample (see sampling) */
    uint32_t thr;          /* the last kept child of the last selection, 0 = none */
    uint8_t sep;   /* the delimiter before the label; 0 at depth 1 */
    uint8_t depth;
    uint8_t kind;
    uint8_t alive;
    uint8_t overflow;      /* more distinct labels came here than the sample holds */
    uint8_t ex_len;        /* bytes of the example key kept (at most EX_CAP) */
    uint32_t kmv;          /* values sketch index + 1 (nodes whose label has a '*'), 0 = none */
    uint32_t ex_off;       /* the example key's bytes in the examples arena */
    uint32_t kcut;         /* a full values sketch's largest hash (0: not full): larger ones are out */
} pnode;

/* Example keys: each node keeps the key of lowest rank among the keys below
 * it (a hash of the key made from the hashes rdbl__prefix_prepare computes
 * anyway, ties by bytes; keys longer than EX_CAP rank after all shorter
 * ones, by a hash of their first EX_CAP bytes, and are kept cut), so the
 * example of a union is the smaller of the two and merge or -j write the
 * same one. One field per node (its bytes in the node's slot of one slab,
 * EX_CAP bytes a slot: no arena to compact; the pattern view points into
 * the tree's slab), read through rdbl_prefix_agg_example(). 128 bytes:
 * Java and Django names run past 64 (Spring Session's index keys are ~110),
 * and a segment shown as it is because it kept one value (unfold_constants)
 * is read back from the example, which must hold it whole; 8 MiB more at
 * a full default node budget. */
enum { EX_CAP = 128 };
#define EX_NONE UINT32_MAX
#define EX_VIEW 0x80000000u /* ex_off: a slot of the view's own examples (exv) */

/* The distinct values a "*" stands for: the KMV_K smallest hashes of the
 * segments it took (ascending). Fewer than KMV_K: the exact count; else
 * the usual estimate (KMV_K - 1) * 2^32 / largest (about +/-13% with 64;
 * 32 gave rows 35% off). Unions are exact. */
enum { KMV_K = 64 };
/* Beside it, for a "*" the sample sent labels to: the label of smallest
 * value hash (then bytes) among those a key ends at, at most LEAF_CAP
 * bytes and without a '*' (a minimum: unions are exact). When one key
 * ends at such a "*" beside its deeper keys, this is its name (carve_leaf:
 * "lb:global" beside "lb:<game>:<month>"). */
enum { LEAF_CAP = 48 };
typedef struct kmv {
    uint32_t h[KMV_K];
    uint32_t n;
    uint32_t leaf_h;           /* 0 = no label */
    uint32_t free_next;        /* on the free list: the next free sketch + 1 (0 = last) */
    uint8_t leaf_len;
    uint8_t leaf[LEAF_CAP];
} kmv;

struct rdbl_prefix_agg {
    rdbl__aopts opts;
    uint8_t cls[256];          /* C_DELIM / C_DIGIT per byte */
    int delim1;                /* the delimiter when there is exactly one, else -1 */
    pnode *nodes;
    uint32_t nslots, slot_cap; /* slots used (alive or dead) / allocated */
    uint32_t alive;
    uint32_t free_head;        /* dead slot list through next_sibling, 0 = none */
    uint64_t *table;           /* hash << 32 | node id; 0 = empty (the root is never in it) */
    uint32_t tmask;
    uint32_t tused;
    uint8_t *labels;
    size_t lab_len, lab_cap, lab_dead;
    uint64_t folds;
    kmv *kmvs;                 /* values sketches (pnode.kmv) */
    uint32_t nkmv, kmv_cap;
    uint32_t kmv_free;         /* sketches of dead nodes, to reuse: index + 1, 0 = none */
    uint8_t *exb;              /* example key bytes: EX_CAP per slot (pnode.ex_off) */
    bool ex_borrowed;          /* the view: exb is the tree's, examples are not copied */
    uint8_t *exv;              /* the view's own examples (rows it carves), EX_CAP per slot */
    uint32_t nexv, exv_cap;
    bool is_view;              /* a pattern view (built by build_view) */
    const rdbl_top_agg *big;   /* the exact top keys, whose big keys the view names (carve_big) */
    struct rdbl_prefix_agg *view; /* the pattern view of this tree, built on first read */
};

static inline uint64_t swar_hex(uint64_t v)
{
    /* | 0x20 maps 'A'-'F' onto 'a'-'f', and no other byte into them */
    return rdbl__swar_digit(v) | rdbl__swar_range(v | RDBL__B1 * 0x20, 'a', 'f');
}

/* Hex ids and hashes, the most common long ids, settled a word at a time:
 * n >= 8 bytes, all hex, at least one digit (fold's hex rule; any other rule
 * that matches such a segment also folds it to "*"). */
static bool is_hex_id(const uint8_t *s, size_t n)
{
    if (n < 8)
        return false;
    uint64_t hex = RDBL__B8, dig = 0;
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t v = rdbl__le64(s + i);
        hex &= swar_hex(v);
        dig |= rdbl__swar_digit(v);
        if (hex != RDBL__B8)
            return false;
    }
    if (i < n) { /* the last 8 bytes again, overlapping */
        uint64_t v = rdbl__le64(s + n - 8);
        hex &= swar_hex(v);
        dig |= rdbl__swar_digit(v);
    }
    return hex == RDBL__B8 && dig != 0;
}

/* ---- segment folding ---------------------------------------------------------- */

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* The number of bytes marked in a mask (top bits only): the bits moved to
 * the bottom of each byte and summed into the top byte by one multiply. */
static size_t count8(uint64_t mask)
{
    return (size_t)(((mask >> 7) * RDBL__B1) >> 56);
}

/* The next word of s[0, n) from *at on (at < n), for per-class counts and
 * tests: a whole word, or the last bytes as an overlapping word (*keep marks
 * only the bytes not seen yet), or under 8 bytes a copy padded with zeros
 * (*keep marks the n bytes). *base is the offset of the word's first byte;
 * *at moves past it. */
static inline uint64_t next_word(const uint8_t *s, size_t n, size_t *at, uint64_t *keep,
                                 size_t *base)
{
    size_t a = *at;
    *keep = RDBL__B8;
    *base = a;
    if (n - a >= 8) {
        *at = a + 8;
        return rdbl__le64(s + a);
    }
    *at = n;
    if (n >= 8) {
        *base = n - 8;
        *keep = RDBL__B8 << (8 * (8 - (n - a)));
        return rdbl__le64(s + n - 8);
    }
    uint8_t w[8] = {0};
    memcpy(w, s, n);
    *keep = RDBL__B8 >> (8 * (8 - n));
    return rdbl__le64(w);
}

/* An e-mail address: one '@' with a non-empty local part, and a domain with
 * a dot inside it; no blanks or control bytes. Addresses are ids, whether
 * or not they hold a digit: user:email:ann@example.com -> user:email:*.
 * The '@' count and the blanks a word at a time (next_word), the dot by
 * bytes. */
static bool is_email(const uint8_t *s, size_t n)
{
    size_t ats = 0, a = n;
    uint64_t bad = 0;
    for (size_t at = 0; at < n;) {
        uint64_t keep;
        size_t base;
        uint64_t v = next_word(s, n, &at, &keep, &base);
        /* bytes <= ' ' or 0x7f (bytes >= 0x80 are neither) */
        bad |= (rdbl__swar_range(v, 0, ' ') | rdbl__swar_eq(v, 0x7f)) & keep;
        uint64_t am = rdbl__swar_eq(v, '@') & keep;
        if (am && a == n)
            a = base + (unsigned)__builtin_ctzll(am) / 8;
        ats += count8(am);
    }
    if (ats != 1 || bad || a == 0)
        return false;
    /* a dot strictly inside the domain: at a + 2 .. n - 2 */
    for (size_t i = a + 2; i + 1 < n; i++)
        if (s[i] == '.')
            return true;
    return false;
}

/* The byte classes fold() counts, 8 bytes at a time: one bit (the top bit
 * of the byte) per byte of the class. */
typedef struct fold_masks {
    uint64_t dig, hex, alnum, upper, lower;
} fold_masks;

static void fold_classify(uint64_t v, uint64_t keep, fold_masks *m)
{
    uint64_t folded = v | (RDBL__B1 * 0x20); /* 'A'-'Z' -> 'a'-'z'; nothing else becomes a letter */
    uint64_t d = rdbl__swar_digit(v) & keep;
    uint64_t letter = rdbl__swar_range(folded, 'a', 'z') & keep;
    uint64_t lo = rdbl__swar_range(v, 'a', 'z') & keep;
    m->dig = d;
    m->lower = lo;
    m->upper = letter & ~lo;
    m->alnum = d | letter;
    m->hex = d | (rdbl__swar_range(folded, 'a', 'f') & keep);
}

static bool is_b64_byte(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '+' ||
           c == '/' || c == '=' || c == '_' || c == '-';
}

/* Only asked of long tokens that passed every other test of the base64
 * rule, so a byte loop. */
static bool all_b64(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_b64_byte(s[i]))
            return false;
    return true;
}

/* Letter/digit alternations of an all-alphanumeric segment: positions
 * where a digit follows a letter or a letter a digit. */
static size_t transitions(const uint8_t *s, size_t n)
{
    size_t t = 0;
    for (size_t i = 1; i < n; i++)
        t += is_digit(s[i]) != is_digit(s[i - 1]);
    return t;
}

/* ---- tokens inside a segment --------------------------------------------------
 *
 * A segment that no whole-segment rule folds may still hold ids between
 * other delimiters ('.', '/', '|', '-', '_', ',', '='): Django's
 * "views.decorators.cache.cache_page..GET.<md5>.<md5>.en-us.UTC", Sidekiq
 * 7's "j|240305|6", "celery-task-meta-<uuid>", Magento's "sess_<26>",
 * "ip-10-0-6-174.27229". Each token is folded alone (a word stays), and a
 * random tail glued to a head of words becomes one '*':
 * "sess_k2j3...", "flask_cache_Xy3-_a9..." -> "sess_*", "flask_cache_*".
 * When every token is an id the segment is one '*' ("10.0.0.1",
 * "2024-03-05"), as the whole-segment rules would say. */

static bool is_sub(uint8_t c)
{
    /* a bit per byte value below 128: ',' '-' '.' '/' '=', then '_' '|' */
    const uint64_t lo = 1ULL << ',' | 1ULL << '-' | 1ULL << '.' | 1ULL << '/' | 1ULL << '=';
    const uint64_t hi = 1ULL << ('_' - 64) | 1ULL << ('|' - 64);
    return c < 64 ? (lo >> c) & 1 : c < 128 && ((hi >> (c - 64)) & 1);
}

static bool is_alpha(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hexc(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The classes of a token's bytes, gathered while tok_scan looks for its
 * end: most tokens are settled by them alone (tok_class). */
enum { T_DIGIT = 1, T_LETTER = 2, T_UPPER = 4, T_OTHER = 8 };

/* The end of the token at i (the next delimiter of the token pass, or n);
 * *cls gets the T_* classes of its bytes. */
static size_t tok_scan(const uint8_t *s, size_t n, size_t i, unsigned *cls)
{
    unsigned c = 0;
    for (; i < n && !is_sub(s[i]); i++) {
        uint8_t b = s[i];
        if (is_digit(b))
            c |= T_DIGIT;
        else if (is_alpha(b))
            c |= b <= 'Z' ? T_LETTER | T_UPPER : T_LETTER;
        else
            c |= T_OTHER;
    }
    *cls = c;
    return i;
}

/* 0: a word or constant (stays), 1: an id ('*'), 2: letters then digits
 * ("worker36" -> "worker*"). cls: the token's T_* classes (tok_scan). */
static int tok_class(const uint8_t *t, size_t m, unsigned cls)
{
    size_t dig = 0, up = 0, low = 0, hex = 0, alnum = 0, head = 0, inner_up = 0;
    if (m == 0)
        return 0;
    /* Most tokens are settled by their classes: a byte that is not a
     * letter or digit (0), only digits (1), neither a digit nor a capital
     * (0: every rule below needs a digit, but the mixed-case one, which
     * needs a capital). */
    if (cls & T_OTHER)
        return 0;
    if (!(cls & T_LETTER))
        return 1;
    if (!(cls & (T_DIGIT | T_UPPER)))
        return 0;
    for (size_t i = 0; i < m; i++) {
        uint8_t c = t[i];
        dig += is_digit(c);
        up += c >= 'A' && c <= 'Z';
        inner_up += i > 0 && c >= 'A' && c <= 'Z' && t[i - 1] >= 'a' && t[i - 1] <= 'z';
        low += c >= 'a' && c <= 'z';
        hex += is_hexc(c);
        alnum += is_digit(c) || is_alpha(c);
    }
    while (head < m && is_alpha(t[head]))
        head++;
    if (alnum != m)
        return 0;
    if (dig == m)
        return 1;
    if (m >= 8 && hex == m && dig)
        return 1;
    if (dig && head >= 1 && dig == m - head)
        return 2;
    if (dig && m >= 5 && transitions(t, m) >= 2)
        return 1;
    if (m >= 8 && inner_up && low && (inner_up >= 2 || dig))
        return 1; /* random mixed case: "aBcDeFgH" */
    return 0;
}

/* A head of words may end here, followed by a random tail: the rest is
 * base64url bytes, at least 12 of them, and mixes classes. */
static bool random_tail(const uint8_t *s, size_t n)
{
    if (n < 12)
        return false;
    size_t dig = 0, up = 0, low = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (!(is_digit(c) || is_alpha(c) || c == '_' || c == '-'))
            return false;
        dig += is_digit(c);
        up += c >= 'A' && c <= 'Z';
        low += c >= 'a' && c <= 'z';
    }
    return (dig && (up || low) && transitions(s, n) >= 3) || (up >= 3 && low >= 3);
}

static bool is_uuid(const uint8_t *s)
{
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hexc(s[i]))
            return false;
    }
    return true;
}

/* Two or more lowercase letters, then a delimiter of the token pass. */
static bool word_head(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= 'a' && s[i] <= 'z')
        i++;
    return i >= 2 && i < n && is_sub(s[i]);
}

/* The token pass (above): writes the label into buf (cap bytes) and
 * returns its length, or 0 when the segment stays as it is. */
static size_t tok_fold(const uint8_t *s, size_t n, uint8_t *buf, size_t cap)
{
    if (n > 37 && is_sub(s[n - 37]) && is_uuid(s + n - 36)) {
        size_t h = n - 36; /* "celery-task-meta-" + uuid */
        if (h + 1 > cap)
            h = cap - 1;
        memcpy(buf, s, h);
        buf[h] = '*';
        return h + 1;
    }
    /* a head of lowercase words, each ending at a delimiter, then a random
     * tail ("sess_", "flask_cache_", "" for a bare token) */
    size_t head = 0;
    for (;;) {
        size_t j = head;
        while (j < n && s[j] >= 'a' && s[j] <= 'z')
            j++;
        if (j - head < 2 || j >= n || !is_sub(s[j]))
            break;
        head = j + 1;
    }
    if (random_tail(s + head, n - head)) {
        if (head + 1 > cap)
            head = cap - 1;
        memcpy(buf, s, head);
        buf[head] = '*';
        return head + 1;
    }
    /* Tokens that stay and the delimiters are copied lazily: buf[ro, o)
     * is s[run, run + o - ro), written when a token changes or at the end
     * (one copy per run, not per token). */
    size_t o = 0, ntok = 0, nstar = 0, run = 0, ro = 0;
    bool changed = false;
    for (size_t i = 0; i <= n;) {
        unsigned tc;
        size_t j = tok_scan(s, n, i, &tc);
        int cls = tok_class(s + i, j - i, tc);
        size_t want = cls == 1 ? 1 : cls == 2 ? 1 + (size_t)(j - i) : j - i;
        if (o + want + 1 > cap) {
            memcpy(buf + ro, s + run, o - ro);
            buf[o < cap ? o : cap - 1] = '*';
            return o < cap ? o + 1 : cap;
        }
        if (cls == 0) {
            o += j - i;
        } else {
            memcpy(buf + ro, s + run, o - ro);
            if (cls == 1) {
                nstar++;
            } else {
                size_t h = 0;
                while (is_alpha(s[i + h]))
                    h++;
                memcpy(buf + o, s + i, h);
                o += h;
            }
            buf[o++] = '*';
            changed = true;
            run = j;
            ro = o;
        }
        ntok++;
        if (j == n)
            break;
        o++; /* the delimiter s[j] */
        i = j + 1;
    }
    if (!changed || ntok < 2)
        return 0;
    if (nstar == ntok) {
        buf[0] = '*';
        return 1;
    }
    if (o > ro)
        memcpy(buf + ro, s + run, o - ro);
    return o;
}

/* Whether every byte is a digit or one of "-_.TZ+", a word at a time
 * (next_word). */
static bool date_bytes(const uint8_t *s, size_t n)
{
    for (size_t at = 0; at < n;) {
        uint64_t keep;
        size_t base;
        uint64_t v = next_word(s, n, &at, &keep, &base);
        /* digits, '-' and '.' first: the rest only when a byte is none */
        uint64_t ok = rdbl__swar_digit(v) | rdbl__swar_range(v, '-', '.');
        if ((ok & keep) != keep) {
            ok |= rdbl__swar_eq(v, '_') | rdbl__swar_eq(v, 'T') | rdbl__swar_eq(v, 'Z') |
                  rdbl__swar_eq(v, '+');
            if ((ok & keep) != keep)
                return false;
        }
    }
    return true;
}

/* Decides the label of one segment. Folded labels are written into buf
 * (RDBL__FOLD_CAP bytes); otherwise *lab points into the segment itself. */
static void fold(const uint8_t *s, size_t n, uint8_t *buf, const uint8_t **lab, size_t *lablen)
{
    *lab = s;
    *lablen = n;
    if (n == 0)
        return;
    if (is_hex_id(s, n)) { /* the most common long ids, settled first */
        buf[0] = '*';
        *lab = buf;
        *lablen = 1;
        return;
    }
    if (memchr(s, '@', n) && is_email(s, n)) {
        buf[0] = '*';
        *lab = buf;
        *lablen = 1;
        return;
    }
    /* Class counts, a word at a time: whole words, then the last bytes as
     * an overlapping word (or, under 8 bytes, copied into one). */
    size_t digits = 0, hex = 0, alnum = 0;
    uint64_t any_up = 0, any_low = 0;
    for (size_t at = 0; at < n;) {
        uint64_t keep;
        size_t base;
        uint64_t v = next_word(s, n, &at, &keep, &base);
        fold_masks m;
        fold_classify(v, keep, &m);
        /* digits and hex bytes in one count: at most 8 of each, so the
         * digits fill the low 4 bits of the sum and the hex bytes the high */
        size_t dh = (size_t)((((m.dig >> 7) | (m.hex >> 3)) * RDBL__B1) >> 56);
        digits += dh & 15;
        hex += dh >> 4;
        alnum += count8(m.alnum);
        any_up |= m.upper;
        any_low |= m.lower;
    }
    /* Every rule below needs a digit, but the UUID one (36 hex characters
     * and dashes could all be letters) and random mixed-case tails. */
    if (digits == 0 && n != 36) {
        if (any_up && any_low) {
            size_t k = tok_fold(s, n, buf, RDBL__FOLD_CAP);
            if (k) {
                *lab = buf;
                *lablen = k;
            }
        }
        return;
    }
    const bool upper = any_up != 0, lower = any_low != 0;
    bool star = false;
    if (digits == n) {
        star = true; /* decimal ids, Unix timestamps */
    } else if (s[0] == '-' && digits == n - 1 && n > 1) {
        star = true;
    } else if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
               hex == 32) {
        star = true; /* UUID */
    } else if (n >= 8 && hex == n && digits > 0) {
        star = true; /* hex ids, hashes */
    } else if (is_digit(s[0]) && digits >= 6 && digits * 10 >= n * 6) {
        /* dates and times: 2024-01-31, 20240131T1200Z, 1700000000.123 */
        star = date_bytes(s, n);
    }
    if (!star && word_head(s, n)) {
        /* a word glued to the rest ("flask_cache_..."): the token pass
         * keeps it, where the base64 rule below would take it all */
        size_t k = tok_fold(s, n, buf, RDBL__FOLD_CAP);
        if (k) {
            *lab = buf;
            *lablen = k;
            return;
        }
    }
    if (!star && n >= 16 && digits > 0 && (upper + lower) > 0 &&
        ((upper > 0 && lower > 0) || digits >= 4) && s[0] != '/' && all_b64(s, n)) {
        star = true; /* base64 / base64url tokens, session ids; not paths */
    }
    if (!star && n >= 8 && alnum == n && digits > 0 && transitions(s, n) >= 3)
        star = true; /* random alphanumerics: aB3xQ9kL */
    if (star) {
        buf[0] = '*';
        *lab = buf;
        *lablen = 1;
        return;
    }
    /* ids between other delimiters, random tails glued to words */
    size_t k = tok_fold(s, n, buf, RDBL__FOLD_CAP);
    if (k) {
        *lab = buf;
        *lablen = k;
        return;
    }
    if (n >= 3 && s[0] == '{' && s[n - 1] == '}' && digits > 0) {
        memcpy(buf, "{*}", 3); /* cluster hash tags: {tenant12} */
        *lab = buf;
        *lablen = 3;
        return;
    }
    /* 3+ digits after a head without digits: order12345 -> order*; also
     * paths and URLs ending in an id ("/p/garden/160061": the head stays) */
    size_t head = 0;
    while (head < n && !is_digit(s[head]))
        head++;
    if (head >= 1 && head <= 32 && n - head >= 3 && digits == n - head) {
        memcpy(buf, s, head);
        buf[head] = '*';
        *lab = buf;
        *lablen = head + 1;
    }
}

size_t rdbl_prefix_fold_segment(const uint8_t *seg, size_t len, uint8_t *out, size_t cap)
{
    uint8_t buf[RDBL__FOLD_CAP];
    const uint8_t *lab;
    size_t n;
    fold(seg, len, buf, &lab, &n);
    if (cap)
        memcpy(out, lab, n < cap ? n : cap);
    return n;
}

/* ---- nodes, table, arena --------------------------------------------------------- */

static const uint8_t *label_of(const rdbl_prefix_agg *p, const pnode *nd)
{
    /* labels is allocated in rdbl_prefix_agg_new, so never NULL here */
    return p->labels + nd->label_off;
}

/* A node's hash covers its whole path: the parent's hash, the separator and
 * the label (the root's hash is 0). So the slots of every segment of a key
 * are known from the key alone, before any lookup, and a batch can prefetch
 * them (rdbl__prefix_prefetch). Lookups still compare parent, separator and
 * label. */
static inline uint32_t seg_hash(uint32_t parent_hash, uint8_t sep, const uint8_t *lab, size_t n)
{
    /* One multiply per 8 bytes and one to finish: labels are short and
     * every key hashes up to max_depth of them in a dependent chain, so the
     * latency of a strong mix per word showed in the profile. The table
     * takes the low bits: the result is the top half of the last product. */
    const uint64_t k = 0x9e3779b97f4a7c15ULL;
    uint64_t h = ((uint64_t)parent_hash << 8 | sep) ^ (uint64_t)n << 40;
    size_t i = 0;
    for (; n - i >= 8; i += 8)
        h = (h ^ rdbl__le64(lab + i)) * k, h ^= h >> 32;
    size_t r = n - i;
    uint64_t v = 0;
    if (r >= 4)
        v = (uint64_t)rdbl__le32(lab + i) << 32 | rdbl__le32(lab + n - 4);
    else if (r > 0)
        v = (uint64_t)lab[i] << 16 | (uint64_t)lab[i + r / 2] << 8 | lab[n - 1];
    h = (h ^ v) * k;
    h = (h ^ h >> 29) * 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(h >> 32);
}

static rdbl_status table_resize(rdbl_prefix_agg *p, uint32_t want)
{
    /* at most half full after a resize to want entries, and it grows at
     * half (create): lookups probe a slot or two, not three to four */
    uint32_t size = 64;
    while (size < (uint64_t)want * 4 && size < (1u << 31))
        size <<= 1;
    uint64_t *t = calloc(size, sizeof *t);
    if (!t)
        return RDBL_NOMEM;
    free(p->table);
    p->table = t;
    p->tmask = size - 1;
    p->tused = 0;
    for (uint32_t i = 1; i < p->nslots; i++) {
        const pnode *nd = &p->nodes[i];
        if (!nd->alive || nd->kind != K_NORMAL)
            continue;
        uint32_t h = nd->hash & p->tmask;
        while (t[h])
            h = (h + 1) & p->tmask;
        t[h] = (uint64_t)nd->hash << 32 | i;
        p->tused++;
    }
    return RDBL_OK;
}

/* Labels are short: compared with a few loads inside both of them (the
 * first and last 4 or 8 bytes overlap), memcmp only past 16 bytes. */
static inline bool label_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n >= 8) {
        if (n > 16)
            return memcmp(a, b, n) == 0;
        return rdbl__le64(a) == rdbl__le64(b) && rdbl__le64(a + n - 8) == rdbl__le64(b + n - 8);
    }
    if (n >= 4)
        return rdbl__le32(a) == rdbl__le32(b) && rdbl__le32(a + n - 4) == rdbl__le32(b + n - 4);
    /* 0-3 bytes: the first, middle and last cover them all */
    return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

static inline uint32_t lookup(const rdbl_prefix_agg *p, uint32_t parent, uint8_t sep,
                       const uint8_t *lab, size_t n, uint32_t h)
{
    uint32_t i = h & p->tmask;
    for (;;) {
        uint64_t slot = p->table[i];
        if (!slot)
            return 0;
        /* the hash is in the slot: other nodes are skipped without a visit */
        if ((uint32_t)(slot >> 32) == h) {
            uint32_t id = (uint32_t)slot;
            const pnode *nd = &p->nodes[id];
            if (nd->parent == parent && nd->sep == sep && nd->label_len == n &&
                label_eq(label_of(p, nd), lab, n))
                return id;
        }
        i = (i + 1) & p->tmask;
    }
}

static rdbl_status arena_put(rdbl_prefix_agg *p, const uint8_t *lab, size_t n, uint32_t *off)
{
    if (n > UINT32_MAX || p->lab_len + n > UINT32_MAX)
        return RDBL_NOMEM;
    if (p->lab_len + n > p->lab_cap) {
        size_t nc = p->lab_cap ? p->lab_cap : 4096;
        while (nc < p->lab_len + n)
            nc *= 2;
        uint8_t *nl = realloc(p->labels, nc);
        if (!nl)
            return RDBL_NOMEM;
        p->labels = nl;
        p->lab_cap = nc;
    }
    if (n)
        memcpy(p->labels + p->lab_len, lab, n);
    *off = (uint32_t)p->lab_len;
    p->lab_len += n;
    return RDBL_OK;
}

/* A fresh slot (from the free list or appended). 0 when out of memory. */
static uint32_t slot_new(rdbl_prefix_agg *p)
{
    uint32_t id;
    if (p->free_head) {
        id = p->free_head;
        p->free_head = p->nodes[id].next_sibling;
    } else {
        if (p->nslots == p->slot_cap) {
            if (p->slot_cap >= (1u << 31))
                return 0;
            uint32_t nc = p->slot_cap ? p->slot_cap * 2 : 256;
            pnode *nn = realloc(p->nodes, (size_t)nc * sizeof *nn);
            if (!nn)
                return 0;
            p->nodes = nn;
            if (!p->ex_borrowed) {
                uint8_t *ne = realloc(p->exb, (size_t)nc * EX_CAP);
                if (!ne)
                    return 0;
                p->exb = ne;
            }
            p->slot_cap = nc;
        }
        id = p->nslots++;
    }
    memset(&p->nodes[id], 0, sizeof p->nodes[id]);
    p->nodes[id].ex_rank = EX_NONE;
    return id;
}

static void link_child(rdbl_prefix_agg *p, uint32_t parent, uint32_t id)
{
    uint32_t first = p->nodes[parent].first_child;
    p->nodes[id].next_sibling = first;
    p->nodes[id].prev_sibling = 0;
    if (first)
        p->nodes[first].prev_sibling = id;
    p->nodes[parent].first_child = id;
}

/* ---- label sampling ---------------------------------------------------------------
 *
 * A position where many distinct labels come (invite codes, random game
 * names, nanoids) must not become one node per key. Each node keeps at
 * most SAMPLE (SAMPLE_ROOT at the root) children by name: the labels of
 * lowest rank (rank_of: a hash of separator and label, then bytes);
 * every other label goes to the node's "*" child, with its subtree, and
 * the node is marked overflow ("variable" in JSON). The kept set is the bottom-k of the distinct
 * labels, so it depends on the set of keys only, not on their order, and
 * the sample of a union is the sample of the shards' samples: a merge of
 * shard reports or of -j trees gives the tree of all keys, node for node.
 * What the reader sees is the pattern view built from this tree
 * (build_view). Shape-folded "*" labels are not in the sample. */
enum { SAMPLE = 64, SAMPLE_ROOT = 4096 };

static bool is_star(const uint8_t *lab, size_t n)
{
    return n == 1 && lab[0] == '*';
}

static bool in_sample(const rdbl_prefix_agg *p, uint32_t id)
{
    const pnode *nd = &p->nodes[id];
    return nd->kind == K_NORMAL && !is_star(label_of(p, nd), nd->label_len);
}

static uint32_t sample_cap(const rdbl_prefix_agg *p, uint32_t id)
{
    return p->nodes[id].depth == 0 ? SAMPLE_ROOT : SAMPLE;
}

/* A sampled label's rank: a hash of its separator and bytes, not of its
 * path (the node hash), so a label ranks the same under every parent. When
 * a demotion moves a child's subtree under its parent's "*", the labels
 * the child kept and let go keep their order there, and what the "*"
 * keeps does not depend on whether the demotion came before or after the
 * labels (at depth 1 this is the node hash: the root's hash is 0). */
static inline uint32_t rank_of(uint8_t sep, const uint8_t *lab, size_t n)
{
    return seg_hash(0, sep, lab, n);
}

/* Compares the label lab (separator sep) with node b's by rank, then
 * length and bytes. */
static int rank_cmp_lab(const rdbl_prefix_agg *p, uint8_t sep, const uint8_t *lab, size_t n,
                        uint32_t b)
{
    const pnode *y = &p->nodes[b];
    uint32_t h = rank_of(sep, lab, n), yh = rank_of(y->sep, label_of(p, y), y->label_len);
    if (h != yh)
        return h < yh ? -1 : 1;
    if (n != y->label_len)
        return n < y->label_len ? -1 : 1;
    int c = n ? memcmp(lab, label_of(p, y), n) : 0;
    return c ? c : 0;
}

/* The hash of a segment's own bytes (the values sketch's), never 0. */
static uint32_t value_hash(const uint8_t *s, size_t n)
{
    uint32_t h = seg_hash(0x51ed27u, 0, s, n);
    return h ? h : 1;
}

/* ---- example keys (see EX_CAP) ---- */

/* The rank of a key longer than EX_CAP whose first n bytes are k: after
 * every shorter key (whose ranks have 31 bits, rdbl__prefix_prepare). */
static uint32_t cut_rank(const uint8_t *k, size_t n)
{
    uint32_t r = seg_hash(0x6b6579u, 0, k, n) >> 1 | 0x80000000u;
    return r == EX_NONE ? EX_NONE - 1 : r;
}

/* The rank of the example key k[0..n): of a key cut at n = EX_CAP bytes
 * when cut, else of the whole key (as rdbl__prefix_prepare ranks it). */
static uint32_t ex_rank_of(const rdbl_prefix_agg *p, const uint8_t *k, size_t n, bool cut)
{
    if (cut)
        return cut_rank(k, n);
    rdbl_key_facts f;
    memset(&f, 0, sizeof f);
    f.key.ptr = k;
    f.key.len = n;
    rdbl__prefix_prep x;
    rdbl__prefix_prepare(p, &f, &x);
    return x.exrank;
}

/* A node's example bytes: slot ex_off of the slab (the node's own slot;
 * in the view, the tree node's it came from). */
static inline const uint8_t *ex_bytes(const rdbl_prefix_agg *p, const pnode *nd)
{
    if (nd->ex_off & EX_VIEW)
        return p->exv + (size_t)(nd->ex_off & ~EX_VIEW) * EX_CAP;
    return p->exb + (size_t)nd->ex_off * EX_CAP;
}

/* Whether the n bytes k of rank rank come before node nd's example. */
static bool ex_before(const rdbl_prefix_agg *p, const pnode *nd, uint32_t rank, const uint8_t *k,
                      size_t n)
{
    if (rank != nd->ex_rank)
        return rank < nd->ex_rank;
    size_t m = n < nd->ex_len ? n : nd->ex_len; /* a hash tie: the smaller bytes */
    int c = m ? memcmp(k, ex_bytes(p, nd), m) : 0;
    return c < 0 || (c == 0 && n < nd->ex_len);
}

/* Offers the n (<= EX_CAP) bytes k, of rank rank, as id's example (into
 * id's own slot of the slab). */
static void ex_offer(rdbl_prefix_agg *p, uint32_t id, uint32_t rank, const uint8_t *k, size_t n)
{
    pnode *nd = &p->nodes[id];
    if (!ex_before(p, nd, rank, k, n))
        return;
    nd->ex_off = id;
    if (n)
        memmove(p->exb + (size_t)id * EX_CAP, k, n);
    nd->ex_len = (uint8_t)n;
    nd->ex_rank = rank;
}

static kmv *kmv_of(rdbl_prefix_agg *p, uint32_t id)
{
    pnode *nd = &p->nodes[id];
    if (!nd->kmv) {
        uint32_t at;
        if (p->kmv_free) {
            at = p->kmv_free - 1;
            p->kmv_free = p->kmvs[at].free_next;
        } else {
            if (p->nkmv == p->kmv_cap) {
                uint32_t nc = p->kmv_cap ? p->kmv_cap * 2 : 64;
                kmv *nk = realloc(p->kmvs, (size_t)nc * sizeof *nk);
                if (!nk)
                    return NULL;
                p->kmvs = nk;
                p->kmv_cap = nc;
            }
            at = p->nkmv++;
        }
        p->kmvs[at].n = 0;
        p->kmvs[at].leaf_h = 0;
        nd->kmv = at + 1;
    }
    return &p->kmvs[nd->kmv - 1];
}

/* A dying node's values sketch goes to the free list for the next node
 * that needs one: compactions free and create nodes all the time, and the
 * sketches (316 bytes each) must stay as few as the nodes alive, not grow
 * with every node ever made (--node-budget 1000 on 1.5M keys of random
 * names: 660 MB of dead sketches). */
static void kmv_release(rdbl_prefix_agg *p, pnode *nd)
{
    if (!nd->kmv)
        return;
    p->kmvs[nd->kmv - 1].free_next = p->kmv_free;
    p->kmv_free = nd->kmv;
    nd->kmv = 0;
}

/* kmv_add() of a hash not past the node's full sketch: into its place. */
RDBL__AGG_OUTLINE static void kmv_insert(rdbl_prefix_agg *p, uint32_t id, uint32_t h)
{
    kmv *k = kmv_of(p, id);
    if (!k)
        return; /* out of memory: the estimate only loses this value */
    uint32_t i = 0, hi = k->n; /* i: how many hashes are <= h (they ascend) */
    while (i < hi) {
        uint32_t mid = (i + hi) / 2;
        if (k->h[mid] > h)
            hi = mid;
        else
            i = mid + 1;
    }
    if (i > 0 && k->h[i - 1] == h)
        return;
    if (i == KMV_K)
        return;
    uint32_t end = k->n < KMV_K ? k->n : KMV_K - 1;
    memmove(k->h + i + 1, k->h + i, (end - i) * sizeof *k->h);
    k->h[i] = h;
    if (k->n < KMV_K)
        k->n++;
    if (k->n == KMV_K)
        p->nodes[id].kcut = k->h[KMV_K - 1];
}

/* Adds value hash h to node id's sketch. Inline: once the sketch is full
 * most hashes are past its cut, a compare at the caller's site (the node
 * is in cache). */
static inline void kmv_add(rdbl_prefix_agg *p, uint32_t id, uint32_t h)
{
    const pnode *nd = &p->nodes[id];
    if (nd->kcut && h >= nd->kcut)
        return;
    kmv_insert(p, id, h);
}

static void kmv_union(rdbl_prefix_agg *dp, uint32_t d, const rdbl_prefix_agg *sp, uint32_t s)
{
    if (!sp->nodes[s].kmv)
        return;
    kmv k = sp->kmvs[sp->nodes[s].kmv - 1]; /* a copy: sp may be dp */
    for (uint32_t i = 0; i < k.n; i++)
        kmv_add(dp, d, k.h[i]);
}

/* Offers label lab (value hash h) of a key that ends at "*" node id. */
static void leaf_offer(rdbl_prefix_agg *p, uint32_t id, uint32_t h, const uint8_t *lab, size_t n)
{
    if (n > LEAF_CAP)
        return;
    kmv *k = kmv_of(p, id);
    if (!k || (k->leaf_h && h > k->leaf_h))
        return;
    if (k->leaf_h == h) { /* a hash tie: the smaller bytes */
        size_t m = n < k->leaf_len ? n : k->leaf_len;
        int c = m ? memcmp(lab, k->leaf, m) : 0;
        if (c > 0 || (c == 0 && n >= k->leaf_len))
            return;
    }
    if (n && memchr(lab, '*', n))
        return;
    k->leaf_h = h;
    k->leaf_len = (uint8_t)n;
    if (n)
        memcpy(k->leaf, lab, n);
}

/* "*" node d takes in the leaf label of s: s's own if s is a "*", s's
 * label if s is a sampled label some key ends at (a demotion). */
static void leaf_union(rdbl_prefix_agg *dp, uint32_t d, const rdbl_prefix_agg *sp, uint32_t s)
{
    const pnode *sn = &sp->nodes[s];
    if (!is_star(label_of(dp, &dp->nodes[d]), dp->nodes[d].label_len))
        return;
    if (sn->kmv) {
        kmv k = sp->kmvs[sn->kmv - 1]; /* a copy: sp may be dp */
        if (k.leaf_h)
            leaf_offer(dp, d, k.leaf_h, k.leaf, k.leaf_len);
        return;
    }
    if (!in_sample(sp, s) || sn->label_len > LEAF_CAP)
        return;
    uint64_t below = 0;
    for (uint32_t c = sn->first_child; c; c = sp->nodes[c].next_sibling)
        below += sp->nodes[c].t.keys;
    if (sn->t.keys > below) {
        uint8_t lab[LEAF_CAP]; /* a copy: the arena may move */
        memcpy(lab, label_of(sp, sn), sn->label_len);
        leaf_offer(dp, d, value_hash(lab, sn->label_len), lab, sn->label_len);
    }
}

static void totals_add(rdbl_prefix_totals *d, const rdbl_prefix_totals *s);

/* Node d of dp takes in node s of sp (sp may be dp): totals, the variable
 * mark, values, the example and the biggest key. */
static void node_add(rdbl_prefix_agg *dp, uint32_t d, const rdbl_prefix_agg *sp, uint32_t s)
{
    const pnode *sn = &sp->nodes[s];
    pnode *dn = &dp->nodes[d];
    totals_add(&dn->t, &sn->t);
    dn->overflow |= sn->overflow;
    if (sn->ex_rank != EX_NONE && dp->ex_borrowed) {
        /* the view: both examples are in the tree's arena, which the view
         * never changes */
        if (ex_before(dp, dn, sn->ex_rank, ex_bytes(sp, sn), sn->ex_len)) {
            dn->ex_rank = sn->ex_rank;
            dn->ex_off = sn->ex_off;
            dn->ex_len = sn->ex_len;
        }
    } else if (sn->ex_rank != EX_NONE && sn->ex_rank <= dn->ex_rank) {
        uint8_t b[EX_CAP]; /* a copy: the arena may move */
        memcpy(b, ex_bytes(sp, sn), sn->ex_len);
        ex_offer(dp, d, sn->ex_rank, b, sn->ex_len);
    }
    kmv_union(dp, d, sp, s);
    leaf_union(dp, d, sp, s);
}

/* The estimate, never above the node's keys (each key gives one value). */
static uint64_t kmv_estimate(const rdbl_prefix_agg *p, uint32_t id)
{
    if (!p->nodes[id].kmv)
        return 0;
    const kmv *k = &p->kmvs[p->nodes[id].kmv - 1];
    if (k->n < KMV_K)
        return k->n;
    uint64_t e = (uint64_t)((double)(KMV_K - 1) * 4294967296.0 / (double)k->h[KMV_K - 1]);
    return e < p->nodes[id].t.keys ? e : p->nodes[id].t.keys;
}

static uint32_t create(rdbl_prefix_agg *p, uint32_t parent, uint8_t sep, const uint8_t *lab,
                       size_t n, uint32_t h)
{
    if ((p->tused + 1) * 2 > p->tmask + 1 && table_resize(p, p->tused + 1) != RDBL_OK)
        return 0;
    uint32_t off;
    if (arena_put(p, lab, n, &off) != RDBL_OK)
        return 0;
    uint32_t id = slot_new(p);
    if (!id)
        return 0;
    pnode *nd = &p->nodes[id];
    nd->parent = parent;
    nd->label_off = off;
    nd->label_len = (uint32_t)n;
    nd->hash = h;
    nd->sep = sep;
    nd->depth = (uint8_t)(p->nodes[parent].depth + 1);
    nd->kind = K_NORMAL;
    nd->alive = 1;
    link_child(p, parent, id);
    if (in_sample(p, id))
        p->nodes[parent].nnamed++;
    uint32_t i = h & p->tmask;
    while (p->table[i])
        i = (i + 1) & p->tmask;
    p->table[i] = (uint64_t)h << 32 | id;
    p->tused++;
    p->alive++;
    return id;
}

static uint32_t get_other(rdbl_prefix_agg *p, uint32_t parent)
{
    if (p->nodes[parent].other)
        return p->nodes[parent].other;
    uint32_t id = slot_new(p);
    if (!id)
        return 0;
    pnode *nd = &p->nodes[id];
    nd->parent = parent;
    nd->depth = (uint8_t)(p->nodes[parent].depth + 1);
    nd->kind = K_OTHER;
    nd->alive = 1;
    link_child(p, parent, id);
    p->nodes[parent].other = id;
    p->alive++;
    return id;
}

static void totals_add(rdbl_prefix_totals *d, const rdbl_prefix_totals *s)
{
    d->keys = rdbl__sadd(d->keys, s->keys);
    d->mem_bytes = rdbl__sadd(d->mem_bytes, s->mem_bytes);
    d->rdb_bytes = rdbl__sadd(d->rdb_bytes, s->rdb_bytes);
    d->elements = rdbl__sadd(d->elements, s->elements);
    d->value_bytes = rdbl__sadd(d->value_bytes, s->value_bytes);
    d->keys_with_ttl = rdbl__sadd(d->keys_with_ttl, s->keys_with_ttl);
    d->mem_no_ttl = rdbl__sadd(d->mem_no_ttl, s->mem_no_ttl);
    d->fam_keys = rdbl__sadd(d->fam_keys, s->fam_keys);
    d->fam_mem_bytes = rdbl__sadd(d->fam_mem_bytes, s->fam_mem_bytes);
    d->fam_value_bytes = rdbl__sadd(d->fam_value_bytes, s->fam_value_bytes);
    d->fam_key_bytes = rdbl__sadd(d->fam_key_bytes, s->fam_key_bytes);
}


/* ---- moving subtrees (sampling and the pattern view) -------------------------------- */

/* Removes id's slot from the table (linear probing: the entries after it
 * move back so that no lookup stops early). */
static void table_del(rdbl_prefix_agg *p, uint32_t id)
{
    uint32_t i = p->nodes[id].hash & p->tmask;
    while (p->table[i] && (uint32_t)p->table[i] != id)
        i = (i + 1) & p->tmask;
    if (!p->table[i])
        return;
    p->table[i] = 0;
    p->tused--;
    for (uint32_t j = (i + 1) & p->tmask; p->table[j]; j = (j + 1) & p->tmask) {
        uint32_t k = (uint32_t)(p->table[j] >> 32) & p->tmask;
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            p->table[i] = p->table[j];
            p->table[j] = 0;
            i = j;
        }
    }
}

static void free_nodes(rdbl_prefix_agg *p, uint32_t id)
{
    for (uint32_t c = p->nodes[id].first_child, next; c; c = next) {
        next = p->nodes[c].next_sibling;
        free_nodes(p, c);
    }
    pnode *nd = &p->nodes[id];
    if (nd->kind == K_NORMAL)
        table_del(p, id);
    kmv_release(p, nd);
    nd->alive = 0;
    p->alive--;
    p->lab_dead += nd->label_len;
    nd->next_sibling = p->free_head;
    p->free_head = id;
}

/* Unlinks id from its parent and frees it with its subtree. */
static void del_subtree(rdbl_prefix_agg *p, uint32_t id)
{
    uint32_t par = p->nodes[id].parent;
    uint32_t prev = p->nodes[id].prev_sibling, next = p->nodes[id].next_sibling;
    if (prev)
        p->nodes[prev].next_sibling = next;
    else
        p->nodes[par].first_child = next;
    if (next)
        p->nodes[next].prev_sibling = prev;
    if (p->nodes[par].other == id)
        p->nodes[par].other = 0;
    if (in_sample(p, id))
        p->nodes[par].nnamed--;
    if (p->nodes[par].thr == id)
        p->nodes[par].thr = 0;
    free_nodes(p, id);
}

static uint32_t find_or_create(rdbl_prefix_agg *p, uint32_t parent, uint8_t sep,
                               const uint8_t *lab, size_t n)
{
    uint32_t h = seg_hash(p->nodes[parent].hash, sep, lab, n);
    uint32_t id = lookup(p, parent, sep, lab, n, h);
    return id ? id : create(p, parent, sep, lab, n, h);
}

static uint32_t star_child(rdbl_prefix_agg *p, uint32_t parent, uint8_t sep)
{
    return find_or_create(p, parent, sep, (const uint8_t *)"*", 1);
}


typedef struct ranked {
    uint32_t hash, len, id; /* hash: the rank (rank_of) */
    uint32_t node_hash;
    uint8_t sep;
    const uint8_t *lab;
} ranked;

static int ranked_cmp(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = x->len ? memcmp(x->lab, y->lab, x->len) : 0;
    if (c)
        return c;
    return (x->sep > y->sep) - (x->sep < y->sep);
}

static rdbl_status demote(rdbl_prefix_agg *p, uint32_t victim);

/* Keeps the SAMPLE labels of lowest rank among id's named children and
 * demotes the others (streaming lets a node hold up to twice its sample
 * between selections, so a selection costs a sort per SAMPLE new labels;
 * labels ranking past thr, the last kept one, go straight to "*"). */
static rdbl_status select_sample(rdbl_prefix_agg *p, uint32_t id)
{
    size_t cap = sample_cap(p, id), n = 0;
    if (p->nodes[id].nnamed <= cap)
        return RDBL_OK;
    ranked *r = malloc(p->nodes[id].nnamed * sizeof *r);
    if (!r)
        return RDBL_NOMEM;
    for (uint32_t c = p->nodes[id].first_child; c; c = p->nodes[c].next_sibling)
        if (in_sample(p, c) && n < p->nodes[id].nnamed) {
            const pnode *cn = &p->nodes[c];
            const uint8_t *lab = label_of(p, cn);
            r[n++] = (ranked){rank_of(cn->sep, lab, cn->label_len), cn->label_len, c, cn->hash,
                              cn->sep, lab};
        }
    qsort(r, n, sizeof *r, ranked_cmp);
    p->nodes[id].overflow = 1;
    rdbl_status st = RDBL_OK;
    for (size_t i = cap; i < n && st == RDBL_OK; i++)
        if (p->nodes[r[i].id].alive && p->nodes[r[i].id].parent == id &&
            in_sample(p, r[i].id) && p->nodes[r[i].id].hash == r[i].node_hash)
            st = demote(p, r[i].id); /* (not a slot reused by a node made meanwhile) */
    /* the kept child of highest rank; demotions never touch id's kept
     * children, so r[cap - 1] is still alive */
    if (st == RDBL_OK)
        p->nodes[id].thr = r[cap - 1].id;
    free(r);
    return st;
}

/* Adds src's totals and subtree into dst (both in p; dst is not inside
 * src's subtree), dst's names back to its sample size. src itself is left
 * in place. */
static rdbl_status move_into(rdbl_prefix_agg *p, uint32_t src, uint32_t dst)
{
    node_add(p, dst, p, src);
    for (uint32_t c = p->nodes[src].first_child; c; c = p->nodes[c].next_sibling) {
        uint32_t d;
        if (p->nodes[c].kind == K_OTHER) {
            d = get_other(p, dst);
            if (!d)
                return RDBL_NOMEM;
            node_add(p, d, p, c);
            continue;
        }
        /* the arena may move while dst's side grows: the label is copied */
        uint8_t small[64], *lab = small;
        size_t n = p->nodes[c].label_len;
        if (n > sizeof small && !(lab = malloc(n)))
            return RDBL_NOMEM;
        if (n)
            memcpy(lab, label_of(p, &p->nodes[c]), n);
        d = find_or_create(p, dst, p->nodes[c].sep, lab, n);
        if (lab != small)
            free(lab);
        if (!d)
            return RDBL_NOMEM;
        rdbl_status st = move_into(p, c, d);
        if (st != RDBL_OK)
            return st;
    }
    /* dst may hold more names than its sample now: only the nodes this
     * move reached can, so they are the ones brought back */
    return p->nodes[dst].nnamed >= 2 * sample_cap(p, dst) ? select_sample(p, dst)
                                                           : RDBL_OK;
}

/* Takes a sampled child out of the sample: into its parent's "*". */
static rdbl_status demote(rdbl_prefix_agg *p, uint32_t victim)
{
    uint32_t par = p->nodes[victim].parent;
    p->nodes[par].overflow = 1;
    uint32_t star = star_child(p, par, p->nodes[victim].sep);
    if (!star)
        return RDBL_NOMEM;
    const pnode *vn = &p->nodes[victim];
    if (!memchr(label_of(p, vn), '*', vn->label_len))
        kmv_add(p, star, value_hash(label_of(p, vn), vn->label_len));
    rdbl_status st = move_into(p, victim, star);
    if (st != RDBL_OK)
        return st;
    del_subtree(p, victim);
    return RDBL_OK;
}

/* The children of id, in an allocated array (NULL with *n = 0 when none). */
static uint32_t *kids_of(const rdbl_prefix_agg *p, uint32_t id, size_t *n, bool *fail)
{
    size_t k = 0;
    for (uint32_t c = p->nodes[id].first_child; c; c = p->nodes[c].next_sibling)
        k++;
    *n = k;
    if (!k)
        return NULL;
    uint32_t *v = malloc(k * sizeof *v);
    if (!v) {
        *fail = true;
        return NULL;
    }
    k = 0;
    for (uint32_t c = p->nodes[id].first_child; c; c = p->nodes[c].next_sibling)
        v[k++] = c;
    return v;
}

/* Brings every node under id (and id) back to its sample size. */
static rdbl_status normalize(rdbl_prefix_agg *p, uint32_t id)
{
    if (p->nodes[id].nnamed > sample_cap(p, id)) {
        rdbl_status st = select_sample(p, id);
        if (st != RDBL_OK)
            return st;
    }
    size_t n;
    bool fail = false;
    uint32_t *v = kids_of(p, id, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    rdbl_status st = RDBL_OK;
    for (size_t i = 0; i < n && st == RDBL_OK; i++)
        if (p->nodes[v[i]].alive && p->nodes[v[i]].kind == K_NORMAL)
            st = normalize(p, v[i]);
    free(v);
    return st;
}

/* ---- compaction ------------------------------------------------------------------ */

static void kill_subtree(rdbl_prefix_agg *p, uint32_t id, uint32_t *stack)
{
    size_t sp = 0;
    stack[sp++] = id;
    while (sp) {
        uint32_t x = stack[--sp];
        pnode *nd = &p->nodes[x];
        if (!nd->alive)
            continue; /* died earlier in this compaction, with its subtree */
        kmv_release(p, nd);
        nd->alive = 0;
        p->alive--;
        p->lab_dead += nd->label_len;
            for (uint32_t c = nd->first_child; c; c = p->nodes[c].next_sibling)
            stack[sp++] = c;
    }
}

/* Relinks the child lists and the free list from the alive flags, rebuilds
 * the table, and compacts the label arena when it is mostly dead bytes. */
static rdbl_status rebuild(rdbl_prefix_agg *p)
{
    if (p->lab_dead > p->lab_len / 2) {
        uint8_t *nl = malloc(p->lab_cap);
        if (nl) {
            size_t o = 0;
            for (uint32_t i = 1; i < p->nslots; i++) {
                pnode *nd = &p->nodes[i];
                if (!nd->alive || nd->kind != K_NORMAL)
                    continue;
                if (nd->label_len)
                    memcpy(nl + o, p->labels + nd->label_off, nd->label_len);
                nd->label_off = (uint32_t)o;
                o += nd->label_len;
            }
            free(p->labels);
            p->labels = nl;
            p->lab_len = o;
            p->lab_dead = 0;
        }
    }
    p->free_head = 0;
    for (uint32_t i = 0; i < p->nslots; i++) {
        p->nodes[i].first_child = 0;
        if (!p->nodes[i].alive) {
            p->nodes[i].next_sibling = p->free_head;
            p->free_head = i;
        }
    }
    for (uint32_t i = 0; i < p->nslots; i++)
        p->nodes[i].nnamed = p->nodes[i].thr = 0;
    for (uint32_t i = 1; i < p->nslots; i++) {
        pnode *nd = &p->nodes[i];
        if (!nd->alive)
            continue;
        link_child(p, nd->parent, i);
        if (in_sample(p, i))
            p->nodes[nd->parent].nnamed++;
    }
    for (uint32_t i = 0; i < p->nslots; i++) {
        pnode *nd = &p->nodes[i];
        if (nd->alive && nd->other && !p->nodes[nd->other].alive)
            nd->other = 0; /* NEVER: an (other) dies only with its parent */
    }
    return table_resize(p, p->alive);
}

typedef struct cand {
    uint64_t mem;
    uint32_t id;
    uint8_t depth;
} cand;

/* Orders candidates by memory ascending, then depth ascending (on ties the
 * shallower node first: folding a chain at its top frees the whole chain,
 * folding an only child first would just put an "(other)" in its place),
 * then id. Stable LSD passes: depth by counting, then memory by bytes, so a
 * compaction costs O(nodes), not a comparison sort (it runs once per
 * budget/2 new nodes, often when keys have no shared prefix). */
static bool sort_cands(cand *c, size_t n)
{
    cand *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return false;
    size_t cnt[256];
    /* depth (at most 17 values; ids are already ascending) */
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++)
        cnt[c[i].depth]++;
    for (size_t i = 0, sum = 0; i < 256; i++) {
        size_t x = cnt[i];
        cnt[i] = sum;
        sum += x;
    }
    for (size_t i = 0; i < n; i++)
        tmp[cnt[c[i].depth]++] = c[i];
    memcpy(c, tmp, n * sizeof *c);
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++)
        all |= c[i].mem;
    for (unsigned shift = 0; shift < 64 && (all >> shift); shift += 8) {
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++)
            cnt[(c[i].mem >> shift) & 255]++;
        for (size_t i = 0, sum = 0; i < 256; i++) {
            size_t x = cnt[i];
            cnt[i] = sum;
            sum += x;
        }
        for (size_t i = 0; i < n; i++)
            tmp[cnt[(c[i].mem >> shift) & 255]++] = c[i];
        memcpy(c, tmp, n * sizeof *c);
    }
    free(tmp);
    return true;
}

static rdbl_status compact(rdbl_prefix_agg *p, uint32_t target)
{
    size_t n = 0;
    cand *c = malloc((size_t)p->nslots * sizeof *c);
    uint32_t *stack = malloc((size_t)p->nslots * sizeof *stack);
    if (!c || !stack) {
        free(c);
        free(stack);
        return RDBL_NOMEM;
    }
    for (uint32_t i = 1; i < p->nslots; i++) {
        const pnode *nd = &p->nodes[i];
        if (nd->alive && nd->kind == K_NORMAL)
            c[n++] = (cand){nd->t.mem_bytes, i, nd->depth};
    }
    if (!sort_cands(c, n)) {
        free(c);
        free(stack);
        return RDBL_NOMEM;
    }
    for (size_t i = 0; i < n && p->alive > target; i++) {
        uint32_t id = c[i].id;
        if (!p->nodes[id].alive)
            continue;
        uint32_t par = p->nodes[id].parent;
        uint32_t o = get_other(p, par);
        if (!o) {
            free(c);
            free(stack);
            return RDBL_NOMEM;
        }
        node_add(p, o, p, id);
        kill_subtree(p, id, stack);
    }
    free(c);
    free(stack);
    p->folds++;
    return rebuild(p);
}

static uint32_t compact_target(const rdbl_prefix_agg *p)
{
    size_t b = p->opts.o.node_budget;
    size_t room = p->opts.o.max_depth + 2;
    size_t t = b / 2;
    if (b > room && t > b - room)
        t = b - room;
    return (uint32_t)(t < 2 ? 2 : t);
}

/* ---- public ------------------------------------------------------------------------ */

rdbl_status rdbl_prefix_agg_new(rdbl_prefix_agg **out, const rdbl_agg_opts *o)
{
    rdbl_prefix_agg *p = calloc(1, sizeof *p);
    if (!p)
        return RDBL_NOMEM;
    rdbl__aopts_norm(&p->opts, o);
    for (const char *d = p->opts.delims; *d; d++)
        p->cls[(uint8_t)*d] = C_DELIM;
    p->delim1 = strlen(p->opts.delims) == 1 ? (uint8_t)p->opts.delims[0] : -1;
    for (int c = '0'; c <= '9'; c++)
        p->cls[c] |= C_DIGIT; /* a digit that is also a delimiter splits */
    p->cls['@'] |= C_AT;
    for (int c = 'A'; c <= 'Z'; c++)
        p->cls[c] |= C_UPPER;
    uint32_t root = slot_new(p);
    p->lab_cap = 4096;
    p->labels = malloc(p->lab_cap);
    if (root != 0 || !p->labels || table_resize(p, 64) != RDBL_OK) {
        rdbl_prefix_agg_free(p);
        return RDBL_NOMEM;
    }
    p->nodes[0].kind = K_ROOT;
    p->nodes[0].alive = 1;
    p->alive = 1;
    *out = p;
    return RDBL_OK;
}

static void drop_view(rdbl_prefix_agg *p)
{
    if (p->view) {
        rdbl_prefix_agg_free(p->view);
        p->view = NULL;
    }
}

void rdbl__prefix_set_big(rdbl_prefix_agg *p, const rdbl_top_agg *t)
{
    p->big = t;
    drop_view(p);
}

void rdbl_prefix_agg_free(rdbl_prefix_agg *p)
{
    if (!p)
        return;
    drop_view(p);
    free(p->kmvs);
    if (!p->ex_borrowed)
        free(p->exb);
    free(p->exv);
    free(p->nodes);
    free(p->table);
    free(p->labels);
    free(p);
}

static uint32_t child_for_h(rdbl_prefix_agg *p, uint32_t parent, uint8_t sep, const uint8_t *lab,
                            size_t n, uint32_t h, bool budgeted)
{
    uint32_t id = lookup(p, parent, sep, lab, n, h);
    if (id)
        return id;
    if (!budgeted || p->alive < p->opts.o.node_budget) {
        pnode *par = &p->nodes[parent];
        if (budgeted && par->thr && !is_star(lab, n) &&
            rank_cmp_lab(p, sep, lab, n, par->thr) > 0)
            return star_child(p, parent, sep); /* ranks past the kept labels */
        id = create(p, parent, sep, lab, n, h);
        bool sel = id && budgeted && p->nodes[parent].nnamed >= 2 * sample_cap(p, parent);
        if (sel && select_sample(p, parent) != RDBL_OK)
            return 0;
        if (id && !sel)
            return id;
        if (id) { /* a selection ran: the new label may have ranked out, to "*" */
            uint32_t again = lookup(p, parent, sep, lab, n, h);
            return again ? again : star_child(p, parent, sep);
        }
    }
    return get_other(p, parent);
}

static uint32_t child_for(rdbl_prefix_agg *p, uint32_t parent, uint8_t sep, const uint8_t *lab,
                          size_t n, bool budgeted)
{
    uint32_t h = seg_hash(p->nodes[parent].hash, sep, lab, n);
    return child_for_h(p, parent, sep, lab, n, h, budgeted);
}

/* Scans a segment from pos to the next delimiter (or len) with one
 * delimiter byte: *any gets C_DIGIT if a byte is a digit and C_AT | C_UPPER
 * if one is an '@' or a capital (one range test: the caller only asks for
 * either), *all keeps C_DIGIT only if every byte is a digit. @return the
 * segment's end. */
static size_t scan1(const uint8_t *k, size_t pos, size_t len, uint8_t delim, unsigned *any,
                    unsigned *all)
{
    uint64_t digits_any = 0, at_up_any = 0, non_digit = 0;
    while (pos < len) {
        /* a whole word, or the last 1-7 bytes at the bottom of one: the
         * key's last 8 bytes shifted down (zeros above match nothing), or
         * a copy when the key is shorter than a word */
        size_t rem = len - pos;
        uint64_t v, valid = RDBL__B8;
        if (rem >= 8) {
            v = rdbl__le64(k + pos);
        } else {
            if (len >= 8) {
                v = rdbl__le64(k + len - 8) >> (8 * (8 - rem));
            } else {
                uint8_t w[8] = {0};
                memcpy(w, k + pos, rem);
                v = rdbl__le64(w);
            }
            valid = RDBL__B8 >> (8 * (8 - rem));
        }
        uint64_t dm = rdbl__swar_eq(v, delim) & valid;
        uint64_t gm = rdbl__swar_digit(v), um = rdbl__swar_range(v, '@', 'Z');
        uint64_t keep = valid;
        size_t step = rem >= 8 ? 8 : rem;
        if (dm) {
            step = (unsigned)__builtin_ctzll(dm) / 8; /* bytes before the delimiter */
            keep = step ? RDBL__B8 >> (64 - 8 * step) : 0;
        }
        digits_any |= gm & keep;
        at_up_any |= um & keep;
        non_digit |= ~gm & keep;
        pos += step;
        if (dm)
            break;
    }
    *any = (digits_any ? C_DIGIT : 0) | (at_up_any ? C_AT | C_UPPER : 0);
    *all = non_digit ? 0 : C_DIGIT;
    return pos;
}

/* The rest of a key, from a segment of 1-4 hex digits on, is an IPv6
 * address ("2001:db8::8a2e:370:7334", "::ffff:10.0.0.1" tails): only hex
 * digits, ':' and '.', 3 to 8 groups, at most one "::". Rate limiters key
 * clients by address, and ':' must not split one. */
static bool ipv6_rest(const uint8_t *s, size_t n)
{
    if (n < 4 || n > 45)
        return false;
    size_t colons = 0, dbl = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        if (c == ':') {
            colons++;
            if (i > 0 && s[i - 1] == ':')
                dbl++;
            run = 0;
        } else if (is_hexc(c) || c == '.') {
            if (++run > 4 && c != '.')
                return false;
        } else {
            return false;
        }
    }
    return colons >= 2 && colons <= 7 && dbl <= 1 && (dbl == 1 || colons == 7);
}

/* A segment that opens a Redis Cluster hash tag and meets a delimiter
 * before the '}' ("asynq:servers:{web-1:4711:<uuid>}"): the tag is one
 * segment, up to the next delimiter after its '}' (pos is at the
 * delimiter inside; *any and *all take the bytes added). pos when the tag
 * never closes. */
static size_t hash_tag_end(const rdbl_prefix_agg *p, const uint8_t *k, size_t pos, size_t len,
                           unsigned *any, unsigned *all)
{
    const uint8_t *close = memchr(k + pos, '}', len - pos);
    if (!close)
        return pos;
    size_t end = (size_t)(close - k) + 1;
    while (end < len && !(p->cls[k[end]] & C_DELIM))
        end++;
    unsigned a = *any;
    for (size_t i = pos; i < end; i++)
        a |= p->cls[k[i]] & (C_DIGIT | C_AT | C_UPPER);
    *any = a;
    *all = 0; /* the '{' */
    return end;
}

void rdbl__prefix_prepare(const rdbl_prefix_agg *p, const rdbl_key_facts *f, rdbl__prefix_prep *x)
{
    const unsigned maxd = p->opts.o.max_depth;
    const uint8_t *k = f->key.ptr;
    size_t len = f->key.len, pos = 0;
    uint8_t sep = 0;
    uint32_t h = 0; /* the root's */
    uint64_t raws = 0; /* the folded segments' own hashes, chained (the example rank) */
    unsigned d = 0;
    /* read once: the byte stores into x->buf could alias them for the compiler */
    const int delim1 = p->delim1;
    const bool no_fold = p->opts.o.no_fold;
    x->terminal = false;
    while (d < maxd) {
        size_t start = pos;
        unsigned any = 0, all = C_DIGIT;
        if (delim1 >= 0) {
            pos = scan1(k, pos, len, (uint8_t)delim1, &any, &all);
        } else {
            while (pos < len) {
                unsigned c = p->cls[k[pos]];
                if (c & C_DELIM)
                    break;
                any |= c;
                all &= c;
                pos++;
            }
        }
        bool tag = false;
        if (pos > start && k[start] == '{' && pos < len && !memchr(k + start, '}', pos - start)) {
            size_t end = hash_tag_end(p, k, pos, len, &any, &all);
            tag = end > pos && k[end - 1] == '}';
            pos = end;
        }
        const uint8_t *lab = k + start;
        size_t n = pos - start;
        if (no_fold || n == 0) {
            /* as is */
        } else if (tag) {
            memcpy(x->buf[d], "{*}", 3); /* a hash tag of several fields: one id */
            lab = x->buf[d];
            n = 3;
        } else if ((any & C_DIGIT) && n <= 4 && pos < len && k[pos] == ':' &&
                   ipv6_rest(k + start, len - start)) {
            pos = len; /* an IPv6 address: one segment to the key's end */
            x->buf[d][0] = '*';
            lab = x->buf[d];
            n = 1;
        } else if (all) {
            x->buf[d][0] = '*'; /* decimal ids, Unix timestamps: fold's first rule */
            lab = x->buf[d];
            n = 1;
        } else if ((any & (C_DIGIT | C_AT | C_UPPER)) || n == 36) {
            /* fold's other rules all need a digit, but the UUID, e-mail and
             * mixed-case ones */
            fold(k + start, n, x->buf[d], &lab, &n);
        }
        h = seg_hash(h, sep, lab, n);
        x->seg[d].raw = 0;
        if (lab != k + start) {
            x->seg[d].raw = value_hash(k + start, pos - start);
            raws = (raws ^ x->seg[d].raw) * 0x9e3779b97f4a7c15ULL;
        }
        x->seg[d].lab = lab;
        x->seg[d].len = n;
        x->seg[d].hash = h;
        x->seg[d].sep = sep;
        d++;
        if (pos == len) {
            x->terminal = true;
            break;
        }
        sep = k[pos++];
    }
    x->nseg = d;
    /* the key's rank as an example: from the hashes just made (the labels'
     * path and the folded segments' bytes), not a pass over the key; past
     * max_depth keys tie and ex_offer compares bytes. Longer keys than
     * EX_CAP rank by their first EX_CAP bytes, after all shorter ones. */
    if (len > EX_CAP) {
        x->exrank = cut_rank(k, EX_CAP);
    } else {
        uint64_t r = ((uint64_t)h << 32 ^ raws ^ d) * 0xbf58476d1ce4e5b9ULL;
        x->exrank = (uint32_t)(r >> 33); /* 31 bits: below every cut key */
    }
}

void rdbl__prefix_prefetch(const rdbl_prefix_agg *p, const rdbl__prefix_prep *x, bool nodes)
{
    /* A tree that fits in L2 gains nothing from the hints, and they cost:
     * on bench-1g (700 nodes) the aggregation thread ran 10% faster
     * without them. */
    if ((size_t)p->nslots * sizeof *p->nodes + ((size_t)p->tmask + 1) * sizeof *p->table <
        (1u << 20))
        return;
    for (unsigned i = 0; i < x->nseg; i++) {
        const uint64_t *slot = &p->table[x->seg[i].hash & p->tmask];
        if (!nodes) {
            __builtin_prefetch(slot);
        } else if ((uint32_t)(*slot >> 32) == x->seg[i].hash) {
            /* the slot was prefetched earlier: its likely node next */
            __builtin_prefetch(&p->nodes[(uint32_t)*slot]);
        }
    }
}

rdbl_status rdbl__prefix_add_prep(rdbl_prefix_agg *p, const rdbl_key_facts *f,
                                  const rdbl__prefix_prep *x)
{
    const unsigned maxd = p->opts.o.max_depth;
    if (p->view)
        drop_view(p);
    if (p->alive + maxd + 1 > p->opts.o.node_budget && p->alive > compact_target(p)) {
        rdbl_status st = compact(p, compact_target(p));
        if (st != RDBL_OK)
            return st;
    }
    uint32_t path[18];
    unsigned d = 0;
    path[0] = 0;
    bool terminal = false;
    bool moved = false; /* a label went to its parent's "*": the prepared hashes no longer apply */
    for (unsigned i = 0; i < x->nseg; i++) {
        uint32_t h = moved ? seg_hash(p->nodes[path[d]].hash, x->seg[i].sep, x->seg[i].lab,
                                      x->seg[i].len)
                           : x->seg[i].hash;
        /* the node exists (the common case): found without the call */
        uint32_t id = lookup(p, path[d], x->seg[i].sep, x->seg[i].lab, x->seg[i].len, h);
        if (!id)
            id = child_for_h(p, path[d], x->seg[i].sep, x->seg[i].lab, x->seg[i].len, h, true);
        if (!id)
            return RDBL_NOMEM;
        if (x->seg[i].raw && p->nodes[id].kind == K_NORMAL)
            kmv_add(p, id, x->seg[i].raw);
        else if (p->nodes[id].hash != h && p->nodes[id].kind == K_NORMAL) {
            const uint32_t vh = value_hash(x->seg[i].lab, x->seg[i].len); /* sampled out to "*" */
            kmv_add(p, id, vh);
            if (i + 1 == x->nseg && x->terminal)
                leaf_offer(p, id, vh, x->seg[i].lab, x->seg[i].len); /* the key ends there */
        }
        moved = moved || p->nodes[id].hash != h;
        path[++d] = id;
        if (i + 1 == x->nseg) {
            terminal = x->terminal;
            break;
        }
        if (p->nodes[id].kind == K_OTHER)
            break;
    }
    /* The key counts in every node of its path (the fam_* figures, below,
     * only where it ends). Byte and element sums come from the file and
     * saturate; key counts grow by one per key parsed and cannot. */
    const uint64_t mem_no_ttl = f->has_expire ? 0 : f->mem_bytes;
    const uint64_t with_ttl = f->has_expire ? 1 : 0;
    /* A node's keys all passed through its parent, so along the path the
     * example's rank only grows: the deepest node tells whether any node
     * takes this key as its example, which is rare. */
    if (x->exrank <= p->nodes[path[d]].ex_rank) {
        const size_t exn = f->key.len < EX_CAP ? f->key.len : EX_CAP;
        for (unsigned i = 0; i <= d; i++)
            if (x->exrank <= p->nodes[path[i]].ex_rank)
                ex_offer(p, path[i], x->exrank, f->key.ptr, exn);
    }
    /* Below 2^63 on both sides a sum cannot wrap: then plain adds, which
     * are the saturating ones (one test of the top bits per node). */
    const bool f_big = (f->mem_bytes | f->rdb_bytes | f->elements | f->value_bytes) >> 63;
    for (unsigned i = 0; i <= d; i++) {
        rdbl_prefix_totals *y = &p->nodes[path[i]].t;
        y->keys++;
        y->keys_with_ttl += with_ttl;
        if (!f_big &&
            !((y->mem_bytes | y->rdb_bytes | y->elements | y->value_bytes | y->mem_no_ttl) >> 63)) {
            y->mem_bytes += f->mem_bytes;
            y->rdb_bytes += f->rdb_bytes;
            y->elements += f->elements;
            y->value_bytes += f->value_bytes;
            y->mem_no_ttl += mem_no_ttl;
            continue;
        }
        y->mem_bytes = rdbl__sadd(y->mem_bytes, f->mem_bytes);
        y->rdb_bytes = rdbl__sadd(y->rdb_bytes, f->rdb_bytes);
        y->elements = rdbl__sadd(y->elements, f->elements);
        y->value_bytes = rdbl__sadd(y->value_bytes, f->value_bytes);
        y->mem_no_ttl = rdbl__sadd(y->mem_no_ttl, mem_no_ttl);
    }
    if (terminal && d > 0 && f->type == RDBL_TYPE_STRING && !f->has_expire &&
        f->value_bytes <= 64) {
        rdbl_prefix_totals *y = &p->nodes[path[d]].t;
        y->fam_keys++;
        y->fam_mem_bytes = rdbl__sadd(y->fam_mem_bytes, f->mem_bytes);
        y->fam_value_bytes = rdbl__sadd(y->fam_value_bytes, f->value_bytes);
        y->fam_key_bytes = rdbl__sadd(y->fam_key_bytes, f->key.len);
    }
    return RDBL_OK;
}

rdbl_status rdbl_prefix_agg_add(rdbl_prefix_agg *p, const rdbl_key_facts *f)
{
    rdbl__prefix_prep x;
    rdbl__prefix_prepare(p, f, &x);
    return rdbl__prefix_add_prep(p, f, &x);
}

rdbl_status rdbl_prefix_agg_merge(rdbl_prefix_agg *dst, const rdbl_prefix_agg *src)
{
    uint32_t *map = malloc((size_t)src->nslots * sizeof *map);
    uint32_t *queue = malloc((size_t)src->nslots * sizeof *queue);
    if (!map || !queue) {
        free(map);
        free(queue);
        return RDBL_NOMEM;
    }
    size_t qh = 0, qt = 0;
    map[0] = 0;
    node_add(dst, 0, src, 0);
    queue[qt++] = 0;
    rdbl_status st = RDBL_OK;
    while (qh < qt) {
        uint32_t s = queue[qh++];
        for (uint32_t c = src->nodes[s].first_child; c; c = src->nodes[c].next_sibling) {
            const pnode *sn = &src->nodes[c];
            uint32_t d;
            if (sn->kind == K_OTHER)
                d = get_other(dst, map[s]);
            else
                d = child_for(dst, map[s], sn->sep, label_of(src, sn), sn->label_len, false);
            if (!d) {
                st = RDBL_NOMEM;
                goto out;
            }
            node_add(dst, d, src, c);
            map[c] = d;
            if (dst->nodes[d].kind == K_OTHER) {
                /* src's subtree is already inside sn's totals */
                continue;
            }
            queue[qt++] = c;
        }
    }
    dst->folds += src->folds;
    dst->nodes[0].overflow |= src->nodes[0].overflow;
    drop_view(dst);
    if ((st = normalize(dst, 0)) != RDBL_OK)
        goto out;
    if (dst->alive > dst->opts.o.node_budget)
        st = compact(dst, compact_target(dst));
out:
    free(map);
    free(queue);
    return st;
}


/* ---- the pattern view ---------------------------------------------------------------
 *
 * What report rows show: the sampled tree copied; the labels the sample
 * let go that still get a row of their own taken out of their "*" (a
 * single key beside deeper keys, carve_leaf; a big key of the top lists,
 * carve_big); then at each node
 *  - glued ids: literal labels that share a head up to a delimiter
 *    ('.', '/', '|', '-', '_', ',', '=') with at least GLUE_MIN siblings
 *    go under "head*" ("web-*-x8k2p", "web-*-q7ztd" -> "web-*-*");
 *  - variable positions: where more distinct labels came than the sample
 *    holds, or a non-root node has VAR_MIN or more named children, the
 *    labels fold into "*" but those with a real share (>= 1/SHARE of the
 *    node's keys or memory) and single keys beside a family of deeper
 *    keys ("lb:global" beside "lb:<game>:<month>");
 * then the same below. A function of the sampled tree and the top keys
 * alone (both merge exactly), so merged and -j reports show the same rows
 * as one run. */
enum { GLUE_MIN = 8, VAR_MIN = 16, SHARE = 10 };

typedef struct lab_ref {
    const uint8_t *lab;
    uint32_t len, id;
} lab_ref;

static int lab_ref_cmp(const void *a, const void *b)
{
    const lab_ref *x = a, *y = b;
    size_t m = x->len < y->len ? x->len : y->len;
    int c = m ? memcmp(x->lab, y->lab, m) : 0;
    if (c)
        return c;
    return (x->len > y->len) - (x->len < y->len);
}

static bool has_share(const rdbl_prefix_agg *v, uint32_t c, uint32_t x)
{
    const rdbl_prefix_totals *ct = &v->nodes[c].t, *xt = &v->nodes[x].t;
    return ct->keys * SHARE >= xt->keys || (xt->mem_bytes && ct->mem_bytes >= xt->mem_bytes / SHARE);
}

/* Moves child c of x under x's child labelled lab (created if needed). */
static rdbl_status fold_into(rdbl_prefix_agg *v, uint32_t c, const uint8_t *lab, size_t n)
{
    uint32_t x = v->nodes[c].parent;
    uint32_t d = find_or_create(v, x, v->nodes[c].sep, lab, n);
    if (!d)
        return RDBL_NOMEM;
    if (d == c)
        return RDBL_OK;
    const pnode *cn = &v->nodes[c];
    if (!memchr(label_of(v, cn), '*', cn->label_len))
        kmv_add(v, d, value_hash(label_of(v, cn), cn->label_len));
    rdbl_status st = move_into(v, c, d);
    if (st == RDBL_OK)
        del_subtree(v, c);
    return st;
}

/* The end of the token of s[0..n) that starts at i: the next delimiter of
 * the token pass, or n. */
static size_t tok_end(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && !is_sub(s[i]))
        i++;
    return i;
}

/* The pattern of the labels r[lo..hi) marked in member (at least two), read
 * token by token as the family's delimiters cut them: a token they all
 * share stays, one that varies is '*'; where their delimiters part (or
 * some end), '*' stands for the rest. pos: scratch, hi entries. Writes at
 * most cap bytes. @return the pattern's length. */
static size_t align_labels(const lab_ref *r, const bool *member, size_t lo, size_t hi,
                           size_t *pos, uint8_t *out, size_t cap)
{
    size_t o = 0, f = lo;
    while (!member[f])
        f++;
    for (size_t i = lo; i < hi; i++)
        pos[i] = 0;
    for (;;) {
        size_t ef = tok_end(r[f].lab, r[f].len, pos[f]), tl = ef - pos[f];
        uint8_t df = ef < r[f].len ? r[f].lab[ef] : 0;
        bool same = true, dsame = true;
        for (size_t i = lo; i < hi; i++) {
            if (!member[i])
                continue;
            size_t e = tok_end(r[i].lab, r[i].len, pos[i]);
            same = same && e - pos[i] == tl && memcmp(r[i].lab + pos[i], r[f].lab + pos[f], tl) == 0;
            dsame = dsame && (e < r[i].len ? r[i].lab[e] : 0) == df;
        }
        if (o + (same ? tl : 1) + 2 > cap) {
            out[o++] = '*';
            return o;
        }
        if (same) {
            memcpy(out + o, r[f].lab + pos[f], tl);
            o += tl;
        } else {
            out[o++] = '*';
        }
        if (!dsame) {
            if (same)
                out[o++] = '*';
            return o;
        }
        if (df == 0)
            return o;
        out[o++] = df;
        for (size_t i = lo; i < hi; i++)
            if (member[i])
                pos[i] = tok_end(r[i].lab, r[i].len, pos[i]) + 1;
    }
}

/* Small labels (under 1% of x's keys) that share a head up to a delimiter
 * of the token pass with GLUE_MIN or more siblings (the shortest such
 * head), or whose "head*" is a sibling already, fold into one row: the
 * family's pattern by its own delimiters (align_labels: "i18n.en.*.*",
 * "stats.*.*.count"), or "head*" for a label alone. */
static rdbl_status glue_heads(rdbl_prefix_agg *v, uint32_t x, const uint32_t *kids, size_t n)
{
    size_t cnt = n ? n : 1;
    lab_ref *r = malloc(cnt * sizeof *r);
    bool *small = malloc(cnt * sizeof *small), *member = malloc(cnt * sizeof *member);
    uint32_t *target = malloc(cnt * sizeof *target);
    size_t *pos = malloc(cnt * sizeof *pos);
    if (!r || !small || !member || !target || !pos) {
        free(r);
        free(small);
        free(member);
        free(target);
        free(pos);
        return RDBL_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const pnode *nd = &v->nodes[kids[i]];
        if (nd->kind != K_NORMAL)
            continue;
        r[m++] = (lab_ref){label_of(v, nd), nd->label_len, kids[i]};
    }
    qsort(r, m, sizeof *r, lab_ref_cmp);
    for (size_t i = 0; i < m; i++) /* small: under 1% of the node's keys */
        small[i] = v->nodes[r[i].id].t.keys * 100 < v->nodes[x].t.keys;
    for (size_t i = 0; i < m; i++) {
        target[i] = 0;
        if (!small[i])
            continue;
        for (size_t h = 1; h < r[i].len; h++) {
            if (!is_sub(r[i].lab[h - 1]))
                continue;
            size_t lo = i, hi = i + 1; /* the run of labels starting with this head */
            bool pattern = false;      /* "head*" is a sibling already */
            while (lo > 0 && r[lo - 1].len >= h && memcmp(r[lo - 1].lab, r[i].lab, h) == 0)
                lo--;
            while (hi < m && r[hi].len >= h && memcmp(r[hi].lab, r[i].lab, h) == 0)
                hi++;
            for (size_t j = lo; j < hi && !pattern; j++)
                pattern = j != i && r[j].len == h + 1 && r[j].lab[h] == '*';
            if (pattern || hi - lo >= GLUE_MIN) {
                target[i] = (uint32_t)h;
                break;
            }
        }
    }
    rdbl_status st = RDBL_OK;
    uint8_t *buf = NULL;
    for (size_t i = 0; i < m && st == RDBL_OK; i++) {
        if (!target[i] || !v->nodes[r[i].id].alive)
            continue;
        /* i's family: the small labels with i's head (a run in the order) */
        size_t h = target[i], lo = i, hi = i + 1, k = 0, cap = r[i].len + 2;
        while (lo > 0 && r[lo - 1].len >= h && memcmp(r[lo - 1].lab, r[i].lab, h) == 0)
            lo--;
        while (hi < m && r[hi].len >= h && memcmp(r[hi].lab, r[i].lab, h) == 0)
            hi++;
        for (size_t j = lo; j < hi; j++) {
            member[j] = target[j] == h && v->nodes[r[j].id].alive;
            k += member[j];
            cap = r[j].len + 2 > cap ? r[j].len + 2 : cap;
        }
        uint8_t *nb = realloc(buf, cap);
        if (!nb) {
            st = RDBL_NOMEM;
            break;
        }
        buf = nb;
        size_t len = h + 1;
        if (k >= 2) {
            len = align_labels(r, member, lo, hi, pos, buf, cap);
        } else {
            memcpy(buf, r[i].lab, h); /* before the arena can move */
            buf[h] = '*';
        }
        for (size_t j = lo; j < hi && st == RDBL_OK; j++) {
            if (!member[j])
                continue;
            target[j] = 0;
            const uint8_t *base = v->labels;
            st = fold_into(v, r[j].id, buf, len);
            /* the labels of r[] live in the arena, which fold_into may move */
            for (size_t q = 0; q < m && v->labels != base; q++)
                if (v->nodes[r[q].id].alive)
                    r[q].lab = label_of(v, &v->nodes[r[q].id]);
        }
    }
    free(buf);
    free(r);
    free(small);
    free(member);
    free(target);
    free(pos);
    return st;
}

/* Compares the delimiters of the token pass of two labels, in order
 * ("a|b|c" and "x|y|list" both have "||"). */
static int sig_diff(const lab_ref *x, const lab_ref *y)
{
    size_t i = 0, j = 0;
    for (;;) {
        i = tok_end(x->lab, x->len, i);
        j = tok_end(y->lab, y->len, j);
        int cx = i < x->len ? x->lab[i] : -1, cy = j < y->len ? y->lab[j] : -1;
        if (cx != cy)
            return cx < cy ? -1 : 1;
        if (cx < 0)
            return 0;
        i++;
        j++;
    }
}

/* Orders labels by their delimiters (sig_diff), then bytes. */
static int sig_cmp(const void *a, const void *b)
{
    int c = sig_diff(a, b);
    return c ? c : lab_ref_cmp(a, b);
}

/* Whether a pattern keeps a literal token (not only '*' and delimiters). */
static bool has_literal(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '*' && !is_sub(s[i]))
            return true;
    return false;
}

/* Folds the labels of x's children c[0..n) (variable, no share) into "*",
 * or, for GLUE_MIN or more with the same delimiters of the token pass and
 * a pattern that keeps a word ("cache:<tenant>|users|list" ->
 * "cache:*|*|list"), into that pattern. */
static rdbl_status fold_variable(rdbl_prefix_agg *v, const uint32_t *c, size_t n)
{
    size_t cnt = n ? n : 1, maxlen = 1;
    lab_ref *r = malloc(cnt * sizeof *r);
    bool *member = malloc(cnt * sizeof *member);
    size_t *pos = malloc(cnt * sizeof *pos);
    if (!r || !member || !pos) {
        free(r);
        free(member);
        free(pos);
        return RDBL_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const pnode *nd = &v->nodes[c[i]];
        r[i] = (lab_ref){label_of(v, nd), nd->label_len, c[i]};
        maxlen = nd->label_len > maxlen ? nd->label_len : maxlen;
    }
    qsort(r, n, sizeof *r, sig_cmp);
    uint8_t *buf = malloc(maxlen + 2);
    rdbl_status st = buf ? RDBL_OK : RDBL_NOMEM;
    for (size_t lo = 0, hi; lo < n && st == RDBL_OK; lo = hi) {
        hi = lo + 1;
        while (hi < n && sig_diff(&r[lo], &r[hi]) == 0)
            hi++;
        size_t len = 1;
        buf[0] = '*';
        /* labels without a delimiter have nothing to align */
        if (hi - lo >= GLUE_MIN && tok_end(r[lo].lab, r[lo].len, 0) < r[lo].len) {
            for (size_t j = lo; j < hi; j++)
                member[j] = true;
            len = align_labels(r, member, lo, hi, pos, buf, maxlen + 2);
            if (!has_literal(buf, len)) {
                buf[0] = '*';
                len = 1;
            }
        }
        for (size_t j = lo; j < hi && st == RDBL_OK; j++) {
            const uint8_t *base = v->labels;
            st = fold_into(v, r[j].id, buf, len);
            for (size_t q = j + 1; q < n && v->labels != base; q++)
                r[q].lab = label_of(v, &v->nodes[r[q].id]);
        }
    }
    free(buf);
    free(r);
    free(member);
    free(pos);
    return st;
}

/* Whether s[0..n) matches pattern pat ('*': any run of bytes). */
static bool glob_match(const uint8_t *pat, size_t pn, const uint8_t *s, size_t n)
{
    size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;
    while (i < n) {
        if (p < pn && pat[p] == '*') {
            star = p++;
            mark = i;
        } else if (p < pn && pat[p] == s[i]) {
            p++;
            i++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < pn && pat[p] == '*')
        p++;
    return p == pn;
}

/* The end of the segment of k[0..len) that starts at x, as
 * rdbl__prefix_prepare splits (a hash tag with a delimiter inside is one
 * segment). */
static size_t segment_end(const rdbl_prefix_agg *v, const uint8_t *k, size_t x, size_t len)
{
    size_t y = x;
    while (y < len && !(v->cls[k[y]] & C_DELIM))
        y++;
    if (y < len && y > x && k[x] == '{' && !memchr(k + x, '}', y - x)) {
        unsigned any = 0, all = 0;
        y = hash_tag_end(v, k, y, len, &any, &all);
    }
    return y;
}

/* The segment of node id's example key that id's label stands for:
 * [*a, *b) of the example bytes. false when the example has none. */
static bool example_segment(const rdbl_prefix_agg *v, uint32_t id, size_t *a, size_t *b)
{
    const pnode *nd = &v->nodes[id];
    if (nd->ex_rank == EX_NONE)
        return false;
    const uint8_t *k = ex_bytes(v, nd);
    size_t len = nd->ex_len, x = 0;
    for (unsigned d = 1; d < nd->depth && x <= len; d++) {
        x = segment_end(v, k, x, len);
        x++;
    }
    if (x > len)
        return false;
    size_t y = segment_end(v, k, x, len);
    *a = x;
    *b = y;
    return true;
}

/* A pattern row whose '*' took one value only, over two keys or more (a
 * version ":1:", a constant that looks like an id), shows that value. */
static rdbl_status unfold_constants(rdbl_prefix_agg *v, uint32_t x)
{
    size_t n;
    bool fail = false;
    uint32_t *kids = kids_of(v, x, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    rdbl_status st = RDBL_OK;
    for (size_t i = 0; i < n && st == RDBL_OK; i++) {
        const pnode *nd = &v->nodes[kids[i]];
        size_t a, b;
        if (nd->kind != K_NORMAL || !nd->kmv || v->kmvs[nd->kmv - 1].n != 1 || nd->t.keys < 2 ||
            !memchr(label_of(v, nd), '*', nd->label_len) || !example_segment(v, kids[i], &a, &b) ||
            (nd->ex_rank & 0x80000000u && b == nd->ex_len))
            continue; /* (a segment the cut example ends in is not whole) */
        uint8_t lab[EX_CAP];
        const uint8_t sep = nd->sep; /* fold_into may move the nodes */
        memcpy(lab, ex_bytes(v, nd) + a, b - a);
        st = fold_into(v, kids[i], lab, b - a);
        uint32_t d = st == RDBL_OK ? lookup(v, x, sep, lab, b - a,
                                            seg_hash(v->nodes[x].hash, sep, lab, b - a))
                                   : 0;
        if (d)
            v->nodes[d].kmv = v->nodes[d].kcut = 0; /* a literal row: no values */
    }
    free(kids);
    return st;
}

/* An overflowed node's "*" (the labels the sample let go) joins its only
 * pattern sibling when its example key's segment matches it: the sample
 * kept some labels of the family, which became that pattern
 * ("/docs/<*>/<*>-<*>"), and the rest is the same family. With two
 * patterns or more the "*" stays (the rest cannot be told apart). */
static rdbl_status absorb_star(rdbl_prefix_agg *v, uint32_t x)
{
    size_t n;
    bool fail = false;
    uint32_t *kids = kids_of(v, x, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    rdbl_status st = RDBL_OK;
    for (size_t i = 0; i < n && st == RDBL_OK; i++) {
        const pnode *sn = &v->nodes[kids[i]];
        if (sn->kind != K_NORMAL || !is_star(label_of(v, sn), sn->label_len) ||
            sn->ex_rank == EX_NONE)
            continue;
        const uint8_t *k = ex_bytes(v, sn);
        size_t a, b;
        if (!example_segment(v, kids[i], &a, &b))
            continue;
        uint32_t only = 0;
        size_t pats = 0;
        for (size_t j = 0; j < n; j++) {
            const pnode *pn = &v->nodes[kids[j]];
            if (j == i || pn->kind != K_NORMAL || pn->sep != sn->sep || pn->label_len < 2 ||
                !memchr(label_of(v, pn), '*', pn->label_len))
                continue;
            pats++;
            only = kids[j];
        }
        if (pats == 1 && glob_match(label_of(v, &v->nodes[only]), v->nodes[only].label_len,
                                    k + a, b - a)) {
            uint8_t *lab = malloc(v->nodes[only].label_len);
            if (!lab) {
                st = RDBL_NOMEM;
                break;
            }
            memcpy(lab, label_of(v, &v->nodes[only]), v->nodes[only].label_len);
            st = fold_into(v, kids[i], lab, v->nodes[only].label_len);
            free(lab);
            break; /* the children changed */
        }
    }
    free(kids);
    return st;
}

/* A glued head ("mf-*", from a random id that starts like a word followed
 * by '-' or '_': connect-redis and nanoid session ids) that holds at most
 * STRAY_KEYS keys beside a "*" sibling with STRAY_RATIO times its keys or
 * more is an id, not a family: it joins that "*". View only, like every
 * fold here, so merge and -j stay exact. */
#define STRAY_KEYS 2
#define STRAY_RATIO 10
static rdbl_status absorb_stray_heads(rdbl_prefix_agg *v, uint32_t x)
{
    size_t n;
    bool fail = false;
    uint32_t *kids = kids_of(v, x, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    uint64_t star_keys[256] = {0}; /* the "*" sibling's keys, by separator */
    for (size_t i = 0; i < n; i++) {
        const pnode *nd = &v->nodes[kids[i]];
        if (nd->kind == K_NORMAL && is_star(label_of(v, nd), nd->label_len))
            star_keys[nd->sep] = nd->t.keys;
    }
    rdbl_status st = RDBL_OK;
    for (size_t i = 0; i < n && st == RDBL_OK; i++) {
        const pnode *nd = &v->nodes[kids[i]];
        const uint8_t *lab = label_of(v, nd);
        if (nd->kind != K_NORMAL || nd->label_len < 2 || lab[nd->label_len - 1] != '*' ||
            nd->t.keys > STRAY_KEYS || star_keys[nd->sep] < STRAY_RATIO * nd->t.keys)
            continue;
        st = fold_into(v, kids[i], (const uint8_t *)"*", 1);
    }
    free(kids);
    return st;
}

static rdbl_status view_fold(rdbl_prefix_agg *v, uint32_t x)
{
    size_t n;
    bool fail = false;
    uint32_t *kids = kids_of(v, x, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    rdbl_status st = n ? glue_heads(v, x, kids, n) : RDBL_OK;
    free(kids);
    if (st == RDBL_OK && x != 0)
        st = absorb_stray_heads(v, x);
    if (st != RDBL_OK)
        return st;
    kids = kids_of(v, x, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    size_t named = 0, deep = 0;
    for (size_t i = 0; i < n; i++) {
        if (!in_sample(v, kids[i]))
            continue;
        named++;
        deep += v->nodes[kids[i]].first_child != 0;
    }
    bool var = v->nodes[x].overflow || (x != 0 && named >= VAR_MIN);
    size_t nf = 0;
    for (size_t i = 0; var && i < n; i++) {
        uint32_t c = kids[i];
        if (!in_sample(v, c) || has_share(v, c, x))
            continue;
        if (!v->nodes[c].first_child && deep * 2 > named)
            continue; /* a single name beside a family of deeper keys */
        kids[nf++] = c;
    }
    if (nf)
        st = fold_variable(v, kids, nf);
    free(kids);
    if (st == RDBL_OK && v->nodes[x].overflow)
        st = absorb_star(v, x);
    if (st == RDBL_OK)
        st = unfold_constants(v, x);
    if (st != RDBL_OK)
        return st;
    kids = kids_of(v, x, &n, &fail);
    if (fail)
        return RDBL_NOMEM;
    for (size_t i = 0; i < n && st == RDBL_OK; i++)
        if (v->nodes[kids[i]].kind == K_NORMAL)
            st = view_fold(v, kids[i]);
    free(kids);
    return st;
}

/* Big keys beside a "*": a label the hash sample let go is counted in its
 * parent's "*" with the family, and the view cannot name it from the
 * tree alone ("leaderboard:global", 45% of the prefix's memory, was
 * "leaderboard:*"). The top keys lists are exact and merge exactly, so
 * the view takes from them each key that ends in a "*" its literal label
 * went to and carries a real share of its parent (>= 1/SHARE of the
 * memory, as has_share keeps sampled labels): a row of its own, its
 * figures out of the "*". Merged and -j reports carve the same keys. */
/* Row id of view v takes key k[0..n) as its example (a slot of the view's
 * own examples: the tree's slab holds the tree's). */
static rdbl_status ex_set_own(rdbl_prefix_agg *v, uint32_t id, const uint8_t *k, size_t n)
{
    if (v->nexv == v->exv_cap) {
        uint32_t nc = v->exv_cap ? v->exv_cap * 2 : 16;
        uint8_t *ne = nc < EX_VIEW ? realloc(v->exv, (size_t)nc * EX_CAP) : NULL;
        if (!ne)
            return RDBL_NOMEM;
        v->exv = ne;
        v->exv_cap = nc;
    }
    const bool cut = n > EX_CAP;
    n = cut ? EX_CAP : n;
    const uint32_t rank = ex_rank_of(v, k, n, cut);
    if (n)
        memcpy(v->exv + (size_t)v->nexv * EX_CAP, k, n);
    pnode *nd = &v->nodes[id];
    nd->ex_off = v->nexv++ | EX_VIEW;
    nd->ex_len = (uint8_t)n;
    nd->ex_rank = rank;
    return RDBL_OK;
}

static void entry_totals(const rdbl_key_entry *e, rdbl_prefix_totals *t)
{
    memset(t, 0, sizeof *t);
    t->keys = 1;
    t->mem_bytes = e->mem_bytes;
    t->rdb_bytes = e->rdb_bytes;
    t->elements = e->elements;
    t->value_bytes = e->value_bytes;
    t->keys_with_ttl = e->has_expire;
    t->mem_no_ttl = e->has_expire ? 0 : e->mem_bytes;
    if (e->type == RDBL_TYPE_STRING && !e->has_expire && e->value_bytes <= 64) {
        t->fam_keys = 1; /* (the key ends at a "*" of depth >= 1: see add) */
        t->fam_mem_bytes = e->mem_bytes;
        t->fam_value_bytes = e->value_bytes;
        t->fam_key_bytes = e->key_full_len;
    }
}

/* d -= s when d holds s (else false, d unchanged). */
static bool totals_take(rdbl_prefix_totals *d, const rdbl_prefix_totals *s)
{
    const uint64_t *sv = &s->keys;
    uint64_t *dv = &d->keys;
    const size_t n = sizeof *d / sizeof d->keys;
    for (size_t i = 0; i < n; i++)
        if (dv[i] < sv[i] || dv[i] == UINT64_MAX)
            return false; /* (a saturated sum cannot give a part back) */
    for (size_t i = 0; i < n; i++)
        dv[i] -= sv[i];
    return true;
}

/* Removes value hash h from node id's sketch while it is exact (fewer
 * than KMV_K values). */
static void kmv_remove(rdbl_prefix_agg *v, uint32_t id, uint32_t h)
{
    if (!v->nodes[id].kmv)
        return;
    kmv *k = &v->kmvs[v->nodes[id].kmv - 1];
    if (k->n >= KMV_K)
        return;
    for (uint32_t i = 0; i < k->n; i++)
        if (k->h[i] == h) {
            memmove(k->h + i, k->h + i + 1, (k->n - i - 1) * sizeof *k->h);
            k->n--;
            return;
        }
}

static rdbl_status carve_key(rdbl_prefix_agg *v, const rdbl_key_entry *e)
{
    if (e->key_len != e->key_full_len)
        return RDBL_OK; /* a cut key has no whole label */
    rdbl_key_facts f;
    memset(&f, 0, sizeof f);
    f.key.ptr = e->key;
    f.key.len = e->key_len;
    rdbl__prefix_prep x;
    rdbl__prefix_prepare(v, &f, &x);
    if (!x.terminal || x.nseg == 0)
        return RDBL_OK;
    uint32_t node = 0;
    for (unsigned i = 0; i + 1 < x.nseg; i++) {
        node = lookup(v, node, x.seg[i].sep, x.seg[i].lab, x.seg[i].len,
                      seg_hash(v->nodes[node].hash, x.seg[i].sep, x.seg[i].lab, x.seg[i].len));
        if (!node || v->nodes[node].kind != K_NORMAL)
            return RDBL_OK;
    }
    const unsigned l = x.nseg - 1;
    const uint8_t sep = x.seg[l].sep, *lab = x.seg[l].lab;
    const size_t n = x.seg[l].len;
    if (x.seg[l].raw || !v->nodes[node].overflow ||
        lookup(v, node, sep, lab, n, seg_hash(v->nodes[node].hash, sep, lab, n)))
        return RDBL_OK; /* an id ('*' by its shape), or a label the sample kept */
    uint32_t star = lookup(v, node, sep, (const uint8_t *)"*", 1,
                           seg_hash(v->nodes[node].hash, sep, (const uint8_t *)"*", 1));
    rdbl_prefix_totals t;
    entry_totals(e, &t);
    const rdbl_prefix_totals *pt = &v->nodes[node].t;
    if (!star || !(pt->mem_bytes && t.mem_bytes >= pt->mem_bytes / SHARE) ||
        !totals_take(&v->nodes[star].t, &t))
        return RDBL_OK;
    uint32_t c = find_or_create(v, node, sep, lab, n);
    if (!c) {
        totals_add(&v->nodes[star].t, &t);
        return RDBL_NOMEM;
    }
    totals_add(&v->nodes[c].t, &t);
    kmv_remove(v, star, value_hash(lab, n));
    pnode *sn = &v->nodes[star];
    if (sn->ex_rank != EX_NONE && sn->ex_len == e->key_len &&
        memcmp(ex_bytes(v, sn), e->key, e->key_len) == 0)
        sn->ex_rank = EX_NONE; /* the example was this key */
    return ex_set_own(v, c, e->key, e->key_len);
}

/* The key a row of view v would stand for alone: the labels from the root
 * to x, then sep and lab; into out (cap bytes). 0 when a label on the way
 * has a '*' (a folded id: not the key's own bytes) or it does not fit. */
static size_t path_key(const rdbl_prefix_agg *v, uint32_t x, uint8_t sep, const uint8_t *lab,
                       size_t n, uint8_t *out, size_t cap)
{
    uint32_t path[20];
    unsigned d = 0;
    for (uint32_t y = x; y && d < 20; y = v->nodes[y].parent)
        path[d++] = y;
    size_t o = 0;
    for (unsigned i = d; i-- > 0;) {
        const pnode *nd = &v->nodes[path[i]];
        const uint8_t *l = label_of(v, nd);
        if (nd->kind != K_NORMAL || (nd->label_len && memchr(l, '*', nd->label_len)) ||
            o + 1 + nd->label_len > cap)
            return 0;
        if (nd->sep)
            out[o++] = nd->sep;
        memcpy(out + o, l, nd->label_len);
        o += nd->label_len;
    }
    if (o + 1 + n > cap)
        return 0;
    if (sep)
        out[o++] = sep;
    memcpy(out + o, lab, n);
    return o + n;
}

/* One key beside a family of deeper keys ("lb:global" beside
 * "lb:<game>:<month>", "game:lobby" beside "game:<room>:state") whose
 * label the sample let go: its "*" has children and exactly one key that
 * ends at it, so that key's figures are the "*"'s minus its children's
 * (exact) and its name is the "*"'s leaf label (exact). A row of its own,
 * as sampled labels get (view_fold), the same in merged and -j reports. */
static rdbl_status carve_leaf(rdbl_prefix_agg *v, uint32_t star)
{
    const pnode *sn = &v->nodes[star];
    const uint32_t x = sn->parent;
    if (!sn->kmv || !v->kmvs[sn->kmv - 1].leaf_h || !v->nodes[x].overflow || !sn->first_child)
        return RDBL_OK;
    rdbl_prefix_totals below, t = sn->t;
    memset(&below, 0, sizeof below);
    uint32_t best = 0; /* the child whose example comes first */
    for (uint32_t c = sn->first_child; c; c = v->nodes[c].next_sibling) {
        const pnode *cn = &v->nodes[c];
        totals_add(&below, &cn->t);
        if (cn->ex_rank != EX_NONE &&
            (!best || ex_before(v, &v->nodes[best], cn->ex_rank, ex_bytes(v, cn), cn->ex_len)))
            best = c;
    }
    /* the small-strings figures count where keys end: the carved key's are
     * the "*"'s own */
    below.fam_keys = t.fam_keys;
    below.fam_mem_bytes = t.fam_mem_bytes;
    below.fam_value_bytes = t.fam_value_bytes;
    below.fam_key_bytes = t.fam_key_bytes;
    if (below.keys < 2 || !totals_take(&t, &below) || t.keys != 1)
        return RDBL_OK;
    t.fam_keys = below.fam_keys;
    t.fam_mem_bytes = below.fam_mem_bytes;
    t.fam_value_bytes = below.fam_value_bytes;
    t.fam_key_bytes = below.fam_key_bytes;
    below.fam_keys = below.fam_mem_bytes = below.fam_value_bytes = below.fam_key_bytes = 0;
    const kmv *k = &v->kmvs[sn->kmv - 1];
    uint8_t lab[LEAF_CAP];
    const size_t n = k->leaf_len;
    const uint8_t sep = sn->sep;
    memcpy(lab, k->leaf, n);
    if (lookup(v, x, sep, lab, n, seg_hash(v->nodes[x].hash, sep, lab, n)))
        return RDBL_OK; /* (the sampled label of the same name holds deeper keys) */
    uint32_t c = find_or_create(v, x, sep, lab, n);
    if (!c)
        return RDBL_NOMEM;
    totals_add(&v->nodes[c].t, &t);
    uint8_t key[512];
    size_t kn = path_key(v, x, sep, lab, n, key, sizeof key);
    if (kn && ex_set_own(v, c, key, kn) != RDBL_OK)
        return RDBL_NOMEM;
    pnode *s2 = &v->nodes[star]; /* (create may move the nodes) */
    s2->t = below;
    kmv_remove(v, star, value_hash(lab, n));
    size_t a, b;
    if (example_segment(v, star, &a, &b) && b == s2->ex_len && !(s2->ex_rank & 0x80000000u)) {
        /* the example was the carved key: the first of the deeper keys' */
        s2->ex_rank = EX_NONE;
        if (best) {
            s2->ex_rank = v->nodes[best].ex_rank;
            s2->ex_off = v->nodes[best].ex_off;
            s2->ex_len = v->nodes[best].ex_len;
        }
    }
    return RDBL_OK;
}

static rdbl_status carve_leaves(rdbl_prefix_agg *v)
{
    const uint32_t n = v->nslots; /* rows made here need no visit */
    rdbl_status st = RDBL_OK;
    for (uint32_t id = 1; id < n && st == RDBL_OK; id++) {
        const pnode *nd = &v->nodes[id];
        if (nd->alive && nd->kind == K_NORMAL && is_star(label_of(v, nd), nd->label_len))
            st = carve_leaf(v, id);
    }
    return st;
}

/* Carves the keys of the top lists (by memory, then by type; a key in two
 * lists finds its row made the second time and stays). */
static rdbl_status carve_big(rdbl_prefix_agg *v, const rdbl_top_agg *t)
{
    const size_t cap = v->opts.o.top_n;
    const rdbl_key_entry **l = malloc((cap ? cap : 1) * sizeof *l);
    if (!l)
        return RDBL_NOMEM;
    rdbl_status st = RDBL_OK;
    for (int list = -1; list < (int)RDBL_TYPE__COUNT && st == RDBL_OK; list++) {
        size_t n = list < 0 ? rdbl_top_agg_get(t, RDBL_TOP_BY_MEMORY, RDBL_TYPE_STRING, l, cap)
                            : rdbl_top_agg_get(t, RDBL_TOP_BY_TYPE, (rdbl_type)list, l, cap);
        for (size_t i = 0; i < n && st == RDBL_OK; i++)
            st = carve_key(v, l[i]);
    }
    free(l);
    return st;
}

static rdbl_prefix_agg *build_view(const rdbl_prefix_agg *p)
{
    rdbl_prefix_agg *v;
    if (rdbl_prefix_agg_new(&v, &p->opts.o) != RDBL_OK)
        return NULL;
    v->is_view = true;
    free(v->exb);
    v->exb = p->exb; /* examples stay in the tree's slab (it outlives the view) */
    v->ex_borrowed = true;
    uint32_t *map = malloc((size_t)p->nslots * sizeof *map);
    uint32_t *queue = malloc((size_t)p->nslots * sizeof *queue);
    bool ok = map && queue;
    size_t qh = 0, qt = 0;
    if (ok) {
        map[0] = 0;
        node_add(v, 0, p, 0);
        queue[qt++] = 0;
    }
    while (ok && qh < qt) {
        uint32_t s = queue[qh++];
        for (uint32_t c = p->nodes[s].first_child; c && ok; c = p->nodes[c].next_sibling) {
            const pnode *sn = &p->nodes[c];
            uint32_t d = sn->kind == K_OTHER
                             ? get_other(v, map[s])
                             : find_or_create(v, map[s], sn->sep, label_of(p, sn), sn->label_len);
            if (!d) {
                ok = false;
                break;
            }
            node_add(v, d, p, c);
            map[c] = d;
            if (sn->kind == K_NORMAL)
                queue[qt++] = c;
        }
    }
    free(map);
    free(queue);
    v->folds = p->folds;
    if (ok)
        ok = carve_leaves(v) == RDBL_OK && (!p->big || carve_big(v, p->big) == RDBL_OK);
    if (!ok || (!p->opts.o.no_fold && view_fold(v, 0) != RDBL_OK)) {
        rdbl_prefix_agg_free(v);
        return NULL;
    }
    return v;
}

/* The tree the reading functions show: the pattern view, built once per
 * change of the tree (not safe to call from two threads on one tree at
 * once: it also brings the sampled tree to its exact sample); the sampled
 * tree itself if the view cannot be built. */
static const rdbl_prefix_agg *shown(const rdbl_prefix_agg *p)
{
    if (p->is_view)
        return p;
    if (!p->view) {
        /* streaming leaves up to twice the sample at a node: the exact
         * sample first, so every tree of the same keys writes the same */
        rdbl_prefix_agg *w = (rdbl_prefix_agg *)(uintptr_t)p;
        if (normalize(w, 0) != RDBL_OK)
            return p;
        w->view = build_view(p);
    }
    return p->view ? p->view : p;
}

/* ---- reading -------------------------------------------------------------------------- */

const rdbl_prefix_totals *rdbl_prefix_agg_totals(const rdbl_prefix_agg *p, uint32_t node)
{
    p = shown(p);
    return &p->nodes[node < p->nslots ? node : 0].t;
}

static int child_cmp_with(const rdbl_prefix_agg *p, uint32_t a, uint32_t b)
{
    const pnode *x = &p->nodes[a], *y = &p->nodes[b];
    if (x->kind != y->kind)
        return x->kind == K_OTHER ? 1 : -1;
    if (x->t.mem_bytes != y->t.mem_bytes)
        return x->t.mem_bytes > y->t.mem_bytes ? -1 : 1;
    if (x->t.keys != y->t.keys)
        return x->t.keys > y->t.keys ? -1 : 1;
    size_t m = x->label_len < y->label_len ? x->label_len : y->label_len;
    int c = m ? memcmp(label_of(p, x), label_of(p, y), m) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    if (x->label_len != y->label_len)
        return x->label_len < y->label_len ? -1 : 1;
    return x->sep < y->sep ? -1 : x->sep > y->sep;
}

static void insertion_sort(const rdbl_prefix_agg *p, uint32_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > 0 && child_cmp_with(p, v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Sorts v[0..n) by child_cmp_with (a total order: siblings differ in label
 * or separator). Insertion sort for short lists, which are the common case;
 * a merge sort for long ones (a root can have node_budget children), free of
 * global state (reports may run in several threads). */
static void sort_children(const rdbl_prefix_agg *p, uint32_t *v, size_t n)
{
    enum { RUN = 16 };
    uint32_t *tmp = n > RUN ? malloc(n * sizeof *tmp) : NULL;
    if (!tmp) {
        insertion_sort(p, v, n); /* short, or no memory for the merge */
        return;
    }
    for (size_t i = 0; i < n; i += RUN)
        insertion_sort(p, v + i, n - i < RUN ? n - i : RUN);
    uint32_t *src = v, *dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                dst[o++] = child_cmp_with(p, src[b], src[a]) < 0 ? src[b++] : src[a++];
            while (a < mid)
                dst[o++] = src[a++];
            while (b < hi)
                dst[o++] = src[b++];
        }
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    free(tmp);
}

static size_t children_raw(const rdbl_prefix_agg *p, uint32_t node, uint32_t *out, size_t cap)
{
    if (node >= p->nslots || !p->nodes[node].alive)
        return 0;
    size_t n = 0;
    for (uint32_t c = p->nodes[node].first_child; c; c = p->nodes[c].next_sibling)
        n++;
    if (n == 0 || cap == 0)
        return n;
    uint32_t *v = out;
    if (cap < n) {
        v = malloc(n * sizeof *v);
        if (!v)
            return 0;
    }
    size_t i = 0;
    for (uint32_t c = p->nodes[node].first_child; c; c = p->nodes[c].next_sibling)
        v[i++] = c;
    sort_children(p, v, n);
    if (v != out) {
        memcpy(out, v, cap * sizeof *out);
        free(v);
    }
    return n;
}

static size_t name_raw(const rdbl_prefix_agg *p, uint32_t node, char *buf, size_t cap)
{
    uint32_t chain[18];
    unsigned n = 0;
    if (node >= p->nslots)
        node = 0;
    for (uint32_t x = node; x != 0 && n < 18; x = p->nodes[x].parent)
        chain[n++] = x;
    size_t total = 0, o = 0;
    if (cap)
        buf[0] = 0;
    while (n--) {
        const pnode *nd = &p->nodes[chain[n]];
        char tmp[8];
        if (nd->sep) {
            uint8_t s = nd->sep;
            size_t k = rdbl_escape_bytes(tmp, sizeof tmp, &s, 1);
            if (o + k < cap) {
                memcpy(buf + o, tmp, k);
                o += k;
                buf[o] = 0;
            }
            total += k;
        }
        if (nd->kind == K_OTHER) {
            if (o + 7 < cap) {
                memcpy(buf + o, "(other)", 7);
                o += 7;
                buf[o] = 0;
            }
            total += 7;
        } else {
            size_t k = rdbl_escape_bytes(o < cap ? buf + o : NULL, o < cap ? cap - o : 0,
                                       label_of(p, nd), nd->label_len);
            if (o < cap)
                o += strlen(buf + o);
            total += k;
        }
    }
    if (total == 0 && node != 0) { /* a key starting with its delimiter: never an empty name */
        if (cap > 7)
            memcpy(buf, "(empty)", 8);
        total = 7;
    }
    return total;
}

size_t rdbl_prefix_agg_children(const rdbl_prefix_agg *p, uint32_t node, uint32_t *out,
                                size_t cap)
{
    return children_raw(shown(p), node, out, cap);
}

size_t rdbl_prefix_agg_name(const rdbl_prefix_agg *p, uint32_t node, char *buf, size_t cap)
{
    return name_raw(shown(p), node, buf, cap);
}

rdbl_str rdbl_prefix_agg_label(const rdbl_prefix_agg *p, uint32_t node)
{
    p = shown(p);
    rdbl_str s = {NULL, 0};
    if (node < p->nslots && p->nodes[node].kind == K_NORMAL && p->nodes[node].label_len == 0) {
        s.ptr = (const uint8_t *)"(empty)"; /* a key starting or ending with its delimiter */
        s.len = 7;
    } else if (node < p->nslots && p->nodes[node].kind == K_NORMAL) {
        s.ptr = label_of(p, &p->nodes[node]);
        s.len = p->nodes[node].label_len;
    } else if (node < p->nslots && p->nodes[node].kind == K_OTHER) {
        s.ptr = (const uint8_t *)"(other)";
        s.len = 7;
    }
    return s;
}

rdbl_str rdbl_prefix_agg_example(const rdbl_prefix_agg *p, uint32_t node, bool *truncated)
{
    p = shown(p);
    rdbl_str s = {NULL, 0};
    *truncated = false;
    if (node < p->nslots && p->nodes[node].ex_rank != EX_NONE) {
        s.ptr = ex_bytes(p, &p->nodes[node]);
        s.len = p->nodes[node].ex_len;
        *truncated = (p->nodes[node].ex_rank & 0x80000000u) != 0;
    }
    return s;
}

uint64_t rdbl_prefix_agg_values(const rdbl_prefix_agg *p, uint32_t node, bool *estimated)
{
    p = shown(p);
    *estimated = false;
    if (node >= p->nslots || !p->nodes[node].kmv)
        return 0;
    *estimated = p->kmvs[p->nodes[node].kmv - 1].n == KMV_K;
    return kmv_estimate(p, node);
}

bool rdbl_prefix_agg_is_other(const rdbl_prefix_agg *p, uint32_t node)
{
    p = shown(p);
    return node < p->nslots && p->nodes[node].kind == K_OTHER;
}

unsigned rdbl_prefix_agg_depth(const rdbl_prefix_agg *p, uint32_t node)
{
    p = shown(p);
    return node < p->nslots ? p->nodes[node].depth : 0;
}

size_t rdbl_prefix_agg_node_count(const rdbl_prefix_agg *p)
{
    return p->alive;
}

uint64_t rdbl_prefix_agg_folds(const rdbl_prefix_agg *p)
{
    return p->folds;
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* p is the view (raw: the sampled tree, written at the root as "sample")
 * or the sampled tree itself (raw NULL). */
static json_t *node_to_json(const rdbl_prefix_agg *p, const rdbl_prefix_agg *raw, uint32_t id,
                            char *namebuf, size_t namecap)
{
    const pnode *nd = &p->nodes[id];
    json_t *j = json_object();
    if (!j)
        return NULL;
    int rc = 0;
    name_raw(p, id, namebuf, namecap);
    rc |= rdbl__jset(j, "prefix", json_string(namebuf));
    if (nd->kind == K_OTHER) {
        rc |= rdbl__jset(j, "label", json_string("(other)"));
        rc |= rdbl__jset(j, "other", json_true());
    } else {
        rc |= rdbl__jset(j, "label", rdbl__jkey(label_of(p, nd), nd->label_len));
    }
    rc |= rdbl__jset(j, "sep", rdbl__jkey(&nd->sep, nd->sep ? 1 : 0));
    rc |= rdbl__jset_u(j, "depth", nd->depth);
    rc |= rdbl__jset_u(j, "keys", nd->t.keys);
    rc |= rdbl__jset_u(j, "memory_bytes", nd->t.mem_bytes);
    rc |= rdbl__jset_u(j, "rdb_bytes", nd->t.rdb_bytes);
    rc |= rdbl__jset_u(j, "elements", nd->t.elements);
    rc |= rdbl__jset_u(j, "value_bytes", nd->t.value_bytes);
    rc |= rdbl__jset_u(j, "keys_with_ttl", nd->t.keys_with_ttl);
    rc |= rdbl__jset_u(j, "memory_without_ttl_bytes", nd->t.mem_no_ttl);
    if (nd->t.fam_keys) {
        json_t *s = json_object();
        rc |= rdbl__jset(j, "small_strings", s);
        if (s) {
            rc |= rdbl__jset_u(s, "keys", nd->t.fam_keys);
            rc |= rdbl__jset_u(s, "memory_bytes", nd->t.fam_mem_bytes);
            rc |= rdbl__jset_u(s, "value_bytes", nd->t.fam_value_bytes);
            rc |= rdbl__jset_u(s, "key_bytes", nd->t.fam_key_bytes);
        }
    }
    if (!p->is_view && nd->overflow)
        rc |= rdbl__jset(j, "variable", json_true());
    if (nd->kmv && p->is_view) {
        rc |= rdbl__jset_u(j, "values", kmv_estimate(p, id));
        if (p->kmvs[nd->kmv - 1].n == KMV_K)
            rc |= rdbl__jset(j, "values_estimated", json_true());
    } else if (nd->kmv) {
        json_t *a = json_array();
        rc |= a ? rdbl__jset(j, "value_hashes", a) : -1;
        for (uint32_t i = 0; a && i < p->kmvs[nd->kmv - 1].n; i++)
            rc |= json_array_append_new(a, json_integer(p->kmvs[nd->kmv - 1].h[i]));
        const kmv *k = &p->kmvs[nd->kmv - 1];
        if (k->leaf_h)
            rc |= rdbl__jset(j, "leaf_label", rdbl__jkey(k->leaf, k->leaf_len));
    }
    if (nd->ex_rank != EX_NONE) {
        rc |= rdbl__jset(j, "example", rdbl__jkey(ex_bytes(p, nd), nd->ex_len));
        if (nd->ex_rank & 0x80000000u)
            rc |= rdbl__jset(j, "example_truncated", json_true());
    }
    if (p->is_view && id == 0 && raw) {
        json_t *smp = node_to_json(raw, NULL, 0, namebuf, namecap);
        if (smp && (rdbl__jset_u(smp, "nodes", raw->alive) || rdbl__jset_u(smp, "folds", raw->folds))) {
            json_decref(smp);
            smp = NULL;
        }
        rc |= smp ? rdbl__jset(j, "sample", smp) : -1;
    }
    if (rc) {
        json_decref(j);
        return NULL;
    }
    size_t n = children_raw(p, id, NULL, 0);
    if (n) {
        uint32_t *v = malloc(n * sizeof *v);
        json_t *arr = json_array();
        if (!v || !arr || rdbl__jset(j, "children", arr)) {
            free(v);
            json_decref(j);
            return NULL;
        }
        children_raw(p, id, v, n);
        for (size_t i = 0; i < n; i++) {
            json_t *c = node_to_json(p, NULL, v[i], namebuf, namecap);
            if (!c || json_array_append_new(arr, c)) {
                free(v);
                json_decref(j);
                return NULL;
            }
        }
        free(v);
    }
    return j;
}

json_t *rdbl_prefix_agg_to_json(const rdbl_prefix_agg *p)
{
    char *namebuf = malloc(65536);
    if (!namebuf)
        return NULL;
    const rdbl_prefix_agg *v = shown(p);
    json_t *j = node_to_json(v, v != p ? p : NULL, 0, namebuf, 65536);
    free(namebuf);
    if (j && (rdbl__jset_u(j, "nodes", p->alive) || rdbl__jset_u(j, "folds", p->folds))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* The same bytes as dumping node_to_json()'s object, member by member. */
static void node_write(const rdbl_prefix_agg *p, const rdbl_prefix_agg *raw, uint32_t id,
                       rdbl__jw *w, char *namebuf, size_t namecap)
{
    const pnode *nd = &p->nodes[id];
    rdbl__jw_obj_begin(w);
    name_raw(p, id, namebuf, namecap);
    rdbl__jw_key(w, "prefix");
    rdbl__jw_str(w, namebuf, strlen(namebuf));
    rdbl__jw_key(w, "label");
    if (nd->kind == K_OTHER) {
        rdbl__jw_str(w, "(other)", 7);
        rdbl__jw_key(w, "other");
        rdbl__jw_bool(w, true);
    } else {
        rdbl__jw_escaped(w, label_of(p, nd), nd->label_len);
    }
    rdbl__jw_key(w, "sep");
    rdbl__jw_escaped(w, &nd->sep, nd->sep ? 1 : 0);
    rdbl__jw_key_u64(w, "depth", nd->depth);
    rdbl__jw_key_u64(w, "keys", nd->t.keys);
    rdbl__jw_key_u64(w, "memory_bytes", nd->t.mem_bytes);
    rdbl__jw_key_u64(w, "rdb_bytes", nd->t.rdb_bytes);
    rdbl__jw_key_u64(w, "elements", nd->t.elements);
    rdbl__jw_key_u64(w, "value_bytes", nd->t.value_bytes);
    rdbl__jw_key_u64(w, "keys_with_ttl", nd->t.keys_with_ttl);
    rdbl__jw_key_u64(w, "memory_without_ttl_bytes", nd->t.mem_no_ttl);
    if (nd->t.fam_keys) {
        rdbl__jw_key(w, "small_strings");
        rdbl__jw_obj_begin(w);
        rdbl__jw_key_u64(w, "keys", nd->t.fam_keys);
        rdbl__jw_key_u64(w, "memory_bytes", nd->t.fam_mem_bytes);
        rdbl__jw_key_u64(w, "value_bytes", nd->t.fam_value_bytes);
        rdbl__jw_key_u64(w, "key_bytes", nd->t.fam_key_bytes);
        rdbl__jw_obj_end(w);
    }
    if (!p->is_view && nd->overflow) {
        rdbl__jw_key(w, "variable");
        rdbl__jw_bool(w, true);
    }
    if (nd->kmv && p->is_view) {
        rdbl__jw_key_u64(w, "values", kmv_estimate(p, id));
        if (p->kmvs[nd->kmv - 1].n == KMV_K) {
            rdbl__jw_key(w, "values_estimated");
            rdbl__jw_bool(w, true);
        }
    } else if (nd->kmv) {
        rdbl__jw_key(w, "value_hashes");
        rdbl__jw_arr_begin(w);
        for (uint32_t i = 0; i < p->kmvs[nd->kmv - 1].n; i++)
            rdbl__jw_u64(w, p->kmvs[nd->kmv - 1].h[i]);
        rdbl__jw_arr_end(w);
        const kmv *k = &p->kmvs[nd->kmv - 1];
        if (k->leaf_h) {
            rdbl__jw_key(w, "leaf_label");
            rdbl__jw_escaped(w, k->leaf, k->leaf_len);
        }
    }
    if (nd->ex_rank != EX_NONE) {
        rdbl__jw_key(w, "example");
        rdbl__jw_escaped(w, ex_bytes(p, nd), nd->ex_len);
        if (nd->ex_rank & 0x80000000u) {
            rdbl__jw_key(w, "example_truncated");
            rdbl__jw_bool(w, true);
        }
    }
    if (p->is_view && id == 0 && raw) {
        rdbl__jw_key(w, "sample");
        node_write(raw, NULL, 0, w, namebuf, namecap);
    }
    size_t n = children_raw(p, id, NULL, 0);
    if (n) {
        uint32_t *v = malloc(n * sizeof *v);
        if (!v) {
            w->err = ENOMEM;
            return;
        }
        children_raw(p, id, v, n);
        rdbl__jw_key(w, "children");
        rdbl__jw_arr_begin(w);
        for (size_t i = 0; i < n && !w->err; i++)
            node_write(p, NULL, v[i], w, namebuf, namecap);
        rdbl__jw_arr_end(w);
        free(v);
    }
    if (id == 0) {
        const rdbl_prefix_agg *f = raw ? raw : p; /* the sampled tree's figures */
        rdbl__jw_key_u64(w, "nodes", f->alive);
        rdbl__jw_key_u64(w, "folds", f->folds);
    }
    rdbl__jw_obj_end(w);
}

void rdbl__prefix_agg_write(const rdbl_prefix_agg *p, rdbl__jw *w)
{
    char *namebuf = malloc(65536);
    if (!namebuf) {
        w->err = ENOMEM;
        return;
    }
    const rdbl_prefix_agg *v = shown(p);
    node_write(v, v != p ? p : NULL, 0, w, namebuf, 65536);
    free(namebuf);
}

static rdbl_status totals_from_json(const json_t *j, rdbl_prefix_totals *t, rdbl_error *err)
{
    rdbl_status st;
    memset(t, 0, sizeof *t);
    if ((st = rdbl__jget_u64(j, "keys", &t->keys, err)) ||
        (st = rdbl__jget_u64(j, "memory_bytes", &t->mem_bytes, err)) ||
        (st = rdbl__jget_u64(j, "rdb_bytes", &t->rdb_bytes, err)) ||
        (st = rdbl__jget_u64(j, "elements", &t->elements, err)) ||
        (st = rdbl__jget_u64(j, "value_bytes", &t->value_bytes, err)) ||
        (st = rdbl__jget_u64(j, "keys_with_ttl", &t->keys_with_ttl, err)) ||
        (st = rdbl__jget_u64(j, "memory_without_ttl_bytes", &t->mem_no_ttl, err)))
        return st;
    const json_t *s = json_object_get(j, "small_strings");
    if (s) {
        if ((st = rdbl__jget_u64(s, "keys", &t->fam_keys, err)) ||
            (st = rdbl__jget_u64(s, "memory_bytes", &t->fam_mem_bytes, err)) ||
            (st = rdbl__jget_u64(s, "value_bytes", &t->fam_value_bytes, err)) ||
            (st = rdbl__jget_u64(s, "key_bytes", &t->fam_key_bytes, err)))
            return st;
    }
    return RDBL_OK;
}

/* "example" (with "example_truncated") of a node. */
static rdbl_status extras_from_json(rdbl_prefix_agg *p, uint32_t id, const json_t *c,
                                    rdbl_error *err)
{
    rdbl_status st;
    if (!json_object_get(c, "example"))
        return RDBL_OK;
    uint8_t *ex = NULL;
    size_t n = 0;
    if ((st = rdbl__jget_key(c, "example", &ex, &n, err)))
        return st;
    bool cut = json_is_true(json_object_get(c, "example_truncated"));
    if (n > EX_CAP) { /* written with a larger EX_CAP: cut as this one would */
        n = EX_CAP;
        cut = true;
    }
    if (cut && n != EX_CAP) {
        free(ex);
        return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "bad \"example\"");
    }
    ex_offer(p, id, ex_rank_of(p, ex, n, cut), ex, n);
    free(ex);
    return RDBL_OK;
}

/* "value_hashes" of a sampled-tree node: into its values sketch. */
static rdbl_status values_from_json(rdbl_prefix_agg *p, uint32_t id, const json_t *c,
                                   rdbl_error *err)
{
    const json_t *a = json_object_get(c, "value_hashes");
    if (!a)
        return RDBL_OK;
    if (!json_is_array(a) || json_array_size(a) > KMV_K)
        return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "bad \"value_hashes\"");
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *v = json_array_get(a, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
            json_integer_value(v) > (json_int_t)UINT32_MAX)
            return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "bad \"value_hashes\"");
        kmv_add(p, id, (uint32_t)json_integer_value(v));
    }
    if (json_object_get(c, "leaf_label")) {
        uint8_t *lab = NULL;
        size_t n = 0;
        rdbl_status st = rdbl__jget_key(c, "leaf_label", &lab, &n, err);
        if (st)
            return st;
        if (n <= LEAF_CAP && is_star(label_of(p, &p->nodes[id]), p->nodes[id].label_len))
            leaf_offer(p, id, value_hash(lab, n), lab, n);
        free(lab);
    }
    return RDBL_OK;
}

rdbl_status rdbl__prefix_json_node(rdbl_prefix_agg *p, uint32_t parent, const json_t *c,
                                   uint32_t *id_out, bool *descend, rdbl_error *err)
{
    rdbl_status st;
    if (!json_is_object(c))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "child is not an object");
    rdbl_prefix_totals t;
    if ((st = totals_from_json(c, &t, err)))
        return st;
    uint32_t id;
    if (json_is_true(json_object_get(c, "other"))) {
        id = get_other(p, parent);
    } else {
        uint8_t *lab = NULL, *sep = NULL;
        size_t n = 0, sn = 0;
        if ((st = rdbl__jget_key(c, "label", &lab, &n, err)))
            return st;
        if ((st = rdbl__jget_key(c, "sep", &sep, &sn, err))) {
            free(lab);
            return st;
        }
        if (sn > 1 || (parent == 0) != (sn == 0)) {
            free(lab);
            free(sep);
            return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "bad \"sep\"");
        }
        id = child_for(p, parent, sn ? sep[0] : 0, lab, n, false);
        if (id && json_is_true(json_object_get(c, "variable")))
            p->nodes[id].overflow = 1;
        if (id && (st = values_from_json(p, id, c, err))) {
            free(lab);
            free(sep);
            return st;
        }
        free(lab);
        free(sep);
    }
    if (!id)
        return rdbl__fail(err, RDBL_NOMEM, 0, "prefixes", "out of memory");
    if ((st = extras_from_json(p, id, c, err)))
        return st;
    totals_add(&p->nodes[id].t, &t);
    *id_out = id;
    *descend = p->nodes[id].kind == K_NORMAL;
    return RDBL_OK;
}

rdbl_status rdbl__prefix_json_children(rdbl_prefix_agg *p, uint32_t parent, const json_t *kids,
                                       unsigned depth, rdbl_error *err)
{
    rdbl_status st;
    if (!json_is_array(kids) || depth >= RDBL__PREFIX_JSON_DEPTH)
        return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "bad \"children\"");
    for (size_t i = 0; i < json_array_size(kids); i++) {
        const json_t *c = json_array_get(kids, i);
        uint32_t id;
        bool descend;
        if ((st = rdbl__prefix_json_node(p, parent, c, &id, &descend, err)))
            return st;
        const json_t *sub = json_object_get(c, "children");
        if (descend && sub && (st = rdbl__prefix_json_children(p, id, sub, depth + 1, err)))
            return st;
    }
    return RDBL_OK;
}

rdbl_status rdbl__prefix_json_root(rdbl_prefix_agg *p, const json_t *j, rdbl_error *err)
{
    if (!json_is_object(j))
        return rdbl__fail(err, RDBL_CORRUPT, 0, "prefixes", "expected an object");
    rdbl_prefix_totals t;
    rdbl_status st = totals_from_json(j, &t, err);
    if (st != RDBL_OK)
        return st;
    totals_add(&p->nodes[0].t, &t);
    if ((st = extras_from_json(p, 0, j, err)))
        return st;
    uint64_t folds = 0;
    if ((st = rdbl__jget_u64(j, "folds", &folds, err)))
        return st;
    p->folds += folds;
    if (json_is_true(json_object_get(j, "variable")))
        p->nodes[0].overflow = 1;
    drop_view(p);
    return RDBL_OK;
}

rdbl_status rdbl__prefix_json_done(rdbl_prefix_agg *p)
{
    drop_view(p);
    rdbl_status st = normalize(p, 0);
    if (st != RDBL_OK)
        return st;
    if (p->alive > p->opts.o.node_budget)
        return compact(p, compact_target(p));
    return RDBL_OK;
}

rdbl_status rdbl_prefix_agg_add_json(rdbl_prefix_agg *p, const json_t *j, rdbl_error *err)
{
    const json_t *sample = json_object_get(j, "sample");
    if (json_is_object(sample))
        j = sample; /* the sampled tree: the view is derived from it */
    rdbl_status st = rdbl__prefix_json_root(p, j, err);
    if (st != RDBL_OK)
        return st;
    const json_t *kids = json_object_get(j, "children");
    if (kids && (st = rdbl__prefix_json_children(p, 0, kids, 0, err)))
        return st;
    return rdbl__prefix_json_done(p);
}
