/* Status names, error filling, escaping and integer text helpers. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"

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
