/* The `info` collector: file structure in one pass, bounded memory (aux
 * fields, functions, modules and warnings are capped; counts stay exact). */
#include <stdlib.h>

#include "analysis/analysis_int.h"
#include "analysis/info_int.h"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

static char *dup_item(const rdbl_item *it, size_t max, size_t *outlen)
{
    char buf[24];
    const uint8_t *src = it->ptr;
    size_t n = it->len;
    if (it->is_int) {
        n = rdbl_item_text(it, buf, sizeof buf);
        src = (const uint8_t *)buf;
    }
    size_t keep = n < max ? n : max;
    char *s = malloc(keep + 1);
    if (!s)
        return NULL;
    if (keep)
        memcpy(s, src, keep);
    s[keep] = '\0';
    *outlen = keep;
    return s;
}

static rdbl__info_db *db_of(rdbl_info *in, uint64_t db)
{
    for (size_t i = 0; i < in->ndbs; i++)
        if (in->dbs[i].db == db)
            return &in->dbs[i];
    if (in->ndbs >= RDBL__INFO_MAX_DBS)
        return &in->dbs_overflow;
    if (grow((void **)&in->dbs, &in->dbs_cap, in->ndbs + 1, sizeof *in->dbs) != 0)
        return &in->dbs_overflow;
    rdbl__info_db *d = &in->dbs[in->ndbs++];
    memset(d, 0, sizeof *d);
    d->db = db;
    return d;
}

static int on_begin(void *user, const rdbl_file_info *fi)
{
    rdbl_info *in = user;
    in->fi = *fi;
    in->have_header = true;
    return 0;
}

static int on_aux(void *user, const rdbl_item *name, const rdbl_item *value)
{
    rdbl_info *in = user;
    in->aux_total++;
    if (in->naux >= RDBL__INFO_MAX_AUX)
        return 0;
    if (grow((void **)&in->aux, &in->aux_cap, in->naux + 1, sizeof *in->aux) != 0)
        return 0;
    rdbl__info_aux *a = &in->aux[in->naux];
    a->name = dup_item(name, 256, &a->name_len);
    a->value = dup_item(value, 4096, &a->value_len);
    a->value_full_len = value->len;
    if (!a->name || !a->value) {
        free(a->name);
        free(a->value);
        return 0;
    }
    in->naux++;
    return 0;
}

static int on_db(void *user, uint64_t db)
{
    db_of(user, db)->selected = true;
    return 0;
}

static int on_resize_db(void *user, uint64_t db, uint64_t keys, uint64_t expires)
{
    rdbl__info_db *d = db_of(user, db);
    d->hint_keys = keys;
    d->hint_expires = expires;
    d->has_hint = true;
    return 0;
}

static int on_slot_info(void *user, uint64_t slot, uint64_t keys, uint64_t expires)
{
    rdbl_info *in = user;
    (void)slot;
    (void)keys;
    (void)expires;
    in->slot_infos++;
    return 0;
}

static void note_module(rdbl_info *in, rdbl_str name, int encver, bool aux, uint64_t bytes)
{
    rdbl__info_module *m = NULL;
    for (size_t i = 0; i < in->nmodules; i++)
        if (memcmp(in->modules[i].name, name.ptr, 9) == 0) {
            m = &in->modules[i];
            break;
        }
    if (!m) {
        if (in->nmodules >= RDBL__INFO_MAX_MODULES)
            return;
        if (grow((void **)&in->modules, &in->modules_cap, in->nmodules + 1,
                 sizeof *in->modules) != 0)
            return;
        m = &in->modules[in->nmodules++];
        memset(m, 0, sizeof *m);
        memcpy(m->name, name.ptr, 9);
        m->encver = encver;
    }
    if (aux)
        m->aux_records++;
    else
        m->keys++;
    m->bytes += bytes;
}

static int on_module_aux(void *user, rdbl_str module, int encver, int when, uint64_t bytes)
{
    (void)when;
    note_module(user, module, encver, true, bytes);
    return 0;
}

static int on_module(void *user, const rdbl_key_info *k, rdbl_str module, int encver,
                     uint64_t bytes)
{
    (void)k;
    note_module(user, module, encver, false, bytes);
    return 0;
}

static int on_function(void *user, rdbl_str code, rdbl_str name, rdbl_str engine)
{
    rdbl_info *in = user;
    in->functions_total++;
    if (in->nfunctions >= RDBL__INFO_MAX_FUNCTIONS)
        return 0;
    if (grow((void **)&in->functions, &in->functions_cap, in->nfunctions + 1,
             sizeof *in->functions) != 0)
        return 0;
    rdbl__info_function *f = &in->functions[in->nfunctions];
    memset(f, 0, sizeof *f);
    rdbl__function_names(code, name, engine, f->name, sizeof f->name, f->engine,
                         sizeof f->engine);
    f->code_bytes = code.len;
    in->nfunctions++;
    return 0;
}

static int on_warning(void *user, uint64_t offset, const char *msg)
{
    rdbl_info *in = user;
    in->warnings_total++;
    if (in->nwarnings >= RDBL__INFO_MAX_WARNINGS)
        return 0;
    if (grow((void **)&in->warnings, &in->warnings_cap, in->nwarnings + 1,
             sizeof *in->warnings) != 0)
        return 0;
    rdbl__info_warning *w = &in->warnings[in->nwarnings++];
    w->offset = offset;
    snprintf(w->msg, sizeof w->msg, "%s", msg);
    return 0;
}

static int on_end(void *user, const rdbl_end_info *ei)
{
    rdbl_info *in = user;
    in->end = *ei;
    in->have_end = true;
    return 0;
}

static int on_hole(void *user, const rdbl_hole *h)
{
    rdbl_info *in = user;
    in->holes_total++;
    in->hole_bytes += h->end - h->start;
    if (in->nholes >= RDBL__INFO_MAX_HOLES ||
        grow((void **)&in->holes, &in->holes_cap, in->nholes + 1, sizeof *in->holes) != 0)
        return 0;
    rdbl__info_hole *x = &in->holes[in->nholes++];
    memset(x, 0, sizeof *x);
    x->start = h->start;
    x->end = h->end;
    x->db = h->db;
    x->key_damaged = h->key_damaged;
    x->to_end = h->to_end;
    x->has_last_key = h->has_last_key;
    if (h->has_last_key)
        rdbl__escape(x->last_key, sizeof x->last_key, h->last_key.ptr, h->last_key.len);
    if (h->cause)
        snprintf(x->cause, sizeof x->cause, "%s%s%s%s: %s", rdbl_status_name(h->cause->code),
                 h->cause->where[0] ? " (" : "", h->cause->where, h->cause->where[0] ? ")" : "",
                 h->cause->msg);
    return 0;
}

static int on_end_key(void *user, const rdbl_key_info *k, const rdbl_key_stats *st)
{
    rdbl_info *in = user;
    if (st->damaged)
        in->damaged_keys++;
    rdbl__info_db *d = db_of(in, k->db);
    d->keys++;
    if (k->has_expire)
        d->expires++;
    d->rdb_bytes += st->rdb_bytes;
    rdbl__info_enc *e = &in->by_enc[k->type][k->encoding];
    e->keys++;
    e->rdb_bytes += st->rdb_bytes;
    e->elements += st->elements;
    if (st->rdb_bytes > e->max_rdb_bytes)
        e->max_rdb_bytes = st->rdb_bytes;
    in->keys++;
    if (k->has_expire)
        in->expires++;
    if (k->idle_s >= 0)
        in->with_idle++;
    if (k->freq >= 0)
        in->with_freq++;
    in->fields_with_ttl += st->fields_with_ttl;
    if (st->rdb_bytes > in->largest_rdb_bytes) {
        in->largest_rdb_bytes = st->rdb_bytes;
        rdbl__escape(in->largest_key, sizeof in->largest_key, k->key.ptr, k->key.len);
        in->largest_db = k->db;
        in->largest_type = k->type;
    }
    return 0;
}

static int on_begin_key(void *user, const rdbl_key_info *k)
{
    (void)user;
    /* Modules still need their value event; nothing else is read. */
    return k->type == RDBL_TYPE_MODULE ? 0 : RDBL_SKIP;
}

static const rdbl_events info_events = {
    .on_begin = on_begin,
    .on_aux = on_aux,
    .on_db = on_db,
    .on_resize_db = on_resize_db,
    .on_slot_info = on_slot_info,
    .on_module_aux = on_module_aux,
    .on_function = on_function,
    .on_warning = on_warning,
    .on_end = on_end,
    .on_begin_key = on_begin_key,
    .on_end_key = on_end_key,
    .on_module = on_module,
    .on_hole = on_hole,
};

const rdbl_events *rdbl_info_events(void)
{
    return &info_events;
}

rdbl_info *rdbl_info_new(void)
{
    rdbl_info *in = calloc(1, sizeof *in);
    return in;
}

void rdbl_info_free(rdbl_info *in)
{
    if (!in)
        return;
    for (size_t i = 0; i < in->naux; i++) {
        free(in->aux[i].name);
        free(in->aux[i].value);
    }
    free(in->aux);
    free(in->dbs);
    free(in->modules);
    free(in->functions);
    free(in->warnings);
    free(in->holes);
    free(in);
}

void rdbl_info_finish(rdbl_info *in, rdbl_status st, const rdbl_error *err,
                      const rdbl_source *src, const char *path, double seconds)
{
    in->status = st;
    if (err)
        in->err = *err;
    in->seconds = seconds;
    snprintf(in->path, sizeof in->path, "%s", path ? path : "");
    if (src) {
        in->input_size = rdbl_source_input_size(src);
        in->input_read = rdbl_source_input_consumed(src);
        in->decoded_bytes = rdbl_source_offset(src);
        in->compression = rdbl_source_compression(src);
        const char *b = rdbl_source_aof_base(src);
        snprintf(in->aof_base, sizeof in->aof_base, "%s", b ? b : "");
        in->aof_incr_whole = true;
        const char *ip;
        for (size_t i = 0; (ip = rdbl_source_aof_incr(src, i)) != NULL; i++) {
            uint64_t bytes, cmds;
            bool whole;
            rdbl_error e = {0};
            if (rdbl_aof_count_file(ip, &bytes, &cmds, &whole, &e) != RDBL_OK) {
                snprintf(in->aof_incr_error, sizeof in->aof_incr_error, "%s", e.msg);
                continue;
            }
            in->aof_incr_files++;
            in->aof_incr_bytes += bytes;
            in->aof_incr_commands += cmds;
            in->aof_incr_whole &= whole;
        }
    }
}

void rdbl_info_sha256(rdbl_info *in, rdbl_source *src)
{
    in->sha256_asked = true;
    rdbl__sha256_text(src, in->sha256, in->sha256_why, sizeof in->sha256_why);
}

uint64_t rdbl_info_keys(const rdbl_info *in)
{
    return in->keys;
}
