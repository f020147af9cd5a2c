/* The info collector's state, shared by the collector and its writers. */
#ifndef RDBL_ANALYSIS_INFO_INT_H
#define RDBL_ANALYSIS_INFO_INT_H

#include <stdio.h>

#include "internal.h"
#include "rdblens/analysis.h"

#define RDBL__INFO_MAX_AUX 256
#define RDBL__INFO_MAX_DBS 1024
#define RDBL__INFO_MAX_MODULES 64
#define RDBL__INFO_MAX_FUNCTIONS 256
#define RDBL__INFO_MAX_WARNINGS 100
#define RDBL__INFO_MAX_HOLES 100

typedef struct rdbl__info_aux {
    char *name, *value;          /* NUL-terminated copies (values capped at 4 KiB) */
    size_t name_len, value_len, value_full_len;
} rdbl__info_aux;

typedef struct rdbl__info_db {
    uint64_t db, keys, expires, rdb_bytes, hint_keys, hint_expires;
    bool has_hint, selected;
} rdbl__info_db;

typedef struct rdbl__info_enc {
    uint64_t keys, rdb_bytes, elements, max_rdb_bytes;
} rdbl__info_enc;

typedef struct rdbl__info_module {
    char name[10];
    int encver;
    uint64_t keys, aux_records, bytes;
} rdbl__info_module;

typedef struct rdbl__info_function {
    char name[64], engine[16];
    uint64_t code_bytes;
} rdbl__info_function;

typedef struct rdbl__info_warning {
    uint64_t offset;
    char msg[200];
} rdbl__info_warning;

typedef struct rdbl__info_hole {
    uint64_t start, end, db;
    bool key_damaged, to_end, has_last_key;
    char last_key[64];           /* escaped */
    char cause[320];             /* "CORRUPT (phase): message" */
} rdbl__info_hole;

struct rdbl_info {
    bool have_header, have_end;
    rdbl_file_info fi;
    rdbl_end_info end;
    rdbl__info_aux *aux;
    size_t naux, aux_cap;
    uint64_t aux_total;
    rdbl__info_db *dbs, dbs_overflow;
    size_t ndbs, dbs_cap;
    rdbl__info_enc by_enc[RDBL_TYPE__COUNT][RDBL_ENC__COUNT];
    rdbl__info_module *modules;
    size_t nmodules, modules_cap;
    rdbl__info_function *functions;
    size_t nfunctions, functions_cap;
    uint64_t functions_total;
    rdbl__info_warning *warnings;
    size_t nwarnings, warnings_cap;
    uint64_t warnings_total;
    rdbl__info_hole *holes;      /* --salvage: the first RDBL__INFO_MAX_HOLES */
    size_t nholes, holes_cap;
    uint64_t holes_total, hole_bytes, damaged_keys;
    uint64_t keys, expires, with_idle, with_freq, fields_with_ttl, slot_infos;
    uint64_t largest_rdb_bytes, largest_db;
    rdbl_type largest_type;
    char largest_key[64];
    /* outcome */
    rdbl_status status;
    rdbl_error err;
    double seconds;
    char path[512];
    uint64_t input_size, input_read, decoded_bytes;
    rdbl_compression compression;
    char aof_base[512];          /* the input was an AOF directory: its base, else "" */
    /* and its incremental command files after the base (counted, not read
     * into the summary): how many, their bytes and RESP commands */
    uint64_t aof_incr_files, aof_incr_bytes, aof_incr_commands;
    bool aof_incr_whole;
    char aof_incr_error[200];
    bool sha256_asked;           /* --sha256 */
    char sha256[65];             /* hex, "" when none */
    char sha256_why[200];        /* why there is none */
};

#endif
