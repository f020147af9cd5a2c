/* Status names, error filling, escaping and integer text helpers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "swar.h"

const char *rdbl_strerror(rdbl_status st)
{
    switch (st) {
#define RDBL__S(name, value, text) \
    case RDBL_##name:              \
        return text;
        RDBL_STATUS_LIST(RDBL__S)
#undef RDBL__S
    }
    return "unknown status";
}

const char *rdbl_status_name(rdbl_status st)
{
    switch (st) {
#define RDBL__S(name, value, text) \
    case RDBL_##name:              \
        return #name;
        RDBL_STATUS_LIST(RDBL__S)
#undef RDBL__S
    }
    return "UNKNOWN";
}

rdbl_status rdbl__fail(rdbl_error *err, rdbl_status code, uint64_t offset, const char *where,
                       const char *fmt, ...)
{
    if (!err || err->code != RDBL_OK)
        return code;
    err->code = code;
    err->offset = offset;
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

char *rdbl__escape(char *out, size_t cap, const uint8_t *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (cap == 0)
        return out;
    for (size_t i = 0; i < len; i++) {
        char tmp[4];
        size_t n;
        uint8_t c = p[i];
        if (c == '\\') {
            tmp[0] = '\\';
            tmp[1] = '\\';
            n = 2;
        } else if (c >= 0x20 && c < 0x7f) {
            tmp[0] = (char)c;
            n = 1;
        } else {
            tmp[0] = '\\';
            tmp[1] = 'x';
            tmp[2] = hex[c >> 4];
            tmp[3] = hex[c & 15];
            n = 4;
        }
        /* keep room for "..." and the NUL when more input follows */
        size_t reserve = (i + 1 < len) ? 4 : 1;
        if (o + n + reserve > cap) {
            if (cap >= 4) {
                while (o + 4 > cap)
                    o--;
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(out + o, tmp, n);
        o += n;
    }
    out[o < cap ? o : cap - 1] = '\0';
    return out;
}

bool rdbl__str_to_i64(const uint8_t *p, size_t len, int64_t *out)
{
    if (len == 0 || len > 20)
        return false;
    size_t i = 0;
    bool neg = false;
    if (p[0] == '-') {
        neg = true;
        i = 1;
        if (len == 1)
            return false;
    }
    if (p[i] == '0') {
        if (len == 1) {
            *out = 0;
            return true;
        }
        return false; /* leading zero or "-0" */
    }
    uint64_t v = 0;
    for (; i < len; i++) {
        unsigned d = (unsigned)p[i] - '0';
        if (d > 9)
            return false;
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return false;
        *out = (int64_t)(0 - v);
    } else {
        if (v > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)v;
    }
    return true;
}

size_t rdbl_i64_textlen(int64_t v)
{
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = v < 0 ? 2 : 1;
    while (u >= 10) {
        u /= 10;
        n++;
    }
    return n;
}

size_t rdbl_item_text(const rdbl_item *it, char *buf, size_t cap)
{
    if (it->is_int) {
        char tmp[24];
        int n = snprintf(tmp, sizeof tmp, "%" PRId64, it->ival);
        size_t c = (size_t)n < cap ? (size_t)n : cap;
        memcpy(buf, tmp, c);
        return (size_t)n;
    }
    size_t c = it->len < cap ? it->len : cap;
    if (c)
        memcpy(buf, it->ptr, c);
    return it->len;
}

/* Code points that change how the text around them reads while showing
 * nothing themselves: bidirectional controls (U+202A-202E, U+2066-2069,
 * U+200E/F, U+061C), zero-width and invisible ones (U+200B-200D, U+2060-2064,
 * U+FEFF, U+00AD, U+180E), line/paragraph separators (U+2028/9), the other
 * format controls (U+206A-206F, U+FFF9-FFFB) and the tag characters
 * (U+E0000-E007F). Escaped like control bytes, so a key cannot reverse a
 * terminal line or hide part of itself. */
static bool invisible(uint32_t cp)
{
    if (cp < 0x2000)
        return cp == 0xad || cp == 0x61c || cp == 0x180e;
    return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb) ||
           (cp >= 0xe0000 && cp <= 0xe007f);
}

/* Length of the printable UTF-8 sequence at p (1-4), or 0 when the byte at p
 * must be escaped. */
static size_t utf8_printable(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c >= 0x20 && c < 0x7f)
        return c == '\\' ? 0 : 1;
    if (c < 0xc2 || c > 0xf4)
        return 0; /* controls, DEL, continuation bytes, overlong leads, > U+10FFFF */
    size_t need = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (need > n)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    uint32_t cp;
    if (need == 2) {
        cp = (uint32_t)(c & 0x1f) << 6 | (p[1] & 0x3f);
        if (cp < 0xa0 || invisible(cp))
            return 0; /* C1 controls, soft hyphen, U+061C */
    } else if (need == 3) {
        cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
        if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || invisible(cp))
            return 0; /* overlong, surrogate, bidi or invisible */
    } else {
        cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(p[1] & 0x3f) << 12 |
             (uint32_t)(p[2] & 0x3f) << 6 | (p[3] & 0x3f);
        if (cp < 0x10000 || cp > 0x10ffff || invisible(cp))
            return 0; /* overlong, beyond Unicode, tag characters */
    }
    return need;
}

/* Length of the run of plain ASCII at p (0x20-0x7e but '\\'), which the
 * escaping copies as is: 8 bytes at a time, as most keys are all plain. */
static size_t plain_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t v = rdbl__le64(p + i);
        uint64_t bad = (~rdbl__swar_range(v, 0x20, 0x7e) & RDBL__B8) | rdbl__swar_eq(v, '\\');
        if (bad)
            return i + (size_t)__builtin_ctzll(bad) / 8;
    }
    while (i < n && p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
        i++;
    return i;
}

size_t rdbl_escape_bytes(char *out, size_t cap, const uint8_t *p, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t total = 0; /* escaped length so far */
    size_t o = 0;     /* bytes written */
    bool full = (cap == 0);
    size_t i = 0;
    while (i < len) {
        char tmp[4];
        const char *src;
        size_t n, adv;
        size_t run = plain_run(p + i, len - i);
        if (run > 1) {
            /* as many as fit: the escaped text is a prefix of the whole one */
            src = (const char *)p + i;
            n = run;
            adv = run;
            if (!full && n >= cap - o) {
                size_t fit = cap - o - 1; /* keep one byte for the NUL */
                memcpy(out + o, src, fit);
                o += fit;
                full = true;
            }
            if (!full) {
                memcpy(out + o, src, n);
                o += n;
            }
            total += n;
            i += adv;
            continue;
        }
        size_t u = utf8_printable(p + i, len - i);
        if (u) {
            src = (const char *)p + i;
            n = u;
            adv = u;
        } else if (p[i] == '\\') {
            tmp[0] = '\\';
            tmp[1] = '\\';
            src = tmp;
            n = 2;
            adv = 1;
        } else {
            tmp[0] = '\\';
            tmp[1] = 'x';
            tmp[2] = hex[p[i] >> 4];
            tmp[3] = hex[p[i] & 15];
            src = tmp;
            n = 4;
            adv = 1;
        }
        if (!full) {
            if (n < cap - o) { /* keep one byte for the NUL */
                memcpy(out + o, src, n);
                o += n;
            } else {
                full = true;
            }
        }
        total += n;
        i += adv;
    }
    if (cap)
        out[o] = '\0';
    return total;
}

/* The inverse of rdbl_escape_bytes (here beside it, so every layer can use it). */
static int unescape_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

rdbl_status rdbl_unescape_key(const char *s, size_t len, uint8_t *out, size_t cap,
                              size_t *out_len)
{
    size_t o = 0;
    size_t i = 0;
    /* Decoding never writes past the read position, so in-place works. */
    while (i < len) {
        uint8_t b;
        if (s[i] != '\\') {
            b = (uint8_t)s[i];
            i++;
        } else {
            if (len - i < 2)
                return RDBL_CORRUPT;
            if (s[i + 1] == '\\') {
                b = '\\';
                i += 2;
            } else if (s[i + 1] == 'x') {
                if (len - i < 4)
                    return RDBL_CORRUPT;
                int h = unescape_hexval(s[i + 2]), l = unescape_hexval(s[i + 3]);
                if (h < 0 || l < 0)
                    return RDBL_CORRUPT;
                b = (uint8_t)(h << 4 | l);
                i += 4;
            } else {
                return RDBL_CORRUPT;
            }
        }
        if (o >= cap)
            return RDBL_USAGE;
        out[o++] = b;
    }
    if (out_len)
        *out_len = o;
    return RDBL_OK;
}

char *rdbl_escape_alloc(const uint8_t *p, size_t n)
{
    size_t need = rdbl_escape_bytes(NULL, 0, p, n);
    char *s = malloc(need + 1);
    if (!s)
        return NULL;
    rdbl_escape_bytes(s, need + 1, p, n);
    return s;
}

/* Redis-style glob: '*', '?', '[...]' with ranges and '^' negation, '\' escapes. */
bool rdbl_glob_match(const uint8_t *pat, size_t plen, const uint8_t *s, size_t slen)
{
    size_t p = 0, i = 0;
    size_t star_p = SIZE_MAX, star_i = 0;
    while (i < slen) {
        if (p < plen) {
            uint8_t c = pat[p];
            if (c == '*') {
                while (p < plen && pat[p] == '*')
                    p++;
                if (p == plen)
                    return true;
                star_p = p;
                star_i = i;
                continue;
            }
            if (c == '?') {
                p++;
                i++;
                continue;
            }
            if (c == '[') {
                size_t q = p + 1;
                bool neg = false, hit = false;
                if (q < plen && pat[q] == '^') {
                    neg = true;
                    q++;
                }
                bool first = true;
                while (q < plen && (pat[q] != ']' || first)) {
                    first = false;
                    if (pat[q] == '\\' && q + 1 < plen) {
                        if (pat[q + 1] == s[i])
                            hit = true;
                        q += 2;
                    } else if (q + 2 < plen && pat[q + 1] == '-' && pat[q + 2] != ']') {
                        uint8_t lo = pat[q], hi = pat[q + 2];
                        if (lo > hi) {
                            uint8_t t = lo;
                            lo = hi;
                            hi = t;
                        }
                        if (s[i] >= lo && s[i] <= hi)
                            hit = true;
                        q += 3;
                    } else {
                        if (pat[q] == s[i])
                            hit = true;
                        q++;
                    }
                }
                if (q < plen && hit != neg) {
                    p = q + 1;
                    i++;
                    continue;
                }
            } else {
                if (c == '\\' && p + 1 < plen)
                    c = pat[++p];
                if (c == s[i]) {
                    p++;
                    i++;
                    continue;
                }
            }
        }
        if (star_p == SIZE_MAX)
            return false;
        p = star_p;
        i = ++star_i;
    }
    while (p < plen && pat[p] == '*')
        p++;
    return p == plen;
}
