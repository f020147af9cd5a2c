/* Per-key rows for `rdblens keys`: CSV and JSON Lines, formatted into a line
 * buffer by hand (this runs once per key on files with tens of millions of
 * keys, so no printf per field). */
#include <inttypes.h>
#include <stdlib.h>

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

int rdbl_keyrows_header(FILE *out, rdbl_keyrows_format fmt)
{
    if (fmt != RDBL_KEYROWS_JSONL)
        fputs("db,key,type,encoding,elements,rdb_bytes,memory_bytes,largest_element_bytes,"
              "expire_at_ms,ttl_ms,idle_s,freq\n",
              out);
    return ferror(out) ? -1 : 0;
}

int rdbl_keyrows_write(FILE *out, rdbl_keyrows_format fmt, const rdbl_key_facts *f,
                       int64_t ref_ms)
{
    char stackbuf[4096];
    line l = {stackbuf, 0, sizeof stackbuf, false};
    /* worst case: key escaped (4x) and quoted (2x), plus numbers */
    if (reserve(&l, f->key.len * 8 + 513) != 0)
        return -1;
    const char *type = rdbl_type_name(f->type);
    const char *enc = f->mem_encoding ? f->mem_encoding : rdbl_encoding_name(f->encoding);
    if (fmt != RDBL_KEYROWS_JSONL) {
        put_u64(&l, f->db);
        put(&l, ",", 1);
        put_key(&l, f, fmt == RDBL_KEYROWS_CSV_SAFE ? 2 : 1);
        put(&l, ",", 1);
        put(&l, type, strlen(type));
        put(&l, ",", 1);
        put(&l, enc, strlen(enc));
        put(&l, ",", 1);
        put_u64(&l, f->elements);
        put(&l, ",", 1);
        put_u64(&l, f->rdb_bytes);
        put(&l, ",", 1);
        put_u64(&l, f->mem_bytes);
        put(&l, ",", 1);
        put_u64(&l, f->largest_element);
        put(&l, ",", 1);
        if (f->has_expire) {
            put_i64(&l, f->expire_ms);
            put(&l, ",", 1);
            put_i64(&l, f->expire_ms - ref_ms);
        } else {
            put(&l, ",", 1);
        }
        put(&l, ",", 1);
        if (f->idle_s >= 0)
            put_i64(&l, f->idle_s);
        put(&l, ",", 1);
        if (f->freq >= 0)
            put_i64(&l, f->freq);
        put(&l, "\n", 1);
    } else {
        put(&l, "{\"db\":", 6);
        put_u64(&l, f->db);
        put(&l, ",\"key\":", 7);
        put_key(&l, f, 0);
        put(&l, ",\"type\":\"", 9);
        put(&l, type, strlen(type));
        put(&l, "\",\"encoding\":\"", 14);
        put(&l, enc, strlen(enc));
        put(&l, "\",\"elements\":", 13);
        put_u64(&l, f->elements);
        put(&l, ",\"rdb_bytes\":", 13);
        put_u64(&l, f->rdb_bytes);
        put(&l, ",\"memory_bytes\":", 16);
        put_u64(&l, f->mem_bytes);
        put(&l, ",\"largest_element_bytes\":", 25);
        put_u64(&l, f->largest_element);
        put(&l, ",\"expire_at_ms\":", 16);
        if (f->has_expire) {
            put_i64(&l, f->expire_ms);
            put(&l, ",\"ttl_ms\":", 10);
            put_i64(&l, f->expire_ms - ref_ms);
        } else {
            put(&l, "null,\"ttl_ms\":null", 18);
        }
        put(&l, ",\"idle_s\":", 10);
        if (f->idle_s >= 0)
            put_i64(&l, f->idle_s);
        else
            put(&l, "null", 4);
        put(&l, ",\"freq\":", 8);
        if (f->freq >= 0)
            put_i64(&l, f->freq);
        else
            put(&l, "null", 4);
        put(&l, "}\n", 2);
    }
    int rc = fwrite(l.p, 1, l.len, out) == l.len ? 0 : -1;
    if (l.heap)
        free(l.p);
    return rc;
}
