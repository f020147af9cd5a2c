/* Module values (types 6, 7) and the opcode-tagged data shared by type-7
 * values, MODULE_AUX and KEY_META (§8, §10.1):
 *
 *   module id (len) ( subop (len) payload )* 0
 *   subop: 1 SINT (len), 2 UINT (len), 3 FLOAT (4 B), 4 DOUBLE (8 B), 5 STRING
 *
 * The tags make every value skippable without the module that wrote it. */
#include <inttypes.h>

#include "parser/reader.h"

rdbl_status rdbl__p_module_tagged(rdbl__p *P)
{
    for (;;) {
        uint64_t at = rdbl__p_offset(P);
        uint64_t op, v;
        RDBL__TRY(rdbl__p_len(P, &op));
        switch (op) {
        case 0:
            return RDBL_OK;
        case 1:
        case 2:
            RDBL__TRY(rdbl__p_len(P, &v));
            break;
        case 3:
            RDBL__TRY(rdbl__p_skip(P, 4));
            break;
        case 4:
            RDBL__TRY(rdbl__p_skip(P, 8));
            break;
        case 5: {
            rdbl__pitem s;
            RDBL__TRY(rdbl__p_str(P, &s, 0, RDBL__STR_LEN));
            break;
        }
        default:
            return rdbl__p_fail(P, RDBL_CORRUPT, at,
                                "unknown module data opcode %" PRIu64 " (expected 0-5)", op);
        }
    }
}

rdbl_status rdbl__p_module_value(rdbl__p *P, bool tagged, rdbl_str *name, int *encver,
                                 uint64_t *payload)
{
    uint64_t at = rdbl__p_offset(P);
    uint64_t id;
    RDBL__TRY(rdbl__p_len(P, &id));
    char local[10];
    rdbl_module_id_decode(id, local, encver);
    if (!tagged)
        return rdbl__p_fail(P, RDBL_UNSUPPORTED, at,
                            "module value of type 6 (Redis 4.0 RC, module %s) has no "
                            "tags and cannot be skipped without the module",
                            local);
    uint64_t start = rdbl__p_offset(P);
    RDBL__TRY(rdbl__p_module_tagged(P));
    *payload = rdbl__p_offset(P) - start;
    /* The name must outlive this function: keep it in the parser's name buffer. */
    if (rdbl__buf_reserve(&P->names[0], 10) != 0)
        return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    memcpy(P->names[0].p, local, 10);
    *name = (rdbl_str){P->names[0].p, 9};
    return RDBL_OK;
}
