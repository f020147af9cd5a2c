/* Writers for the info summary: a text page for people and a JSON document
 * for machines (jansson; keys sorted so the output is deterministic). */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "analysis/info_int.h"

static const char *human(uint64_t b, char *buf, size_t cap)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%" PRIu64 " B", b);
    else
        snprintf(buf, cap, "%.1f %s", v, units[u]);
    return buf;
}

static const char *thousands(uint64_t v, char *buf, size_t cap)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < cap; i++) {
        if (i && (n - i) % 3 == 0 && o + 2 < cap)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

static const rdbl__info_aux *aux_get(const rdbl_info *in, const char *name)
{
    for (size_t i = 0; i < in->naux; i++)
        if (strcmp(in->aux[i].name, name) == 0)
            return &in->aux[i];
    return NULL;
}

static bool aux_i64(const rdbl_info *in, const char *name, int64_t *v)
{
    const rdbl__info_aux *a = aux_get(in, name);
    return a && rdbl__str_to_i64((const uint8_t *)a->value, a->value_len, v);
}

static void iso_time(int64_t secs, char *buf, size_t cap)
{
    time_t t = (time_t)secs;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, cap, "%" PRId64, secs);
        return;
    }
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *version_hint(const rdbl_file_info *fi)
{
    if (fi->producer == RDBL_PRODUCER_VALKEY)
        return fi->rdb_version == 80 ? "Valkey 9.0-9.1" : fi->rdb_version == 81 ? "Valkey 9.2" : "Valkey";
    switch (fi->rdb_version) {
    case 1: return "Redis <= 2.2";
    case 2: return "Redis 2.4";
    case 3: case 4: case 5: return "Redis 2.6 development";
    case 6: return "Redis 2.6-3.0";
    case 7: return "Redis 3.2";
    case 8: return "Redis 4.0";
    case 9: return "Redis 5.0-6.2, Dragonfly, KeyDB";
    case 10: return "Redis 7.0";
    case 11: return "Redis 7.2, Valkey 7.2-8.1";
    case 12: return "Redis 7.4-8.4";
    case 13: return "Redis 8.6";
    case 14: return "Redis 8.8";
    case 15: return "Redis 8.10";
    default: return "unknown";
    }
}

static bool is_partial(const rdbl_info *in)
{
    return in->status != RDBL_OK && in->status != RDBL_CHECKSUM;
}

int rdbl_info_write_text(const rdbl_info *in, FILE *o)
{
    char b1[32], b2[32], b3[32], t[64];
    if (in->input_size)
        fprintf(o, "File         %s (%s", in->path, human(in->input_size, b1, sizeof b1));
    else /* a pipe: its size is what was read */
        fprintf(o, "File         %s (a stream, %s read", in->path,
                human(in->input_read, b1, sizeof b1));
    if (in->compression != RDBL_COMP_NONE)
        fprintf(o, " %s, %s decoded", rdbl_compression_name(in->compression),
                human(in->decoded_bytes, b2, sizeof b2));
    fprintf(o, ")\n");
    if (in->sha256_asked)
        fprintf(o, "SHA-256      %s (%s)\n", in->sha256[0] ? in->sha256 : in->sha256_why,
                in->sha256[0] ? rdbl_source_sha256_scope(in->compression) : "the file was not read whole");
    if (in->aof_base[0]) {
        fprintf(o, "AOF dir      a multi-part AOF directory: reading its base %s\n",
                in->aof_base);
        if (in->aof_incr_files)
            fprintf(o, "AOF incr     %s in %" PRIu64 " incremental file%s after the base: %s "
                       "commands (RESP)%s; this summary covers the base\n",
                    human(in->aof_incr_bytes, b1, sizeof b1), in->aof_incr_files,
                    in->aof_incr_files == 1 ? "" : "s",
                    thousands(in->aof_incr_commands, b2, sizeof b2),
                    in->aof_incr_whole ? "" : ", then bytes that are not whole commands");
        else
            fprintf(o, "AOF incr     no incremental file after the base%s%s\n",
                    in->aof_incr_error[0] ? ": " : "", in->aof_incr_error);
    }
    if (in->have_header)
        fprintf(o, "Format       %s%0*d: RDB %d (%s)%s\n", in->fi.magic,
                in->fi.producer == RDBL_PRODUCER_VALKEY ? 3 : 4, in->fi.rdb_version,
                in->fi.rdb_version, version_hint(&in->fi),
                in->fi.future_version ? ", newer than this rdblens knows" : "");
    const rdbl__info_aux *ver = aux_get(in, "valkey-ver");
    const char *server = "valkey";
    if (!ver) {
        ver = aux_get(in, "redis-ver");
        server = aux_get(in, "df-ver") ? "dragonfly (redis-ver)" : "redis";
    }
    int64_t ctime_s, used, bits;
    if (ver || aux_i64(in, "ctime", &ctime_s)) {
        fprintf(o, "Written by   ");
        if (ver)
            fprintf(o, "%s %s", server, ver->value);
        if (aux_i64(in, "redis-bits", &bits))
            fprintf(o, ", %" PRId64 "-bit", bits);
        if (aux_i64(in, "ctime", &ctime_s)) {
            iso_time(ctime_s, t, sizeof t);
            fprintf(o, ", saved %s", t);
        }
        fprintf(o, "\n");
    }
    if (aux_i64(in, "used-mem", &used))
        fprintf(o, "Server RAM   used-mem %s at save time\n", human((uint64_t)used, b1, sizeof b1));
    if (in->have_end) {
        fprintf(o, "Checksum     %s", rdbl_checksum_status_name(in->end.checksum));
        if (in->end.checksum == RDBL_CHECKSUM_OK)
            fprintf(o, " (CRC-64 %016" PRIx64 ")", in->end.stored_crc);
        else if (in->end.checksum == RDBL_CHECKSUM_MISMATCH)
            fprintf(o, " (stored %016" PRIx64 ", computed %016" PRIx64 ")", in->end.stored_crc,
                    in->end.computed_crc);
        fprintf(o, "\n");
        if (in->end.aof_tail)
            fprintf(o, "AOF tail     %s after the RDB preamble: %s commands (RESP); this "
                       "summary covers the RDB part\n",
                    human(in->end.trailing_bytes, b1, sizeof b1),
                    thousands(in->end.aof_commands, b2, sizeof b2));
        else if (in->end.trailing_bytes)
            fprintf(o, "Trailing     %s after the end of the RDB (not AOF commands: a "
                       "replication mark or other bytes)\n",
                    human(in->end.trailing_bytes, b1, sizeof b1));
    }
    fprintf(o, "Keys         %s in %zu database%s, %s with a TTL", thousands(in->keys, b1, sizeof b1),
            in->ndbs, in->ndbs == 1 ? "" : "s", thousands(in->expires, b2, sizeof b2));
    if (in->keys)
        fprintf(o, " (%.1f%%)", 100.0 * (double)in->expires / (double)in->keys);
    fprintf(o, "\n");
    if (in->fields_with_ttl)
        fprintf(o, "Field TTLs   %s hash fields carry their own TTL\n",
                thousands(in->fields_with_ttl, b1, sizeof b1));
    if (in->with_idle || in->with_freq)
        fprintf(o, "Eviction     %s keys with LRU idle time, %s with LFU counters\n",
                thousands(in->with_idle, b1, sizeof b1), thousands(in->with_freq, b2, sizeof b2));
    if (in->largest_rdb_bytes)
        fprintf(o, "Largest      \"%s\" (%s, db %" PRIu64 "): %s in the file\n", in->largest_key,
                rdbl_type_name(in->largest_type), in->largest_db,
                human(in->largest_rdb_bytes, b1, sizeof b1));
    fprintf(o, "Read         %s in %.2f s\n", human(in->decoded_bytes, b1, sizeof b1), in->seconds);

    if (in->ndbs) {
        fprintf(o, "\nDatabases\n  %-6s %14s %14s %12s\n", "db", "keys", "with TTL", "rdb bytes");
        for (size_t i = 0; i < in->ndbs; i++) {
            const rdbl__info_db *d = &in->dbs[i];
            fprintf(o, "  %-6" PRIu64 " %14s %14s %12s\n", d->db, thousands(d->keys, b1, sizeof b1),
                    thousands(d->expires, b2, sizeof b2), human(d->rdb_bytes, b3, sizeof b3));
        }
    }
    if (in->keys) {
        fprintf(o, "\nKeys by type/encoding (as stored in the file)\n  %-26s %12s %12s %14s %12s\n",
                "type/encoding", "keys", "rdb bytes", "elements", "largest");
        for (int ty = 0; ty < RDBL_TYPE__COUNT; ty++)
            for (int en = 0; en < RDBL_ENC__COUNT; en++) {
                const rdbl__info_enc *e = &in->by_enc[ty][en];
                if (!e->keys)
                    continue;
                char name[48];
                char b4[32];
                snprintf(name, sizeof name, "%s/%s", rdbl_type_name((rdbl_type)ty),
                         rdbl_encoding_name((rdbl_encoding)en));
                fprintf(o, "  %-26s %12s %12s %14s %12s\n", name, thousands(e->keys, b1, sizeof b1),
                        human(e->rdb_bytes, b2, sizeof b2), thousands(e->elements, b3, sizeof b3),
                        human(e->max_rdb_bytes, b4, sizeof b4));
            }
    }
    if (in->naux) {
        fprintf(o, "\nAux fields\n");
        for (size_t i = 0; i < in->naux; i++) {
            const rdbl__info_aux *a = &in->aux[i];
            char n[80], v[120];
            rdbl_escape_bytes(n, sizeof n, (const uint8_t *)a->name, a->name_len);
            size_t vl = a->value_len > 90 ? 90 : a->value_len;
            rdbl_escape_bytes(v, sizeof v, (const uint8_t *)a->value, vl);
            fprintf(o, "  %-16s %s%s", n, v, a->value_full_len > vl ? "..." : "");
            if (strcmp(a->name, "ctime") == 0 && aux_i64(in, "ctime", &ctime_s)) {
                iso_time(ctime_s, t, sizeof t);
                fprintf(o, " (%s)", t);
            } else if (strcmp(a->name, "used-mem") == 0 && aux_i64(in, "used-mem", &used)) {
                fprintf(o, " (%s)", human((uint64_t)used, b1, sizeof b1));
            }
            fprintf(o, "\n");
        }
        if (in->aux_total > in->naux)
            fprintf(o, "  ... %" PRIu64 " more\n", in->aux_total - in->naux);
    }
    if (in->functions_total) {
        fprintf(o, "\nFunctions    %" PRIu64 " librar%s:", in->functions_total,
                in->functions_total == 1 ? "y" : "ies");
        for (size_t i = 0; i < in->nfunctions && i < 20; i++)
            fprintf(o, " %s%s(%s)", i ? ", " : "", in->functions[i].name, in->functions[i].engine);
        fprintf(o, "\n");
    }
    if (in->nmodules) {
        fprintf(o, "\nModules\n");
        for (size_t i = 0; i < in->nmodules; i++) {
            const rdbl__info_module *m = &in->modules[i];
            fprintf(o, "  %-10s encver %-4d %" PRIu64 " keys, %" PRIu64 " aux records, %s\n",
                    m->name, m->encver, m->keys, m->aux_records, human(m->bytes, b1, sizeof b1));
        }
    }
    if (in->slot_infos)
        fprintf(o, "\nCluster      %" PRIu64 " slot-info records\n", in->slot_infos);
    if (in->warnings_total) {
        fprintf(o, "\nWarnings (%" PRIu64 ")\n", in->warnings_total);
        for (size_t i = 0; i < in->nwarnings; i++)
            fprintf(o, "  offset %" PRIu64 ": %s\n", in->warnings[i].offset, in->warnings[i].msg);
        if (in->warnings_total > in->nwarnings)
            fprintf(o, "  ... %" PRIu64 " more\n", in->warnings_total - in->nwarnings);
    }
    if (in->holes_total) {
        fprintf(o, "\nHoles        %" PRIu64 " skipped by --salvage, %s in all\n", in->holes_total,
                human(in->hole_bytes, b1, sizeof b1));
        for (size_t i = 0; i < in->nholes; i++) {
            const rdbl__info_hole *h = &in->holes[i];
            fprintf(o, "  offsets %" PRIu64 "-%" PRIu64 " (%s bytes%s), db %" PRIu64, h->start,
                    h->end, thousands(h->end - h->start, b1, sizeof b1),
                    h->to_end ? ", to the end of the input" : "", h->db);
            if (h->has_last_key)
                fprintf(o, ", after key \"%s\"", h->last_key);
            fprintf(o, "%s\n    %s\n", h->key_damaged ? "; the key at its start kept damaged" : "",
                    h->cause);
        }
        if (in->holes_total > in->nholes)
            fprintf(o, "  ... %" PRIu64 " more\n", in->holes_total - in->nholes);
        if (in->damaged_keys)
            fprintf(o, "Damaged keys %s (kept with the elements read before the damage)\n",
                    thousands(in->damaged_keys, b1, sizeof b1));
    }
    if (in->status != RDBL_OK) {
        const rdbl_error *e = &in->err;
        fprintf(o, "\nError        %s at offset %" PRIu64, rdbl_status_name(e->code), e->offset);
        if (e->key[0])
            fprintf(o, " in key \"%s\"", e->key);
        if (e->where[0])
            fprintf(o, " (%s)", e->where);
        fprintf(o, ":\n             %s\n", e->msg);
        if (is_partial(in) && in->holes_total)
            fprintf(o, "             Read past the holes above: what they held is missing.\n");
        else if (is_partial(in))
            fprintf(o, "             Everything above was read before the damage: this summary "
                       "is partial.\n");
    }
    return ferror(o) ? -1 : 0;
}

static json_t *jstr_bytes(const char *p, size_t n)
{
    char *s = rdbl_escape_alloc((const uint8_t *)p, n);
    json_t *j = json_string(s ? s : "");
    free(s);
    return j;
}

static json_t *jhex64(uint64_t v)
{
    char b[20];
    snprintf(b, sizeof b, "%016" PRIx64, v);
    return json_string(b);
}

int rdbl_info_write_json(const rdbl_info *in, FILE *o)
{
    json_t *root = json_object();
    json_t *file = json_object();
    json_object_set_new(file, "path", json_string(in->path));
    json_object_set_new(file, "size", json_integer((json_int_t)in->input_size));
    json_object_set_new(file, "compression", json_string(rdbl_compression_name(in->compression)));
    json_object_set_new(file, "decoded_bytes", json_integer((json_int_t)in->decoded_bytes));
    json_object_set_new(file, "aof_base", in->aof_base[0] ? json_string(in->aof_base) : json_null());
    if (in->aof_base[0]) {
        json_t *inc = json_object();
        json_object_set_new(inc, "files", json_integer((json_int_t)in->aof_incr_files));
        json_object_set_new(inc, "bytes", json_integer((json_int_t)in->aof_incr_bytes));
        json_object_set_new(inc, "commands", json_integer((json_int_t)in->aof_incr_commands));
        json_object_set_new(inc, "whole", json_boolean(in->aof_incr_whole));
        json_object_set_new(file, "aof_incr", inc);
    }
    if (in->sha256_asked) {
        json_object_set_new(file, "sha256", in->sha256[0] ? json_string(in->sha256) : json_null());
        json_object_set_new(file, "sha256_of", json_string(in->sha256[0]
                                                               ? rdbl_source_sha256_scope(in->compression)
                                                               : in->sha256_why));
    }
    if (in->have_header) {
        json_object_set_new(file, "magic", json_string(in->fi.magic));
        json_object_set_new(file, "rdb_version", json_integer(in->fi.rdb_version));
        json_object_set_new(file, "version_hint", json_string(version_hint(&in->fi)));
        json_object_set_new(file, "future_version", json_boolean(in->fi.future_version));
    }
    if (in->have_end) {
        json_object_set_new(file, "checksum", json_string(rdbl_checksum_status_name(in->end.checksum)));
        json_object_set_new(file, "stored_crc", jhex64(in->end.stored_crc));
        json_object_set_new(file, "computed_crc", jhex64(in->end.computed_crc));
        json_object_set_new(file, "trailing_bytes", json_integer((json_int_t)in->end.trailing_bytes));
        json_object_set_new(file, "aof_tail", json_boolean(in->end.aof_tail));
        json_object_set_new(file, "aof_commands", json_integer((json_int_t)in->end.aof_commands));
    } else {
        json_object_set_new(file, "checksum", json_string("unknown"));
    }
    json_object_set_new(root, "file", file);

    json_t *aux = json_array();
    for (size_t i = 0; i < in->naux; i++) {
        json_t *a = json_object();
        json_object_set_new(a, "name", jstr_bytes(in->aux[i].name, in->aux[i].name_len));
        json_object_set_new(a, "value", jstr_bytes(in->aux[i].value, in->aux[i].value_len));
        if (in->aux[i].value_full_len > in->aux[i].value_len)
            json_object_set_new(a, "value_bytes", json_integer((json_int_t)in->aux[i].value_full_len));
        json_array_append_new(aux, a);
    }
    json_object_set_new(root, "aux", aux);
    json_object_set_new(root, "aux_total", json_integer((json_int_t)in->aux_total));

    json_t *server = json_object();
    const rdbl__info_aux *a;
    if ((a = aux_get(in, "redis-ver")))
        json_object_set_new(server, "redis_ver", jstr_bytes(a->value, a->value_len));
    if ((a = aux_get(in, "valkey-ver")))
        json_object_set_new(server, "valkey_ver", jstr_bytes(a->value, a->value_len));
    int64_t v;
    if (aux_i64(in, "ctime", &v)) {
        char t[64];
        iso_time(v, t, sizeof t);
        json_object_set_new(server, "ctime", json_integer(v));
        json_object_set_new(server, "ctime_iso", json_string(t));
    }
    if (aux_i64(in, "used-mem", &v))
        json_object_set_new(server, "used_mem", json_integer(v));
    if (aux_i64(in, "redis-bits", &v))
        json_object_set_new(server, "bits", json_integer(v));
    json_object_set_new(server, "dragonfly", json_boolean(aux_get(in, "df-ver") != NULL));
    json_object_set_new(root, "server", server);

    json_t *dbs = json_array();
    for (size_t i = 0; i < in->ndbs; i++) {
        const rdbl__info_db *d = &in->dbs[i];
        json_t *j = json_object();
        json_object_set_new(j, "db", json_integer((json_int_t)d->db));
        json_object_set_new(j, "keys", json_integer((json_int_t)d->keys));
        json_object_set_new(j, "expires", json_integer((json_int_t)d->expires));
        json_object_set_new(j, "rdb_bytes", json_integer((json_int_t)d->rdb_bytes));
        if (d->has_hint) {
            json_object_set_new(j, "resize_hint_keys", json_integer((json_int_t)d->hint_keys));
            json_object_set_new(j, "resize_hint_expires", json_integer((json_int_t)d->hint_expires));
        }
        json_array_append_new(dbs, j);
    }
    json_object_set_new(root, "databases", dbs);

    json_t *sum = json_object();
    json_object_set_new(sum, "keys", json_integer((json_int_t)in->keys));
    json_object_set_new(sum, "expires", json_integer((json_int_t)in->expires));
    json_object_set_new(sum, "fields_with_ttl", json_integer((json_int_t)in->fields_with_ttl));
    json_object_set_new(sum, "keys_with_idle", json_integer((json_int_t)in->with_idle));
    json_object_set_new(sum, "keys_with_freq", json_integer((json_int_t)in->with_freq));
    json_t *bt = json_object(), *detail = json_array();
    for (int ty = 0; ty < RDBL_TYPE__COUNT; ty++)
        for (int en = 0; en < RDBL_ENC__COUNT; en++) {
            const rdbl__info_enc *e = &in->by_enc[ty][en];
            if (!e->keys)
                continue;
            char name[48];
            snprintf(name, sizeof name, "%s/%s", rdbl_type_name((rdbl_type)ty),
                     rdbl_encoding_name((rdbl_encoding)en));
            json_object_set_new(bt, name, json_integer((json_int_t)e->keys));
            json_t *d = json_object();
            json_object_set_new(d, "type", json_string(rdbl_type_name((rdbl_type)ty)));
            json_object_set_new(d, "encoding", json_string(rdbl_encoding_name((rdbl_encoding)en)));
            json_object_set_new(d, "keys", json_integer((json_int_t)e->keys));
            json_object_set_new(d, "rdb_bytes", json_integer((json_int_t)e->rdb_bytes));
            json_object_set_new(d, "elements", json_integer((json_int_t)e->elements));
            json_object_set_new(d, "max_rdb_bytes", json_integer((json_int_t)e->max_rdb_bytes));
            json_array_append_new(detail, d);
        }
    json_object_set_new(sum, "by_type", bt);
    json_object_set_new(sum, "by_type_detail", detail);
    if (in->largest_rdb_bytes) {
        json_t *l = json_object();
        json_object_set_new(l, "key", json_string(in->largest_key));
        json_object_set_new(l, "db", json_integer((json_int_t)in->largest_db));
        json_object_set_new(l, "type", json_string(rdbl_type_name(in->largest_type)));
        json_object_set_new(l, "rdb_bytes", json_integer((json_int_t)in->largest_rdb_bytes));
        json_object_set_new(sum, "largest_key", l);
    }
    json_object_set_new(sum, "slot_info_records", json_integer((json_int_t)in->slot_infos));
    json_object_set_new(root, "summary", sum);

    json_t *fns = json_array();
    for (size_t i = 0; i < in->nfunctions; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(in->functions[i].name));
        json_object_set_new(f, "engine", json_string(in->functions[i].engine));
        json_object_set_new(f, "code_bytes", json_integer((json_int_t)in->functions[i].code_bytes));
        json_array_append_new(fns, f);
    }
    json_object_set_new(root, "functions", fns);
    json_t *mods = json_array();
    for (size_t i = 0; i < in->nmodules; i++) {
        const rdbl__info_module *m = &in->modules[i];
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(m->name));
        json_object_set_new(j, "encver", json_integer(m->encver));
        json_object_set_new(j, "keys", json_integer((json_int_t)m->keys));
        json_object_set_new(j, "aux_records", json_integer((json_int_t)m->aux_records));
        json_object_set_new(j, "bytes", json_integer((json_int_t)m->bytes));
        json_array_append_new(mods, j);
    }
    json_object_set_new(root, "modules", mods);

    json_t *warns = json_array();
    for (size_t i = 0; i < in->nwarnings; i++) {
        json_t *w = json_object();
        json_object_set_new(w, "offset", json_integer((json_int_t)in->warnings[i].offset));
        json_object_set_new(w, "message", json_string(in->warnings[i].msg));
        json_array_append_new(warns, w);
    }
    json_object_set_new(root, "warnings", warns);
    json_object_set_new(root, "warnings_total", json_integer((json_int_t)in->warnings_total));

    json_t *errs = json_array();
    if (in->status != RDBL_OK) {
        const rdbl_error *e = &in->err;
        json_t *j = json_object();
        json_object_set_new(j, "code", json_string(rdbl_status_name(e->code)));
        json_object_set_new(j, "offset", json_integer((json_int_t)e->offset));
        json_object_set_new(j, "key", json_string(e->key));
        json_object_set_new(j, "where", json_string(e->where));
        json_object_set_new(j, "message", json_string(e->msg));
        if (e->rdb_type >= 0)
            json_object_set_new(j, "rdb_type", json_integer(e->rdb_type));
        json_array_append_new(errs, j);
    }
    json_object_set_new(root, "errors", errs);
    json_t *holes = json_array();
    for (size_t i = 0; i < in->nholes; i++) {
        const rdbl__info_hole *h = &in->holes[i];
        json_t *j = json_object();
        json_object_set_new(j, "start", json_integer((json_int_t)h->start));
        json_object_set_new(j, "end", json_integer((json_int_t)h->end));
        json_object_set_new(j, "bytes", json_integer((json_int_t)(h->end - h->start)));
        json_object_set_new(j, "db", json_integer((json_int_t)h->db));
        json_object_set_new(j, "last_key", h->has_last_key ? json_string(h->last_key) : json_null());
        json_object_set_new(j, "key_damaged", json_boolean(h->key_damaged));
        json_object_set_new(j, "to_end", json_boolean(h->to_end));
        json_object_set_new(j, "cause", json_string(h->cause));
        json_array_append_new(holes, j);
    }
    json_object_set_new(root, "holes", holes);
    json_object_set_new(root, "holes_total", json_integer((json_int_t)in->holes_total));
    json_object_set_new(root, "hole_bytes", json_integer((json_int_t)in->hole_bytes));
    json_object_set_new(sum, "damaged_keys", json_integer((json_int_t)in->damaged_keys));
    json_object_set_new(root, "partial", json_boolean(is_partial(in)));
    json_object_set_new(root, "schema", json_string("rdblens.info/1"));

    int rc = json_dumpf(root, o, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', o);
    json_decref(root);
    return rc == 0 && !ferror(o) ? 0 : -1;
}
