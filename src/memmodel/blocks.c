/* Building blocks of the memory model (memory-model.md §3): sds sizes,
 * listpack / ziplist / intset sizes computed from elements, dict table sizes
 * and the incremental-rehash simulation, the expected skiplist node, and the
 * streaming radix-tree node count for stream IDs.
 *
 * Listpack entry (redis/redis src/listpack.c lpEncodeGetType, lpEncodeBacklen):
 *
 *     <encoding+data> <backlen>
 *     int  0..127 -> 1   -4096..4095 -> 2   int16 -> 3   int24 -> 4   int32 -> 5   else 9
 *     str  len < 64 -> 1+len   len < 4096 -> 2+len   else 5+len
 *     backlen of l: <= 127 -> 1, < 16383 -> 2, < 2097151 -> 3, < 268435455 -> 4, else 5
 *     listpack = 6-byte header + entries + 1 (0xFF)
 *
 * Ziplist entry (src/ziplist.c, Redis 6.2 in memory):
 *
 *     <prevlen 1|5> <encoding 1|2|5> <data>
 *     int (strings of 1..31 chars that string2ll accepts): 0..12 -> 0 data bytes,
 *     int8 1, int16 2, int24 3, int32 4, else 8 (encoding byte 1)
 *     str len <= 63 -> 1-byte encoding, <= 16383 -> 2, else 5
 *     ziplist = 10-byte header + entries + 1 (0xFF)
 *
 * Radix tree of 16-byte keys (src/rax.c), one node per compressed run and per
 * branching point, plus one (empty) node per key:
 *
 *     node = 4-byte header, chars, padding to 8, child pointers (1 for a
 *            compressed node, one per char for a branch), value pointer if key
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "memmodel/mm.h"

/* rdbl__mm_item_int, rdbl__sds_hdr and the listpack entry sizes are inline
 * in mm.h. */

size_t rdbl__lp_estimate_repeated_int(int64_t lo, int64_t hi, uint64_t n)
{
    size_t a = rdbl__lp_int_entry(lo), b = rdbl__lp_int_entry(hi);
    return 6 + (a > b ? a : b) * (size_t)n + 1;
}

/* ---- ziplist ---- */

static void zl_push(rdbl__zl *z, uint64_t encdata)
{
    uint64_t e = (z->prev_len < 254 ? 1 : 5) + encdata;
    z->bytes += e;
    z->prev_len = e;
}

void rdbl__zl_push_int(rdbl__zl *z, int64_t v)
{
    uint64_t d;
    if (v >= 0 && v <= 12)
        d = 0;
    else if (v >= INT8_MIN && v <= INT8_MAX)
        d = 1;
    else if (v >= INT16_MIN && v <= INT16_MAX)
        d = 2;
    else if (v >= -8388608 && v <= 8388607)
        d = 3;
    else if (v >= INT32_MIN && v <= INT32_MAX)
        d = 4;
    else
        d = 8;
    zl_push(z, 1 + d);
}

void rdbl__zl_push_str(rdbl__zl *z, size_t len)
{
    uint64_t h = len <= 63 ? 1 : (len <= 16383 ? 2 : 5);
    zl_push(z, h + len);
}

void rdbl__zl_push_item(rdbl__zl *z, const rdbl_item *it)
{
    int64_t v;
    /* zipTryEncoding accepts 1..31 characters; integer items always fit */
    if (rdbl__mm_item_int(it, &v) && (it->is_int || it->len < 32))
        rdbl__zl_push_int(z, v);
    else
        rdbl__zl_push_str(z, it->len);
}

unsigned rdbl__intset_width(int64_t v)
{
    if (v >= INT16_MIN && v <= INT16_MAX)
        return 2;
    if (v >= INT32_MIN && v <= INT32_MAX)
        return 4;
    return 8;
}

/* ---- dicts ---- */

uint64_t rdbl__dict_slots(uint64_t n)
{
    uint64_t s = 4;
    while (s < n && s < ((uint64_t)1 << 62))
        s <<= 1;
    return s;
}

void rdbl__dsim_init(rdbl__dsim *d)
{
    d->size0 = d->size1 = 0;
    d->used = 0;
    d->need = d->steps = 0;
}

static void dsim_finish(rdbl__dsim *d)
{
    d->size0 = d->size1;
    d->size1 = 0;
    d->need = d->steps = 0;
}

/* Steps a rehash of u entries out of S buckets needs: one per non-empty
 * bucket, plus one per run of 10 empty buckets (dictRehash gives up a step
 * after 10 empty visits). The number of non-empty buckets is random (the hash
 * seed); take its median, which is the best single guess of whether a given
 * number of steps finishes the rehash: exactly for small tables (occupancy
 * distribution by dynamic programming), the mean for large ones. */
#define RDBL__DSIM_EXACT 64
static double rehash_need_calc(uint64_t S, uint64_t u);

/* Tables filled one entry at a time start every rehash full (u == S, a
 * power of two): those answers depend on S alone, and a key with a
 * thousand members starts ten of them. Kept per thread (several analyses
 * may run at once); 0 = not computed yet (a need is at least 1). */
static double rehash_need(uint64_t S, uint64_t u)
{
    static _Thread_local double full[64];
    if (u != S || S == 0 || (S & (S - 1)) != 0)
        return rehash_need_calc(S, u);
    unsigned lg = (unsigned)__builtin_ctzll(S);
    if (full[lg] == 0)
        full[lg] = rehash_need_calc(S, u);
    return full[lg];
}

static double rehash_need_calc(uint64_t S, uint64_t u)
{
    /* The median for a table that grows by doubling (u == S), the common
     * case, precomputed by the same dynamic programming for S = 4 .. 512. */
    static const uint16_t full_median[] = {3, 5, 10, 20, 41, 81, 162, 324};
    if (u == 0)
        return 1.0; /* an empty old table still takes one step to drop */
    double fs = (double)S;
    double p = pow(1.0 - 1.0 / fs, (double)u); /* share of empty buckets */
    double stall = 1.0 - pow(p, 10);
    double b = -1;
    if (u == S && S >= 4 && S <= 512 && (S & (S - 1)) == 0) {
        unsigned i = 0;
        while (((uint64_t)4 << i) < S)
            i++;
        b = full_median[i];
    } else if (S <= RDBL__DSIM_EXACT) {
        double pr[RDBL__DSIM_EXACT + 1];
        uint64_t top = 0; /* highest reachable occupancy */
        memset(pr, 0, sizeof pr);
        pr[0] = 1.0;
        for (uint64_t ball = 0; ball < u; ball++) {
            uint64_t hi = top < S ? top + 1 : S;
            for (uint64_t j = hi; j > 0; j--)
                pr[j] = pr[j] * ((double)j / fs) + pr[j - 1] * ((double)(S - j + 1) / fs);
            pr[0] = 0;
            top = hi;
        }
        double c = 0;
        b = (double)top;
        for (uint64_t j = 1; j <= top; j++) {
            c += pr[j];
            if (c >= 0.5) {
                b = (double)j;
                break;
            }
        }
    } else if (b < 0) {
        b = fs * (1.0 - p);
    }
    /* steps are whole: add the expected stalls rounded */
    double need = b + floor(b * (1.0 / (stall > 0 ? stall : 1.0) - 1.0) + 0.5);
    return need < 1.0 ? 1.0 : need;
}

void rdbl__dsim_expand(rdbl__dsim *d, uint64_t size)
{
    if (d->size1 || d->used > size)
        return;
    uint64_t s = rdbl__dict_slots(size);
    if (s == d->size0)
        return;
    if (d->size0 == 0) {
        d->size0 = s;
        return;
    }
    /* A rehash starts: count the steps it needs. */
    double need = rehash_need(d->size0, d->used);
    d->size1 = s;
    d->need = need;
    d->steps = 0;
}

void rdbl__dsim_add(rdbl__dsim *d, uint64_t count, unsigned steps)
{
    while (count > 0) {
        if (d->size1) {
            if (steps == 0) {
                d->used += count;
                return;
            }
            double rem = d->need - d->steps;
            double a = ceil(rem / (double)steps - 1e-9);
            if (a < 1)
                a = 1;
            if (a <= (double)count) {
                uint64_t ai = (uint64_t)a;
                d->used += ai;
                count -= ai;
                dsim_finish(d);
            } else {
                d->steps += (double)count * steps;
                d->used += count;
                return;
            }
            continue;
        }
        if (d->size0 == 0)
            d->size0 = 4;
        if (d->used >= d->size0) {
            rdbl__dsim_expand(d, d->used + 1);
            d->used++;
            count--;
            continue;
        }
        uint64_t room = d->size0 - d->used;
        uint64_t t = count < room ? count : room;
        d->used += t;
        count -= t;
    }
}

uint64_t rdbl__dsim_slots(const rdbl__dsim *d)
{
    return d->size0 + d->size1;
}

/* ---- skiplists ---- */

double rdbl__skiplist_enode(const rdbl__alloc_ctx *a, unsigned maxlevel)
{
    double e = 0, pl = 0.75; /* P(level == 1) */
    for (unsigned l = 1; l < maxlevel; l++) {
        e += pl * (double)rdbl__J(a, 24 + 16 * (size_t)l);
        pl *= 0.25;
    }
    /* the cap takes the whole remaining tail: P(level >= maxlevel) */
    e += pow(0.25, (double)(maxlevel - 1)) * (double)rdbl__J(a, 24 + 16 * (size_t)maxlevel);
    return e;
}

/* ---- radix trees ---- */

void rdbl__stream_id_bytes(rdbl_stream_id id, uint8_t out[16])
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(id.ms >> (56 - 8 * i));
        out[8 + i] = (uint8_t)(id.seq >> (56 - 8 * i));
    }
}

static size_t rax_pad(size_t chars)
{
    return (8 - ((chars + 4) % 8)) & 7;
}
/* A compressed run of `chars` bytes: header, chars, padding, one child. */
static size_t rax_compr(const rdbl__alloc_ctx *a, size_t chars)
{
    return a ? rdbl__J(a, 4 + chars + rax_pad(chars) + 8) : 0;
}
/* A branching node with `kids` children. */
static size_t rax_branch(const rdbl__alloc_ctx *a, size_t kids)
{
    return a ? rdbl__J(a, 4 + kids + rax_pad(kids) + 8 * kids) : 0;
}
/* The node where a key ends: header, padding, the value pointer. */
static size_t rax_leaf(const rdbl__alloc_ctx *a)
{
    return a ? rdbl__J(a, 16) : 0;
}

void rdbl__raxc_init(rdbl__raxc *r)
{
    memset(r, 0, sizeof *r);
    r->lprev = -1;
}

static int lcp16(const uint8_t *a, const uint8_t *b)
{
    int i = 0;
    while (i < 16 && a[i] == b[i])
        i++;
    return i;
}

/* Closes the leaf of the previous key, whose branching parent is at depth d. */
static void raxc_leaf(rdbl__raxc *r, int d, const rdbl__alloc_ctx *a)
{
    r->nodes += 1;
    r->alloc += rax_leaf(a);
    if (16 - d >= 2) {
        r->nodes += 1;
        r->alloc += rax_compr(a, (size_t)(16 - d - 1));
    }
}

/* Closes the branching node on top of the stack; its parent is at depth
 * `parent` (-1: it is the root). */
static void raxc_pop(rdbl__raxc *r, int parent, const rdbl__alloc_ctx *a)
{
    int x = r->depth[r->sp - 1];
    r->alloc += rax_branch(a, r->kids[r->sp - 1]);
    r->sp--;
    r->nodes += 1;
    int gap = parent < 0 ? x : x - parent - 1; /* chars of the compressed run above it */
    if (gap >= 1) {
        r->nodes += 1;
        r->alloc += rax_compr(a, (size_t)gap);
    }
}

void rdbl__raxc_add(rdbl__raxc *r, const uint8_t id[16], const rdbl__alloc_ctx *a)
{
    r->n++;
    if (r->n == 1) {
        memcpy(r->prev, id, 16);
        return;
    }
    int l = lcp16(r->prev, id);
    if (l == 16 || memcmp(id, r->prev, 16) < 0) {
        /* Not in rax order (a corrupt or foreign file): keep counting as if it
         * were, and say so; the estimate is then approximate. */
        r->unordered = true;
        if (l == 16) {
            r->n--; /* a duplicate adds no node */
            return;
        }
    }
    int d = r->lprev > l ? r->lprev : l;
    raxc_leaf(r, d, a);
    while (r->sp > 0 && r->depth[r->sp - 1] > l) {
        int parent = (r->sp > 1 && r->depth[r->sp - 2] >= l) ? r->depth[r->sp - 2] : l;
        /* parent == l when a new branching node at l will take this one */
        raxc_pop(r, parent, a);
    }
    if (r->sp == 0 || r->depth[r->sp - 1] < l) {
        r->depth[r->sp] = (uint8_t)l;
        r->kids[r->sp] = 2;
        r->sp++;
    } else {
        r->kids[r->sp - 1]++;
    }
    memcpy(r->prev, id, 16);
    r->lprev = l;
}

uint64_t rdbl__raxc_nodes(const rdbl__raxc *r, const rdbl__alloc_ctx *a, uint64_t *alloc)
{
    if (r->n == 0) {
        if (alloc)
            *alloc = a ? rdbl__J(a, 4) : 0;
        return 1;
    }
    if (r->n == 1) {
        if (alloc)
            *alloc = rax_compr(a, 16) + rax_leaf(a);
        return 2;
    }
    rdbl__raxc c = *r;
    raxc_leaf(&c, c.lprev, a);
    while (c.sp > 0)
        raxc_pop(&c, c.sp > 1 ? c.depth[c.sp - 2] : -1, a);
    if (alloc)
        *alloc = c.alloc;
    return c.nodes;
}

/* ---- float arithmetic as objectComputeSize does it ---- */

uint64_t rdbl__scaled_sum(uint64_t asize, uint64_t elesize, uint64_t samples, uint64_t count)
{
    if (samples == 0)
        return asize;
    double v = (double)asize + (double)elesize / (double)samples * (double)count;
    if (v < 0)
        return 0;
    if (v >= 18446744073709551615.0)
        return UINT64_MAX;
    return (uint64_t)v;
}

/* ---- zset scores as text ---- */

static size_t shortest_text(double v, char *buf, size_t cap)
{
    /* fpconv_dtoa (Grisu2) prints the shortest digits that read back as the
     * same double; find them with %.*e, then lay them out as its emit_digits
     * does: plain integer, plain decimal, or d.ddde±x. */
    char tmp[40];
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    snprintf(tmp, sizeof tmp, "%.*e", prec, v);
    bool neg = tmp[0] == '-';
    const char *p = tmp + (neg ? 1 : 0);
    char digits[24];
    int nd = 0;
    while (*p && *p != 'e') {
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
        p++;
    }
    int e10 = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    int K = e10 - (nd - 1); /* value = digits * 10^K */
    char out[48];
    int o = 0;
    if (neg)
        out[o++] = '-';
    int ex = abs(K + nd - 1);
    if (K >= 0 && ex < nd + 7) {
        memcpy(out + o, digits, (size_t)nd);
        o += nd;
        for (int i = 0; i < K; i++)
            out[o++] = '0';
    } else if (K < 0 && (K > -7 || ex < 4)) {
        int offset = nd - abs(K);
        if (offset <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -offset; i++)
                out[o++] = '0';
            memcpy(out + o, digits, (size_t)nd);
            o += nd;
        } else {
            memcpy(out + o, digits, (size_t)offset);
            o += offset;
            out[o++] = '.';
            memcpy(out + o, digits + offset, (size_t)(nd - offset));
            o += nd - offset;
        }
    } else {
        int n2 = nd < 18 - (neg ? 1 : 0) ? nd : 18 - (neg ? 1 : 0);
        out[o++] = digits[0];
        if (n2 > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, (size_t)(n2 - 1));
            o += n2 - 1;
        }
        out[o++] = 'e';
        out[o++] = (K + n2 - 1 < 0) ? '-' : '+';
        int ee = ex, cent = 0;
        if (ee > 99) {
            cent = ee / 100;
            out[o++] = (char)('0' + cent);
            ee -= cent * 100;
        }
        if (ee > 9) {
            out[o++] = (char)('0' + ee / 10);
            ee %= 10;
        } else if (cent) {
            out[o++] = '0';
        }
        out[o++] = (char)('0' + ee);
    }
    size_t c = (size_t)o < cap ? (size_t)o : cap;
    memcpy(buf, out, c);
    return (size_t)o;
}

/* printf("%.17g", x) for finite x with 1e-5 <= |x| < 2^74, exactly (the
 * same bytes as glibc): the 17 significant digits come from integer
 * arithmetic on x = m * 2^e (m < 2^53), m * 10^k / 2^-e or m * 2^e / 10^-k
 * in 128 bits, rounded half to even on the exact remainder. glibc's
 * multi-precision printf cost the analysis ~8% of its time on files with
 * many zset scores. @return the length, or 0 when x is out of range (the
 * caller then uses snprintf). out has room for 32 bytes. */
#if defined(__SIZEOF_INT128__)
/* The 17 significant digits of |x| as an integer q in [10^16, 10^17) and
 * the decimal exponent X of the first: |x| ~ q * 10^(X - 16). @return false
 * out of range. */
static bool g17_digits(double x, uint64_t *q_out, int *X_out)
{
    __extension__ typedef unsigned __int128 u128;
    static const uint64_t p10[20] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
        1000000000u, 10000000000u, 100000000000u, 1000000000000u, 10000000000000u,
        100000000000000u, 1000000000000000u, 10000000000000000u, 100000000000000000u,
        1000000000000000000u, 10000000000000000000u};
    double a = fabs(x);
    if (!(a >= 1e-5 && a < 18889465931478580854784.0)) /* 2^74 */
        return false;
    /* a is normal here: a = m * 2^e with the 53-bit significand m (hidden
     * bit set) from the bits, as frexp/ldexp would give, without the calls */
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    uint64_t m = (bits & (((uint64_t)1 << 52) - 1)) | ((uint64_t)1 << 52);
    int e = (int)((bits >> 52) & 0x7ff) - 1075; /* -70 <= e <= 21 */
    /* X = floor(log10(a)) from the binary exponent: a is in
     * [2^(e+52), 2^(e+53)), so floor((e + 52) log10 2) is X or X - 1 (the
     * interval spans 0.302 decades); the loop below fixes it. 78913 / 2^18
     * is log10 2 to within 2^-20, exact for this range (tested). */
    int X = ((e + 52) * 78913) >> 18;
    uint64_t q;
    u128 rem, half; /* rounding: compare rem with half of the divisor */
    for (int tries = 0;; tries++) {
        int k = 16 - X; /* q = a * 10^k should have 17 digits */
        u128 qq;
        if (k >= 0) {
            if (k > 38 - 16)
                return false;
            /* m * 10^k < 2^53 * 10^22 < 2^127 */
            u128 num = (u128)m * (k <= 19 ? p10[k] : p10[19]);
            if (k > 19)
                num *= p10[k - 19];
            if (e >= 0) {
                qq = num << e;
                rem = 0;
                half = 1;
            } else {
                /* the divisor is 2^-e: a shift and a mask */
                qq = num >> -e;
                rem = num & (((u128)1 << -e) - 1);
                half = (u128)1 << -e;
            }
        } else {
            /* a >= 10^17: integral here (e >= 4), divide by 10^-k */
            if (e < 0 || -k > 19)
                return false;
            u128 num = (u128)m << e; /* < 2^127 */
            u128 den = p10[-k];
            qq = num / den;
            rem = num % den;
            half = den; /* compare 2 * rem with den */
        }
        if (qq >= p10[17] && tries < 2) {
            X++;
            continue;
        }
        if (qq < p10[16] && tries < 2) {
            X--;
            continue;
        }
        if (qq >= p10[17] || qq < p10[16])
            return false; /* NEVER: the estimate is off by at most one */
        q = (uint64_t)qq;
        break;
    }
    u128 twice = rem * 2; /* rem < den <= 2^127: no overflow for den <= 2^126 */
    if (twice > half || (twice == half && (q & 1)))
        q++;
    if (q == p10[17]) {
        q = p10[16];
        X++;
    }
    *q_out = q;
    *X_out = X;
    return true;
}

static size_t g17(double x, char *out)
{
    uint64_t q;
    int X;
    if (!g17_digits(x, &q, &X))
        return 0;
    char d[17];
    for (int i = 16; i >= 0; i--) {
        d[i] = (char)('0' + q % 10);
        q /= 10;
    }
    int nd = 17;
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    size_t o = 0;
    if (x < 0)
        out[o++] = '-';
    if (X >= -4 && X < 17) {
        if (X >= 0) {
            for (int i = 0; i <= X; i++)
                out[o++] = i < nd ? d[i] : '0';
            if (nd > X + 1) {
                out[o++] = '.';
                for (int i = X + 1; i < nd; i++)
                    out[o++] = d[i];
            }
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -X - 1; i++)
                out[o++] = '0';
            for (int i = 0; i < nd; i++)
                out[o++] = d[i];
        }
    } else {
        out[o++] = d[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int i = 1; i < nd; i++)
                out[o++] = d[i];
        }
        out[o++] = 'e';
        int ex = X;
        out[o++] = ex < 0 ? '-' : '+';
        if (ex < 0)
            ex = -ex;
        if (ex >= 100)
            out[o++] = (char)('0' + ex / 100);
        out[o++] = (char)('0' + ex / 10 % 10);
        out[o++] = (char)('0' + ex % 10);
    }
    return o;
}

size_t rdbl__score_g17_len(double x)
{
    uint64_t q;
    int X;
    if (!g17_digits(x, &q, &X))
        return 0;
    /* %g drops trailing zeros: nd significant digits remain */
    int nd = 17;
    while (nd > 1 && q % 10 == 0) {
        q /= 10;
        nd--;
    }
    size_t n = x < 0 ? 1 : 0;
    if (X >= -4 && X < 17) {
        if (X >= 0)
            n += (size_t)(X + 1) + (nd > X + 1 ? (size_t)(nd - X) : 0);
        else
            n += 2 + (size_t)(-X - 1) + (size_t)nd;
    } else {
        n += (size_t)nd + (nd > 1 ? 1 : 0) + 2 + (X >= 100 || X <= -100 ? 3 : 2);
    }
    return n;
}
#else
static size_t g17(double x, char *out)
{
    (void)x, (void)out;
    return 0; /* no 128-bit integers: snprintf does it */
}

size_t rdbl__score_g17_len(double x)
{
    (void)x;
    return 0;
}
#endif

size_t rdbl__score_text(double score, int style, char *buf, size_t cap)
{
    char tmp[48];
    int n;
    if (isnan(score))
        n = snprintf(tmp, sizeof tmp, "nan");
    else if (isinf(score))
        n = snprintf(tmp, sizeof tmp, score < 0 ? "-inf" : "inf");
    else if (score == 0)
        n = snprintf(tmp, sizeof tmp, signbit(score) ? "-0" : "0");
    else if (style == RDBL__SCORE_62 && score > -4503599627370495.0 &&
             score < 4503599627370496.0 && (double)(int64_t)score == score)
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)score);
    else if (style != RDBL__SCORE_62 && score >= -4611686018427387903.0 &&
             score <= 4611686018427387903.0 && (double)(int64_t)score == score)
        /* double2ll: within +-LLONG_MAX/2 and integral */
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)score);
    else if (style == RDBL__SCORE_SHORT)
        n = (int)shortest_text(score, tmp, sizeof tmp);
    else if ((n = (int)g17(score, tmp)) == 0)
        n = snprintf(tmp, sizeof tmp, "%.17g", score);
    if (n < 0)
        n = 0;
    size_t c = (size_t)n < cap ? (size_t)n : cap;
    memcpy(buf, tmp, c);
    return (size_t)n;
}
