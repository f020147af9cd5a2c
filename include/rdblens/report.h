/* rdblens: reports over an aggregate (agg.h).
 *
 *   rdbl_agg ──▶ text  (src/report/text.c)   terminals, 100 columns, human units
 *            ├─▶ JSON  (src/report/json.c)   "rdblens.report/1", machine units, deterministic;
 *            │                               read back and merged by `rdblens merge`
 *            ├─▶ HTML  (src/report/html.c)   one self-contained page: treemap, tables, charts
 *            └─▶ CSV   (src/report/csv.c)    the prefix table, RFC 4180
 *
 * Shared helpers (src/report/escape.c): the key escaping every output uses,
 * and RFC 4180 CSV fields, for the CLI's per-key writers too.
 *
 * All writers take a FILE* they do not close, and return RDBL_OK, RDBL_IO
 * (a write failed; err says so) or RDBL_NOMEM. */
#ifndef RDBLENS_REPORT_H
#define RDBLENS_REPORT_H

#include <stdio.h>

#include "rdblens/agg.h"
#include "rdblens/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RDBL_REPORT_SCHEMA "rdblens.report/1"

/* Key escaping: rdbl_escape_bytes() and its inverse rdbl_unescape_key()
 * (common.h) are the one rule every output uses. */

/* Writes one CSV field (RFC 4180): as is, unless it holds a comma, a double
 * quote, CR or LF, or starts or ends with a space; then quoted, with double
 * quotes doubled. @return 0, or -1 when the write failed. */
int rdbl_csv_write_field(FILE *f, const char *s, size_t len);
/* A key as a CSV field: rdbl_escape_bytes, then rdbl_csv_write_field. */
int rdbl_csv_write_key(FILE *f, const uint8_t *p, size_t len);

/* Human units: "512 B", "1.5 KiB", "12.3 MiB", "1.23 GiB" (3 significant
 * digits, binary units). Writes at most cap bytes with a NUL. @return buf. */
char *rdbl_fmt_bytes(char *buf, size_t cap, uint64_t bytes);
/* "1,234,567". @return buf. */
char *rdbl_fmt_count(char *buf, size_t cap, uint64_t n);
/* A duration in ms: "45 s", "12 min", "3.5 h", "2.1 d"; negative: "-" first. */
char *rdbl_fmt_duration_ms(char *buf, size_t cap, int64_t ms);
/* Unix ms as "2024-05-01 12:00 UTC" (with seconds when sec is true). */
char *rdbl_fmt_time_ms(char *buf, size_t cap, int64_t ms, bool sec);

/* A time relative to the snapshot: "in 12 min", "5 min before the save",
 * "within a minute of the save" (never a signed duration). @return buf. */
char *rdbl_fmt_when_ms(char *buf, size_t cap, int64_t delta_ms);
/* s cut to at most max bytes at a word boundary, ending in an ellipsis when
 * cut (a single long word is cut at a UTF-8 boundary). @return buf. */
char *rdbl_fmt_clip(char *buf, size_t cap, const char *s, size_t max);

/* ---------------------------------------------------------------------------
 * Advice in words (src/report/advice_text.c): the title and detail of an
 * advice item (agg.h), the same sentences in every format. */
typedef struct rdbl_advice_words {
    char title[200];              /* one line, at most ~150 bytes before the prefix/config */
    char detail[1400];            /* the evidence, why, and what to do */
} rdbl_advice_words;

void rdbl_advice_words_of(const rdbl_advice_item *it, rdbl_advice_words *out);

/* ---------------------------------------------------------------------------
 * Reports */
typedef struct rdbl_report_opts {
    unsigned width;           /* text: columns [100], at least 80 */
    size_t top;               /* text/HTML: rows per list [10 text, 100 HTML] */
    unsigned json_indent;     /* JSON: spaces of indentation; 0 = compact (one line) */
    const char *title;        /* HTML page title [the file name] */
} rdbl_report_opts;

rdbl_status rdbl_report_text(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err);
rdbl_status rdbl_report_json(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err);
rdbl_status rdbl_report_html(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err);
/* One row per prefix tree node, parents before children:
 * prefix,depth,keys,memory_bytes,rdb_bytes,elements,keys_with_ttl,memory_without_ttl_bytes */
rdbl_status rdbl_report_csv_prefixes(FILE *out, const rdbl_agg *a, rdbl_error *err);

/* The JSON report as a jansson object (new reference; NULL when out of memory). */
struct json_t *rdbl_report_json_object(const rdbl_agg *a);

/* Reads one JSON report (schema rdblens.report/1) and adds it into a: its
 * counts, histograms, top lists and prefix tree are merged exactly, its files
 * appended. path "-" is standard input.
 * @return RDBL_OK; RDBL_IO; RDBL_CORRUPT (not JSON, another schema, a bad
 *         member: err names it); RDBL_NOMEM. */
rdbl_status rdbl_report_json_load(rdbl_agg *a, const char *path, rdbl_error *err);
/* The same from memory. */
rdbl_status rdbl_report_json_load_mem(rdbl_agg *a, const char *buf, size_t len,
                                      rdbl_error *err);

/* `rdblens merge`: reads n JSON reports and makes the aggregate of all of
 * them (options: those of the first report unless opts is given).
 * OUT: *out, owned by the caller (rdbl_agg_free). */
rdbl_status rdbl_report_merge(rdbl_agg **out, const char *const *paths, size_t n,
                              const rdbl_agg_opts *opts, rdbl_error *err);

#ifdef __cplusplus
}
#endif
#endif
