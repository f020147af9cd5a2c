/* libFuzzer target for the ziplist decoder: validate, and when the blob is
 * accepted, iterate every entry and check that the walk agrees with what
 * validate reported. The input is tried as is and with zlbytes patched to
 * the input size, so the fuzzer reaches the entry walk sooner. */
#include <stdlib.h>
#include <string.h>

#include "parser/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *zl, size_t len)
{
    rdbl__blob_info info;
    rdbl__berr e;
    if (rdbl__zl_validate(zl, len, &info, &e) != RDBL_OK) {
        if (len > 0 && e.offset >= len)
            abort(); /* error offsets must point into the blob */
        return;
    }
    rdbl__zl_iter it;
    rdbl__zl_iter_init(&it, zl, len);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    while (rdbl__zl_next(&it, &item)) {
        if (item.is_int) {
            if (item.ptr != NULL || item.len != rdbl_i64_textlen(item.ival))
                abort();
        } else if (item.ptr < zl + 10 || item.len > (size_t)(zl + len - 1 - item.ptr)) {
            abort();
        }
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
    if (size >= 11 && size <= UINT32_MAX) {
        uint8_t *c = malloc(size);
        if (!c)
            return 0;
        memcpy(c, data, size);
        c[0] = (uint8_t)size;
        c[1] = (uint8_t)(size >> 8);
        c[2] = (uint8_t)(size >> 16);
        c[3] = (uint8_t)(size >> 24);
        check(c, size);
        free(c);
    }
    return 0;
}
