/* Synthetic lists and strings (rdb-format.md §5 lists, §6.1 ziplist, §6.2
 * listpack, §3.2 strings): the forms no corpus file has. The checklist
 * table is in test_synthetic.c. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

TestSuite(synth_list, .timeout = 120);

Test(synth_list, quicklist_14_several_nodes)
{
    rb r;
    rb_init(&r, "REDIS", 7);
    rb_select(&r, 0);
    rb_key(&r, 14, "ql");
    rb_len(&r, 3);
    /* node 1: two strings */
    rb_zl z;
    rb_zl_init(&z);
    rb_zl_cstr(&z, "a");
    rb_zl_cstr(&z, "b");
    rb blob;
    rb_init_buf(&blob);
    rb_zl_finish(&z, &blob);
    rb_blob(&r, &blob, false);
    size_t zl1 = blob.len;
    rb_zl_free(&z);
    /* node 2: LZF-compressed (list-compress-depth), integers of every form */
    rb_zl_init(&z);
    static const int64_t ints[] = {0, 12, 13, -1, 127, -128, 300, -30000, 8000000, -8000000,
                                   2000000000, -2000000000, 5000000000, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        rb_zl_int(&z, ints[i]);
    for (int i = 0; i < 10; i++)
        rb_zl_cstr(&z, "xyzxyzxyz");
    rb_reset(&blob);
    rb_zl_finish(&z, &blob);
    rb_blob(&r, &blob, true);
    size_t zl2 = blob.len;
    rb_zl_free(&z);
    /* node 3: a 300-byte string (14-bit big-endian ziplist length) */
    rb_zl_init(&z);
    char s300[300];
    memset(s300, 'L', sizeof s300);
    rb_zl_str(&z, s300, sizeof s300);
    rb_reset(&blob);
    rb_zl_finish(&z, &blob);
    rb_blob(&r, &blob, false);
    size_t zl3 = blob.len;
    rb_zl_free(&z);
    rb_free(&blob);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "quicklist14", &l);
    EXPECT_HAS(&l, "key db=0 \"ql\" type=list enc=quicklist rdbtype=14 ");
    char *items = evlog_grep(&l, "item");
    char want[2048];
    int o = snprintf(want, sizeof want,
                     "item \"a\"\nitem \"b\"\nitem #0\nitem #12\nitem #13\nitem #-1\nitem #127\n"
                     "item #-128\nitem #300\nitem #-30000\nitem #8000000\nitem #-8000000\n"
                     "item #2000000000\nitem #-2000000000\nitem #5000000000\n"
                     "item #-9223372036854775808\n");
    for (int i = 0; i < 10; i++)
        o += snprintf(want + o, sizeof want - (size_t)o, "item \"xyzxyzxyz\"\n");
    snprintf(want + o, sizeof want - (size_t)o, "item \"%.300s\"\n", s300);
    cr_expect_str_eq(items, want);
    free(items);
    char *blobs = evlog_grep(&l, "blob");
    cr_expect_eq(evlog_count(&l, "blob"), 3, "%s", blobs);
    snprintf(want, sizeof want, "blob ziplist size=%zu stored=%zu lzf=0 count=2 ", zl1,
             zl1 + 1);
    cr_expect(strstr(blobs, want) != NULL, "%s\nexpected %s", blobs, want);
    snprintf(want, sizeof want, "blob ziplist size=%zu ", zl2);
    cr_expect(strstr(blobs, want) != NULL && strstr(blobs, " lzf=1 count=24 "), "%s", blobs);
    snprintf(want, sizeof want, "blob ziplist size=%zu stored=%zu lzf=0 count=1 ", zl3,
             zl3 + 2);
    cr_expect(strstr(blobs, want) != NULL, "%s\nexpected %s", blobs, want);
    free(blobs);
    EXPECT_HAS(&l, "endkey \"ql\" n=27 ");
    EXPECT_HAS(&l, " blobs=3 exact=1\n");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_list, ziplist_zllen_65535_and_5_byte_prevlen)
{
    rb r;
    rb_init(&r, "REDIS", 6);
    rb_select(&r, 0);
    /* zllen 65535 = "count by walking", and 5-byte prevlens holding small
     * values (the cascade update never shrinks them) */
    rb_zl z;
    rb_zl_init(&z);
    z.zllen_override = 65535;
    z.big_prevlen = true;
    rb_zl_cstr(&z, "one");
    rb_zl_int(&z, 2);
    rb_zl_cstr(&z, "three");
    rb blob;
    rb_init_buf(&blob);
    rb_zl_finish(&z, &blob);
    rb_zl_free(&z);
    rb_key(&r, 10, "walked");
    rb_blob(&r, &blob, false);
    /* a hash ziplist with the same oddities */
    rb_zl_init(&z);
    z.zllen_override = 65535;
    z.big_prevlen = true;
    rb_zl_cstr(&z, "f1");
    rb_zl_cstr(&z, "v1");
    rb_zl_cstr(&z, "f2");
    rb_zl_int(&z, -7);
    rb_reset(&blob);
    rb_zl_finish(&z, &blob);
    rb_zl_free(&z);
    rb_key(&r, 13, "hz");
    rb_blob(&r, &blob, false);
    /* a ziplist really holding more than 65534 entries */
    rb_zl_init(&z);
    for (int i = 0; i < 70000; i++)
        rb_zl_int(&z, i);
    rb_reset(&blob);
    rb_zl_finish(&z, &blob);
    rb_zl_free(&z);
    cr_assert_eq(blob.p[8] | blob.p[9] << 8, 65535);
    rb_key(&r, 10, "big");
    rb_blob(&r, &blob, true);
    rb_free(&blob);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "ziplist-65535", &l);
    char *items = evlog_grep(&l, "item");
    cr_expect(strncmp(items, "item \"one\"\nitem #2\nitem \"three\"\nitem #0\nitem #1\n", 48) == 0,
              "%.200s", items);
    cr_expect(strstr(items, "item #69999\n") != NULL);
    free(items);
    cr_expect_eq(evlog_count(&l, "item"), 70003);
    EXPECT_LINES(&l, "field", "field \"f1\" \"v1\" ttl=none\nfield \"f2\" #-7 ttl=none\n");
    EXPECT_HAS(&l, "endkey \"walked\" n=3 ");
    EXPECT_HAS(&l, "endkey \"hz\" n=2 ");
    EXPECT_HAS(&l, "endkey \"big\" n=70000 ");
    EXPECT_HAS(&l, "lzf=1 count=70000 ");
    evlog_free(&l);
    rb_free(&r);
}

Test(synth_list, quicklist2_plain_and_packed_nodes)
{
    rb r;
    rb_init(&r, "REDIS", 10);
    rb_select(&r, 0);
    rb_key(&r, 18, "l2");
    rb_len(&r, 4);
    /* PACKED listpack */
    rb_lp lp;
    rb_lp_init(&lp);
    rb_lp_cstr(&lp, "a");
    rb_lp_int(&lp, 1);
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    size_t lp1 = blob.len;
    rb_lp_free(&lp);
    rb_len(&r, 2);
    rb_blob(&r, &blob, false);
    /* PLAIN: one big element, raw */
    char big[9000];
    memset(big, 'P', sizeof big);
    rb_len(&r, 1);
    rb_str(&r, big, sizeof big);
    /* PLAIN, LZF-compressed */
    char rep[2000];
    memset(rep, 'p', sizeof rep);
    rb_len(&r, 1);
    rb_lzf(&r, rep, sizeof rep);
    /* PACKED, LZF-compressed */
    rb_lp_init(&lp);
    for (int i = 0; i < 50; i++)
        rb_lp_cstr(&lp, "packed");
    rb_reset(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb_len(&r, 2);
    rb_blob(&r, &blob, true);
    rb_free(&blob);
    rb_eof(&r);

    evlog l;
    SYNTH_OK(&r, "quicklist2-plain", &l);
    EXPECT_HAS(&l, "key db=0 \"l2\" type=list enc=quicklist2 rdbtype=18 ");
    cr_expect_eq(evlog_count(&l, "item"), 2 + 1 + 1 + 50);
    char *items = evlog_grep(&l, "item");
    cr_expect(strncmp(items, "item \"a\"\nitem #1\nitem \"PPPP", 26) == 0, "%.100s", items);
    cr_expect(strstr(items, "\"\nitem \"pppp") != NULL);
    cr_expect(strstr(items, "pppp\"\nitem \"packed\"\n") != NULL);
    free(items);
    char *blobs = evlog_grep(&l, "blob");
    char want[256];
    snprintf(want, sizeof want,
             "blob listpack size=%zu stored=%zu lzf=0 count=2 node=0-0 data=", lp1, lp1 + 1);
    cr_expect(strncmp(blobs, want, strlen(want)) == 0, "%s\nexpected %s", blobs, want);
    cr_expect(strstr(blobs, "\nblob plain size=9000 stored=9002 lzf=0 count=1 ") != NULL, "%s",
              blobs);
    cr_expect(strstr(blobs, "\nblob plain size=2000 stored=") != NULL && strstr(blobs, " lzf=1 "),
              "%s", blobs);
    cr_expect(strstr(blobs, "count=50 ") != NULL, "%s", blobs);
    free(blobs);
    EXPECT_HAS(&l, "endkey \"l2\" n=54 ");
    EXPECT_HAS(&l, " vbytes=11302 largest=9000 ");
    EXPECT_HAS(&l, " blobs=4 exact=1");
    evlog_free(&l);
    rb_free(&r);

    /* container other than 1/2, and empty PLAIN nodes, are corruption */
    for (int bad = 0; bad < 2; bad++) {
        rb_init(&r, "REDIS", 10);
        rb_key(&r, 18, "bad");
        rb_len(&r, 1);
        size_t at = r.len;
        rb_len(&r, bad == 0 ? 3 : 1);
        rb_cstr(&r, "");
        rb_eof(&r);
        rdbl_error e;
        rdbl_status st = synth_parse(&r, bad == 0 ? "ql2-container3" : "ql2-empty-plain", &l, &e);
        EXPECT_FAIL(st, e, RDBL_CORRUPT, at,
                    bad == 0 ? "container 3" : "empty plain quicklist node");
        cr_expect_str_eq(e.key, "bad");
        evlog_free(&l);
        rb_free(&r);
    }
}

/* Records big items by length and a few bytes rather than as text. */
typedef struct sizes_log {
    evlog l;
} sizes_log;

static int big_item(void *u, const rdbl_key_info *k, const rdbl_item *it)
{
    (void)k;
    evlog *l = u;
    if (it->is_int) {
        evlog_printf(l, "item #%" PRId64, it->ival);
        return 0;
    }
    evlog_printf(l, "item len=%zu first=%c mid=%c last=%c", it->len, it->len ? it->ptr[0] : '-',
                 it->len ? it->ptr[it->len / 2] : '-', it->len ? it->ptr[it->len - 1] : '-');
    return 0;
}

static int big_chunk(void *u, const rdbl_key_info *k, const rdbl_item *c, uint64_t off,
                     uint64_t total)
{
    (void)k;
    evlog *l = u;
    evlog_printf(l, "str %" PRIu64 "/%" PRIu64 " len=%zu crc=%016" PRIx64, off, total, c->len,
                 rdbl_crc64(0, c->ptr, c->len));
    return 0;
}

static const rdbl_events big_events = {.on_list_item = big_item, .on_set_member = big_item,
                                       .on_string = big_chunk};

/* A string of n bytes with some structure (so LZF compresses it, and a
 * misplaced byte shows). */
static char *pattern(size_t n, char c)
{
    char *s = malloc(n ? n : 1);
    cr_assert(s != NULL);
    for (size_t i = 0; i < n; i++)
        s[i] = (char)(c + (i % 251 == 0 ? 1 : 0));
    if (n)
        s[n - 1] = 'Z';
    return s;
}

Test(synth_list, listpack_string_forms_and_backlens)
{
    /* element lengths chosen at each encoding and back-length boundary */
    static const struct {
        size_t len;
        int form;       /* 0: smallest */
        size_t backlen; /* expected back-length bytes */
    } el[] = {
        {0, 0, 1},        {63, 0, 1},          /* str6, S = 64 */
        {64, 0, 1},       {125, 0, 1},         /* str12, S = 127 */
        {126, 0, 2},      {4095, 0, 2},        /* str12, S = 4097 */
        {4096, 0, 2},                          /* str32, S = 4101 */
        {16377, 0, 2},                         /* S = 16382 */
        {16378, 0, 3},                         /* S = 16383: the strict '<' */
        {2097145, 0, 3},                       /* S = 2097150 */
        {2097146, 0, 4},                       /* S = 2097151 */
        {2, RB_LP_STR32, 1},                   /* non-minimal forms are legal */
        {3, RB_LP_STR12, 1},
    };
    size_t n = sizeof el / sizeof el[0];
    rb_lp lp;
    rb_lp_init(&lp);
    for (size_t i = 0; i < n; i++) {
        char *s = pattern(el[i].len, (char)('a' + i));
        size_t before = lp.body.len;
        if (el[i].form)
            rb_lp_str_enc(&lp, s, el[i].len, el[i].form);
        else
            rb_lp_str(&lp, s, el[i].len);
        size_t hdr = el[i].form == RB_LP_STR32 || (!el[i].form && el[i].len > 4095) ? 5
                     : el[i].form == RB_LP_STR12 || (!el[i].form && el[i].len > 63) ? 2
                                                                                   : 1;
        cr_assert_eq(lp.body.len - before, hdr + el[i].len + el[i].backlen,
                     "element %zu: the builder's back-length is not %zu bytes", i,
                     el[i].backlen);
        free(s);
    }
    rb_lp_int(&lp, INT64_MAX);
    rb blob;
    rb_init_buf(&blob);
    rb_lp_finish(&lp, &blob);
    rb_lp_free(&lp);
    rb r;
    rb_init(&r, "REDIS", 11);
    rb_select(&r, 0);
    rb_key(&r, 18, "lp");
    rb_len(&r, 1);
    rb_len(&r, 2);
    rb_blob(&r, &blob, false);
    rb_key(&r, 20, "set"); /* the same elements as set members, LZF */
    rb_blob(&r, &blob, true);
    rb_free(&blob);
    rb_eof(&r);
    synth_save(&r, "listpack-backlens");

    evlog l;
    evlog_init(&l, 0);
    rdbl_error e;
    rdbl_status st = evlog_parse_mem(&l, r.p, r.len, &big_events, 0, &e);
    cr_assert_eq(st, RDBL_OK, "%s", evlog_err_text(&e));
    char want[4096];
    int o = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            char c = (char)('a' + i);
            size_t len = el[i].len;
            if (len == 0)
                o += snprintf(want + o, sizeof want - (size_t)o, "item len=0 first=- mid=- last=-\n");
            else
                o += snprintf(want + o, sizeof want - (size_t)o,
                              "item len=%zu first=%c mid=%c last=Z\n", len,
                              len == 1 ? 'Z' : (char)(c + 1),
                              (len / 2) == len - 1 ? 'Z' : (char)(c + ((len / 2) % 251 == 0)));
        }
        o += snprintf(want + o, sizeof want - (size_t)o, "item #9223372036854775807\n");
    }
    cr_expect_str_eq(l.buf, want);
    evlog_free(&l);
    rb_free(&r);
}

/* S >= 268435455 needs a 5-byte back-length: a 256 MiB element. */
Test(synth_list, listpack_5_byte_backlen, .timeout = 240)
{
    const size_t len = 268435450; /* S = 5 + len = 268435455 */
    cr_assert_eq(rb_lp_backlen_size(5 + len), 5);
    /* Built by hand into one exact buffer: header, listpack, EOF. */
    const size_t lpsize = 6 + 5 + len + 5 + 1;
    const size_t total = 9 + 2 + 1 + 3 + 1 + 1 + 5 + lpsize + 1 + 8;
    uint8_t *f = malloc(total);
    cr_assert(f != NULL, "cannot allocate %zu bytes", total);
    size_t o = 0;
    memcpy(f, "REDIS0010", 9);
    o = 9;
    f[o++] = 254; /* SELECTDB 0 */
    f[o++] = 0;
    f[o++] = 18; /* LIST_QUICKLIST_2 */
    f[o++] = 2;
    f[o++] = 'b';
    f[o++] = 'g';
    f[o++] = 1; /* one node */
    f[o++] = 2; /* PACKED */
    f[o++] = 0x80; /* the blob's 32-bit length, big-endian */
    f[o++] = (uint8_t)(lpsize >> 24);
    f[o++] = (uint8_t)(lpsize >> 16);
    f[o++] = (uint8_t)(lpsize >> 8);
    f[o++] = (uint8_t)lpsize;
    for (int i = 0; i < 4; i++)
        f[o++] = (uint8_t)(lpsize >> (8 * i));
    f[o++] = 1; /* one element */
    f[o++] = 0;
    f[o++] = 0xF0; /* str32 */
    for (int i = 0; i < 4; i++)
        f[o++] = (uint8_t)(len >> (8 * i));
    memset(f + o, 'B', len);
    f[o] = 'A';
    f[o + len - 1] = 'C';
    o += len;
    uint64_t s = 5 + len;
    for (int i = 4; i >= 0; i--)
        f[o++] = (uint8_t)(((s >> (7 * i)) & 127) | (i != 4 ? 128 : 0)); /* leftmost: bit 7 clear */
    f[o++] = 0xFF;
    f[o++] = 0xFF; /* EOF, CRC 0 (disabled) */
    memset(f + o, 0, 8);
    o += 8;
    cr_assert_eq(o, total);

    evlog l;
    evlog_init(&l, 0);
    rdbl_error e;
    rdbl_status st = evlog_parse_mem(&l, f, total, &big_events, RDBL_PARSE_NO_CRC, &e);
    cr_assert_eq(st, RDBL_OK, "%s", evlog_err_text(&e));
    cr_expect_str_eq(l.buf, "item len=268435450 first=A mid=B last=C\n");
    evlog_free(&l);

    /* the same element with its back-length one byte short is corrupt */
    f[o - 8 - 2 - 5] = 0x7F; /* leftmost back-length byte: bits beyond S */
    evlog_init(&l, 0);
    st = evlog_parse_mem(&l, f, total, &big_events, RDBL_PARSE_NO_CRC, &e);
    cr_expect_eq(st, RDBL_CORRUPT, "%s", evlog_err_text(&e));
    evlog_free(&l);
    free(f);
}

Test(synth_list, big_strings_arrive_in_chunks)
{
    rb r;
    rb_init(&r, "REDIS", 9);
    rb_select(&r, 0);
    char *raw = pattern(200000, 'r');
    rb_key(&r, 0, "raw");
    rb_str(&r, raw, 200000);
    char *mid = pattern(700000, 'm');
    rb_key(&r, 0, "lzf-whole");
    rb_lzf(&r, mid, 700000);
    const size_t bign = 3u << 20;
    char *big = pattern(bign, 'g');
    rb_key(&r, 0, "lzf-streamed");
    rb_lzf(&r, big, bign);
    rb_eof(&r);
    synth_save(&r, "big-strings");

    evlog l;
    evlog_init(&l, 0);
    rdbl_error e;
    rdbl_status st = evlog_parse_mem(&l, r.p, r.len, &big_events, 0, &e);
    cr_assert_eq(st, RDBL_OK, "%s", evlog_err_text(&e));
    /* raw: fixed 64 KiB chunks */
    char want[512];
    snprintf(want, sizeof want,
             "str 0/200000 len=65536 crc=%016" PRIx64 "\nstr 65536/200000 len=65536 crc=%016" PRIx64
             "\nstr 131072/200000 len=65536 crc=%016" PRIx64
             "\nstr 196608/200000 len=3392 crc=%016" PRIx64 "\n",
             rdbl_crc64(0, raw, 65536), rdbl_crc64(0, raw + 65536, 65536),
             rdbl_crc64(0, raw + 131072, 65536), rdbl_crc64(0, raw + 196608, 3392));
    cr_expect(strncmp(l.buf, want, strlen(want)) == 0, "%.600s\nexpected\n%s", l.buf, want);
    /* LZF up to 1 MiB: one chunk */
    snprintf(want, sizeof want, "str 0/700000 len=700000 crc=%016" PRIx64 "\n",
             rdbl_crc64(0, mid, 700000));
    EXPECT_HAS(&l, want);
    /* bigger LZF: streamed in pieces that are contiguous and cover it all */
    const char *p = strstr(l.buf, "str 0/3145728 ");
    cr_assert(p != NULL, "%s", l.buf);
    uint64_t next = 0, crc = 0;
    unsigned pieces = 0;
    while (p && *p) {
        unsigned long long off, total, len;
        unsigned long long c;
        if (sscanf(p, "str %llu/%llu len=%llu crc=%llx", &off, &total, &len, &c) != 4)
            break;
        cr_expect_eq(off, next, "piece at %llu, expected %" PRIu64, off, next);
        cr_expect_eq(total, bign);
        cr_expect(len > 0 && len <= 65536, "piece of %llu bytes", len);
        crc = rdbl_crc64(crc, big + off, (size_t)len);
        cr_expect_eq(c, rdbl_crc64(0, big + off, (size_t)len), "bytes of the piece at %llu", off);
        next += len;
        pieces++;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    cr_expect_eq(next, bign, "pieces cover %" PRIu64 " of %zu bytes", next, bign);
    cr_expect(pieces >= 48, "%u pieces", pieces);
    cr_expect_eq(crc, rdbl_crc64(0, big, bign));
    evlog_free(&l);

    /* key statistics, with and without a string handler */
    evlog_init(&l, 0);
    cr_assert_eq(evlog_parse_mem(&l, r.p, r.len, evlog_events_keys(), 0, NULL), RDBL_OK);
    EXPECT_HAS(&l, "endkey \"raw\" n=1 bytes=200010 vbytes=200000 largest=200000 ");
    EXPECT_HAS(&l, "endkey \"lzf-whole\" n=1 ");
    EXPECT_HAS(&l, " vbytes=700000 largest=700000 ");
    EXPECT_HAS(&l, " vbytes=3145728 largest=3145728 ");
    evlog_free(&l);
    free(raw);
    free(mid);
    free(big);
    rb_free(&r);
}
