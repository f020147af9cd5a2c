/* Reading reports back without holding them whole.
 *
 * A report's bulk is its prefix tree (up to node_budget nodes) and its
 * expiry minutes (up to expiry_minutes_cap rows): as a jansson tree a 61 MB
 * report takes ~190 MB. This reader parses the JSON text itself (RFC 8259,
 * with jansson's limits: UTF-8 only, no "\u0000", integers that fit a
 * json_int_t) and
 *
 *   "prefixes"                     adds each node to the aggregate as soon
 *                                  as its own members are read, before its
 *                                  "children" (the order rdblens writes);
 *   "ttl"."expiry_minutes"."minutes"  adds each row as it is read;
 *   everything else                is built as jansson values and handed to
 *                                  rdbl_agg_add_json() at the end.
 *
 * The aggregate is the one rdbl_agg_add_json() gives for the whole tree:
 * each aggregator reads its members in the same order, and aggregators do
 * not depend on one another. Reports whose first member is not "schema"
 * (never written by rdblens) are read whole, the old way, so that nothing
 * is added from a file that turns out not to be a report. Memory: the small
 * members, one node's own members, one row. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "rdblens/report.h"
#include "report/json_read.h"

#define MAX_DEPTH 64

typedef struct rd {
    FILE *f;
    const char *name;
    rdbl_error *err;
    rdbl_status st;          /* first error; later calls do nothing */
    uint8_t buf[64 * 1024];
    size_t pos, len;
    bool eof;
    uint64_t off;            /* bytes consumed before buf */
    int line, col;
    char *sb;                /* string scratch */
    size_t sblen, sbcap;
} rd;

static void fail(rd *r, rdbl_status code, const char *what)
{
    if (r->st != RDBL_OK)
        return;
    r->st = code;
    rdbl__fail(r->err, code, r->off + r->pos, r->name ? r->name : "json",
               "%s (line %d, column %d)", what, r->line, r->col);
}

static bool fill(rd *r)
{
    if (r->pos < r->len)
        return true;
    if (r->eof || r->st != RDBL_OK)
        return false;
    r->off += r->len;
    r->len = fread(r->buf, 1, sizeof r->buf, r->f);
    r->pos = 0;
    if (r->len == 0) {
        r->eof = true;
        if (ferror(r->f))
            fail(r, RDBL_IO, strerror(errno));
        return false;
    }
    return true;
}

/* The next byte, or -1 at the end. */
static int peek(rd *r)
{
    return fill(r) ? r->buf[r->pos] : -1;
}

static int next(rd *r)
{
    if (!fill(r))
        return -1;
    int c = r->buf[r->pos++];
    if (c == '\n') {
        r->line++;
        r->col = 0;
    } else {
        r->col++;
    }
    return c;
}

static int skip_ws(rd *r)
{
    int c;
    while ((c = peek(r)) == ' ' || c == '\t' || c == '\n' || c == '\r')
        next(r);
    return c;
}

static bool expect(rd *r, int want, const char *what)
{
    if (skip_ws(r) != want) {
        fail(r, RDBL_CORRUPT, what);
        return false;
    }
    next(r);
    return true;
}

static bool sb_put(rd *r, const char *p, size_t n)
{
    if (r->sblen + n + 1 > r->sbcap) {
        size_t nc = r->sbcap ? r->sbcap * 2 : 256;
        while (nc < r->sblen + n + 1)
            nc *= 2;
        char *nb = realloc(r->sb, nc);
        if (!nb) {
            fail(r, RDBL_NOMEM, "out of memory");
            return false;
        }
        r->sb = nb;
        r->sbcap = nc;
    }
    memcpy(r->sb + r->sblen, p, n);
    r->sblen += n;
    r->sb[r->sblen] = 0;
    return true;
}

static int hex4(rd *r)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = next(r);
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

/* A string (the opening quote already read) into r->sb / r->sblen.
 * UTF-8 validity is left to json_stringn(), as jansson's parser does it. */
static bool read_string(rd *r)
{
    r->sblen = 0;
    if (!sb_put(r, "", 0))
        return false;
    for (;;) {
        /* copy a run of plain bytes straight from the buffer */
        if (!fill(r)) {
            fail(r, RDBL_CORRUPT, "premature end of input in a string");
            return false;
        }
        size_t i = r->pos;
        while (i < r->len && r->buf[i] != '"' && r->buf[i] != '\\' && r->buf[i] >= 0x20 &&
               r->buf[i] != '\n')
            i++;
        if (i > r->pos) {
            if (!sb_put(r, (const char *)r->buf + r->pos, i - r->pos))
                return false;
            r->col += (int)(i - r->pos);
            r->pos = i;
            continue;
        }
        int c = next(r);
        if (c == '"')
            return true;
        if (c < 0x20) {
            fail(r, RDBL_CORRUPT, "control character in a string");
            return false;
        }
        /* c == '\\' */
        c = next(r);
        char ch;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            ch = (char)c;
            break;
        case 'b':
            ch = '\b';
            break;
        case 'f':
            ch = '\f';
            break;
        case 'n':
            ch = '\n';
            break;
        case 'r':
            ch = '\r';
            break;
        case 't':
            ch = '\t';
            break;
        case 'u': {
            int u = hex4(r);
            if (u < 0) {
                fail(r, RDBL_CORRUPT, "invalid \\u escape");
                return false;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (next(r) != '\\' || next(r) != 'u') {
                    fail(r, RDBL_CORRUPT, "invalid Unicode surrogate pair");
                    return false;
                }
                int lo = hex4(r);
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    fail(r, RDBL_CORRUPT, "invalid Unicode surrogate pair");
                    return false;
                }
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                fail(r, RDBL_CORRUPT, "invalid Unicode surrogate");
                return false;
            } else if (u == 0) {
                fail(r, RDBL_CORRUPT, "\\u0000 is not allowed");
                return false;
            }
            char enc[4];
            size_t n;
            if (u < 0x80) {
                enc[0] = (char)u;
                n = 1;
            } else if (u < 0x800) {
                enc[0] = (char)(0xC0 | u >> 6);
                enc[1] = (char)(0x80 | (u & 0x3F));
                n = 2;
            } else if (u < 0x10000) {
                enc[0] = (char)(0xE0 | u >> 12);
                enc[1] = (char)(0x80 | (u >> 6 & 0x3F));
                enc[2] = (char)(0x80 | (u & 0x3F));
                n = 3;
            } else {
                enc[0] = (char)(0xF0 | u >> 18);
                enc[1] = (char)(0x80 | (u >> 12 & 0x3F));
                enc[2] = (char)(0x80 | (u >> 6 & 0x3F));
                enc[3] = (char)(0x80 | (u & 0x3F));
                n = 4;
            }
            if (!sb_put(r, enc, n))
                return false;
            continue;
        }
        default:
            fail(r, RDBL_CORRUPT, "invalid escape in a string");
            return false;
        }
        if (!sb_put(r, &ch, 1))
            return false;
    }
}

static json_t *read_number(rd *r)
{
    char tmp[128];
    size_t n = 0;
    bool real = false;
    int c = peek(r);
    if (c == '-')
        tmp[n++] = (char)next(r);
    c = peek(r);
    if (c == '0') {
        tmp[n++] = (char)next(r);
    } else if (c >= '1' && c <= '9') {
        while ((c = peek(r)) >= '0' && c <= '9' && n < sizeof tmp - 1)
            tmp[n++] = (char)next(r);
    } else {
        fail(r, RDBL_CORRUPT, "invalid token");
        return NULL;
    }
    if (peek(r) == '.') {
        real = true;
        tmp[n++] = (char)next(r);
        if (!((c = peek(r)) >= '0' && c <= '9')) {
            fail(r, RDBL_CORRUPT, "invalid real number");
            return NULL;
        }
        while ((c = peek(r)) >= '0' && c <= '9' && n < sizeof tmp - 1)
            tmp[n++] = (char)next(r);
    }
    if ((c = peek(r)) == 'e' || c == 'E') {
        real = true;
        tmp[n++] = (char)next(r);
        if (((c = peek(r)) == '+' || c == '-') && n < sizeof tmp - 1)
            tmp[n++] = (char)next(r);
        if (!((c = peek(r)) >= '0' && c <= '9')) {
            fail(r, RDBL_CORRUPT, "invalid real number");
            return NULL;
        }
        while ((c = peek(r)) >= '0' && c <= '9' && n < sizeof tmp - 1)
            tmp[n++] = (char)next(r);
    }
    if (n >= sizeof tmp - 1) {
        fail(r, RDBL_CORRUPT, "number too long");
        return NULL;
    }
    tmp[n] = 0;
    errno = 0;
    if (!real) {
        long long v = strtoll(tmp, NULL, 10);
        if (errno == ERANGE) {
            fail(r, RDBL_CORRUPT, "too big integer");
            return NULL;
        }
        return json_integer(v);
    }
    double d = strtod(tmp, NULL);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
        fail(r, RDBL_CORRUPT, "real number overflow");
        return NULL;
    }
    return json_real(d);
}

static bool literal(rd *r, const char *word)
{
    for (const char *w = word; *w; w++)
        if (next(r) != *w) {
            fail(r, RDBL_CORRUPT, "invalid token");
            return false;
        }
    return true;
}

static json_t *read_value(rd *r, unsigned depth);

/* Reads "key": at an object member (after '{' or ','); the key is left in
 * r->sb. */
static bool read_key(rd *r)
{
    if (!expect(r, '"', "string or '}' expected") || !read_string(r))
        return false;
    if (memchr(r->sb, 0, r->sblen)) {
        fail(r, RDBL_CORRUPT, "NUL byte in object key not supported");
        return false;
    }
    json_t *check = json_stringn(r->sb, r->sblen); /* keys are UTF-8 too */
    if (!check) {
        fail(r, RDBL_CORRUPT, "invalid UTF-8 in an object key");
        return false;
    }
    json_decref(check);
    return expect(r, ':', "':' expected");
}

/* After a member or an element: true when another follows, false at the
 * closing bracket (consumed) or on an error. */
static bool more(rd *r, int close)
{
    int c = skip_ws(r);
    if (c == ',') {
        next(r);
        return true;
    }
    if (c == close) {
        next(r);
        return false;
    }
    fail(r, RDBL_CORRUPT, close == '}' ? "'}' expected" : "']' expected");
    return false;
}

/* Sets obj[key] = v (stolen), rejecting duplicate keys as jansson's
 * JSON_REJECT_DUPLICATES does. */
static bool set_member(rd *r, json_t *obj, const char *key, json_t *v)
{
    if (!v)
        return false;
    if (json_object_get(obj, key)) {
        json_decref(v);
        fail(r, RDBL_CORRUPT, "duplicate object key");
        return false;
    }
    if (json_object_set_new(obj, key, v)) {
        fail(r, RDBL_NOMEM, "out of memory");
        return false;
    }
    return true;
}

static json_t *read_object(rd *r, unsigned depth)
{
    json_t *o = json_object();
    if (!o) {
        fail(r, RDBL_NOMEM, "out of memory");
        return NULL;
    }
    if (skip_ws(r) == '}') {
        next(r);
        return o;
    }
    do {
        if (!read_key(r))
            break;
        char *key = strdup(r->sb);
        json_t *v = key ? read_value(r, depth + 1) : NULL;
        if (!key)
            fail(r, RDBL_NOMEM, "out of memory");
        bool ok = v && set_member(r, o, key, v);
        free(key);
        if (!ok)
            break;
    } while (more(r, '}'));
    if (r->st != RDBL_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *read_array(rd *r, unsigned depth)
{
    json_t *a = json_array();
    if (!a) {
        fail(r, RDBL_NOMEM, "out of memory");
        return NULL;
    }
    if (skip_ws(r) == ']') {
        next(r);
        return a;
    }
    do {
        json_t *v = read_value(r, depth + 1);
        if (!v)
            break;
        if (json_array_append_new(a, v)) {
            fail(r, RDBL_NOMEM, "out of memory");
            break;
        }
    } while (more(r, ']'));
    if (r->st != RDBL_OK) {
        json_decref(a);
        return NULL;
    }
    return a;
}

static json_t *read_value(rd *r, unsigned depth)
{
    if (depth > MAX_DEPTH) {
        fail(r, RDBL_CORRUPT, "maximum parsing depth reached");
        return NULL;
    }
    int c = skip_ws(r);
    json_t *v = NULL;
    switch (c) {
    case '{':
        next(r);
        return read_object(r, depth);
    case '[':
        next(r);
        return read_array(r, depth);
    case '"':
        next(r);
        if (!read_string(r))
            return NULL;
        v = json_stringn(r->sb, r->sblen);
        if (!v)
            fail(r, RDBL_CORRUPT, "invalid UTF-8 in a string");
        return v;
    case 't':
        v = literal(r, "true") ? json_true() : NULL;
        return v;
    case 'f':
        v = literal(r, "false") ? json_false() : NULL;
        return v;
    case 'n':
        v = literal(r, "null") ? json_null() : NULL;
        return v;
    case -1:
        fail(r, RDBL_CORRUPT, "unexpected end of input");
        return NULL;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            v = read_number(r);
            if (!v && r->st == RDBL_OK)
                fail(r, RDBL_NOMEM, "out of memory");
            return v;
        }
        fail(r, RDBL_CORRUPT, "invalid token");
        return NULL;
    }
}

/* ---- streamed members ------------------------------------------------------------- */

/* A prefix node object ('{' already read) under parent; depth as in
 * rdbl__prefix_json_children. A node's own members come first (rdblens
 * writes "children" last): at "children" the node is added, then its
 * children are streamed under it. A non-root node with members after its
 * "children" is refused rather than read with totals missing. The root's
 * own members ("nodes", "folds" follow its children) are added at its end,
 * independently of its children. */
static void stream_node(rd *r, rdbl_prefix_agg *p, uint32_t parent, unsigned depth, bool root)
{
    json_t *own = json_object();
    bool added = false, descend = root, kids_seen = false, sampled = false;
    uint32_t id = 0;
    if (!own) {
        fail(r, RDBL_NOMEM, "out of memory");
        return;
    }
    if (skip_ws(r) == '}') {
        next(r);
    } else {
        do {
            if (!read_key(r))
                break;
            if (root && depth == 0 && strcmp(r->sb, "sample") == 0 && skip_ws(r) == '{') {
                /* the sampled tree the rows are derived from: read it, not the rows */
                if (sampled || kids_seen) {
                    fail(r, RDBL_CORRUPT, "\"sample\" repeated or after \"children\"");
                    break;
                }
                sampled = true;
                next(r);
                stream_node(r, p, 0, depth + 1, true);
                continue;
            }
            if (strcmp(r->sb, "children") != 0) {
                if (kids_seen && !root) {
                    fail(r, RDBL_CORRUPT, "prefix node members after \"children\"");
                    break;
                }
                char *key = strdup(r->sb);
                json_t *v = key ? read_value(r, depth + 2) : NULL;
                if (!key)
                    fail(r, RDBL_NOMEM, "out of memory");
                bool ok = v && set_member(r, own, key, v);
                free(key);
                if (!ok)
                    break;
                continue;
            }
            if (kids_seen) {
                fail(r, RDBL_CORRUPT, "duplicate object key");
                break;
            }
            kids_seen = true;
            if (sampled) {
                json_decref(read_value(r, depth + 2)); /* the view's rows */
                continue;
            }
            if (!root) {
                rdbl_status st = rdbl__prefix_json_node(p, parent, own, &id, &descend, r->err);
                if (st != RDBL_OK) {
                    r->st = st;
                    break;
                }
                added = true;
            }
            if (!descend) {
                /* an "(other)" node: what lies below is not read back */
                json_decref(read_value(r, depth + 2));
                continue;
            }
            if (skip_ws(r) != '[' || depth >= RDBL__PREFIX_JSON_DEPTH) {
                /* not an array, or too deep: the whole-tree reader's error */
                json_t *v = read_value(r, depth + 2);
                if (v) {
                    rdbl_status st = rdbl__prefix_json_children(p, id, v, depth, r->err);
                    json_decref(v);
                    if (st != RDBL_OK) {
                        r->st = st;
                        break;
                    }
                }
                continue;
            }
            next(r); /* '[' */
            if (skip_ws(r) == ']') {
                next(r);
                continue;
            }
            do {
                if (!expect(r, '{', "child is not an object"))
                    break;
                stream_node(r, p, id, depth + 1, false);
            } while (r->st == RDBL_OK && more(r, ']'));
        } while (r->st == RDBL_OK && more(r, '}'));
    }
    if (r->st == RDBL_OK && !added && !sampled) {
        rdbl_status st = root ? rdbl__prefix_json_root(p, own, r->err)
                              : rdbl__prefix_json_node(p, parent, own, &id, &descend, r->err);
        if (st != RDBL_OK)
            r->st = st;
    }
    json_decref(own);
}

/* "expiry_minutes" ('{' read): every member but "minutes" into out;
 * minutes rows straight into the TTL aggregate. */
static json_t *stream_expiry(rd *r, rdbl_ttl_agg *t, unsigned depth)
{
    json_t *o = json_object();
    if (!o) {
        fail(r, RDBL_NOMEM, "out of memory");
        return NULL;
    }
    bool seen = false;
    if (skip_ws(r) == '}') {
        next(r);
        return o;
    }
    do {
        if (!read_key(r))
            break;
        if (strcmp(r->sb, "minutes") == 0 && skip_ws(r) == '[') {
            if (seen) {
                fail(r, RDBL_CORRUPT, "duplicate object key");
                break;
            }
            seen = true;
            next(r);
            if (skip_ws(r) == ']') {
                next(r);
                continue;
            }
            do {
                json_t *row = read_value(r, depth + 3);
                if (!row)
                    break;
                rdbl_status st = rdbl__ttl_json_minute(t, row, r->err);
                json_decref(row);
                if (st != RDBL_OK) {
                    r->st = st;
                    break;
                }
            } while (more(r, ']'));
            continue;
        }
        char *key = strdup(r->sb);
        json_t *v = key ? read_value(r, depth + 2) : NULL;
        if (!key)
            fail(r, RDBL_NOMEM, "out of memory");
        bool ok = v && set_member(r, o, key, v);
        free(key);
        if (!ok)
            break;
    } while (r->st == RDBL_OK && more(r, '}'));
    if (r->st != RDBL_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* "ttl" ('{' read): as read_object, with "expiry_minutes" streamed. */
static json_t *stream_ttl(rd *r, rdbl_ttl_agg *t, unsigned depth)
{
    json_t *o = json_object();
    if (!o) {
        fail(r, RDBL_NOMEM, "out of memory");
        return NULL;
    }
    if (skip_ws(r) == '}') {
        next(r);
        return o;
    }
    do {
        if (!read_key(r))
            break;
        char *key = strdup(r->sb);
        json_t *v = NULL;
        if (!key) {
            fail(r, RDBL_NOMEM, "out of memory");
        } else if (strcmp(key, "expiry_minutes") == 0 && skip_ws(r) == '{') {
            next(r);
            v = stream_expiry(r, t, depth + 1);
        } else {
            v = read_value(r, depth + 1);
        }
        bool ok = v && set_member(r, o, key, v);
        free(key);
        if (!ok)
            break;
    } while (r->st == RDBL_OK && more(r, '}'));
    if (r->st != RDBL_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Reads the top-level object. With a, the big members go into it as they
 * are read (once "schema" was seen first and is right); options_only stops
 * after "options" and returns the members read so far. Returns the object
 * of the members not streamed, or NULL with r->st set. */
/* When a file does not start with '{': says what it is instead (an RDB
 * given to merge, a compressed file, an empty one, some other text). */
static void not_a_report(rd *r)
{
    const uint8_t *p = r->buf + r->pos;
    size_t n = r->len - r->pos;
    const char *name = r->name ? r->name : "json";
    const char *what = NULL;
    if (n == 0)
        what = "an empty file, not a report";
    else if ((n >= 5 && memcmp(p, "REDIS", 5) == 0) || (n >= 6 && memcmp(p, "VALKEY", 6) == 0))
        what = "an RDB file: run `rdblens report --format json` on it first";
    else if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        what = "a gzip file, not a report (if it is an RDB, run `rdblens report --format "
               "json` on it first)";
    else if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        what = "a zstd file, not a report (if it is an RDB, run `rdblens report --format "
               "json` on it first)";
    else if (n >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
        what = "an LZ4 file, not a report (if it is an RDB, run `rdblens report --format "
               "json` on it first)";
    if (what) {
        r->st = RDBL_CORRUPT;
        rdbl__fail(r->err, RDBL_CORRUPT, r->off + r->pos, name, "%s", what);
        return;
    }
    char shown[48];
    rdbl__escape(shown, 24, p, n < 16 ? n : 16);
    r->st = RDBL_CORRUPT;
    rdbl__fail(r->err, RDBL_CORRUPT, r->off + r->pos, name,
               "not a JSON report (it starts with \"%s\"; 'rdblens report --format json' "
               "writes them)",
               shown);
}

static json_t *read_report(rd *r, rdbl_agg *a, bool options_only)
{
    if (skip_ws(r) != '{' && r->st == RDBL_OK) {
        not_a_report(r);
        return NULL;
    }
    if (!expect(r, '{', "'{' expected"))
        return NULL;
    json_t *o = json_object();
    if (!o) {
        fail(r, RDBL_NOMEM, "out of memory");
        return NULL;
    }
    bool first = true, stream = false, got_prefixes = false;
    if (skip_ws(r) == '}') {
        next(r);
        return o;
    }
    do {
        if (!read_key(r))
            break;
        char *key = strdup(r->sb);
        if (!key) {
            fail(r, RDBL_NOMEM, "out of memory");
            break;
        }
        json_t *v = NULL;
        if (a && stream && strcmp(key, "prefixes") == 0 && skip_ws(r) == '{') {
            if (got_prefixes) {
                fail(r, RDBL_CORRUPT, "duplicate object key");
            } else {
                got_prefixes = true;
                next(r);
                stream_node(r, (rdbl_prefix_agg *)(uintptr_t)rdbl_agg_prefix(a), 0, 0, true);
                if (r->st == RDBL_OK) {
                    rdbl_status st =
                        rdbl__prefix_json_done((rdbl_prefix_agg *)(uintptr_t)rdbl_agg_prefix(a));
                    if (st != RDBL_OK)
                        r->st = rdbl__fail(r->err, st, 0, "prefixes", "out of memory");
                }
            }
            free(key);
            continue;
        }
        if (a && stream && strcmp(key, "ttl") == 0 && skip_ws(r) == '{') {
            next(r);
            v = stream_ttl(r, (rdbl_ttl_agg *)(uintptr_t)rdbl_agg_ttl(a), 1);
        } else {
            v = read_value(r, 1);
        }
        if (first) {
            first = false;
            const char *schema = json_string_value(v);
            stream = strcmp(key, "schema") == 0 && schema &&
                     strcmp(schema, RDBL_REPORT_SCHEMA) == 0;
        }
        bool ok = v && set_member(r, o, key, v);
        bool stop = ok && options_only && strcmp(key, "options") == 0;
        free(key);
        if (!ok || stop)
            return ok ? o : (json_decref(o), NULL);
    } while (r->st == RDBL_OK && more(r, '}'));
    if (r->st == RDBL_OK && got_prefixes && json_object_get(o, "prefixes"))
        fail(r, RDBL_CORRUPT, "duplicate object key");
    if (r->st == RDBL_OK && !options_only && skip_ws(r) != -1)
        fail(r, RDBL_CORRUPT, "end of file expected");
    if (r->st != RDBL_OK) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static rd *rd_open(FILE *f, const char *name, rdbl_error *err)
{
    rd *r = malloc(sizeof *r);
    if (!r) {
        rdbl__fail(err, RDBL_NOMEM, 0, name ? name : "json", "out of memory");
        return NULL;
    }
    r->f = f;
    r->name = name;
    r->err = err;
    r->st = RDBL_OK;
    r->pos = r->len = 0;
    r->eof = false;
    r->off = 0;
    r->line = 1;
    r->col = 0;
    r->sb = NULL;
    r->sblen = r->sbcap = 0;
    return r;
}

static void rd_close(rd *r)
{
    if (r) {
        free(r->sb);
        free(r);
    }
}

rdbl_status rdbl__report_stream_add(rdbl_agg *a, FILE *f, const char *name, rdbl_error *err)
{
    rd *r = rd_open(f, name, err);
    if (!r)
        return RDBL_NOMEM;
    json_t *rest = read_report(r, a, false);
    rdbl_status st = r->st;
    rd_close(r);
    if (st != RDBL_OK)
        return st;
    const char *schema = json_string_value(json_object_get(rest, "schema"));
    if (!schema || strcmp(schema, RDBL_REPORT_SCHEMA) != 0) {
        rdbl__fail(err, RDBL_CORRUPT, 0, name ? name : "json",
                   "not an rdblens report (schema \"%.60s\", expected \"%s\")",
                   schema ? schema : "", RDBL_REPORT_SCHEMA);
        json_decref(rest);
        return RDBL_CORRUPT;
    }
    /* a report whose "schema" did not come first was read whole: add it all */
    st = rdbl_agg_add_json(a, rest, err);
    json_decref(rest);
    return st;
}

rdbl_status rdbl__report_stream_options(FILE *f, const char *name, json_t **options,
                                        rdbl_error *err)
{
    *options = NULL;
    rd *r = rd_open(f, name, err);
    if (!r)
        return RDBL_NOMEM;
    json_t *o = read_report(r, NULL, true);
    rdbl_status st = r->st;
    rd_close(r);
    if (st != RDBL_OK)
        return st;
    const char *schema = json_string_value(json_object_get(o, "schema"));
    if (!schema || strcmp(schema, RDBL_REPORT_SCHEMA) != 0) {
        rdbl__fail(err, RDBL_CORRUPT, 0, name ? name : "json",
                   "not an rdblens report (schema \"%.60s\", expected \"%s\")",
                   schema ? schema : "", RDBL_REPORT_SCHEMA);
        json_decref(o);
        return RDBL_CORRUPT;
    }
    *options = json_incref(json_object_get(o, "options"));
    json_decref(o);
    return RDBL_OK;
}
