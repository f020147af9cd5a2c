/* Redis 8.10 (RDB 15) hinted hash templates, §10.3 of rdb-format.md. The
 * layout comes from pull-request discussions, not a released rdb.c: treat it
 * as provisional.
 *
 *   opcode 242 HASH_TEMPLATE: id (len), n (len), n × field name (string)
 *   type 30 HASH_TMPL_LP_REF:    id (len), listpack blob of n values
 *   type 32 HASH_TMPL_ARRAY_REF: id (len), n × value (string)
 *
 * Types 29 and 31 (self-contained, DUMP only) carry a fields-format tag whose
 * values are not public yet: they are reported as unsupported.
 *
 * Templates are kept for the rest of the file. Their size is bounded by the
 * input: every stored name byte was read from it. */
#include <inttypes.h>
#include <stdlib.h>

#include "parser/reader.h"

struct rdbl__tmpl {
    uint64_t id;
    uint64_t n;
    size_t *off;  /* n + 1 offsets into names */
    uint8_t *names;
};

void rdbl__p_templates_free(rdbl__p *P)
{
    for (size_t i = 0; i < P->ntemplates; i++) {
        free(P->templates[i].off);
        free(P->templates[i].names);
    }
    free(P->templates);
    P->templates = NULL;
    P->ntemplates = 0;
}

static const rdbl__tmpl *find(const rdbl__p *P, uint64_t id)
{
    for (size_t i = P->ntemplates; i-- > 0;)
        if (P->templates[i].id == id)
            return &P->templates[i];
    return NULL;
}

rdbl_status rdbl__p_hash_template(rdbl__p *P, uint64_t at)
{
    P->where = "hash template";
    uint64_t id, n;
    RDBL__TRY(rdbl__p_len(P, &id));
    RDBL__TRY(rdbl__p_len(P, &n));
    if (find(P, id))
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "hash template %" PRIu64 " defined twice", id);
    rdbl__tmpl t = {id, 0, NULL, NULL};
    rdbl__buf names = {0};
    size_t offcap = 0;
    rdbl_status st = RDBL_OK;
    for (uint64_t i = 0; i < n && st == RDBL_OK; i++) {
        if (t.n + 2 > offcap) {
            size_t nc = offcap ? offcap * 2 : 16;
            size_t *no = realloc(t.off, nc * sizeof *no);
            if (!no) {
                st = rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
                break;
            }
            t.off = no;
            offcap = nc;
        }
        t.off[t.n] = names.len;
        rdbl__pitem f;
        st = rdbl__p_str(P, &f, 0, RDBL__STR_BYTES);
        if (st != RDBL_OK)
            break;
        char num[24];
        const uint8_t *src = f.it.ptr;
        size_t len = f.it.len;
        if (f.it.is_int) {
            len = rdbl_item_text(&f.it, num, sizeof num);
            src = (const uint8_t *)num;
        }
        if (rdbl__buf_reserve(&names, names.len + len + 1) != 0) {
            st = rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
            break;
        }
        if (len)
            memcpy(names.p + names.len, src, len);
        names.len += len;
        t.n++;
    }
    if (st == RDBL_OK && !t.off && (t.off = malloc(sizeof *t.off)) == NULL)
        st = rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    if (st == RDBL_OK) {
        t.off[t.n] = names.len;
        rdbl__tmpl *nt = realloc(P->templates, (P->ntemplates + 1) * sizeof *nt);
        if (!nt) {
            st = rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
        } else {
            P->templates = nt;
            t.names = names.p;
            P->templates[P->ntemplates++] = t;
            return RDBL_OK;
        }
    }
    free(t.off);
    free(names.p);
    return st;
}

static void field_of(const rdbl__tmpl *t, uint64_t i, rdbl_item *f)
{
    f->ptr = t->names + t->off[i];
    f->len = t->off[i + 1] - t->off[i];
    f->is_int = false;
    f->ival = 0;
}

rdbl_status rdbl__p_template_value(rdbl__p *P)
{
    int type = P->ki.rdb_type;
    P->where = type == 30 ? "hash template listpack" : "hash template values";
    uint64_t at = rdbl__p_offset(P);
    uint64_t id;
    RDBL__TRY(rdbl__p_len(P, &id));
    const rdbl__tmpl *t = find(P, id);
    if (!t)
        return rdbl__p_fail(P, RDBL_CORRUPT, at, "hash refers to template %" PRIu64
                                                 " that no HASH_TEMPLATE record defined",
                            id);
    bool want = !P->skip && P->ev->on_hash_field;
    if (type == 32) {
        for (uint64_t i = 0; i < t->n; i++) {
            rdbl__pitem v;
            RDBL__TRY(rdbl__p_str(P, &v, 0, want ? RDBL__STR_BYTES : RDBL__STR_LEN));
            rdbl_item f;
            field_of(t, i, &f);
            P->st.elements++;
            P->st.value_bytes += f.len + v.it.len;
            uint64_t m = f.len > v.it.len ? f.len : v.it.len;
            if (m > P->st.largest_element)
                P->st.largest_element = m;
            if (want)
                RDBL__TRY(RDBL__CB(P, P->ev->on_hash_field(P->user, &P->ki, &f, &v.it, -1)));
        }
        return RDBL_OK;
    }
    /* type 30: one listpack holding the values in template order */
    rdbl__pitem x;
    RDBL__TRY(rdbl__p_blob(P, &x, 0, true));
    rdbl__p_resolve(P, &x);
    uint64_t boff = x.inwin ? x.abs : at;
    rdbl__blob_info info = {0};
    rdbl__berr e;
    rdbl__berr_clear(&e);
    if (rdbl__lp_validate(x.it.ptr, x.it.len, &info, &e) != RDBL_OK)
        return rdbl__p_blob_fail(P, boff, x.inwin, "listpack", &e);
    if (info.count != t->n)
        return rdbl__p_fail(P, RDBL_CORRUPT, boff,
                            "template %" PRIu64 " has %" PRIu64 " fields, the listpack %" PRIu64
                            " values",
                            id, t->n, info.count);
    if (P->ev->on_blob) {
        rdbl_blob b = {RDBL_BLOB_LISTPACK, x.it.len, x.stored, x.lzf, info.count, {0, 0},
                       x.it.ptr};
        RDBL__TRY(RDBL__CB(P, P->ev->on_blob(P->user, &P->ki, &b)));
    }
    P->st.blobs++;
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, x.it.ptr, x.it.len);
    rdbl_item v;
    for (uint64_t i = 0; rdbl__lp_next(&it, &v); i++) {
        rdbl_item f;
        field_of(t, i, &f);
        P->st.elements++;
        P->st.value_bytes += f.len + v.len;
        uint64_t m = f.len > v.len ? f.len : v.len;
        if (m > P->st.largest_element)
            P->st.largest_element = m;
        if (want)
            RDBL__TRY(RDBL__CB(P, P->ev->on_hash_field(P->user, &P->ki, &f, &v, -1)));
    }
    return RDBL_OK;
}
