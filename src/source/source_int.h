/* rdblens source layer internals: the raw input (input.c), the decoders
 * (gzip.c, lz4.c, zstd.c) and the producer thread (thread.c), shared with
 * the window logic in source.c. Not installed.
 *
 *   raw input ──▶ rdbl__input {p,pos,len} ──▶ rdbl__dec_step() ──▶ window
 *   (fd, reader,    (owned read buffer, or     (gzip / lz4 / zstd)    (source.c: need/consume)
 *    memory, mmap)   the caller's memory)            │
 *                                                    └─▶ thread.c: chunks in a bounded queue
 *
 * Decoder contract (as lz4frame's): input bytes not consumed stay in the
 * rdbl__input and are presented again; after an error the decoder is dead. */
#ifndef RDBL_SOURCE_INT_H
#define RDBL_SOURCE_INT_H

#include "internal.h"
#include "rdblens/source.h"

#define RDBL__READ_DEFAULT ((size_t)1 << 20) /* bytes per read() */
#define RDBL__READ_MAX ((size_t)1 << 28)     /* larger read_size requests are clamped */
#define RDBL__INBUF_MIN ((size_t)64)         /* room for a frame magic peek */
#define RDBL__WINDOW_MIN ((size_t)64 << 10)  /* first window allocation */
/* Input handed to lz4frame/zstd per call. On an error they do not say how
 * far they got, so this bounds the input range an error message names. */
#define RDBL__DEC_SLICE ((size_t)128 << 10)

/* --sha256 (digest.c): a SHA-256 context over the raw input bytes. */
typedef struct rdbl__sha rdbl__sha;
/* @return a fresh context, or NULL when out of memory. */
rdbl__sha *rdbl__sha_new(void);
void rdbl__sha_update(rdbl__sha *h, const uint8_t *p, size_t n);
/* Writes the digest; the context is then reset (nettle's contract). */
void rdbl__sha_final(rdbl__sha *h, uint8_t out[RDBL_SHA256_SIZE]);
void rdbl__sha_free(rdbl__sha *h);

typedef enum rdbl__in_kind {
    RDBL__IN_FD,
    RDBL__IN_READER,
    RDBL__IN_MEM, /* caller's memory or a read-only mapping of the file */
} rdbl__in_kind;

/* The raw (possibly compressed) bytes. Unread bytes are p[pos..len); p is
 * either buf (FD/READER) or the caller's memory (MEM, eof from the start). */
typedef struct rdbl__input {
    rdbl__in_kind kind;
    int fd;
    rdbl_read_fn fn;
    void *user;
    const char *name; /* for messages: a path, "standard input", "memory"... */
    uint8_t *buf;     /* owned read buffer (FD/READER) */
    size_t cap;
    const uint8_t *p;
    size_t pos, len;
    uint64_t base;    /* raw offset of p[0] */
    size_t read_size; /* bytes asked per read */
    bool eof;
    rdbl__sha *sha;   /* --sha256: every byte read is hashed here (FD/READER); NULL: off */
} rdbl__input;

/* Raw offset of the next unread byte: what a decoder has consumed. */
static inline uint64_t rdbl__input_offset(const rdbl__input *in)
{
    return in->base + in->pos;
}

/* One read of at most cap bytes into dst, retrying EINTR/EAGAIN.
 * OUT: *got (0 sets in->eof). @return RDBL_OK or RDBL_IO (err filled; out_off
 * is the decompressed offset reported). Counts nothing: the caller does.
 * With in->sha, the bytes read are hashed (every raw read passes here). */
rdbl_status rdbl__input_read(rdbl__input *in, uint8_t *dst, size_t cap, size_t *got,
                             rdbl_error *err, uint64_t out_off);
/* Moves the unread bytes to the front of buf and reads once more.
 * @return RDBL_OK (check in->eof) or RDBL_IO. */
rdbl_status rdbl__input_more(rdbl__input *in, rdbl_error *err, uint64_t out_off);
/* Reads until k (<= RDBL__INBUF_MIN) unread bytes are contiguous or the input
 * ends. @return RDBL_OK (fewer than k unread bytes means the end) or RDBL_IO. */
rdbl_status rdbl__input_peek(rdbl__input *in, size_t k, rdbl_error *err, uint64_t out_off);
/* Frees buf; closes nothing (the source owns the descriptor). */
void rdbl__input_release(rdbl__input *in);

/* A streaming decoder over an rdbl__input. Allocated on the heap: zlib's
 * z_stream must not move once initialised. */
typedef struct rdbl__dec {
    rdbl_compression kind;
    bool single_frame; /* VKCS: exactly one LZ4 frame, then stop */
    bool done;         /* the stream ended cleanly (trailing bytes are ignored) */
    uint64_t out_total; /* decompressed bytes produced: the offset of errors */
    void *state;        /* z_stream, LZ4F_dctx or ZSTD_DCtx */
} rdbl__dec;

/* @return RDBL_OK with *out, or RDBL_NOMEM (err filled). */
rdbl_status rdbl__dec_new(rdbl__dec **out, rdbl_compression kind, rdbl_error *err);
void rdbl__dec_free(rdbl__dec *d);
/* Decodes into dst[0..cap) (cap > 0) from in, reading more input as needed.
 * Returns as soon as some bytes were produced, or the stream ended (d->done),
 * or it failed. OUT: *got bytes written (also on failure: bytes before the
 * damage are good).
 * @return RDBL_OK; RDBL_TRUNCATED (the compressed stream stops mid-way),
 *         RDBL_CORRUPT (decoder's text and the input offset in the message),
 *         RDBL_UNSUPPORTED, RDBL_IO or RDBL_NOMEM, with err filled. */
rdbl_status rdbl__dec_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                           size_t *got, rdbl_error *err);

/* Per-codec halves of the above (gzip.c, lz4.c, zstd.c). */
rdbl_status rdbl__gzip_new(rdbl__dec *d, rdbl_error *err);
void rdbl__gzip_free(rdbl__dec *d);
rdbl_status rdbl__gzip_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                            size_t *got, rdbl_error *err);
rdbl_status rdbl__lz4_new(rdbl__dec *d, rdbl_error *err);
void rdbl__lz4_free(rdbl__dec *d);
rdbl_status rdbl__lz4_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                           size_t *got, rdbl_error *err);
rdbl_status rdbl__zstd_new(rdbl__dec *d, rdbl_error *err);
void rdbl__zstd_free(rdbl__dec *d);
rdbl_status rdbl__zstd_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                            size_t *got, rdbl_error *err);

/* Checks the 8-byte VKCS header (V K C S, version 1, codec 1 = LZ4, flags,
 * stream kind 0). @return RDBL_OK or RDBL_UNSUPPORTED (err filled). */
rdbl_status rdbl__vkcs_check(const uint8_t *h, rdbl_error *err);

/* Decompression in a second thread (thread.c). The producer owns *in and
 * *dec until rdbl__thread_stop() returns; the consumer must not touch them. */
typedef struct rdbl__thread rdbl__thread;

/* Starts the producer; chunk is the size of each queued buffer.
 * @return RDBL_OK, or RDBL_NOMEM when memory or a thread is not available
 *         (nothing is left running; the caller may decode in-line). */
rdbl_status rdbl__thread_start(rdbl__thread **out, rdbl__input *in, rdbl__dec *dec,
                               size_t chunk);
/* Waits for the next chunk of decompressed bytes; it stays valid until
 * rdbl__thread_release(). @return true with *p and *len; false when the producer
 * has finished: *st is RDBL_TRUNCATED for a clean end (err untouched) or the
 * decoder's failure (err filled). */
bool rdbl__thread_take(rdbl__thread *t, const uint8_t **p, size_t *len, rdbl_status *st,
                       rdbl_error *err);
/* Gives back the oldest taken chunk. */
void rdbl__thread_release(rdbl__thread *t);
/* Raw input offset reached by the producer. */
uint64_t rdbl__thread_input_consumed(const rdbl__thread *t);
/* Stops the producer (even mid-stream), joins it and frees the queue. */
void rdbl__thread_stop(rdbl__thread *t);

/* Plain input served in place (a mapped file, the caller's memory): the
 * unconsumed bytes, *p[0..*len), stay readable and unchanged at the same
 * address until rdbl_source_free(), consumed or not (trimmed mapping pages
 * fault back in from the file). The parser's background CRC relies on it.
 * @return false for every other mode (their windows are reused). */
bool rdbl__source_stable_view(const rdbl_source *s, const uint8_t **p, size_t *len);

/* Test hooks: bytes allocated for the window (0 when none); whether a
 * producer thread decodes. */
size_t rdbl__source_window_cap(const rdbl_source *s);
bool rdbl__source_threaded(const rdbl_source *s);

/* A multi-part AOF directory's base RDB (aofdir.c): its path into out, or
 * RDBL_IO (no manifest) / RDBL_UNSUPPORTED (the base is a command log). */
rdbl_status rdbl__aof_dir_base(const char *dir, char *out, size_t cap, rdbl_error *err);
/* Its incremental command files (type i in the manifest, in its order, at
 * most 64) as paths under dir into *out (malloc'd, each malloc'd).
 * @return how many. */
size_t rdbl__aof_dir_incr(const char *dir, char ***out);

#endif
