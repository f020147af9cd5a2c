/* --sha256 for info and report: the source's digest as hex text, or why
 * there is none. */
#include <stdio.h>

#include "analysis/analysis_int.h"

bool rdbl__sha256_text(rdbl_source *src, char hex[65], char *why, size_t why_cap)
{
    uint8_t d[RDBL_SHA256_SIZE];
    rdbl_error e = {0};
    hex[0] = '\0';
    if (why_cap)
        why[0] = '\0';
    if (rdbl_source_sha256(src, d, &e) != RDBL_OK) {
        snprintf(why, why_cap, "no SHA-256: %s", e.msg[0] ? e.msg : rdbl_strerror(e.code));
        return false;
    }
    for (size_t i = 0; i < RDBL_SHA256_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return true;
}
