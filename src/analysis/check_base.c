/* `check --baseline REPORT.json --max-prefix-growth GLOB=R`: the baseline's
 * memory of the keys matching GLOB, read off the report's pattern tree (a
 * report keeps no keys, only its families).
 *
 * A node counts whole when GLOB matches every key below it: the node's
 * pattern, read as a key continued by ":" and anything ("session:*" ->
 * "session:*:*", the folded "*" taken literally, which GLOB's "*" matches).
 * A node GLOB cannot match (their literal heads differ) counts nothing.
 * Otherwise its children decide; a node without children that GLOB matches
 * only in part ("user:1*" against "user:*") cannot be split: the call
 * fails and says why, rather than compare a part with a whole. Keys that
 * end exactly at a counted node ("auth:token" under "auth:token:*") count
 * with it, and a pattern without children that GLOB names exactly
 * ("online:users") counts whole. */
#include <stdlib.h>
#include <string.h>

#include "analysis/analysis_int.h"
#include "internal.h"

#define NAME_MAX_LEN 1024

/* Length of the literal head of a glob (up to its first special byte). */
static size_t glob_head(const char *g)
{
    return strcspn(g, "*?[\\");
}

/* Whether no key below the pattern name can match glob: their literal
 * heads (a pattern's ends at its first folded "*") differ. */
static bool disjoint(const char *glob, const char *name)
{
    size_t gl = glob_head(glob), nl = strcspn(name, "*");
    return memcmp(glob, name, gl < nl ? gl : nl) != 0;
}

static bool covers(const char *glob, const char *name, size_t n)
{
    char buf[NAME_MAX_LEN + 3];
    memcpy(buf, name, n);
    memcpy(buf + n, ":*", 3);
    return rdbl_glob_match((const uint8_t *)glob, strlen(glob), (const uint8_t *)buf, n + 2);
}

static rdbl_status walk(const rdbl_prefix_agg *t, uint32_t node, const char *glob, uint64_t *sum,
                        char *why, size_t cap)
{
    size_t n = rdbl_prefix_agg_children(t, node, NULL, 0);
    if (!n)
        return RDBL_OK;
    uint32_t *kids = malloc(n * sizeof *kids);
    if (!kids)
        return RDBL_NOMEM;
    rdbl_prefix_agg_children(t, node, kids, n);
    rdbl_status st = RDBL_OK;
    char name[NAME_MAX_LEN + 1], parent[NAME_MAX_LEN + 1];
    for (size_t i = 0; i < n && st == RDBL_OK; i++) {
        size_t len = rdbl_prefix_agg_name(t, kids[i], name, sizeof name);
        bool other = rdbl_prefix_agg_is_other(t, kids[i]);
        if (other) {
            /* the folded remainder of node: what its keys are is lost */
            rdbl_prefix_agg_name(t, node, parent, sizeof parent);
            if (disjoint(glob, parent))
                continue;
            snprintf(why, cap, "'%s' may match keys the report folded into \"(other)\" under "
                     "'%s': use an RDB baseline", glob, node ? parent : "(all keys)");
            st = RDBL_USAGE;
        } else if (len > NAME_MAX_LEN) {
            snprintf(why, cap, "a pattern of the report is too long to match '%s' against", glob);
            st = RDBL_USAGE;
        } else if (covers(glob, name, len)) {
            *sum += rdbl_prefix_agg_totals(t, kids[i])->mem_bytes;
        } else if (disjoint(glob, name)) {
            continue;
        } else if (rdbl_prefix_agg_children(t, kids[i], NULL, 0)) {
            st = walk(t, kids[i], glob, sum, why, cap);
        } else if (rdbl_glob_match((const uint8_t *)glob, strlen(glob), (const uint8_t *)name,
                                   len)) {
            *sum += rdbl_prefix_agg_totals(t, kids[i])->mem_bytes; /* "online:users" */
        } else {
            snprintf(why, cap, "'%s' matches part of pattern '%s' (a report has no keys): use "
                     "an RDB baseline or whole patterns", glob, name);
            st = RDBL_USAGE;
        }
    }
    free(kids);
    return st;
}

rdbl_status rdbl__tree_glob_sum(const rdbl_prefix_agg *t, const char *glob, uint64_t *sum,
                                char *why, size_t cap)
{
    *sum = 0;
    why[0] = '\0';
    return walk(t, RDBL_PREFIX_ROOT, glob, sum, why, cap);
}
