/* --sha256: the input's SHA-256 as it is read, through nettle (a library
 * kept by the GnuTLS project and on every Debian system that has apt), not a
 * hash of our own.
 *
 *   raw bytes read ──▶ rdbl__sha_update()   (input.c: every read(), in the
 *                                            thread that reads: the decoder's
 *                                            producer thread when threaded)
 *   mapped/memory  ──▶ rdbl__sha_update()   (source.c: every RDBL__TRIM_STEP
 *                                            consumed, then the rest at the end)
 *
 * The context lives on the heap so that rdbl__input (which the producer
 * thread owns while it runs) carries only a pointer; NULL means "not asked"
 * and costs one test per read. */
#include <nettle/sha2.h>
#include <stdlib.h>

#include "source/source_int.h"

struct rdbl__sha {
    struct sha256_ctx ctx;
};

rdbl__sha *rdbl__sha_new(void)
{
    rdbl__sha *h = malloc(sizeof *h);
    if (h)
        sha256_init(&h->ctx);
    return h;
}

void rdbl__sha_update(rdbl__sha *h, const uint8_t *p, size_t n)
{
    /* nettle takes a size_t length: no split needed */
    if (n)
        sha256_update(&h->ctx, n, p);
}

void rdbl__sha_final(rdbl__sha *h, uint8_t out[RDBL_SHA256_SIZE])
{
    sha256_digest(&h->ctx, RDBL_SHA256_SIZE, out);
}

const char *rdbl_source_sha256_scope(rdbl_compression c)
{
    return c == RDBL_COMP_NONE
               ? "of the file's bytes, as sha256sum gives"
               : "of the compressed bytes as stored, as sha256sum gives; not of the decoded RDB";
}

void rdbl__sha_free(rdbl__sha *h)
{
    free(h);
}
