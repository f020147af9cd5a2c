/* --salvage: each hole the parser skipped, one stderr line. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

void cli_hole_print(void *user, const rdbl_hole *h)
{
    const cli_holes *c = user;
    char key[96] = "", cause[1200] = "";
    if (h->has_last_key && c->red) {
        uint8_t *r = malloc(h->last_key.len ? h->last_key.len : 1);
        if (r)
            rdbl_redact_key(c->red, h->last_key.ptr, h->last_key.len, r);
        rdbl_escape_bytes(key, sizeof key, r ? r : (const uint8_t *)"?", r ? h->last_key.len : 1);
        free(r);
    } else if (h->has_last_key) {
        rdbl_escape_bytes(key, sizeof key, h->last_key.ptr, h->last_key.len);
    }
    rdbl_error ce;
    if (h->cause && c->red) { /* the cause names the damaged key */
        ce = *h->cause;
        rdbl_redact_error(c->red, &ce);
    }
    const rdbl_error *cz = h->cause && c->red ? &ce : h->cause;
    if (cz)
        cli_format_error(cause, sizeof cause, NULL, cz, NULL);
    fprintf(stderr,
            "rdblens %s: %s: hole at offsets %" PRIu64 "-%" PRIu64 " (%" PRIu64
            " bytes skipped%s), db %" PRIu64 "%s%s%s%s; %s\n",
            c->cmd, c->path, h->start, h->end, h->end - h->start,
            h->to_end ? ", to the end of the input" : "", h->db,
            h->has_last_key ? ", after key \"" : "", key, h->has_last_key ? "\"" : "",
            h->key_damaged ? ", key at its start kept damaged" : "", cause);
}
