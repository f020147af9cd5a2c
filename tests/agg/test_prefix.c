/* Prefix tree and patterns (src/agg/prefix.c): segment folding, hand-computed
 * node totals, delimiters and depth, the node budget with exact "(other)"
 * totals, merge and JSON round trip. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "gen_facts.h"
#include "rdblens/agg.h"

static void fold_is(const char *seg, const char *want)
{
    uint8_t out[128];
    size_t n = rdbl_prefix_fold_segment((const uint8_t *)seg, strlen(seg), out, sizeof out);
    cr_assert(n < sizeof out);
    out[n] = 0;
    cr_assert(eq(str, (char *)out, (char *)want), "fold(\"%s\")", seg);
}

Test(prefix, fold_segments)
{
    fold_is("1234", "*");
    fold_is("0", "*");
    fold_is("-42", "*");
    fold_is("1700000000", "*");
    fold_is("deadbeef01", "*");
    fold_is("0123456789abcdef0123456789abcdef", "*");
    fold_is("123e4567-e89b-12d3-a456-426614174000", "*");
    fold_is("2024-01-31", "*");
    fold_is("20240131T120000Z", "*");
    fold_is("1700000000.123", "*");
    fold_is("{tenant12}", "{*}");
    fold_is("order12345", "order*");
    fold_is("item_042", "item_*");
    fold_is("aB3xQ9kLm2", "*");
    fold_is("c2Vzc2lvbjpYWVo1Njc4OQ", "*");
    fold_is("/p/garden/160061", "/p/garden/*");
    fold_is("+15551234567", "+*");
    fold_is("li.lopez60558@icloud.com", "*");
    fold_is("ann@example.com", "*");
    fold_is("a+b@mail.example.org", "*");
    /* words stay */
    fold_is("user", "user");
    fold_is("cart", "cart");
    fold_is("", "");
    fold_is("v2", "v2");
    fold_is("http2", "http2");
    fold_is("cafebabe", "cafebabe"); /* hex letters only: could be a word */
    fold_is("user_preferences_2", "user_preferences_*"); /* ids between other delimiters */
    fold_is("{tenant}", "{tenant}");
    fold_is("utf8", "utf8");
    fold_is("@example.com", "@example.com"); /* no local part */
    fold_is("ann@localhost", "ann@localhost"); /* no dot in the domain */
    fold_is("ann@example.", "ann@example.");
    fold_is("a@b@c.com", "a@b@c.com");
    fold_is("ann smith@example.com", "ann smith@example.com");
    fold_is("/p/12/view", "/p/*/view");
    fold_is("/p/garden/12", "/p/garden/*");
    /* tokens inside a segment, glued ids, random tails */
    fold_is("celery-task-meta-123e4567-e89b-12d3-a456-426614174000", "celery-task-meta-*");
    fold_is("sess_k2j3h4g5f6d7s8a9q0w1e2r3", "sess_*");
    fold_is("flask_cache_Xy3aB-9_QkLmZ", "flask_cache_*");
    fold_is("views.decorators.cache.cache_page..GET.0123456789abcdef0123456789abcdef.en-us.UTC",
            "views.decorators.cache.cache_page..GET.*.en-us.UTC");
    fold_is("j|240305|6", "j|*|*");
    fold_is("10.0.0.1", "*");
    fold_is("ip-10-0-6-174.27229", "ip-*-*-*-*.*");
    fold_is("worker36.internal", "worker*.internal");
    fold_is("en-us", "en-us");
    fold_is("cache_page", "cache_page");
}

/* Segments at the edges of the word-at-a-time tests and the shortcuts of
 * the folding rules (e-mail, date bytes, token classes, the token pass's
 * lazy copies and its cap), each decided as the byte-by-byte rules do. */
Test(prefix, fold_segments_word_edges)
{
    /* e-mail: one '@' past the first byte, a dot strictly inside the
     * domain, no blank or control byte (bytes >= 0x80 are neither) */
    fold_is("a@b.c", "*");
    fold_is("ab@cd.e", "*");
    fold_is("x@yy.z1", "*");
    fold_is("aaaaaaaa@b.c", "*");
    fold_is("ann.lee+tag@mail.example.org", "*");
    fold_is("ann.lee@mail.example.org.", "*");
    fold_is("\xc3\xa9" "ab@cd.ef", "*");
    fold_is("ab@.cd", "ab@.cd");
    fold_is("ab@cd.", "ab@cd.");
    fold_is("@ab.cd", "@ab.cd");
    fold_is("aaaaaaa@", "aaaaaaa@");
    fold_is("ab@c.d@e.f", "ab@c.d@e.f");
    fold_is("aaaaaaa@bbbbbbbbb.cc@", "aaaaaaa@bbbbbbbbb.cc@");
    fold_is("ab\x7f@cd.ef", "ab\x7f@cd.ef");
    fold_is("ab\t@cd.ef", "ab\t@cd.ef");
    fold_is("ab@cd.ef \x01", "ab@cd.ef \x01");
    /* dates, times, addresses: digits and "-_.TZ+" only */
    fold_is("1.2.3.4", "*");
    fold_is("39.232.106.227", "*");
    fold_is("20240305_120000", "*");
    fold_is("1700000000/123", "*");
    fold_is("123456ab", "*");
    fold_is("2024-03-05T12:00:00Z", "*-*-05T12:00:00Z");
    fold_is("2024-03-05+01:00", "*-*-05+01:00");
    /* the token pass: classes per token, runs copied as they are */
    fold_is("/p/shoes/186562", "/p/shoes/*");
    fold_is("/p/home-garden/12", "/p/home-garden/*");
    fold_is("/p/Shoes/ab12cd34ef", "/p/Shoes/*");
    fold_is("a.b.c.d", "a.b.c.d");
    fold_is("v1.2.3-beta", "v*.*.*-beta");
    fold_is("worker36.host12", "worker*.host*");
    fold_is("x,y=1|z_2", "x,y=*|z_*");
    fold_is("ab.AbCdEfGh12", "ab.AbCdEfGh*");
    fold_is("abcDEFghiJKL", "*");
    fold_is("sess_k2j3h4g5f6d7s8a9", "sess_*");
    fold_is("celery-task-meta-123e4567-e89b-12d3-a456-426614174000", "celery-task-meta-*");
    /* past the label cap: cut, with a '*' last */
    fold_is("/p/garden/123/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/7",
            "/p/garden/*/*");
}

static rdbl_key_facts fact(const char *key, uint64_t mem, bool ttl)
{
    rdbl_key_facts f = gen_access_fact(key, -1, -1, mem);
    f.type = RDBL_TYPE_STRING;
    f.rdb_bytes = mem / 2;
    f.elements = 1;
    f.value_bytes = 10;
    f.has_expire = ttl;
    f.expire_ms = ttl ? GEN_NOW_MS + 1000 : 0;
    return f;
}

/* The node with this full (escaped) prefix, searching breadth-first. */
static uint32_t find(const rdbl_prefix_agg *p, const char *name)
{
    uint32_t queue[4096];
    size_t qh = 0, qt = 0;
    queue[qt++] = RDBL_PREFIX_ROOT;
    while (qh < qt) {
        uint32_t id = queue[qh++];
        char buf[512];
        rdbl_prefix_agg_name(p, id, buf, sizeof buf);
        if (id != RDBL_PREFIX_ROOT && strcmp(buf, name) == 0)
            return id;
        uint32_t kids[512];
        size_t n = rdbl_prefix_agg_children(p, id, kids, 512);
        for (size_t i = 0; i < n && i < 512 && qt < 4096; i++)
            queue[qt++] = kids[i];
    }
    return UINT32_MAX;
}

static const rdbl_prefix_totals *node(const rdbl_prefix_agg *p, const char *name)
{
    uint32_t id = find(p, name);
    cr_assert(id != UINT32_MAX, "no node \"%s\"", name);
    return rdbl_prefix_agg_totals(p, id);
}

/* Every node: its totals = the sum over its children + the keys that end at
 * it; so a node's keys are >= the children's sum, and the root's children
 * add up exactly to the root (every key has a first segment). */
static void check_sums(const rdbl_prefix_agg *p, uint32_t id)
{
    uint32_t kids[2048];
    size_t n = rdbl_prefix_agg_children(p, id, kids, 2048);
    cr_assert(n <= 2048);
    uint64_t k = 0, m = 0, t = 0;
    for (size_t i = 0; i < n; i++) {
        const rdbl_prefix_totals *c = rdbl_prefix_agg_totals(p, kids[i]);
        k += c->keys;
        m += c->mem_bytes;
        t += c->keys_with_ttl;
        check_sums(p, kids[i]);
    }
    const rdbl_prefix_totals *me = rdbl_prefix_agg_totals(p, id);
    if (id == RDBL_PREFIX_ROOT) {
        cr_assert(eq(u64, k, me->keys));
        cr_assert(eq(u64, m, me->mem_bytes));
        cr_assert(eq(u64, t, me->keys_with_ttl));
    } else {
        cr_assert(le(u64, k, me->keys));
        cr_assert(le(u64, m, me->mem_bytes));
    }
}

Test(prefix, hand_computed_tree)
{
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    const char *keys[] = {"user:1234:cart", "user:98:cart", "user:98:name", "user",
                          "session:abc",   "order12345",   "order77777",   "user:x"};
    uint64_t mem[] = {100, 200, 30, 7, 50, 11, 13, 1};
    bool ttl[] = {false, true, false, false, true, false, false, false};
    for (size_t i = 0; i < 8; i++) {
        rdbl_key_facts f = fact(keys[i], mem[i], ttl[i]);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    const rdbl_prefix_totals *root = rdbl_prefix_agg_totals(p, RDBL_PREFIX_ROOT);
    cr_assert(eq(u64, root->keys, 8));
    cr_assert(eq(u64, root->mem_bytes, 412));
    const rdbl_prefix_totals *u = node(p, "user");
    cr_assert(eq(u64, u->keys, 5));
    cr_assert(eq(u64, u->mem_bytes, 338));
    cr_assert(eq(u64, u->keys_with_ttl, 1));
    cr_assert(eq(u64, u->mem_no_ttl, 138));
    const rdbl_prefix_totals *us = node(p, "user:*");
    cr_assert(eq(u64, us->keys, 3));
    cr_assert(eq(u64, us->mem_bytes, 330));
    const rdbl_prefix_totals *cart = node(p, "user:*:cart");
    cr_assert(eq(u64, cart->keys, 2));
    cr_assert(eq(u64, cart->mem_bytes, 300));
    cr_assert(eq(u64, cart->rdb_bytes, 150));
    /* small strings ending here, without TTL: only user:1234:cart */
    cr_assert(eq(u64, cart->fam_keys, 1));
    cr_assert(eq(u64, node(p, "user:*:name")->keys, 1));
    cr_assert(eq(u64, node(p, "user:x")->keys, 1));
    cr_assert(eq(u64, node(p, "order*")->keys, 2));
    cr_assert(eq(u64, node(p, "order*")->mem_bytes, 24));
    cr_assert(eq(u64, node(p, "session")->keys, 1));
    cr_assert(eq(u64, node(p, "session:abc")->keys, 1));
    /* children of the root: user, session, order* (largest memory first) */
    uint32_t kids[8];
    size_t n = rdbl_prefix_agg_children(p, RDBL_PREFIX_ROOT, kids, 8);
    cr_assert(eq(sz, n, 3));
    char name[64];
    rdbl_prefix_agg_name(p, kids[0], name, sizeof name);
    cr_assert(eq(str, name, "user"));
    rdbl_prefix_agg_name(p, kids[1], name, sizeof name);
    cr_assert(eq(str, name, "session"));
    rdbl_prefix_agg_name(p, kids[2], name, sizeof name);
    cr_assert(eq(str, name, "order*"));
    cr_assert(eq(u64, rdbl_prefix_agg_folds(p), 0));
    check_sums(p, RDBL_PREFIX_ROOT);
    rdbl_prefix_agg_free(p);
}

/* Segments reach the classifier only when they might fold: e-mail
 * addresses must, digit or not, through both splitters (one delimiter:
 * 8 bytes at a time; several: byte by byte). */
Test(prefix, emails_and_paths_fold_in_the_tree)
{
    static const char *const delims[] = {":", ":|"};
    for (size_t d = 0; d < 2; d++) {
        rdbl_agg_opts o;
        rdbl_agg_opts_default(&o);
        o.delimiters = delims[d];
        rdbl_prefix_agg *p;
        cr_assert(eq(int, rdbl_prefix_agg_new(&p, &o), RDBL_OK));
        static const char *const keys[] = {
            "user:email:ann@example.com", "user:email:bob.lee@mail.example.org",
            "user:email:carol1999@example.net", "counter:pv:/p/garden/160061",
            "counter:pv:/p/garden/77", "counter:pv:/p/garden/9000001"};
        for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
            rdbl_key_facts f = fact(keys[i], 100, false);
            cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
        }
        cr_assert(eq(u64, node(p, "user:email:*")->keys, 3));
        cr_assert(eq(u64, node(p, "counter:pv:/p/garden/*")->keys, 3));
        rdbl_prefix_agg_free(p);
    }
}

Test(prefix, delimiters_depth_and_no_fold)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.delimiters = ":/|.";
    o.max_depth = 2;
    o.no_fold = true;
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, &o), RDBL_OK));
    const char *keys[] = {"a/b/c/d", "a|b.x", "a:1:2:3:4", "a/b/zz"};
    for (size_t i = 0; i < 4; i++) {
        rdbl_key_facts f = fact(keys[i], 10, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    cr_assert(eq(u64, node(p, "a")->keys, 4));
    cr_assert(eq(u64, node(p, "a/b")->keys, 2)); /* depth 2: deeper segments are not split */
    cr_assert(eq(u64, node(p, "a|b")->keys, 1)); /* another delimiter, another node */
    cr_assert(eq(u64, node(p, "a:1")->keys, 1)); /* no folding */
    cr_assert(eq(u32, find(p, "a/b/c"), UINT32_MAX));
    /* nothing ends at "a/b" (both keys go deeper than the depth limit) */
    cr_assert(eq(u64, node(p, "a/b")->fam_keys, 0));
    rdbl_prefix_agg_free(p);
}

Test(prefix, binary_keys_escaped)
{
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    rdbl_key_facts f = fact("x", 5, false);
    const uint8_t k[] = {'b', 0x00, '\\', 0xff, ':', 'w'};
    f.key.ptr = k;
    f.key.len = sizeof k;
    cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    cr_assert(eq(u64, node(p, "b\\x00\\\\\\xff:w")->keys, 1));
    rdbl_prefix_agg_free(p);
}

Test(prefix, budget_folds_into_other_exactly)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.node_budget = 64;
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, &o), RDBL_OK));
    uint64_t total = 0;
    char key[64];
    for (unsigned i = 0; i < 3000; i++) {
        /* 300 distinct word prefixes, each with sub-prefixes */
        snprintf(key, sizeof key, "w%c%c%c:sub%c:leaf", 'a' + i % 26, 'a' + (i / 26) % 12,
                 'a' + i % 7, 'a' + i % 5);
        rdbl_key_facts f = fact(key, 1 + i % 97, i % 3 == 0);
        total += f.mem_bytes;
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
        cr_assert(le(sz, rdbl_prefix_agg_node_count(p), 64));
    }
    cr_assert(gt(u64, rdbl_prefix_agg_folds(p), 0));
    const rdbl_prefix_totals *root = rdbl_prefix_agg_totals(p, RDBL_PREFIX_ROOT);
    cr_assert(eq(u64, root->keys, 3000));
    cr_assert(eq(u64, root->mem_bytes, total));
    cr_assert(gt(u64, node(p, "(other)")->keys, 0));
    check_sums(p, RDBL_PREFIX_ROOT);
    rdbl_prefix_agg_free(p);
}

/* Bytes allocated: small blocks and the mapped big ones (glibc's malloc;
 * under ASan the allocator is its own and this reads 0, so the bound below
 * is checked by the plain build). */
static size_t heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

/* Compactions free nodes and make new ones all the time; the values
 * sketches of the dead ones are reused, so the heap stays bounded by the
 * budget, not by the nodes ever made. Names of random letters whose last
 * segment is a mixed-case token (a pattern with a '*': a sketch), under a
 * budget of 1,000 nodes. Before the fix this heap grew from 12 to 84 MB
 * (report --node-budget 1000 on 1.5M such keys: 475 MB peak RSS). */
Test(prefix, node_churn_keeps_memory_bounded)
{
    rdbl_agg_opts o;
    memset(&o, 0, sizeof o);
    o.node_budget = 1000;
    rdbl_agg *a;
    cr_assert(eq(int, rdbl_agg_new(&a, &o), RDBL_OK));
    uint64_t r = 0x9e3779b97f4a7c15ULL;
    char key[128]; /* the longest: 3 + 6 + 6 + 12 + 70 bytes, 3 separators, NUL */
    size_t heap0 = 0;
    for (unsigned i = 0; i < 200000; i++) {
        size_t n = 0;
        for (unsigned seg = 0; seg < 4; seg++) {
            unsigned len = seg == 0 ? 3 : seg < 3 ? 6 : 70;
            if (seg == 3)
                n += (size_t)sprintf(key + n, "org.example.");
            for (unsigned j = 0; j < len; j++) {
                r ^= r << 13, r ^= r >> 7, r ^= r << 17;
                key[n++] = (char)((seg == 3 && r & 32 ? 'A' : 'a') + r % (seg == 0 ? 12 : 26));
            }
            key[n++] = seg < 3 ? ':' : '\0';
        }
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_agg_add(a, &f), RDBL_OK));
        if (i == 20000)
            heap0 = heap_in_use(); /* the budget reached, compactions running */
    }
    size_t heap1 = heap_in_use();
    cr_assert(gt(u64, rdbl_prefix_agg_folds(rdbl_agg_prefix(a)), 10));
    cr_assert(le(u64, heap1, heap0 + (8u << 20)), "heap grew %zu -> %zu bytes", heap0, heap1);
    rdbl_agg_free(a);
}

static char *dump(const rdbl_prefix_agg *p)
{
    json_t *j = rdbl_prefix_agg_to_json(p);
    cr_assert(j != NULL);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

Test(prefix, merge_and_json_equal_feeding_together)
{
    rdbl_prefix_agg *all, *a, *b, *m;
    cr_assert(eq(int, rdbl_prefix_agg_new(&all, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&a, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&b, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&m, NULL), RDBL_OK));
    gen_state g;
    for (uint64_t i = 0; i < 20000; i++) {
        rdbl_key_facts f;
        gen_fact(&g, 7, i, &f);
        cr_assert(eq(int, rdbl_prefix_agg_add(all, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_prefix_agg_add(i % 3 ? a : b, &f), RDBL_OK));
    }
    cr_assert(eq(u64, rdbl_prefix_agg_folds(all), 0));
    /* through JSON: m = json(a) + json(b) */
    json_t *ja = rdbl_prefix_agg_to_json(a), *jb = rdbl_prefix_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_prefix_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_prefix_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s_all = dump(all), *s_m = dump(m);
    cr_assert(eq(str, s_all, s_m));
    /* in memory: b += a */
    cr_assert(eq(int, rdbl_prefix_agg_merge(b, a), RDBL_OK));
    char *s_b = dump(b);
    cr_assert(eq(str, s_all, s_b));
    check_sums(all, RDBL_PREFIX_ROOT);
    /* the pattern the generator makes */
    cr_assert(gt(u64, node(all, "user:*:name")->keys, 1000));
    cr_assert(gt(u64, node(all, "queue:{*}:jobs")->keys, 100));
    free(s_all);
    free(s_m);
    free(s_b);
    rdbl_prefix_agg_free(all);
    rdbl_prefix_agg_free(a);
    rdbl_prefix_agg_free(b);
    rdbl_prefix_agg_free(m);
}

/* Random names (no digit, so no shape rule applies) at a position with
 * more distinct labels than the sample holds: the rows fold them into
 * "*" beside the fixed name, and the sampled tree behind the rows merges
 * exactly, in memory and through JSON, whatever the split. */
Test(prefix, variable_positions_fold_and_merge_exactly)
{
    rdbl_prefix_agg *all, *a, *b, *m;
    cr_assert(eq(int, rdbl_prefix_agg_new(&all, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&a, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&b, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&m, NULL), RDBL_OK));
    uint64_t st = 99;
    char key[64];
    for (int i = 0; i < 3000; i++) {
        uint64_t r = gen_next(&st);
        char name[7];
        for (int j = 0; j < 6; j++)
            name[j] = (char)('a' + (r >> (5 * j)) % 26);
        name[6] = 0;
        if (i == 1500)
            snprintf(key, sizeof key, "lb:global");
        else if (i % 3 == 0)
            snprintf(key, sizeof key, "invite:%s", name);
        else
            snprintf(key, sizeof key, "lb:%s:2024-%02d", name, i % 12 + 1);
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(all, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_prefix_agg_add(r % 3 ? a : b, &f), RDBL_OK));
    }
    cr_assert(eq(u64, node(all, "invite:*")->keys, 999));
    /* lb:global, one name in 2000 the sample let go, is named beside the
     * family of deeper keys, its figures out of lb:* */
    cr_assert(eq(u64, node(all, "lb:*:*")->keys, 2000));
    cr_assert(eq(u64, node(all, "lb:*")->keys, 2000));
    cr_assert(eq(u64, node(all, "lb:global")->keys, 1));
    cr_assert(eq(u64, node(all, "lb:global")->mem_bytes, 100));
    bool cut = true;
    rdbl_str ex = rdbl_prefix_agg_example(all, find(all, "lb:global"), &cut);
    cr_assert(eq(sz, ex.len, 9));
    cr_assert(eq(int, memcmp(ex.ptr, "lb:global", 9), 0), "its example is the key");
    ex = rdbl_prefix_agg_example(all, find(all, "lb:*"), &cut);
    cr_assert(ex.len > 3 && memcmp(ex.ptr, "lb:", 3) == 0 && memchr(ex.ptr + 3, ':', ex.len - 3),
              "lb:*'s example is one of its deeper keys");
    cr_assert(eq(u64, node(all, "lb")->keys, 2001));
    cr_assert(eq(sz, rdbl_prefix_agg_children(all, find(all, "lb"), NULL, 0), 2));
    cr_assert(eq(sz, rdbl_prefix_agg_children(all, find(all, "invite"), NULL, 0), 1));
    json_t *ja = rdbl_prefix_agg_to_json(a), *jb = rdbl_prefix_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_prefix_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_prefix_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s_all = dump(all), *s_m = dump(m);
    cr_assert(eq(str, s_all, s_m));
    cr_assert(eq(int, rdbl_prefix_agg_merge(b, a), RDBL_OK));
    char *s_b = dump(b);
    cr_assert(eq(str, s_all, s_b));
    free(s_all);
    free(s_m);
    free(s_b);
    rdbl_prefix_agg_free(all);
    rdbl_prefix_agg_free(a);
    rdbl_prefix_agg_free(b);
    rdbl_prefix_agg_free(m);
}

/* Each row gives one of its own keys as its example and the distinct
 * values of its '*', the same in any key order, split, merged in memory or
 * through JSON (keys longer than an example keeps among them). */
Test(prefix, examples_and_values_whatever_the_order)
{
    enum { N = 3000 };
    rdbl_prefix_agg *all, *rev, *a, *b;
    cr_assert(eq(int, rdbl_prefix_agg_new(&all, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&rev, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&a, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&b, NULL), RDBL_OK));
    static char keys[N][200];
    static uint64_t mem[N];
    uint64_t st = 4242;
    for (int i = 0; i < N; i++) {
        uint64_t r = gen_next(&st);
        char name[8];
        for (int j = 0; j < 7; j++)
            name[j] = (char)('a' + (r >> (5 * j)) % 26);
        name[7] = 0;
        mem[i] = 200 + r % 100;
        if (i == 2000) {
            snprintf(keys[i], sizeof keys[i], "leaderboard:global");
            mem[i] = 500000;
        } else if (i == 2500) {
            snprintf(keys[i], sizeof keys[i], "lb:global");
        } else if (i % 500 == 1) { /* keys longer than an example keeps */
            memset(keys[i], 'q', 180);
            keys[i][180] = 0;
            memcpy(keys[i], "leaderboard:", 12);
            keys[i][12] = (char)('a' + i / 500);
        } else if (i % 2) {
            snprintf(keys[i], sizeof keys[i], "leaderboard:%s", name);
        } else {
            snprintf(keys[i], sizeof keys[i], "lb:%s:2024-%02d", name, i % 12 + 1);
        }
    }
    for (int i = 0; i < N; i++) {
        rdbl_key_facts f = fact(keys[i], mem[i], false), g = fact(keys[N - 1 - i], mem[N - 1 - i], false);
        cr_assert(eq(int, rdbl_prefix_agg_add(all, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_prefix_agg_add(rev, &g), RDBL_OK));
        cr_assert(eq(int, rdbl_prefix_agg_add(i % 2 ? a : b, &g), RDBL_OK));
    }
    /* examples: a key of the row; values: about the number of names */
    bool cut, est;
    uint32_t lbs = find(all, "lb:*:*");
    rdbl_str ex = rdbl_prefix_agg_example(all, lbs, &cut);
    cr_assert(ex.ptr && !cut && ex.len > 3 && memcmp(ex.ptr, "lb:", 3) == 0);
    cr_assert(ex.len != 9 || memcmp(ex.ptr, "lb:global", 9) != 0);
    ex = rdbl_prefix_agg_example(all, find(all, "leaderboard:*"), &cut);
    cr_assert(ex.ptr && ex.len > 12 && memcmp(ex.ptr, "leaderboard:", 12) == 0);
    uint64_t nv = rdbl_prefix_agg_values(all, find(all, "leaderboard:*"), &est);
    cr_assert(est && nv >= 1100 && nv <= N / 2 + 1, "values %llu", (unsigned long long)nv);
    cr_assert(eq(u64, rdbl_prefix_agg_values(all, find(all, "leaderboard"), &est), 0));
    /* the same tree in reverse order, split and merged */
    char *s_all = dump(all), *s_rev = dump(rev);
    cr_assert(eq(str, s_all, s_rev));
    /* through JSON: rev2 = json(a) + json(b) */
    rdbl_prefix_agg *rev2;
    cr_assert(eq(int, rdbl_prefix_agg_new(&rev2, NULL), RDBL_OK));
    json_t *ja = rdbl_prefix_agg_to_json(a), *jb = rdbl_prefix_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_prefix_agg_add_json(rev2, ja, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_prefix_agg_add_json(rev2, jb, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s_j = dump(rev2);
    cr_assert(eq(str, s_all, s_j));
    cr_assert(eq(int, rdbl_prefix_agg_merge(a, b), RDBL_OK));
    char *s_m = dump(a);
    cr_assert(eq(str, s_all, s_m));
    free(s_all);
    free(s_rev);
    free(s_m);
    free(s_j);
    rdbl_prefix_agg_free(rev2);
    rdbl_prefix_agg_free(all);
    rdbl_prefix_agg_free(rev);
    rdbl_prefix_agg_free(a);
    rdbl_prefix_agg_free(b);
}

/* Delimiters inside a segment read per family: where sibling labels share
 * them they carry the pattern, where they do not the labels stay whole;
 * the labels a variable position's sample let go join the family's row; a
 * '*' that took one value shows it. */
Test(prefix, delimiters_per_family)
{
    static const char *const words[] = {"apple", "river", "stone", "cloud", "tiger", "ember",
                                        "maple", "orbit", "pixel", "quartz", "lunar", "cedar"};
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    uint64_t st = 77;
    char key[96];
    int i18n = 0;
    for (int i = 0; i < 144; i++) { /* i18n.en.<word>.<word>: 144 labels at the top */
        snprintf(key, sizeof key, "i18n.en.%s.%s", words[i / 12], words[i % 12]);
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
        i18n++;
    }
    for (int i = 0; i < 600; i++) { /* cache:<tenant>|<entity>|list, 200 tenants */
        uint64_t r = gen_next(&st);
        char name[8];
        for (int j = 0; j < 7; j++)
            name[j] = (char)('a' + (r >> (5 * j)) % 26);
        name[7] = 0;
        snprintf(key, sizeof key, "cache:%s|%s|list", name,
                 i % 3 == 0 ? "users" : i % 3 == 1 ? "orders" : "invoices");
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    for (int i = 0; i < 50; i++) { /* a constant that looks like an id: ver:2:<id> */
        snprintf(key, sizeof key, "ver:2:%d", 1000 + i);
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    static const char *const fixed[] = {"feature-flags", "rate_limit_config", "user_preferences"};
    for (int i = 0; i < 3; i++) {
        rdbl_key_facts f = fact(fixed[i], 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    cr_assert(eq(u64, node(p, "i18n.en.*.*")->keys, (uint64_t)i18n));
    cr_assert(eq(u64, node(p, "cache:*|*|list")->keys, 600));
    cr_assert(eq(sz, rdbl_prefix_agg_children(p, find(p, "cache"), NULL, 0), 1));
    for (int i = 0; i < 3; i++)
        cr_assert(eq(u64, node(p, fixed[i])->keys, 1));
    bool est;
    cr_assert(eq(u64, node(p, "ver:2:*")->keys, 50));
    cr_assert(eq(u64, rdbl_prefix_agg_values(p, find(p, "ver:2"), &est), 0));
    cr_assert(eq(u64, rdbl_prefix_agg_values(p, find(p, "ver:2:*"), &est), 50));
    cr_assert(eq(sz, rdbl_prefix_agg_children(p, RDBL_PREFIX_ROOT, NULL, 0), 6));
    rdbl_prefix_agg_free(p);
}

/* connect-redis session ids are base64url: a few start like a word glued to
 * '-' or '_' ("mf-Yrz...", "ekebkpxb_XLh..."). Each is an id, not a family:
 * the rows are one "sess:*", not "sess:mf-*" beside it. */
Test(prefix, stray_glued_heads_join_the_star)
{
    static const char b64u[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static const char *const glued[] = {"mf-", "qh-", "rn_", "ekebkpxb_", "dmws-"};
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    uint64_t st = 4242;
    char key[96];
    for (int i = 0; i < 400; i++) {
        size_t n = 0;
        n += (size_t)snprintf(key, sizeof key, "sess:%s", i < 5 ? glued[i] : "");
        while (n < 5 + 32) {
            uint64_t r = gen_next(&st);
            key[n++] = b64u[r % (sizeof b64u - 1)];
        }
        key[n] = 0;
        rdbl_key_facts f = fact(key, 100, true);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    cr_assert(eq(sz, rdbl_prefix_agg_children(p, find(p, "sess"), NULL, 0), 1));
    cr_assert(eq(u64, node(p, "sess:*")->keys, 400));
    rdbl_prefix_agg_free(p);
}

Test(prefix, json_rejects_bad_input)
{
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    rdbl_error err = {0};
    json_t *j = json_loads("{\"keys\": -1}", 0, NULL);
    cr_assert(eq(int, rdbl_prefix_agg_add_json(p, j, &err), RDBL_CORRUPT));
    json_decref(j);
    memset(&err, 0, sizeof err);
    j = json_loads("{\"keys\":1,\"children\":[{\"label\":\"a\\\\q\",\"sep\":\"\",\"keys\":1}]}",
                   0, NULL);
    cr_assert(j != NULL);
    cr_assert(eq(int, rdbl_prefix_agg_add_json(p, j, &err), RDBL_CORRUPT));
    json_decref(j);
    rdbl_prefix_agg_free(p);
}

/* Keys are split 8 bytes at a time when there is one delimiter (SWAR) and
 * byte by byte through a class table otherwise: adding a delimiter that
 * never occurs must not change the tree, for keys with digits, delimiters
 * and high bytes anywhere (segment ends at every offset of a word). */
Test(prefix, word_at_a_time_split_equals_bytewise)
{
    rdbl_agg_opts one, two;
    rdbl_agg_opts_default(&one);
    rdbl_agg_opts_default(&two);
    one.delimiters = ":";
    two.delimiters = ":\x01";
    one.max_depth = two.max_depth = 16;
    rdbl_prefix_agg *a, *b;
    cr_assert(eq(int, rdbl_prefix_agg_new(&a, &one), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&b, &two), RDBL_OK));
    static const char alphabet[] = "::0123456789abcdefxyzAB-_{}/.@\xc3\xa9\xff\x80";
    uint64_t s = 12345;
    for (int i = 0; i < 30000; i++) {
        char key[200]; /* past 64 and 128 bytes: the splitter works in 64-byte chunks */
        size_t n = (size_t)(gen_next(&s) % sizeof key);
        for (size_t j = 0; j < n; j++) {
            uint64_t r = gen_next(&s);
            /* runs of digits or letters, so some segments are all digits */
            key[j] = (r % 3 == 0 && j) ? key[j - 1] : alphabet[r % (sizeof alphabet - 1)];
        }
        rdbl_key_facts f = fact("", 100, i % 2);
        f.key.ptr = (const uint8_t *)key;
        f.key.len = n;
        cr_assert(eq(int, rdbl_prefix_agg_add(a, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_prefix_agg_add(b, &f), RDBL_OK));
    }
    char *ja = dump(a), *jb = dump(b);
    /* (not eq(str): printing two multi-MB strings on failure takes ages) */
    cr_assert(eq(int, strcmp(ja, jb), 0), "the trees differ");
    free(ja);
    free(jb);
    rdbl_prefix_agg_free(a);
    rdbl_prefix_agg_free(b);
}

/* ---- fold(): the table-driven classifier against the byte-by-byte one it
 * replaced (kept here as the reference), on random segments built from
 * the characters the rules look at. */
static bool ref_is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool ref_is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Decides the label of one segment. Folded labels are written into buf
 * (>= 40 bytes); otherwise *lab points into the segment itself. */
static void ref_fold(const uint8_t *s, size_t n, uint8_t *buf, const uint8_t **lab, size_t *lablen)
{
    *lab = s;
    *lablen = n;
    if (n == 0)
        return;
    /* e-mail: one '@' after a non-empty local part, a dot inside the
     * domain, nothing at or below ' ' nor DEL */
    size_t ats = 0, at = 0;
    bool clean = true;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '@') {
            ats++;
            at = i;
        }
        if (s[i] <= ' ' || s[i] == 0x7f)
            clean = false;
    }
    if (ats == 1 && at > 0 && clean) {
        bool dot = false;
        for (size_t i = at + 2; i + 1 < n; i++)
            dot = dot || s[i] == '.';
        if (dot) {
            buf[0] = '*';
            *lab = buf;
            *lablen = 1;
            return;
        }
    }
    /* Every rule below needs a digit, but the UUID one (36 hex characters
     * and dashes could all be letters): words are settled by one scan. */
    if (n != 36) {
        size_t i = 0;
        while (i < n && !ref_is_digit(s[i]))
            i++;
        if (i == n)
            return;
    }
    size_t digits = 0, hex = 0, upper = 0, lower = 0, b64 = 0, alnum = 0, trans = 0;
    int prev = 0; /* 1 letter, 2 digit */
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        int cls = 0;
        if (ref_is_digit(c)) {
            digits++;
            cls = 2;
        } else if (c >= 'a' && c <= 'z') {
            lower++;
            cls = 1;
        } else if (c >= 'A' && c <= 'Z') {
            upper++;
            cls = 1;
        }
        if (ref_is_hex(c))
            hex++;
        if (cls)
            alnum++;
        if (cls || c == '+' || c == '/' || c == '=' || c == '_' || c == '-')
            b64++;
        if (cls && prev && cls != prev)
            trans++;
        if (cls)
            prev = cls;
    }
    bool star = false;
    if (digits == n) {
        star = true; /* decimal ids, Unix timestamps */
    } else if (s[0] == '-' && digits == n - 1 && n > 1) {
        star = true;
    } else if (n == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' &&
               hex == 32) {
        star = true; /* UUID */
    } else if (n >= 8 && hex == n && digits > 0) {
        star = true; /* hex ids, hashes */
    } else if (ref_is_digit(s[0]) && digits >= 6 && digits * 10 >= n * 6) {
        /* dates and times: 2024-01-31, 20240131T1200Z, 1700000000.123 */
        star = true;
        for (size_t i = 0; i < n && star; i++) {
            uint8_t c = s[i];
            star = ref_is_digit(c) || c == '-' || c == '_' || c == '.' || c == 'T' || c == 'Z' ||
                   c == '+';
        }
    }
    if (!star && n >= 16 && b64 == n && digits > 0 && (upper + lower) > 0 &&
        ((upper > 0 && lower > 0) || digits >= 4) && s[0] != '/') {
        star = true; /* base64 / base64url tokens, session ids */
    }
    if (!star && n >= 8 && alnum == n && digits > 0 && trans >= 3)
        star = true; /* random alphanumerics: aB3xQ9kL */
    if (star) {
        buf[0] = '*';
        *lab = buf;
        *lablen = 1;
        return;
    }
    if (n >= 3 && s[0] == '{' && s[n - 1] == '}' && digits > 0) {
        memcpy(buf, "{*}", 3); /* cluster hash tags: {tenant12} */
        *lab = buf;
        *lablen = 3;
        return;
    }
    /* 3+ digits after a head without digits: order12345 -> order* */
    size_t head = 0;
    while (head < n && !ref_is_digit(s[head]))
        head++;
    if (head >= 1 && head <= 32 && n - head >= 3 && digits == n - head) {
        memcpy(buf, s, head);
        buf[head] = '*';
        *lab = buf;
        *lablen = head + 1;
    }
}


Test(prefix, table_classifier_equals_reference)
{
    static const char alphabet[] = "0123456789abcdefABCDEFxyzXYZ-_+/=.{}T:Z@\xc3\xa9 ";
    uint64_t s = 777;
    for (int i = 0; i < 1000000; i++) {
        uint8_t seg[48];
        size_t n = 1 + (size_t)(gen_next(&s) % sizeof seg);
        unsigned mode = (unsigned)(gen_next(&s) % 4);
        for (size_t j = 0; j < n; j++) {
            uint64_t r = gen_next(&s);
            if (mode == 0) /* mostly digits: dates, ids, word+digits */
                seg[j] = r % 5 ? (uint8_t)('0' + r % 10) : (uint8_t)alphabet[r % (sizeof alphabet - 1)];
            else if (mode == 1) /* hex */
                seg[j] = (uint8_t)"0123456789abcdef-"[r % 17];
            else
                seg[j] = (uint8_t)alphabet[r % (sizeof alphabet - 1)];
        }
        if (i % 97 == 0 && n == 36) /* UUID shapes */
            seg[8] = seg[13] = seg[18] = seg[23] = '-';
        uint8_t buf[40], out[64];
        const uint8_t *lab;
        size_t ln;
        ref_fold(seg, n, buf, &lab, &ln);
        size_t got = rdbl_prefix_fold_segment(seg, n, out, sizeof out);
        /* the reference has no token pass (ids between '.', '/', '|', '-',
         * '_', ',', '=' and random tails): compare where it cannot apply */
        if (memchr(seg, '.', n) || memchr(seg, '/', n) || memchr(seg, '|', n) ||
            memchr(seg, '-', n) || memchr(seg, '_', n) || memchr(seg, ',', n) ||
            memchr(seg, '=', n) || (n >= 12 && got == 1 && ln == n))
            continue;
        cr_assert(eq(sz, got, ln), "segment %.*s", (int)n, (const char *)seg);
        cr_assert(eq(int, memcmp(out, lab, ln), 0), "segment %.*s", (int)n, (const char *)seg);
    }
}

/* A named child with a sampled-out family of its own ("cache:page", whose
 * 200 page names pass the sample) that its parent's sample later lets go
 * into "cache:*" beside 1500 other names: the labels "cache:*" keeps below
 * it are the same whether "cache:page" was demoted before or after its
 * page names came, in one run, reversed, or split and merged (in memory
 * and through JSON). */
Test(prefix, demoted_child_samples_the_same_in_any_order)
{
    enum { NPAGE = 200, NNAME = 1500, N = NPAGE + NNAME };
    static char keys[N][48];
    static char words[NPAGE][8];
    uint64_t st = 777;
    for (int i = 0; i < NPAGE; i++) {
        uint64_t r = gen_next(&st);
        for (int j = 0; j < 7; j++)
            words[i][j] = (char)('a' + (r >> (5 * j)) % 26);
        words[i][7] = 0;
        snprintf(keys[i], sizeof keys[i], "cache:page:%.7s", words[i]);
    }
    for (int i = 0; i < NNAME; i++) {
        uint64_t r = gen_next(&st);
        char name[7];
        for (int j = 0; j < 6; j++)
            name[j] = (char)('a' + (r >> (5 * j)) % 26);
        name[6] = 0;
        snprintf(keys[NPAGE + i], sizeof keys[0], "cache:%.6s:%.7s", name,
                 words[(r >> 40) % NPAGE]);
    }
    rdbl_prefix_agg *fwd, *rev, *a, *b, *m;
    cr_assert(eq(int, rdbl_prefix_agg_new(&fwd, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&rev, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&a, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&b, NULL), RDBL_OK));
    cr_assert(eq(int, rdbl_prefix_agg_new(&m, NULL), RDBL_OK));
    for (int i = 0; i < N; i++) {
        rdbl_key_facts f = fact(keys[i], 100, false);
        rdbl_key_facts g = fact(keys[N - 1 - i], 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(fwd, &f), RDBL_OK));
        cr_assert(eq(int, rdbl_prefix_agg_add(rev, &g), RDBL_OK));
        /* a: the page family first, b: the other names */
        cr_assert(eq(int, rdbl_prefix_agg_add(i < NPAGE ? a : b, &f), RDBL_OK));
    }
    /* the premise: the sample let "cache:page" go into "cache:*" */
    cr_assert(eq(u64, node(fwd, "cache:*")->keys, N));
    char *s_fwd = dump(fwd), *s_rev = dump(rev);
    cr_assert(eq(str, s_fwd, s_rev), "reversed order gives another sampled tree");
    json_t *ja = rdbl_prefix_agg_to_json(a), *jb = rdbl_prefix_agg_to_json(b);
    rdbl_error err = {0};
    cr_assert(eq(int, rdbl_prefix_agg_add_json(m, jb, &err), RDBL_OK), "%s", err.msg);
    cr_assert(eq(int, rdbl_prefix_agg_add_json(m, ja, &err), RDBL_OK), "%s", err.msg);
    json_decref(ja);
    json_decref(jb);
    char *s_m = dump(m);
    cr_assert(eq(str, s_fwd, s_m), "json(b) + json(a) differs");
    cr_assert(eq(int, rdbl_prefix_agg_merge(a, b), RDBL_OK));
    char *s_a = dump(a);
    cr_assert(eq(str, s_fwd, s_a), "a += b differs");
    free(s_fwd);
    free(s_rev);
    free(s_m);
    free(s_a);
    rdbl_prefix_agg_free(fwd);
    rdbl_prefix_agg_free(rev);
    rdbl_prefix_agg_free(a);
    rdbl_prefix_agg_free(b);
    rdbl_prefix_agg_free(m);
}

/* A Redis Cluster hash tag with the delimiter inside (asynq's
 * "asynq:servers:{<host>:<pid>:<uuid>}") is one segment, folded to "{*}"
 * whatever the host, not one row per host; a tag without the delimiter
 * ("{hangfire}") and an unclosed '{' split as before; a tag that takes one
 * value shows it. */
Test(prefix, hash_tags_with_the_delimiter_are_one_segment)
{
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    static const char *hosts[] = {"web-1", "web-2", "worker-a", "ip-10-0-6-174", "api"};
    char key[128];
    for (int i = 0; i < 40; i++) {
        snprintf(key, sizeof key, "asynq:servers:{%s:%d:%08x-1b4e-4c2a-9d1f-%012d}", hosts[i % 5],
                 1000 + 37 * i, 0x1a2b3c4du * (unsigned)(i + 1), i * 7919);
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "{hangfire}:job:%d", 5000 + i);
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
        snprintf(key, sizeof key, "cfg:{app:main}:%s", i == 0 ? "a" : i == 1 ? "b" : "c");
        f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    rdbl_key_facts f = fact("odd:{open:x", 100, false);
    cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    cr_assert(eq(u64, node(p, "asynq:servers:{*}")->keys, 40));
    cr_assert(eq(sz, rdbl_prefix_agg_children(p, find(p, "asynq:servers"), NULL, 0), 1));
    bool est = true;
    cr_assert(eq(u64, rdbl_prefix_agg_values(p, find(p, "asynq:servers:{*}"), &est), 40));
    cr_assert(eq(u64, node(p, "{hangfire}:job:*")->keys, 3));
    cr_assert(eq(u64, node(p, "cfg:{app:main}:a")->keys, 1), "a tag of one value shows it");
    cr_assert(eq(u64, node(p, "odd:{open:x")->keys, 1), "an unclosed '{' splits as before");
    check_sums(p, RDBL_PREFIX_ROOT);
    rdbl_prefix_agg_free(p);
}

/* A segment that keeps one value across its family is shown as it is,
 * also past 64 bytes of key: Spring Session's index keys are ~110 bytes,
 * and the mixed-case class name folds alone. The constant comes back from
 * the example key, which must hold the segment whole. */
Test(prefix, long_constant_segment_shown_literally)
{
    rdbl_prefix_agg *p;
    cr_assert(eq(int, rdbl_prefix_agg_new(&p, NULL), RDBL_OK));
    static const char *users[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace"};
    char key[160];
    for (int i = 0; i < 70; i++) {
        snprintf(key, sizeof key,
                 "spring:session:index:org.springframework.session."
                 "FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME:%s%d",
                 users[i % 7], i);
        rdbl_key_facts f = fact(key, 100, false);
        cr_assert(eq(int, rdbl_prefix_agg_add(p, &f), RDBL_OK));
    }
    const char *row = "spring:session:index:org.springframework.session."
                      "FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME";
    cr_assert(find(p, row) != UINT32_MAX, "the constant is not shown as it is");
    cr_assert(eq(u64, node(p, row)->keys, 70));
    check_sums(p, RDBL_PREFIX_ROOT);
    rdbl_prefix_agg_free(p);
}
