/* rdblens: byte sources.
 *
 * A source turns a file, a descriptor, a memory buffer or a caller's read
 * function into a stream of *decompressed* RDB bytes. The first bytes of the
 * input decide the decoder: plain RDB ("REDIS"/"VALKEY" magic), gzip
 * (1f 8b), LZ4 frame (04 22 4d 18), zstd (28 b5 2f fd) or Valkey's "VKCS"
 * envelope (an LZ4 frame behind an 8-byte header).
 *
 * The source never holds the whole input: it keeps one window of bytes that
 * grows only as far as a single need() asks, and only as the bytes actually
 * arrive (a corrupt length can never make it allocate ahead of the data).
 *
 * Streaming contract (as lz4frame's): need() makes bytes available, consume()
 * releases them; bytes not consumed are presented again by the next need().
 * After an error the source is dead: every later call repeats the error. */
#ifndef RDBLENS_SOURCE_H
#define RDBLENS_SOURCE_H

#include "rdblens/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RDBL_COMPRESSION_LIST(X)                                              \
    X(NONE, 0, "none")                                                        \
    X(GZIP, 1, "gzip")                                                        \
    X(LZ4, 2, "lz4")                                                          \
    X(ZSTD, 3, "zstd")                                                        \
    X(VKCS, 4, "vkcs-lz4")

typedef enum rdbl_compression {
#define RDBL__C(name, value, text) RDBL_COMP_##name = value,
    RDBL_COMPRESSION_LIST(RDBL__C)
#undef RDBL__C
} rdbl_compression;

/* "none", "gzip", "lz4", "zstd", "vkcs-lz4". Never NULL. */
const char *rdbl_compression_name(rdbl_compression c);

typedef struct rdbl_source rdbl_source;

/* A caller-supplied reader: fill up to cap bytes into buf.
 * @return bytes written (0 = end of input), or -1 on error (errno kept). */
typedef long (*rdbl_read_fn)(void *user, void *buf, size_t cap);

typedef struct rdbl_source_opts {
    size_t read_size; /* bytes asked of the input per read; 0 = default (1 MiB) */
    bool threaded;    /* read (and decompress) in a second thread; memory input is
                       * served in place; reads in-line if no thread starts */
    bool sha256;      /* hash the input's bytes as stored while they are read
                       * (rdbl_source_sha256); off: no cost at all */
} rdbl_source_opts;

/* Opens a file read-only ("-" is standard input, never closed). opts may be
 * NULL. The first bytes are read here to detect the format; a plain regular
 * file is read by the producer thread when threaded, else memory-mapped
 * (need() then copies nothing).
 * @return RDBL_OK and *out, or RDBL_IO (path and strerror text in err->msg)
 *         or RDBL_NOMEM with err filled and *out NULL. A damaged envelope
 *         (bad VKCS header) is not an open error: the first need() reports it. */
rdbl_status rdbl_source_open_file(rdbl_source **out, const char *path,
                                  const rdbl_source_opts *opts, rdbl_error *err);
/* Reads from an open descriptor, from its current position; the source does
 * not close it (nor restore its position). Same returns as open_file. */
rdbl_status rdbl_source_open_fd(rdbl_source **out, int fd,
                                const rdbl_source_opts *opts, rdbl_error *err);
/* Reads from memory. The buffer is borrowed: it must outlive the source.
 * A plain buffer is served in place (need() copies nothing). */
rdbl_status rdbl_source_open_mem(rdbl_source **out, const void *buf, size_t len,
                                 const rdbl_source_opts *opts, rdbl_error *err);
/* Reads through a caller's function; user is passed back unchanged. */
rdbl_status rdbl_source_open_reader(rdbl_source **out, rdbl_read_fn fn, void *user,
                                    const rdbl_source_opts *opts, rdbl_error *err);
void rdbl_source_free(rdbl_source *s);

/* Makes at least n contiguous bytes available from the current position.
 * OUT: *p points at them, *avail is how many are available (>= n on success;
 *      may be more: everything already buffered).
 * @return RDBL_OK; RDBL_TRUNCATED when the input ends first (*p and *avail then
 *         describe what there is); RDBL_IO, RDBL_CORRUPT (a compressed
 *         stream is damaged), RDBL_UNSUPPORTED (VKCS version or codec, zstd
 *         window over 128 MiB) or RDBL_NOMEM with err filled.
 * On TRUNCATED, err is left alone when the input simply ends (the caller
 * says what was cut), and filled when a compressed stream stops mid-way
 * ("gzip stream ended early ..."); TRUNCATED is not an error state: smaller
 * needs still succeed. A decoder's failure is reported only once the bytes
 * decoded before it are used up; err->offset is then the decompressed
 * offset and err->msg names the input offset. Bytes after a compressed
 * stream's end (trailing garbage) are ignored.
 * The pointer stays valid until the next need()/consume()/free. */
rdbl_status rdbl_source_need(rdbl_source *s, size_t n, const uint8_t **p,
                             size_t *avail, rdbl_error *err);
/* Releases n bytes (n <= the last avail). */
void rdbl_source_consume(rdbl_source *s, size_t n);

/* Decompressed offset of the current position. */
uint64_t rdbl_source_offset(const rdbl_source *s);
/* Bytes read from the underlying input so far (compressed bytes for a
 * compressed input; the consumed position for a mapped or in-memory plain
 * input): what a progress bar compares with input_size. */
uint64_t rdbl_source_input_consumed(const rdbl_source *s);
/* Size of the underlying input when known (regular files: st_size less the
 * starting position; memory: its length), else 0. */
uint64_t rdbl_source_input_size(const rdbl_source *s);
rdbl_compression rdbl_source_compression(const rdbl_source *s);
/* When the path given to open_file was a multi-part AOF directory (Redis 7
 * appendonlydir), the base RDB it names and that is read (the incremental
 * command files after it are not); else NULL. A directory whose base is a
 * command log (aof-use-rdb-preamble no) fails to open (RDBL_UNSUPPORTED). */
const char *rdbl_source_aof_base(const rdbl_source *s);
/* The AOF directory's incremental command files (*.incr.aof, in manifest
 * order): the i-th path, or NULL past the last (and for any other input). */
const char *rdbl_source_aof_incr(const rdbl_source *s, size_t i);

/* Bytes of a SHA-256 digest. */
#define RDBL_SHA256_SIZE 32

/* The SHA-256 of the whole input as stored, as `sha256sum FILE` gives it:
 * for a compressed input, of the compressed bytes; for an AOF directory, of
 * the base file read (rdbl_source_aof_base). Only for a source opened with
 * opts.sha256. The bytes were hashed as they were read; what the parser left
 * unread (bytes after the RDB's end, the rest after an early stop) is read
 * and hashed here. Call it once parsing is over: the source serves no more
 * bytes afterwards (need() then fails with RDBL_USAGE); calling it again
 * gives the same digest.
 * @return RDBL_OK with out filled; RDBL_USAGE when sha256 was not asked at
 *         open; RDBL_IO (a read failed: no digest of a file not read whole)
 *         or RDBL_NOMEM, with err filled. */
rdbl_status rdbl_source_sha256(rdbl_source *s, uint8_t out[RDBL_SHA256_SIZE], rdbl_error *err);
/* What that digest covers, in words, for an input of compression c:
 * "of the file's bytes, as sha256sum gives", or for a compressed input "of
 * the compressed bytes as stored, ...". Static; never NULL. */
const char *rdbl_source_sha256_scope(rdbl_compression c);

/* The compressions this build decodes and the library behind each, with the
 * version linked at run time: "gzip (zlib 1.2.13), lz4 (liblz4 1.9.4), ...".
 * Writes at most cap bytes, NUL-terminated when cap > 0.
 * @return the length of the whole text (as snprintf). */
size_t rdbl_source_describe_codecs(char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
