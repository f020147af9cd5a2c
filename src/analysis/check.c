/* `rdblens check`: limits as rules, violations with bounded examples. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>

#include "internal.h"
#include "rdblens/analysis.h"
#include "rdblens/report.h"

enum { R_KEY_BYTES, R_ELEMENTS, R_REQUIRE_TTL, R_TOTAL, R_NO_TTL, R_ADVICE, R__COUNT };

static const char *const rule_names[R__COUNT] = {
    "max-key-bytes", "max-elements", "require-ttl", "max-total-bytes", "max-no-ttl-ratio",
    "fail-on-advice",
};

typedef struct example {
    char *what;  /* the key (escaped) or the subject */
    char *detail;
} example;

typedef struct rule {
    uint64_t count;
    example *ex;
    size_t nex;
} rule;

struct rdbl_check {
    rdbl_check_opts o;
    rule rules[R__COUNT];
    bool finished;
};

void rdbl_check_opts_init(rdbl_check_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_no_ttl_ratio = -1;
    o->fail_on_advice = -1;
    o->max_listed = 20;
}

rdbl_check *rdbl_check_new(const rdbl_check_opts *o)
{
    rdbl_check *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = *o;
    if (!c->o.max_listed)
        c->o.max_listed = 20;
    return c;
}

void rdbl_check_free(rdbl_check *c)
{
    if (!c)
        return;
    for (int r = 0; r < R__COUNT; r++) {
        for (size_t i = 0; i < c->rules[r].nex; i++) {
            free(c->rules[r].ex[i].what);
            free(c->rules[r].ex[i].detail);
        }
        free(c->rules[r].ex);
    }
    free(c);
}

static int violate(rdbl_check *c, int r, const char *what, const char *fmt, ...)
    RDBL_PRINTF(4, 5);
static int violate(rdbl_check *c, int r, const char *what, const char *fmt, ...)
{
    rule *ru = &c->rules[r];
    ru->count++;
    if (ru->nex >= c->o.max_listed)
        return 0;
    if (!ru->ex) {
        ru->ex = calloc(c->o.max_listed, sizeof *ru->ex);
        if (!ru->ex)
            return -1;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    example *e = &ru->ex[ru->nex];
    e->what = strdup(what);
    e->detail = strdup(buf);
    if (!e->what || !e->detail) {
        free(e->what);
        free(e->detail);
        return -1;
    }
    ru->nex++;
    return 0;
}

static char *key_name(const rdbl_key_facts *f, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "db%" PRIu64 ":", f->db);
    if (n < 0 || (size_t)n >= cap)
        return buf;
    rdbl_escape_bytes(buf + n, cap - (size_t)n, f->key.ptr, f->key.len);
    return buf;
}

int rdbl_check_key(rdbl_check *c, const rdbl_key_facts *f)
{
    char name[300], b[32];
    const rdbl_check_opts *o = &c->o;
    if (o->max_key_bytes && f->mem_bytes > o->max_key_bytes &&
        violate(c, R_KEY_BYTES, key_name(f, name, sizeof name), "%s %s estimated, limit %s",
                rdbl_type_name(f->type), rdbl_fmt_bytes(b, sizeof b, f->mem_bytes),
                rdbl_fmt_bytes((char[32]){0}, 32, o->max_key_bytes)) != 0)
        return -1;
    if (o->max_elements && f->elements > o->max_elements &&
        violate(c, R_ELEMENTS, key_name(f, name, sizeof name),
                "%s with %" PRIu64 " elements, limit %" PRIu64, rdbl_type_name(f->type),
                f->elements, o->max_elements) != 0)
        return -1;
    if (!f->has_expire) {
        for (size_t i = 0; i < o->nrequire_ttl; i++) {
            const char *g = o->require_ttl[i];
            if (rdbl_glob_match((const uint8_t *)g, strlen(g), f->key.ptr, f->key.len)) {
                if (violate(c, R_REQUIRE_TTL, key_name(f, name, sizeof name),
                            "no TTL, but it matches '%s' (%s)", g,
                            rdbl_fmt_bytes(b, sizeof b, f->mem_bytes)) != 0)
                    return -1;
                break;
            }
        }
    }
    return 0;
}

rdbl_status rdbl_check_finish(rdbl_check *c, const rdbl_agg *agg)
{
    const rdbl_check_opts *o = &c->o;
    const rdbl_summary *s = rdbl_tables_agg_summary(rdbl_agg_tables(agg));
    char a[32], b[32];
    if (o->max_total_bytes && s->all.mem_bytes > o->max_total_bytes &&
        violate(c, R_TOTAL, "all keys", "%s estimated (sum of per-key MEMORY USAGE), limit %s",
                rdbl_fmt_bytes(a, sizeof a, s->all.mem_bytes),
                rdbl_fmt_bytes(b, sizeof b, o->max_total_bytes)) != 0)
        return RDBL_NOMEM;
    if (o->max_no_ttl_ratio >= 0 && s->all.keys) {
        double r = (double)(s->all.keys - s->all.keys_with_ttl) / (double)s->all.keys;
        if (r > o->max_no_ttl_ratio &&
            violate(c, R_NO_TTL, "all keys",
                    "%.1f%% of keys have no TTL (%" PRIu64 " of %" PRIu64 "), limit %.1f%%",
                    r * 100, s->all.keys - s->all.keys_with_ttl, s->all.keys,
                    o->max_no_ttl_ratio * 100) != 0)
            return RDBL_NOMEM;
    }
    if (o->fail_on_advice >= 0) {
        rdbl_advice_list l = {0};
        if (rdbl_agg_advice(agg, &l) != RDBL_OK)
            return RDBL_NOMEM;
        for (size_t i = 0; i < l.n; i++) {
            const rdbl_advice_item *it = &l.items[i];
            if ((int)it->level < o->fail_on_advice)
                continue;
            if (violate(c, R_ADVICE, it->rule, "[%s] %s", rdbl_advice_level_name(it->level),
                        it->title) != 0) {
                rdbl_advice_list_free(&l);
                return RDBL_NOMEM;
            }
        }
        rdbl_advice_list_free(&l);
    }
    c->finished = true;
    return RDBL_OK;
}

uint64_t rdbl_check_violations(const rdbl_check *c)
{
    uint64_t n = 0;
    for (int r = 0; r < R__COUNT; r++)
        n += c->rules[r].count;
    return n;
}

int rdbl_check_write_text(const rdbl_check *c, FILE *out)
{
    uint64_t total = rdbl_check_violations(c);
    for (int r = 0; r < R__COUNT; r++) {
        const rule *ru = &c->rules[r];
        if (!ru->count)
            continue;
        fprintf(out, "FAIL %s: %" PRIu64 " violation%s\n", rule_names[r], ru->count,
                ru->count == 1 ? "" : "s");
        for (size_t i = 0; i < ru->nex; i++)
            fprintf(out, "  %s  %s\n", ru->ex[i].what, ru->ex[i].detail);
        if (ru->count > ru->nex)
            fprintf(out, "  ... %" PRIu64 " more\n", ru->count - ru->nex);
    }
    if (total == 0)
        fprintf(out, "OK: no check failed\n");
    else
        fprintf(out, "%" PRIu64 " violation%s\n", total, total == 1 ? "" : "s");
    return ferror(out) ? -1 : 0;
}

int rdbl_check_write_json(const rdbl_check *c, FILE *out)
{
    json_t *root = json_object();
    json_t *rules = json_array();
    for (int r = 0; r < R__COUNT; r++) {
        const rule *ru = &c->rules[r];
        if (!ru->count)
            continue;
        json_t *j = json_object();
        json_object_set_new(j, "rule", json_string(rule_names[r]));
        json_object_set_new(j, "count", json_integer((json_int_t)ru->count));
        json_t *ex = json_array();
        for (size_t i = 0; i < ru->nex; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "subject", json_string(ru->ex[i].what));
            json_object_set_new(e, "detail", json_string(ru->ex[i].detail));
            json_array_append_new(ex, e);
        }
        json_object_set_new(j, "examples", ex);
        json_array_append_new(rules, j);
    }
    json_object_set_new(root, "schema", json_string("rdblens.check/1"));
    json_object_set_new(root, "ok", json_boolean(rdbl_check_violations(c) == 0));
    json_object_set_new(root, "violations", json_integer((json_int_t)rdbl_check_violations(c)));
    json_object_set_new(root, "failed", rules);
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', out);
    json_decref(root);
    return rc == 0 && !ferror(out) ? 0 : -1;
}
