/* Byte sources: opening, format detection, the need()/consume() window and
 * its offsets.
 *
 *   own window:  buf [ consumed | view[pos..end): unconsumed | free ]  cap
 *   borrowed:    view = caller's memory, the file's mapping, or a chunk of
 *                the producer thread; need() then returns pointers into it
 *
 * Modes:
 *   SEG     plain input already in memory (open_mem, mmap of a plain file):
 *           one borrowed view over everything, zero copies.
 *   READ    plain input from a descriptor or a reader: read() straight into
 *           the window.
 *   DECODE  compressed input: the decoder writes straight into the window.
 *   THREAD  compressed input decoded by rdbl__thread: whole chunks are
 *           borrowed; only a record that straddles two chunks is copied.
 *
 * The window only grows when it is full of real bytes and still short of
 * need(n), by doubling, so a bogus n costs at most about twice the bytes that
 * really arrived. Errors met while filling are kept and reported only once
 * the bytes produced before them are used up (as gzip -d writes everything
 * up to the damage). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source_int.h"

typedef enum rdbl__mode {
    RDBL__SEG,
    RDBL__READ,
    RDBL__DECODE,
    RDBL__THREAD,
} rdbl__mode;

/* Mapped plain files: give pages behind the consumer back every so often so
 * the resident size stays bounded (they stay in the page cache). */
#define RDBL__TRIM_STEP ((size_t)4 << 20)

struct rdbl_source {
    /* the hot part: unconsumed bytes are view[pos..end) */
    const uint8_t *view;
    size_t pos, end;
    uint64_t offset;   /* decompressed offset of view[pos] */
    rdbl_status dead;  /* not OK: every call repeats this error */
    size_t trim_at;    /* SEG over a mapping: pos at which to trim, else SIZE_MAX */

    rdbl__mode mode;
    rdbl_compression comp;
    size_t read_size;

    char *aof_base; /* the input was an AOF directory: the base read (malloc'd) */
    char **aof_incr; /* and the incremental files after it (not read) */
    size_t aof_nincr;
    uint8_t *buf; /* own window storage (READ, DECODE, THREAD) */
    size_t cap;

    /* once the input has nothing more to give */
    bool at_end;
    rdbl_status end_status; /* RDBL_TRUNCATED, or the failure that stopped the input */
    rdbl_error end_err;     /* its message; code RDBL_OK for a clean end */

    rdbl__input in;
    rdbl__dec *dec;
    rdbl__thread *th;
    /* THREAD: the chunk held from the producer, and how much of it went into view */
    const uint8_t *seg;
    size_t seg_len, seg_used;
    bool seg_held, borrowed;

    void *map; /* mapping of a plain regular file (SEG) */
    size_t map_len;
    const uint8_t *trim_done; /* mapping pages below this were given back */

    int fd;
    bool own_fd;
    uint64_t input_size;
    char *name;

    /* --sha256: the context is in.sha; SEG inputs are hashed up to sha_seg
     * every RDBL__TRIM_STEP consumed (trim_step), the rest at the end */
    size_t sha_seg;
    bool sha_done;
    rdbl_status sha_st;
    rdbl_error sha_err;
    uint8_t sha_out[RDBL_SHA256_SIZE];
};

static const uint8_t empty_view[1];

const char *rdbl_compression_name(rdbl_compression c)
{
    switch (c) {
#define RDBL__C(name, value, text) \
    case RDBL_COMP_##name:         \
        return text;
        RDBL_COMPRESSION_LIST(RDBL__C)
#undef RDBL__C
    }
    return "unknown";
}

/* ---- decoders ---------------------------------------------------------- */

rdbl_status rdbl__dec_new(rdbl__dec **out, rdbl_compression kind, rdbl_error *err)
{
    rdbl__dec *d = calloc(1, sizeof *d);
    if (!d)
        return rdbl__fail(err, RDBL_NOMEM, 0, "source", "out of memory for a decoder");
    d->kind = kind;
    rdbl_status st;
    switch (kind) {
    case RDBL_COMP_GZIP:
        st = rdbl__gzip_new(d, err);
        break;
    case RDBL_COMP_VKCS:
        d->single_frame = true;
        st = rdbl__lz4_new(d, err);
        break;
    case RDBL_COMP_LZ4:
        st = rdbl__lz4_new(d, err);
        break;
    case RDBL_COMP_ZSTD:
        st = rdbl__zstd_new(d, err);
        break;
    case RDBL_COMP_NONE: /* plain bytes passed through (copy_step) */
        st = RDBL_OK;
        break;
    default:
        st = rdbl__fail(err, RDBL_USAGE, 0, "source", "no decoder for compression %d",
                        (int)kind);
        break;
    }
    if (st != RDBL_OK) {
        free(d);
        return st;
    }
    *out = d;
    return RDBL_OK;
}

void rdbl__dec_free(rdbl__dec *d)
{
    if (!d)
        return;
    switch (d->kind) {
    case RDBL_COMP_GZIP:
        rdbl__gzip_free(d);
        break;
    case RDBL_COMP_LZ4:
    case RDBL_COMP_VKCS:
        rdbl__lz4_free(d);
        break;
    case RDBL_COMP_ZSTD:
        rdbl__zstd_free(d);
        break;
    case RDBL_COMP_NONE:
        break;
    }
    free(d);
}

/* The "decoder" of plain input: the bytes peeked at open first, then read()
 * straight into dst, so a producer thread can read a plain file too. */
static rdbl_status copy_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                             size_t *got, rdbl_error *err)
{
    size_t rest = in->len - in->pos;
    if (rest) {
        size_t n = rest < cap ? rest : cap;
        memcpy(dst, in->p + in->pos, n);
        in->pos += n;
        *got = n;
    } else {
        rdbl_status st = rdbl__input_read(in, dst, cap, got, err, d->out_total);
        in->base += *got; /* in->p stays fully consumed: the offset moves on */
        if (st != RDBL_OK)
            return st;
        if (in->eof)
            d->done = true;
    }
    d->out_total += *got;
    return RDBL_OK;
}

rdbl_status rdbl__dec_step(rdbl__dec *d, rdbl__input *in, uint8_t *dst, size_t cap,
                           size_t *got, rdbl_error *err)
{
    *got = 0;
    if (d->done || NEVER(cap == 0))
        return RDBL_OK;
    switch (d->kind) {
    case RDBL_COMP_GZIP:
        return rdbl__gzip_step(d, in, dst, cap, got, err);
    case RDBL_COMP_LZ4:
    case RDBL_COMP_VKCS:
        return rdbl__lz4_step(d, in, dst, cap, got, err);
    case RDBL_COMP_ZSTD:
        return rdbl__zstd_step(d, in, dst, cap, got, err);
    case RDBL_COMP_NONE:
        return copy_step(d, in, dst, cap, got, err);
    }
    d->done = true;
    return RDBL_OK;
}

/* ---- opening ------------------------------------------------------------ */

static rdbl_compression detect(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return RDBL_COMP_GZIP;
    if (n >= 4 && memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
        return RDBL_COMP_LZ4;
    if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        return RDBL_COMP_ZSTD;
    if (n >= 4 && memcmp(p, "VKCS", 4) == 0)
        return RDBL_COMP_VKCS;
    /* REDIS/VALKEY, and anything else: passed through for the parser to judge */
    return RDBL_COMP_NONE;
}

static size_t clamp_read_size(const rdbl_source_opts *opts)
{
    size_t r = opts && opts->read_size ? opts->read_size : RDBL__READ_DEFAULT;
    return r > RDBL__READ_MAX ? RDBL__READ_MAX : r;
}

static rdbl_status source_new(rdbl_source **out, const char *name, const rdbl_source_opts *opts,
                              rdbl_error *err)
{
    *out = NULL;
    rdbl_source *s = calloc(1, sizeof *s);
    char *nm = strdup(name);
    if (!s || !nm) {
        free(s);
        free(nm);
        return rdbl__fail(err, RDBL_NOMEM, 0, "open", "out of memory for a source");
    }
    s->view = empty_view;
    s->trim_at = SIZE_MAX;
    s->read_size = clamp_read_size(opts);
    s->fd = -1;
    s->name = nm;
    s->in.name = nm;
    s->in.fd = -1;
    s->in.read_size = s->read_size;
    if (opts && opts->sha256) {
        s->in.sha = rdbl__sha_new();
        if (!s->in.sha) {
            free(s->name);
            free(s);
            return rdbl__fail(err, RDBL_NOMEM, 0, "open", "out of memory for a SHA-256 context");
        }
    }
    *out = s;
    return RDBL_OK;
}

/* Gives up the window for the rest of the source's life with the status
 * that the next need() will find. */
static void set_end(rdbl_source *s, rdbl_status st)
{
    s->at_end = true;
    s->end_status = st;
}

/* The size of the first own window and of a producer's chunks. */
static size_t chunk_size(const rdbl_source *s)
{
    return s->read_size > RDBL__WINDOW_MIN ? s->read_size : RDBL__WINDOW_MIN;
}

/* Hands s->in and s->dec to a producer thread (RDBL__THREAD). @return false
 * when no thread (or no memory for its queue) is available: nothing was
 * started and the caller reads in-line. */
static bool start_producer(rdbl_source *s)
{
    if (rdbl__thread_start(&s->th, &s->in, s->dec, chunk_size(s)) != RDBL_OK)
        return false;
    s->mode = RDBL__THREAD;
    return true;
}

/* Plain input from a descriptor or a reader, read by a producer thread
 * (chunks of read_size): the parsing thread then spends no time in read(),
 * nor in page faults, which cost more than the copy on some virtual
 * machines (bench-1g on a PVM guest: a mapping 0.8 s of user time for the
 * CRC pass alone, read() 0.1 s user + 0.3 s system). false: nothing
 * started, the caller reads in-line. */
static bool start_plain_thread(rdbl_source *s)
{
    rdbl_error e = {0};
    if (rdbl__dec_new(&s->dec, RDBL_COMP_NONE, &e) != RDBL_OK)
        return false;
    if (start_producer(s))
        return true;
    rdbl__dec_free(s->dec);
    s->dec = NULL;
    return false;
}

/* Detection and decoder set-up, once the input is in place. Problems of the
 * data itself (a bad VKCS header) are not open errors: they are kept for the
 * first need(), which reports them like any other. */
static rdbl_status source_start(rdbl_source *s, bool threaded, rdbl_error *err)
{
    rdbl__input *in = &s->in;
    if (in->kind != RDBL__IN_MEM) {
        in->cap = s->read_size > RDBL__INBUF_MIN ? s->read_size : RDBL__INBUF_MIN;
        in->buf = malloc(in->cap);
        if (!in->buf)
            return rdbl__fail(err, RDBL_NOMEM, 0, "open", "out of memory for a read buffer");
        in->p = in->buf;
        /* 8 bytes: enough for every magic and the VKCS header */
        rdbl_status st = rdbl__input_peek(in, 8, err, 0);
        if (st != RDBL_OK)
            return st;
    }
    const uint8_t *head = in->p + in->pos;
    size_t have = in->len - in->pos;
    s->comp = detect(head, have);

    if (s->comp == RDBL_COMP_NONE) {
        if (in->kind == RDBL__IN_MEM) {
            s->mode = RDBL__SEG;
            if (have)
                s->view = head;
            s->end = have;
            set_end(s, RDBL_TRUNCATED);
            /* hash as the consumer goes (trim_step), while the pages are hot */
            if (in->sha && s->trim_at > RDBL__TRIM_STEP)
                s->trim_at = RDBL__TRIM_STEP;
        } else if (!threaded || !start_plain_thread(s)) {
            /* the read buffer becomes the window: the bytes peeked stay where they are */
            s->mode = RDBL__READ;
            s->buf = in->buf;
            s->cap = in->cap;
            s->view = s->buf;
            s->pos = in->pos;
            s->end = in->len;
            /* from here in->base counts the raw bytes read into the window */
            in->base += in->len;
            in->p = NULL;
            in->pos = in->len = 0;
            in->buf = NULL;
            in->cap = 0;
            if (in->eof)
                set_end(s, RDBL_TRUNCATED);
        }
        return RDBL_OK;
    }

    s->mode = RDBL__DECODE;
    if (s->comp == RDBL_COMP_VKCS) {
        rdbl_status st = RDBL_OK;
        if (have < 8)
            st = rdbl__fail(&s->end_err, RDBL_TRUNCATED, 0, "VKCS header",
                            "VKCS header ends early: %zu of 8 bytes", have);
        else
            st = rdbl__vkcs_check(head, &s->end_err);
        if (st != RDBL_OK) {
            set_end(s, st);
            return RDBL_OK;
        }
        in->pos += 8;
    }
    rdbl_status st = rdbl__dec_new(&s->dec, s->comp, err);
    if (st != RDBL_OK)
        return st;
    if (threaded)
        start_producer(s); /* else, or without a thread: decode in-line */
    return RDBL_OK;
}

/* A plain regular file: map it and hand out pointers into the mapping. The
 * kernel pages it in as the parser goes (MADV_SEQUENTIAL reads ahead and
 * drops behind), so a file larger than RAM is fine. Returns false when the
 * file is not plain RDB or cannot be mapped: the caller reads it instead. */
static bool try_map(rdbl_source *s, int fd, const struct stat *st)
{
#ifdef RDBL_SOURCE_NO_MMAP
    /* build switch for platforms without a usable mmap, and for comparing */
    (void)s, (void)fd, (void)st;
    return false;
#else
    off_t cur = lseek(fd, 0, SEEK_CUR);
    if (cur < 0 || st->st_size <= cur)
        return false;
    long pg = sysconf(_SC_PAGESIZE);
    if (pg <= 0)
        return false;
    off_t start = cur - cur % pg;
    size_t delta = (size_t)(cur - start);
    if ((uint64_t)(st->st_size - start) > SIZE_MAX)
        return false;
    size_t len = (size_t)(st->st_size - start);
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, start);
    if (m == MAP_FAILED)
        return false;
    const uint8_t *data = (const uint8_t *)m + delta;
    size_t n = len - delta;
    if (detect(data, n < 8 ? n : 8) != RDBL_COMP_NONE) {
        munmap(m, len);
        return false;
    }
    madvise(m, len, MADV_SEQUENTIAL);
    s->map = m;
    s->map_len = len;
    s->trim_done = m;
    s->in.kind = RDBL__IN_MEM;
    s->in.p = data;
    s->in.len = n;
    s->in.eof = true;
    s->trim_at = RDBL__TRIM_STEP;
    return true;
#endif
}

static rdbl_status open_fd_named(rdbl_source **out, int fd, bool own, const char *name,
                                 const rdbl_source_opts *opts, rdbl_error *err)
{
    *out = NULL;
    rdbl_source *s;
    rdbl_status st = source_new(&s, name, opts, err);
    if (st != RDBL_OK) {
        if (own)
            close(fd);
        return st;
    }
    s->fd = fd;
    s->own_fd = own;
    s->in.kind = RDBL__IN_FD;
    s->in.fd = fd;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        off_t cur = lseek(fd, 0, SEEK_CUR);
        s->input_size = (uint64_t)sb.st_size > (uint64_t)(cur > 0 ? cur : 0)
                            ? (uint64_t)sb.st_size - (uint64_t)(cur > 0 ? cur : 0)
                            : 0;
        /* threaded: read by a producer thread (start_plain_thread) */
        if ((opts && opts->threaded) || !try_map(s, fd, &sb))
            posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    st = source_start(s, opts && opts->threaded, err);
    if (st != RDBL_OK) {
        rdbl_source_free(s);
        return st;
    }
    *out = s;
    return RDBL_OK;
}

rdbl_status rdbl_source_open_file(rdbl_source **out, const char *path,
                                  const rdbl_source_opts *opts, rdbl_error *err)
{
    *out = NULL;
    if (strcmp(path, "-") == 0)
        return open_fd_named(out, STDIN_FILENO, false, "standard input", opts, err);
    struct stat sb;
    char base[4096];
    const char *dir_path = path;
    bool aof_dir = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (aof_dir) {
        rdbl_status st = rdbl__aof_dir_base(path, base, sizeof base, err);
        if (st != RDBL_OK)
            return st;
        path = base;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        char name[100];
        rdbl__escape(name, sizeof name, (const uint8_t *)path, strlen(path));
        return rdbl__fail(err, RDBL_IO, 0, "open", "cannot open %s: %s", name, strerror(e));
    }
    rdbl_status st = open_fd_named(out, fd, true, path, opts, err);
    if (st == RDBL_OK && aof_dir) {
        (*out)->aof_base = strdup(base);
        (*out)->aof_nincr = rdbl__aof_dir_incr(dir_path, &(*out)->aof_incr);
    }
    return st;
}

const char *rdbl_source_aof_base(const rdbl_source *s)
{
    return s->aof_base;
}

const char *rdbl_source_aof_incr(const rdbl_source *s, size_t i)
{
    return i < s->aof_nincr ? s->aof_incr[i] : NULL;
}

rdbl_status rdbl_source_open_fd(rdbl_source **out, int fd, const rdbl_source_opts *opts,
                                rdbl_error *err)
{
    char name[32];
    snprintf(name, sizeof name, fd == STDIN_FILENO ? "standard input" : "descriptor %d", fd);
    return open_fd_named(out, fd, false, name, opts, err);
}

rdbl_status rdbl_source_open_mem(rdbl_source **out, const void *buf, size_t len,
                                 const rdbl_source_opts *opts, rdbl_error *err)
{
    *out = NULL;
    rdbl_source *s;
    rdbl_status st = source_new(&s, "memory", opts, err);
    if (st != RDBL_OK)
        return st;
    s->in.kind = RDBL__IN_MEM;
    s->in.p = len ? buf : empty_view;
    s->in.len = len;
    s->in.eof = true;
    s->input_size = len;
    st = source_start(s, opts && opts->threaded, err);
    if (st != RDBL_OK) {
        rdbl_source_free(s);
        return st;
    }
    *out = s;
    return RDBL_OK;
}

rdbl_status rdbl_source_open_reader(rdbl_source **out, rdbl_read_fn fn, void *user,
                                    const rdbl_source_opts *opts, rdbl_error *err)
{
    *out = NULL;
    rdbl_source *s;
    rdbl_status st = source_new(&s, "reader", opts, err);
    if (st != RDBL_OK)
        return st;
    s->in.kind = RDBL__IN_READER;
    s->in.fn = fn;
    s->in.user = user;
    st = source_start(s, opts && opts->threaded, err);
    if (st != RDBL_OK) {
        rdbl_source_free(s);
        return st;
    }
    *out = s;
    return RDBL_OK;
}

void rdbl_source_free(rdbl_source *s)
{
    if (!s)
        return;
    /* the producer owns in and dec while it runs: stop it first */
    rdbl__thread_stop(s->th);
    rdbl__dec_free(s->dec);
    rdbl__input_release(&s->in);
    rdbl__sha_free(s->in.sha);
    free(s->buf);
    free(s->aof_base);
    for (size_t i = 0; i < s->aof_nincr; i++)
        free(s->aof_incr[i]);
    free(s->aof_incr);
    if (s->map)
        munmap(s->map, s->map_len);
    if (s->own_fd)
        close(s->fd);
    free(s->name);
    free(s);
}

/* ---- the window --------------------------------------------------------- */

/* Moves the unconsumed bytes to the front of the own window, allocating it
 * on first use, and doubles it when it is full of bytes (never ahead of the
 * data). @return false when memory runs out. */
static bool make_room(rdbl_source *s)
{
    if (!s->buf) {
        size_t c = chunk_size(s);
        s->buf = malloc(c);
        if (!s->buf)
            return false;
        s->cap = c;
        s->pos = s->end = 0;
        s->view = s->buf;
    }
    if (s->pos > 0) {
        size_t have = s->end - s->pos;
        if (have)
            memmove(s->buf, s->buf + s->pos, have);
        s->pos = 0;
        s->end = have;
    }
    if (s->end == s->cap) {
        if (s->cap > SIZE_MAX / 2)
            return false;
        uint8_t *nb = realloc(s->buf, s->cap * 2);
        if (!nb)
            return false;
        s->buf = nb;
        s->cap *= 2;
    }
    s->view = s->buf;
    return true;
}

static rdbl_status no_memory(rdbl_source *s, size_t n)
{
    return rdbl__fail(&s->end_err, RDBL_NOMEM, s->offset, "source",
                      "out of memory growing the read window for %zu bytes", n);
}

/* Own window for a borrowed chunk's tail: at least size bytes, doubling from
 * the current capacity (size bytes are real data, so at most twice that). */
static bool reserve_empty(rdbl_source *s, size_t size)
{
    size_t c = s->cap ? s->cap : chunk_size(s);
    while (c < size) {
        if (c > SIZE_MAX / 2)
            return false;
        c *= 2;
    }
    if (!s->buf || c != s->cap) {
        free(s->buf);
        s->buf = malloc(c);
        s->cap = s->buf ? c : 0;
        if (!s->buf)
            return false;
    }
    return true;
}

/* The fill functions return RDBL_OK once n bytes are in view, RDBL_TRUNCATED
 * when the input is at its end (s->end_status says how it ended), or
 * RDBL_NOMEM (s->end_err filled). */

static rdbl_status fill_read(rdbl_source *s, size_t n)
{
    while (s->end - s->pos < n) {
        if (s->at_end)
            return RDBL_TRUNCATED;
        if (!make_room(s))
            return no_memory(s, n);
        size_t got = 0;
        uint64_t off = s->offset + (s->end - s->pos);
        rdbl_status st = rdbl__input_read(&s->in, s->buf + s->end, s->cap - s->end, &got,
                                          &s->end_err, off);
        s->end += got;
        s->in.base += got;
        if (st != RDBL_OK)
            set_end(s, st);
        else if (s->in.eof)
            set_end(s, RDBL_TRUNCATED);
    }
    return RDBL_OK;
}

static rdbl_status fill_decode(rdbl_source *s, size_t n)
{
    while (s->end - s->pos < n) {
        if (s->at_end)
            return RDBL_TRUNCATED;
        if (!make_room(s))
            return no_memory(s, n);
        size_t got = 0;
        rdbl_status st = rdbl__dec_step(s->dec, &s->in, s->buf + s->end, s->cap - s->end, &got,
                                        &s->end_err);
        s->end += got;
        if (st != RDBL_OK)
            set_end(s, st);
        else if (s->dec->done)
            set_end(s, RDBL_TRUNCATED);
    }
    return RDBL_OK;
}

static void release_seg(rdbl_source *s)
{
    if (s->seg_held) {
        rdbl__thread_release(s->th);
        s->seg_held = false;
        s->seg = NULL;
        s->seg_len = s->seg_used = 0;
    }
}

static rdbl_status fill_thread(rdbl_source *s, size_t n)
{
    for (;;) {
        size_t have = s->end - s->pos;
        if (have >= n)
            return RDBL_OK;
        if (s->borrowed) {
            /* the chunk in view is too short: carry its tail into the own
             * window (empty while a chunk is borrowed) and give the chunk back */
            const uint8_t *tail = s->view + s->pos;
            if (!reserve_empty(s, have))
                return no_memory(s, n);
            if (have)
                memcpy(s->buf, tail, have);
            s->view = s->buf;
            s->pos = 0;
            s->end = have;
            s->borrowed = false;
            release_seg(s);
            continue;
        }
        if (s->seg_held && s->seg_used < s->seg_len) {
            if (have == 0) {
                /* nothing pending in the window: serve the chunk itself */
                s->view = s->seg;
                s->pos = s->seg_used;
                s->end = s->seg_len;
                s->seg_used = s->seg_len;
                s->borrowed = true;
                continue;
            }
            /* a record straddles two chunks: copy only what this need lacks */
            if (!make_room(s))
                return no_memory(s, n);
            size_t take = s->seg_len - s->seg_used;
            if (take > s->cap - s->end)
                take = s->cap - s->end;
            if (take > n - have)
                take = n - have;
            memcpy(s->buf + s->end, s->seg + s->seg_used, take);
            s->end += take;
            s->seg_used += take;
            continue;
        }
        release_seg(s);
        if (s->at_end)
            return RDBL_TRUNCATED;
        rdbl_status st = RDBL_TRUNCATED;
        if (rdbl__thread_take(s->th, &s->seg, &s->seg_len, &st, &s->end_err)) {
            s->seg_held = true;
            s->seg_used = 0;
        } else {
            set_end(s, st);
        }
    }
}

static rdbl_status need_slow(rdbl_source *s, size_t n, const uint8_t **p, size_t *avail,
                             rdbl_error *err)
{
    rdbl_status st = s->dead;
    if (st == RDBL_OK) {
        switch (s->mode) {
        case RDBL__SEG:
            st = s->end - s->pos >= n ? RDBL_OK : RDBL_TRUNCATED;
            break;
        case RDBL__READ:
            st = fill_read(s, n);
            break;
        case RDBL__DECODE:
            st = fill_decode(s, n);
            break;
        case RDBL__THREAD:
            st = fill_thread(s, n);
            break;
        }
        /* the input ran out before n: how did it end? */
        if (st == RDBL_TRUNCATED)
            st = s->end_status;
    }
    if (st != RDBL_OK && s->end_err.code != RDBL_OK && err && err->code == RDBL_OK)
        *err = s->end_err;
    if (st == RDBL_OK || st == RDBL_TRUNCATED) {
        /* enough bytes, or the input ended first: show what there is. A
         * compressed stream that stops mid-way has said so in err. */
        *p = s->view + s->pos;
        *avail = s->end - s->pos;
        return st;
    }
    /* a failure: the source is dead from now on */
    s->dead = st;
    s->pos = s->end;
    *p = empty_view;
    *avail = 0;
    return st;
}

rdbl_status rdbl_source_need(rdbl_source *s, size_t n, const uint8_t **p, size_t *avail,
                             rdbl_error *err)
{
    size_t have = s->end - s->pos;
    /* n == 0 takes the slow path so that a dead source still reports its error */
    if (RDBL_LIKELY(have >= n && n != 0)) {
        *p = s->view + s->pos;
        *avail = have;
        return RDBL_OK;
    }
    return need_slow(s, n, p, avail, err);
}

/* SEG, every RDBL__TRIM_STEP consumed: hash what was consumed (--sha256)
 * and, for a mapped plain file, drop the pages the consumer has left behind
 * from this process (they stay cached), so RSS does not grow with the file. */
static void trim_step(rdbl_source *s)
{
    if (s->in.sha && s->pos > s->sha_seg) {
        rdbl__sha_update(s->in.sha, s->view + s->sha_seg, s->pos - s->sha_seg);
        s->sha_seg = s->pos;
    }
    if (!s->map) {
        s->trim_at = s->pos <= SIZE_MAX - RDBL__TRIM_STEP ? s->pos + RDBL__TRIM_STEP : SIZE_MAX;
        return;
    }
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t upto = (uintptr_t)(s->view + s->pos);
    upto -= pg > 0 ? upto % (uintptr_t)pg : 0;
    if (upto > (uintptr_t)s->trim_done) {
        madvise((void *)s->trim_done, upto - (uintptr_t)s->trim_done, MADV_DONTNEED);
        s->trim_done = (const uint8_t *)upto;
    }
    s->trim_at = s->pos <= SIZE_MAX - RDBL__TRIM_STEP ? s->pos + RDBL__TRIM_STEP : SIZE_MAX;
}

void rdbl_source_consume(rdbl_source *s, size_t n)
{
    size_t have = s->end - s->pos;
    if (NEVER(n > have))
        n = have;
    s->pos += n;
    s->offset += n;
    if (RDBL_UNLIKELY(s->pos >= s->trim_at))
        trim_step(s);
}

/* --sha256: hashes the raw bytes not hashed yet, reading the rest of a
 * descriptor or reader to its end. */
static rdbl_status sha_rest(rdbl_source *s, rdbl_error *err)
{
    rdbl__input *in = &s->in;
    if (in->kind == RDBL__IN_MEM) {
        if (s->mode == RDBL__SEG)
            rdbl__sha_update(in->sha, s->view + s->sha_seg, s->end - s->sha_seg);
        else /* compressed memory: the decoder read in place, nothing was hashed */
            rdbl__sha_update(in->sha, in->p, in->len);
        return RDBL_OK;
    }
    /* everything read so far passed through rdbl__input_read and is hashed */
    size_t cap = (size_t)64 << 10;
    uint8_t *tmp = malloc(cap);
    if (!tmp)
        return rdbl__fail(err, RDBL_NOMEM, s->offset, "sha256", "out of memory");
    rdbl_status st = RDBL_OK;
    while (!in->eof && st == RDBL_OK) {
        size_t got = 0;
        st = rdbl__input_read(in, tmp, cap, &got, err, s->offset);
    }
    free(tmp);
    return st;
}

rdbl_status rdbl_source_sha256(rdbl_source *s, uint8_t out[RDBL_SHA256_SIZE], rdbl_error *err)
{
    if (!s->in.sha)
        return rdbl__fail(err, RDBL_USAGE, 0, "sha256", "the source was opened without sha256");
    if (!s->sha_done) {
        /* the producer owns the input while it runs: stop it first */
        if (s->th) {
            rdbl__thread_stop(s->th);
            s->th = NULL;
            s->mode = RDBL__DECODE; /* input_consumed() reads the input now */
            s->seg_held = s->borrowed = false;
            s->seg = NULL;
        }
        memset(&s->sha_err, 0, sizeof s->sha_err);
        s->sha_st = sha_rest(s, &s->sha_err);
        rdbl__sha_final(s->in.sha, s->sha_out);
        s->sha_done = true;
        /* the window no longer follows the input */
        s->dead = RDBL_USAGE;
        s->view = empty_view;
        s->pos = s->end = 0;
        s->trim_at = SIZE_MAX;
    }
    if (s->sha_st != RDBL_OK) {
        if (err && err->code == RDBL_OK)
            *err = s->sha_err;
        return s->sha_st;
    }
    memcpy(out, s->sha_out, RDBL_SHA256_SIZE);
    return RDBL_OK;
}

uint64_t rdbl_source_offset(const rdbl_source *s)
{
    return s->offset;
}

uint64_t rdbl_source_input_consumed(const rdbl_source *s)
{
    switch (s->mode) {
    case RDBL__SEG:
        return s->offset;
    case RDBL__READ:
        return s->in.base;
    case RDBL__DECODE:
        return rdbl__input_offset(&s->in);
    case RDBL__THREAD:
        return rdbl__thread_input_consumed(s->th);
    }
    return 0;
}

uint64_t rdbl_source_input_size(const rdbl_source *s)
{
    return s->input_size;
}

rdbl_compression rdbl_source_compression(const rdbl_source *s)
{
    return s->comp;
}

bool rdbl__source_stable_view(const rdbl_source *s, const uint8_t **p, size_t *len)
{
    if (s->mode != RDBL__SEG || s->dead != RDBL_OK)
        return false;
    *p = s->view + s->pos;
    *len = s->end - s->pos;
    return true;
}

size_t rdbl__source_window_cap(const rdbl_source *s)
{
    return s->cap;
}

bool rdbl__source_threaded(const rdbl_source *s)
{
    return s->mode == RDBL__THREAD;
}
