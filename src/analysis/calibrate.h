/* `--allocator auto` for the analysis pipeline (see calibrate.c). */
#ifndef RDBL_ANALYSIS_CALIBRATE_H
#define RDBL_ANALYSIS_CALIBRATE_H

#include "rdblens/memmodel.h"
#include "rdblens/source.h"

typedef struct rdbl__calib {
    bool done;                               /* the pre-pass priced something */
    rdbl_mem_calibration cal;                /* scaled to the whole file */
    rdbl_mem_totals pre[RDBL_ALLOC__COUNT];  /* as priced on the prefix */
} rdbl__calib;

/* Prices a prefix of the file at path (which must be the file main_src
 * reads) under every allocator with cfg's other settings.
 * @return true with c filled; false with why saying why not. */
bool rdbl__calibrate_prepass(rdbl__calib *c, const char *path, const rdbl_source *main_src,
                             const rdbl_mem_config *cfg, bool threaded, char *why,
                             size_t why_cap);

/* After the analysing pass (full: its totals): when the pre-pass saw only a
 * prefix, decides again with the whole file's figures and rewrites
 * cfg->allocator_reason (the allocator itself stays: the keys are priced). */
void rdbl__calibrate_recheck(const rdbl__calib *c, rdbl_mem_config *cfg,
                             const rdbl_mem_totals *full);

#endif
