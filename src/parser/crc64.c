/* CRC-64/Jones as redis computes it over an RDB file (rdb-format.md §4.5).
 *
 *   reflected polynomial 0x95AC9329AC4BC9B5 (normal 0xAD93D23594C935A9),
 *   input and output reflected, init 0, no final xor;
 *   check value: crc("123456789") = 0xE9C6D914C4B8D9CA.
 *
 * Two implementations, chosen once at first use:
 *
 * - slice-by-16 (portable): T[0] is the byte-at-a-time table (crc =
 *   T[0][(crc ^ b) & 0xFF] ^ crc >> 8) and T[k][i] is the contribution of
 *   byte i followed by k zero bytes, so sixteen bytes fold into the CRC with
 *   sixteen independent lookups. 32 KiB of tables, built under pthread_once.
 *
 * - carry-less multiplication folding (x86-64 with PCLMULQDQ, detected at
 *   run time; the method of Intel's "Fast CRC computation for generic
 *   polynomials using PCLMULQDQ", worked out here for this polynomial).
 *   Four 128-bit accumulators S each stand for a polynomial congruent mod P
 *   to the message bits they have absorbed; appending W more bits D gives
 *   S' = S_hi * (x^(W+64) mod P) + S_lo * (x^W mod P) + D. In the reflected
 *   bit order a carry-less product comes out multiplied by x, so the
 *   constants below are x^(W+63) mod P and x^(W-1) mod P, bit-reflected.
 *   At the end the accumulators fold into one 128-bit S, which has the same
 *   CRC as the message; the table finishes its 16 bytes and the tail. */
#include <pthread.h>

#include "internal.h"
#include "parser/blob.h"
#include "rdblens/parser.h"

#define CRC64_POLY_REFLECTED 0x95AC9329AC4BC9B5ull
#define CRC64_SLICES 16

static uint64_t crc64_table[CRC64_SLICES][256];
static pthread_once_t crc64_once = PTHREAD_ONCE_INIT;
static bool crc64_use_clmul;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC64_HAVE_CLMUL 1
#endif

static void crc64_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        crc64_table[0][i] = c;
    }
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = crc64_table[0][i];
        for (int s = 1; s < CRC64_SLICES; s++) {
            c = crc64_table[0][c & 0xFF] ^ (c >> 8);
            crc64_table[s][i] = c;
        }
    }
#ifdef CRC64_HAVE_CLMUL
    __builtin_cpu_init();
    crc64_use_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
#endif
}

/* Tables must be built (crc64_init ran). */
static uint64_t crc64_slice16(uint64_t crc, const uint8_t *p, size_t len)
{
    const uint64_t(*const t)[256] = (const uint64_t(*)[256])crc64_table;
    /* Byte-wise until p is 8-aligned, so the wide loads below are aligned. */
    while (len && ((uintptr_t)p & 7)) {
        crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
        len--;
    }
    while (len >= 16) {
        uint64_t a = rdbl__le64(p) ^ crc;
        uint64_t b = rdbl__le64(p + 8);
        crc = t[15][a & 0xFF] ^ t[14][(a >> 8) & 0xFF] ^ t[13][(a >> 16) & 0xFF] ^
              t[12][(a >> 24) & 0xFF] ^ t[11][(a >> 32) & 0xFF] ^ t[10][(a >> 40) & 0xFF] ^
              t[9][(a >> 48) & 0xFF] ^ t[8][a >> 56] ^ t[7][b & 0xFF] ^ t[6][(b >> 8) & 0xFF] ^
              t[5][(b >> 16) & 0xFF] ^ t[4][(b >> 24) & 0xFF] ^ t[3][(b >> 32) & 0xFF] ^
              t[2][(b >> 40) & 0xFF] ^ t[1][(b >> 48) & 0xFF] ^ t[0][b >> 56];
        p += 16;
        len -= 16;
    }
    while (len--)
        crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    return crc;
}

#ifdef CRC64_HAVE_CLMUL
#include <immintrin.h>

#define CRC64_TARGET __attribute__((target("pclmul,sse2")))
#define CRC64_CLMUL_MIN 128 /* below this the tables win */

/* S * x^W folded to 128 bits: k = {lo: x^(W+63) mod P, hi: x^(W-1) mod P}. */
CRC64_TARGET static inline __m128i crc64_fold(__m128i s, __m128i k)
{
    return _mm_xor_si128(_mm_clmulepi64_si128(s, k, 0x00), _mm_clmulepi64_si128(s, k, 0x11));
}

CRC64_TARGET static uint64_t crc64_clmul(uint64_t crc, const uint8_t *p, size_t len)
{
    /* _mm_set_epi64x(hi, lo); values from the reflected x^n mod P */
    const __m128i k512 = _mm_set_epi64x((long long)0xF49784A634F014E4ull,
                                        (long long)0xAF86EFB16D9AB4FBull);
    const __m128i k128 = _mm_set_epi64x((long long)0x381D0015C96F4444ull,
                                        (long long)0xD9D7BE7D505DA32Cull);
    /* The initial CRC is the same as xor-ing it into the first 8 bytes. */
    __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p),
                               _mm_cvtsi64_si128((long long)crc));
    __m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));
    p += 64;
    len -= 64;
    while (len >= 64) {
        x0 = _mm_xor_si128(crc64_fold(x0, k512), _mm_loadu_si128((const __m128i *)p));
        x1 = _mm_xor_si128(crc64_fold(x1, k512), _mm_loadu_si128((const __m128i *)(p + 16)));
        x2 = _mm_xor_si128(crc64_fold(x2, k512), _mm_loadu_si128((const __m128i *)(p + 32)));
        x3 = _mm_xor_si128(crc64_fold(x3, k512), _mm_loadu_si128((const __m128i *)(p + 48)));
        p += 64;
        len -= 64;
    }
    __m128i x = _mm_xor_si128(crc64_fold(x0, k128), x1);
    x = _mm_xor_si128(crc64_fold(x, k128), x2);
    x = _mm_xor_si128(crc64_fold(x, k128), x3);
    while (len >= 16) {
        x = _mm_xor_si128(crc64_fold(x, k128), _mm_loadu_si128((const __m128i *)p));
        p += 16;
        len -= 16;
    }
    uint8_t rest[16];
    _mm_storeu_si128((__m128i *)rest, x);
    crc = crc64_slice16(0, rest, 16);
    return crc64_slice16(crc, p, len);
}
#endif

uint64_t rdbl__crc64_slice16(uint64_t crc, const void *data, size_t len)
{
    pthread_once(&crc64_once, crc64_init);
    return len ? crc64_slice16(crc, data, len) : crc;
}

bool rdbl__crc64_clmul(uint64_t *crc, const void *data, size_t len)
{
    pthread_once(&crc64_once, crc64_init);
#ifdef CRC64_HAVE_CLMUL
    if (crc64_use_clmul) {
        if (len >= CRC64_CLMUL_MIN)
            *crc = crc64_clmul(*crc, data, len);
        else if (len)
            *crc = crc64_slice16(*crc, data, len);
        return true;
    }
#endif
    (void)crc;
    (void)data;
    (void)len;
    return false;
}

uint64_t rdbl_crc64(uint64_t crc, const void *data, size_t len)
{
    pthread_once(&crc64_once, crc64_init);
    if (len == 0) /* data may be NULL */
        return crc;
#ifdef CRC64_HAVE_CLMUL
    if (crc64_use_clmul && len >= CRC64_CLMUL_MIN)
        return crc64_clmul(crc, data, len);
#endif
    return crc64_slice16(crc, data, len);
}
