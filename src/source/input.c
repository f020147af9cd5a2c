/* Raw input backends: a descriptor (file, pipe, stdin), a caller's read
 * function, or memory (the caller's buffer, or a mapping of a plain file).
 *
 *   buf: [ consumed | unread p[pos..len) | free ]   (FD/READER)
 *         ^ raw offset in->base
 *
 * Decoders consume p[pos..len); rdbl__input_more() slides the unread tail to
 * the front and reads once; rdbl__input_peek() reads until a frame magic is
 * contiguous. Memory inputs hold everything from the start (eof is set). */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/source_int.h"

rdbl_status rdbl__input_read(rdbl__input *in, uint8_t *dst, size_t cap, size_t *got,
                             rdbl_error *err, uint64_t out_off)
{
    *got = 0;
    if (in->kind == RDBL__IN_MEM || in->eof || cap == 0) {
        if (in->kind == RDBL__IN_MEM)
            in->eof = true;
        return RDBL_OK;
    }
    if (cap > in->read_size)
        cap = in->read_size;
    for (;;) {
        long r;
        if (in->kind == RDBL__IN_FD) {
            ssize_t sr = read(in->fd, dst, cap);
            r = (long)sr;
        } else {
            errno = 0;
            r = in->fn(in->user, dst, cap);
        }
        if (r > 0) {
            /* a reader claiming more than it was given is a bug on its side: clamp */
            *got = (size_t)r <= cap ? (size_t)r : cap;
            if (in->sha)
                rdbl__sha_update(in->sha, dst, *got);
            return RDBL_OK;
        }
        if (r == 0) {
            in->eof = true;
            return RDBL_OK;
        }
        int e = errno;
        if (in->kind == RDBL__IN_FD && e == EINTR)
            continue;
        if (in->kind == RDBL__IN_FD && (e == EAGAIN || e == EWOULDBLOCK)) {
            /* a non-blocking descriptor (stdin set O_NONBLOCK by a shell): wait for it */
            struct pollfd pfd = {.fd = in->fd, .events = POLLIN};
            if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
                continue;
            e = errno;
        }
        char name[80];
        rdbl__escape(name, sizeof name, (const uint8_t *)in->name, strlen(in->name));
        return rdbl__fail(err, RDBL_IO, out_off, "input",
                          "read error on %s after %" PRIu64 " bytes: %s", name,
                          in->base + in->len, e ? strerror(e) : "the reader failed");
    }
}

rdbl_status rdbl__input_more(rdbl__input *in, rdbl_error *err, uint64_t out_off)
{
    if (in->kind == RDBL__IN_MEM || in->eof) {
        in->eof = true;
        return RDBL_OK;
    }
    if (in->pos > 0) {
        size_t rest = in->len - in->pos;
        if (rest)
            memmove(in->buf, in->buf + in->pos, rest);
        in->base += in->pos;
        in->len = rest;
        in->pos = 0;
    }
    size_t got;
    rdbl_status st = rdbl__input_read(in, in->buf + in->len, in->cap - in->len, &got, err,
                                      out_off);
    in->len += got;
    return st;
}

rdbl_status rdbl__input_peek(rdbl__input *in, size_t k, rdbl_error *err, uint64_t out_off)
{
    if (NEVER(k > RDBL__INBUF_MIN))
        k = RDBL__INBUF_MIN;
    while (in->len - in->pos < k && !in->eof) {
        rdbl_status st = rdbl__input_more(in, err, out_off);
        if (st != RDBL_OK)
            return st;
    }
    return RDBL_OK;
}

void rdbl__input_release(rdbl__input *in)
{
    free(in->buf);
    in->buf = NULL;
    in->cap = 0;
}
