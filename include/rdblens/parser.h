/* rdblens: the streaming RDB parser and its event interface.
 *
 * rdbl_parse() reads one RDB stream from a source and calls the handlers in
 * an rdbl_events table, in file order. It never holds the whole file nor a
 * whole big value: strings arrive in chunks, collections one element at a
 * time; the only memory that grows with the input is the largest single
 * inner blob (a listpack/ziplist/intset/zipmap, validated as a whole before
 * its elements are emitted).
 *
 * Ownership: everything passed to a handler is const and borrowed until the
 * handler returns; only info->key lasts until on_end_key returns. Copy to keep.
 *
 * Handler return values: 0 to go on; RDBL_STOP to end the parse cleanly
 * (rdbl_parse returns RDBL_OK, the end event is not sent); a negative value to
 * fail the parse with RDBL_ABORTED. on_begin_key may also return RDBL_SKIP:
 * no value events for this key (the parser still reads past it and sends
 * on_end_key with its statistics). on_blob is still sent for a skipped key,
 * with the blob's sizes (its data may then be NULL): it costs nothing and is
 * what a consumer pricing blobs needs.
 *
 * A NULL handler means nobody needs that detail, and the parser skips the work
 * behind it where it can: an LZF string nobody reads is not decompressed. */
#ifndef RDBLENS_PARSER_H
#define RDBLENS_PARSER_H

#include "rdblens/common.h"
#include "rdblens/source.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RDBL_STOP 1
#define RDBL_SKIP 2

/* Logical data types. X(name, text) */
#define RDBL_TYPE_LIST(X)                                                     \
    X(STRING, "string")                                                       \
    X(LIST, "list")                                                           \
    X(SET, "set")                                                             \
    X(ZSET, "zset")                                                           \
    X(HASH, "hash")                                                           \
    X(STREAM, "stream")                                                       \
    X(MODULE, "module")                                                       \
    X(ARRAY, "array")                                                         \
    X(JSON, "json")                                                           \
    X(BLOOM, "bloom")                                                         \
    X(CMS, "cms")                                                             \
    X(TOPK, "topk")                                                           \
    X(CRON, "cron")

typedef enum rdbl_type {
#define RDBL__T(name, text) RDBL_TYPE_##name,
    RDBL_TYPE_LIST(RDBL__T)
#undef RDBL__T
    RDBL_TYPE__COUNT
} rdbl_type;

/* Encodings as stored in the file (the loading server may re-encode; the
 * memory model decides the in-memory one). X(name, text) */
#define RDBL_ENCODING_LIST(X)                                                 \
    X(RAW, "raw")                 /* string bytes */                          \
    X(INT, "int")                 /* string stored as an integer */           \
    X(LZF, "lzf")                 /* string stored LZF-compressed */          \
    X(LINKEDLIST, "linkedlist")   /* list type 1 */                           \
    X(ZIPLIST, "ziplist")         /* types 10, 12, 13 */                      \
    X(QUICKLIST, "quicklist")     /* type 14: ziplist nodes */                \
    X(QUICKLIST2, "quicklist2")   /* type 18: listpack / plain nodes */       \
    X(HASHTABLE, "hashtable")     /* set 2, hash 4 */                         \
    X(INTSET, "intset")           /* type 11 */                               \
    X(LISTPACK, "listpack")       /* types 16, 17, 20 */                      \
    X(SKIPLIST, "skiplist")       /* zset 3, 5 */                             \
    X(ZIPMAP, "zipmap")           /* type 9 */                                \
    X(HASHTABLE_TTL, "hashtable_ttl") /* 22 (both meanings), 24 */            \
    X(LISTPACK_TTL, "listpack_ttl")   /* 23, 25 */                            \
    X(LISTPACKS, "listpacks")     /* streams */                               \
    X(MODULE, "module")           /* types 6, 7 */                            \
    X(OTHER, "other")             /* vendor types */

typedef enum rdbl_encoding {
#define RDBL__E(name, text) RDBL_ENC_##name,
    RDBL_ENCODING_LIST(RDBL__E)
#undef RDBL__E
    RDBL_ENC__COUNT
} rdbl_encoding;

const char *rdbl_type_name(rdbl_type t);
const char *rdbl_encoding_name(rdbl_encoding e);

typedef enum rdbl_producer {
    RDBL_PRODUCER_REDIS = 0,   /* "REDIS" magic; may still be Dragonfly/KeyDB */
    RDBL_PRODUCER_VALKEY = 1,  /* "VALKEY" magic (RDB >= 80) */
} rdbl_producer;

typedef struct rdbl_file_info {
    char magic[8];            /* "REDIS" or "VALKEY", NUL-terminated */
    int rdb_version;          /* the header's digits */
    rdbl_producer producer;
    bool future_version;      /* newer than this parser knows; it reads on */
    rdbl_compression compression;
} rdbl_file_info;

typedef struct rdbl_key_info {
    uint64_t db;
    rdbl_str key;             /* valid until on_end_key returns */
    int rdb_type;             /* the type byte */
    rdbl_type type;
    rdbl_encoding encoding;
    bool has_expire;
    int64_t expire_ms;        /* absolute Unix ms when has_expire */
    int64_t idle_s;           /* LRU idle seconds, -1 if the file has none */
    int freq;                 /* LFU counter 0-255, -1 if the file has none */
    uint64_t offset;          /* offset of the record's first byte (its first prefix
                                 opcode); for keys inside a Dragonfly compressed blob,
                                 the blob's offset */
} rdbl_key_info;

typedef struct rdbl_stream_id {
    uint64_t ms, seq;
} rdbl_stream_id;

/* Inner blobs, for consumers that price or inspect them (memory model). */
typedef enum rdbl_blob_kind {
    RDBL_BLOB_ZIPLIST,
    RDBL_BLOB_LISTPACK,
    RDBL_BLOB_INTSET,
    RDBL_BLOB_ZIPMAP,
    RDBL_BLOB_PLAIN,          /* a quicklist-2 PLAIN node: one element's bytes */
    RDBL_BLOB_STREAM_NODE,    /* a stream node listpack */
} rdbl_blob_kind;

typedef struct rdbl_blob {
    rdbl_blob_kind kind;
    uint64_t size;            /* decoded bytes: the in-memory size for verbatim encodings */
    uint64_t stored_size;     /* bytes in the file: the LZF clen when lzf, else size */
    bool lzf;                 /* the blob was stored LZF-compressed */
    uint64_t count;           /* entries in the blob (1 for PLAIN) */
    rdbl_stream_id node_id;   /* master ID, for STREAM_NODE */
    const uint8_t *data;      /* the decoded bytes, or NULL if they were not decoded */
} rdbl_blob;

typedef struct rdbl_key_stats {
    uint64_t elements;        /* strings 1; items, members, fields; stream entries (live) */
    uint64_t rdb_bytes;       /* bytes of the whole record in the (decompressed) file */
    uint64_t value_bytes;     /* string length, or sum of element lengths (ints as text) */
    uint64_t largest_element; /* bytes of the largest single element (member, field or value) */
    uint64_t fields_with_ttl; /* hash fields that carry a TTL */
    int64_t min_field_expire_ms; /* smallest field TTL, -1 if none */
    uint64_t blobs;           /* inner blobs (quicklist nodes, stream nodes...) */
    bool elements_exact;      /* false when the count was not walked (fast mode) */
    bool damaged;             /* RDBL_PARSE_SALVAGE: the value broke off; the events sent
                                 before the damage stand, the figures cover them only */
} rdbl_key_stats;

typedef struct rdbl_stream_meta {
    int version;              /* 1 (type 15) .. 5 (type 27) */
    uint64_t nodes;
    uint64_t length;          /* live entries */
    rdbl_stream_id last_id, first_id, max_deleted_id; /* first/max_deleted: v >= 2 */
    uint64_t entries_added;   /* v >= 2 */
    uint64_t groups;
} rdbl_stream_meta;

typedef struct rdbl_stream_group {
    rdbl_str name;
    rdbl_stream_id last_id;
    int64_t entries_read;     /* -1 unknown (and always for v1) */
    uint64_t pel_count;
    uint64_t consumers;
} rdbl_stream_group;

typedef struct rdbl_stream_consumer {
    rdbl_str group;
    rdbl_str name;
    int64_t seen_ms;
    int64_t active_ms;        /* v >= 3; = seen_ms before */
    uint64_t pel_count;
} rdbl_stream_consumer;

typedef enum rdbl_checksum_status {
    RDBL_CHECKSUM_OK,
    RDBL_CHECKSUM_MISMATCH,
    RDBL_CHECKSUM_DISABLED,   /* stored as 0 */
    RDBL_CHECKSUM_ABSENT,     /* version < 5 */
    RDBL_CHECKSUM_NOT_CHECKED,/* the caller turned verification off */
} rdbl_checksum_status;

const char *rdbl_checksum_status_name(rdbl_checksum_status s); /* "ok", "mismatch", ... */

typedef struct rdbl_end_info {
    rdbl_checksum_status checksum;
    uint64_t stored_crc, computed_crc;
    uint64_t eof_offset;      /* offset of the EOF opcode */
    uint64_t trailing_bytes;  /* bytes after EOF (+CRC): AOF tail, replication mark */
    /* the trailing bytes are RESP commands (an AOF with an RDB preamble): how
     * many, counted as they stream past (0 and false when they are not) */
    bool aof_tail;
    uint64_t aof_commands;
} rdbl_end_info;

/* RDBL_PARSE_SALVAGE: a stretch of the input that could not be read as
 * records and was skipped. Everything is borrowed for the call. */
typedef struct rdbl_hole {
    uint64_t start;           /* offset of the record that failed (its first prefix) */
    uint64_t end;             /* offset where records parse again, or the input's end */
    uint64_t db;              /* database selected before the hole */
    rdbl_str last_key;        /* the last key read whole before it (len 0: none) */
    bool has_last_key;
    bool key_damaged;         /* the failed record was a key: sent with what was read
                                 before the damage (on_end_key with st->damaged) */
    bool to_end;              /* no record parsed again before the input ended */
    const rdbl_error *cause;  /* the error that opened it */
} rdbl_hole;

/* An AOF command file (a Redis 7 appendonlydir's *.incr.aof): its bytes and
 * the RESP commands they hold, streamed, never held. *whole is false when
 * the bytes are not whole RESP commands (then *commands counts those before
 * the first that is not). @return RDBL_OK or RDBL_IO (err filled). */
rdbl_status rdbl_aof_count_file(const char *path, uint64_t *bytes, uint64_t *commands,
                                bool *whole, rdbl_error *err);

typedef struct rdbl_events {
    /* File level. */
    int (*on_begin)(void *user, const rdbl_file_info *fi);
    int (*on_aux)(void *user, const rdbl_item *name, const rdbl_item *value);
    int (*on_db)(void *user, uint64_t db);
    int (*on_resize_db)(void *user, uint64_t db, uint64_t keys, uint64_t expires);
    int (*on_slot_info)(void *user, uint64_t slot, uint64_t keys, uint64_t expires);
    int (*on_module_aux)(void *user, rdbl_str module, int encver, int when,
                         uint64_t payload_bytes);
    /* A function library. name/engine are empty for FUNCTION2 (the code's
     * shebang names them). */
    int (*on_function)(void *user, rdbl_str code, rdbl_str name, rdbl_str engine);
    /* Something odd but readable: an empty collection, an unknown AUX form,
     * a future version, a vendor record skipped. msg is NUL-terminated. */
    int (*on_warning)(void *user, uint64_t offset, const char *msg);
    int (*on_end)(void *user, const rdbl_end_info *ei);

    /* Keys. */
    int (*on_begin_key)(void *user, const rdbl_key_info *k);
    int (*on_end_key)(void *user, const rdbl_key_info *k, const rdbl_key_stats *st);

    /* Values. A string arrives in one or more chunks (total_len in each);
     * an integer-encoded string as one integer item. */
    int (*on_string)(void *user, const rdbl_key_info *k, const rdbl_item *chunk,
                     uint64_t chunk_offset, uint64_t total_len);
    int (*on_list_item)(void *user, const rdbl_key_info *k, const rdbl_item *item);
    int (*on_set_member)(void *user, const rdbl_key_info *k, const rdbl_item *member);
    int (*on_zset_member)(void *user, const rdbl_key_info *k, const rdbl_item *member,
                          double score);
    /* expire_ms: the field's absolute TTL in Unix ms, -1 if none. */
    int (*on_hash_field)(void *user, const rdbl_key_info *k, const rdbl_item *field,
                         const rdbl_item *value, int64_t expire_ms);
    int (*on_blob)(void *user, const rdbl_key_info *k, const rdbl_blob *b);

    int (*on_stream_meta)(void *user, const rdbl_key_info *k, const rdbl_stream_meta *m);
    /* One entry; fields[i] pairs with values[i]. */
    int (*on_stream_entry)(void *user, const rdbl_key_info *k, rdbl_stream_id id,
                           bool deleted, size_t nfields, const rdbl_item *fields,
                           const rdbl_item *values);
    int (*on_stream_group)(void *user, const rdbl_key_info *k, const rdbl_stream_group *g);
    int (*on_stream_pel)(void *user, const rdbl_key_info *k, rdbl_str group,
                         rdbl_stream_id id, int64_t delivery_ms, uint64_t delivery_count);
    int (*on_stream_consumer)(void *user, const rdbl_key_info *k,
                              const rdbl_stream_consumer *c);
    int (*on_stream_consumer_pel)(void *user, const rdbl_key_info *k, rdbl_str group,
                                  rdbl_str consumer, rdbl_stream_id id);
    /* A module value; the payload is skipped through its tagged opcodes. */
    int (*on_module)(void *user, const rdbl_key_info *k, rdbl_str module, int encver,
                     uint64_t payload_bytes);

    /* RDBL_PARSE_SALVAGE: a hole was skipped (sent once records parse again,
     * or at the input's end). */
    int (*on_hole)(void *user, const rdbl_hole *h);
} rdbl_events;

#define RDBL_PARSE_NO_CRC      (1u << 0) /* do not compute the CRC-64 */
#define RDBL_PARSE_FAST        (1u << 1) /* do not walk blobs nobody reads (counts from headers) */
/* Compute the CRC-64 in a helper thread when the input is served in place
 * (a plain mapped file or a memory buffer; otherwise in-line). Same result
 * and errors; one more busy core: for callers that leave the second core idle. */
#define RDBL_PARSE_CRC_THREAD  (1u << 2)
/* Read past damage: at a record that fails, scan forward for the next offset
 * where records parse again (a type or opcode byte, a plausible key, a value
 * that validates whole, and two more key records after it), report the hole
 * (on_hole) and go on. A key whose value breaks off is ended with
 * st->damaged. Keys are held to be what the file's undamaged part shows:
 * never empty, and text (printable UTF-8) once the hole is past when the keys
 * before it were. Costs nothing when off. rdbl_parse then returns the first
 * hole's error (the CRC-64 is not checked once a hole is found). Not inside
 * Dragonfly compressed blobs. */
#define RDBL_PARSE_SALVAGE     (1u << 3)

typedef struct rdbl_parse_opts {
    unsigned flags;
    /* Called each time the parser pulls more input (about every read_size
     * bytes) with the number of keys read so far: a place to draw a
     * progress bar from rdbl_source_input_consumed(). May be NULL. */
    void (*progress)(void *progress_user, uint64_t keys_done);
    void *progress_user;
    /* RDBL_PARSE_SALVAGE: told of each hole too (after on_hole), e.g. to
     * print it. May be NULL. */
    void (*on_hole)(void *hole_user, const rdbl_hole *h);
    void *hole_user;
} rdbl_parse_opts;

/* Parses one RDB stream. opts may be NULL.
 * @return RDBL_OK; RDBL_CHECKSUM when everything was read but the CRC-64 does
 *         not match (on_end was called); or the first error, with err filled
 *         (code, decompressed offset, key, phase, message). Events sent before
 *         an error stay valid: callers report what was read as partial. */
rdbl_status rdbl_parse(rdbl_source *src, const rdbl_events *ev, void *user,
                       const rdbl_parse_opts *opts, rdbl_error *err);

/* Decodes the 64-bit module type id into its 9-character name (plus NUL)
 * and encoding version. */
void rdbl_module_id_decode(uint64_t id, char name[10], int *encver);

/* The input formats this parser reads, as one line of text. Never NULL. */
const char *rdbl_parser_formats(void);

/* CRC-64/Jones as Redis computes it. Start with crc = 0. */
uint64_t rdbl_crc64(uint64_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
