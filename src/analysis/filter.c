/* Key filters shared by the commands that select keys (--db, --match, --type). */
#include <string.h>

#include "rdblens/analysis.h"

bool rdbl_key_filter_match(const rdbl_key_filter *f, const rdbl_key_info *k)
{
    if (!f)
        return true;
    if (f->has_db && k->db != f->db)
        return false;
    if (f->type >= 0 && (int)k->type != f->type)
        return false;
    if (f->match && !rdbl_glob_match((const uint8_t *)f->match, strlen(f->match), k->key.ptr,
                                     k->key.len))
        return false;
    return true;
}

int rdbl_type_from_name(const char *name)
{
    for (int t = 0; t < RDBL_TYPE__COUNT; t++)
        if (strcmp(rdbl_type_name((rdbl_type)t), name) == 0)
            return t;
    return -1;
}
