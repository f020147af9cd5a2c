/* Targets and configuration (src/memmodel/target.c): names, "auto" guesses
 * from AUX fields and RDB versions, NAME VALUE settings, redis.conf files. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "rdblens/memmodel.h"
#include "testutil.h"

TestSuite(mm_target);

Test(mm_target, init_by_name)
{
    rdbl_error err = {0};
    rdbl_mem_config c;
    static const struct {
        const char *name;
        rdbl_mem_target t;
    } t[] = {
        {"auto", RDBL_TARGET_AUTO},         {"redis-7.0", RDBL_TARGET_REDIS_7_0},
        {"redis-7.0.15", RDBL_TARGET_REDIS_7_0}, {"7.2", RDBL_TARGET_REDIS_7_2},
        {"redis-7.4.1", RDBL_TARGET_REDIS_7_4},  {"redis-6.2", RDBL_TARGET_REDIS_6_2},
        {"redis-6.0.16", RDBL_TARGET_REDIS_6_2}, {"redis-8.2", RDBL_TARGET_REDIS_8_0},
        {"valkey-7.2.5", RDBL_TARGET_VALKEY_7_2}, {"valkey-8", RDBL_TARGET_VALKEY_8_0},
        {"valkey-8.0.1", RDBL_TARGET_VALKEY_8_0}, {"valkey-8.1", RDBL_TARGET_VALKEY_8_1},
        {"VALKEY-9.0", RDBL_TARGET_VALKEY_9_0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        cr_expect(eq(int, rdbl_mem_config_init(&c, t[i].name, &err), RDBL_OK), "%s", t[i].name);
        cr_expect(eq(int, c.target, t[i].t), "%s", t[i].name);
    }
    cr_expect(eq(int, rdbl_mem_config_init(&c, "redis-7.0", NULL), RDBL_OK));
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC));
    cr_expect(eq(int, c.state, RDBL_MEM_LIVE));
    cr_expect(eq(i64, c.th.hash_max_listpack_entries, 512));
    cr_expect(eq(i64, c.th.zset_max_listpack_entries, 128));
    cr_expect(eq(i64, c.th.list_max_listpack_size, -2));
    cr_expect(eq(int, rdbl_mem_config_init(&c, "memcached-1.6", &err), RDBL_USAGE));
    cr_expect(ne(ptr, strstr(err.msg, "memcached"), NULL));
    /* a major release without a profile is unknown, and the message lists
     * the valid names; a minor one maps to its release's profile, saying so */
    static const char *const unknown[] = {"redis-9", "redis-9.0", "redis-5.0", "valkey-10",
                                          "valkey-6.2", "4.0"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        cr_expect(eq(int, rdbl_mem_config_init(&c, unknown[i], &err), RDBL_USAGE), "%s",
                  unknown[i]);
        cr_expect(ne(ptr, strstr(err.msg, "valid: auto, redis-6.2"), NULL), "%s", err.msg);
        cr_expect(ne(ptr, strstr(err.msg, "valkey-9.0"), NULL), "%s", err.msg);
    }
    cr_expect(eq(int, rdbl_mem_config_set(&c, "target", "redis-9", &err), RDBL_USAGE));
    cr_expect(eq(int, rdbl_mem_config_init(&c, "redis-8.2", &err), RDBL_OK));
    cr_expect(ne(ptr, strstr(c.warning, "redis-8.2 has no profile of its own: priced as redis-8.0"),
                 NULL), "%s", c.warning);
    cr_expect(eq(int, rdbl_mem_config_init(&c, "redis-7.2.4", &err), RDBL_OK));
    cr_expect(eq(str, c.warning, ""));
    /* the allocator: auto by default, given by option otherwise */
    cr_expect(c.allocator_auto);
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_DEFAULT));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "jemalloc-q16", &err), RDBL_OK));
    cr_expect(not(c.allocator_auto));
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_OPTION));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "auto", &err), RDBL_OK));
    cr_expect(c.allocator_auto);
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "tcmalloc", &err), RDBL_USAGE));
    /* unverified profiles say so; verified ones do not */
    cr_expect(eq(ptr, (void *)rdbl_mem_target_note(RDBL_TARGET_REDIS_7_0), NULL));
    cr_expect(ne(ptr, strstr(rdbl_mem_target_note(RDBL_TARGET_VALKEY_9_0), "approximate"), NULL));
    cr_expect(ne(ptr, strstr(rdbl_mem_target_note(RDBL_TARGET_REDIS_8_0), "7.4 rules"), NULL));
    cr_expect(eq(str, (char *)rdbl_mem_target_name(RDBL_TARGET_VALKEY_8_1), "valkey-8.1"));
    cr_expect(eq(int, rdbl_mem_target_verified(RDBL_TARGET_REDIS_7_0), 1));
    cr_expect(eq(int, rdbl_mem_target_verified(RDBL_TARGET_VALKEY_9_0), 0));
}

Test(mm_target, guess)
{
    char w[160];
    cr_expect(eq(int, rdbl_mem_target_guess(10, false, "7.0.15", NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_7_0));
    cr_expect(eq(str, w, ""));
    cr_expect(eq(int, rdbl_mem_target_guess(11, false, "7.2.4", "8.0.1", w, sizeof w),
                 RDBL_TARGET_VALKEY_8_0));
    cr_expect(eq(int, rdbl_mem_target_guess(11, false, NULL, "8.1.0", w, sizeof w),
                 RDBL_TARGET_VALKEY_8_1));
    cr_expect(eq(int, rdbl_mem_target_guess(12, false, "7.4.1", NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_7_4));
    cr_expect(eq(int, rdbl_mem_target_guess(9, false, "6.2.14", NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_6_2));
    cr_expect(eq(str, w, ""));
    cr_expect(eq(int, rdbl_mem_target_guess(9, false, "5.0.7", NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_6_2));
    cr_expect(ne(str, w, ""));
    /* no version field: from the RDB version, with a warning when unsure */
    cr_expect(eq(int, rdbl_mem_target_guess(10, false, NULL, NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_7_0));
    cr_expect(eq(str, w, ""));
    cr_expect(eq(int, rdbl_mem_target_guess(11, false, NULL, NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_7_2));
    cr_expect(ne(ptr, strstr(w, "Valkey"), NULL));
    cr_expect(eq(int, rdbl_mem_target_guess(12, false, NULL, NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_7_4));
    cr_expect(ne(str, w, ""));
    cr_expect(eq(int, rdbl_mem_target_guess(80, true, NULL, NULL, w, sizeof w),
                 RDBL_TARGET_VALKEY_9_0));
    cr_expect(ne(str, w, ""));
    cr_expect(eq(int, rdbl_mem_target_guess(13, false, NULL, NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_8_0));
    cr_expect(eq(int, rdbl_mem_target_guess(12, false, "9.1.0", NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_8_0));
    cr_expect(ne(str, w, ""));
    /* garbage in the version field: falls back to the RDB version */
    cr_expect(eq(int, rdbl_mem_target_guess(10, false, "x.y", NULL, w, sizeof w),
                 RDBL_TARGET_REDIS_7_0));
    cr_expect(eq(int, rdbl_mem_target_guess(10, false, NULL, NULL, NULL, 0),
                 RDBL_TARGET_REDIS_7_0));
}

Test(mm_target, set_options)
{
    rdbl_error err = {0};
    rdbl_mem_config c;
    rdbl_mem_config_init(&c, "auto", &err);
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "jemalloc-q16", &err), RDBL_OK));
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC_Q16));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "jemalloc-q8", &err), RDBL_OK));
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "libc", &err), RDBL_OK));
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_LIBC));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "state", "loaded", &err), RDBL_OK));
    cr_expect(eq(int, c.state, RDBL_MEM_LOADED));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "target", "valkey-8.0", &err), RDBL_OK));
    cr_expect(eq(int, c.target, RDBL_TARGET_VALKEY_8_0));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "hash-max-ziplist-entries", "128", &err), RDBL_OK));
    cr_expect(eq(i64, c.th.hash_max_listpack_entries, 128));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "stream-node-max-bytes", "2kb", &err), RDBL_OK));
    cr_expect(eq(i64, c.th.stream_node_max_bytes, 2048));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "list-max-listpack-size", "-3", &err), RDBL_OK));
    cr_expect(eq(i64, c.th.list_max_listpack_size, -3));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "cluster-enabled", "yes", &err), RDBL_OK));
    cr_expect(c.cluster);
    cr_expect(not(c.no_shared_integers));
    cr_expect(eq(int, rdbl_mem_config_set(&c, "maxmemory-policy", "allkeys-lru", &err), RDBL_OK));
    cr_expect(not(c.no_shared_integers), "maxmemory 0 keeps shared integers");
    cr_expect(eq(int, rdbl_mem_config_set(&c, "maxmemory", "1gb", &err), RDBL_OK));
    cr_expect(c.no_shared_integers);

    rdbl_error e2 = {0};
    cr_expect(eq(int, rdbl_mem_config_set(&c, "list-max-listpack-size", "-6", &e2), RDBL_USAGE));
    rdbl_error e3 = {0};
    cr_expect(eq(int, rdbl_mem_config_set(&c, "hash-max-listpack-entries", "x", &e3), RDBL_USAGE));
    cr_expect(ne(ptr, strstr(e3.msg, "hash-max-listpack-entries"), NULL));
    rdbl_error e4 = {0};
    cr_expect(eq(int, rdbl_mem_config_set(&c, "no-such-option", "1", &e4), RDBL_USAGE));
    rdbl_error e5 = {0};
    cr_expect(eq(int, rdbl_mem_config_set(&c, "allocator", "tcmalloc", &e5), RDBL_USAGE));
}

Test(mm_target, redis_conf)
{
    char *dir = tu_mkdtemp("rdbl-mmconf");
    cr_assert(not(eq(ptr, dir, NULL)));
    char *inc = tu_path(dir, "extra.conf");
    char *main = tu_path(dir, "redis.conf");
    const char *extra = "zset-max-ziplist-value 128\n";
    cr_assert(eq(int, tu_write_file(inc, extra, strlen(extra)), 0));
    char text[1024];
    snprintf(text, sizeof text,
             "# a comment\n"
             "port 6380\n"
             "  hash-max-listpack-entries 256   \n"
             "list-compress-depth \"1\"\n"
             "cluster-enabled yes\n"
             "save \"\"\n"
             "include %s\n"
             "stream-node-max-bytes 8kb\n",
             inc);
    cr_assert(eq(int, tu_write_file(main, text, strlen(text)), 0));
    rdbl_error err = {0};
    rdbl_mem_config c;
    rdbl_mem_config_init(&c, "redis-7.0", &err);
    cr_expect(eq(int, rdbl_mem_config_read_redis_conf(&c, main, &err), RDBL_OK), "%s", err.msg);
    cr_expect(eq(i64, c.th.hash_max_listpack_entries, 256));
    cr_expect(eq(i64, c.th.list_compress_depth, 1));
    cr_expect(eq(i64, c.th.zset_max_listpack_value, 128));
    cr_expect(eq(i64, c.th.stream_node_max_bytes, 8192));
    cr_expect(c.cluster);

    const char *bad = "hash-max-listpack-entries 10\nset-max-intset-entries lots\n";
    cr_assert(eq(int, tu_write_file(main, bad, strlen(bad)), 0));
    rdbl_error e2 = {0};
    cr_expect(eq(int, rdbl_mem_config_read_redis_conf(&c, main, &e2), RDBL_USAGE));
    cr_expect(eq(u64, e2.offset, 2), "the line number");
    cr_expect(ne(ptr, strstr(e2.msg, "set-max-intset-entries"), NULL));

    rdbl_error e3 = {0};
    char *missing = tu_path(dir, "missing.conf");
    cr_expect(eq(int, rdbl_mem_config_read_redis_conf(&c, missing, &e3), RDBL_IO));
    cr_expect(ne(ptr, strstr(e3.msg, "missing.conf"), NULL));
    free(missing);
    free(inc);
    free(main);
    tu_rmtree(dir);
    free(dir);
}

/* --allocator auto: a pick only when one candidate is clearly the closest. */
Test(mm_target, calibrate)
{
    rdbl_mem_config c;
    rdbl_mem_config_init(&c, "auto", NULL);
    const uint64_t MiB = 1u << 20;
    /* Debian 7.0.15, 20k keys: used-mem 267.9 MiB */
    rdbl_mem_calibration cal = {{242 * MiB, 267 * MiB, 248 * MiB}, 281 * (int64_t)MiB, 1.0, 0};
    cal.writer_used_mem = (int64_t)(267.9 * (double)MiB);
    rdbl_mem_calibrate(&c, &cal, NULL);
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC_Q16));
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_CALIBRATED));
    cr_expect(ne(ptr, strstr(c.allocator_reason, "clearly the closest"), NULL), "%s",
              c.allocator_reason);
    /* the same figures from a prefix with +-6% uncertainty: no clear pick */
    rdbl_mem_config_init(&c, "auto", NULL);
    cal.share = 0.3;
    cal.uncertainty = 0.06;
    rdbl_mem_calibrate(&c, &cal, NULL);
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC));
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_DEFAULT));
    cr_expect(ne(ptr, strstr(c.allocator_reason, "no allocator's"), NULL), "%s",
              c.allocator_reason);
    cr_expect(ne(ptr, strstr(c.allocator_reason, "first 30.0% of the file"), NULL));
    /* two candidates about as close: jemalloc stays */
    rdbl_mem_config_init(&c, "auto", NULL);
    rdbl_mem_calibration close = {{100 * MiB, 109 * MiB, 111 * MiB}, 110 * (int64_t)MiB, 1.0, 0};
    rdbl_mem_calibrate(&c, &close, NULL);
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_DEFAULT));
    /* every candidate far away (buffers, a replica backlog): jemalloc stays */
    rdbl_mem_config_init(&c, "auto", NULL);
    rdbl_mem_calibration far = {{50 * MiB, 60 * MiB, 55 * MiB}, 100 * (int64_t)MiB, 1.0, 0};
    rdbl_mem_calibrate(&c, &far, NULL);
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_DEFAULT));
    /* libc just closest on a quantum-8 server (Redis 7.4.1, 3k keys): not
     * picked without a wide margin over both jemalloc tables */
    rdbl_mem_config_init(&c, "auto", NULL);
    rdbl_mem_calibration r74 = {{(uint64_t)(38.2 * MiB), (uint64_t)(41.9 * MiB),
                                 (uint64_t)(39.4 * MiB)},
                                (int64_t)(39.4 * MiB), 1.0, 0};
    rdbl_mem_calibrate(&c, &r74, NULL);
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_JEMALLOC));
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_DEFAULT));
    rdbl_mem_config_init(&c, "auto", NULL);
    rdbl_mem_calibration glibc = {{80 * MiB, 88 * MiB, 99 * MiB}, 100 * (int64_t)MiB, 1.0, 0};
    rdbl_mem_calibrate(&c, &glibc, NULL);
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_LIBC));
    /* no used-mem, or no pre-pass: the reason says why */
    rdbl_mem_config_init(&c, "auto", NULL);
    rdbl_mem_calibrate(&c, NULL, "standard input cannot be read twice to calibrate");
    cr_expect(ne(ptr, strstr(c.allocator_reason, "standard input"), NULL));
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_DEFAULT));
    /* given by option: kept, whatever the figures */
    rdbl_mem_config_init(&c, "auto", NULL);
    rdbl_mem_config_set(&c, "allocator", "libc", NULL);
    rdbl_mem_calibrate(&c, &cal, NULL);
    cr_expect(eq(int, c.allocator, RDBL_ALLOC_LIBC));
    cr_expect(eq(int, c.allocator_source, RDBL_ALLOC_SRC_OPTION));
    cr_expect(eq(str, (char *)rdbl_alloc_source_name(RDBL_ALLOC_SRC_CALIBRATED), "calibrated"));
}
