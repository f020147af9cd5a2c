/* A streaming JSON writer whose bytes are exactly those of jansson's
 * json_dumpf() (jansson 2.14 src/dump.c, read for its format only) with
 * either JSON_INDENT(n) or JSON_COMPACT, JSON_REAL_PRECISION(p), and
 * insertion-ordered objects.
 *
 * Why: a report's prefix tree (up to node_budget nodes) and its expiry-minute
 * map (up to expiry_minutes_cap rows) built as jansson trees cost ~200 MB and
 * a second of malloc/free; written member by member they cost a 64 KiB
 * buffer. The small parts of a report are still built with jansson and
 * handed to rdbl__jw_json(), which walks them with the same rules.
 *
 * The format, as jansson writes it (indent n > 0; depth d = containers open):
 *
 *   {                       "{" then, per member: "\n" + n*d spaces (first)
 *     "a": 1,               or ",\n" + n*d spaces (others), the key, ": ",
 *     "b": [                the value; after the last one "\n" + n*(d-1)
 *       2                   spaces, then "}". Arrays alike with "[" "]".
 *     ],                    Empty containers are "{}" and "[]".
 *     "c": {}
 *   }
 *
 * Compact: no newlines or spaces at all, ":" between key and value.
 * Strings escape '"', '\\', and controls (\b \f \n \r \t, else \u00XX);
 * every other byte is copied (callers pass valid UTF-8, as jansson needs). */
#include <errno.h>
#include <inttypes.h>

#include "agg/agg_internal.h"

void rdbl__jw_init(rdbl__jw *w, FILE *out, unsigned indent, unsigned real_precision)
{
    w->out = out;
    w->indent = indent > 31 ? 31 : indent;
    w->precision = real_precision;
    w->depth = 0;
    w->after_key = false;
    w->err = 0;
    w->len = 0;
    memset(w->nonempty, 0, sizeof w->nonempty);
}

static void flush(rdbl__jw *w)
{
    if (w->len && !w->err && fwrite(w->buf, 1, w->len, w->out) != w->len)
        w->err = errno ? errno : EIO;
    w->len = 0;
}

static inline void put(rdbl__jw *w, const char *s, size_t n)
{
    if (n > sizeof w->buf - w->len) {
        flush(w);
        if (n > sizeof w->buf) {
            if (!w->err && fwrite(s, 1, n, w->out) != n)
                w->err = errno ? errno : EIO;
            return;
        }
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void putc1(rdbl__jw *w, char c)
{
    if (w->len == sizeof w->buf)
        flush(w);
    w->buf[w->len++] = c;
}

static void newline(rdbl__jw *w, unsigned depth)
{
    if (!w->indent)
        return;
    putc1(w, '\n');
    size_t n = (size_t)depth * w->indent;
    static const char spaces[] = "                                                                ";
    while (n) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(w, spaces, k);
        n -= k;
    }
}

static bool nonempty(const rdbl__jw *w, unsigned depth)
{
    return depth < RDBL__JW_MAXDEPTH && w->nonempty[depth];
}

/* Before a member key or an array element at the current depth. */
static void item_sep(rdbl__jw *w)
{
    if (w->depth == 0)
        return; /* the top-level value */
    if (nonempty(w, w->depth))
        putc1(w, ',');
    else if (w->depth < RDBL__JW_MAXDEPTH)
        w->nonempty[w->depth] = 1;
    newline(w, w->depth);
}

/* Before any value: nothing after a key, the separator in an array. */
static void value_start(rdbl__jw *w)
{
    if (w->after_key)
        w->after_key = false;
    else
        item_sep(w);
}

static void jw_open(rdbl__jw *w, char c)
{
    value_start(w);
    putc1(w, c);
    w->depth++;
    if (w->depth < RDBL__JW_MAXDEPTH)
        w->nonempty[w->depth] = 0;
}

static void jw_close(rdbl__jw *w, char c)
{
    if (nonempty(w, w->depth))
        newline(w, w->depth - 1);
    w->depth--;
    putc1(w, c);
}

void rdbl__jw_obj_begin(rdbl__jw *w)
{
    jw_open(w, '{');
}

void rdbl__jw_obj_end(rdbl__jw *w)
{
    jw_close(w, '}');
}

void rdbl__jw_arr_begin(rdbl__jw *w)
{
    jw_open(w, '[');
}

void rdbl__jw_arr_end(rdbl__jw *w)
{
    jw_close(w, ']');
}

static void string(rdbl__jw *w, const char *s, size_t n)
{
    putc1(w, '"');
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(w, s + run, i - run);
        run = i + 1;
        char esc[8];
        switch (c) {
        case '"':
            put(w, "\\\"", 2);
            break;
        case '\\':
            put(w, "\\\\", 2);
            break;
        case '\b':
            put(w, "\\b", 2);
            break;
        case '\f':
            put(w, "\\f", 2);
            break;
        case '\n':
            put(w, "\\n", 2);
            break;
        case '\r':
            put(w, "\\r", 2);
            break;
        case '\t':
            put(w, "\\t", 2);
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04X", (unsigned)c);
            put(w, esc, 6);
            break;
        }
    }
    put(w, s + run, n - run);
    putc1(w, '"');
}

void rdbl__jw_key(rdbl__jw *w, const char *key)
{
    item_sep(w);
    string(w, key, strlen(key));
    if (w->indent)
        put(w, ": ", 2);
    else
        putc1(w, ':');
    w->after_key = true;
}

void rdbl__jw_str(rdbl__jw *w, const char *s, size_t n)
{
    value_start(w);
    string(w, s, n);
}

void rdbl__jw_escaped(rdbl__jw *w, const uint8_t *p, size_t n)
{
    char small[512];
    size_t need = rdbl_escape_bytes(NULL, 0, p, n);
    char *buf = need < sizeof small ? small : malloc(need + 1);
    if (!buf) {
        w->err = ENOMEM;
        return;
    }
    rdbl_escape_bytes(buf, need + 1, p, n);
    rdbl__jw_str(w, buf, need);
    if (buf != small)
        free(buf);
}

void rdbl__jw_i64(rdbl__jw *w, int64_t v)
{
    value_start(w);
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(e - p));
}

void rdbl__jw_u64(rdbl__jw *w, uint64_t v)
{
    /* as rdbl__ju: counts are clamped to what a json_int_t holds */
    rdbl__jw_i64(w, v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

void rdbl__jw_key_u64(rdbl__jw *w, const char *key, uint64_t v)
{
    rdbl__jw_key(w, key);
    rdbl__jw_u64(w, v);
}

void rdbl__jw_bool(rdbl__jw *w, bool v)
{
    value_start(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void rdbl__jw_null(rdbl__jw *w)
{
    value_start(w);
    put(w, "null", 4);
}

void rdbl__jw_json(rdbl__jw *w, const json_t *v)
{
    if (!v) {
        w->err = ENOMEM; /* a member that could not be built */
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        rdbl__jw_obj_begin(w);
        json_object_foreach((json_t *)(uintptr_t)v, k, x)
        {
            rdbl__jw_key(w, k);
            rdbl__jw_json(w, x);
        }
        rdbl__jw_obj_end(w);
        break;
    }
    case JSON_ARRAY:
        rdbl__jw_arr_begin(w);
        for (size_t i = 0; i < json_array_size(v); i++)
            rdbl__jw_json(w, json_array_get(v, i));
        rdbl__jw_arr_end(w);
        break;
    case JSON_STRING:
        rdbl__jw_str(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        rdbl__jw_i64(w, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL: {
        /* jansson's own formatting (it depends on how jansson was built) */
        char tmp[128];
        size_t n = json_dumpb(v, tmp, sizeof tmp,
                              JSON_ENCODE_ANY | JSON_REAL_PRECISION(w->precision));
        if (n == 0 || n > sizeof tmp) {
            w->err = EINVAL;
            return;
        }
        value_start(w);
        put(w, tmp, n);
        break;
    }
    case JSON_TRUE:
        rdbl__jw_bool(w, true);
        break;
    case JSON_FALSE:
        rdbl__jw_bool(w, false);
        break;
    case JSON_NULL:
        rdbl__jw_null(w);
        break;
    }
}

int rdbl__jw_finish(rdbl__jw *w)
{
    flush(w);
    return w->err ? -1 : 0;
}
