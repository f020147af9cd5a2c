/* An event recorder for comparing parses: an rdbl_events table whose
 * handlers write every event, with all its fields, as one canonical text
 * line into a growable buffer. Two parses of the same file (whole buffer vs
 * 1-byte reads, plain vs gzip...) must give byte-identical logs; synthetic
 * tests compare selected lines with what they built.
 *
 * Line forms (items: "escaped bytes" as rdbl_escape_bytes writes them, or
 * #123 for an integer item; IDs ms-seq; offsets @N):
 *
 *   begin magic=REDIS ver=9 producer=redis future=0 comp=none
 *   aux "name"="value"            db 0            resize db=0 keys=3 expires=1
 *   slot 7638 keys=1 expires=0    modaux NAME/ENCVER when=2 bytes=12
 *   function name="" engine="" code="..."
 *   warning @OFF message
 *   end crc=ok stored=HEX computed=HEX eof=@N trailing=N
 *   key db=0 "k" type=hash enc=ziplist rdbtype=13 expire=none|MS idle=-1 freq=-1 @OFF
 *   str OFF/TOTAL ITEM            item ITEM        member ITEM
 *   zmember ITEM SCORE            field ITEM ITEM ttl=none|MS
 *   blob KIND size=N stored=N lzf=0 count=N node=ID data=CRC64HEX|none
 *   smeta v=3 nodes=1 len=2 last=ID first=ID maxdel=ID added=N groups=N
 *   sentry ID del=0 ITEM=ITEM ...
 *   sgroup "g" last=ID read=N pel=N consumers=N
 *   spel "g" ID delivered=MS count=N
 *   sconsumer "g" "c" seen=MS active=MS pel=N
 *   scpel "g" "c" ID
 *   module "name" encver=N bytes=N
 *   endkey "k" n=N bytes=N vbytes=N largest=N fttl=N fmin=MS blobs=N exact=1
 *
 * Every value event also checks that its key argument is the key of the
 * surrounding on_begin_key (else a line "!key mismatch" is logged). */
#ifndef RDBL_TEST_EVLOG_H
#define RDBL_TEST_EVLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rdblens/parser.h"

enum {
    EVLOG_NO_COMP = 1u << 0,    /* begin line without comp= (compressed copies) */
    EVLOG_BRIEF_KEYS = 1u << 1, /* endkey lines: db, key, type, encoding, expire only */
};

typedef struct evlog {
    char *buf;            /* the lines, NUL-terminated */
    size_t len, cap;
    unsigned opts;        /* EVLOG_* */
    unsigned long events; /* handler calls so far */
    unsigned long keys;   /* on_end_key calls */
    unsigned long warnings;
    /* Behaviour knobs for tests: */
    unsigned long ret_at; /* when events reaches this (1-based), return ret_val */
    int ret_val;
    bool skip_keys;       /* on_begin_key returns RDBL_SKIP */
    /* the current key (copied at on_begin_key or first value event) */
    uint8_t *key;
    size_t keylen, keycap;
} evlog;

void evlog_init(evlog *l, unsigned opts);
void evlog_free(evlog *l);
void evlog_reset(evlog *l);

/* Every handler set. */
const rdbl_events *evlog_events(void);
/* Only on_end_key (plus on_begin, on_end): for "handlers NULL" parses. */
const rdbl_events *evlog_events_keys(void);

/* Appends a line of the test's own (a newline is added). */
void evlog_printf(evlog *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The lines starting with prefix followed by a space, newly allocated
 * (free()); "" when none. */
char *evlog_grep(const evlog *l, const char *prefix);
/* Number of such lines. */
size_t evlog_count(const evlog *l, const char *prefix);
/* Whether some line contains needle. */
bool evlog_contains(const evlog *l, const char *needle);

/* Parses n bytes at p through a memory source into l with ev (NULL:
 * evlog_events()). flags: RDBL_PARSE_*. err may be NULL. */
rdbl_status evlog_parse_mem(evlog *l, const void *p, size_t n, const rdbl_events *ev,
                            unsigned flags, rdbl_error *err);

/* Formats an error as "CODE @offset where=... key=... msg" into a static
 * buffer (for assertion messages). */
const char *evlog_err_text(const rdbl_error *e);

/* ---- test inputs ---- */

/* The paths of the regular files under dir (recursively) whose names end in
 * suffix, sorted bytewise; a NULL-terminated array (evlog_free_list). *n
 * (may be NULL) gets the count. NULL when dir cannot be opened. */
char **evlog_list_files(const char *dir, const char *suffix, size_t *n);
void evlog_free_list(char **list);

#endif
