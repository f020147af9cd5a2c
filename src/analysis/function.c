/* Function library names, from the record or from the code's shebang. */
#include <string.h>

#include "analysis/analysis_int.h"

void rdbl__function_names(rdbl_str code, rdbl_str name, rdbl_str engine, char *name_out,
                          size_t name_cap, char *engine_out, size_t engine_cap)
{
    name_out[0] = '\0';
    engine_out[0] = '\0';
    if (name.len) {
        rdbl_escape_bytes(name_out, name_cap, name.ptr, name.len);
        rdbl_escape_bytes(engine_out, engine_cap, engine.ptr, engine.len);
        return;
    }
    if (code.len < 3 || code.ptr[0] != '#' || code.ptr[1] != '!')
        return;
    size_t i = 2, j = 2;
    while (j < code.len && code.ptr[j] != ' ' && code.ptr[j] != '\n' && code.ptr[j] != '\r')
        j++;
    rdbl_escape_bytes(engine_out, engine_cap, code.ptr + i, j - i);
    for (; j + 5 <= code.len && code.ptr[j] != '\n'; j++) {
        if (memcmp(code.ptr + j, "name=", 5) == 0) {
            size_t s = j + 5, e = s;
            while (e < code.len && code.ptr[e] != ' ' && code.ptr[e] != '\n' &&
                   code.ptr[e] != '\r')
                e++;
            rdbl_escape_bytes(name_out, name_cap, code.ptr + s, e - s);
            return;
        }
    }
}
