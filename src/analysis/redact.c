/* --redact: keys with their variable parts replaced by keyed pseudonyms, and
 * values by their length and a keyed digest.
 *
 *   "user:48210:profile"   segments split at the delimiters, each folded as
 *        │                 the pattern tree folds it (rdbl_prefix_fold_segment):
 *        ▼                 "user" stays, "48210" is a '*'
 *   "user:73958:profile"   each '*' part (and anything that reads as an e-mail
 *                          address, a UUID or an id-like run of letters and
 *                          digits, wherever it is) rewritten character by
 *                          character from HMAC-SHA256(secret, the part)
 *
 * The rewrite keeps each character's class (digit, hex letter a-f/A-F, other
 * lower/upper letter; every other byte, '@', '.', '-', '{'... as it is) and
 * the length, so the pattern folding, which decides by those classes only,
 * folds a redacted key exactly as the original: the report's pattern rows,
 * their counts and memory do not change. The same part gives the same
 * pseudonym within a run, and across runs given the same secret. What stays
 * readable: the literal segments (words the folding keeps), delimiters and
 * the shape of each id. Short ids have few pseudonyms of their shape (a
 * 2-digit id: 100), so two of them can meet on one.
 *
 * HMAC-SHA256 is nettle's; the secret is --redact-key's file, or 32 bytes
 * from getrandom() for the run. */
#include <errno.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "analysis/analysis_int.h"
#include "internal.h"

#define FOLD_CAP 64 /* rdbl_prefix_fold_segment: a folded label is at most this */

struct rdbl_redactor {
    struct hmac_sha256_ctx keyed; /* set once; copied for every use (thread-safe) */
    bool delim[256];
    char delims[16];
    rdbl_prefix_agg *learning; /* rdbl_redactor_learn's tree, until sealed */
    rdbl__rplan *plan;         /* sealed: which segments are variable */
    uint64_t inputs;           /* inputs learnt */
};

rdbl_status rdbl_redactor_new(rdbl_redactor **out, const uint8_t *secret, size_t len,
                              const char *delims, rdbl_error *err)
{
    *out = NULL;
    uint8_t rnd[32];
    if (!secret) {
        size_t got = 0;
        while (got < sizeof rnd) {
            ssize_t r = getrandom(rnd + got, sizeof rnd - got, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return rdbl__fail(err, RDBL_IO, 0, "redact", "no random bytes for the key: %s",
                                  strerror(errno));
            got += (size_t)r;
        }
        secret = rnd;
        len = sizeof rnd;
    }
    rdbl_redactor *r = calloc(1, sizeof *r);
    if (!r)
        return rdbl__fail(err, RDBL_NOMEM, 0, "redact", "out of memory");
    hmac_sha256_set_key(&r->keyed, len, secret);
    memset(rnd, 0, sizeof rnd);
    snprintf(r->delims, sizeof r->delims, "%s", delims && *delims ? delims : ":");
    for (const char *d = r->delims; *d; d++)
        r->delim[(uint8_t)*d] = true;
    *out = r;
    return RDBL_OK;
}

rdbl_status rdbl_redactor_load(rdbl_redactor **out, const char *path, const char *delims,
                               rdbl_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return rdbl__fail(err, RDBL_IO, 0, "redact", "cannot open the redact key file: %s",
                          strerror(errno));
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    bool more = fgetc(f) != EOF;
    fclose(f);
    if (more || n < 16)
        return rdbl__fail(err, RDBL_USAGE, 0, "redact",
                          "the redact key file must hold 16 to 4096 bytes (it holds %s)",
                          more ? "more" : n ? "fewer" : "none");
    rdbl_status st = rdbl_redactor_new(out, buf, n, delims, err);
    memset(buf, 0, sizeof buf);
    return st;
}

void rdbl_redactor_free(rdbl_redactor *r)
{
    if (!r)
        return;
    rdbl_prefix_agg_free(r->learning);
    rdbl__rplan_free(r->plan);
    free(r);
}

rdbl_status rdbl_redactor_learn(rdbl_redactor *r, rdbl_source *src, unsigned parse_flags,
                                rdbl_error *err)
{
    if (!r->learning && rdbl__rplan_tree_new(&r->learning, r->delims) != RDBL_OK)
        return rdbl__fail(err, RDBL_NOMEM, 0, "redact", "out of memory");
    r->inputs++;
    return rdbl__rplan_learn(r->learning, src, parse_flags, err);
}

rdbl_status rdbl_redactor_seal(rdbl_redactor *r)
{
    if (!r->learning)
        return RDBL_OK;
    rdbl_status st = rdbl__rplan_make(&r->plan, r->learning, r->inputs);
    rdbl_prefix_agg_free(r->learning);
    r->learning = NULL;
    return st;
}

/* ---- pseudonyms ------------------------------------------------------------ */

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* One class-keeping character from a random byte. */
static uint8_t morph(uint8_t c, uint8_t rnd)
{
    if (is_digit(c))
        return (uint8_t)('0' + rnd % 10);
    if (c >= 'a' && c <= 'f')
        return (uint8_t)('a' + rnd % 6);
    if (c >= 'g' && c <= 'z')
        return (uint8_t)('g' + rnd % 20);
    /* T and Z stay: the folding reads them in dates (20240131T1200Z) */
    if (c >= 'A' && c <= 'F')
        return (uint8_t)('A' + rnd % 6);
    if (c >= 'G' && c <= 'Z' && c != 'T' && c != 'Z') {
        uint8_t m = (uint8_t)('G' + rnd % 18);
        return m >= 'T' ? (uint8_t)(m + 1) : m; /* G..S, U..Y */
    }
    return c;
}

/* out[0..n) = the pseudonym of in[0..n): HMAC(secret, block number || in)
 * gives 32 random bytes per block. */
static void pseudonym(const rdbl_redactor *r, const uint8_t *in, size_t n, uint8_t *out)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    for (size_t at = 0; at < n; at += sizeof d) {
        struct hmac_sha256_ctx c = r->keyed;
        uint8_t blk[8];
        uint64_t b = at / sizeof d;
        for (int i = 0; i < 8; i++)
            blk[i] = (uint8_t)(b >> (8 * i));
        hmac_sha256_update(&c, sizeof blk, blk);
        hmac_sha256_update(&c, n, in);
        hmac_sha256_digest(&c, sizeof d, d);
        for (size_t i = 0; i < sizeof d && at + i < n; i++)
            out[at + i] = morph(in[at + i], d[i]);
    }
}

/* ---- which parts are variable -------------------------------------------- */

static const uint8_t *find(const uint8_t *h, size_t hn, const uint8_t *nd, size_t nn)
{
    if (nn == 0)
        return h;
    for (size_t i = 0; i + nn <= hn; i++)
        if (h[i] == nd[0] && memcmp(h + i, nd, nn) == 0)
            return h + i;
    return NULL;
}

/* The '*' parts of segment s[0..n) as folded to lab[0..ln): each piece of
 * the label between stars is found in the segment (the first as its head,
 * the last as its tail), and what lies between them is a star's part.
 * When the label cannot be laid over the segment, all of it is redacted. */
static void redact_stars(const rdbl_redactor *r, const uint8_t *s, size_t n, const uint8_t *lab,
                         size_t ln, uint8_t *out)
{
    size_t pos = 0, li = 0;
    bool star = false; /* a star is pending: its part runs up to the next piece */
    for (;;) {
        size_t pe = li;
        while (pe < ln && lab[pe] != '*')
            pe++;
        const uint8_t *piece = lab + li;
        size_t pn = pe - li;
        bool last = pe == ln;
        size_t at;
        if (!star) {
            if (pn > n - pos || memcmp(s + pos, piece, pn) != 0)
                goto all;
            at = pos;
        } else if (last) {
            if (pn > n - pos || memcmp(s + n - pn, piece, pn) != 0)
                goto all;
            at = n - pn;
        } else {
            const uint8_t *f = find(s + pos, n - pos, piece, pn);
            if (!f)
                goto all;
            at = (size_t)(f - s);
        }
        if (star && at > pos)
            pseudonym(r, s + pos, at - pos, out + pos);
        pos = at + pn;
        if (last)
            return;
        star = true;
        li = pe + 1;
        if (li == ln) { /* the label ends with a star: the rest is its part */
            if (pos < n)
                pseudonym(r, s + pos, n - pos, out + pos);
            return;
        }
    }
all:
    pseudonym(r, s, n, out);
}

static bool is_hexc(uint8_t c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool uuid_at(const uint8_t *s, size_t n)
{
    if (n < 36)
        return false;
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hexc(s[i]))
            return false;
    }
    return true;
}

static bool email_local(uint8_t c)
{
    return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* Ids anywhere in the key, whatever the segments: e-mail addresses, UUIDs,
 * and runs of letters and digits with 2 or more digits or 5 or more
 * characters with a digit (numeric ids, hex and base64 pieces, login names
 * such as "falcon5" or "river39" that a pattern keeps by name). Words such
 * as "v2", "utf8" or "ipv4" stay; a longer one ("sha256", "http2") is
 * rewritten too: a pseudonym too many, never an identifier too few. */
static void redact_anywhere(const rdbl_redactor *r, const uint8_t *k, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        if (k[i] != '@')
            continue;
        size_t a = i, b = i + 1;
        while (a > 0 && email_local(k[a - 1]))
            a--;
        bool dot = false;
        while (b < n && (is_alnum(k[b]) || k[b] == '.' || k[b] == '-')) {
            dot |= k[b] == '.';
            b++;
        }
        if (a < i && dot)
            pseudonym(r, k + a, b - a, out + a);
    }
    for (size_t i = 0; i < n;) {
        if (uuid_at(k + i, n - i) && (i == 0 || !is_alnum(k[i - 1]))) {
            pseudonym(r, k + i, 36, out + i);
            i += 36;
            continue;
        }
        if (!is_alnum(k[i])) {
            i++;
            continue;
        }
        size_t j = i, dig = 0;
        while (j < n && is_alnum(k[j]))
            dig += is_digit(k[j++]);
        if (dig >= 2 || (dig && j - i >= 5))
            pseudonym(r, k + i, j - i, out + i);
        i = j;
    }
}

/* The '*' parts of segment s[0..n) as its own shape folds it. */
static void redact_shape(const rdbl_redactor *r, const uint8_t *s, size_t n, uint8_t *out)
{
    uint8_t lab[FOLD_CAP];
    size_t ln = rdbl_prefix_fold_segment(s, n, lab, sizeof lab);
    bool literal = ln == n && (ln > sizeof lab || memcmp(lab, s, ln) == 0);
    if (!literal)
        redact_stars(r, s, n, lab, ln < sizeof lab ? ln : sizeof lab, out);
}

/* With a plan: each segment as the pattern view of the input shows it (a
 * literal row beside a '*' still by its shape: "bull:email:3" beside
 * "bull:email:*", for "bull:email:3:logs"; ":1:" stays). */
static void redact_planned(const rdbl_redactor *r, const uint8_t *k, size_t n, uint8_t *out)
{
    uint32_t row = 0;
    unsigned d = 0;
    for (size_t a = 0; a <= n;) {
        size_t b = a;
        while (b < n && !r->delim[k[b]])
            b++;
        const uint8_t *lab = NULL;
        size_t ln = 0;
        rdbl__rplan_step st = d++ < rdbl__rplan_depth()
                                  ? rdbl__rplan_next(r->plan, &row, k + a, b - a, &lab, &ln)
                                  : RPLAN_LOST;
        if (st == RPLAN_LOST) { /* this segment and the rest, each on its own */
            for (size_t e; a < n; a = e + 1) {
                for (e = a; e < n && !r->delim[k[e]]; e++)
                    ;
                pseudonym(r, k + a, e - a, out + a);
            }
            return;
        }
        if (st == RPLAN_STARS)
            redact_stars(r, k + a, b - a, lab, ln, out + a);
        else if (st == RPLAN_SHAPE)
            redact_shape(r, k + a, b - a, out + a);
        if (b == n)
            return;
        a = b + 1;
    }
}

void rdbl_redact_key(const rdbl_redactor *r, const uint8_t *k, size_t n, uint8_t *out)
{
    if (n)
        memcpy(out, k, n);
    if (r->plan) {
        redact_planned(r, k, n, out);
        redact_anywhere(r, k, n, out);
        return;
    }
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && !r->delim[k[b]])
            b++;
        redact_shape(r, k + a, b - a, out + a);
        a = b + 1;
    }
    redact_anywhere(r, k, n, out);
}

size_t rdbl_redact_value(const rdbl_redactor *r, const uint8_t *p, size_t n, char *out,
                         size_t cap)
{
    rdbl__vhash h;
    rdbl__vhash_begin(&h, r);
    rdbl__vhash_update(&h, p, n);
    return rdbl__vhash_token(&h, out, cap);
}

void rdbl__vhash_begin(rdbl__vhash *h, const rdbl_redactor *r)
{
    struct hmac_sha256_ctx *c = (struct hmac_sha256_ctx *)h->ctx;
    _Static_assert(sizeof h->ctx >= sizeof *c, "rdbl__vhash too small for nettle's context");
    *c = r->keyed;
    hmac_sha256_update(c, 1, (const uint8_t *)"v"); /* values apart from key parts */
    h->len = 0;
}

void rdbl__vhash_update(rdbl__vhash *h, const uint8_t *p, size_t n)
{
    if (n)
        hmac_sha256_update((struct hmac_sha256_ctx *)h->ctx, n, p);
    h->len += n;
}

size_t rdbl__vhash_token(rdbl__vhash *h, char *out, size_t cap)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    hmac_sha256_digest((struct hmac_sha256_ctx *)h->ctx, sizeof d, d);
    int w = snprintf(out, cap, "~%lluB:%02x%02x%02x%02x%02x%02x", (unsigned long long)h->len,
                     d[0], d[1], d[2], d[3], d[4], d[5]);
    return w > 0 ? (size_t)w : 0;
}

/* Escaped key text (an error's key): every byte pseudonymised but the
 * escapes (\\, \xNN), which keep the text valid. */
void rdbl_redact_error(const rdbl_redactor *r, rdbl_error *e)
{
    size_t n = strlen(e->key);
    uint8_t tmp[sizeof e->key];
    pseudonym(r, (const uint8_t *)e->key, n, tmp);
    for (size_t i = 0; i < n; i++) {
        if (e->key[i] == '\\') {
            size_t skip = i + 1 < n && e->key[i + 1] == 'x' ? 4 : 2;
            i += skip - 1;
            continue;
        }
        e->key[i] = (char)tmp[i];
    }
}
