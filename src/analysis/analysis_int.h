/* Helpers shared by the files of src/analysis/. */
#ifndef RDBL_ANALYSIS_INT_H
#define RDBL_ANALYSIS_INT_H

#include "rdblens/analysis.h"

/* A function library's name and engine: given directly by FUNCTION_PRE_GA
 * records, or read from the "#!<engine> name=<lib>" shebang of FUNCTION2
 * code. Writes NUL-terminated, escaped strings (empty when unknown). */
void rdbl__function_names(rdbl_str code, rdbl_str name, rdbl_str engine, char *name_out,
                          size_t name_cap, char *engine_out, size_t engine_cap);

#endif
