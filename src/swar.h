/* SWAR: byte classes of 8 bytes at a time in a uint64_t (bytes in load
 * order, see rdbl__le64). Each test returns the top bit of every byte that
 * matches, exactly: the low 7 bits are added apart from the top one, so no
 * carry crosses into the next byte. Used where the per-byte loops showed
 * in profiles (prefix splitting and folding, key escaping). */
#ifndef RDBL_SWAR_H
#define RDBL_SWAR_H

#include <stdint.h>

#define RDBL__B1 0x0101010101010101ULL
#define RDBL__B7 0x7F7F7F7F7F7F7F7FULL
#define RDBL__B8 0x8080808080808080ULL

/* Bytes equal to 0. */
static inline uint64_t rdbl__swar_zero(uint64_t u)
{
    return ~(((u & RDBL__B7) + RDBL__B7) | u) & RDBL__B8;
}

/* Bytes equal to c. */
static inline uint64_t rdbl__swar_eq(uint64_t v, uint8_t c)
{
    return rdbl__swar_zero(v ^ (RDBL__B1 * c));
}

/* Bytes in [lo, hi] (both < 0x80): t >= lo sets the top bit of
 * t + 0x80 - lo, t > hi that of t + 0x7F - hi; bytes >= 0x80 never match. */
static inline uint64_t rdbl__swar_range(uint64_t v, uint8_t lo, uint8_t hi)
{
    uint64_t t = v & RDBL__B7;
    return (t + RDBL__B1 * (0x80u - lo)) & ~(t + RDBL__B1 * (0x7Fu - hi)) & ~v & RDBL__B8;
}

/* ASCII digits: xor '0' makes them 0..9, and nothing else. */
static inline uint64_t rdbl__swar_digit(uint64_t v)
{
    uint64_t t = v ^ (RDBL__B1 * '0');
    return ~(((t & RDBL__B7) + RDBL__B1 * (0x80 - 10)) | t) & RDBL__B8;
}

#endif
