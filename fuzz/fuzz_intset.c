/* libFuzzer target for the intset decoder: validate, and when accepted,
 * iterate and check count, lengths and the strict ordering. The input is
 * tried as is and with its length field patched to fit the input size. */
#include <stdlib.h>
#include <string.h>

#include "parser/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *is, size_t len)
{
    rdbl__blob_info info;
    rdbl__berr e;
    if (rdbl__is_validate(is, len, &info, &e) != RDBL_OK) {
        if (len > 0 && e.offset >= len)
            abort();
        return;
    }
    rdbl__is_iter it;
    rdbl__is_iter_init(&it, is, len);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    int64_t prev = 0;
    while (rdbl__is_next(&it, &item)) {
        if (!item.is_int || item.ptr != NULL || item.len != rdbl_i64_textlen(item.ival))
            abort();
        if (n > 0 && item.ival <= prev)
            abort();
        prev = item.ival;
        n++;
        bytes += item.len;
        if (item.len > largest)
            largest = item.len;
    }
    if (n != info.count || bytes != info.value_bytes || largest != info.largest)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check(data, size);
    if (size >= 8) {
        uint8_t *c = malloc(size);
        if (!c)
            return 0;
        memcpy(c, data, size);
        uint32_t w = (uint32_t[]){2, 4, 8}[data[0] % 3];
        uint64_t n = (size - 8) / w;
        memset(c, 0, 8);
        c[0] = (uint8_t)w;
        for (int i = 0; i < 4; i++)
            c[4 + i] = (uint8_t)(n >> (8 * i));
        check(c, 8 + (size_t)n * w);
        free(c);
    }
    return 0;
}
