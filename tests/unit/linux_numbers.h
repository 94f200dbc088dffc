/*
 * linux_numbers.h - read the numbers out of Linux source files: the values
 * of #define and enum constants (by evaluating their expressions) and the
 * sizes and member offsets of structures (by laying them out as GCC does
 * on x86-64, packed or not).  For test_vmbus_linux.c, which compares them
 * with include/hyperv/; no text of the files is kept or printed beyond
 * the names asked for.
 *
 * It understands what the Hyper-V driver sources use: object- and
 * function-like macros, enums with implicit values, C integer expressions
 * with casts to integer types and sizeof, structs and unions (nested,
 * anonymous, arrays, flexible arrays, bit-fields) with __packed,
 * __attribute__((packed)) and #pragma pack(push, 1).  Conditional
 * compilation is ignored (the first definition of a name wins).  Anything
 * it does not understand makes that lookup fail with a message rather
 * than guess.
 *
 * Header-only (static functions) so that a unit test can include it.
 */
#ifndef WISP_TESTS_LINUX_NUMBERS_H
#define WISP_TESTS_LINUX_NUMBERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ln_kind { LN_ID, LN_NUM, LN_PUNCT, LN_STR, LN_PACK_PUSH, LN_PACK_POP };

struct ln_token {
    enum ln_kind kind;
    const char *s;
    size_t len;
};

struct ln_tokens {
    struct ln_token *t;
    size_t n, cap;
};

struct ln_sym {
    char *name;
    int is_func;
    int nparams;
    char *params[16];
    struct ln_tokens body; /* macro body, or an enum constant's expression */
    int state;             /* 0 not evaluated, 1 evaluating, 2 done */
    uint64_t value;
};

struct ln_layout;

struct ln_member {
    char *name;            /* NULL for an anonymous struct/union */
    uint64_t offset, size; /* bytes */
    struct ln_layout *child;
};

struct ln_layout {
    char *tag; /* "struct x" / "union x", or NULL */
    uint64_t size, align;
    struct ln_member *m;
    size_t n;
};

struct ln_source {
    char **texts; /* cleaned file texts the tokens point into */
    size_t ntexts;
    struct ln_sym **syms;
    size_t nsyms, capsyms;
    struct ln_layout **layouts; /* every layout, tagged or not */
    size_t nlayouts, caplayouts;
    char **owned; /* member names, shared by the layouts they are hoisted to */
    size_t nowned;
    char err[512];
};

static void ln_fail(struct ln_source *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void ln_fail(struct ln_source *src, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(src->err, sizeof(src->err), fmt, ap);
    va_end(ap);
}

static void *ln_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) {
        fprintf(stderr, "linux_numbers: out of memory\n");
        abort();
    }
    return q;
}

static char *ln_strndup(const char *s, size_t n)
{
    char *d = ln_xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* Keep a member name until ln_close. */
static char *ln_keep(struct ln_source *src, char *s)
{
    src->owned = ln_xrealloc(src->owned, (src->nowned + 1) * sizeof(char *));
    src->owned[src->nowned++] = s;
    return s;
}

static void ln_push(struct ln_tokens *v, struct ln_token t)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->t = ln_xrealloc(v->t, v->cap * sizeof(*v->t));
    }
    v->t[v->n++] = t;
}

static int ln_is(const struct ln_token *t, const char *s)
{
    return t->kind != LN_PACK_PUSH && t->kind != LN_PACK_POP &&
           t->len == strlen(s) && memcmp(t->s, s, t->len) == 0;
}

static int ln_is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Tokenize text[0..len) into v. */
static void ln_tokenize(const char *p, const char *end, struct ln_tokens *v)
{
    static const char *const ops[] = { "<<", ">>", "<=", ">=", "==", "!=",
                                       "&&", "||", "->", "##" };
    while (p < end) {
        struct ln_token t;
        size_t i;

        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
            *p == '\v') {
            p++;
            continue;
        }
        t.s = p;
        if (ln_is_id_char(*p)) {
            t.kind = (*p >= '0' && *p <= '9') ? LN_NUM : LN_ID;
            while (p < end && (ln_is_id_char(*p) || (t.kind == LN_NUM && *p == '.')))
                p++;
        } else if (*p == '"' || *p == '\'') {
            char q = *p++;
            t.kind = LN_STR;
            while (p < end && *p != q) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                p++;
            }
            if (p < end)
                p++;
        } else {
            t.kind = LN_PUNCT;
            p++;
            for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
                if (end - t.s >= 2 && memcmp(t.s, ops[i], 2) == 0) {
                    p = t.s + 2;
                    break;
                }
        }
        t.len = (size_t)(p - t.s);
        ln_push(v, t);
    }
}

/* Remove comments and line continuations (in place; returns the new end). */
static char *ln_clean(char *text)
{
    char *r = text, *w = text;

    while (*r) {
        if (r[0] == '/' && r[1] == '*') {
            r += 2;
            while (*r && !(r[0] == '*' && r[1] == '/'))
                r++;
            if (*r)
                r += 2;
            *w++ = ' ';
        } else if (r[0] == '/' && r[1] == '/') {
            while (*r && *r != '\n')
                r++;
        } else if (r[0] == '\\' && r[1] == '\n') {
            r += 2;
        } else if (*r == '"' || *r == '\'') {
            char q = *r;
            *w++ = *r++;
            while (*r && *r != q && *r != '\n') {
                if (*r == '\\' && r[1])
                    *w++ = *r++;
                *w++ = *r++;
            }
            if (*r == q)
                *w++ = *r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return w;
}

static struct ln_sym *ln_find(struct ln_source *src, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < src->nsyms; i++)
        if (strlen(src->syms[i]->name) == len &&
            memcmp(src->syms[i]->name, name, len) == 0)
            return src->syms[i];
    return NULL;
}

static struct ln_sym *ln_add_sym(struct ln_source *src, const char *name,
                                 size_t len)
{
    struct ln_sym *s;

    if (ln_find(src, name, len))
        return NULL; /* the first definition wins */
    s = ln_xrealloc(NULL, sizeof(*s));
    memset(s, 0, sizeof(*s));
    s->name = ln_strndup(name, len);
    if (src->nsyms == src->capsyms) {
        src->capsyms = src->capsyms ? src->capsyms * 2 : 256;
        src->syms = ln_xrealloc(src->syms, src->capsyms * sizeof(*src->syms));
    }
    src->syms[src->nsyms++] = s;
    return s;
}

/* A #define line (after "define"). */
static void ln_define(struct ln_source *src, const char *p, const char *end)
{
    const char *name = p;
    struct ln_sym *s;

    while (p < end && ln_is_id_char(*p))
        p++;
    if (p == name)
        return;
    s = ln_add_sym(src, name, (size_t)(p - name));
    if (!s)
        return;
    if (p < end && *p == '(') { /* function-like: no space before '(' */
        const char *q = ++p;
        s->is_func = 1;
        while (p < end && *p != ')') {
            while (p < end && (*p == ' ' || *p == ','))
                p++;
            q = p;
            while (p < end && (ln_is_id_char(*p) || *p == '.'))
                p++;
            if (p > q && s->nparams < 16)
                s->params[s->nparams++] = ln_strndup(q, (size_t)(p - q));
            while (p < end && *p == ' ')
                p++;
            if (p < end && *p != ',' && *p != ')')
                p++;
        }
        if (p < end)
            p++;
    }
    ln_tokenize(p, end, &s->body);
}

static const struct ln_token ln_tok_lparen = { LN_PUNCT, "(", 1 };
static const struct ln_token ln_tok_rparen = { LN_PUNCT, ")", 1 };
static const struct ln_token ln_tok_plus = { LN_PUNCT, "+", 1 };
static const struct ln_token ln_tok_one = { LN_NUM, "1", 1 };
static const struct ln_token ln_tok_zero = { LN_NUM, "0", 1 };

/* enum [tag] { ... } starting at t[*i] == "{". */
static void ln_parse_enum(struct ln_source *src, const struct ln_tokens *v,
                          size_t *i)
{
    struct ln_sym *prev = NULL;
    size_t k = *i + 1;

    while (k < v->n && !ln_is(&v->t[k], "}")) {
        struct ln_sym *s = NULL;
        size_t start, depth = 0, name_at = k;

        if (v->t[k].kind != LN_ID) {
            k++;
            continue;
        }
        s = ln_add_sym(src, v->t[k].s, v->t[k].len);
        k++;
        if (k < v->n && ln_is(&v->t[k], "=")) {
            start = ++k;
            while (k < v->n) {
                if (ln_is(&v->t[k], "(") || ln_is(&v->t[k], "["))
                    depth++;
                else if (ln_is(&v->t[k], ")") || ln_is(&v->t[k], "]"))
                    depth--;
                else if (depth == 0 &&
                         (ln_is(&v->t[k], ",") || ln_is(&v->t[k], "}")))
                    break;
                k++;
            }
            if (s) {
                size_t j;
                for (j = start; j < k; j++)
                    ln_push(&s->body, v->t[j]);
            }
        } else if (s) {
            if (prev) {
                struct ln_token name = { LN_ID, prev->name, strlen(prev->name) };
                ln_push(&s->body, ln_tok_lparen);
                ln_push(&s->body, name);
                ln_push(&s->body, ln_tok_rparen);
                ln_push(&s->body, ln_tok_plus);
                ln_push(&s->body, ln_tok_one);
            } else {
                ln_push(&s->body, ln_tok_zero);
            }
        }
        /* An enumerator defined before (another enum) keeps its value;
         * implicit successors then follow this enum's own previous. */
        if (s)
            prev = s;
        else
            prev = ln_find(src, v->t[name_at].s, v->t[name_at].len);
        if (k < v->n && ln_is(&v->t[k], ","))
            k++;
    }
    *i = k;
}

/* ---- expressions ------------------------------------------------------- */

struct ln_eval {
    struct ln_source *src;
    const struct ln_token *t;
    size_t n, pos;
    int depth;
};

static int ln_eval_tokens(struct ln_source *src, const struct ln_token *t,
                          size_t n, int depth, uint64_t *out);
static int ln_layout_of_type(struct ln_source *src, const char *kw,
                             const char *tag, size_t taglen,
                             struct ln_layout **out);

/* Size in bytes of a scalar type name, 0 if not one. */
static uint64_t ln_scalar_size(const struct ln_token *t)
{
    static const struct {
        const char *name;
        uint64_t size;
    } types[] = {
        { "u8", 1 },      { "u16", 2 },     { "u32", 4 },     { "u64", 8 },
        { "s8", 1 },      { "s16", 2 },     { "s32", 4 },     { "s64", 8 },
        { "__u8", 1 },    { "__u16", 2 },   { "__u32", 4 },   { "__u64", 8 },
        { "__s8", 1 },    { "__s16", 2 },   { "__s32", 4 },   { "__s64", 8 },
        { "__le16", 2 },  { "__le32", 4 },  { "__le64", 8 },  { "__be16", 2 },
        { "__be32", 4 },  { "__be64", 8 },  { "uint8_t", 1 }, { "uint16_t", 2 },
        { "uint32_t", 4 }, { "uint64_t", 8 }, { "char", 1 },   { "short", 2 },
        { "int", 4 },     { "long", 8 },    { "bool", 1 },    { "guid_t", 16 },
        { "size_t", 8 },  { "unsigned", 4 }, { "signed", 4 },
    };
    size_t i;

    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (ln_is(t, types[i].name))
            return types[i].size;
    return 0;
}

/*
 * A type name at e->t[e->pos]: qualifiers, "unsigned long long", scalar
 * typedefs, "struct x", "union x", "enum x".  Sets size and align and
 * advances; returns 0, 1 if there is no type name here, -1 on error.
 */
static int ln_type_name(struct ln_eval *e, uint64_t *size, uint64_t *align)
{
    uint64_t sz = 0;
    int longs = 0, any = 0;

    while (e->pos < e->n) {
        const struct ln_token *t = &e->t[e->pos];
        uint64_t s;

        if (ln_is(t, "const") || ln_is(t, "volatile")) {
            e->pos++;
            continue;
        }
        if (ln_is(t, "struct") || ln_is(t, "union")) {
            struct ln_layout *l;
            if (e->pos + 1 >= e->n ||
                ln_layout_of_type(e->src, t->s[0] == 's' ? "struct" : "union",
                                  e->t[e->pos + 1].s, e->t[e->pos + 1].len,
                                  &l))
                return -1;
            e->pos += 2;
            *size = l->size;
            *align = l->align;
            return 0;
        }
        if (ln_is(t, "enum")) {
            e->pos += 2;
            *size = *align = 4;
            return 0;
        }
        s = ln_scalar_size(t);
        if (s == 0)
            break;
        any = 1;
        if (ln_is(t, "long"))
            longs++;
        else if (ln_is(t, "unsigned") || ln_is(t, "signed")) {
            if (sz == 0)
                sz = 4;
        } else
            sz = s;
        e->pos++;
    }
    if (!any)
        return 1;
    if (longs)
        sz = 8;
    *size = *align = sz;
    return 0;
}

static int ln_expr(struct ln_eval *e, uint64_t *v);

static int ln_at(struct ln_eval *e, const char *s)
{
    return e->pos < e->n && ln_is(&e->t[e->pos], s);
}

/* Arguments of a function-like macro call at "(": token ranges. */
static int ln_call_args(struct ln_eval *e, size_t *starts, size_t *ends,
                        int max, int *count)
{
    int depth = 0, n = 0;

    e->pos++; /* ( */
    starts[0] = e->pos;
    while (e->pos < e->n) {
        const struct ln_token *t = &e->t[e->pos];
        if (ln_is(t, "(")) {
            depth++;
        } else if (ln_is(t, ")")) {
            if (depth == 0) {
                if (e->pos > starts[n] || n > 0) {
                    ends[n] = e->pos;
                    n++;
                }
                e->pos++;
                *count = n;
                return 0;
            }
            depth--;
        } else if (ln_is(t, ",") && depth == 0) {
            ends[n] = e->pos;
            if (++n >= max)
                return -1;
            starts[n] = e->pos + 1;
        }
        e->pos++;
    }
    return -1;
}

static int ln_identifier(struct ln_eval *e, uint64_t *v)
{
    const struct ln_token *t = &e->t[e->pos];
    struct ln_sym *s;

    if (ln_is(t, "sizeof")) {
        uint64_t size, align;
        e->pos++;
        if (!ln_at(e, "("))
            goto unsupported;
        e->pos++;
        if (ln_type_name(e, &size, &align) != 0 || !ln_at(e, ")"))
            goto unsupported;
        e->pos++;
        *v = size;
        return 0;
    }
    s = ln_find(e->src, t->s, t->len);
    if (!s) {
        static const struct {
            const char *name;
            uint64_t value;
        } builtins[] = { { "U8_MAX", 0xFF },
                         { "U16_MAX", 0xFFFF },
                         { "U32_MAX", 0xFFFFFFFFull },
                         { "U64_MAX", ~0ull },
                         /* x86's, from headers not read */
                         { "PAGE_SIZE", 4096 } };
        size_t i;

        for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
            if (ln_is(t, builtins[i].name)) {
                e->pos++;
                *v = builtins[i].value;
                return 0;
            }
        if (ln_is(t, "BIT") && e->pos + 1 < e->n &&
            ln_is(&e->t[e->pos + 1], "(")) {
            uint64_t n;
            e->pos += 2;
            if (ln_expr(e, &n) || !ln_at(e, ")"))
                return -1;
            e->pos++;
            *v = n < 64 ? 1ull << n : 0;
            return 0;
        }
        ln_fail(e->src, "'%.*s' is not defined", (int)t->len, t->s);
        return -1;
    }
    e->pos++;
    if (!s->is_func) {
        if (s->state == 2) {
            *v = s->value;
            return 0;
        }
        if (s->state == 1) {
            ln_fail(e->src, "'%s' is defined in terms of itself", s->name);
            return -1;
        }
        s->state = 1;
        if (ln_eval_tokens(e->src, s->body.t, s->body.n, e->depth + 1,
                           &s->value)) {
            s->state = 0;
            return -1;
        }
        s->state = 2;
        *v = s->value;
        return 0;
    }
    /* A function-like macro: substitute the arguments and evaluate. */
    {
        size_t starts[16], ends[16], j, k;
        struct ln_tokens x = { NULL, 0, 0 };
        int count = 0, p, rc;

        if (!ln_at(e, "(") || ln_call_args(e, starts, ends, 16, &count) ||
            count != s->nparams) {
            ln_fail(e->src, "bad call of macro '%s'", s->name);
            return -1;
        }
        for (j = 0; j < s->body.n; j++) {
            const struct ln_token *b = &s->body.t[j];
            for (p = 0; p < s->nparams; p++)
                if (b->kind == LN_ID && ln_is(b, s->params[p]))
                    break;
            if (p < s->nparams) {
                ln_push(&x, ln_tok_lparen);
                for (k = starts[p]; k < ends[p]; k++)
                    ln_push(&x, e->t[k]);
                ln_push(&x, ln_tok_rparen);
            } else {
                ln_push(&x, *b);
            }
        }
        rc = ln_eval_tokens(e->src, x.t, x.n, e->depth + 1, v);
        free(x.t);
        return rc;
    }
unsupported:
    ln_fail(e->src, "unsupported sizeof");
    return -1;
}

static int ln_number(struct ln_eval *e, uint64_t *v)
{
    const struct ln_token *t = &e->t[e->pos];
    char buf[64], *endp;
    size_t n = t->len;

    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, t->s, n);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == 'u' || buf[n - 1] == 'U' ||
                     buf[n - 1] == 'l' || buf[n - 1] == 'L'))
        buf[--n] = '\0';
    *v = strtoull(buf, &endp, 0);
    if (*endp != '\0') {
        ln_fail(e->src, "bad number '%.*s'", (int)t->len, t->s);
        return -1;
    }
    e->pos++;
    return 0;
}

static int ln_unary(struct ln_eval *e, uint64_t *v)
{
    const struct ln_token *t;

    if (e->pos >= e->n) {
        ln_fail(e->src, "expression ends early");
        return -1;
    }
    t = &e->t[e->pos];
    if (ln_is(t, "-") || ln_is(t, "~") || ln_is(t, "!") || ln_is(t, "+")) {
        char op = t->s[0];
        e->pos++;
        if (ln_unary(e, v))
            return -1;
        *v = op == '-' ? (uint64_t)0 - *v : op == '~' ? ~*v : op == '!' ? !*v : *v;
        return 0;
    }
    if (ln_is(t, "(")) {
        uint64_t size, align;
        int r;
        e->pos++;
        r = ln_type_name(e, &size, &align);
        if (r < 0)
            return -1;
        if (r == 0) { /* a cast */
            if (!ln_at(e, ")"))
                return ln_fail(e->src, "bad cast"), -1;
            e->pos++;
            if (ln_unary(e, v))
                return -1;
            if (size < 8)
                *v &= (1ull << (8 * size)) - 1;
            return 0;
        }
        if (ln_expr(e, v))
            return -1;
        if (!ln_at(e, ")"))
            return ln_fail(e->src, "missing ')'"), -1;
        e->pos++;
        return 0;
    }
    if (t->kind == LN_NUM)
        return ln_number(e, v);
    if (t->kind == LN_ID)
        return ln_identifier(e, v);
    ln_fail(e->src, "unexpected '%.*s' in an expression", (int)t->len, t->s);
    return -1;
}

static int ln_prec(const struct ln_token *t)
{
    static const struct {
        const char *op;
        int prec;
    } ops[] = { { "*", 10 }, { "/", 10 }, { "%", 10 }, { "+", 9 },  { "-", 9 },
                { "<<", 8 }, { ">>", 8 }, { "<", 7 },  { ">", 7 },  { "<=", 7 },
                { ">=", 7 }, { "==", 6 }, { "!=", 6 }, { "&", 5 },  { "^", 4 },
                { "|", 3 },  { "&&", 2 }, { "||", 1 } };
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (ln_is(t, ops[i].op))
            return ops[i].prec;
    return 0;
}

static int ln_binary(struct ln_eval *e, int min_prec, uint64_t *v)
{
    if (ln_unary(e, v))
        return -1;
    while (e->pos < e->n) {
        const struct ln_token *op = &e->t[e->pos];
        int prec = ln_prec(op);
        uint64_t r;

        if (prec == 0 || prec < min_prec)
            break;
        e->pos++;
        if (ln_binary(e, prec + 1, &r))
            return -1;
        if (ln_is(op, "*")) *v *= r;
        else if (ln_is(op, "/") || ln_is(op, "%")) {
            if (r == 0)
                return ln_fail(e->src, "division by zero"), -1;
            *v = op->s[0] == '/' ? *v / r : *v % r;
        } else if (ln_is(op, "+")) *v += r;
        else if (ln_is(op, "-")) *v -= r;
        else if (ln_is(op, "<<")) *v = r < 64 ? *v << r : 0;
        else if (ln_is(op, ">>")) *v = r < 64 ? *v >> r : 0;
        else if (ln_is(op, "<")) *v = *v < r;
        else if (ln_is(op, ">")) *v = *v > r;
        else if (ln_is(op, "<=")) *v = *v <= r;
        else if (ln_is(op, ">=")) *v = *v >= r;
        else if (ln_is(op, "==")) *v = *v == r;
        else if (ln_is(op, "!=")) *v = *v != r;
        else if (ln_is(op, "&")) *v &= r;
        else if (ln_is(op, "^")) *v ^= r;
        else if (ln_is(op, "|")) *v |= r;
        else if (ln_is(op, "&&")) *v = *v && r;
        else *v = *v || r;
    }
    return 0;
}

static int ln_expr(struct ln_eval *e, uint64_t *v)
{
    uint64_t a, b;

    if (ln_binary(e, 1, v))
        return -1;
    if (ln_at(e, "?")) {
        e->pos++;
        if (ln_expr(e, &a) || !ln_at(e, ":"))
            return ln_fail(e->src, "bad '?:'"), -1;
        e->pos++;
        if (ln_expr(e, &b))
            return -1;
        *v = *v ? a : b;
    }
    return 0;
}

static int ln_eval_tokens(struct ln_source *src, const struct ln_token *t,
                          size_t n, int depth, uint64_t *out)
{
    struct ln_eval e;

    if (depth > 64) {
        ln_fail(src, "macros nest too deeply");
        return -1;
    }
    if (n == 0) {
        ln_fail(src, "empty expression");
        return -1;
    }
    e.src = src;
    e.t = t;
    e.n = n;
    e.pos = 0;
    e.depth = depth;
    if (ln_expr(&e, out))
        return -1;
    if (e.pos != n) {
        ln_fail(src, "cannot evaluate past '%.*s'", (int)t[e.pos].len,
                t[e.pos].s);
        return -1;
    }
    return 0;
}

/* ---- structure layouts ---------------------------------------------------- */

struct ln_decl {
    char *name;
    uint64_t size, align; /* of one element */
    uint64_t count;       /* array elements (1 for a scalar) */
    int bits;             /* bit-field width, or -1 */
    struct ln_layout *child;
};

static struct ln_layout *ln_new_layout(struct ln_source *src)
{
    struct ln_layout *l = ln_xrealloc(NULL, sizeof(*l));

    memset(l, 0, sizeof(*l));
    if (src->nlayouts == src->caplayouts) {
        src->caplayouts = src->caplayouts ? src->caplayouts * 2 : 64;
        src->layouts =
            ln_xrealloc(src->layouts, src->caplayouts * sizeof(*src->layouts));
    }
    src->layouts[src->nlayouts++] = l;
    return l;
}

static int ln_layout_of_type(struct ln_source *src, const char *kw,
                             const char *tag, size_t taglen,
                             struct ln_layout **out)
{
    size_t i, kwlen = strlen(kw);

    for (i = 0; i < src->nlayouts; i++) {
        const char *lt = src->layouts[i]->tag;
        if (lt && strlen(lt) == kwlen + 1 + taglen &&
            memcmp(lt, kw, kwlen) == 0 && lt[kwlen] == ' ' &&
            memcmp(lt + kwlen + 1, tag, taglen) == 0) {
            *out = src->layouts[i];
            return 0;
        }
    }
    ln_fail(src, "%s %.*s is not defined", kw, (int)taglen, tag);
    return -1;
}

/* Skip __packed, __aligned(...), __attribute__((...)); note packed. */
static void ln_attributes(const struct ln_tokens *v, size_t *i, int *packed)
{
    while (*i < v->n) {
        const struct ln_token *t = &v->t[*i];
        if (ln_is(t, "__packed")) {
            *packed = 1;
            (*i)++;
        } else if (ln_is(t, "__attribute__") || ln_is(t, "__attribute") ||
                   ln_is(t, "__aligned")) {
            int depth = 0;
            (*i)++;
            while (*i < v->n) {
                if (ln_is(&v->t[*i], "("))
                    depth++;
                else if (ln_is(&v->t[*i], ")")) {
                    if (--depth == 0) {
                        (*i)++;
                        break;
                    }
                } else if (ln_is(&v->t[*i], "packed"))
                    *packed = 1;
                (*i)++;
            }
        } else {
            break;
        }
    }
}

static uint64_t ln_align_up(uint64_t x, uint64_t a)
{
    return a ? (x + a - 1) / a * a : x;
}

static int ln_parse_layout(struct ln_source *src, const struct ln_tokens *v,
                           size_t *i, int is_union, int packed,
                           int pack_region, struct ln_layout **out);

/* One member declaration up to ';', appended to decls. */
static int ln_parse_member(struct ln_source *src, const struct ln_tokens *v,
                           size_t *i, int pack_region, struct ln_decl **decls,
                           size_t *ndecls)
{
    uint64_t size = 0, align = 0;
    struct ln_layout *child = NULL;
    int dummy = 0;

    ln_attributes(v, i, &dummy);
    if (*i < v->n && (ln_is(&v->t[*i], "struct") || ln_is(&v->t[*i], "union"))) {
        int is_union = ln_is(&v->t[*i], "union"), packed = 0;
        (*i)++;
        ln_attributes(v, i, &packed);
        if (*i < v->n && v->t[*i].kind == LN_ID && *i + 1 < v->n &&
            !ln_is(&v->t[*i + 1], "{")) {
            if (ln_layout_of_type(src, is_union ? "union" : "struct",
                                  v->t[*i].s, v->t[*i].len, &child))
                return -1;
            (*i)++;
        } else {
            if (*i < v->n && v->t[*i].kind == LN_ID)
                (*i)++; /* a tag on a nested definition */
            if (ln_parse_layout(src, v, i, is_union, packed, pack_region,
                                &child))
                return -1;
        }
        size = child->size;
        align = child->align;
    } else {
        struct ln_eval e;
        int r;

        e.src = src;
        e.t = v->t;
        e.n = v->n;
        e.pos = *i;
        e.depth = 0;
        r = ln_type_name(&e, &size, &align);
        if (r != 0) {
            if (r > 0)
                ln_fail(src, "unknown member type '%.*s'", (int)v->t[*i].len,
                        v->t[*i].s);
            return -1;
        }
        *i = e.pos;
    }
    ln_attributes(v, i, &dummy);
    if (*i < v->n && ln_is(&v->t[*i], ";")) { /* anonymous struct/union */
        struct ln_decl d;
        if (!child) {
            ln_fail(src, "a member without a name");
            return -1;
        }
        memset(&d, 0, sizeof(d));
        d.size = size;
        d.align = align;
        d.count = 1;
        d.bits = -1;
        d.child = child;
        *decls = ln_xrealloc(*decls, (*ndecls + 1) * sizeof(**decls));
        (*decls)[(*ndecls)++] = d;
        (*i)++;
        return 0;
    }
    for (;;) {
        struct ln_decl d;
        memset(&d, 0, sizeof(d));
        d.size = size;
        d.align = align;
        d.count = 1;
        d.bits = -1;
        d.child = child;
        while (*i < v->n && ln_is(&v->t[*i], "*")) {
            d.size = d.align = 8;
            d.child = NULL;
            (*i)++;
        }
        if (*i >= v->n || v->t[*i].kind != LN_ID) {
            ln_fail(src, "expected a member name");
            return -1;
        }
        d.name = ln_keep(src, ln_strndup(v->t[*i].s, v->t[*i].len));
        (*i)++;
        while (*i < v->n && ln_is(&v->t[*i], "[")) {
            size_t start = ++(*i);
            uint64_t n;
            int depth = 0;
            while (*i < v->n && !(depth == 0 && ln_is(&v->t[*i], "]"))) {
                if (ln_is(&v->t[*i], "["))
                    depth++;
                else if (ln_is(&v->t[*i], "]"))
                    depth--;
                (*i)++;
            }
            if (*i == start)
                n = 0; /* flexible array */
            else if (ln_eval_tokens(src, &v->t[start], *i - start, 0, &n))
                return -1;
            d.count *= n;
            (*i)++;
        }
        if (*i < v->n && ln_is(&v->t[*i], ":")) {
            size_t start = ++(*i);
            uint64_t bits;
            while (*i < v->n && !ln_is(&v->t[*i], ";") && !ln_is(&v->t[*i], ","))
                (*i)++;
            if (ln_eval_tokens(src, &v->t[start], *i - start, 0, &bits))
                return -1;
            d.bits = (int)bits;
        }
        ln_attributes(v, i, &dummy);
        *decls = ln_xrealloc(*decls, (*ndecls + 1) * sizeof(**decls));
        (*decls)[(*ndecls)++] = d;
        if (*i < v->n && ln_is(&v->t[*i], ",")) {
            (*i)++;
            continue;
        }
        if (*i < v->n && ln_is(&v->t[*i], ";")) {
            (*i)++;
            return 0;
        }
        ln_fail(src, "expected ';' after member '%s'", d.name);
        return -1;
    }
}

/* Lay out the members of a struct or union, GCC on x86-64. */
static void ln_lay_out(struct ln_layout *l, struct ln_decl *d, size_t n,
                       int is_union, int packed)
{
    uint64_t bit = 0, max_align = 1, size = 0;
    size_t k, j;

    l->m = ln_xrealloc(NULL, (n ? n : 1) * sizeof(*l->m));
    l->n = 0;
    for (k = 0; k < n; k++) {
        uint64_t a = packed ? 1 : d[k].align, off, bytes;

        if (a > max_align)
            max_align = a;
        if (d[k].bits >= 0) {
            uint64_t unit = 8 * d[k].size;
            if (is_union)
                bit = 0;
            if (d[k].bits == 0)
                bit = ln_align_up(bit, unit);
            else if (!packed && unit && bit / unit != (bit + (uint64_t)d[k].bits - 1) / unit)
                bit = ln_align_up(bit, unit);
            off = bit / 8;
            bit += (uint64_t)d[k].bits;
            bytes = 0;
            if (is_union)
                bytes = packed ? ((uint64_t)d[k].bits + 7) / 8 : d[k].size;
            if (is_union && bytes > size)
                size = bytes;
        } else {
            bytes = d[k].size * d[k].count;
            if (is_union) {
                off = 0;
                if (bytes > size)
                    size = bytes;
            } else {
                bit = ln_align_up(bit, 8 * a);
                off = bit / 8;
                bit += 8 * bytes;
            }
        }
        if (d[k].name) {
            l->m[l->n].name = d[k].name;
            l->m[l->n].offset = off;
            l->m[l->n].size = d[k].bits >= 0 ? 0 : bytes;
            l->m[l->n].child = d[k].child;
            l->n++;
        } else if (d[k].child) {
            /* Hoist an anonymous member's members. */
            struct ln_layout *c = d[k].child;
            l->m = ln_xrealloc(l->m, (l->n + c->n + n) * sizeof(*l->m));
            for (j = 0; j < c->n; j++) {
                l->m[l->n] = c->m[j];
                l->m[l->n].offset += off;
                l->n++;
            }
        }
    }
    if (!is_union)
        size = (bit + 7) / 8;
    l->align = packed ? 1 : max_align;
    l->size = ln_align_up(size, l->align);
}

/* A struct/union body starting at "{". */
static int ln_parse_layout(struct ln_source *src, const struct ln_tokens *v,
                           size_t *i, int is_union, int packed,
                           int pack_region, struct ln_layout **out)
{
    struct ln_decl *decls = NULL;
    size_t ndecls = 0;
    struct ln_layout *l;

    if (*i >= v->n || !ln_is(&v->t[*i], "{")) {
        ln_fail(src, "expected '{'");
        return -1;
    }
    (*i)++;
    while (*i < v->n && !ln_is(&v->t[*i], "}")) {
        if (ln_parse_member(src, v, i, pack_region, &decls, &ndecls)) {
            free(decls);
            return -1;
        }
    }
    (*i)++;
    ln_attributes(v, i, &packed);
    l = ln_new_layout(src);
    ln_lay_out(l, decls, ndecls, is_union, packed || pack_region);
    free(decls);
    *out = l;
    return 0;
}

/* Walk a file's code tokens for enum and struct/union definitions. */
static void ln_scan(struct ln_source *src, const struct ln_tokens *v)
{
    size_t i = 0;
    int pack_depth = 0;

    while (i < v->n) {
        const struct ln_token *t = &v->t[i];

        if (t->kind == LN_PACK_PUSH) {
            pack_depth++;
            i++;
        } else if (t->kind == LN_PACK_POP) {
            if (pack_depth > 0)
                pack_depth--;
            i++;
        } else if (ln_is(t, "enum")) {
            i++;
            if (i < v->n && v->t[i].kind == LN_ID)
                i++;
            if (i < v->n && ln_is(&v->t[i], "{"))
                ln_parse_enum(src, v, &i);
        } else if (ln_is(t, "struct") || ln_is(t, "union")) {
            int is_union = ln_is(t, "union"), packed = 0;
            const struct ln_token *tag = NULL;
            i++;
            ln_attributes(v, &i, &packed);
            if (i < v->n && v->t[i].kind == LN_ID) {
                tag = &v->t[i];
                i++;
            }
            ln_attributes(v, &i, &packed);
            if (tag && i < v->n && ln_is(&v->t[i], "{")) {
                struct ln_layout *l, *existing;
                size_t save = i;
                char name[160];
                snprintf(name, sizeof(name), "%s %.*s",
                         is_union ? "union" : "struct", (int)tag->len, tag->s);
                if (ln_layout_of_type(src, is_union ? "union" : "struct",
                                      tag->s, tag->len, &existing) == 0) {
                    i = save + 1; /* defined already: first one wins */
                    continue;
                }
                if (ln_parse_layout(src, v, &i, is_union, packed,
                                    pack_depth > 0, &l) == 0)
                    l->tag = ln_strndup(name, strlen(name));
                else
                    i = save + 1; /* not a layout we understand */
            }
        } else {
            i++;
        }
    }
    src->err[0] = '\0';
}

static void ln_close(struct ln_source *src)
{
    size_t i, j;

    if (!src)
        return;
    for (i = 0; i < src->nsyms; i++) {
        free(src->syms[i]->name);
        for (j = 0; j < (size_t)src->syms[i]->nparams; j++)
            free(src->syms[i]->params[j]);
        free(src->syms[i]->body.t);
        free(src->syms[i]);
    }
    free(src->syms);
    for (i = 0; i < src->nlayouts; i++) {
        free(src->layouts[i]->tag);
        free(src->layouts[i]->m);
        free(src->layouts[i]);
    }
    free(src->layouts);
    for (i = 0; i < src->nowned; i++)
        free(src->owned[i]);
    free(src->owned);
    for (i = 0; i < src->ntexts; i++)
        free(src->texts[i]);
    free(src->texts);
    free(src);
}

static struct ln_source *ln_open(const char *root, const char *const *files,
                                 size_t count, char *err, size_t err_size)
{
    struct ln_source *src = ln_xrealloc(NULL, sizeof(*src));
    size_t f;

    memset(src, 0, sizeof(*src));
    src->texts = ln_xrealloc(NULL, (count ? count : 1) * sizeof(char *));
    for (f = 0; f < count; f++) {
        char path[4096];
        FILE *fp;
        long len;
        char *text, *end, *line;
        struct ln_tokens code = { NULL, 0, 0 };

        snprintf(path, sizeof(path), "%s/%s", root, files[f]);
        fp = fopen(path, "rb");
        if (!fp || fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 ||
            fseek(fp, 0, SEEK_SET) != 0) {
            snprintf(err, err_size, "cannot read %.300s", path);
            if (fp)
                fclose(fp);
            ln_close(src);
            return NULL;
        }
        text = ln_xrealloc(NULL, (size_t)len + 1);
        if (fread(text, 1, (size_t)len, fp) != (size_t)len) {
            snprintf(err, err_size, "cannot read %.300s", path);
            fclose(fp);
            free(text);
            ln_close(src);
            return NULL;
        }
        fclose(fp);
        text[len] = '\0';
        src->texts[src->ntexts++] = text;
        end = ln_clean(text);

        for (line = text; line < end;) {
            char *eol = memchr(line, '\n', (size_t)(end - line));
            char *p = line;
            if (!eol)
                eol = end;
            while (p < eol && (*p == ' ' || *p == '\t'))
                p++;
            if (p < eol && *p == '#') {
                p++;
                while (p < eol && (*p == ' ' || *p == '\t'))
                    p++;
                if (eol - p > 6 && memcmp(p, "define", 6) == 0 &&
                    (p[6] == ' ' || p[6] == '\t')) {
                    p += 7;
                    while (p < eol && (*p == ' ' || *p == '\t'))
                        p++;
                    ln_define(src, p, eol);
                } else if (eol - p > 6 && memcmp(p, "pragma", 6) == 0) {
                    struct ln_token mark = { LN_PACK_PUSH, p, 0 };
                    const char *q = p;
                    int push = 0, pop = 0;
                    for (; q + 4 <= eol; q++) {
                        if (memcmp(q, "push", 4) == 0)
                            push = 1;
                        if (q + 3 <= eol && memcmp(q, "pop", 3) == 0)
                            pop = 1;
                    }
                    if (push || pop) {
                        mark.kind = push ? LN_PACK_PUSH : LN_PACK_POP;
                        ln_push(&code, mark);
                    }
                }
            } else {
                ln_tokenize(line, eol, &code);
            }
            line = eol + 1;
        }
        ln_scan(src, &code);
        free(code.t);
    }
    return src;
}

static int ln_value(struct ln_source *src, const char *name, uint64_t *value,
                    char *err, size_t err_size)
{
    struct ln_token t;

    t.kind = LN_ID;
    t.s = name;
    t.len = strlen(name);
    if (!ln_find(src, name, t.len)) {
        snprintf(err, err_size, "%s is not defined", name);
        return -1;
    }
    if (ln_eval_tokens(src, &t, 1, 0, value)) {
        snprintf(err, err_size, "%s: %s", name, src->err);
        return -1;
    }
    return 0;
}

static int ln_guid(struct ln_source *src, const char *name, uint8_t bytes[16],
                   char *err, size_t err_size)
{
    struct ln_sym *s = ln_find(src, name, strlen(name));
    size_t k;

    if (!s) {
        snprintf(err, err_size, "%s is not defined", name);
        return -1;
    }
    for (k = 0; k + 1 < s->body.n; k++) {
        if (ln_is(&s->body.t[k], "GUID_INIT") && ln_is(&s->body.t[k + 1], "(")) {
            struct ln_eval e;
            size_t starts[16], ends[16];
            int count = 0, a;

            e.src = src;
            e.t = s->body.t;
            e.n = s->body.n;
            e.pos = k + 1;
            e.depth = 0;
            if (ln_call_args(&e, starts, ends, 16, &count) || count != 11) {
                snprintf(err, err_size, "%s: GUID_INIT needs 11 numbers", name);
                return -1;
            }
            for (a = 0; a < 11; a++) {
                uint64_t v;
                if (ln_eval_tokens(src, &s->body.t[starts[a]],
                                   ends[a] - starts[a], 0, &v)) {
                    snprintf(err, err_size, "%s: %s", name, src->err);
                    return -1;
                }
                if (a == 0) {
                    bytes[0] = (uint8_t)v;
                    bytes[1] = (uint8_t)(v >> 8);
                    bytes[2] = (uint8_t)(v >> 16);
                    bytes[3] = (uint8_t)(v >> 24);
                } else if (a == 1 || a == 2) {
                    bytes[2 + 2 * a] = (uint8_t)v;
                    bytes[3 + 2 * a] = (uint8_t)(v >> 8);
                } else {
                    bytes[5 + a] = (uint8_t)v;
                }
            }
            return 0;
        }
    }
    snprintf(err, err_size, "%s is not a GUID_INIT", name);
    return -1;
}

static int ln_find_layout(struct ln_source *src, const char *type,
                          struct ln_layout **l, char *err, size_t err_size)
{
    const char *space = strchr(type, ' ');
    char kw[16];

    if (!space || (size_t)(space - type) >= sizeof(kw)) {
        snprintf(err, err_size, "'%s': say struct or union", type);
        return -1;
    }
    memcpy(kw, type, (size_t)(space - type));
    kw[space - type] = '\0';
    if (ln_layout_of_type(src, kw, space + 1, strlen(space + 1), l)) {
        snprintf(err, err_size, "%s", src->err);
        return -1;
    }
    return 0;
}

static int ln_sizeof(struct ln_source *src, const char *type, uint64_t *size,
                     char *err, size_t err_size)
{
    struct ln_layout *l;

    if (ln_find_layout(src, type, &l, err, err_size))
        return -1;
    *size = l->size;
    return 0;
}

static int ln_offsetof(struct ln_source *src, const char *type,
                       const char *member, uint64_t *offset, char *err,
                       size_t err_size)
{
    struct ln_layout *l;
    const char *p = member;
    uint64_t off = 0;

    if (ln_find_layout(src, type, &l, err, err_size))
        return -1;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p), k;
        for (k = 0; k < l->n; k++)
            if (strlen(l->m[k].name) == len && memcmp(l->m[k].name, p, len) == 0)
                break;
        if (k == l->n) {
            snprintf(err, err_size, "%s has no member %.*s", type, (int)len, p);
            return -1;
        }
        off += l->m[k].offset;
        if (!dot)
            break;
        if (!l->m[k].child) {
            snprintf(err, err_size, "%s: %.*s is not a structure", type,
                     (int)len, p);
            return -1;
        }
        l = l->m[k].child;
        p = dot + 1;
    }
    *offset = off;
    return 0;
}

#endif /* WISP_TESTS_LINUX_NUMBERS_H */
