/* Partition files of `rdblens diff`: each side's per-key records spread by
 * key hash over N temporary files, so the join can take one partition of
 * each side at a time.
 *
 * Record: hash (8 bytes LE) | varint db | varint key length | key |
 *         type | encoding index | flags (1: has expiry) | varint memory |
 *         [expiry ms, 8 bytes LE] | digest (8 bytes LE) */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/diff_int.h"
#include "internal.h"

#define PART_BUF (16u << 10)

rdbl_status rdbl__dparts_open(rdbl__dparts *p, unsigned n, const char *tmpdir, rdbl_error *err)
{
    memset(p, 0, sizeof *p);
    p->f = calloc(n, sizeof *p->f);
    if (!p->f)
        return rdbl__fail(err, RDBL_NOMEM, 0, "diff", "out of memory");
    p->n = n;
    char path[1100];
    for (unsigned i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/rdblens-diff-XXXXXX", tmpdir);
        /* no signal between creating the name and removing it: a SIGINT or
         * SIGTERM that kills the process then would leave it behind */
        sigset_t block, old;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        int fd = mkstemp(path);
        int e = errno;
        if (fd >= 0)
            unlink(path); /* gone with the descriptor, whatever ends the process */
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (fd < 0) {
            rdbl__dparts_close(p);
            return rdbl__fail(err, RDBL_IO, 0, RDBL_DIFF_TEMP, "cannot create a temporary file in %s: %s",
                              tmpdir, strerror(e));
        }
        p->f[i] = fdopen(fd, "w+b");
        if (!p->f[i]) {
            close(fd);
            rdbl__dparts_close(p);
            return rdbl__fail(err, RDBL_NOMEM, 0, "diff", "out of memory");
        }
        setvbuf(p->f[i], NULL, _IOFBF, PART_BUF);
    }
    return RDBL_OK;
}

void rdbl__dparts_close(rdbl__dparts *p)
{
    if (p->f)
        for (unsigned i = 0; i < p->n; i++)
            if (p->f[i])
                fclose(p->f[i]);
    free(p->f);
    p->f = NULL;
    p->n = 0;
}

uint64_t rdbl__drec_hash(uint64_t db, const uint8_t *key, size_t len)
{
    rdbl__vdigest d;
    rdbl__vd_begin(&d, RDBL_TYPE_STRING);
    rdbl__vd_u64(&d, db);
    rdbl__vd_bytes(&d, key, len);
    return rdbl__vd_end(&d);
}

static size_t put_varint(uint8_t *o, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        o[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    o[n++] = (uint8_t)v;
    return n;
}

static void put64(uint8_t *o, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        o[i] = (uint8_t)(v >> (8 * i));
}

int rdbl__dparts_put(rdbl__dparts *p, const rdbl__drec *r)
{
    /* one write per record: head, key (copied when short), tail */
    uint8_t h[64 + 256];
    size_t n = 8;
    put64(h, r->hash);
    n += put_varint(h + n, r->db);
    n += put_varint(h + n, r->key_len);
    FILE *f = p->f[(r->hash >> 40) & (p->n - 1)];
    bool inline_key = r->key_len <= 256;
    if (inline_key) {
        if (r->key_len)
            memcpy(h + n, r->key, r->key_len);
        n += r->key_len;
    } else if (fwrite(h, 1, n, f) != n || fwrite(r->key, 1, r->key_len, f) != r->key_len) {
        return -1;
    }
    size_t m = inline_key ? n : 0;
    h[m++] = r->type;
    h[m++] = r->enc;
    h[m++] = r->has_expire ? 1 : 0;
    m += put_varint(h + m, r->mem);
    if (r->has_expire) {
        put64(h + m, (uint64_t)r->expire_ms);
        m += 8;
    }
    put64(h + m, r->digest);
    m += 8;
    if (fwrite(h, 1, m, f) != m)
        return -1;
    p->bytes += (inline_key ? 0 : n + r->key_len) + m;
    return 0;
}

rdbl_status rdbl__dparts_load(rdbl__dparts *p, unsigned i, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = p->f[i];
    if (fflush(f) != 0 || fseeko(f, 0, SEEK_END) != 0)
        return RDBL_IO;
    off_t size = ftello(f);
    if (size < 0 || fseeko(f, 0, SEEK_SET) != 0)
        return RDBL_IO;
    if (size == 0)
        return RDBL_OK;
    uint8_t *b = malloc((size_t)size);
    if (!b)
        return RDBL_NOMEM;
    if (fread(b, 1, (size_t)size, f) != (size_t)size) {
        free(b);
        return RDBL_IO;
    }
    *buf = b;
    *len = (size_t)size;
    return RDBL_OK;
}

static bool get_varint(const uint8_t *b, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned sh = 0; sh < 64; sh += 7) {
        if (*pos >= len)
            return false;
        uint8_t c = b[(*pos)++];
        x |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

static bool get64(const uint8_t *b, size_t len, size_t *pos, uint64_t *v)
{
    if (len - *pos < 8)
        return false;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++)
        x |= (uint64_t)b[*pos + (size_t)i] << (8 * i);
    *pos += 8;
    *v = x;
    return true;
}

bool rdbl__drec_next(const uint8_t *b, size_t len, size_t *pos, rdbl__drec *r)
{
    uint64_t klen, x;
    if (*pos >= len || !get64(b, len, pos, &r->hash) || !get_varint(b, len, pos, &r->db) ||
        !get_varint(b, len, pos, &klen) || klen > len - *pos)
        return false;
    r->key = b + *pos;
    r->key_len = (size_t)klen;
    *pos += (size_t)klen;
    if (len - *pos < 3)
        return false;
    r->type = b[(*pos)++];
    r->enc = b[(*pos)++];
    r->has_expire = b[(*pos)++] & 1;
    if (!get_varint(b, len, pos, &r->mem))
        return false;
    r->expire_ms = 0;
    if (r->has_expire) {
        if (!get64(b, len, pos, &x))
            return false;
        r->expire_ms = (int64_t)x;
    }
    return get64(b, len, pos, &r->digest);
}
