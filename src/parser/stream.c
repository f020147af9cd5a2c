/* Streams, RDB types 15 (v1), 19 (v2), 21 (v3), 26 (v4), 27 (v5), §7 and
 * §10.1-10.2 of rdb-format.md (redis src/rdb.c RDB_TYPE_STREAM_LISTPACKS*,
 * src/t_stream.c for the node layout).
 *
 *   nodes × (master ID: 16-byte string, node: listpack)
 *   length, last_id, [v>=2: first_id, max_deleted_id, entries_added]
 *   groups × (name, last_id, [v>=2 entries_read], PEL, consumers × (name,
 *             seen, [v>=3 active], consumer PEL), [v>=5 NACK ids])
 *   [v>=4: IDMP producers]
 *
 * Node listpack:
 *   count deleted n_master f1..fn 0 | (flags ms_delta seq_delta
 *   [n (f v)×n | v×n_master] lp_count)*                                    */
#include <inttypes.h>
#include <stdio.h>

#include "parser/reader.h"

#define FLAG_DELETED 1
#define FLAG_SAMEFIELDS 2

static rdbl_status node_fail(rdbl__p *P, uint64_t at, const char *what)
{
    return rdbl__p_fail(P, RDBL_CORRUPT, at, "stream node listpack: %s", what);
}

static bool next_int(rdbl__lp_iter *it, int64_t *v)
{
    rdbl_item e;
    if (!rdbl__lp_next(it, &e))
        return false;
    if (e.is_int) {
        *v = e.ival;
        return true;
    }
    return rdbl__str_to_i64(e.ptr, e.len, v); /* tolerate decimal strings */
}

/* Walks one validated node listpack: checks its structure and, if wanted,
 * emits its entries. Returns the live and deleted counts it found. */
static rdbl_status walk_node(rdbl__p *P, const uint8_t *lp, size_t len, uint64_t entries,
                             rdbl_stream_id master, uint64_t at, bool emit)
{
    rdbl__lp_iter it;
    rdbl__lp_iter_init(&it, lp, len);
    int64_t count, deleted, nmaster, zero;
    if (!next_int(&it, &count) || !next_int(&it, &deleted) || !next_int(&it, &nmaster) ||
        count < 0 || deleted < 0 || nmaster < 0)
        return node_fail(P, at, "bad master entry header");
    /* Counts are bounded by the entries the validated listpack really has,
     * so the scratch arrays never outgrow the node. */
    if ((uint64_t)nmaster > entries)
        return node_fail(P, at, "master field count larger than the node");
    /* master fields: kept as items pointing into the blob */
    size_t need_items = (size_t)nmaster * 2 + 2;
    if (rdbl__buf_reserve(&P->items, need_items * sizeof(rdbl_item)) != 0)
        return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
    rdbl_item *master_fields = (rdbl_item *)(void *)P->items.p;
    for (int64_t i = 0; i < nmaster; i++)
        if (!rdbl__lp_next(&it, &master_fields[i]))
            return node_fail(P, at, "master fields cut short");
    if (!next_int(&it, &zero) || zero != 0)
        return node_fail(P, at, "master entry terminator is not 0");

    uint64_t total = (uint64_t)count + (uint64_t)deleted;
    uint64_t seen_live = 0, seen_deleted = 0;
    rdbl_item *values = master_fields + nmaster; /* scratch after the master fields */
    for (uint64_t e = 0; e < total; e++) {
        int64_t flags, msd, seqd, lpcount;
        if (!next_int(&it, &flags) || !next_int(&it, &msd) || !next_int(&it, &seqd))
            return node_fail(P, at, "entry header cut short");
        if (flags & ~(int64_t)(FLAG_DELETED | FLAG_SAMEFIELDS))
            return node_fail(P, at, "unknown entry flags");
        rdbl_stream_id id = {master.ms + (uint64_t)msd, master.seq + (uint64_t)seqd};
        int64_t nf;
        bool same = (flags & FLAG_SAMEFIELDS) != 0;
        rdbl_item *fields;
        if (same) {
            nf = nmaster;
            fields = master_fields;
        } else {
            if (!next_int(&it, &nf) || nf < 0 || (uint64_t)nf > entries / 2)
                return node_fail(P, at, "bad entry field count");
        }
        size_t slots = (size_t)nmaster + (size_t)nf * 2 + 2;
        if (slots * sizeof(rdbl_item) > P->items.cap) {
            if (rdbl__buf_reserve(&P->items, slots * sizeof(rdbl_item)) != 0)
                return rdbl__p_fail(P, RDBL_NOMEM, at, "out of memory");
            master_fields = (rdbl_item *)(void *)P->items.p;
            if (same)
                fields = master_fields;
        }
        values = master_fields + nmaster;
        if (!same)
            fields = values + nf;
        for (int64_t i = 0; i < nf; i++) {
            if (!same && !rdbl__lp_next(&it, &fields[i]))
                return node_fail(P, at, "entry fields cut short");
            if (!rdbl__lp_next(&it, &values[i]))
                return node_fail(P, at, "entry values cut short");
        }
        if (!next_int(&it, &lpcount) || lpcount != (same ? nf + 3 : 2 * nf + 4))
            return node_fail(P, at, "entry back-count (lp_count) does not match");
        bool del = (flags & FLAG_DELETED) != 0;
        if (del)
            seen_deleted++;
        else
            seen_live++;
        if (emit)
            RDBL__TRY(RDBL__CB(P, P->ev->on_stream_entry(P->user, &P->ki, id, del, (size_t)nf,
                                                         fields, values)));
    }
    rdbl_item extra;
    if (rdbl__lp_next(&it, &extra))
        return node_fail(P, at, "elements after the last entry");
    if (seen_live != (uint64_t)count || seen_deleted != (uint64_t)deleted)
        return node_fail(P, at, "live/deleted counts do not match the entries");
    return RDBL_OK;
}

static rdbl_status read_nodes(rdbl__p *P, uint64_t *nodes_out)
{
    P->where = "stream node";
    uint64_t nodes;
    RDBL__TRY(rdbl__p_len(P, &nodes));
    *nodes_out = nodes;
    bool emit = !P->skip && P->ev->on_stream_entry;
    bool want_blob = P->ev->on_blob != NULL; /* sizes are sent even for skipped keys */
    bool walk = emit || !(P->flags & RDBL_PARSE_FAST);
    for (uint64_t i = 0; i < nodes; i++) {
        uint64_t at = rdbl__p_offset(P);
        rdbl__pitem k;
        RDBL__TRY(rdbl__p_str(P, &k, 1, RDBL__STR_BYTES));
        if (k.it.is_int || k.it.len != 16)
            return rdbl__p_fail(P, RDBL_CORRUPT, at,
                                "stream node key has %zu bytes (expected a 16-byte ID)",
                                k.it.len);
        rdbl__p_resolve(P, &k);
        rdbl_stream_id master = {rdbl__be64(k.it.ptr), rdbl__be64(k.it.ptr + 8)};
        uint64_t bat = rdbl__p_offset(P);
        rdbl__pitem x;
        RDBL__TRY(rdbl__p_blob(P, &x, 0, true));
        rdbl__p_resolve(P, &x);
        uint64_t boff = x.inwin ? x.abs : bat;
        rdbl__blob_info info = {0};
        rdbl__berr e;
        rdbl__berr_clear(&e);
        if (rdbl__lp_validate(x.it.ptr, x.it.len, &info, &e) != RDBL_OK)
            return rdbl__p_blob_fail(P, boff, x.inwin, "stream node listpack", &e);
        if (info.count == 0)
            return node_fail(P, boff, "empty node");
        if (walk)
            RDBL__TRY(walk_node(P, x.it.ptr, x.it.len, info.count, master, boff, emit));
        P->st.blobs++;
        P->st.value_bytes += x.it.len;
        if (x.it.len > P->st.largest_element)
            P->st.largest_element = x.it.len;
        if (want_blob) {
            rdbl_blob b = {RDBL_BLOB_STREAM_NODE, x.it.len, x.stored, x.lzf, info.count,
                           master, x.it.ptr};
            RDBL__TRY(RDBL__CB(P, P->ev->on_blob(P->user, &P->ki, &b)));
        }
    }
    return RDBL_OK;
}

static rdbl_status read_id_lens(rdbl__p *P, rdbl_stream_id *id)
{
    RDBL__TRY(rdbl__p_len(P, &id->ms));
    return rdbl__p_len(P, &id->seq);
}

static rdbl_status read_groups(rdbl__p *P, int version, uint64_t ngroups)
{
    bool live = !P->skip;
    const rdbl_events *ev = P->ev;
    for (uint64_t g = 0; g < ngroups; g++) {
        P->where = "stream consumer group";
        rdbl_stream_group grp = {0};
        rdbl_item name;
        RDBL__TRY(rdbl__p_str_copy(P, &P->names[0], &name));
        grp.name = (rdbl_str){name.ptr, name.len};
        RDBL__TRY(read_id_lens(P, &grp.last_id));
        grp.entries_read = -1;
        if (version >= 2) {
            uint64_t er;
            RDBL__TRY(rdbl__p_len(P, &er));
            grp.entries_read = (int64_t)er;
        }
        RDBL__TRY(rdbl__p_len(P, &grp.pel_count));
        /* The group event goes first so consumers of PEL events know the
         * group; the consumer count is not known yet at this point. */
        if (live && ev->on_stream_group)
            RDBL__TRY(RDBL__CB(P, ev->on_stream_group(P->user, &P->ki, &grp)));
        P->where = "stream PEL";
        for (uint64_t i = 0; i < grp.pel_count; i++) {
            rdbl_stream_id id;
            int64_t when;
            uint64_t cnt;
            RDBL__TRY(rdbl__p_stream_id_raw(P, &id));
            RDBL__TRY(rdbl__p_i64le(P, &when));
            RDBL__TRY(rdbl__p_len(P, &cnt));
            if (live && ev->on_stream_pel)
                RDBL__TRY(RDBL__CB(P, ev->on_stream_pel(P->user, &P->ki, grp.name, id, when,
                                                        cnt)));
        }
        P->where = "stream consumer";
        uint64_t nconsumers;
        RDBL__TRY(rdbl__p_len(P, &nconsumers));
        for (uint64_t c = 0; c < nconsumers; c++) {
            rdbl_stream_consumer con = {0};
            con.group = grp.name;
            rdbl_item cname;
            RDBL__TRY(rdbl__p_str_copy(P, &P->names[1], &cname));
            con.name = (rdbl_str){cname.ptr, cname.len};
            RDBL__TRY(rdbl__p_i64le(P, &con.seen_ms));
            con.active_ms = con.seen_ms;
            if (version >= 3)
                RDBL__TRY(rdbl__p_i64le(P, &con.active_ms));
            RDBL__TRY(rdbl__p_len(P, &con.pel_count));
            if (live && ev->on_stream_consumer)
                RDBL__TRY(RDBL__CB(P, ev->on_stream_consumer(P->user, &P->ki, &con)));
            for (uint64_t i = 0; i < con.pel_count; i++) {
                rdbl_stream_id id;
                RDBL__TRY(rdbl__p_stream_id_raw(P, &id));
                if (live && ev->on_stream_consumer_pel)
                    RDBL__TRY(RDBL__CB(P, ev->on_stream_consumer_pel(P->user, &P->ki, grp.name,
                                                                     con.name, id)));
            }
        }
        if (version >= 5) {
            P->where = "stream NACK ids";
            uint64_t nn;
            RDBL__TRY(rdbl__p_len(P, &nn));
            for (uint64_t i = 0; i < nn; i++) {
                rdbl_stream_id id;
                RDBL__TRY(rdbl__p_stream_id_raw(P, &id));
            }
        }
    }
    return RDBL_OK;
}

static rdbl_status read_idmp(rdbl__p *P)
{
    P->where = "stream IDMP";
    uint64_t duration, max_entries, producers;
    RDBL__TRY(rdbl__p_len(P, &duration));
    RDBL__TRY(rdbl__p_len(P, &max_entries));
    RDBL__TRY(rdbl__p_len(P, &producers));
    for (uint64_t i = 0; i < producers; i++) {
        rdbl__pitem pid;
        uint64_t n;
        RDBL__TRY(rdbl__p_str(P, &pid, 0, RDBL__STR_LEN));
        RDBL__TRY(rdbl__p_len(P, &n));
        for (uint64_t j = 0; j < n; j++) {
            rdbl__pitem iid;
            rdbl_stream_id id;
            RDBL__TRY(rdbl__p_str(P, &iid, 0, RDBL__STR_LEN));
            RDBL__TRY(read_id_lens(P, &id));
        }
    }
    uint64_t added, dups;
    RDBL__TRY(rdbl__p_len(P, &added));
    return rdbl__p_len(P, &dups);
}

rdbl_status rdbl__p_stream(rdbl__p *P, int version)
{
    rdbl_stream_meta m = {0};
    m.version = version;
    RDBL__TRY(read_nodes(P, &m.nodes));
    P->where = "stream metadata";
    RDBL__TRY(rdbl__p_len(P, &m.length));
    RDBL__TRY(read_id_lens(P, &m.last_id));
    if (version >= 2) {
        RDBL__TRY(read_id_lens(P, &m.first_id));
        RDBL__TRY(read_id_lens(P, &m.max_deleted_id));
        RDBL__TRY(rdbl__p_len(P, &m.entries_added));
    }
    RDBL__TRY(rdbl__p_len(P, &m.groups));
    P->st.elements = m.length;
    if (!P->skip && P->ev->on_stream_meta)
        RDBL__TRY(RDBL__CB(P, P->ev->on_stream_meta(P->user, &P->ki, &m)));
    RDBL__TRY(read_groups(P, version, m.groups));
    if (version >= 4)
        RDBL__TRY(read_idmp(P));
    return RDBL_OK;
}
