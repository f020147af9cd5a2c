/* Per-key rows for `rdblens keys`: CSV and JSON Lines, formatted into a line
 * buffer by hand (this runs once per key on files with tens of millions of
 * keys, so no printf per field). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rdblens/analysis.h"

typedef struct line {
    char *p;
    size_t len, cap;
    bool heap;
} line;

/* Called once per row, before anything is written into it. */
static int reserve(line *l, size_t need)
{
    if (need <= l->cap)
        return 0;
    char *np = malloc(need);
    if (!np)
        return -1;
    l->p = np;
    l->cap = need;
    l->heap = true;
    return 0;
}

static void put(line *l, const char *s, size_t n)
{
    memcpy(l->p + l->len, s, n);
    l->len += n;
}

static void put_u64(line *l, uint64_t v)
{
    char tmp[24];
    int i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(l, tmp + i, (size_t)(24 - i));
}

static void put_i64(line *l, int64_t v)
{
    if (v < 0) {
        put(l, "-", 1);
        put_u64(l, 0 - (uint64_t)v);
    } else {
        put_u64(l, (uint64_t)v);
    }
}

/* The key, escaped; for CSV quoted when it needs it (RFC 4180). */
/* csv: 0 JSON, 1 CSV, 2 CSV with formula cells defused (a leading '). */
static void put_key(line *l, const rdbl_key_facts *f, int csv)
{
    /* escaped once into the stack buffer; again only when it did not fit */
    char small[512];
    char *esc = small;
    size_t n = rdbl_escape_bytes(small, sizeof small, f->key.ptr, f->key.len);
    if (n >= sizeof small) {
        if (!(esc = malloc(n + 1)))
            return;
        rdbl_escape_bytes(esc, n + 1, f->key.ptr, f->key.len);
    }
    if (csv) {
        bool formula = csv == 2 && n && memchr("=+-@\t\r", esc[0], 6);
        bool quote = n && (formula || esc[0] == ' ' || esc[n - 1] == ' ' ||
                           memchr(esc, ',', n) || memchr(esc, '"', n));
        if (quote) {
            put(l, "\"", 1);
            if (formula)
                put(l, "'", 1);
            for (size_t i = 0; i < n; i++) {
                if (esc[i] == '"')
                    put(l, "\"", 1);
                put(l, esc + i, 1);
            }
            put(l, "\"", 1);
        } else {
            put(l, esc, n);
        }
    } else {
        put(l, "\"", 1);
        for (size_t i = 0; i < n; i++) {
            if (esc[i] == '"' || esc[i] == '\\')
                put(l, "\\", 1);
            put(l, esc + i, 1);
        }
        put(l, "\"", 1);
    }
    if (esc != small)
        free(esc);
}

static const char *const col_names[] = {
#define RDBL__K(name, text) text,
    RDBL_KEYROWS_COLUMN_LIST(RDBL__K)
#undef RDBL__K
};

const char *rdbl_keyrows_column_name(rdbl_keyrows_column c)
{
    return (unsigned)c < RDBL_COL__COUNT ? col_names[c] : "?";
}

void rdbl_keyrows_opts_init(rdbl_keyrows_opts *o, rdbl_keyrows_format fmt)
{
    memset(o, 0, sizeof *o);
    o->fmt = fmt;
    /* the default columns: every one but offset, in list order */
    for (unsigned c = 0; c < RDBL_COL_OFFSET; c++)
        o->col[o->ncols++] = (rdbl_keyrows_column)c;
}

int rdbl_keyrows_parse_columns(rdbl_keyrows_opts *o, const char *list, char *why, size_t cap)
{
    size_t n = 0;
    rdbl_keyrows_column cols[RDBL_KEYROWS_MAX_COLUMNS];
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        unsigned c = 0;
        while (c < RDBL_COL__COUNT &&
               !(strlen(col_names[c]) == len && memcmp(col_names[c], p, len) == 0))
            c++;
        if (c == RDBL_COL__COUNT) {
            snprintf(why, cap, "unknown column '%.*s'", (int)(len < 40 ? len : 40), p);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            if (cols[i] == (rdbl_keyrows_column)c) {
                snprintf(why, cap, "column '%s' named twice", col_names[c]);
                return -1;
            }
        if (n == RDBL_KEYROWS_MAX_COLUMNS) {
            snprintf(why, cap, "too many columns");
            return -1;
        }
        cols[n++] = (rdbl_keyrows_column)c;
        if (!e)
            break;
        p = e + 1;
    }
    memcpy(o->col, cols, n * sizeof cols[0]);
    o->ncols = n;
    return 0;
}

int rdbl_keyrows_header(FILE *out, const rdbl_keyrows_opts *o)
{
    if (o->fmt != RDBL_KEYROWS_JSONL) {
        for (size_t i = 0; i < o->ncols; i++) {
            if (i)
                fputc(',', out);
            fputs(col_names[o->col[i]], out);
        }
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}

/* A JSON member name with its quotes and colon, after a comma unless first. */
static void put_name(line *l, bool first, const char *name)
{
    put(l, first ? "{\"" : ",\"", 2);
    put(l, name, strlen(name));
    put(l, "\":", 2);
}

int rdbl_keyrows_write(FILE *out, const rdbl_keyrows_opts *o, const rdbl_key_facts *f,
                       uint64_t offset, int64_t ref_ms)
{
    char stackbuf[4096];
    line l = {stackbuf, 0, sizeof stackbuf, false};
    /* worst case: key escaped (4x) and quoted (2x), plus numbers */
    if (reserve(&l, f->key.len * 8 + 40 * RDBL_KEYROWS_MAX_COLUMNS + 64) != 0)
        return -1;
    bool json = o->fmt == RDBL_KEYROWS_JSONL;
    int csv = json ? 0 : o->fmt == RDBL_KEYROWS_CSV_SAFE ? 2 : 1;
    for (size_t i = 0; i < o->ncols; i++) {
        rdbl_keyrows_column c = o->col[i];
        if (json)
            put_name(&l, i == 0, col_names[c]);
        else if (i)
            put(&l, ",", 1);
        const char *text = NULL;
        /* a number, or none (empty cell, JSON null) */
        bool has = true;
        int64_t v = 0;
        uint64_t u = 0;
        bool is_u = true;
        switch (c) {
        case RDBL_COL_DB:
            u = f->db;
            break;
        case RDBL_COL_KEY:
            put_key(&l, f, csv);
            continue;
        case RDBL_COL_TYPE:
            text = rdbl_type_name(f->type);
            break;
        case RDBL_COL_ENCODING:
            text = f->mem_encoding ? f->mem_encoding : rdbl_encoding_name(f->encoding);
            break;
        case RDBL_COL_ELEMENTS:
            u = f->elements;
            break;
        case RDBL_COL_RDB_BYTES:
            u = f->rdb_bytes;
            break;
        case RDBL_COL_MEMORY_BYTES:
            u = f->mem_bytes;
            break;
        case RDBL_COL_LARGEST:
            u = f->largest_element;
            break;
        case RDBL_COL_EXPIRE_AT:
            has = f->has_expire, is_u = false, v = f->expire_ms;
            break;
        case RDBL_COL_TTL:
            has = f->has_expire, is_u = false, v = f->expire_ms - ref_ms;
            break;
        case RDBL_COL_IDLE:
            has = f->idle_s >= 0, is_u = false, v = f->idle_s;
            break;
        case RDBL_COL_FREQ:
            has = f->freq >= 0, is_u = false, v = f->freq;
            break;
        case RDBL_COL_OFFSET:
            u = offset;
            break;
        case RDBL_COL__COUNT:
            has = false;
            break;
        }
        if (text) {
            if (json)
                put(&l, "\"", 1);
            put(&l, text, strlen(text));
            if (json)
                put(&l, "\"", 1);
        } else if (!has) {
            if (json)
                put(&l, "null", 4);
        } else if (is_u) {
            put_u64(&l, u);
        } else {
            put_i64(&l, v);
        }
    }
    if (json)
        put(&l, o->ncols ? "}\n" : "{}\n", o->ncols ? 2 : 3);
    else
        put(&l, "\n", 1);
    int rc = fwrite(l.p, 1, l.len, out) == l.len ? 0 : -1;
    if (l.heap)
        free(l.p);
    return rc;
}
