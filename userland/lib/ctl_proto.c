/* Control-socket protocol: tokenizer, formatter, response builder, parser,
 * JSON renderer. Pure: no I/O. See ctl_proto.h and docs/CONTROL.md. */
#include "ctl_proto.h"
#include "int_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- growable buffer (shared by the builder and the JSON renderer) --- */

struct gbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static int gb_reserve(struct gbuf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

static void gb_put(struct gbuf *b, const char *s, size_t n)
{
	if (gb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void gb_puts(struct gbuf *b, const char *s)
{
	gb_put(b, s, strlen(s));
}

static void gb_putc(struct gbuf *b, char c)
{
	gb_put(b, &c, 1);
}

static void gb_vprintf(struct gbuf *b, const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || gb_reserve(b, (size_t)n))
		return;
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* --- request tokenizer --- */

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

int ctl_req_parse(struct ctl_req *req, const char *line, size_t len, char *err, size_t errlen)
{
	size_t i = 0, o = 0;

	req->argc = 0;
	req->argv[0] = NULL;
	if (len > CTL_LINE_MAX || (len == CTL_LINE_MAX && line[len - 1] != '\n')) {
		snprintf(err, errlen, "request too long (max %d bytes)", CTL_LINE_MAX);
		return -1;
	}
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;

	while (i < len) {
		if (is_space(line[i])) {
			i++;
			continue;
		}
		if (req->argc == CTL_ARGS_MAX) {
			snprintf(err, errlen, "too many arguments (max %d)", CTL_ARGS_MAX - 1);
			return -1;
		}
		req->argv[req->argc++] = req->buf + o;
		if (line[i] == '"') {
			size_t start = i++;
			for (;;) {
				if (i >= len) {
					snprintf(err, errlen, "unterminated quote at column %zu", start + 1);
					return -1;
				}
				char c = line[i++];
				if (c == '"')
					break;
				if (c == '\\') {
					if (i >= len || (line[i] != '"' && line[i] != '\\')) {
						snprintf(err, errlen,
							 "bad escape at column %zu (only \\\" and \\\\)", i);
						return -1;
					}
					c = line[i++];
				} else if (c == '\0' || c == '\n') {
					snprintf(err, errlen, "%s byte in request", c ? "newline" : "NUL");
					return -1;
				}
				req->buf[o++] = c;
			}
			if (i < len && !is_space(line[i])) {
				snprintf(err, errlen, "text after closing quote at column %zu", i + 1);
				return -1;
			}
		} else {
			while (i < len && !is_space(line[i])) {
				char c = line[i];
				if (c == '"') {
					snprintf(err, errlen, "quote inside a word at column %zu", i + 1);
					return -1;
				}
				if (c == '\0' || c == '\n') {
					snprintf(err, errlen, "%s byte in request", c ? "newline" : "NUL");
					return -1;
				}
				req->buf[o++] = c;
				i++;
			}
		}
		req->buf[o++] = '\0';
	}
	req->argv[req->argc] = NULL;
	if (req->argc == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return 0;
}

/* --- request formatter --- */

static int needs_quotes(const char *s)
{
	if (!*s)
		return 1;
	for (; *s; s++)
		if (is_space(*s) || *s == '"')
			return 1;
	return 0;
}

int ctl_req_format(char *out, size_t outlen, int argc, const char *const argv[], char *err, size_t errlen)
{
	size_t o = 0;

	if (argc < 1) {
		snprintf(err, errlen, "no command");
		return -1;
	}
	if (argc > CTL_ARGS_MAX) {
		snprintf(err, errlen, "too many arguments (max %d)", CTL_ARGS_MAX - 1);
		return -1;
	}
	for (int a = 0; a < argc; a++) {
		const char *s = argv[a];
		int q = needs_quotes(s);
		size_t need = (a ? 1 : 0) + strlen(s) + (q ? 2 : 0);

		if (strpbrk(s, "\r\n")) {
			snprintf(err, errlen, "argument %d contains a line break", a + 1);
			return -1;
		}
		for (const char *p = s; q && *p; p++)
			need += (*p == '"' || *p == '\\');
		/* room for this token, the final '\n' and the NUL */
		if (o + need + 2 > outlen || o + need + 1 > CTL_LINE_MAX) {
			snprintf(err, errlen, "request too long (max %d bytes)", CTL_LINE_MAX);
			return -1;
		}
		if (a)
			out[o++] = ' ';
		if (q)
			out[o++] = '"';
		for (; *s; s++) {
			if (q && (*s == '"' || *s == '\\'))
				out[o++] = '\\';
			out[o++] = *s;
		}
		if (q)
			out[o++] = '"';
	}
	out[o++] = '\n';
	out[o] = '\0';
	return (int)o;
}

/* --- response builder --- */

static const char oom_text[] = "error out of memory\n";

void ctl_resp_init(struct ctl_resp *r)
{
	memset(r, 0, sizeof(*r));
}

void ctl_resp_free(struct ctl_resp *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static struct gbuf resp_gb(const struct ctl_resp *r)
{
	return (struct gbuf){.p = r->buf, .len = r->len, .cap = r->cap, .oom = r->oom};
}

static void resp_set_gb(struct ctl_resp *r, const struct gbuf *b)
{
	r->buf = b->p;
	r->len = b->len;
	r->cap = b->cap;
	r->oom = b->oom;
}

/* Replace the status line with line (which ends in '\n'). */
static int resp_set_status(struct ctl_resp *r, const char *line, size_t n)
{
	struct gbuf b = resp_gb(r);

	if (gb_reserve(&b, n)) {
		resp_set_gb(r, &b);
		return -1;
	}
	memmove(b.p + n, b.p + r->status_len, b.len - r->status_len);
	memcpy(b.p, line, n);
	b.len = b.len - r->status_len + n;
	b.p[b.len] = '\0';
	r->status_len = n;
	resp_set_gb(r, &b);
	return 0;
}

int ctl_resp_ok(struct ctl_resp *r)
{
	return resp_set_status(r, "ok\n", 3);
}

int ctl_resp_err(struct ctl_resp *r, const char *fmt, ...)
{
	struct gbuf b = {0};
	va_list ap;

	gb_puts(&b, "error ");
	va_start(ap, fmt);
	gb_vprintf(&b, fmt, ap);
	va_end(ap);
	gb_putc(&b, '\n');
	if (b.oom) {
		free(b.p);
		r->oom = 1;
		return -1;
	}
	for (size_t i = 0; i + 1 < b.len; i++)
		if (b.p[i] == '\n' || b.p[i] == '\r')
			b.p[i] = ' ';
	int rc = resp_set_status(r, b.p, b.len);
	free(b.p);
	return rc;
}

int ctl_key_valid(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n > CTL_KEY_MAX || key[0] == '.' || key[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];
		if (c == '.' && key[i + 1] == '.')
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

int ctl_resp_vkv(struct ctl_resp *r, const char *key, const char *fmt, va_list ap)
{
	char small[256];
	struct gbuf val = {.p = small};
	va_list aq;

	if (!ctl_key_valid(key))
		return -1;
	/* most values fit on the stack; a daemon builds many per status */
	va_copy(aq, ap);
	int n = vsnprintf(small, sizeof(small), fmt, aq);
	va_end(aq);
	if (n < 0)
		return -1;
	val.len = (size_t)n;
	if (val.len >= sizeof(small)) {
		val = (struct gbuf){0};
		gb_vprintf(&val, fmt, ap);
		if (val.oom) {
			free(val.p);
			r->oom = 1;
			return -1;
		}
	}

	/* one reservation for the worst case (every byte escaped), then copy */
	struct gbuf b = resp_gb(r);
	size_t kl = strlen(key);
	if (gb_reserve(&b, kl + 2 * val.len + 2) == 0) {
		char *o = b.p + b.len;
		memcpy(o, key, kl);
		o += kl;
		*o++ = '=';
		for (size_t i = 0; i < val.len; i++) {
			char c = val.p[i];
			if (c == '\n' || c == '\\') {
				*o++ = '\\';
				c = c == '\n' ? 'n' : '\\';
			}
			*o++ = c;
		}
		*o++ = '\n';
		*o = '\0';
		b.len = (size_t)(o - b.p);
	}
	if (val.p != small)
		free(val.p);
	resp_set_gb(r, &b);
	return r->oom ? -1 : 0;
}

int ctl_resp_kv(struct ctl_resp *r, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = ctl_resp_vkv(r, key, fmt, ap);
	va_end(ap);
	return rc;
}

const char *ctl_resp_data(struct ctl_resp *r, size_t *len)
{
	if (!r->oom && r->status_len == 0)
		ctl_resp_ok(r);
	if (r->oom) {
		*len = sizeof(oom_text) - 1;
		return oom_text;
	}
	*len = r->len;
	return r->buf;
}

/* --- response parser --- */

void ctl_reply_free(struct ctl_reply *rep)
{
	free(rep->kv);
	free(rep->mem);
	memset(rep, 0, sizeof(*rep));
}

int ctl_reply_copy(struct ctl_reply *dst, const struct ctl_reply *src)
{
	struct ctl_resp r;
	size_t len = 0;
	char e[64];
	int rc = -1;

	memset(dst, 0, sizeof(*dst));
	ctl_resp_init(&r);
	if (src->ok)
		ctl_resp_ok(&r);
	else
		ctl_resp_err(&r, "%s", src->message ? src->message : "");
	for (size_t i = 0; i < src->n; i++)
		ctl_resp_kv(&r, src->kv[i].key, "%s", src->kv[i].val);
	const char *d = ctl_resp_data(&r, &len);
	if (d && ctl_reply_parse(dst, d, len, e, sizeof(e)) == 0)
		rc = 0;
	else
		ctl_reply_free(dst);
	ctl_resp_free(&r);
	return rc;
}

int ctl_reply_parse(struct ctl_reply *rep, const char *text, size_t len, char *err, size_t errlen)
{
	size_t nlines = 0, lineno = 1;

	memset(rep, 0, sizeof(*rep));
	rep->message = "";
	if (len == 0) {
		snprintf(err, errlen, "empty response");
		return -1;
	}
	if (text[len - 1] != '\n') {
		snprintf(err, errlen, "truncated response (no final newline)");
		return -1;
	}
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "NUL byte in response");
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';

	rep->mem = malloc(len + 1);
	rep->kv = calloc(nlines, sizeof(*rep->kv));
	if (!rep->mem || !rep->kv) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(rep->mem, text, len);
	rep->mem[len] = '\0';

	/* status line */
	char *line = rep->mem;
	char *nl = strchr(line, '\n');
	*nl = '\0';
	if (strcmp(line, "ok") == 0) {
		rep->ok = 1;
	} else if (strcmp(line, "error") == 0) {
		rep->message = "";
	} else if (strncmp(line, "error ", 6) == 0) {
		rep->message = line + 6;
	} else {
		snprintf(err, errlen, "line 1: expected \"ok\" or \"error\"");
		return -1;
	}

	/* kv lines, unescaped in place (the value only shrinks) */
	for (line = nl + 1; *line; line = nl + 1) {
		lineno++;
		nl = strchr(line, '\n');
		*nl = '\0';
		char *eq = strchr(line, '=');
		if (!eq) {
			snprintf(err, errlen, "line %zu: missing '='", lineno);
			return -1;
		}
		*eq = '\0';
		if (!ctl_key_valid(line)) {
			snprintf(err, errlen, "line %zu: bad key", lineno);
			return -1;
		}
		char *in = eq + 1, *out = eq + 1;
		while (*in) {
			if (*in != '\\') {
				*out++ = *in++;
				continue;
			}
			if (in[1] == 'n')
				*out++ = '\n';
			else if (in[1] == '\\')
				*out++ = '\\';
			else {
				snprintf(err, errlen, "line %zu: bad escape in value of %s", lineno, line);
				return -1;
			}
			in += 2;
		}
		*out = '\0';
		rep->kv[rep->n].key = line;
		rep->kv[rep->n].val = eq + 1;
		rep->n++;
	}
	return 0;
}

const char *ctl_get(const struct ctl_reply *rep, const char *key)
{
	for (size_t i = 0; i < rep->n; i++)
		if (strcmp(rep->kv[i].key, key) == 0)
			return rep->kv[i].val;
	return NULL;
}

const char *ctl_getf(const struct ctl_reply *rep, const char *fmt, ...)
{
	char key[CTL_KEY_MAX + 2];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	return ctl_get(rep, key);
}

int ctl_get_ll(const struct ctl_reply *rep, const char *key, long long *out)
{
	return parse_ll(ctl_get(rep, key), LLONG_MIN, LLONG_MAX, out);
}

int ctl_get_bool(const struct ctl_reply *rep, const char *key)
{
	const char *v = ctl_get(rep, key);

	if (!v)
		return -1;
	if (strcmp(v, "true") == 0)
		return 1;
	if (strcmp(v, "false") == 0)
		return 0;
	return -1;
}

/* --- JSON renderer --- */

/* The dotted keys as a tree; children are a singly linked list in first-seen
 * order. Nodes are indices into one array so growing it is one realloc. */
struct jnode {
	const char *name; /* segment, not NUL-terminated */
	size_t name_len;
	const char *val;	  /* leaf value, NULL for an object */
	size_t first, last, next; /* 0 = none (node 0 is the root) */
	size_t count;
};

struct jtree {
	struct jnode *n;
	size_t len, cap;
};

static size_t jt_child(struct jtree *t, size_t parent, const char *name, size_t name_len, int create)
{
	struct jnode *p = &t->n[parent];

	/* keys usually arrive grouped: try the newest child first */
	if (p->last && t->n[p->last].name_len == name_len && !memcmp(t->n[p->last].name, name, name_len))
		return p->last;
	for (size_t c = p->first; c; c = t->n[c].next)
		if (t->n[c].name_len == name_len && !memcmp(t->n[c].name, name, name_len))
			return c;
	if (!create)
		return 0;
	if (t->len == t->cap) {
		size_t cap = t->cap * 2;
		struct jnode *n = realloc(t->n, cap * sizeof(*n));
		if (!n)
			return 0;
		t->n = n;
		t->cap = cap;
		p = &t->n[parent];
	}
	size_t c = t->len++;
	t->n[c] = (struct jnode){.name = name, .name_len = name_len};
	if (p->last)
		t->n[p->last].next = c;
	else
		p->first = c;
	p->last = c;
	p->count++;
	return c;
}

static int jt_build(struct jtree *t, const struct ctl_reply *rep, char *err, size_t errlen)
{
	t->cap = 64;
	t->len = 1;
	t->n = calloc(t->cap, sizeof(*t->n));
	if (!t->n)
		goto oom;
	for (size_t i = 0; i < rep->n; i++) {
		const char *key = rep->kv[i].key;
		size_t node = 0;

		for (const char *seg = key;;) {
			const char *dot = strchr(seg, '.');
			size_t sl = dot ? (size_t)(dot - seg) : strlen(seg);

			if (t->n[node].val) {
				snprintf(err, errlen, "key %s: %.*s is already a value", key,
					 (int)(seg - key - 1), key);
				return -1;
			}
			size_t c = jt_child(t, node, seg, sl, 1);
			if (!c)
				goto oom;
			node = c;
			if (!dot)
				break;
			seg = dot + 1;
		}
		if (t->n[node].val || t->n[node].first) {
			snprintf(err, errlen, "key %s: %s", key,
				 t->n[node].val ? "duplicate key" : "is already an object");
			return -1;
		}
		t->n[node].val = rep->kv[i].val;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* Canonical decimal index ("0", "17"; not "01"), or -1. */
static long seg_index(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 9 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* Fill order[] with the children by index when they are exactly 0..count-1. */
static int jt_is_array(const struct jtree *t, const struct jnode *p, size_t *order)
{
	for (size_t i = 0; i < p->count; i++)
		order[i] = 0;
	for (size_t c = p->first; c; c = t->n[c].next) {
		long ix = seg_index(t->n[c].name, t->n[c].name_len);
		if (ix < 0 || (size_t)ix >= p->count || order[ix])
			return 0;
		order[ix] = c;
	}
	return 1;
}

static int is_json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void json_string(struct gbuf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	gb_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = u[i];
		char esc[8];

		if (c == '"' || c == '\\') {
			gb_putc(b, '\\');
			gb_putc(b, (char)c);
		} else if (c == '\n') {
			gb_puts(b, "\\n");
		} else if (c == '\t') {
			gb_puts(b, "\\t");
		} else if (c == '\r') {
			gb_puts(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			gb_puts(b, esc);
		} else {
			size_t l = utf8_len(u + i, n - i);
			if (l == 0) {
				gb_puts(b, "\\ufffd");
				i++;
				continue;
			}
			gb_put(b, s + i, l);
			i += l;
			continue;
		}
		i++;
	}
	gb_putc(b, '"');
}

static void json_indent(struct gbuf *b, int pretty, int depth)
{
	if (!pretty)
		return;
	gb_putc(b, '\n');
	for (int i = 0; i < depth; i++)
		gb_puts(b, "  ");
}

static void json_node(struct gbuf *b, const struct jtree *t, size_t node, int pretty, int depth)
{
	const struct jnode *p = &t->n[node];

	if (p->val) {
		if (is_json_number(p->val) || !strcmp(p->val, "true") || !strcmp(p->val, "false"))
			gb_puts(b, p->val);
		else
			json_string(b, p->val, strlen(p->val));
		return;
	}

	size_t *order = NULL;
	int array = 0;
	if (node != 0 && p->count) {
		order = malloc(p->count * sizeof(*order));
		if (!order) {
			b->oom = 1;
			return;
		}
		array = jt_is_array(t, p, order);
	}
	gb_putc(b, array ? '[' : '{');
	size_t i = 0;
	for (size_t c = p->first; c; c = t->n[c].next, i++) {
		size_t child = array ? order[i] : c;
		if (i)
			gb_putc(b, ',');
		json_indent(b, pretty, depth + 1);
		if (!array) {
			json_string(b, t->n[child].name, t->n[child].name_len);
			gb_puts(b, pretty ? ": " : ":");
		}
		json_node(b, t, child, pretty, depth + 1);
	}
	if (p->count)
		json_indent(b, pretty, depth);
	gb_putc(b, array ? ']' : '}');
	free(order);
}

char *ctl_reply_json(const struct ctl_reply *rep, int pretty, char *err, size_t errlen)
{
	struct jtree t = {0};
	struct gbuf b = {0};

	if (jt_build(&t, rep, err, errlen)) {
		free(t.n);
		return NULL;
	}
	json_node(&b, &t, 0, pretty, 0);
	free(t.n);
	if (b.oom) {
		free(b.p);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return b.p;
}
