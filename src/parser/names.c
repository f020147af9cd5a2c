/* Names of the public enums, and the module type id decoder (§8.1). */
#include "internal.h"
#include "rdblens/parser.h"

const char *rdbl_type_name(rdbl_type t)
{
    static const char *const names[] = {
#define RDBL__T(name, text) text,
        RDBL_TYPE_LIST(RDBL__T)
#undef RDBL__T
    };
    return (unsigned)t < RDBL_TYPE__COUNT ? names[t] : "unknown";
}

const char *rdbl_encoding_name(rdbl_encoding e)
{
    static const char *const names[] = {
#define RDBL__E(name, text) text,
        RDBL_ENCODING_LIST(RDBL__E)
#undef RDBL__E
    };
    return (unsigned)e < RDBL_ENC__COUNT ? names[e] : "unknown";
}

const char *rdbl_checksum_status_name(rdbl_checksum_status s)
{
    switch (s) {
    case RDBL_CHECKSUM_OK:
        return "ok";
    case RDBL_CHECKSUM_MISMATCH:
        return "mismatch";
    case RDBL_CHECKSUM_DISABLED:
        return "disabled";
    case RDBL_CHECKSUM_ABSENT:
        return "absent";
    case RDBL_CHECKSUM_NOT_CHECKED:
        return "not-checked";
    }
    return "unknown";
}

void rdbl_module_id_decode(uint64_t id, char name[10], int *encver)
{
    static const char charset[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < 9; i++)
        name[i] = charset[(id >> (58 - 6 * i)) & 63];
    name[9] = '\0';
    if (encver)
        *encver = (int)(id & 1023);
}
