/* rdblens: ready-made consumers of parser events.
 *
 * rdbl_info: the file's structure in one pass (header, aux fields, databases,
 * keys per type and encoding, functions, modules, checksum, warnings): what
 * `rdblens info` prints. Feed it by passing rdbl_info_events() and the info
 * object to rdbl_parse(); then record the parse's outcome with
 * rdbl_info_finish() and write it as text or JSON. */
#ifndef RDBLENS_ANALYSIS_H
#define RDBLENS_ANALYSIS_H

#include <stdio.h>

#include "rdblens/parser.h"
#include "rdblens/source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rdbl_info rdbl_info;

rdbl_info *rdbl_info_new(void);
void rdbl_info_free(rdbl_info *in);
/* Handlers whose user pointer must be the rdbl_info. Static; never NULL. */
const rdbl_events *rdbl_info_events(void);
/* Records the outcome of the parse (status and error as rdbl_parse returned
 * them) and the source's figures (input size, compression). */
void rdbl_info_finish(rdbl_info *in, rdbl_status st, const rdbl_error *err,
                      const rdbl_source *src, const char *path, double seconds);
uint64_t rdbl_info_keys(const rdbl_info *in);

/* Writes the summary. @return 0, or -1 on an output error. */
int rdbl_info_write_text(const rdbl_info *in, FILE *out);
int rdbl_info_write_json(const rdbl_info *in, FILE *out);

/* Which keys a command looks at: --db, --match GLOB, --type T. */
typedef struct rdbl_key_filter {
    bool has_db;
    uint64_t db;
    const char *match;   /* Redis glob over the key bytes; NULL = all */
    int type;            /* an rdbl_type, or -1 for all */
} rdbl_key_filter;

#define RDBL_KEY_FILTER_ALL {false, 0, NULL, -1}
bool rdbl_key_filter_match(const rdbl_key_filter *f, const rdbl_key_info *k);
/* Parses a type name ("string", "hash"...): the rdbl_type, or -1. */
int rdbl_type_from_name(const char *name);

/* rdbl_dump: every key with its full value as JSON Lines, one object per key,
 * streamed in file order (a value is never held whole; only a hash's field
 * TTLs are buffered to print after its fields):
 *   {"db":0,"key":"k","type":"hash","encoding":"listpack","expire_ms":null,
 *    "value":{"f":"v"},"field_expire_ms":{"f":1700000000000}}
 * Byte strings are escaped with rdbl_escape_bytes(). Values: string ->
 * string; list -> array; set -> array; zset -> [[member, score], ...] (score
 * a JSON number, or "inf"/"-inf"); hash -> object; stream -> {"entries":
 * [["ms-seq", [["f","v"], ...]], ...], "length", "last_id", "first_id",
 * "max_deleted_id", "entries_added", "groups": [{"name", "last_id",
 * "entries_read", "pel": [["ms-seq", delivery_count, delivery_ms], ...],
 * "consumers": [{"name", "seen_ms", "active_ms", "pel": ["ms-seq", ...]}]}]};
 * module -> {"module": name, "encver": N, "payload_bytes": N}. */
typedef struct rdbl_dump rdbl_dump;
rdbl_dump *rdbl_dump_new(FILE *out, const rdbl_key_filter *filter);
void rdbl_dump_free(rdbl_dump *d);
const rdbl_events *rdbl_dump_events(void);
uint64_t rdbl_dump_keys(const rdbl_dump *d);

#ifdef __cplusplus
}
#endif
#endif
