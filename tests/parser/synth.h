/* Helpers shared by the synthetic parser suites (test_synthetic.c,
 * test_synth_*.c): parse a built file into an event log, compare selected
 * lines, and optionally save the file (RDBL_SYNTH_DUMP_DIR, used once to
 * refresh the fuzz seeds in fuzz/corpus/fuzz_rdb/). Header-only. */
#ifndef RDBL_TEST_SYNTH_H
#define RDBL_TEST_SYNTH_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evlog.h"
#include "rdbbuild.h"
#include "testutil.h"

/* Saves the file as $RDBL_SYNTH_DUMP_DIR/<name>.rdb when that is set. */
static inline void synth_save(const rb *r, const char *name)
{
    const char *dir = getenv("RDBL_SYNTH_DUMP_DIR");
    if (!dir || !*dir)
        return;
    char path[1024];
    snprintf(path, sizeof path, "%s/synth-%s.rdb", dir, name);
    cr_assert_eq(tu_write_file(path, r->p, r->len), 0, "cannot write %s", path);
}

/* Parses r with every handler into l (initialised here); saves it as name. */
static inline rdbl_status synth_parse(rb *r, const char *name, evlog *l, rdbl_error *err)
{
    synth_save(r, name);
    evlog_init(l, 0);
    return evlog_parse_mem(l, r->p, r->len, NULL, 0, err);
}

/* Parses r expecting RDBL_OK. */
#define SYNTH_OK(r, name, l)                                                      \
    do {                                                                          \
        rdbl_error e_;                                                            \
        rdbl_status st_ = synth_parse((r), (name), (l), &e_);                     \
        cr_assert_eq(st_, RDBL_OK, "%s: %s\n%s", (name), evlog_err_text(&e_),     \
                     (l)->buf);                                                   \
    } while (0)

/* The lines of l starting with prefix must be exactly text. */
#define EXPECT_LINES(l, prefix, text)                                             \
    do {                                                                          \
        char *g_ = evlog_grep((l), (prefix));                                     \
        cr_expect_str_eq(g_, (text), "lines \"%s\":\n%s\nexpected:\n%s", (prefix), \
                         g_, (text));                                             \
        free(g_);                                                                 \
    } while (0)

/* Some line of l must contain needle. */
#define EXPECT_HAS(l, needle)                                                     \
    cr_expect(evlog_contains((l), (needle)), "no \"%s\" in:\n%s", (needle), (l)->buf)

/* Expects a failure with this code whose message contains msg_part and
 * whose offset is off (UINT64_MAX: any). */
#define EXPECT_FAIL(st, e, want, off, msg_part)                                   \
    do {                                                                          \
        cr_expect_eq((st), (want), "status %s, expected %s: %s",                  \
                     rdbl_status_name(st), rdbl_status_name(want),                \
                     evlog_err_text(&(e)));                                       \
        cr_expect_eq((e).code, (want));                                           \
        if ((uint64_t)(off) != UINT64_MAX)                                        \
            cr_expect_eq((e).offset, (uint64_t)(off), "offset: %s",               \
                         evlog_err_text(&(e)));                                   \
        cr_expect(strstr((e).msg, (msg_part)) != NULL, "message: %s",             \
                  evlog_err_text(&(e)));                                          \
    } while (0)

#endif
