/* Test helpers: files, temporary folders, child processes, escaping.
 * See testutil.h for the contracts. POSIX only (the tests run on Linux). */
#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_env(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return (v && *v) ? v : fallback;
}

char *tu_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

char *tu_read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    /* st_size is only a hint (the file may be growing or a pipe); one spare
     * byte beyond it lets the read that sees EOF happen without growing. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 2 : 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (got == 0) {
            buf[n] = '\0';
            if (len)
                *len = n;
            break;
        }
        n += (size_t)got;
    }
    close(fd);
    return buf;
}

int tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t put = len ? fwrite(data, 1, len, f) : 0;
    if (fclose(f) != 0 || put != len)
        return -1;
    return 0;
}

char *tu_mkdtemp(const char *prefix)
{
    const char *tmp = tu_env("TMPDIR", "/tmp");
    size_t n = strlen(tmp) + strlen(prefix) + 9;
    char *p = malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/%s-XXXXXX", tmp, prefix);
    if (!mkdtemp(p)) {
        free(p);
        return NULL;
    }
    return p;
}

int tu_rmtree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    int rc = 0;
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = tu_path(path, e->d_name);
        if (!child || tu_rmtree(child) != 0)
            rc = -1;
        free(child);
    }
    closedir(d);
    if (rmdir(path) != 0)
        rc = -1;
    return rc;
}

char *tu_which(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0 ? strdup(prog) : NULL;
    const char *path = tu_env("PATH", "/usr/local/bin:/usr/bin:/bin");
    while (*path) {
        const char *end = strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : strlen(path);
        char dir[4096];
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
            char *full = tu_path(dir, prog);
            struct stat st;
            if (full && stat(full, &st) == 0 && S_ISREG(st.st_mode) && access(full, X_OK) == 0)
                return full;
            free(full);
        }
        if (!end)
            break;
        path = end + 1;
    }
    return NULL;
}

static char *drain(int fd)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return NULL;
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    return buf;
}

int tu_run(char *const argv[], char **output)
{
    int fds[2];
    if (output)
        *output = NULL;
    if (pipe(fds) != 0)
        return -1;
    /* Flush our own buffers so the child does not inherit and repeat them. */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    char *out = drain(fds[0]);
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            free(out);
            return -1;
        }
    }
    if (output)
        *output = out;
    else
        free(out);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

size_t tu_utf8_seq_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0; /* continuation byte, C0/C1, F5-FF */
    }
    if (n < need || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return need;
}

char *tu_escape(const uint8_t *p, size_t len, size_t *out_len)
{
    static const char hex[] = "0123456789abcdef";
    /* Worst case: every byte becomes \xNN. */
    if (len > (SIZE_MAX - 1) / 4)
        return NULL;
    char *out = malloc(len * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        size_t n = tu_utf8_seq_len(p + i, len - i);
        if (n == 2 && c == 0xc2 && p[i + 1] < 0xa0)
            n = 0; /* C1 controls U+0080-U+009F are escaped byte by byte */
        if (n > 1) {
            memcpy(out + o, p + i, n);
            o += n;
            i += n;
            continue;
        }
        if (n == 1 && c == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else if (n == 1 && c >= 0x20 && c != 0x7f) {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
        i++;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

uint8_t *tu_unescape(const char *s, size_t len, size_t *out_len)
{
    uint8_t *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '\\') {
            out[o++] = (uint8_t)s[i];
            continue;
        }
        if (len - i >= 2 && s[i + 1] == '\\') {
            out[o++] = '\\';
            i += 1;
        } else if (len - i >= 4 && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
                   hexval(s[i + 3]) >= 0) {
            out[o++] = (uint8_t)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
            i += 3;
        } else {
            free(out);
            return NULL;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

int tu_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

bool tu_have_redis(void)
{
    char *server = tu_which("redis-server"), *cli = tu_which("redis-cli");
    bool have = server && cli;
    free(server);
    free(cli);
    return have;
}

int tu_redis_start(const char *dir, int port, const char *extra)
{
    char *pidfile = tu_path(dir, "redis.pid");
    if (!pidfile)
        return -1;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "redis-server --port %d --bind 127.0.0.1 --dir '%s' --save '' %s "
             "--daemonize yes --pidfile '%s' --logfile '%s/redis.log'"
             " && for i in $(seq 50); do redis-cli -p %d PING >/dev/null 2>&1 && exit 0; "
             "sleep 0.1; done; exit 1",
             port, dir, extra ? extra : "--appendonly no", pidfile, dir, port);
    char *argv[] = {"sh", "-c", cmd, NULL};
    int rc = tu_run(argv, NULL);
    char *text = tu_read_file(pidfile, NULL);
    int pid = text ? atoi(text) : 0;
    free(text);
    free(pidfile);
    if (rc != 0) {
        tu_redis_stop(pid);
        return -1;
    }
    return pid > 0 ? pid : -1;
}

void tu_redis_stop(int pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 50 && kill(pid, 0) == 0; i++)
        usleep(100000);
}

int tu_redis_two_saves(const char *dir, int port, unsigned pause_s)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && redis-cli -p %d < a.txt > /dev/null && redis-cli -p %d SAVE >/dev/null"
             " && cp dump.rdb old.rdb && sleep %u && redis-cli -p %d < b.txt > /dev/null && "
             "redis-cli -p %d SAVE > /dev/null && cp dump.rdb new.rdb",
             dir, port, port, pause_s, port, port);
    char *argv[] = {"sh", "-c", cmd, NULL};
    return tu_run(argv, NULL);
}
