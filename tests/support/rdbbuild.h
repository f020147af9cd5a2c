/* A synthetic RDB builder for tests: whole files byte by byte, in the layouts
 * of ../shared/docs/rdb-format.md, so that a test reads like the file it
 * makes:
 *
 *   rb r;
 *   rb_init(&r, "REDIS", 9);          header "REDIS0009"
 *   rb_aux(&r, "redis-ver", "5.0.0");
 *   rb_select(&r, 0);
 *   rb_expire_ms(&r, 1700000000000);  prefix of the next key
 *   rb_key(&r, 0, "k");               type byte + key string
 *   rb_cstr(&r, "v");                 the value
 *   rb_eof(&r);                       0xFF + CRC-64 (version >= 5)
 *   ... parse r.p / r.len ...
 *   rb_free(&r);
 *
 * Every writer picks the form a server writes (smallest length form,
 * smallest integer encoding) unless a *_as / *_enc variant forces another,
 * so tests can reach every form a reader must accept, including legal but
 * unusual ones (non-minimal lengths, 5-byte ziplist prevlens, zipmap free
 * bytes, big listpack back-lengths).
 *
 * The same rb type is a plain byte buffer for inner blobs (listpack,
 * ziplist, intset, zipmap, stream nodes), which are written into the file
 * as strings with rb_blob().
 *
 * Out of memory aborts (test code only). Nothing here uses Criterion, so the
 * builder also works in fuzz seed generators. */
#ifndef RDBL_TEST_RDBBUILD_H
#define RDBL_TEST_RDBBUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- byte buffer / file under construction ---- */

typedef struct rb {
    uint8_t *p;
    size_t len, cap;
    int version;  /* header version (0 for a plain buffer) */
    bool valkey;  /* "VALKEY" magic */
} rb;

/* Starts a file: magic "REDIS" (4 version digits) or "VALKEY" (3 digits). */
void rb_init(rb *r, const char *magic, int version);
/* Starts an empty byte buffer (no header), e.g. for an inner blob. */
void rb_init_buf(rb *r);
void rb_free(rb *r);
/* Empties the buffer, keeping its memory and version. */
void rb_reset(rb *r);

void rb_raw(rb *r, const void *p, size_t n);
void rb_u8(rb *r, unsigned v);
void rb_fill(rb *r, int c, size_t n);
void rb_le(rb *r, uint64_t v, unsigned nbytes);
void rb_be(rb *r, uint64_t v, unsigned nbytes);
void rb_f64(rb *r, double d); /* binary double, little-endian */
void rb_f32(rb *r, float f);

/* ---- lengths (§3.1) ---- */

enum { RB_LEN6 = 6, RB_LEN14 = 14, RB_LEN32 = 32, RB_LEN64 = 64 };
/* The smallest form, as servers write it. */
void rb_len(rb *r, uint64_t v);
/* A forced form (v must fit it). */
void rb_len_as(rb *r, uint64_t v, int form);
/* Bytes the smallest form of v takes (1, 2, 5 or 9). */
size_t rb_len_size(uint64_t v);

/* ---- strings (§3.2) ---- */

void rb_str(rb *r, const void *p, size_t n); /* raw */
void rb_cstr(rb *r, const char *s);          /* raw, NUL-terminated input */
/* INT8/16/32 form, the smallest that fits (v must fit int32). */
void rb_int(rb *r, int64_t v);
/* A forced INT form: 8, 16 or 32 bits. */
void rb_int_as(rb *r, int64_t v, int bits);
/* LZF form, compressed with liblzf; aborts if the data does not compress
 * (use data with repetition). */
void rb_lzf(rb *r, const void *p, size_t n);
/* A buffer (blob) as a string, raw or LZF-compressed. */
void rb_blob(rb *r, const rb *blob, bool lzf);

/* ---- records (§4) ---- */

void rb_aux(rb *r, const char *name, const char *value);
void rb_select(rb *r, uint64_t db);
void rb_resize(rb *r, uint64_t keys, uint64_t expires);
void rb_expire_ms(rb *r, int64_t ms);
void rb_expire_s(rb *r, int32_t s); /* opcode 253 */
void rb_idle(rb *r, uint64_t seconds);
void rb_freq(rb *r, unsigned counter);
/* Type byte and key string. */
void rb_key(rb *r, int type, const char *key);
/* EOF, then the CRC-64 of everything before it when version >= 5. */
void rb_eof(rb *r);
/* EOF with a chosen stored CRC (0 = disabled) when version >= 5. */
void rb_eof_crc(rb *r, uint64_t crc);

/* ---- modules (§8) ---- */

/* The 64-bit module type id of a 9-character name and encoding version. */
uint64_t rb_module_id(const char *name9, int encver);
void rb_mod_sint(rb *r, uint64_t v); /* sub-op 1 */
void rb_mod_uint(rb *r, uint64_t v); /* sub-op 2 */
void rb_mod_float(rb *r, float f);   /* sub-op 3 */
void rb_mod_double(rb *r, double d); /* sub-op 4 */
void rb_mod_str(rb *r, const char *s); /* sub-op 5 */
void rb_mod_eof(rb *r);              /* sub-op 0 */

/* ---- listpack (§6.2) ---- */

typedef struct rb_lp {
    rb body;          /* elements (encoding + data + backlen) */
    uint32_t count;
    long count_override; /* >= 0: written as num_elements instead of count */
} rb_lp;

enum { RB_LP_STR6 = 6, RB_LP_STR12 = 12, RB_LP_STR32 = 32 };
void rb_lp_init(rb_lp *lp);
void rb_lp_free(rb_lp *lp);
/* A string in its smallest string form (never integer-encoded). */
void rb_lp_str(rb_lp *lp, const void *p, size_t n);
void rb_lp_cstr(rb_lp *lp, const char *s);
/* A string in a forced form (6, 12 or 32-bit length). */
void rb_lp_str_enc(rb_lp *lp, const void *p, size_t n, int form);
/* An integer in its smallest integer form. */
void rb_lp_int(rb_lp *lp, int64_t v);
/* Appends the finished listpack (header, elements, 0xFF) to out. */
void rb_lp_finish(const rb_lp *lp, rb *out);
/* Size of the back-length of an element whose encoding+data is s bytes. */
size_t rb_lp_backlen_size(uint64_t s);

/* ---- ziplist (§6.1) ---- */

typedef struct rb_zl {
    rb body;
    uint32_t count;
    uint32_t last_off;    /* offset of the last entry in body */
    uint32_t prev_size;   /* total size of the last entry */
    bool big_prevlen;     /* next entries use the 5-byte prevlen form */
    long zllen_override;  /* >= 0: written as zllen (65535 = unknown) */
} rb_zl;

void rb_zl_init(rb_zl *zl);
void rb_zl_free(rb_zl *zl);
/* A string, smallest string form (6-bit, 14-bit BE, 32-bit BE). */
void rb_zl_str(rb_zl *zl, const void *p, size_t n);
void rb_zl_cstr(rb_zl *zl, const char *s);
/* An integer, smallest integer form (imm4, int8, int16, int24, int32, int64). */
void rb_zl_int(rb_zl *zl, int64_t v);
void rb_zl_finish(const rb_zl *zl, rb *out);

/* ---- intset (§6.3) ---- */

/* width 2, 4 or 8; values written as given (tests choose the order). */
void rb_intset(rb *out, unsigned width, const int64_t *v, size_t n);

/* ---- zipmap (§6.4) ---- */

typedef struct rb_zm {
    rb body;
    unsigned zmlen; /* header byte */
} rb_zm;

void rb_zm_init(rb_zm *zm, unsigned zmlen);
void rb_zm_free(rb_zm *zm);
/* One pair. big_lens: 5-byte length forms even for short strings;
 * free_bytes: slack after the value (written as 'free' then that many 0xEE). */
void rb_zm_pair(rb_zm *zm, const char *field, const char *value, unsigned free_bytes,
                bool big_lens);
/* A pair with binary/long data. */
void rb_zm_pair_n(rb_zm *zm, const void *f, size_t fn, const void *v, size_t vn,
                  unsigned free_bytes, bool big_lens);
void rb_zm_finish(const rb_zm *zm, rb *out);

/* ---- stream node listpack (§7.2) ---- */

enum { RB_SF_DELETED = 1, RB_SF_SAMEFIELDS = 2 };

typedef struct rb_snode {
    rb_lp entries;    /* the entries after the master entry */
    const char *const *master_fields;
    int nmaster;
    long live, deleted;
} rb_snode;

void rb_snode_init(rb_snode *n, const char *const *master_fields, int nmaster);
void rb_snode_free(rb_snode *n);
/* One entry. With RB_SF_SAMEFIELDS, fields is ignored and values has
 * nmaster items; otherwise nf fields and values. */
void rb_snode_entry(rb_snode *n, int flags, int64_t ms_delta, int64_t seq_delta, int nf,
                    const char *const *fields, const char *const *values);
/* Appends the node listpack (master entry, then the entries) to out. */
void rb_snode_finish(const rb_snode *n, rb *out);
/* A 16-byte big-endian stream ID string (node key). */
void rb_stream_id_str(rb *r, uint64_t ms, uint64_t seq);
/* A raw 16-byte big-endian stream ID (PEL entries). */
void rb_stream_id_raw(rb *r, uint64_t ms, uint64_t seq);

#endif
