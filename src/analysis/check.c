/* `rdblens check`: limits as rules, violations with bounded examples. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>

#include "analysis/analysis_int.h"
#include "internal.h"
#include "rdblens/analysis.h"
#include "rdblens/report.h"

enum {
    R_INPUT, R_KEY_BYTES, R_ELEMENTS, R_REQUIRE_TTL, R_TOTAL, R_NO_TTL, R_ADVICE,
    R_PREFIX_BYTES, R_GROWTH, R_PREFIX_GROWTH, R__COUNT
};

static const char *const rule_names[R__COUNT] = {
    "input", "max-key-bytes", "max-elements", "require-ttl", "max-total-bytes",
    "max-no-ttl-ratio", "fail-on-advice", "max-prefix-bytes", "max-growth",
    "max-prefix-growth",
};

typedef struct example {
    const char *file; /* one of rdbl_check.files, or NULL (all files) */
    bool has_key;
    uint64_t db;
    char *what;  /* the key (escaped) or the subject */
    char *detail;
} example;

typedef struct file_rec {
    char *path;
    const char *status; /* NULL while being read */
} file_rec;

typedef struct rule {
    uint64_t count;
    example *ex;
    size_t nex;
} rule;

struct rdbl_check {
    rdbl_check_opts o;
    rule rules[R__COUNT];
    file_rec *files;
    size_t nfiles;
    bool finished;
    /* growth gates: memory of the keys matching each glob, now and in the
     * baseline; the baseline's total */
    uint64_t *bytes_now;          /* nprefix_bytes */
    uint64_t *growth_now, *growth_base; /* nprefix_growth */
    uint64_t total_now, total_base;
    bool has_base;
    const char *base_path;
};

bool rdbl_check_opts_any(const rdbl_check_opts *o)
{
    return o->max_key_bytes || o->max_elements || o->max_total_bytes ||
           o->max_no_ttl_ratio >= 0 || o->nrequire_ttl || o->fail_on_advice >= 0 ||
           o->nprefix_bytes || o->max_growth >= 0 || o->nprefix_growth;
}

int rdbl_check_begin_file(rdbl_check *c, const char *path)
{
    file_rec *nf = realloc(c->files, (c->nfiles + 1) * sizeof *nf);
    if (!nf)
        return -1;
    c->files = nf;
    if (!(nf[c->nfiles].path = strdup(path)))
        return -1;
    nf[c->nfiles].status = NULL;
    c->nfiles++;
    return 0;
}

static const char *cur_file(const rdbl_check *c)
{
    return c->nfiles ? c->files[c->nfiles - 1].path : NULL;
}

static int violate_at(rdbl_check *c, int r, const char *file, const rdbl_key_facts *f,
                      const char *what, const char *detail);

int rdbl_check_file_done(rdbl_check *c, const char *path, rdbl_status st, const char *detail)
{
    size_t i = 0;
    while (i < c->nfiles && (c->files[i].status || strcmp(c->files[i].path, path) != 0))
        i++;
    if (i == c->nfiles && rdbl_check_begin_file(c, path) != 0)
        return -1;
    c->files[i].status = st == RDBL_OK ? "ok" : rdbl_status_name(st);
    if (st == RDBL_OK)
        return 0;
    return violate_at(c, R_INPUT, c->files[i].path, NULL, NULL, detail);
}

void rdbl_check_opts_init(rdbl_check_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_no_ttl_ratio = -1;
    o->fail_on_advice = -1;
    o->max_listed = 20;
    o->max_growth = -1;
}

rdbl_check *rdbl_check_new(const rdbl_check_opts *o)
{
    rdbl_check *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->o = *o;
    if (!c->o.max_listed)
        c->o.max_listed = 20;
    c->bytes_now = calloc(o->nprefix_bytes + 1, sizeof *c->bytes_now);
    c->growth_now = calloc(o->nprefix_growth + 1, sizeof *c->growth_now);
    c->growth_base = calloc(o->nprefix_growth + 1, sizeof *c->growth_base);
    if (!c->bytes_now || !c->growth_now || !c->growth_base) {
        rdbl_check_free(c);
        return NULL;
    }
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
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i].path);
    free(c->files);
    free(c->bytes_now);
    free(c->growth_now);
    free(c->growth_base);
    free(c);
}

/* Counts a violation; keeps it as an example while the rule has room.
 * f: the key (its db and escaped name), or NULL with what as the subject. */
static int violate_at(rdbl_check *c, int r, const char *file, const rdbl_key_facts *f,
                      const char *what, const char *detail)
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
    example *e = &ru->ex[ru->nex];
    char name[300];
    if (f) {
        rdbl_escape_bytes(name, sizeof name, f->key.ptr, f->key.len);
        what = name;
        e->has_key = true;
        e->db = f->db;
    }
    e->file = file;
    e->what = what ? strdup(what) : NULL;
    e->detail = strdup(detail);
    if ((what && !e->what) || !e->detail) {
        free(e->what);
        free(e->detail);
        return -1;
    }
    ru->nex++;
    return 0;
}

static int violate(rdbl_check *c, int r, const rdbl_key_facts *f, const char *what,
                   const char *fmt, ...) RDBL_PRINTF(5, 6);
static int violate(rdbl_check *c, int r, const rdbl_key_facts *f, const char *what,
                   const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return violate_at(c, r, f ? cur_file(c) : NULL, f, what, buf);
}

/* Adds f's memory to sums[i] for every globs[i] its key matches. */
static void glob_sums(const char *const *globs, size_t n, const rdbl_key_facts *f, uint64_t *sums)
{
    for (size_t i = 0; i < n; i++)
        if (rdbl_glob_match((const uint8_t *)globs[i], strlen(globs[i]), f->key.ptr, f->key.len))
            sums[i] += f->mem_bytes;
}

int rdbl_check_key(rdbl_check *c, const rdbl_key_facts *f)
{
    char b[32];
    const rdbl_check_opts *o = &c->o;
    c->total_now += f->mem_bytes;
    glob_sums(o->prefix_bytes_globs, o->nprefix_bytes, f, c->bytes_now);
    glob_sums(o->prefix_growth_globs, o->nprefix_growth, f, c->growth_now);
    if (o->max_key_bytes && f->mem_bytes > o->max_key_bytes &&
        violate(c, R_KEY_BYTES, f, NULL, "%s %s estimated, limit %s",
                rdbl_type_name(f->type), rdbl_fmt_bytes(b, sizeof b, f->mem_bytes),
                rdbl_fmt_bytes((char[32]){0}, 32, o->max_key_bytes)) != 0)
        return -1;
    if (o->max_elements && f->elements > o->max_elements &&
        violate(c, R_ELEMENTS, f, NULL,
                "%s with %" PRIu64 " elements, limit %" PRIu64, rdbl_type_name(f->type),
                f->elements, o->max_elements) != 0)
        return -1;
    if (!f->has_expire) {
        for (size_t i = 0; i < o->nrequire_ttl; i++) {
            const char *g = o->require_ttl[i];
            if (rdbl_glob_match((const uint8_t *)g, strlen(g), f->key.ptr, f->key.len)) {
                if (violate(c, R_REQUIRE_TTL, f, NULL,
                            "no TTL, but it matches '%s' (%s)", g,
                            rdbl_fmt_bytes(b, sizeof b, f->mem_bytes)) != 0)
                    return -1;
                break;
            }
        }
    }
    return 0;
}

static int base_key(void *user, const rdbl_key_facts *f, const rdbl_key_info *k, int64_t ref)
{
    (void)k;
    (void)ref;
    rdbl_check *c = user;
    c->total_base += f->mem_bytes;
    glob_sums(c->o.prefix_growth_globs, c->o.nprefix_growth, f, c->growth_base);
    return 0;
}

rdbl_status rdbl_check_load_baseline(rdbl_check *c, const char *path,
                                     const rdbl_analysis_opts *o, const rdbl_source_opts *so,
                                     rdbl_error *err)
{
    c->base_path = path;
    c->total_base = 0;
    memset(c->growth_base, 0, c->o.nprefix_growth * sizeof *c->growth_base);
    FILE *f = fopen(path, "rb");
    int ch = EOF;
    while (f && ((ch = getc(f)) == ' ' || ch == '\n' || ch == '\r' || ch == '\t'))
        ;
    if (f)
        fclose(f);
    if (ch == '{') { /* a report JSON: its total, and the globs from its pattern tree */
        rdbl_agg *a = NULL;
        rdbl_status st = rdbl_agg_new(&a, NULL);
        if (st == RDBL_OK)
            st = rdbl_report_json_load(a, path, err);
        if (st == RDBL_OK)
            c->total_base = rdbl_tables_agg_summary(rdbl_agg_tables(a))->all.mem_bytes;
        char why[600];
        for (size_t i = 0; i < c->o.nprefix_growth && st == RDBL_OK; i++) {
            st = rdbl__tree_glob_sum(rdbl_agg_prefix(a), c->o.prefix_growth_globs[i],
                                     &c->growth_base[i], why, sizeof why);
            if (st == RDBL_USAGE)
                rdbl__fail(err, st, 0, "baseline", "%s: --max-prefix-growth: %s", path, why);
            else if (st != RDBL_OK)
                rdbl__fail(err, st, 0, "baseline", "out of memory");
        }
        rdbl_agg_free(a);
        c->has_base = st == RDBL_OK;
        return st;
    }
    rdbl_source *src = NULL;
    rdbl_status st = rdbl_source_open_file(&src, path, so, err);
    if (st != RDBL_OK)
        return st;
    rdbl_analysis_opts bo = *o;
    bo.on_key = base_key;
    bo.key_user = c;
    bo.filter = (rdbl_key_filter)RDBL_KEY_FILTER_ALL;
    bo.parse_flags |= RDBL_PARSE_FAST;
    st = rdbl_analyze(src, path, &bo, NULL, NULL, NULL, err);
    rdbl_source_free(src);
    c->has_base = st == RDBL_OK || st == RDBL_CHECKSUM;
    return st;
}

/* "+12.5%" of after against before ("new" from 0). */
static const char *growth_text(char *buf, size_t cap, uint64_t before, uint64_t after)
{
    if (before == 0)
        snprintf(buf, cap, after ? "new" : "+0%%");
    else
        snprintf(buf, cap, "%+.1f%%", ((double)after - (double)before) * 100.0 / (double)before);
    return buf;
}

static bool grew_past(uint64_t before, uint64_t after, double limit)
{
    if (after <= before)
        return false;
    return before == 0 || (double)(after - before) > limit * (double)before;
}

static rdbl_status growth_rules(rdbl_check *c)
{
    const rdbl_check_opts *o = &c->o;
    char a[32], b[32], g[32];
    for (size_t i = 0; i < o->nprefix_bytes; i++)
        if (c->bytes_now[i] > o->prefix_bytes[i] &&
            violate(c, R_PREFIX_BYTES, NULL, o->prefix_bytes_globs[i],
                    "%s estimated in the keys matching it, budget %s",
                    rdbl_fmt_bytes(a, sizeof a, c->bytes_now[i]),
                    rdbl_fmt_bytes(b, sizeof b, o->prefix_bytes[i])) != 0)
            return RDBL_NOMEM;
    if (!c->has_base)
        return RDBL_OK;
    if (o->max_growth >= 0 && grew_past(c->total_base, c->total_now, o->max_growth) &&
        violate(c, R_GROWTH, NULL, "all keys", "%s -> %s (%s) since %s, limit +%g%%",
                rdbl_fmt_bytes(a, sizeof a, c->total_base),
                rdbl_fmt_bytes(b, sizeof b, c->total_now),
                growth_text(g, sizeof g, c->total_base, c->total_now), c->base_path,
                o->max_growth * 100) != 0)
        return RDBL_NOMEM;
    for (size_t i = 0; i < o->nprefix_growth; i++)
        if (grew_past(c->growth_base[i], c->growth_now[i], o->prefix_growth[i]) &&
            violate(c, R_PREFIX_GROWTH, NULL, o->prefix_growth_globs[i],
                    "%s -> %s (%s) since %s, limit +%g%%",
                    rdbl_fmt_bytes(a, sizeof a, c->growth_base[i]),
                    rdbl_fmt_bytes(b, sizeof b, c->growth_now[i]),
                    growth_text(g, sizeof g, c->growth_base[i], c->growth_now[i]), c->base_path,
                    o->prefix_growth[i] * 100) != 0)
            return RDBL_NOMEM;
    return RDBL_OK;
}

rdbl_status rdbl_check_finish(rdbl_check *c, const rdbl_agg *agg)
{
    if (growth_rules(c) != RDBL_OK)
        return RDBL_NOMEM;
    const rdbl_check_opts *o = &c->o;
    const rdbl_summary *s = rdbl_tables_agg_summary(rdbl_agg_tables(agg));
    char a[32], b[32];
    if (o->max_total_bytes && s->all.mem_bytes > o->max_total_bytes &&
        violate(c, R_TOTAL, NULL, "all keys", "%s estimated (sum of per-key MEMORY USAGE), limit %s",
                rdbl_fmt_bytes(a, sizeof a, s->all.mem_bytes),
                rdbl_fmt_bytes(b, sizeof b, o->max_total_bytes)) != 0)
        return RDBL_NOMEM;
    if (o->max_no_ttl_ratio >= 0 && s->all.keys) {
        double r = (double)(s->all.keys - s->all.keys_with_ttl) / (double)s->all.keys;
        if (r > o->max_no_ttl_ratio &&
            violate(c, R_NO_TTL, NULL, "all keys",
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
            rdbl_advice_words w;
            rdbl_advice_words_of(it, &w);
            if (violate(c, R_ADVICE, NULL, it->rule, "[%s] %s", rdbl_advice_level_name(it->level),
                        w.title) != 0) {
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

/* The limits applied, e.g. "max-key-bytes 10 MiB, require-ttl 'session:*'". */
static void limits_text(const rdbl_check_opts *o, char *buf, size_t cap)
{
    char a[32];
    size_t n = 0;
    buf[0] = '\0';
#define ADD(...)                                                                        \
    do {                                                                                \
        if (n < cap) {                                                                  \
            int w = snprintf(buf + n, cap - n, "%s", n ? ", " : "");                    \
            n += w > 0 ? (size_t)w : 0;                                                 \
        }                                                                               \
        if (n < cap) {                                                                  \
            int w = snprintf(buf + n, cap - n, __VA_ARGS__);                            \
            n += w > 0 ? (size_t)w : 0;                                                 \
        }                                                                               \
    } while (0)
    if (o->max_key_bytes)
        ADD("max-key-bytes %s", rdbl_fmt_bytes(a, sizeof a, o->max_key_bytes));
    if (o->max_elements)
        ADD("max-elements %" PRIu64, o->max_elements);
    if (o->max_total_bytes)
        ADD("max-total-bytes %s", rdbl_fmt_bytes(a, sizeof a, o->max_total_bytes));
    if (o->max_no_ttl_ratio >= 0)
        ADD("max-no-ttl-ratio %g", o->max_no_ttl_ratio);
    for (size_t i = 0; i < o->nrequire_ttl; i++)
        ADD("require-ttl '%s'", o->require_ttl[i]);
    if (o->fail_on_advice >= 0)
        ADD("fail-on-advice %s", rdbl_advice_level_name((rdbl_advice_level)o->fail_on_advice));
    for (size_t i = 0; i < o->nprefix_bytes; i++)
        ADD("max-prefix-bytes '%s'=%s", o->prefix_bytes_globs[i],
            rdbl_fmt_bytes(a, sizeof a, o->prefix_bytes[i]));
    if (o->max_growth >= 0)
        ADD("max-growth %g%%", o->max_growth * 100);
    for (size_t i = 0; i < o->nprefix_growth; i++)
        ADD("max-prefix-growth '%s'=%g%%", o->prefix_growth_globs[i], o->prefix_growth[i] * 100);
#undef ADD
}

int rdbl_check_write_text(const rdbl_check *c, FILE *out)
{
    uint64_t total = rdbl_check_violations(c);
    for (int r = 0; r < R__COUNT; r++) {
        const rule *ru = &c->rules[r];
        if (!ru->count)
            continue;
        if (r == R_INPUT)
            fprintf(out, "FAIL input: %" PRIu64 " file%s not read whole (no verdict on %s)\n",
                    ru->count, ru->count == 1 ? "" : "s", ru->count == 1 ? "it" : "them");
        else
            fprintf(out, "FAIL %s: %" PRIu64 " violation%s\n", rule_names[r], ru->count,
                    ru->count == 1 ? "" : "s");
        for (size_t i = 0; i < ru->nex; i++) {
            const example *e = &ru->ex[i];
            fputs("  ", out);
            if (e->file)
                fprintf(out, "%s: ", e->file);
            if (e->has_key)
                fprintf(out, "db %" PRIu64 ", key \"%s\": ", e->db, e->what);
            else if (e->what)
                fprintf(out, "%s: ", e->what);
            fprintf(out, "%s\n", e->detail);
        }
        if (ru->count > ru->nex)
            fprintf(out, "  ... %" PRIu64 " more\n", ru->count - ru->nex);
    }
    char lim[1024];
    limits_text(&c->o, lim, sizeof lim);
    if (total == 0)
        fprintf(out, "OK: no limit broken in %zu file%s (%s)\n", c->nfiles,
                c->nfiles == 1 ? "" : "s", lim);
    else if (c->rules[R_INPUT].count)
        fprintf(out, "FAILED: %" PRIu64 " file%s not read whole, %" PRIu64 " violation%s (%s)\n",
                c->rules[R_INPUT].count, c->rules[R_INPUT].count == 1 ? "" : "s",
                total - c->rules[R_INPUT].count, total - c->rules[R_INPUT].count == 1 ? "" : "s",
                lim);
    else
        fprintf(out, "%" PRIu64 " violation%s (%s)\n", total, total == 1 ? "" : "s", lim);
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
            const example *x = &ru->ex[i];
            json_t *e = json_object();
            if (x->file)
                json_object_set_new(e, "file", json_string(x->file));
            if (x->has_key) {
                json_object_set_new(e, "db", json_integer((json_int_t)x->db));
                json_object_set_new(e, "key", json_string(x->what));
            } else if (x->what) {
                json_object_set_new(e, "subject", json_string(x->what));
            }
            json_object_set_new(e, "detail", json_string(x->detail));
            json_array_append_new(ex, e);
        }
        json_object_set_new(j, "examples", ex);
        json_array_append_new(rules, j);
    }
    json_t *files = json_array();
    for (size_t i = 0; i < c->nfiles; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "file", json_string(c->files[i].path));
        json_object_set_new(f, "status",
                            json_string(c->files[i].status ? c->files[i].status : "unread"));
        json_array_append_new(files, f);
    }
    char lim[1024];
    limits_text(&c->o, lim, sizeof lim);
    json_object_set_new(root, "schema", json_string("rdblens.check/2"));
    json_object_set_new(root, "ok", json_boolean(rdbl_check_violations(c) == 0));
    json_object_set_new(root, "violations", json_integer((json_int_t)rdbl_check_violations(c)));
    json_object_set_new(root, "limits", json_string(lim));
    json_object_set_new(root, "files", files);
    json_object_set_new(root, "failed", rules);
    int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', out);
    json_decref(root);
    return rc == 0 && !ferror(out) ? 0 : -1;
}
