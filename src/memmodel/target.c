/* Target profiles and configuration: which server version loads the data
 * (memory-model.md §7, §8), its struct sizes, the loading server's encoding
 * thresholds (§5.1), `NAME VALUE` settings and redis.conf files.
 *
 * Profile facts come from the tagged sources (redis/redis src/server.h,
 * src/dict.h, src/quicklist.h, src/stream.h, src/object.c; valkey-io/valkey
 * likewise). Checked against real servers by this build (tools/accuracy,
 * README table): redis-7.0 (Debian 7.0.15, jemalloc quantum 16) and
 * redis-7.2 and redis-7.4 (7.2.6 and 7.4.1 built from their tags, quantum
 * 8; reloaded figures exact but for skiplists); the others are marked
 * approximate in the output (rdbl_mem_target_note). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "memmodel/mm.h"

/* sizeof(dict): 6.2 has two 32-byte dictht inside; 7.0+ keep exponents. */
#define DICT62 96
#define DICT70 56
/* typical used_memory_startup (Debian 7.0.15: 876,440) */
#define STARTUP 870000

static const rdbl__profile profiles[] = {
    {.target = RDBL_TARGET_REDIS_6_2, .sds_kind = RDBL__SDS_REDIS, .key_model = RDBL__KEY_SDS,
     .ziplist = true, .set_midrehash = true, .score_style = RDBL__SCORE_62, .cluster_key = 0,
     .dict_struct = DICT62, .ql_struct = 40, .ql_node = 32, .stream_struct = 40, .cg_struct = 32,
     .consumer_struct = 24, .nack_struct = 24, .live_rehash = true, .startup = 800000},
    {.target = RDBL_TARGET_REDIS_7_0, .sds_kind = RDBL__SDS_REDIS, .key_model = RDBL__KEY_SDS,
     .set_midrehash = true, .score_style = RDBL__SCORE_70, .cluster_key = 16,
     .dict_struct = DICT70, .ql_struct = 40, .ql_node = 40, .stream_struct = 80, .cg_struct = 40,
     .consumer_struct = 24, .nack_struct = 24, .live_rehash = true, .startup = STARTUP},
    {.target = RDBL_TARGET_REDIS_7_2, .sds_kind = RDBL__SDS_REDIS, .key_model = RDBL__KEY_SDS,
     .lp_sets = true, .lp_lists = true, .zset_presize = true, .score_style = RDBL__SCORE_SHORT,
     .cluster_key = 16, .dict_struct = DICT70, .ql_struct = 40, .ql_node = 40,
     .stream_struct = 80, .cg_struct = 40, .consumer_struct = 32, .nack_struct = 24,
     .live_rehash = true, .startup = STARTUP},
    {.target = RDBL_TARGET_REDIS_7_4, .sds_kind = RDBL__SDS_REDIS, .key_model = RDBL__KEY_SDS,
     .lp_sets = true, .lp_lists = true, .zset_presize = true, .hfe = true, .plain_large = true,
     .score_style = RDBL__SCORE_SHORT, .cluster_key = 0, .dict_struct = DICT70, .ql_struct = 40,
     .ql_node = 40, .stream_struct = 80, .cg_struct = 40, .consumer_struct = 32,
     .nack_struct = 24, .startup = STARTUP},
    {.target = RDBL_TARGET_REDIS_8_0, .sds_kind = RDBL__SDS_REDIS, .key_model = RDBL__KEY_KVOBJ,
     .lp_sets = true, .lp_lists = true, .zset_presize = true, .hfe = true, .plain_large = true,
     .score_style = RDBL__SCORE_SHORT, .cluster_key = 0, .dict_struct = DICT70, .ql_struct = 40,
     .ql_node = 40, .stream_struct = 80, .cg_struct = 40, .consumer_struct = 32,
     .nack_struct = 24, .startup = STARTUP},
    {.target = RDBL_TARGET_VALKEY_7_2, .sds_kind = RDBL__SDS_REDIS, .key_model = RDBL__KEY_SDS,
     .lp_sets = true, .lp_lists = true, .zset_presize = true, .score_style = RDBL__SCORE_SHORT,
     .cluster_key = 16, .dict_struct = DICT70, .ql_struct = 40, .ql_node = 40,
     .stream_struct = 80, .cg_struct = 40, .consumer_struct = 32, .nack_struct = 24,
     .live_rehash = true, .startup = STARTUP},
    {.target = RDBL_TARGET_VALKEY_8_0, .sds_kind = RDBL__SDS_VALKEY,
     .key_model = RDBL__KEY_VK_ENTRY, .lp_sets = true, .lp_lists = true, .zset_presize = true,
     .vk_set_entries = true, .score_style = RDBL__SCORE_SHORT, .cluster_key = 0,
     .dict_struct = DICT70, .ql_struct = 40, .ql_node = 40, .stream_struct = 80, .cg_struct = 40,
     .consumer_struct = 32, .nack_struct = 24, .startup = STARTUP},
    {.target = RDBL_TARGET_VALKEY_8_1, .sds_kind = RDBL__SDS_VALKEY, .key_model = RDBL__KEY_VK_ROBJ,
     .lp_sets = true, .lp_lists = true, .zset_presize = true, .vk_hashtable = true, .ht_struct = 72,
     .score_style = RDBL__SCORE_SHORT, .cluster_key = 0, .dict_struct = DICT70, .ql_struct = 40,
     .ql_node = 40, .stream_struct = 80, .cg_struct = 40, .consumer_struct = 32,
     .nack_struct = 24, .startup = STARTUP},
    {.target = RDBL_TARGET_VALKEY_9_0, .sds_kind = RDBL__SDS_VALKEY, .key_model = RDBL__KEY_VK_ROBJ,
     .lp_sets = true, .lp_lists = true, .zset_presize = true, .vk_hashtable = true, .ht_struct = 80,
     .score_style = RDBL__SCORE_SHORT, .cluster_key = 0, .dict_struct = DICT70, .ql_struct = 40,
     .ql_node = 40, .stream_struct = 80, .cg_struct = 40, .consumer_struct = 32,
     .nack_struct = 24, .startup = STARTUP},
};

const rdbl__profile *rdbl__profile_get(rdbl_mem_target t)
{
    for (size_t i = 0; i < sizeof profiles / sizeof profiles[0]; i++)
        if (profiles[i].target == t)
            return &profiles[i];
    return &profiles[1]; /* redis-7.0 */
}

const char *rdbl_mem_target_name(rdbl_mem_target t)
{
    switch (t) {
    case RDBL_TARGET_AUTO:
        return "auto";
#define RDBL__MT(name, text, verified)                                        \
    case RDBL_TARGET_##name:                                                  \
        return text;
        RDBL_MEM_TARGET_LIST(RDBL__MT)
#undef RDBL__MT
    case RDBL_TARGET__COUNT:
        break;
    }
    return "unknown";
}

int rdbl_mem_target_verified(rdbl_mem_target t)
{
    switch (t) {
#define RDBL__MT(name, text, verified)                                        \
    case RDBL_TARGET_##name:                                                  \
        return verified;
        RDBL_MEM_TARGET_LIST(RDBL__MT)
#undef RDBL__MT
    default:
        return 0;
    }
}

const char *rdbl_mem_target_note(rdbl_mem_target t)
{
    if (t == RDBL_TARGET_AUTO || rdbl_mem_target_verified(t))
        return NULL;
    switch (t) {
#define RDBL__MT(name, text, verified)                                        \
    case RDBL_TARGET_##name:                                                  \
        return RDBL_TARGET_##name == RDBL_TARGET_REDIS_8_0                    \
                   ? text " is priced with the 7.4 rules (its key/value object is not "  \
                          "modelled) and was not checked against a running server: "    \
                          "estimates are approximate"                         \
                   : text " follows the server's source but was not checked against a " \
                          "running server: estimates are approximate";
        RDBL_MEM_TARGET_LIST(RDBL__MT)
#undef RDBL__MT
    default:
        return NULL;
    }
}

/* "7.2.4" -> major 7, minor 2. Returns false if it does not start with digits. */
static bool parse_ver(const char *s, int *major, int *minor)
{
    if (!s || !isdigit((unsigned char)*s))
        return false;
    char *end;
    long a = strtol(s, &end, 10);
    long b = 0;
    if (*end == '.' && isdigit((unsigned char)end[1]))
        b = strtol(end + 1, &end, 10);
    if (a < 0 || a > 1000 || b < 0 || b > 1000)
        return false;
    *major = (int)a;
    *minor = (int)b;
    return true;
}

static rdbl_mem_target redis_profile(int ma, int mi, char *warn, size_t cap)
{
    if (ma < 6 || (ma == 6 && mi < 2)) {
        snprintf(warn, cap, "Redis %d.%d is older than every profile: using redis-6.2", ma, mi);
        return RDBL_TARGET_REDIS_6_2;
    }
    if (ma == 6)
        return RDBL_TARGET_REDIS_6_2;
    if (ma == 7 && mi < 2)
        return RDBL_TARGET_REDIS_7_0;
    if (ma == 7 && mi < 4)
        return RDBL_TARGET_REDIS_7_2;
    if (ma == 7)
        return RDBL_TARGET_REDIS_7_4;
    if (ma > 8 || mi > 0)
        snprintf(warn, cap, "Redis %d.%d is newer than every profile: using redis-8.0", ma, mi);
    return RDBL_TARGET_REDIS_8_0;
}

static rdbl_mem_target valkey_profile(int ma, int mi, char *warn, size_t cap)
{
    if (ma < 8) {
        if (ma < 7 || mi < 2)
            snprintf(warn, cap, "Valkey %d.%d is not a known release: using valkey-7.2", ma, mi);
        return RDBL_TARGET_VALKEY_7_2;
    }
    if (ma == 8 && mi == 0)
        return RDBL_TARGET_VALKEY_8_0;
    if (ma == 8)
        return RDBL_TARGET_VALKEY_8_1;
    if (ma > 9 || mi > 0)
        snprintf(warn, cap, "Valkey %d.%d is newer than every profile: using valkey-9.0", ma, mi);
    return RDBL_TARGET_VALKEY_9_0;
}

rdbl_mem_target rdbl_mem_target_guess(int rdb_version, bool valkey_magic, const char *redis_ver,
                                      const char *valkey_ver, char *warn, size_t warn_cap)
{
    char dummy[4];
    if (!warn || warn_cap == 0) {
        warn = dummy;
        warn_cap = sizeof dummy;
    }
    warn[0] = '\0';
    int ma, mi;
    if (parse_ver(valkey_ver, &ma, &mi))
        return valkey_profile(ma, mi, warn, warn_cap);
    if (parse_ver(redis_ver, &ma, &mi))
        return redis_profile(ma, mi, warn, warn_cap);
    if (valkey_magic) {
        snprintf(warn, warn_cap, "no valkey-ver AUX field: VALKEY%03d guessed as valkey-9.0",
                 rdb_version);
        return RDBL_TARGET_VALKEY_9_0;
    }
    if (rdb_version == 10)
        return RDBL_TARGET_REDIS_7_0; /* only Redis 7.0 writes RDB 10 */
    if (rdb_version <= 9) {
        snprintf(warn, warn_cap, "no redis-ver AUX field: RDB %d guessed as redis-6.2",
                 rdb_version);
        return RDBL_TARGET_REDIS_6_2;
    }
    if (rdb_version == 11) {
        snprintf(warn, warn_cap,
                 "no redis-ver AUX field: RDB 11 is Redis 7.2 or Valkey 7.2/8.0; using redis-7.2");
        return RDBL_TARGET_REDIS_7_2;
    }
    if (rdb_version == 12) {
        snprintf(warn, warn_cap,
                 "no redis-ver AUX field: RDB 12 is Redis 7.4 to 8.4; using redis-7.4");
        return RDBL_TARGET_REDIS_7_4;
    }
    snprintf(warn, warn_cap, "no redis-ver AUX field: RDB %d guessed as redis-8.0", rdb_version);
    return RDBL_TARGET_REDIS_8_0;
}

/* "auto, redis-6.2, ..., valkey-9.0": every name a target can be given as. */
static const char *target_names(void)
{
    return "auto"
#define RDBL__MT(name, text, verified) ", " text
        RDBL_MEM_TARGET_LIST(RDBL__MT)
#undef RDBL__MT
        ;
}

/* "redis-7.0", "redis-7.0.15", "valkey-8", "7.2" (Redis), "auto". A version
 * of a major release with a profile maps to the closest profile of that
 * release, with a warning in warn (e.g. redis-8.2 -> redis-8.0); a major
 * release without any (redis-9, redis-5.0, valkey-10) is unknown. */
static bool target_from_name(const char *s, rdbl_mem_target *out, char *warn, size_t cap)
{
    warn[0] = '\0';
    if (!s)
        return false;
    if (!strcasecmp(s, "auto")) {
        *out = RDBL_TARGET_AUTO;
        return true;
    }
    for (int t = RDBL_TARGET_AUTO + 1; t < RDBL_TARGET__COUNT; t++)
        if (!strcasecmp(s, rdbl_mem_target_name((rdbl_mem_target)t))) {
            *out = (rdbl_mem_target)t;
            return true;
        }
    bool valkey = false;
    if (!strncasecmp(s, "redis-", 6)) {
        s += 6;
    } else if (!strncasecmp(s, "valkey-", 7)) {
        s += 7;
        valkey = true;
    }
    int ma, mi;
    if (!parse_ver(s, &ma, &mi))
        return false;
    char why[160] = "";
    *out = valkey ? valkey_profile(ma, mi, why, sizeof why) : redis_profile(ma, mi, why, sizeof why);
    const char *prof = rdbl_mem_target_name(*out);
    const char *dash = strchr(prof, '-');
    /* the profile's major release must be the one asked for */
    if (!dash || atoi(dash + 1) != ma)
        return false;
    if (why[0])
        snprintf(warn, cap, "%s%d.%d has no profile of its own: priced as %s", valkey ? "valkey-" : "redis-",
                 ma, mi, prof);
    return true;
}

static void thresholds_default(rdbl_mem_thresholds *th)
{
    th->hash_max_listpack_entries = 512;
    th->hash_max_listpack_value = 64;
    th->zset_max_listpack_entries = 128;
    th->zset_max_listpack_value = 64;
    th->set_max_intset_entries = 512;
    th->set_max_listpack_entries = 128;
    th->set_max_listpack_value = 64;
    th->list_max_listpack_size = -2;
    th->list_compress_depth = 0;
    th->stream_node_max_bytes = 4096;
    th->stream_node_max_entries = 100;
}

rdbl_status rdbl_mem_config_init(rdbl_mem_config *cfg, const char *target, rdbl_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->allocator = RDBL_ALLOC_JEMALLOC;
    cfg->allocator_auto = true;
    cfg->allocator_source = RDBL_ALLOC_SRC_DEFAULT;
    cfg->state = RDBL_MEM_LIVE;
    thresholds_default(&cfg->th);
    if (!target_from_name(target ? target : "auto", &cfg->target, cfg->warning,
                          sizeof cfg->warning))
        return rdbl__fail(err, RDBL_USAGE, 0, "memory model", "unknown target '%s' (valid: %s)",
                          target, target_names());
    return RDBL_OK;
}

/* redis's memtoull: 1k = 1000, 1kb = 1024, m/mb, g/gb, case-insensitive. */
static bool parse_mem(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v || errno)
        return false;
    long long mul = 1;
    if (*end) {
        if (!strcasecmp(end, "b"))
            mul = 1;
        else if (!strcasecmp(end, "k"))
            mul = 1000;
        else if (!strcasecmp(end, "kb"))
            mul = 1024;
        else if (!strcasecmp(end, "m"))
            mul = 1000 * 1000;
        else if (!strcasecmp(end, "mb"))
            mul = 1024 * 1024;
        else if (!strcasecmp(end, "g"))
            mul = 1000LL * 1000 * 1000;
        else if (!strcasecmp(end, "gb"))
            mul = 1024LL * 1024 * 1024;
        else
            return false;
    }
    if (n < 0 || (mul > 1 && n > INT64_MAX / mul))
        return false;
    *out = n * mul;
    return true;
}

static bool parse_int(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end || errno)
        return false;
    *out = n;
    return true;
}

static bool parse_yesno(const char *v, bool *out)
{
    if (!strcasecmp(v, "yes")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "no")) {
        *out = false;
        return true;
    }
    return false;
}

/* Thresholds by name, with the ziplist-era aliases redis still accepts. */
static int64_t *threshold_slot(rdbl_mem_thresholds *th, const char *name, bool *is_mem)
{
    static const struct {
        const char *name, *alias;
        size_t off;
        bool mem;
    } map[] = {
        {"hash-max-listpack-entries", "hash-max-ziplist-entries",
         offsetof(rdbl_mem_thresholds, hash_max_listpack_entries), false},
        {"hash-max-listpack-value", "hash-max-ziplist-value",
         offsetof(rdbl_mem_thresholds, hash_max_listpack_value), true},
        {"zset-max-listpack-entries", "zset-max-ziplist-entries",
         offsetof(rdbl_mem_thresholds, zset_max_listpack_entries), false},
        {"zset-max-listpack-value", "zset-max-ziplist-value",
         offsetof(rdbl_mem_thresholds, zset_max_listpack_value), true},
        {"set-max-intset-entries", NULL, offsetof(rdbl_mem_thresholds, set_max_intset_entries),
         false},
        {"set-max-listpack-entries", NULL,
         offsetof(rdbl_mem_thresholds, set_max_listpack_entries), false},
        {"set-max-listpack-value", NULL, offsetof(rdbl_mem_thresholds, set_max_listpack_value),
         true},
        {"list-max-listpack-size", "list-max-ziplist-size",
         offsetof(rdbl_mem_thresholds, list_max_listpack_size), false},
        {"list-compress-depth", NULL, offsetof(rdbl_mem_thresholds, list_compress_depth), false},
        {"stream-node-max-bytes", NULL, offsetof(rdbl_mem_thresholds, stream_node_max_bytes),
         true},
        {"stream-node-max-entries", NULL,
         offsetof(rdbl_mem_thresholds, stream_node_max_entries), false},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcasecmp(name, map[i].name) || (map[i].alias && !strcasecmp(name, map[i].alias))) {
            *is_mem = map[i].mem;
            return (int64_t *)(void *)((char *)th + map[i].off);
        }
    return NULL;
}

/* Set one option; line is the redis.conf line number for messages (0: none). */
static rdbl_status config_set(rdbl_mem_config *cfg, const char *name, const char *value,
                              uint64_t line, rdbl_error *err, bool *known)
{
    *known = true;
    if (!name || !value)
        return rdbl__fail(err, RDBL_USAGE, line, "memory model", "option name or value missing");
    bool is_mem = false;
    int64_t *slot = threshold_slot(&cfg->th, name, &is_mem);
    if (slot) {
        int64_t v;
        bool ok = is_mem ? parse_mem(value, &v) : parse_int(value, &v);
        if (!ok)
            return rdbl__fail(err, RDBL_USAGE, line, "memory model", "%s: bad value '%s'", name,
                              value);
        if (!strcasecmp(name, "list-max-listpack-size") ||
            !strcasecmp(name, "list-max-ziplist-size")) {
            if (v < -5 || v == 0 || v > 65535) /* redis accepts -5..-1 and positive counts */
                return rdbl__fail(err, RDBL_USAGE, line, "memory model",
                                  "%s: %s is out of range (-5..-1 or 1..65535)", name, value);
        } else if (v < 0) {
            return rdbl__fail(err, RDBL_USAGE, line, "memory model", "%s: negative value '%s'",
                              name, value);
        }
        *slot = v;
        return RDBL_OK;
    }
    if (!strcasecmp(name, "target")) {
        rdbl_mem_target t;
        char warn[sizeof cfg->warning];
        if (!target_from_name(value, &t, warn, sizeof warn))
            return rdbl__fail(err, RDBL_USAGE, line, "memory model",
                              "unknown target '%s' (valid: %s)", value, target_names());
        cfg->target = t;
        memcpy(cfg->warning, warn, sizeof warn);
        return RDBL_OK;
    }
    if (!strcasecmp(name, "allocator")) {
        bool is_auto = !strcasecmp(value, "auto");
        if (is_auto || !strcasecmp(value, "jemalloc") || !strcasecmp(value, "jemalloc-q8"))
            cfg->allocator = RDBL_ALLOC_JEMALLOC;
        else if (!strcasecmp(value, "jemalloc-q16"))
            cfg->allocator = RDBL_ALLOC_JEMALLOC_Q16;
        else if (!strcasecmp(value, "libc"))
            cfg->allocator = RDBL_ALLOC_LIBC;
        else
            return rdbl__fail(err, RDBL_USAGE, line, "memory model",
                              "unknown allocator '%s' (auto, jemalloc, jemalloc-q16, libc)",
                              value);
        cfg->allocator_auto = is_auto;
        cfg->allocator_source = is_auto ? RDBL_ALLOC_SRC_DEFAULT : RDBL_ALLOC_SRC_OPTION;
        cfg->allocator_reason[0] = '\0';
        return RDBL_OK;
    }
    if (!strcasecmp(name, "state")) {
        if (!strcasecmp(value, "live"))
            cfg->state = RDBL_MEM_LIVE;
        else if (!strcasecmp(value, "loaded") || !strcasecmp(value, "reloaded"))
            cfg->state = RDBL_MEM_LOADED;
        else
            return rdbl__fail(err, RDBL_USAGE, line, "memory model",
                              "unknown state '%s' (live, loaded)", value);
        return RDBL_OK;
    }
    if (!strcasecmp(name, "cluster-enabled")) {
        if (!parse_yesno(value, &cfg->cluster))
            return rdbl__fail(err, RDBL_USAGE, line, "memory model",
                              "cluster-enabled: expected yes or no, got '%s'", value);
        return RDBL_OK;
    }
    if (!strcasecmp(name, "maxmemory")) {
        int64_t v;
        if (!parse_mem(value, &v))
            return rdbl__fail(err, RDBL_USAGE, line, "memory model", "maxmemory: bad value '%s'",
                              value);
        cfg->maxmemory_set = v > 0;
        cfg->no_shared_integers = cfg->maxmemory_set && cfg->lru_lfu_policy;
        return RDBL_OK;
    }
    if (!strcasecmp(name, "maxmemory-policy")) {
        cfg->lru_lfu_policy = strstr(value, "lru") != NULL || strstr(value, "lfu") != NULL ||
                              strstr(value, "LRU") != NULL || strstr(value, "LFU") != NULL;
        cfg->no_shared_integers = cfg->maxmemory_set && cfg->lru_lfu_policy;
        return RDBL_OK;
    }
    *known = false;
    return rdbl__fail(err, RDBL_USAGE, line, "memory model", "unknown option '%s'", name);
}

rdbl_status rdbl_mem_config_set(rdbl_mem_config *cfg, const char *name, const char *value,
                                rdbl_error *err)
{
    bool known;
    return config_set(cfg, name, value, 0, err, &known);
}

/* Splits a config line into at most 3 arguments as sdssplitargs does for
 * the simple cases: blanks separate, "..." and '...' quote (with \" and \\
 * escapes inside double quotes). Returns the argument count, -1 on an
 * unbalanced quote. */
static int split_line(char *line, char *argv[3])
{
    int argc = 0;
    char *p = line;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        char *out = p, *start = p;
        if (*p == '"' || *p == '\'') {
            char q = *p++;
            while (*p && *p != q) {
                if (q == '"' && *p == '\\' && p[1])
                    p++;
                *out++ = *p++;
            }
            if (*p != q)
                return -1;
            p++;
        } else {
            while (*p && !isspace((unsigned char)*p))
                *out++ = *p++;
        }
        char *next = *p ? p + 1 : p;
        *out = '\0';
        if (argc < 3)
            argv[argc] = start;
        argc++;
        p = next;
    }
    return argc;
}

static rdbl_status read_conf(rdbl_mem_config *cfg, const char *path, int depth, rdbl_error *err)
{
    if (depth > 8)
        return rdbl__fail(err, RDBL_USAGE, 0, "redis.conf", "includes nested too deep at %s",
                          path);
    FILE *f = fopen(path, "r");
    if (!f)
        return rdbl__fail(err, RDBL_IO, 0, "redis.conf", "cannot open %s: %s", path,
                          strerror(errno));
    char line[4096];
    uint64_t lineno = 0;
    rdbl_status st = RDBL_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *argv[3] = {0};
        int argc = split_line(line, argv);
        if (argc <= 0 || argv[0][0] == '#')
            continue;
        if (!strcasecmp(argv[0], "include") && argc >= 2) {
            st = read_conf(cfg, argv[1], depth + 1, err);
            if (st != RDBL_OK)
                break;
            continue;
        }
        if (argc < 2)
            continue;
        bool known = false;
        rdbl_error tmp = {0};
        st = config_set(cfg, argv[0], argv[1], lineno, &tmp, &known);
        if (!known) {
            st = RDBL_OK; /* any other setting: not ours */
            continue;
        }
        if (st != RDBL_OK) {
            rdbl__fail(err, st, lineno, "redis.conf", "%s:%llu: %s", path,
                       (unsigned long long)lineno, tmp.msg);
            break;
        }
    }
    fclose(f);
    return st;
}

rdbl_status rdbl_mem_config_read_redis_conf(rdbl_mem_config *cfg, const char *path,
                                            rdbl_error *err)
{
    return read_conf(cfg, path, 0, err);
}
