/* The public sample corpus (../shared/corpus, $RDBL_CORPUS_DIR): every .rdb
 * file is parsed with every handler present and must give the outcome the
 * corpus README and rdb-format.md §17 state:
 *
 *   - every file reads to EOF with RDBL_OK, except
 *     valkey-assets/corrupt_ziplist.rdb  CORRUPT at the bad blob (offset 489,
 *                                        the blob's first byte), the keys
 *                                        before it reported;
 *     librdb/invalid_chksum_v8.rdb       CHECKSUM (content read);
 *     librdb/future_v19.rdb              CHECKSUM, future_version and a warning;
 *   - valkey-assets/corrupt_empty_keys.rdb: OK with one "empty" warning per
 *     empty collection;
 *   - checksum "ok" (version >= 5), "disabled" (script.rdb,
 *     redis_40_with_module.rdb), "absent" (version < 5);
 *   - rdbtools/redis_40_with_module.rdb: 40 trailing bytes.
 *
 * Then the decoded keys and values are compared with librdb's expected
 * "data" JSON output (librdb/ *_data.json and the other data-level JSON files,
 * paired as librdb's own tests pair them, test/test_rdb_to_json.c,
 * test_rdb_to_redis.c, test_rdb_cli.c, test_main.c @35f0f1a). librdb writes
 * fragments ("__aux__": {...}, "key": value, ...) that become JSON when
 * wrapped in braces (its validate_all_json_files.sh does the same), or an
 * array of one object per DB when not flattened. Both sides are
 * canonicalised before comparing:
 *   string   the bytes (int-encoded strings as decimal text)
 *   list     array in order
 *   set      array, compared sorted
 *   zset     {member: score}; scores parsed with strtod on both sides and
 *            compared as doubles (librdb prints the shortest form, and -0
 *            as "0": three files store -0 scores, equal to 0 as doubles)
 *   hash     {field: value}; field order ignored (jansson object equality)
 *   module   "<Content of Module 'NAME'. Occupies a serialized size of N
 *            bytes>" with N = module id bytes + tagged payload (librdb counts
 *            from the id)
 *   stream   {"entries":[{"id","items":{}}]} plus, for stream_data_with_meta,
 *            length/entriesAdded/firstID/lastID/maxDelEntryID/groups
 *   __aux__ {name: value}, __dbsize__ {size, expires} from RESIZEDB,
 *            __slotinfo__ {slotId, slotSize, slotSExpiresSize}, __func__
 *            {"__Function_N": code} compared as a set of codes (librdb
 *            numbers them 1, 3, ...); compared only when the JSON has them.
 * Every key of either side must be on the other.
 *
 * Deliberate exception: librdb/set_expired.json is empty because it is what
 * a Redis server kept after loading set_expired_v11.rdb (the server drops
 * keys already expired); a parser reports them, so that pair checks instead
 * that the file's only key expired before the save time (aux ctime). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "evlog.h"
#include "rdblens/parser.h"
#include "rdblens/source.h"
#include "testutil.h"

TestSuite(corpus, .timeout = 120);

/* The corpus folder, or NULL after saying why: a failure when CI=true is set
 * (the corpus must be there), a loud skip otherwise. */
static const char *corpus_dir_or_skip(void)
{
    const char *dir = tu_env("RDBL_CORPUS_DIR", NULL);
    struct stat st;
    if (dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return dir;
    const char *ci = tu_env("CI", "");
    if (strcmp(ci, "true") == 0)
        cr_assert_fail("corpus folder %s is missing (RDBL_CORPUS_DIR) and CI=true",
                dir ? dir : "(RDBL_CORPUS_DIR unset)");
    else
        cr_skip_test("corpus folder %s is missing: the corpus tests did not run",
                     dir ? dir : "(RDBL_CORPUS_DIR unset)");
    return NULL;
}

static char *corpus_path(const char *dir, const char *rel)
{
    char *p = tu_path(dir, rel);
    cr_assert(p != NULL);
    return p;
}

/* ---- expected outcomes ---- */

typedef struct outcome {
    const char *file;       /* relative to the corpus folder */
    rdbl_status status;
    const char *crc;        /* checksum status name; NULL: no end event */
    uint64_t trailing;
    bool future;
    size_t warnings;        /* exact number of warnings */
    const char *warning;    /* a substring every warning must contain, or NULL */
} outcome;

static const outcome special[] = {
    {"valkey-assets/corrupt_ziplist.rdb", RDBL_CORRUPT, NULL, 0, false, 0, NULL},
    {"librdb/invalid_chksum_v8.rdb", RDBL_CHECKSUM, "mismatch", 0, false, 0, NULL},
    {"librdb/future_v19.rdb", RDBL_CHECKSUM, "mismatch", 0, true, 1, "newer than"},
    {"valkey-assets/corrupt_empty_keys.rdb", RDBL_OK, "ok", 0, false, 10, "empty"},
    {"librdb/script.rdb", RDBL_OK, "disabled", 0, false, 0, NULL},
    {"rdbtools/redis_40_with_module.rdb", RDBL_OK, "disabled", 40, false, 0, NULL},
};

static int header_version(const uint8_t *p, size_t n)
{
    if (n < 9)
        return -1;
    int at = memcmp(p, "VALKEY", 6) == 0 ? 6 : memcmp(p, "REDIS", 5) == 0 ? 5 : -1;
    if (at < 0)
        return -1;
    int v = 0;
    for (int i = at; i < 9; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

static outcome expected_for(const char *rel, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (strcmp(special[i].file, rel) == 0)
            return special[i];
    int v = header_version(p, n);
    outcome o = {rel, RDBL_OK, v >= 5 ? "ok" : "absent", 0, false, 0, NULL};
    return o;
}

/* Checks one file against its outcome; returns the number of keys read. */
static unsigned long check_file(const char *dir, const char *path)
{
    const char *rel = path + strlen(dir) + 1;
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL, "cannot read %s", path);
    outcome o = expected_for(rel, data, n);

    evlog l;
    evlog_init(&l, 0);
    rdbl_error err;
    rdbl_status st = evlog_parse_mem(&l, data, n, NULL, 0, &err);
    cr_expect(st == o.status, "%s: status %s, expected %s (%s)", rel, rdbl_status_name(st),
              rdbl_status_name(o.status), evlog_err_text(&err));
    cr_expect(evlog_count(&l, "begin") == 1, "%s: no begin event", rel);
    cr_expect(!evlog_contains(&l, "!key mismatch"), "%s: a value event had another key", rel);
    cr_expect(!evlog_contains(&l, "!badint"), "%s: an int item had a bad length", rel);
    cr_expect(evlog_count(&l, "key") == evlog_count(&l, "endkey") || st != RDBL_OK,
              "%s: %zu begin_key, %zu end_key", rel, evlog_count(&l, "key"),
              evlog_count(&l, "endkey"));
    if (o.crc) {
        char want[64];
        snprintf(want, sizeof want, "end crc=%s ", o.crc);
        char *end = evlog_grep(&l, "end");
        cr_expect(strncmp(end, want, strlen(want)) == 0, "%s: end line \"%s\", expected %s",
                  rel, end, want);
        char tr[64];
        snprintf(tr, sizeof tr, "trailing=%" PRIu64 "\n", o.trailing);
        cr_expect(strstr(end, tr) != NULL, "%s: end line \"%s\", expected %s", rel, end, tr);
        free(end);
    } else {
        cr_expect(evlog_count(&l, "end") == 0, "%s: end event after an error", rel);
    }
    char fut[32];
    snprintf(fut, sizeof fut, "future=%d ", o.future ? 1 : 0);
    cr_expect(evlog_contains(&l, fut), "%s: expected %s", rel, fut);
    cr_expect(l.warnings == o.warnings, "%s: %lu warnings, expected %zu:\n%s", rel, l.warnings,
              o.warnings, evlog_grep(&l, "warning"));
    if (o.warning) {
        char *w = evlog_grep(&l, "warning");
        for (char *line = strtok(w, "\n"); line; line = strtok(NULL, "\n"))
            cr_expect(strstr(line, o.warning) != NULL, "%s: warning \"%s\" lacks \"%s\"", rel,
                      line, o.warning);
        free(w);
    }
    if (st == RDBL_CHECKSUM) {
        cr_expect(err.code == RDBL_CHECKSUM && strstr(err.msg, "CRC-64 mismatch") != NULL,
                  "%s: %s", rel, evlog_err_text(&err));
        cr_expect(l.keys > 0, "%s: content not read", rel);
    }
    unsigned long keys = l.keys;
    evlog_free(&l);
    free(data);
    return keys;
}

Test(corpus, every_file_gives_its_expected_outcome)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    size_t n;
    char **files = evlog_list_files(dir, ".rdb", &n);
    cr_assert(files != NULL);
    /* rdb-format.md §17 counts 81 files; more is fine, fewer means a
     * partial copy. */
    cr_expect(n >= 81, "only %zu .rdb files under %s", n, dir);
    unsigned long keys = 0;
    for (size_t i = 0; i < n; i++)
        keys += check_file(dir, files[i]);
    cr_expect(keys >= 400, "only %lu keys in the whole corpus", keys);
    evlog_free_list(files);
}

Test(corpus, corrupt_ziplist_reports_the_blob_offset_and_the_keys_before)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    char *path = corpus_path(dir, "valkey-assets/corrupt_ziplist.rdb");
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL);
    evlog l;
    evlog_init(&l, 0);
    rdbl_error err;
    rdbl_status st = evlog_parse_mem(&l, data, n, NULL, 0, &err);
    cr_assert_eq(st, RDBL_CORRUPT, "%s", evlog_err_text(&err));
    /* Type 13 at 470, key "key:000000000091" at 471..487, the blob's length
     * byte (5) at 488 and its five bytes "xxxxx" from 489: too short to be a
     * ziplist (11 bytes minimum). */
    cr_expect_eq(err.offset, 489, "%s", evlog_err_text(&err));
    cr_expect_eq(err.rdb_type, 13);
    cr_expect_str_eq(err.key, "key:000000000091");
    cr_expect_str_eq(err.where, "hash ziplist");
    cr_expect(strstr(err.msg, "11") != NULL, "%s", err.msg);
    /* the keys before it were reported, complete */
    cr_expect_eq(l.keys, 15);
    cr_expect(evlog_contains(&l, "endkey \"key:000000000042\""));
    cr_expect(evlog_contains(&l, "key db=0 \"key:000000000091\" type=hash enc=ziplist"));
    cr_expect(!evlog_contains(&l, "endkey \"key:000000000091\""));
    evlog_free(&l);
    free(data);
    free(path);
}

Test(corpus, future_version_is_read_with_a_warning_and_a_checksum_error)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    char *path = corpus_path(dir, "librdb/future_v19.rdb");
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL);
    evlog l;
    evlog_init(&l, 0);
    rdbl_error err;
    rdbl_status st = evlog_parse_mem(&l, data, n, NULL, 0, &err);
    cr_assert_eq(st, RDBL_CHECKSUM, "%s", evlog_err_text(&err));
    cr_expect(evlog_contains(&l, "begin magic=REDIS ver=99 producer=redis future=1"));
    cr_expect(evlog_contains(&l, "warning @0 RDB version 99 is newer"), "%s", l.buf);
    cr_expect_eq(l.keys, 1);
    cr_expect(evlog_contains(&l, "str 0/3 #111") || evlog_contains(&l, "str 0/3 \"111\""),
              "%s", l.buf);
    cr_expect(evlog_contains(&l, "end crc=mismatch"));
    cr_expect_eq(err.offset, n - 8, "the stored CRC is at %zu: %s", n - 8,
                 evlog_err_text(&err));
    evlog_free(&l);
    free(data);
    free(path);
}

Test(corpus, empty_collections_are_read_and_reported)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    char *path = corpus_path(dir, "valkey-assets/corrupt_empty_keys.rdb");
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL);
    evlog l;
    evlog_init(&l, 0);
    rdbl_status st = evlog_parse_mem(&l, data, n, NULL, 0, NULL);
    cr_assert_eq(st, RDBL_OK);
    static const char *const empties[] = {
        "empty set \"set\"",         "empty hash \"hash\"",
        "empty list \"list_ziplist\"", "empty zset \"zset\"",
        "empty zset \"zset_listpack\"", "empty hash \"hash_ziplist\"",
        "empty list \"list_quicklist\"", "empty zset \"zset_ziplist\"",
        "empty quicklist node 0",    "empty list \"list_quicklist_empty_ziplist\"",
    };
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++)
        cr_expect(evlog_contains(&l, empties[i]), "no warning \"%s\"", empties[i]);
    /* every key is still reported, with zero elements */
    cr_expect_eq(evlog_count(&l, "endkey"), evlog_count(&l, "key"));
    cr_expect(evlog_contains(&l, "endkey \"set\" n=0 "), "%s", l.buf);
    evlog_free(&l);
    free(data);
    free(path);
}

Test(corpus, byte_identical_files_give_identical_events)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    static const char *const pairs[][2] = {
        {"librdb/quicklist.rdb", "valkey-assets/list-quicklist.rdb"},
        {"librdb/ziplist_v3.rdb", "rdbtools/ziplist_that_compresses_easily.rdb"},
    };
    for (size_t i = 0; i < 2; i++) {
        evlog a, b;
        evlog_init(&a, 0);
        evlog_init(&b, 0);
        for (int j = 0; j < 2; j++) {
            char *path = corpus_path(dir, pairs[i][j]);
            size_t n;
            uint8_t *data = (uint8_t *)tu_read_file(path, &n);
            cr_assert(data != NULL, "%s", path);
            cr_expect_eq(evlog_parse_mem(j ? &b : &a, data, n, NULL, 0, NULL), RDBL_OK);
            free(data);
            free(path);
        }
        cr_expect_str_eq(a.buf, b.buf, "%s vs %s", pairs[i][0], pairs[i][1]);
        evlog_free(&a);
        evlog_free(&b);
    }
}

/* ---- librdb data JSON --------------------------------------------------- */

enum {
    J_LISTS_ONLY = 1u << 0,  /* the JSON holds only the list keys */
    J_STREAM_META = 1u << 1, /* streams with metadata and groups */
};

typedef struct jpair {
    const char *rdb, *json;
    unsigned flags;
} jpair;

static const jpair jpairs[] = {
    {"librdb/hash_v3.rdb", "librdb/hash_data.json", 0},
    /* not used by librdb's tests; identical to hash_data.json */
    {"librdb/hash_v3.rdb", "librdb/plain_hash_data.json", 0},
    {"librdb/hash_with_expire_v12.rdb", "librdb/hash_ex_v12_data.json", 0},
    {"librdb/hash_lp_with_hexpire_v12.rdb", "librdb/hash_lp_ex_v12_data.json", 0},
    {"librdb/hash_lp_v11.rdb", "librdb/hash_lp_v11_data.json", 0},
    {"librdb/hash_zl_v6.rdb", "librdb/hash_zl_v6_data.json", 0},
    {"librdb/hash_zm_v2.rdb", "librdb/hash_zm_v2_data.json", 0},
    {"librdb/module_aux.rdb", "librdb/module_aux_data.json", 0},
    {"librdb/module.rdb", "librdb/module_data.json", 0},
    {"librdb/multiple_dbs.rdb", "librdb/multiple_dbs_data.json", 0},
    {"librdb/multiple_lists_strings.rdb", "librdb/multiple_lists_strings_data.json", 0},
    {"librdb/multiple_lists_strings.rdb", "librdb/multiple_lists_strings_no_aux.json", 0},
    {"librdb/multiple_lists_strings.rdb", "librdb/multiple_lists_strings_subset_list.json",
     J_LISTS_ONLY},
    {"librdb/multiple_lists_strings.rdb", "librdb/multiple_lists_strings_2filters.json",
     J_LISTS_ONLY},
    {"librdb/plain_list_v6.rdb", "librdb/plain_list_v6_data.json", 0},
    {"librdb/plain_set_v6.rdb", "librdb/plain_set_v6_data.json", 0},
    {"librdb/plain_zset_2_v11.rdb", "librdb/plain_zset_2_v11_data.json", 0},
    {"librdb/plain_zset_v6.rdb", "librdb/plain_zset_v6_data.json", 0},
    {"librdb/quicklist.rdb", "librdb/quicklist_data.json", 0},
    {"librdb/quicklist2_v11.rdb", "librdb/single_list_data.json", 0},
    {"librdb/set_is_v11.rdb", "librdb/set_is_v11_data.json", 0},
    {"librdb/set_lp_v11.rdb", "librdb/set_lp_v11_data.json", 0},
    {"librdb/single_key.rdb", "librdb/single_key_data.json", 0},
    {"librdb/zset_lp_v11.rdb", "librdb/zset_lp_v11_data.json", 0},
    {"librdb/zset_zl_v6.rdb", "librdb/zset_zl_v6_data.json", 0},
    {"librdb/ziplist_v3.rdb", "librdb/ziplist_data.json", 0},
    {"librdb/stream_v11.rdb", "librdb/stream_data.json", 0},
    {"librdb/stream_v11.rdb", "librdb/stream_data_with_meta.json", J_STREAM_META},
    {"librdb/string_int_encoded.rdb", "librdb/string_int_encoded.json", 0},
    {"librdb/cluster_slot_info.rdb", "librdb/cluster_slot_info.json", 0},
    {"librdb/function2.rdb", "librdb/function2.json", 0},
    /* these four were written by librdb after a round trip through Redis */
    {"librdb/mem_policy_lfu.rdb", "librdb/mem_policy_lfu.json", 0},
    {"librdb/mem_policy_lru.rdb", "librdb/mem_policy_lru.json", 0},
    {"librdb/set_not_expired_v11.rdb", "librdb/set_not_expired.json", 0},
};

/* The JSON our events give, in librdb's shape. */
typedef struct jb {
    unsigned flags;
    bool per_db;        /* an array of one object per DB */
    json_t *root;       /* object or array */
    json_t *keys;       /* object receiving keys */
    json_t *types;      /* key -> our type name, for canonicalisation */
    json_t *aux, *func, *dbsize, *slotinfo;
    int nfunc;
    /* the current key */
    char *key;
    rdbl_type type;
    json_t *val;
    char *sbuf;         /* string value being assembled */
    size_t slen;
    json_t *groups, *group, *consumers, *consumer;
    uint64_t module_bytes;
} jb;

static json_t *jstr(const uint8_t *p, size_t n)
{
    json_t *s = json_stringn_nocheck((const char *)p, n);
    cr_assert(s != NULL);
    return s;
}

static json_t *jitem(const rdbl_item *it)
{
    char num[24];
    if (it->is_int) {
        size_t n = rdbl_item_text(it, num, sizeof num);
        return jstr((const uint8_t *)num, n);
    }
    return jstr(it->ptr, it->len);
}

static json_t *jid(rdbl_stream_id id)
{
    char b[48];
    snprintf(b, sizeof b, "%" PRIu64 "-%" PRIu64, id.ms, id.seq);
    return json_string(b);
}

static int jb_aux(void *u, const rdbl_item *name, const rdbl_item *value)
{
    jb *j = u;
    json_t *k = jitem(name);
    json_object_set_new(j->aux, json_string_value(k), jitem(value));
    json_decref(k);
    return 0;
}

static int jb_db(void *u, uint64_t db)
{
    jb *j = u;
    if (j->per_db) {
        j->keys = json_object();
        json_array_append_new(j->root, j->keys);
    }
    (void)db;
    return 0;
}

static int jb_resize(void *u, uint64_t db, uint64_t keys, uint64_t expires)
{
    jb *j = u;
    (void)db;
    json_object_set_new(j->dbsize, "size", json_integer((json_int_t)keys));
    json_object_set_new(j->dbsize, "expires", json_integer((json_int_t)expires));
    return 0;
}

static int jb_slot(void *u, uint64_t slot, uint64_t keys, uint64_t expires)
{
    jb *j = u;
    json_object_set_new(j->slotinfo, "slotId", json_integer((json_int_t)slot));
    json_object_set_new(j->slotinfo, "slotSize", json_integer((json_int_t)keys));
    json_object_set_new(j->slotinfo, "slotSExpiresSize", json_integer((json_int_t)expires));
    return 0;
}

static int jb_function(void *u, rdbl_str code, rdbl_str name, rdbl_str engine)
{
    jb *j = u;
    (void)name;
    (void)engine;
    char k[32];
    snprintf(k, sizeof k, "__Function_%d", ++j->nfunc);
    json_object_set_new(j->func, k, jstr(code.ptr, code.len));
    return 0;
}

static int jb_begin_key(void *u, const rdbl_key_info *k)
{
    jb *j = u;
    free(j->key);
    j->key = strndup((const char *)k->key.ptr, k->key.len);
    cr_assert(j->key != NULL);
    j->type = k->type;
    j->slen = 0;
    j->module_bytes = 0;
    switch (k->type) {
    case RDBL_TYPE_LIST:
    case RDBL_TYPE_SET:
        j->val = json_array();
        break;
    case RDBL_TYPE_ZSET:
    case RDBL_TYPE_HASH:
        j->val = json_object();
        break;
    case RDBL_TYPE_STREAM:
        j->val = json_object();
        json_object_set_new(j->val, "entries", json_array());
        j->groups = json_array();
        break;
    default:
        j->val = NULL;
        break;
    }
    return 0;
}

static int jb_string(void *u, const rdbl_key_info *k, const rdbl_item *chunk, uint64_t off,
                     uint64_t total)
{
    jb *j = u;
    (void)k;
    (void)off;
    char num[24];
    const uint8_t *p = chunk->ptr;
    size_t n = chunk->len;
    if (chunk->is_int) {
        n = rdbl_item_text(chunk, num, sizeof num);
        p = (const uint8_t *)num;
    }
    char *nb = realloc(j->sbuf, j->slen + n + 1);
    cr_assert(nb != NULL);
    j->sbuf = nb;
    memcpy(j->sbuf + j->slen, p, n);
    j->slen += n;
    cr_assert(j->slen <= total);
    return 0;
}

static int jb_item(void *u, const rdbl_key_info *k, const rdbl_item *it)
{
    jb *j = u;
    (void)k;
    json_array_append_new(j->val, jitem(it));
    return 0;
}

static void fmt_score(char *b, size_t cap, double d)
{
    if (isinf(d))
        snprintf(b, cap, "%s", d > 0 ? "inf" : "-inf");
    else
        snprintf(b, cap, "%.17g", d);
}

static int jb_zmember(void *u, const rdbl_key_info *k, const rdbl_item *m, double score)
{
    jb *j = u;
    (void)k;
    char s[64];
    fmt_score(s, sizeof s, score);
    json_t *mk = jitem(m);
    json_object_set_new(j->val, json_string_value(mk), json_string(s));
    json_decref(mk);
    return 0;
}

static int jb_field(void *u, const rdbl_key_info *k, const rdbl_item *f, const rdbl_item *v,
                    int64_t ttl)
{
    jb *j = u;
    (void)k;
    (void)ttl;
    json_t *fk = jitem(f);
    json_object_set_new(j->val, json_string_value(fk), jitem(v));
    json_decref(fk);
    return 0;
}

static int jb_smeta(void *u, const rdbl_key_info *k, const rdbl_stream_meta *m)
{
    jb *j = u;
    (void)k;
    if (!(j->flags & J_STREAM_META))
        return 0;
    json_object_set_new(j->val, "length", json_integer((json_int_t)m->length));
    json_object_set_new(j->val, "entriesAdded", json_integer((json_int_t)m->entries_added));
    json_object_set_new(j->val, "firstID", jid(m->first_id));
    json_object_set_new(j->val, "lastID", jid(m->last_id));
    json_object_set_new(j->val, "maxDelEntryID", jid(m->max_deleted_id));
    json_object_set_new(j->val, "groups", json_incref(j->groups));
    return 0;
}

static int jb_sentry(void *u, const rdbl_key_info *k, rdbl_stream_id id, bool deleted,
                     size_t nf, const rdbl_item *f, const rdbl_item *v)
{
    jb *j = u;
    (void)k;
    if (deleted)
        return 0;
    json_t *items = json_object();
    for (size_t i = 0; i < nf; i++) {
        json_t *fk = jitem(&f[i]);
        json_object_set_new(items, json_string_value(fk), jitem(&v[i]));
        json_decref(fk);
    }
    json_t *e = json_object();
    json_object_set_new(e, "id", jid(id));
    json_object_set_new(e, "items", items);
    json_array_append_new(json_object_get(j->val, "entries"), e);
    return 0;
}

static int jb_sgroup(void *u, const rdbl_key_info *k, const rdbl_stream_group *g)
{
    jb *j = u;
    (void)k;
    j->group = json_object();
    json_object_set_new(j->group, "name", jstr(g->name.ptr, g->name.len));
    json_object_set_new(j->group, "lastid", jid(g->last_id));
    json_object_set_new(j->group, "entriesRead", json_integer(g->entries_read));
    j->consumers = json_array();
    json_object_set_new(j->group, "consumers", j->consumers);
    json_array_append_new(j->groups, j->group);
    return 0;
}

static int jb_spel(void *u, const rdbl_key_info *k, rdbl_str group, rdbl_stream_id id,
                   int64_t delivery, uint64_t count)
{
    jb *j = u;
    (void)k;
    (void)group;
    json_t *pend = json_object_get(j->group, "pending");
    if (!pend) {
        pend = json_array();
        json_object_set_new(j->group, "pending", pend);
    }
    json_t *e = json_object();
    json_object_set_new(e, "sent", json_integer(delivery));
    json_object_set_new(e, "id", jid(id));
    json_object_set_new(e, "count", json_integer((json_int_t)count));
    json_array_append_new(pend, e);
    return 0;
}

static int jb_sconsumer(void *u, const rdbl_key_info *k, const rdbl_stream_consumer *c)
{
    jb *j = u;
    (void)k;
    j->consumer = json_object();
    json_object_set_new(j->consumer, "name", jstr(c->name.ptr, c->name.len));
    json_object_set_new(j->consumer, "activeTime", json_integer(c->active_ms));
    json_object_set_new(j->consumer, "seenTime", json_integer(c->seen_ms));
    json_array_append_new(j->consumers, j->consumer);
    return 0;
}

static int jb_scpel(void *u, const rdbl_key_info *k, rdbl_str group, rdbl_str consumer,
                    rdbl_stream_id id)
{
    jb *j = u;
    (void)k;
    (void)group;
    (void)consumer;
    json_t *pend = json_object_get(j->consumer, "pending");
    if (!pend) {
        pend = json_array();
        json_object_set_new(j->consumer, "pending", pend);
    }
    json_t *e = json_object();
    json_object_set_new(e, "id", jid(id));
    json_array_append_new(pend, e);
    return 0;
}

static int jb_module(void *u, const rdbl_key_info *k, rdbl_str module, int encver,
                     uint64_t bytes)
{
    jb *j = u;
    (void)k;
    (void)encver;
    j->module_bytes = bytes;
    char b[160];
    /* librdb counts from the module id, which takes 9 bytes (0x81 form) for
     * every real id (>= 2^32). */
    snprintf(b, sizeof b, "<Content of Module '%.*s'. Occupies a serialized size of %" PRIu64
                          " bytes>",
             (int)module.len, (const char *)module.ptr, bytes + 9);
    j->val = json_string(b);
    return 0;
}

static int jb_end_key(void *u, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    jb *j = u;
    (void)st;
    if (k->type == RDBL_TYPE_STRING) {
        j->val = jstr((const uint8_t *)(j->sbuf ? j->sbuf : ""), j->slen);
    }
    if (k->type == RDBL_TYPE_STREAM) {
        json_decref(j->groups);
        j->groups = NULL;
    }
    cr_assert(j->val != NULL, "key %s of type %s has no JSON form here", j->key,
              rdbl_type_name(k->type));
    if ((j->flags & J_LISTS_ONLY) && k->type != RDBL_TYPE_LIST) {
        json_decref(j->val);
    } else {
        cr_expect(json_object_get(j->keys, j->key) == NULL, "key %s twice", j->key);
        json_object_set_new(j->keys, j->key, j->val);
        json_object_set_new(j->types, j->key, json_string(rdbl_type_name(k->type)));
    }
    j->val = NULL;
    return 0;
}

static const rdbl_events jb_events = {
    .on_aux = jb_aux,
    .on_db = jb_db,
    .on_resize_db = jb_resize,
    .on_slot_info = jb_slot,
    .on_function = jb_function,
    .on_begin_key = jb_begin_key,
    .on_end_key = jb_end_key,
    .on_string = jb_string,
    .on_list_item = jb_item,
    .on_set_member = jb_item,
    .on_zset_member = jb_zmember,
    .on_hash_field = jb_field,
    .on_stream_meta = jb_smeta,
    .on_stream_entry = jb_sentry,
    .on_stream_group = jb_sgroup,
    .on_stream_pel = jb_spel,
    .on_stream_consumer = jb_sconsumer,
    .on_stream_consumer_pel = jb_scpel,
    .on_module = jb_module,
};

/* Reads librdb's JSON fragment file. */
static json_t *load_librdb_json(const char *path)
{
    size_t n;
    char *text = tu_read_file(path, &n);
    cr_assert(text != NULL, "cannot read %s", path);
    size_t i = 0;
    while (i < n && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
        i++;
    char *doc;
    if (i < n && text[i] == '[') {
        doc = strdup(text);
    } else {
        doc = malloc(n + 4);
        cr_assert(doc != NULL);
        snprintf(doc, n + 4, "{%s}", text);
    }
    free(text);
    json_error_t e;
    json_t *j = json_loads(doc, JSON_ALLOW_NUL, &e);
    cr_assert(j != NULL, "%s: line %d: %s", path, e.line, e.text);
    free(doc);
    return j;
}

static int cmp_json_str(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    size_t xn = json_string_length(x), yn = json_string_length(y);
    int c = memcmp(json_string_value(x), json_string_value(y), xn < yn ? xn : yn);
    return c ? c : (xn > yn) - (xn < yn);
}

/* Canonical form of a value of the given type (a new reference). */
static json_t *canon(json_t *v, const char *type)
{
    if (strcmp(type, "set") == 0 && json_is_array(v)) {
        size_t n = json_array_size(v);
        json_t **a = malloc((n ? n : 1) * sizeof *a);
        cr_assert(a != NULL);
        for (size_t i = 0; i < n; i++) {
            a[i] = json_array_get(v, i);
            cr_assert(json_is_string(a[i]));
        }
        qsort(a, n, sizeof *a, cmp_json_str);
        json_t *out = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append(out, a[i]);
        free(a);
        return out;
    }
    if (strcmp(type, "zset") == 0 && json_is_object(v)) {
        json_t *out = json_object();
        const char *k;
        json_t *s;
        json_object_foreach(v, k, s) {
            char b[64] = "?";
            if (json_is_string(s)) {
                char *end;
                double d = strtod(json_string_value(s), &end);
                if (d == 0)
                    d = 0; /* -0 and 0 are the same score (librdb prints 0) */
                if (*end == '\0')
                    fmt_score(b, sizeof b, d);
            }
            json_object_set_new(out, k, json_string(b));
        }
        return out;
    }
    if (strcmp(type, "functions") == 0 && json_is_object(v)) {
        /* librdb numbers its functions 1, 3, 5...: compare the codes only */
        json_t *codes = json_array();
        const char *k;
        json_t *c;
        json_object_foreach(v, k, c)
            json_array_append(codes, c);
        json_t *out = canon(codes, "set");
        json_decref(codes);
        return out;
    }
    return json_incref(v);
}

static char *dump_short(const json_t *v)
{
    char *s = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
    if (s && strlen(s) > 600)
        strcpy(s + 590, "...");
    return s;
}

/* Compares one object of keys; returns the number of mismatches. */
static int compare_keys(const char *what, json_t *exp, json_t *ours, json_t *types)
{
    int bad = 0;
    const char *k;
    json_t *ev;
    json_object_foreach(exp, k, ev) {
        json_t *ov = json_object_get(ours, k);
        if (!ov) {
            cr_expect_fail("%s: key \"%s\" is in the JSON but was not decoded", what, k);
            bad++;
            continue;
        }
        const char *type = json_string_value(json_object_get(types, k));
        if (!type)
            type = strcmp(k, "__func__") == 0 ? "functions" : "special";
        json_t *ce = canon(ev, type), *co = canon(ov, type);
        if (!json_equal(ce, co)) {
            char *a = dump_short(ce), *b = dump_short(co);
            cr_expect_fail("%s: key \"%s\" (%s) differs\n  librdb: %s\n  rdblens: %s", what, k,
                           type, a, b);
            free(a);
            free(b);
            bad++;
        }
        json_decref(ce);
        json_decref(co);
    }
    json_object_foreach(ours, k, ev) {
        if (!json_object_get(exp, k)) {
            cr_expect_fail("%s: key \"%s\" was decoded but is not in the JSON", what, k);
            bad++;
        }
    }
    return bad;
}

/* Parses rdb_path into librdb's shape, for the sections expected has. */
static json_t *decode_like(const char *rdb_path, const jpair *jp, json_t *expected,
                           json_t **types)
{
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(rdb_path, &n);
    cr_assert(data != NULL, "cannot read %s", rdb_path);
    jb j = {0};
    j.flags = jp->flags;
    j.per_db = json_is_array(expected);
    j.root = j.per_db ? json_array() : json_object();
    j.keys = j.per_db ? NULL : j.root;
    j.types = json_object();
    j.aux = json_object();
    j.func = json_object();
    j.dbsize = json_object();
    j.slotinfo = json_object();
    rdbl_error err;
    rdbl_source *src = NULL;
    cr_assert_eq(rdbl_source_open_mem(&src, data, n, NULL, &err), RDBL_OK);
    rdbl_status st = rdbl_parse(src, &jb_events, &j, NULL, &err);
    cr_assert_eq(st, RDBL_OK, "%s: %s", rdb_path, evlog_err_text(&err));
    rdbl_source_free(src);
    if (!j.per_db) {
        if (json_object_get(expected, "__aux__"))
            json_object_set(j.root, "__aux__", j.aux);
        if (json_object_get(expected, "__func__"))
            json_object_set(j.root, "__func__", j.func);
        if (json_object_get(expected, "__dbsize__"))
            json_object_set(j.root, "__dbsize__", j.dbsize);
        if (json_object_get(expected, "__slotinfo__"))
            json_object_set(j.root, "__slotinfo__", j.slotinfo);
    }
    json_decref(j.aux);
    json_decref(j.func);
    json_decref(j.dbsize);
    json_decref(j.slotinfo);
    free(j.key);
    free(j.sbuf);
    free(data);
    *types = j.types;
    return j.root;
}

static int compare_pair(const char *dir, const jpair *jp)
{
    char *rp = corpus_path(dir, jp->rdb), *jpth = corpus_path(dir, jp->json);
    json_t *expected = load_librdb_json(jpth);
    json_t *types;
    json_t *ours = decode_like(rp, jp, expected, &types);
    char what[256];
    snprintf(what, sizeof what, "%s vs %s", jp->rdb, jp->json);
    int bad = 0;
    if (json_is_array(expected)) {
        cr_expect_eq(json_array_size(ours), json_array_size(expected), "%s: DB count", what);
        for (size_t i = 0; i < json_array_size(expected) && i < json_array_size(ours); i++)
            bad += compare_keys(what, json_array_get(expected, i), json_array_get(ours, i),
                                types);
    } else {
        bad += compare_keys(what, expected, ours, types);
    }
    json_decref(expected);
    json_decref(ours);
    json_decref(types);
    free(rp);
    free(jpth);
    return bad;
}

Test(corpus, decoded_data_matches_librdb_json)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    int bad = 0;
    for (size_t i = 0; i < sizeof jpairs / sizeof jpairs[0]; i++)
        bad += compare_pair(dir, &jpairs[i]);
    cr_expect_eq(bad, 0, "%d mismatches over %zu file pairs", bad,
                 sizeof jpairs / sizeof jpairs[0]);
}

/* Every librdb *_data.json is in jpairs: a new one in the corpus must be
 * paired (or listed as an exception) rather than silently ignored. */
Test(corpus, every_librdb_data_json_is_compared)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    char *ldir = corpus_path(dir, "librdb");
    size_t n;
    char **files = evlog_list_files(ldir, "_data.json", &n);
    cr_assert(files != NULL);
    cr_expect(n >= 24, "only %zu *_data.json files", n);
    for (size_t i = 0; i < n; i++) {
        const char *rel = files[i] + strlen(dir) + 1;
        bool found = false;
        for (size_t k = 0; k < sizeof jpairs / sizeof jpairs[0]; k++)
            if (strcmp(jpairs[k].json, rel) == 0)
                found = true;
        cr_expect(found, "%s is not compared with any .rdb", rel);
    }
    evlog_free_list(files);
    free(ldir);
}

/* set_expired.json is empty: Redis dropped the key when loading it because
 * it had expired by then (84 s after the save). The parser must report it,
 * with its expiry: after the save time, long past now. */
Test(corpus, set_expired_key_is_reported_with_its_past_expiry)
{
    const char *dir = corpus_dir_or_skip();
    if (!dir)
        return;
    char *jpath = corpus_path(dir, "librdb/set_expired.json");
    json_t *exp = load_librdb_json(jpath);
    cr_expect_eq(json_object_size(exp), 0, "set_expired.json is expected to be empty");
    json_decref(exp);
    free(jpath);

    char *path = corpus_path(dir, "librdb/set_expired_v11.rdb");
    size_t n;
    uint8_t *data = (uint8_t *)tu_read_file(path, &n);
    cr_assert(data != NULL);
    evlog l;
    evlog_init(&l, 0);
    cr_assert_eq(evlog_parse_mem(&l, data, n, NULL, 0, NULL), RDBL_OK);
    cr_expect_eq(l.keys, 1);
    char *key = evlog_grep(&l, "key");
    char *aux = evlog_grep(&l, "aux");
    long long expire = -1, ctime = -1;
    const char *e = strstr(key, "expire=");
    cr_assert(e != NULL && sscanf(e, "expire=%lld", &expire) == 1, "%s", key);
    const char *c = strstr(aux, "\"ctime\"=#");
    cr_assert(c != NULL && sscanf(c, "\"ctime\"=#%lld", &ctime) == 1, "%s", aux);
    cr_expect(expire > ctime * 1000 && expire < (long long)time(NULL) * 1000,
              "expire %lld, saved at %lld s", expire, ctime);
    free(key);
    free(aux);
    evlog_free(&l);
    free(data);
    free(path);
}
