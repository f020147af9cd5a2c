/* Totals: the sum of per-key MEMORY USAGE-equivalents, and estimates of the
 * INFO memory figures (memory-model.md §1.3, §1.4).
 *
 * INFO splits used_memory into overhead and dataset; per database the
 * overhead books (src/object.c getMemoryOverheadData):
 *
 *     main dict     keys * (sizeof(dictEntry) + sizeof(robj)) + 8 * buckets(keys)
 *     expires dict  expires * sizeof(dictEntry) + 8 * buckets(expires)
 *
 * So used_memory_dataset ~= (real allocations of all keys and values, TTL
 * entries included) - keys * 40 - expires * 24, and used_memory ~= that plus
 * the overhead above plus used_memory_startup (client and replication
 * buffers excluded). Both are labelled estimates. */
#include "memmodel/model.h"

static uint64_t db_overhead(uint64_t keys, uint64_t expires)
{
    if (keys == 0)
        return 0;
    uint64_t o = keys * (24 + 16) + 8 * rdbl__dict_slots(keys);
    if (expires)
        o += expires * 24 + 8 * rdbl__dict_slots(expires);
    return o;
}

void rdbl__mm_db_switch(rdbl_memmodel *m, uint64_t db)
{
    if (m->db_seen && db == m->cur_db)
        return;
    m->t_dict_overhead += db_overhead(m->db.keys, m->db.expires);
    m->db.keys = m->db.expires = 0;
    m->cur_db = db;
    m->db_seen = true;
}

/* rdbl__mm_totals_add is inline in model.h (once per key). */

void rdbl_memmodel_totals(const rdbl_memmodel *m, rdbl_mem_totals *out)
{
    memset(out, 0, sizeof *out);
    const rdbl__profile *p = m->p ? m->p : rdbl__profile_get(RDBL_TARGET_REDIS_7_0);
    out->keys = m->t_keys;
    out->keys_with_expire = m->t_expires;
    out->keys_not_modelled = m->t_not_modelled;
    out->keys_approximate = m->t_approx;
    out->sum_mem_usage = (uint64_t)(m->t_sum + 0.5);
    double booked = (double)m->t_keys * 40.0 + (double)m->t_expires * 24.0;
    double ds = m->t_alloc - booked;
    out->used_memory_dataset_est = ds > 0 ? (uint64_t)(ds + 0.5) : 0;
    out->startup_est = p->startup;
    out->used_memory_overhead_est =
        p->startup + m->t_dict_overhead + db_overhead(m->db.keys, m->db.expires);
    out->used_memory_est = out->used_memory_dataset_est + out->used_memory_overhead_est;
    out->writer_used_mem = m->writer_used_mem;
}
