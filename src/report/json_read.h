/* Streaming reader of JSON reports (src/report/json_read.c). */
#ifndef RDBL_REPORT_JSON_READ_H
#define RDBL_REPORT_JSON_READ_H

#include <stdio.h>

#include "agg/agg_internal.h"

/* Adds the report read from f into a, the prefix tree and the expiry
 * minutes as they are read (see the file's header). name is for messages.
 * @return RDBL_OK, RDBL_CORRUPT (bad JSON or not a report: err says where),
 *         RDBL_IO, or RDBL_NOMEM. */
rdbl_status rdbl__report_stream_add(rdbl_agg *a, FILE *f, const char *name, rdbl_error *err);
/* Reads a report only up to its "options" member. *options gets a new
 * reference (NULL when the report has none). */
rdbl_status rdbl__report_stream_options(FILE *f, const char *name, json_t **options,
                                        rdbl_error *err);

#endif
