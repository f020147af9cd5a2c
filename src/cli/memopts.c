/* Memory-model options shared by keys, report and check. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_mem_option(const char *cmd, int c, const char *arg, rdbl_mem_config *cfg)
{
    rdbl_error err = {0};
    rdbl_status st = RDBL_OK;
    switch (c) {
    case CLI_OPT_TARGET: {
        /* keep the options already given: re-init, then re-apply nothing else */
        rdbl_mem_config fresh;
        st = rdbl_mem_config_init(&fresh, arg, &err);
        if (st == RDBL_OK) {
            fresh.allocator = cfg->allocator;
            fresh.allocator_auto = cfg->allocator_auto;
            fresh.allocator_source = cfg->allocator_source;
            fresh.state = cfg->state;
            fresh.cluster = cfg->cluster;
            *cfg = fresh;
        }
        break;
    }
    case CLI_OPT_ALLOCATOR:
        st = rdbl_mem_config_set(cfg, "allocator", arg, &err);
        break;
    case CLI_OPT_STATE:
        st = rdbl_mem_config_set(cfg, "state", arg, &err);
        break;
    case CLI_OPT_CONFIG: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg)
            return cli_usage_error(cmd, "--config wants NAME=VALUE, not '%s'", arg);
        char name[128];
        size_t n = (size_t)(eq - arg);
        if (n >= sizeof name)
            return cli_usage_error(cmd, "--config name too long");
        memcpy(name, arg, n);
        name[n] = '\0';
        st = rdbl_mem_config_set(cfg, name, eq + 1, &err);
        break;
    }
    case CLI_OPT_REDIS_CONF:
        st = rdbl_mem_config_read_redis_conf(cfg, arg, &err);
        if (st == RDBL_IO) {
            fprintf(stderr, "rdblens %s: %s\n", cmd, err.msg);
            return CLI_UNREADABLE;
        }
        break;
    default:
        return -1;
    }
    if (st != RDBL_OK)
        return cli_usage_error(cmd, "%s", err.msg[0] ? err.msg : "bad memory model option");
    return 0;
}
