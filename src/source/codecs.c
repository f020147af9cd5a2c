/* Which decompressors this build links, and their run-time versions (for
 * `rdblens --version` and bug reports: a distribution may ship a zlib or
 * libzstd other than the one the binary was compiled against). */
#include <lz4.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>

#include "rdblens/source.h"

size_t rdbl_source_describe_codecs(char *buf, size_t cap)
{
    int n = snprintf(buf, cap,
                     "gzip (zlib %s), lz4 frames and Valkey VKCS (liblz4 %s), zstd (libzstd %s)",
                     zlibVersion(), LZ4_versionString(), ZSTD_versionString());
    return n < 0 ? 0 : (size_t)n;
}
