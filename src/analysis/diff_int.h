/* Internals of `rdblens diff` (src/analysis/diff*.c). */
#ifndef RDBL_DIFF_INT_H
#define RDBL_DIFF_INT_H

#include "analysis/analysis_int.h"
#include "rdblens/diff.h"

/* ---- per-key records in partition files (diff_part.c) --------------------- */
typedef struct rdbl__drec {
    uint64_t hash;                /* of db and key: picks the partition */
    uint64_t db;
    const uint8_t *key;           /* borrowed */
    size_t key_len;
    uint8_t type;                 /* rdbl_type */
    uint8_t enc;                  /* index into the run's encoding names */
    bool has_expire;
    int64_t expire_ms;
    uint64_t mem;
    uint64_t digest;
} rdbl__drec;

/* One side's N temporary files. They are unlinked right after creation:
 * the data goes away with the descriptors, on any exit. */
typedef struct rdbl__dparts {
    int *fd;
    uint8_t *buf;                 /* n write buffers of bufsz bytes, NULL once finished */
    uint32_t *used;
    size_t bufsz;
    unsigned n;                   /* a power of two */
    uint64_t bytes;
} rdbl__dparts;

rdbl_status rdbl__dparts_open(rdbl__dparts *p, unsigned n, const char *tmpdir, rdbl_error *err);
void rdbl__dparts_close(rdbl__dparts *p);
uint64_t rdbl__drec_hash(uint64_t db, const uint8_t *key, size_t len);
/* Appends r to its partition. @return 0, or -1 when the write failed. */
int rdbl__dparts_put(rdbl__dparts *p, const rdbl__drec *r);
/* Writes out what the buffers hold and frees them (the scan of the side is
 * over). @return 0, or -1 when a write failed. */
int rdbl__dparts_finish(rdbl__dparts *p);
/* Reads partition i whole into *buf (of *cap bytes, grown with realloc
 * when short; the caller frees it). @return RDBL_OK/IO/NOMEM. */
rdbl_status rdbl__dparts_load(rdbl__dparts *p, unsigned i, uint8_t **buf, size_t *cap,
                              size_t *len);
/* Decodes the record at *pos and advances it. @return false at the end or
 * on a damaged record. */
bool rdbl__drec_next(const uint8_t *buf, size_t len, size_t *pos, rdbl__drec *r);

/* ---- joining (diff_join.c) ------------------------------------------------- */
/* Maps a key to its family: the deepest node of the tree it reaches. */
typedef struct rdbl__dfam rdbl__dfam;
rdbl__dfam *rdbl__dfam_new(const rdbl_prefix_agg *tree, const rdbl_agg_opts *o);
void rdbl__dfam_free(rdbl__dfam *m);
uint32_t rdbl__dfam_of(const rdbl__dfam *m, const uint8_t *key, size_t len);

/* Joins the two sides' partitions into d's summary, top lists and family
 * rows. encs: the encoding names by index. */
rdbl_status rdbl__diff_join(rdbl_diff *d, rdbl__dparts *old, rdbl__dparts *new_,
                            const char *const *encs, const rdbl_prefix_agg *tree,
                            int64_t new_ref_ms, rdbl_error *err);

/* ---- pattern trees (diff_tree.c) ------------------------------------------- */
/* The tree fed with both files: side carried in fields (see diff.c). */
rdbl_status rdbl__diff_tree_from_combined(rdbl_diff_node *root, const rdbl_prefix_agg *t);
/* Two trees joined by node label. Either may be NULL (an empty side). */
rdbl_status rdbl__diff_tree_join(rdbl_diff_node *root, const rdbl_prefix_agg *a,
                                 const rdbl_prefix_agg *b);
void rdbl__diff_tree_free(rdbl_diff_node *n);

#endif
