/* Where a command's output goes (standard output or -o FILE) and the output
 * half of the contract (README "Output contract"): a file named with -o is
 * written to a temporary file beside it and renamed into place only when it
 * was written whole, and every write failure (full disk, closed pipe with
 * SIGPIPE ignored, unwritable path) ends in one stderr line and exit 6. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_out_open(cli_out *o, const char *cmd, const char *path)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->f = stdout;
    if (!path || strcmp(path, "-") == 0)
        return CLI_OK;
    size_t n = strlen(path);
    o->path = path;
    o->tmp = malloc(n + 16);
    if (!o->tmp) {
        fprintf(stderr, "rdblens %s: %s: out of memory\n", cmd, path);
        return CLI_OUTPUT;
    }
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".tmp-XXXXXX", 12);
    int fd = mkstemp(o->tmp);
    if (fd >= 0) {
        /* mkstemp makes it 0600; the result is a report to share, created
         * as any other output file would be (0666 less the umask) */
        mode_t um = umask(0);
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
    }
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "rdblens %s: cannot write %s: %s\n", cmd, path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        o->tmp = NULL;
        o->f = NULL;
        return CLI_OUTPUT;
    }
    return CLI_OK;
}

void cli_out_note_errno(cli_out *o, int err)
{
    if (!o->err)
        o->err = err ? err : EIO;
}

bool cli_out_failed(cli_out *o)
{
    return o->err || (o->f && ferror(o->f));
}

int cli_out_close(cli_out *o)
{
    if (!o->f)
        return CLI_OUTPUT;
    errno = 0;
    int bad = fflush(o->f) != 0;
    if (bad || ferror(o->f))
        cli_out_note_errno(o, errno);
    if (o->tmp) {
        /* the temporary file's own close can report a late error (NFS, quota) */
        errno = 0;
        if (fclose(o->f) != 0)
            cli_out_note_errno(o, errno);
        if (!o->err && rename(o->tmp, o->path) != 0)
            cli_out_note_errno(o, errno);
        if (o->err)
            unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    o->f = NULL;
    if (!o->err)
        return CLI_OK;
    fprintf(stderr, "rdblens %s: cannot write %s: %s\n", o->cmd,
            o->path ? o->path : "standard output", strerror(o->err));
    return CLI_OUTPUT;
}

int cli_finish(cli_out *o, const char *path, rdbl_status st, const rdbl_error *err,
               const char *tail)
{
    if (cli_out_close(o) != CLI_OK)
        return CLI_OUTPUT;
    if (st == RDBL_OK)
        return CLI_OK;
    cli_print_error(o->cmd, path, err, st == RDBL_CHECKSUM ? NULL : tail);
    return cli_exit_code(st);
}

void cli_out_discard(cli_out *o)
{
    if (o->tmp) {
        fclose(o->f);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    } else if (o->f) {
        fflush(o->f);
    }
    o->f = NULL;
}
