/* libFuzzer target for the listpack decoder: validate, and when the blob is
 * accepted, iterate every entry and check that the walk agrees with what
 * validate reported (count, lengths, entries inside the blob). The input is
 * tried as is and with total_bytes patched to the input size, so the fuzzer
 * reaches the entry walk without first guessing the header. */
#include <stdlib.h>
#include <string.h>

#include "parser/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *lp, size_t len)
{
    rdbl__blob_info info;
    rdbl__berr e;
    if (rdbl__lp_validate(lp, len, &info, &e) != RDBL_OK) {
        if (len > 0 && e.offset >= len)
            abort(); /* error offsets must point into the blob */
        return;
    }
    (void)rdbl__lp_header_count(lp, len);
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, lp, len);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    while (rdbl__lp_next(&it, &item)) {
        if (item.is_int) {
            if (item.ptr != NULL || item.len != rdbl_i64_textlen(item.ival))
                abort();
        } else if (item.ptr < lp + 6 || item.len > (size_t)(lp + len - 1 - item.ptr)) {
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
    if (size >= 7 && size <= UINT32_MAX) {
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
