/* HTML report: one self-contained page (no external URL: inline CSS, JS and
 * SVG), for people who would rather look.
 *
 *   <head>  title, inline <style>
 *   <body data-boxes="N" data-status="ok|error: ...">   set by the script: N is the
 *           number of boxes in the treemap currently shown (at load: one per
 *           top-level prefix); tests read it from the DOM
 *     summary cards | treemap (click to zoom, breadcrumb to zoom out) |
 *     advice | TTL chart (SVG) | sortable tables: top keys, prefixes, types, dbs
 *   <script type="application/json" id="rdbl-data">  the data, escaped so that
 *           no "</script>" can occur in it
 *   <script>  the page logic (vanilla JS, no library)
 *
 * The embedded tree is bounded: per level at most 200/40/20/12 children (the
 * rest summed into one "(N smaller)" box) and 4000 nodes in all. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rdblens/report.h"

typedef struct hw {
    FILE *f;
    bool failed;
} hw;

static void put(hw *w, const char *s)
{
    if (fputs(s, w->f) == EOF)
        w->failed = true;
}

static void putf(hw *w, const char *fmt, ...) RDBL_PRINTF(2, 3);
static void putf(hw *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (vfprintf(w->f, fmt, ap) < 0)
        w->failed = true;
    va_end(ap);
}

/* A JSON string safe inside <script>: '<', '>', '&' and U+2028/9 escaped. */
static void jstr(hw *w, const char *s)
{
    char buf[512];
    size_t o = 0;
    buf[o++] = '"';
    for (const uint8_t *p = (const uint8_t *)s; *p; p++) {
        if (o > sizeof buf - 16) {
            buf[o] = 0;
            put(w, buf);
            o = 0;
        }
        uint8_t c = *p;
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            o += (size_t)snprintf(buf + o, 8, "\\u%04x", c);
        } else if (c == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
            o += (size_t)snprintf(buf + o, 8, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
            p += 2;
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = 0;
    put(w, buf);
}

static void jkey(hw *w, const uint8_t *p, size_t len)
{
    char small[512];
    size_t need = rdbl_escape_bytes(NULL, 0, p, len);
    char *buf = need + 1 > sizeof small ? malloc(need + 1) : small;
    if (!buf) {
        w->failed = true;
        return;
    }
    rdbl_escape_bytes(buf, need + 1, p, len);
    jstr(w, buf);
    if (buf != small)
        free(buf);
}

static void hesc(hw *w, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            put(w, "&amp;");
            break;
        case '<':
            put(w, "&lt;");
            break;
        case '>':
            put(w, "&gt;");
            break;
        case '"':
            put(w, "&quot;");
            break;
        default:
            if (fputc(*s, w->f) == EOF)
                w->failed = true;
        }
    }
}

/* ---- data ----------------------------------------------------------------------------- */

static const size_t level_cap[] = {200, 40, 20, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
                                   12, 12, 12};

static void tree_node(hw *w, const rdbl_prefix_agg *p, uint32_t id, unsigned depth,
                      size_t *budget, char *name, size_t cap)
{
    const rdbl_prefix_totals *t = rdbl_prefix_agg_totals(p, id);
    if (id == RDBL_PREFIX_ROOT) {
        put(w, "{\"p\":\"(all keys)\",\"l\":\"(all keys)\"");
    } else {
        rdbl_prefix_agg_name(p, id, name, cap);
        put(w, "{\"p\":");
        jstr(w, name);
        rdbl_str l = rdbl_prefix_agg_label(p, id);
        put(w, ",\"l\":");
        jkey(w, l.ptr, l.len);
    }
    putf(w, ",\"k\":%" PRIu64 ",\"m\":%" PRIu64 ",\"t\":%" PRIu64 ",\"r\":%" PRIu64, t->keys,
         t->mem_bytes, t->keys_with_ttl, t->rdb_bytes);
    if (rdbl_prefix_agg_is_other(p, id))
        put(w, ",\"o\":1");
    size_t n = rdbl_prefix_agg_children(p, id, NULL, 0);
    if (n && *budget && depth < 4) {
        uint32_t *kids = malloc(n * sizeof *kids);
        if (!kids) {
            w->failed = true;
            put(w, "}");
            return;
        }
        rdbl_prefix_agg_children(p, id, kids, n);
        size_t lim = level_cap[depth];
        put(w, ",\"c\":[");
        size_t shown = 0;
        for (; shown < n && shown < lim && *budget; shown++) {
            (*budget)--;
            if (shown)
                put(w, ",");
            tree_node(w, p, kids[shown], depth + 1, budget, name, cap);
        }
        if (shown < n) {
            uint64_t k = 0, m = 0, tt = 0, r = 0;
            for (size_t i = shown; i < n; i++) {
                const rdbl_prefix_totals *x = rdbl_prefix_agg_totals(p, kids[i]);
                k += x->keys;
                m += x->mem_bytes;
                tt += x->keys_with_ttl;
                r += x->rdb_bytes;
            }
            char lab[64];
            snprintf(lab, sizeof lab, "(%zu smaller)", n - shown);
            put(w, shown ? "," : "");
            put(w, "{\"p\":");
            jstr(w, lab);
            put(w, ",\"l\":");
            jstr(w, lab);
            putf(w, ",\"k\":%" PRIu64 ",\"m\":%" PRIu64 ",\"t\":%" PRIu64 ",\"r\":%" PRIu64
                    ",\"o\":1}",
                 k, m, tt, r);
        }
        put(w, "]");
        free(kids);
    }
    put(w, "}");
}

static void key_row(hw *w, const rdbl_key_entry *e, int64_t ref)
{
    put(w, "[");
    jkey(w, e->key, e->key_len);
    putf(w, ",%" PRIu64 ",", e->db);
    jstr(w, rdbl_type_name(e->type));
    put(w, ",");
    jstr(w, e->encoding);
    putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", e->elements, e->mem_bytes,
         e->largest_element);
    if (e->has_expire) {
        int64_t d;
        if (__builtin_sub_overflow(e->expire_ms, ref, &d))
            d = e->expire_ms < ref ? INT64_MIN : INT64_MAX;
        putf(w, "%" PRId64, d / 1000);
    } else {
        put(w, "null");
    }
    put(w, "]");
}

static void key_list(hw *w, const rdbl_key_entry *const *v, size_t n, int64_t ref)
{
    put(w, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(w, ",");
        key_row(w, v[i], ref);
    }
    put(w, "]");
}

static void data(hw *w, const rdbl_agg *a, const rdbl_report_opts *o, const char *title)
{
    const rdbl_tables_agg *tb = rdbl_agg_tables(a);
    const rdbl_summary *sum = rdbl_tables_agg_summary(tb);
    const rdbl_snapshot *s;
    size_t ns = rdbl_agg_snapshots(a, &s);
    int64_t ref = rdbl_agg_now(a);
    char tm[64];
    put(w, "{\"title\":");
    jstr(w, title);
    put(w, ",\"generator\":\"rdblens " RDBL_VERSION_STRING "\",\"files\":[");
    uint64_t used = 0;
    bool all_used = ns > 0;
    for (size_t i = 0; i < ns; i++) {
        all_used = all_used && s[i].has_used_mem;
        used += s[i].used_mem;
        if (i)
            put(w, ",");
        put(w, "{\"file\":");
        jstr(w, s[i].file);
        put(w, ",\"magic\":");
        jstr(w, s[i].magic);
        putf(w, ",\"rdb_version\":%d,\"checksum\":", s[i].rdb_version);
        jstr(w, rdbl_checksum_status_name(s[i].checksum));
        put(w, ",\"ctime\":");
        jstr(w, s[i].ctime_source == RDBL_CTIME_NONE
                    ? "unknown"
                    : rdbl_fmt_time_ms(tm, sizeof tm, s[i].ctime_s * 1000, true));
        put(w, ",\"server\":");
        jstr(w, s[i].redis_ver);
        put(w, ",\"model\":");
        char model[96];
        snprintf(model, sizeof model, "%s%s%s", s[i].target,
                 s[i].target[0] && s[i].allocator[0] ? " / " : "", s[i].allocator);
        jstr(w, model);
        put(w, ",\"status\":");
        jstr(w, s[i].status == RDBL_OK ? "ok" : s[i].error);
        put(w, "}");
    }
    const rdbl_table_row *rows;
    size_t ndb = rdbl_tables_agg_rows(tb, RDBL_TABLE_DB, &rows);
    putf(w, "],\"summary\":{\"keys\":%" PRIu64 ",\"mem\":%" PRIu64 ",\"rdb\":%" PRIu64
            ",\"ttl\":%" PRIu64 ",\"expired\":%" PRIu64 ",\"dbs\":%zu,\"used\":",
         sum->all.keys, sum->all.mem_bytes, sum->all.rdb_bytes, sum->all.keys_with_ttl,
         sum->expired_keys, ndb);
    if (all_used)
        putf(w, "%" PRIu64, used);
    else
        put(w, "null");
    put(w, ",\"ref\":");
    jstr(w, rdbl_fmt_time_ms(tm, sizeof tm, ref, true));
    put(w, "},\"tree\":");
    char *name = malloc(65536);
    if (!name) {
        w->failed = true;
        return;
    }
    size_t budget = 4000;
    tree_node(w, rdbl_agg_prefix(a), RDBL_PREFIX_ROOT, 0, &budget, name, 65536);
    free(name);

    size_t top = o && o->top ? o->top : 100;
    if (top > 1000)
        top = 1000;
    const rdbl_key_entry **v = malloc(top * sizeof *v);
    if (!v) {
        w->failed = true;
        return;
    }
    put(w, ",\"top\":");
    key_list(w, v, rdbl_top_agg_get(rdbl_agg_top(a), RDBL_TOP_BY_MEMORY, RDBL_TYPE_STRING, v, top),
             ref);
    put(w, ",\"topel\":");
    key_list(w, v,
             rdbl_top_agg_get(rdbl_agg_top(a), RDBL_TOP_BY_ELEMENTS, RDBL_TYPE_STRING, v, top),
             ref);
    free(v);

    put(w, ",\"types\":[");
    const rdbl_table_row *enc;
    size_t ne = rdbl_tables_agg_rows(tb, RDBL_TABLE_ENCODING, &enc);
    for (size_t i = 0; i < ne; i++) {
        const rdbl_table_stats *x = &enc[i].s;
        put(w, i ? ",[" : "[");
        jstr(w, rdbl_type_name(enc[i].type));
        put(w, ",");
        jstr(w, enc[i].encoding);
        putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]",
             x->keys, x->mem_bytes, x->keys ? x->mem_bytes / x->keys : 0, x->max_mem_bytes,
             x->elements, x->max_elements);
    }
    put(w, "],\"dbs\":[");
    for (size_t i = 0; i < ndb; i++) {
        const rdbl_table_stats *x = &rows[i].s;
        putf(w, "%s[", i ? "," : "");
        if (rows[i].encoding[0])
            jstr(w, rows[i].encoding);
        else
            putf(w, "%" PRIu64, rows[i].db);
        putf(w, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "]", x->keys, x->mem_bytes,
             x->keys_with_ttl, x->elements);
    }
    rdbl_ttl_summary ts;
    rdbl_ttl_agg_summary(rdbl_agg_ttl(a), &ts);
    put(w, "],\"ttl\":[");
    for (unsigned b = 0; b < RDBL_TTL__COUNT; b++) {
        putf(w, "%s[", b ? "," : "");
        jstr(w, rdbl_ttl_bucket_label((rdbl_ttl_bucket)b));
        putf(w, ",%" PRIu64 ",%" PRIu64 "]", ts.buckets[b].keys, ts.buckets[b].mem_bytes);
    }
    rdbl_ttl_minute m[10];
    size_t nm = rdbl_ttl_agg_top_minutes(rdbl_agg_ttl(a), m, 10);
    put(w, "],\"clusters\":[");
    for (size_t i = 0; i < nm; i++) {
        putf(w, "%s[", i ? "," : "");
        jstr(w, rdbl_fmt_time_ms(tm, sizeof tm, m[i].minute * 60000, false));
        putf(w, ",%" PRIu64 ",%" PRIu64 "]", m[i].keys, m[i].mem_bytes);
    }
    put(w, "],\"advice\":[");
    rdbl_advice_list l;
    if (rdbl_agg_advice(a, &l) != RDBL_OK) {
        w->failed = true;
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        const rdbl_advice_item *it = &l.items[i];
        put(w, i ? ",{\"level\":" : "{\"level\":");
        jstr(w, rdbl_advice_level_name(it->level));
        put(w, ",\"rule\":");
        jstr(w, it->rule);
        rdbl_advice_words wd;
        rdbl_advice_words_of(it, &wd);
        put(w, ",\"title\":");
        jstr(w, wd.title);
        put(w, ",\"detail\":");
        jstr(w, wd.detail);
        put(w, ",\"config\":");
        jstr(w, it->config);
        putf(w, ",\"saving\":%" PRIu64 ",\"keys\":%" PRIu64 ",\"affected\":%" PRIu64
                ",\"examples\":[",
             it->saving_bytes, it->keys, it->affected_bytes);
        for (size_t k = 0; k < it->nexamples; k++) {
            if (k)
                put(w, ",");
            key_row(w, it->examples[k], ref);
        }
        put(w, "]}");
    }
    rdbl_advice_list_free(&l);
    put(w, "]}");
}

/* ---- page ------------------------------------------------------------------------------- */

static const char *const css[] = {
    ":root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--mute:#6b7385;--line:#e3e6ec;",
    "--accent:#3b6fd8;--info:#3b82c4;--warn:#d48a10;--crit:#cf3b3b}",
    "*{box-sizing:border-box}",
    "body{margin:0;background:var(--bg);color:var(--ink);",
    "font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}",
    "header{background:#1d2330;color:#fff;padding:18px 28px}",
    "header h1{margin:0;font-size:20px;font-weight:600}",
    "header .sub{color:#aeb6c8;font-size:13px;margin-top:4px}",
    "main{max-width:1280px;margin:0 auto;padding:20px 28px 60px}",
    "section{background:var(--card);border:1px solid var(--line);border-radius:10px;",
    "padding:16px 20px;margin:18px 0;box-shadow:0 1px 2px rgba(0,0,0,.03)}",
    "h2{font-size:16px;margin:0 0 12px;font-weight:600}",
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px}",
    ".card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}",
    ".card .v{font-size:22px;font-weight:600;margin-top:2px}",
    ".card .l{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}",
    ".card .n{color:var(--mute);font-size:12px}",
    "#crumbs{margin:0 0 8px;font-size:13px;color:var(--mute)}",
    "#crumbs a{color:var(--accent);cursor:pointer;text-decoration:none}",
    "#crumbs a:hover{text-decoration:underline}",
    "#tm{position:relative;width:100%;height:480px;border-radius:6px;overflow:hidden;",
    "background:#eef0f4}",
    ".tm-box{position:absolute;overflow:hidden;border:1px solid rgba(255,255,255,.85);",
    "color:#fff;padding:4px 6px;font-size:12px;line-height:1.25;cursor:default}",
    ".tm-box.tm-zoom{cursor:zoom-in}",
    ".tm-box:hover{filter:brightness(1.08)}",
    ".tm-box b{display:block;font-weight:600;white-space:nowrap;overflow:hidden;",
    "text-overflow:ellipsis}",
    ".tm-box span{opacity:.9;white-space:nowrap}",
    ".tm-parent>b,.tm-parent>span{display:inline;margin-right:8px}",
    ".tm-sub{border-color:rgba(255,255,255,.55);font-size:11px}",
    ".hint{color:var(--mute);font-size:12px;margin-top:6px}",
    "table.st{border-collapse:collapse;width:100%;font-size:13px}",
    "table.st th{text-align:left;color:var(--mute);font-weight:600;border-bottom:2px solid ",
    "var(--line);padding:6px 8px;cursor:pointer;user-select:none;white-space:nowrap}",
    "table.st th:hover{color:var(--ink)}",
    "table.st td{border-bottom:1px solid var(--line);padding:5px 8px;vertical-align:top}",
    "table.st tr:hover td{background:#f8f9fb}",
    ".num{text-align:right!important;font-variant-numeric:tabular-nums;white-space:nowrap}",
    ".key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;",
    "word-break:break-all}",
    ".tabs{margin-bottom:10px}",
    ".tabs button{border:1px solid var(--line);background:#fff;padding:5px 12px;",
    "border-radius:6px;margin-right:6px;cursor:pointer;font:inherit}",
    ".tabs button.on{background:var(--accent);color:#fff;border-color:var(--accent)}",
    ".adv{border-left:4px solid var(--info);padding:8px 14px;margin:10px 0;background:#fafbfc;",
    "border-radius:0 6px 6px 0}",
    ".adv.warn{border-color:var(--warn)}.adv.critical{border-color:var(--crit)}",
    ".adv .t{font-weight:600}",
    ".badge{display:inline-block;font-size:11px;font-weight:700;text-transform:uppercase;",
    "color:#fff;background:var(--info);border-radius:4px;padding:1px 6px;margin-right:8px}",
    ".adv.warn .badge{background:var(--warn)}.adv.critical .badge{background:var(--crit)}",
    ".adv .m{color:var(--mute);font-size:12px;margin:2px 0 4px}",
    ".adv p{margin:4px 0}",
    ".adv code{background:#eef0f4;padding:1px 5px;border-radius:4px}",
    ".grid2{display:grid;grid-template-columns:1.3fr 1fr;gap:18px}",
    "@media(max-width:900px){.grid2{grid-template-columns:1fr}}",
    "svg text{font:12px system-ui,sans-serif;fill:#4a5163}",
    "footer{color:var(--mute);font-size:12px;text-align:center;margin-top:30px}",
};

static const char *const js[] = {
    "(function(){'use strict';",
    "function fail(e){document.body.setAttribute('data-status','error: '+e);",
    "var d=document.getElementById('err');if(d){d.textContent='Report script error: '+e;",
    "d.style.display='block';}}",
    "window.onerror=function(m){fail(m);};",
    "try{",
    "var D=JSON.parse(document.getElementById('rdbl-data').textContent);",
    "function fb(n){if(n==null)return '-';var u=['B','KiB','MiB','GiB','TiB','PiB'],i=0;",
    "while(n>=1024&&i<5){n/=1024;i++;}",
    "return (i===0?n.toFixed(0):n<9.995?n.toFixed(2):n<99.95?n.toFixed(1):n.toFixed(0))+' '+u[i];}",
    "function fc(n){return n==null?'-':Number(n).toLocaleString('en-US');}",
    "function pc(a,b){return b?(100*a/b).toFixed(1)+'%':'-';}",
    "function fd(s){if(s==null)return '-';if(s<=0)return 'expired';",
    "if(s<60)return s+' s';if(s<3600)return (s/60).toFixed(0)+' min';",
    "if(s<86400)return (s/3600).toFixed(1)+' h';return (s/86400).toFixed(1)+' d';}",
    "function el(t,a,x){var e=document.createElement(t);if(a)for(var k in a)e.setAttribute(k,a[k]);",
    "if(x!=null)e.textContent=x;return e;}",
    "function $(i){return document.getElementById(i);}",
    /* summary cards */
    "var S=D.summary,cards=$('cards');",
    "function card(l,v,n){var c=el('div',{'class':'card'});c.appendChild(el('div',{'class':'l'},l));",
    "c.appendChild(el('div',{'class':'v'},v));if(n)c.appendChild(el('div',{'class':'n'},n));",
    "cards.appendChild(c);}",
    "card('Keys',fc(S.keys),S.dbs+' database'+(S.dbs==1?'':'s'));",
    "card('Estimated memory',fb(S.mem),'sum of per-key MEMORY USAGE');",
    "card('Server used-mem',S.used==null?'n/a':fb(S.used),S.used?'estimate = '+pc(S.mem,S.used)+' of it':'not in the file');",
    "card('Keys with a TTL',pc(S.ttl,S.keys),fc(S.expired)+' already expired');",
    "var sav=0;D.advice.forEach(function(a){sav+=a.saving;});",
    "card('Advice',D.advice.length+' item'+(D.advice.length==1?'':'s'),sav?'~'+fb(sav)+' to save':'');",
    /* treemap */
    "var PAL=[210,12,145,275,38,180,330,95,245,60,300,165];",
    "(D.tree.c||[]).forEach(function(n,i){(function h(x,hue){x.hue=hue;(x.c||[]).forEach(function(y){h(y,hue);});})(n,PAL[i%PAL.length]);});",
    "function squarify(items,x,y,w,h){var out=[],tot=0;items.forEach(function(i){tot+=i.v;});",
    "if(tot<=0||w<=0||h<=0)return out;var sc=w*h/tot,rest=items.map(function(i){return {v:i.v*sc,n:i.n};}),row=[];",
    "function worst(r,s){var sum=0,mx=0,mn=Infinity;r.forEach(function(a){sum+=a.v;if(a.v>mx)mx=a.v;if(a.v<mn)mn=a.v;});",
    "var s2=s*s,q=sum*sum;return Math.max(s2*mx/q,q/(s2*mn));}",
    "function lay(){var sum=0;row.forEach(function(a){sum+=a.v;});",
    "if(w>=h){var cw=sum/h,yy=y;row.forEach(function(a){var hh=a.v/cw;out.push({x:x,y:yy,w:cw,h:hh,n:a.n});yy+=hh;});x+=cw;w-=cw;}",
    "else{var rh=sum/w,xx=x;row.forEach(function(a){var ww=a.v/rh;out.push({x:xx,y:y,w:ww,h:rh,n:a.n});xx+=ww;});y+=rh;h-=rh;}row=[];}",
    "while(rest.length){var s=Math.min(w,h),c=rest[0];",
    "if(!row.length||worst(row.concat([c]),s)<=worst(row,s)){row.push(c);rest.shift();}else lay();}",
    "if(row.length)lay();return out;}",
    "var path=[D.tree];",
    "function box(n,x,y,w,h,depth,parentHue,idx){var zoom=!!(n.c&&n.c.length);",
    "var d=el('div',{'class':'tm-box'+(zoom?' tm-zoom':''),'title':n.p+'\\n'+fb(n.m)+' ('+pc(n.m,D.tree.m)+' of all), '+fc(n.k)+' keys, '+pc(n.t,n.k)+' with TTL'+(zoom?'\\nclick to zoom in':'')});",
    "d.style.left=x+'px';d.style.top=y+'px';d.style.width=Math.max(w,0)+'px';d.style.height=Math.max(h,0)+'px';",
    "var hue=n.hue==null?215:n.hue,li=n.o?64:(parentHue==null?Math.min(30+depth*6,50):46+(idx%4)*5),sa=n.o?10:(parentHue==null?58:50);",
    "d.style.background='hsl('+hue+','+sa+'%,'+li+'%)';",
    "var name=depth>1||parentHue!=null?n.l:n.p;",
    "if(w>54&&h>30){d.appendChild(el('b',null,name));d.appendChild(el('span',null,fb(n.m)+' \\u00b7 '+pc(n.m,path[path.length-1].m)));}",
    "else if(w>30&&h>16){d.appendChild(el('b',null,name));}",
    "if(zoom)d.onclick=function(ev){ev.stopPropagation();var p=[];for(var q=n;q;q=q.up)p.unshift(q);path=p;render();};",
    "return d;}",
    "(function up(n){(n.c||[]).forEach(function(c){c.up=n;up(c);});})(D.tree);",
    "function lay(kids,W,H){var tot=0;kids.forEach(function(n){tot+=n.m;});",
    "var items=kids.map(function(n){return {v:Math.max(n.m,tot*1e-7,1e-9),n:n};});",
    "items.sort(function(a,b){return b.v-a.v;});return squarify(items,0,0,W,H);}",
    "function render(){var cur=path[path.length-1],tm=$('tm');tm.innerHTML='';",
    "var W=tm.clientWidth||1000,H=tm.clientHeight||480,depth=path.length;",
    "var rects=lay(cur.c||[],W,H);",
    "rects.forEach(function(r,i){var n=r.n,d=box(n,r.x,r.y,r.w,r.h,depth,null,i);",
    /* nest the next level inside large boxes, under a header strip */
    "if(n.c&&n.c.length&&r.w>90&&r.h>70){d.className+=' tm-parent';var sub=lay(n.c,r.w-6,r.h-24);",
    "sub.forEach(function(s,j){var c=box(s.n,s.x+3,s.y+21,s.w,s.h,depth+1,n.hue,j);c.className+=' tm-sub';d.appendChild(c);});}",
    "tm.appendChild(d);});",
    "document.body.setAttribute('data-boxes',String(rects.length));",
    "document.body.setAttribute('data-depth',String(path.length-1));",
    "var cr=$('crumbs');cr.innerHTML='';path.forEach(function(n,i){if(i)cr.appendChild(document.createTextNode(' \\u203a '));",
    "if(i<path.length-1){var a=el('a',null,i?n.l:'all keys');a.onclick=function(){path=path.slice(0,i+1);render();};cr.appendChild(a);}",
    "else cr.appendChild(el('b',null,(i?n.p:'all keys')+' \\u2014 '+fb(n.m)+', '+fc(n.k)+' keys'));});}",
    /* #p=<prefix> opens the treemap zoomed into that prefix (links, tests) */
    "(function(){var h=decodeURIComponent((location.hash||'').replace(/^#p=/,''));if(!h||h===location.hash)return;",
    "(function f(n,acc){if(n.p===h&&n!==D.tree){path=acc.concat([n]);return true;}",
    "return (n.c||[]).some(function(c){return f(c,acc.concat([n]));});})(D.tree,[]);})();",
    "render();var rt;window.addEventListener('resize',function(){clearTimeout(rt);rt=setTimeout(render,150);});",
    /* sortable tables */
    "function table(host,cols,rows){var t=el('table',{'class':'st'}),th=el('thead'),tr=el('tr'),tb=el('tbody'),st={c:-1,d:1};",
    "cols.forEach(function(c,i){var h=el('th',{'class':c.n?'num':''},c.t);h.onclick=function(){st.d=st.c===i?-st.d:(c.n?-1:1);st.c=i;draw();};tr.appendChild(h);});",
    "th.appendChild(tr);t.appendChild(th);t.appendChild(tb);host.innerHTML='';host.appendChild(t);",
    "function draw(){var r=rows.slice();if(st.c>=0){var i=st.c;r.sort(function(a,b){var x=a[i],y=b[i];",
    "if(x==null&&y==null)return 0;if(x==null)return 1;if(y==null)return -1;return (x<y?-1:x>y?1:0)*st.d;});}",
    "tb.innerHTML='';r.forEach(function(row){var q=el('tr');cols.forEach(function(c,i){",
    "q.appendChild(el('td',{'class':(c.n?'num':'')+(c.k?' key':'')},c.f?c.f(row[i],row):row[i]));});tb.appendChild(q);});",
    "Array.prototype.forEach.call(tr.children,function(h,i){h.textContent=cols[i].t+(st.c===i?(st.d>0?' \\u25b2':' \\u25bc'):'');});}",
    "draw();return t;}",
    "var KC=[{t:'Key',k:1},{t:'DB',n:1},{t:'Type'},{t:'Encoding'},{t:'Elements',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'Largest element',n:1,f:fb},{t:'TTL',n:1,f:fd}];",
    "function keysTab(which){table($('keys'),KC,which==='el'?D.topel:D.top);",
    "Array.prototype.forEach.call(document.querySelectorAll('#ktabs button'),function(b){b.className=b.getAttribute('data-w')===which?'on':'';});}",
    "Array.prototype.forEach.call(document.querySelectorAll('#ktabs button'),function(b){b.onclick=function(){keysTab(b.getAttribute('data-w'));};});",
    "keysTab('mem');",
    "var PR=[];(function walk(n,d){(n.c||[]).forEach(function(c){PR.push([c.p,d,c.k,c.m,c.m/Math.max(1,D.tree.m),c.t/Math.max(1,c.k),c.k?c.m/c.k:0,c.r]);if(d<3)walk(c,d+1);});})(D.tree,1);",
    "table($('prefixes'),[{t:'Prefix',k:1},{t:'Depth',n:1},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'% memory',n:1,f:function(v){return (100*v).toFixed(1)+'%';}},{t:'With TTL',n:1,f:function(v){return (100*v).toFixed(0)+'%';}},{t:'Avg / key',n:1,f:fb},{t:'RDB bytes',n:1,f:fb}],PR);",
    "table($('types'),[{t:'Type'},{t:'Encoding'},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'Avg / key',n:1,f:fb},{t:'Max / key',n:1,f:fb},{t:'Elements',n:1,f:fc},{t:'Max elements',n:1,f:fc}],D.types);",
    "table($('dbs'),[{t:'DB',n:1},{t:'Keys',n:1,f:fc},{t:'Memory',n:1,f:fb},{t:'With TTL',n:1,f:fc},{t:'Elements',n:1,f:fc}],D.dbs);",
    /* TTL chart */
    "(function(){var W=560,H=210,L=44,B=40,T=14,n=D.ttl.length,bw=(W-L-10)/n,mk=0,mm=0;",
    "D.ttl.forEach(function(r){mk+=r[1];mm+=r[2];});var mx=0;",
    "D.ttl.forEach(function(r){mx=Math.max(mx,mk?r[1]/mk:0,mm?r[2]/mm:0);});if(!mx)mx=1;",
    "var ns='http://www.w3.org/2000/svg',svg=document.createElementNS(ns,'svg');",
    "svg.setAttribute('viewBox','0 0 '+W+' '+(H+20));svg.setAttribute('width','100%');svg.setAttribute('role','img');",
    "function se(t,a,x){var e=document.createElementNS(ns,t);for(var k in a)e.setAttribute(k,a[k]);if(x!=null)e.textContent=x;svg.appendChild(e);return e;}",
    "for(var g=0;g<=4;g++){var yv=T+(H-B-T)*(1-g/4);se('line',{x1:L,x2:W-6,y1:yv,y2:yv,stroke:'#e3e6ec'});",
    "se('text',{x:L-6,y:yv+4,'text-anchor':'end'},(100*mx*g/4).toFixed(0)+'%');}",
    "D.ttl.forEach(function(r,i){var x=L+i*bw,hk=mk?(H-B-T)*(r[1]/mk)/mx:0,hm=mm?(H-B-T)*(r[2]/mm)/mx:0;",
    "var a=se('rect',{x:x+bw*0.12,y:H-B-hk,width:bw*0.36,height:hk,fill:'#9bb7ea',rx:2});",
    "a.appendChild(document.createElementNS(ns,'title')).textContent=r[0]+': '+fc(r[1])+' keys ('+pc(r[1],mk)+')';",
    "var b=se('rect',{x:x+bw*0.5,y:H-B-hm,width:bw*0.36,height:hm,fill:'#3b6fd8',rx:2});",
    "b.appendChild(document.createElementNS(ns,'title')).textContent=r[0]+': '+fb(r[2])+' ('+pc(r[2],mm)+')';",
    "se('text',{x:x+bw/2,y:H-B+16,'text-anchor':'middle'},r[0].replace('< ','<').replace('>= ','\u2265').replace(' min','m').replace(' h','h').replace(' d','d'));});",
    "se('rect',{x:L,y:H-4,width:10,height:10,fill:'#9bb7ea'});se('text',{x:L+14,y:H+5},'keys');",
    "se('rect',{x:L+64,y:H-4,width:10,height:10,fill:'#3b6fd8'});se('text',{x:L+78,y:H+5},'memory');",
    "$('ttlchart').appendChild(svg);",
    "var cl=$('clusters');if(D.clusters.length){table(cl,[{t:'Minute (UTC)'},{t:'Keys expiring',n:1,f:fc},{t:'Memory',n:1,f:fb}],D.clusters);}",
    "else cl.textContent='No key expires after the snapshot.';})();",
    /* advice */
    "var AD=$('advice');if(!D.advice.length)AD.appendChild(el('p',null,'Nothing to report: no rule found evidence worth acting on.'));",
    "D.advice.forEach(function(a){var d=el('div',{'class':'adv '+a.level}),t=el('div',{'class':'t'});",
    "t.appendChild(el('span',{'class':'badge'},a.level));t.appendChild(document.createTextNode(a.title));d.appendChild(t);",
    "d.appendChild(el('div',{'class':'m'},(a.saving?'estimated saving '+fb(a.saving)+' \\u00b7 ':'')+fc(a.keys)+' keys \\u00b7 '+fb(a.affected)+' affected'));",
    "d.appendChild(el('p',null,a.detail));if(a.config){var p=el('p',null,'config: ');p.appendChild(el('code',null,a.config));d.appendChild(p);}",
    "if(a.examples.length){var p2=el('p',{'class':'m'},'e.g. ');a.examples.slice(0,5).forEach(function(e,i){if(i)p2.appendChild(document.createTextNode(', '));",
    "p2.appendChild(el('code',null,e[0]));p2.appendChild(document.createTextNode(' ('+fb(e[5])+')'));});d.appendChild(p2);}",
    "AD.appendChild(d);});",
    "if(!document.body.getAttribute('data-status'))document.body.setAttribute('data-status','ok');",
    "}catch(e){fail(e&&e.message?e.message:String(e));}",
    "})();",
};

rdbl_status rdbl_report_html(FILE *out, const rdbl_agg *a, const rdbl_report_opts *o,
                             rdbl_error *err)
{
    hw w = {out, false};
    const rdbl_snapshot *s;
    size_t ns = rdbl_agg_snapshots(a, &s);
    char title[1100];
    if (o && o->title)
        snprintf(title, sizeof title, "%s", o->title);
    else if (ns == 1)
        snprintf(title, sizeof title, "%s", s[0].file);
    else if (ns > 1)
        snprintf(title, sizeof title, "%zu snapshot files", ns);
    else
        snprintf(title, sizeof title, "report");
    char sub[1400];
    char tm[64];
    if (ns == 1)
        snprintf(sub, sizeof sub, "%s RDB %d \xc2\xb7 snapshot %s%s%s%s%s", s[0].magic,
                 s[0].rdb_version,
                 s[0].ctime_source == RDBL_CTIME_NONE
                     ? "time unknown"
                     : rdbl_fmt_time_ms(tm, sizeof tm, s[0].ctime_s * 1000, true),
                 s[0].redis_ver[0] ? " \xc2\xb7 server " : "", s[0].redis_ver,
                 s[0].target[0] ? " \xc2\xb7 model " : "", s[0].target);
    else
        snprintf(sub, sizeof sub, "merged report of %zu files", ns);

    put(&w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n<title>");
    hesc(&w, "rdblens \xe2\x80\x94 ");
    hesc(&w, title);
    put(&w, "</title>\n<style>\n");
    for (size_t i = 0; i < sizeof css / sizeof css[0]; i++) {
        put(&w, css[i]);
        put(&w, "\n");
    }
    put(&w, "</style></head>\n<body>\n<header><h1>rdblens \xe2\x80\x94 ");
    hesc(&w, title);
    put(&w, "</h1><div class=\"sub\">");
    hesc(&w, sub);
    put(&w, "</div></header>\n<main>\n"
            "<div id=\"err\" style=\"display:none;color:#cf3b3b;font-weight:600\"></div>\n"
            "<div class=\"cards\" id=\"cards\"></div>\n"
            "<section><h2>Memory by key prefix</h2><div id=\"crumbs\"></div>"
            "<div id=\"tm\"></div><div class=\"hint\">Box area = estimated memory. Click a box "
            "to zoom into its sub-prefixes; \"*\" stands for an id segment "
            "(user:1234 and user:98 both count under user:*).</div></section>\n"
            "<section><h2>Advice</h2><div id=\"advice\"></div></section>\n"
            "<div class=\"grid2\"><section><h2>TTL distribution</h2><div id=\"ttlchart\"></div>"
            "</section><section><h2>Expiry clusters</h2><div id=\"clusters\"></div></section>"
            "</div>\n"
            "<section><h2>Top keys</h2><div class=\"tabs\" id=\"ktabs\">"
            "<button data-w=\"mem\">by memory</button><button data-w=\"el\">by elements</button>"
            "</div><div id=\"keys\"></div></section>\n"
            "<section><h2>Prefixes</h2><div id=\"prefixes\"></div></section>\n"
            "<div class=\"grid2\"><section><h2>Types and encodings</h2><div id=\"types\"></div>"
            "</section><section><h2>Databases</h2><div id=\"dbs\"></div></section></div>\n"
            "<footer>Memory figures are per-key MEMORY USAGE estimates; their sum typically "
            "runs 7-30% above INFO used_memory_dataset. Generated by rdblens " RDBL_VERSION_STRING
            ".</footer>\n</main>\n<script type=\"application/json\" id=\"rdbl-data\">");
    data(&w, a, o, title);
    put(&w, "</script>\n<script>\n");
    for (size_t i = 0; i < sizeof js / sizeof js[0]; i++) {
        put(&w, js[i]);
        put(&w, "\n");
    }
    put(&w, "</script>\n</body></html>\n");
    if (w.failed || ferror(out))
        return rdbl__fail(err, RDBL_IO, 0, "html report", "write failed: %s", strerror(errno));
    return RDBL_OK;
}
