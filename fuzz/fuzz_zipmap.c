/* libFuzzer target for the zipmap decoder: validate, and when accepted,
 * iterate and check that fields and values pair up and agree with what
 * validate reported. */
#include <stdlib.h>
#include <string.h>

#include "parser/blob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rdbl__blob_info info;
    rdbl__berr e;
    if (rdbl__zm_validate(data, size, &info, &e) != RDBL_OK) {
        if (size > 0 && e.offset >= size)
            abort();
        return 0;
    }
    rdbl__zm_iter it;
    rdbl__zm_iter_init(&it, data, size);
    rdbl_item item;
    uint64_t n = 0, bytes = 0, largest = 0;
    while (rdbl__zm_next(&it, &item)) {
        if (item.is_int || item.ptr < data + 1 ||
            item.len > (size_t)(data + size - 1 - item.ptr))
            abort();
        n++;
        bytes += item.len;
        if (item.len > largest)
            largest = item.len;
    }
    if (n != info.count || n % 2 != 0 || n == 0 || bytes != info.value_bytes ||
        largest != info.largest)
        abort();
    return 0;
}
