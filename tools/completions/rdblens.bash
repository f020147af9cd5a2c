# bash completion for rdblens                              -*- shell-script -*-
# Installed as share/bash-completion/completions/rdblens. Option lists are
# kept equal to each command's --help by tests/cli/test_docs.c.

_rdblens_targets="redis-6.2 redis-7.0 redis-7.2 redis-7.4 redis-8.0 valkey-7.2 valkey-8.0 valkey-8.1 valkey-9.0"
_rdblens_model_opts="--target --allocator --state --config --redis-conf"

_rdblens_opts()
{
    case $1 in
        info)   echo "--format --output --salvage --sha256 --quiet --help" ;;
        report) echo "--format --output --top --depth --delimiters --no-fold --node-budget --sample-budget --now --jobs --salvage --sha256 --redact --redact-key --quiet --help $_rdblens_model_opts" ;;
        keys)   echo "--format --db --match --type --min-bytes --columns --now --output --spreadsheet-safe --salvage --redact --redact-key --quiet --help $_rdblens_model_opts" ;;
        dump)   echo "--format --db --match --type --output --salvage --redact --redact-key --quiet --help" ;;
        check)  echo "--max-prefix-bytes --baseline --max-growth --max-prefix-growth --max-key-bytes --max-elements --max-total-bytes --max-no-ttl-ratio --require-ttl --fail-on-advice --format --list --output --now --salvage --redact --redact-key --quiet --help $_rdblens_model_opts" ;;
        merge)  echo "--format --output --help" ;;
        diff)   echo "--format --output --top --depth --delimiters --no-fold --node-budget --now --redact --redact-key --quiet --help $_rdblens_model_opts" ;;
    esac
}

_rdblens_formats()
{
    case $1 in
        info | check) echo "text json" ;;
        report) echo "text json html csv" ;;
        keys) echo "csv jsonl" ;;
        dump) echo "jsonl" ;;
        merge) echo "json text html csv" ;;
        diff) echo "text json html" ;;
    esac
}

_rdblens()
{
    local cur prev words cword
    _init_completion || return

    local commands="info report keys dump check merge diff"
    if ((cword == 1)); then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi
    local cmd=${words[1]}

    case $prev in
        -f | --format)
            COMPREPLY=($(compgen -W "$(_rdblens_formats "$cmd")" -- "$cur"))
            return ;;
        --target)
            COMPREPLY=($(compgen -W "$_rdblens_targets" -- "$cur"))
            return ;;
        --allocator)
            COMPREPLY=($(compgen -W "auto jemalloc jemalloc-q16 libc" -- "$cur"))
            return ;;
        --state)
            COMPREPLY=($(compgen -W "live loaded" -- "$cur"))
            return ;;
        --type)
            COMPREPLY=($(compgen -W "string list set zset hash stream module" -- "$cur"))
            return ;;
        --fail-on-advice)
            COMPREPLY=($(compgen -W "info warn critical" -- "$cur"))
            return ;;
        --config)
            COMPREPLY=($(compgen -W "hash-max-listpack-entries= hash-max-listpack-value= set-max-intset-entries= set-max-listpack-entries= set-max-listpack-value= zset-max-listpack-entries= zset-max-listpack-value= list-max-listpack-size= list-compress-depth= cluster-enabled=" -- "$cur"))
            compopt -o nospace
            return ;;
        -o | --output | --redis-conf | --baseline)
            _filedir
            return ;;
        --top | --depth | --delimiters | --node-budget | --sample-budget | --now | -j | --jobs | --db | --match | \
            --min-bytes | --max-key-bytes | --max-elements | --max-total-bytes | \
            --max-no-ttl-ratio | --require-ttl | --list | --max-prefix-bytes | --max-growth | \
            --max-prefix-growth)
            return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_rdblens_opts "$cmd")" -- "$cur"))
        return
    fi
    if [[ $cmd == merge ]]; then
        _filedir json
    else
        _filedir
    fi
} &&
    complete -F _rdblens rdblens
