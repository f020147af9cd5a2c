/* A Redis 7 multi-part AOF directory (appendonlydir) given as the input: its
 * manifest names the base file, which is an RDB when aof-use-rdb-preamble
 * was on ("*.base.rdb") and a command log otherwise ("*.base.aof").
 *
 *   appendonly.aof.manifest:  file appendonly.aof.2.base.rdb seq 2 type b
 *                             file appendonly.aof.2.incr.aof seq 2 type i
 *
 * Follows redis src/aof.c aofLoadManifestFromFile (one file per line, key
 * value pairs; names without spaces are written unquoted). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "source/source_int.h"

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && memcmp(s + n - k, tail, k) == 0;
}

/* The base file's name from one manifest, "" if none; with incr, the
 * incremental files' names too (in manifest order, *nincr of them). */
static void base_from_manifest(FILE *f, char *name, size_t cap, char ***incr, size_t *nincr)
{
    char line[1024];
    name[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        char file[512] = "", type[16] = "";
        char *save = NULL;
        for (char *k = strtok_r(line, " \t\r\n", &save); k; k = strtok_r(NULL, " \t\r\n", &save)) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            if (!v)
                break;
            if (strcmp(k, "file") == 0)
                snprintf(file, sizeof file, "%s", v);
            else if (strcmp(k, "type") == 0)
                snprintf(type, sizeof type, "%s", v);
        }
        if (strcmp(type, "b") == 0 && file[0] && !name[0])
            snprintf(name, cap, "%s", file);
        if (incr && strcmp(type, "i") == 0 && file[0] && *nincr < 64) {
            char **nl = realloc(*incr, (*nincr + 1) * sizeof *nl);
            char *dup = strdup(file);
            if (!nl || !dup) {
                free(dup);
                if (nl)
                    *incr = nl;
                continue;
            }
            *incr = nl;
            nl[(*nincr)++] = dup;
        }
    }
}

rdbl_status rdbl__aof_dir_base(const char *dir, char *out, size_t cap, rdbl_error *err)
{
    char shown[100];
    rdbl__escape(shown, sizeof shown, (const uint8_t *)dir, strlen(dir));
    DIR *d = opendir(dir);
    if (!d)
        return rdbl__fail(err, RDBL_IO, 0, "open", "cannot read directory %s", shown);
    char base[512] = "", manifest[512] = "";
    struct dirent *e;
    while ((e = readdir(d)) && !base[0]) {
        if (!ends_with(e->d_name, ".manifest"))
            continue;
        snprintf(manifest, sizeof manifest, "%s", e->d_name);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            base_from_manifest(f, base, sizeof base, NULL, NULL);
            fclose(f);
        }
    }
    closedir(d);
    if (!manifest[0])
        return rdbl__fail(err, RDBL_IO, 0, "open",
                          "%s is a directory, and no AOF manifest (*.manifest) is in it", shown);
    if (!base[0])
        return rdbl__fail(err, RDBL_UNSUPPORTED, 0, "open",
                          "AOF directory %s: its manifest %s names no base file (type b)", shown,
                          manifest);
    if (!ends_with(base, ".rdb"))
        return rdbl__fail(err, RDBL_UNSUPPORTED, 0, "open",
                          "AOF directory %s: its base %s is a command log "
                          "(aof-use-rdb-preamble no), not an RDB snapshot",
                          shown, base);
    snprintf(out, cap, "%s/%s", dir, base);
    return RDBL_OK;
}

size_t rdbl__aof_dir_incr(const char *dir, char ***out)
{
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ends_with(e->d_name, ".manifest"))
            continue;
        char path[4096], base[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        base_from_manifest(f, base, sizeof base, out, &n);
        fclose(f);
        break;
    }
    closedir(d);
    /* the names become paths under dir */
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(dir) + 1 + strlen((*out)[i]) + 1;
        char *p = malloc(len);
        if (p)
            snprintf(p, len, "%s/%s", dir, (*out)[i]);
        free((*out)[i]);
        (*out)[i] = p ? p : strdup("?");
    }
    return n;
}
