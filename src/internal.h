/* rdblens internals shared between files: rdbl__ symbols, ALWAYS/NEVER,
 * little-endian loads, error filling. Not installed. */
#ifndef RDBL_INTERNAL_H
#define RDBL_INTERNAL_H

#include <stdarg.h>
#include <string.h>

#include "rdblens/common.h"

/* Conditions that cannot be false/true unless there is a bug in rdblens.
 * Debug builds assert; release builds take the safe branch. */
#ifndef NDEBUG
#include <assert.h>
#define ALWAYS(x) (assert(x), 1)
#define NEVER(x) (assert(!(x)), 0)
#else
#define ALWAYS(x) (x)
#define NEVER(x) (x)
#endif

#if defined(__GNUC__)
#define RDBL_LIKELY(x) __builtin_expect(!!(x), 1)
#define RDBL_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define RDBL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RDBL_LIKELY(x) (x)
#define RDBL_UNLIKELY(x) (x)
#define RDBL_PRINTF(a, b)
#endif

static inline uint16_t rdbl__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t rdbl__le32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}
static inline uint64_t rdbl__le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}
static inline uint32_t rdbl__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t rdbl__be64(const uint8_t *p)
{
    return (uint64_t)rdbl__be32(p) << 32 | rdbl__be32(p + 4);
}

/* Fills err (if non-NULL and still empty: the first error wins) and returns code. */
rdbl_status rdbl__fail(rdbl_error *err, rdbl_status code, uint64_t offset, const char *where,
                       const char *fmt, ...) RDBL_PRINTF(5, 6);

/* Escapes bytes for messages: printable ASCII as is, '\\' as "\\\\", others as
 * \xNN. Truncates with "..." to fit cap (NUL included). Returns out. */
char *rdbl__escape(char *out, size_t cap, const uint8_t *p, size_t len);

/* Strict canonical-int64 test, as Redis's string2ll: optional '-', no leading
 * zeros (except "0"), no "-0", at most 20 chars, in range. */
bool rdbl__str_to_i64(const uint8_t *p, size_t len, int64_t *out);

/* Compression samples of large string values, taken past the sample
 * budget (pipeline.c) and compressed past the compression budget
 * (advice.c): the few values this big carry a large share of the bytes,
 * and the first sampled ones alone would stand for all of them. */
#define RDBL__BIG_SAMPLE_MIN (256u << 10)
#define RDBL__BIG_SAMPLES 64u

#endif
