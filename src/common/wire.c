/*
 * A small blocking D-Bus client (see include/wire.h for why the CLI has
 * one). The rules followed are the specification's "Message Protocol":
 * alignment of every type to its size, header fields as a(yv), strings
 * NUL-terminated with a length before them. Everything received is
 * validated in full by present_wire_parse() before anyone reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "grow.h"
#include "paths.h"
#include "text.h"
#include "wire.h"

#define ERROR_PREFIX "org.freedesktop.DBus.Error."
#define MAX_DEPTH 64 /* the specification allows 32 arrays and 32 structs inside each other */
#define MAX_ARRAY (64u * 1024 * 1024)
#define DEFAULT_TIMEOUT_MS 25000

enum field {
	FIELD_PATH = 1,
	FIELD_INTERFACE = 2,
	FIELD_MEMBER = 3,
	FIELD_ERROR_NAME = 4,
	FIELD_REPLY_SERIAL = 5,
	FIELD_DESTINATION = 6,
	FIELD_SENDER = 7,
	FIELD_SIGNATURE = 8,
};

struct present_wire {
	int fd;
	uint32_t serial;
	uint8_t *in; /* received, not yet taken as messages */
	size_t in_len, in_cap;
	struct present_wire_msg **queue; /* signals that came while waiting for a reply */
	size_t queued, queue_cap;
	/* The handshake is not waited for: the first call goes out right behind
	 * it, and the first read takes the bus's answers to it. */
	bool authenticated;
	char *rejected; /* the bus's answer when it was not OK */
	uint32_t hello_serial; /* until Hello's reply has come */
	const char *peer; /* "the bus", or "the daemon" on its direct socket */
	/* The peer cannot have read the last call: it refused us, the call could
	 * not be written, or it reset the connection, which a Unix socket does
	 * when it is closed with data still unread (or was never accepted). */
	bool unread;
};

/* Signatures */

static bool is_basic(char t)
{
	return t && strchr("ybnqiuxtdsogh", t) != NULL;
}

static size_t alignment(char t)
{
	switch (t) {
	case 'n':
	case 'q':
		return 2;
	case 'b':
	case 'i':
	case 'u':
	case 'h':
	case 's':
	case 'o':
	case 'a':
		return 4;
	case 'x':
	case 't':
	case 'd':
	case '(':
	case '{':
		return 8;
	default:
		return 1;
	}
}

/* The length of the one complete type at sig (n characters), or 0 when there is none. */
static size_t type_len(const char *sig, size_t n, bool in_array, unsigned depth)
{
	if (n == 0 || depth > MAX_DEPTH)
		return 0;
	char t = sig[0];
	if (is_basic(t) || t == 'v')
		return 1;
	if (t == 'a') {
		size_t elem = type_len(sig + 1, n - 1, true, depth + 1);
		return elem ? 1 + elem : 0;
	}
	if (t == '(' || (t == '{' && in_array)) {
		char close = t == '(' ? ')' : '}';
		size_t i = 1, members = 0;
		while (i < n && sig[i] != close) {
			if (t == '{' && members == 0 && !is_basic(sig[i]))
				return 0;
			size_t m = type_len(sig + i, n - i, false, depth + 1);
			if (!m)
				return 0;
			i += m;
			members++;
		}
		if (i >= n || members == 0 || (t == '{' && members != 2))
			return 0;
		return i + 1;
	}
	return 0;
}

static bool signature_valid(const char *sig, size_t n)
{
	if (n > 255)
		return false;
	for (size_t i = 0; i < n;) {
		size_t m = type_len(sig + i, n - i, false, 0);
		if (!m)
			return false;
		i += m;
	}
	return true;
}

/* Reading */

static uint16_t get16(const struct present_wire_iter *it, size_t at)
{
	const uint8_t *p = it->base + at;
	return it->big_endian ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const struct present_wire_iter *it, size_t at)
{
	const uint8_t *p = it->base + at;
	if (it->big_endian)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t get64(const struct present_wire_iter *it, size_t at)
{
	uint64_t a = get32(it, at), b = get32(it, at + 4);
	return it->big_endian ? a << 32 | b : b << 32 | a;
}

/* Moves to the next multiple of a; the padding must be there, and zero. */
static bool align(struct present_wire_iter *it, size_t a)
{
	size_t to = (it->pos + a - 1) & ~(a - 1);
	if (to > it->end)
		return false;
	for (; it->pos < to; it->pos++)
		if (it->base[it->pos] != 0)
			return false;
	return true;
}

char present_wire_iter_type(const struct present_wire_iter *it)
{
	if (it->array)
		return it->pos < it->end ? it->sig[0] : 0;
	return it->sig_len ? it->sig[0] : 0;
}

static void next_type(struct present_wire_iter *it)
{
	if (it->array)
		return;
	size_t n = type_len(it->sig, it->sig_len, false, 0);
	it->sig += n;
	it->sig_len -= n;
}

/* A string of n bytes at pos, NUL after it and none inside, as t ('s', 'o' or 'g') requires. */
static bool string_ok(const struct present_wire_iter *it, size_t pos, size_t n, char t)
{
	const char *s = (const char *)it->base + pos;
	if (s[n] != '\0' || memchr(s, '\0', n))
		return false;
	if (t == 'g')
		return signature_valid(s, n);
	if (!present_utf8_valid(s))
		return false;
	if (t == 'o' && (s[0] != '/' || (n > 1 && s[n - 1] == '/') || strstr(s, "//")))
		return false;
	return true;
}

bool present_wire_iter_read(struct present_wire_iter *it, char type, void *ret)
{
	if (present_wire_iter_type(it) != type || !is_basic(type))
		return false;
	struct present_wire_iter at = *it;
	size_t a = alignment(type);
	if (!align(&at, a))
		return false;
	size_t n;
	switch (type) {
	case 'y':
		if (at.pos + 1 > at.end)
			return false;
		*(uint8_t *)ret = at.base[at.pos];
		at.pos += 1;
		break;
	case 'n':
	case 'q':
		if (at.pos + 2 > at.end)
			return false;
		*(uint16_t *)ret = get16(&at, at.pos);
		at.pos += 2;
		break;
	case 'b':
	case 'i':
	case 'u':
	case 'h': {
		if (at.pos + 4 > at.end)
			return false;
		uint32_t v = get32(&at, at.pos);
		if (type == 'b') {
			if (v > 1)
				return false;
			*(bool *)ret = v;
		} else {
			*(uint32_t *)ret = v;
		}
		at.pos += 4;
		break;
	}
	case 'x':
	case 't':
	case 'd':
		if (at.pos + 8 > at.end)
			return false;
		if (type == 'd') {
			uint64_t bits = get64(&at, at.pos);
			memcpy(ret, &bits, sizeof(double));
		} else {
			*(uint64_t *)ret = get64(&at, at.pos);
		}
		at.pos += 8;
		break;
	case 's':
	case 'o':
		if (at.pos + 4 > at.end)
			return false;
		n = get32(&at, at.pos);
		if (n >= at.end - at.pos - 4 || !string_ok(&at, at.pos + 4, n, type))
			return false;
		*(const char **)ret = (const char *)at.base + at.pos + 4;
		at.pos += 4 + n + 1;
		break;
	case 'g':
		if (at.pos + 1 > at.end)
			return false;
		n = at.base[at.pos];
		if (n >= at.end - at.pos - 1 || !string_ok(&at, at.pos + 1, n, type))
			return false;
		*(const char **)ret = (const char *)at.base + at.pos + 1;
		at.pos += 1 + n + 1;
		break;
	}
	next_type(&at);
	*it = at;
	return true;
}

/* Sets up sub for the container at *at (whose type is t) and moves at past its header. */
static bool open_container(struct present_wire_iter *at, char t, struct present_wire_iter *sub)
{
	if (at->depth >= MAX_DEPTH)
		return false;
	*sub = (struct present_wire_iter){
		.base = at->base,
		.end = at->end,
		.big_endian = at->big_endian,
		.depth = at->depth + 1,
	};
	if (t == 'a') {
		if (!align(at, 4) || at->pos + 4 > at->end)
			return false;
		uint32_t n = get32(at, at->pos);
		at->pos += 4;
		sub->sig = at->sig + 1;
		sub->sig_len = type_len(sub->sig, at->sig_len - 1, true, 0);
		sub->array = true;
		if (n > MAX_ARRAY || !align(at, alignment(sub->sig[0])) || n > at->end - at->pos)
			return false;
		sub->pos = at->pos;
		sub->end = at->pos + n;
	} else if (t == '(' || t == '{') {
		if (!align(at, 8))
			return false;
		sub->pos = at->pos;
		sub->sig = at->sig + 1;
		sub->sig_len = type_len(at->sig, at->sig_len, true, 0) - 2;
	} else if (t == 'v') {
		struct present_wire_iter g = *at;
		const char *inner;
		g.sig = "g";
		g.sig_len = 1;
		g.array = false;
		if (!present_wire_iter_read(&g, 'g', &inner) || type_len(inner, strlen(inner), false, 0) != strlen(inner))
			return false;
		at->pos = g.pos;
		sub->pos = at->pos;
		sub->sig = inner;
		sub->sig_len = strlen(inner);
	} else {
		return false;
	}
	return true;
}

bool present_wire_iter_skip(struct present_wire_iter *it)
{
	char t = present_wire_iter_type(it);
	if (!t)
		return false;
	if (is_basic(t)) {
		uint64_t scratch;
		return present_wire_iter_read(it, t, &scratch);
	}
	struct present_wire_iter at = *it, sub;
	if (!open_container(&at, t, &sub))
		return false;
	/* Every value takes at least one byte, so this ends. */
	while (present_wire_iter_type(&sub))
		if (!present_wire_iter_skip(&sub))
			return false;
	/* A struct or a variant ends where its last member does; an array's
	 * length must be exactly what its elements take. */
	if (t == 'a' && sub.pos != sub.end)
		return false;
	if (t == 'v' && sub.sig_len != 0)
		return false;
	at.pos = t == 'a' ? sub.end : sub.pos;
	next_type(&at);
	*it = at;
	return true;
}

bool present_wire_iter_enter(struct present_wire_iter *it, char type, struct present_wire_iter *ret)
{
	if (present_wire_iter_type(it) != type || is_basic(type))
		return false;
	struct present_wire_iter past = *it, at = *it;
	if (!present_wire_iter_skip(&past) || !open_container(&at, type, ret))
		return false;
	if (type != 'a')
		ret->end = past.pos;
	*it = past;
	return true;
}

void present_wire_iter_init(const struct present_wire_msg *msg, struct present_wire_iter *it)
{
	*it = (struct present_wire_iter){
		.base = msg->body,
		.end = msg->body_len,
		.sig = msg->signature,
		.sig_len = strlen(msg->signature),
		.big_endian = msg->big_endian,
	};
}

/* Messages */

void present_wire_msg_free(struct present_wire_msg *msg)
{
	if (!msg)
		return;
	free(msg->data);
	free(msg);
}

static bool read_fields(struct present_wire_msg *m, struct present_wire_iter *header)
{
	struct present_wire_iter fields, field, value;
	if (!present_wire_iter_enter(header, 'a', &fields))
		return false;
	while (present_wire_iter_type(&fields)) {
		uint8_t code;
		if (!present_wire_iter_enter(&fields, '(', &field) || !present_wire_iter_read(&field, 'y', &code) ||
			!present_wire_iter_enter(&field, 'v', &value))
			return false;
		static const char types[] = {0, 'o', 's', 's', 's', 'u', 's', 's', 'g'};
		const char **text[] = {NULL, &m->path, &m->interface, &m->member, &m->error_name, NULL, &m->destination,
			&m->sender, &m->signature};
		if (code == 0 || code >= sizeof(types))
			continue; /* unknown fields are to be ignored */
		if (present_wire_iter_type(&value) != types[code] || value.sig_len != 1)
			return false;
		if (code == FIELD_REPLY_SERIAL ? !present_wire_iter_read(&value, 'u', &m->reply_serial)
					       : !present_wire_iter_read(&value, types[code], text[code]))
			return false;
	}
	return true;
}

static bool message_ok(struct present_wire_msg *m)
{
	if (m->len < 16 || (m->data[0] != 'l' && m->data[0] != 'B') || m->data[3] != 1)
		return false;
	m->big_endian = m->data[0] == 'B';
	m->type = m->data[1];
	m->flags = m->data[2];
	struct present_wire_iter header = {
		.base = m->data,
		.pos = 12,
		.end = m->len,
		.sig = "a(yv)",
		.sig_len = 5,
		.big_endian = m->big_endian,
	};
	uint32_t body_len = get32(&header, 4), fields_len = get32(&header, 12);
	m->serial = get32(&header, 8);
	if (m->type < PRESENT_WIRE_CALL || m->type > PRESENT_WIRE_SIGNAL || m->serial == 0 || fields_len > MAX_ARRAY ||
		body_len > PRESENT_WIRE_MAX_MESSAGE)
		return false;
	size_t header_end = 16 + (size_t)fields_len, body_at = (header_end + 7) & ~(size_t)7;
	if (body_at + body_len != m->len)
		return false;
	header.end = header_end;
	if (!read_fields(m, &header) || header.pos != header_end)
		return false;
	for (size_t i = header_end; i < body_at; i++)
		if (m->data[i])
			return false;
	if (!m->signature)
		m->signature = "";
	switch (m->type) {
	case PRESENT_WIRE_CALL:
		if (!m->path || !m->member)
			return false;
		break;
	case PRESENT_WIRE_ERROR:
		if (!m->error_name || !m->reply_serial)
			return false;
		break;
	case PRESENT_WIRE_RETURN:
		if (!m->reply_serial)
			return false;
		break;
	case PRESENT_WIRE_SIGNAL:
		if (!m->path || !m->interface || !m->member)
			return false;
		break;
	}
	m->body = m->data + body_at;
	m->body_len = body_len;
	struct present_wire_iter body;
	present_wire_iter_init(m, &body);
	while (present_wire_iter_type(&body))
		if (!present_wire_iter_skip(&body))
			return false;
	return body.pos == body.end;
}

struct present_wire_msg *present_wire_parse(uint8_t *data, size_t len)
{
	struct present_wire_msg *m = calloc(1, sizeof(*m));
	if (!m) {
		free(data);
		return NULL;
	}
	m->data = data;
	m->len = len;
	if (!message_ok(m)) {
		present_wire_msg_free(m);
		return NULL;
	}
	return m;
}

/* Writing */

struct builder {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

static void put(struct builder *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		uint8_t *grown = realloc(b->buf, cap);
		if (!grown) {
			b->failed = true;
			return;
		}
		b->buf = grown;
		b->cap = cap;
	}
	if (p)
		memcpy(b->buf + b->len, p, n);
	else
		memset(b->buf + b->len, 0, n);
	b->len += n;
}

static void pad(struct builder *b, size_t a)
{
	put(b, NULL, ((b->len + a - 1) & ~(a - 1)) - b->len);
}

/* Little-endian, which the first byte of every message we write says. */
static void put32(struct builder *b, uint32_t v)
{
	uint8_t p[4] = {v & 0xff, v >> 8 & 0xff, v >> 16 & 0xff, v >> 24};
	pad(b, 4);
	put(b, p, 4);
}

static void put64(struct builder *b, uint64_t v)
{
	pad(b, 8);
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void put_string(struct builder *b, char t, const char *s)
{
	size_t n = strlen(s);
	if (t == 'g') {
		uint8_t len = (uint8_t)n;
		put(b, &len, 1);
	} else {
		put32(b, (uint32_t)n);
	}
	put(b, s, n + 1);
}

static bool valid_text(char t, const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (t == 'g')
		return signature_valid(s, n);
	struct present_wire_iter it = {.base = (const uint8_t *)s, .end = n + 1};
	return string_ok(&it, 0, n, t);
}

static bool put_arg(struct builder *b, char t, va_list *ap)
{
	switch (t) {
	case 'y': {
		uint8_t v = (uint8_t)va_arg(*ap, int);
		put(b, &v, 1);
		return true;
	}
	case 'b':
		put32(b, va_arg(*ap, int) ? 1 : 0);
		return true;
	case 'n':
	case 'q': {
		unsigned v = (unsigned)va_arg(*ap, int);
		uint8_t p[2] = {v & 0xff, v >> 8 & 0xff};
		pad(b, 2);
		put(b, p, 2);
		return true;
	}
	case 'i':
	case 'u':
		put32(b, va_arg(*ap, uint32_t));
		return true;
	case 'x':
	case 't':
		put64(b, va_arg(*ap, uint64_t));
		return true;
	case 'd': {
		double d = va_arg(*ap, double);
		uint64_t bits;
		memcpy(&bits, &d, sizeof(bits));
		put64(b, bits);
		return true;
	}
	case 's':
	case 'o':
	case 'g': {
		const char *s = va_arg(*ap, const char *);
		if (!valid_text(t, s))
			return false;
		put_string(b, t, s);
		return true;
	}
	case 'v': {
		/* A variant holding one basic value: its type, then the value. */
		const char *inner = va_arg(*ap, const char *);
		if (!inner || strlen(inner) != 1 || !is_basic(inner[0]) || inner[0] == 'h')
			return false;
		put_string(b, 'g', inner);
		return put_arg(b, inner[0], ap);
	}
	default:
		return false;
	}
}

static void put_field(struct builder *b, uint8_t code, char t, const char *value)
{
	if (!value)
		return;
	char sig[2] = {t, '\0'};
	pad(b, 8);
	put(b, &code, 1);
	put_string(b, 'g', sig);
	put_string(b, t, value);
}

static uint8_t *marshal(const struct present_wire_call *call, uint32_t serial, size_t *ret_len, const char *signature,
	va_list ap)
{
	struct builder b = {0};
	if (!signature_valid(signature, strlen(signature)) || strpbrk(signature, "a({h") || !valid_text('o', call->path) ||
		!valid_text('s', call->member))
		return NULL;
	uint8_t start[4] = {'l', PRESENT_WIRE_CALL, call->no_auto_start ? 0x2 : 0, 1};
	put(&b, start, 4);
	put32(&b, 0); /* the body's length, filled in below */
	put32(&b, serial);
	put32(&b, 0); /* the header fields' length, likewise */
	put_field(&b, FIELD_PATH, 'o', call->path);
	put_field(&b, FIELD_INTERFACE, 's', call->interface);
	put_field(&b, FIELD_MEMBER, 's', call->member);
	put_field(&b, FIELD_DESTINATION, 's', call->destination);
	if (*signature)
		put_field(&b, FIELD_SIGNATURE, 'g', signature);
	size_t fields_end = b.len;
	pad(&b, 8);
	size_t body_at = b.len;
	va_list args;
	va_copy(args, ap);
	bool ok = true;
	for (const char *t = signature; *t && ok; t++)
		ok = put_arg(&b, *t, &args);
	va_end(args);
	if (!ok || b.failed) {
		free(b.buf);
		return NULL;
	}
	uint32_t body_len = (uint32_t)(b.len - body_at), fields_len = (uint32_t)(fields_end - 16);
	memcpy(b.buf + 4, (uint8_t[4]){body_len & 0xff, body_len >> 8 & 0xff, body_len >> 16 & 0xff, body_len >> 24}, 4);
	memcpy(b.buf + 12,
		(uint8_t[4]){fields_len & 0xff, fields_len >> 8 & 0xff, fields_len >> 16 & 0xff, fields_len >> 24}, 4);
	*ret_len = b.len;
	return b.buf;
}

uint8_t *present_wire_marshal_call(const struct present_wire_call *call, uint32_t serial, size_t *ret_len,
	const char *signature, ...)
{
	va_list ap;
	va_start(ap, signature);
	uint8_t *m = marshal(call, serial, ret_len, signature, ap);
	va_end(ap);
	return m;
}

/* Errors */

void present_wire_error_free(struct present_wire_error *err)
{
	free(err->name);
	free(err->message);
	*err = (struct present_wire_error){0};
}

bool present_wire_error_is_set(const struct present_wire_error *err)
{
	return err->name != NULL;
}

void present_wire_error_set(struct present_wire_error *err, const char *name, const char *fmt, ...)
{
	present_wire_error_free(err);
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&err->message, fmt, ap) < 0)
		err->message = NULL;
	va_end(ap);
	err->name = strdup(name);
}

/* The connection */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads more from the socket, waiting until deadline (-1: forever). 0,
 * -ETIMEDOUT, -ENOTCONN once the peer has closed, or -errno. */
static int fill(struct present_wire *w, int64_t deadline)
{
	if (w->in_cap - w->in_len < 4096) {
		size_t cap = w->in_cap ? w->in_cap * 2 : 16384;
		uint8_t *grown = realloc(w->in, cap);
		if (!grown)
			return -ENOMEM;
		w->in = grown;
		w->in_cap = cap;
	}
	for (;;) {
		int wait = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			wait = left > 0 ? (int)left : 0;
		}
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		int r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n = recv(w->fd, w->in + w->in_len, w->in_cap - w->in_len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == ECONNRESET)
			w->unread = true;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ENOTCONN;
		w->in_len += (size_t)n;
		return 0;
	}
}

static void take(struct present_wire *w, size_t n)
{
	memmove(w->in, w->in + n, w->in_len - n);
	w->in_len -= n;
}

/* The length of the message at the start of the buffer, once its fixed header is there; 0 before. */
static size_t whole_length(const struct present_wire *w, bool *ret_bad)
{
	*ret_bad = false;
	if (w->in_len < 16)
		return 0;
	struct present_wire_iter h = {.base = w->in, .end = 16, .big_endian = w->in[0] == 'B'};
	uint64_t fields = get32(&h, 12), body = get32(&h, 4);
	uint64_t total = ((16 + fields + 7) & ~(uint64_t)7) + body;
	if ((w->in[0] != 'l' && w->in[0] != 'B') || total > PRESENT_WIRE_MAX_MESSAGE) {
		*ret_bad = true;
		return 0;
	}
	return (size_t)total;
}

bool present_wire_pending(const struct present_wire *w)
{
	bool bad;
	if (!w->authenticated) /* the bus's answer to our AUTH, whole, is something to read */
		return w->in_len > 0 && memmem(w->in, w->in_len, "\r\n", 2) != NULL;
	size_t n = whole_length(w, &bad);
	return w->queued > 0 || bad || (n && n <= w->in_len);
}

/* The bus's answer to our AUTH, the one line it sends before any message.
 * 0 once it said OK; -EACCES, with w->rejected set, when it said anything else. */
static int authenticate(struct present_wire *w, int64_t deadline)
{
	char *crlf;
	if (w->authenticated)
		return 0;
	if (w->rejected)
		return -EACCES;
	while (!w->in || !(crlf = memmem(w->in, w->in_len, "\r\n", 2))) {
		int r = w->in_len > 512 ? -EBADMSG : fill(w, deadline);
		if (r < 0)
			return r;
	}
	size_t len = (size_t)(crlf - (char *)w->in);
	if (len < 3 || memcmp(w->in, "OK ", 3) != 0) {
		w->unread = true;
		w->rejected = strndup((char *)w->in, len);
		return w->rejected ? -EACCES : -ENOMEM;
	}
	take(w, len + 2);
	w->authenticated = true;
	return 0;
}

/* The next message off the socket. 0 with *ret, or -errno (-EBADMSG: the peer
 * sent garbage; -EACCES: it refused to authenticate us). */
static int receive(struct present_wire *w, int64_t deadline, struct present_wire_msg **ret)
{
	int r = authenticate(w, deadline);
	if (r < 0)
		return r;
	for (;;) {
		bool bad;
		size_t n = whole_length(w, &bad);
		if (bad)
			return -EBADMSG;
		if (n && n <= w->in_len) {
			uint8_t *data = malloc(n);
			if (!data)
				return -ENOMEM;
			memcpy(data, w->in, n);
			take(w, n);
			*ret = present_wire_parse(data, n);
			return *ret ? 0 : -EBADMSG;
		}
		r = fill(w, deadline);
		if (r < 0)
			return r;
	}
}

static void transport_error(const struct present_wire *w, struct present_wire_error *err, int r, const char *what)
{
	const char *peer = w ? w->peer : "the bus";
	if (r == -EACCES && w && w->rejected)
		present_wire_error_set(err, ERROR_PREFIX "AuthFailed", "%s refused to authenticate us: %s", peer, w->rejected);
	else if (r == -ETIMEDOUT)
		present_wire_error_set(err, ERROR_PREFIX "NoReply", "no reply to %s in time", what);
	else if (r == -ENOMEM)
		present_wire_error_set(err, ERROR_PREFIX "NoMemory", "out of memory");
	else if (r == -EBADMSG)
		present_wire_error_set(err, ERROR_PREFIX "InvalidArgs", "%s sent a malformed message", peer);
	else if (r == -ENOTCONN)
		present_wire_error_set(err, ERROR_PREFIX "Disconnected", "%s closed the connection", peer);
	else
		present_wire_error_set(err, ERROR_PREFIX "Disconnected", "the connection to %s failed: %s", peer,
			strerror(-r));
}

static int enqueue(struct present_wire *w, struct present_wire_msg *m)
{
	if (!present_grow(&w->queue, &w->queue_cap, w->queued, sizeof(*w->queue)))
		return -ENOMEM;
	w->queue[w->queued++] = m;
	return 0;
}

static struct present_wire_msg *wait_reply(struct present_wire *w, uint32_t serial, int timeout_ms, const char *what,
	struct present_wire_error *err)
{
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS);
	for (;;) {
		struct present_wire_msg *m = NULL;
		int r = receive(w, deadline, &m);
		if (r < 0) {
			transport_error(w, err, r, what);
			return NULL;
		}
		if (w->hello_serial && m->reply_serial == w->hello_serial &&
			(m->type == PRESENT_WIRE_RETURN || m->type == PRESENT_WIRE_ERROR)) {
			/* A bus that answers Hello with an error closes the connection
			 * too; its reason is the one worth telling. */
			bool refused = m->type == PRESENT_WIRE_ERROR;
			if (refused)
				present_wire_error_set(err, ERROR_PREFIX "AuthFailed", "the bus refused our Hello (%s)",
					m->error_name);
			present_wire_msg_free(m);
			w->hello_serial = 0;
			if (refused)
				return NULL;
			continue;
		}
		bool reply = (m->type == PRESENT_WIRE_RETURN || m->type == PRESENT_WIRE_ERROR) && m->reply_serial == serial;
		if (reply && m->type == PRESENT_WIRE_RETURN)
			return m;
		if (reply) {
			const char *text = "";
			struct present_wire_iter it;
			present_wire_iter_init(m, &it);
			if (!present_wire_iter_read(&it, 's', &text))
				text = "";
			present_wire_error_set(err, m->error_name, "%s", text);
			present_wire_msg_free(m);
			return NULL;
		}
		if (m->type == PRESENT_WIRE_SIGNAL || m->type == PRESENT_WIRE_CALL) {
			if (enqueue(w, m) < 0) {
				present_wire_msg_free(m);
				transport_error(w, err, -ENOMEM, what);
				return NULL;
			}
		} else {
			present_wire_msg_free(m);
		}
	}
}

/* Sends a call; its serial, or 0 with err filled. */
static uint32_t send_call(struct present_wire *w, const struct present_wire_call *call, struct present_wire_error *err,
	const char *signature, va_list ap)
{
	size_t len;
	uint32_t serial = ++w->serial;
	uint8_t *m = marshal(call, serial, &len, signature, ap);
	if (!m) {
		present_wire_error_set(err, ERROR_PREFIX "InvalidArgs", "cannot call %s: invalid arguments", call->member);
		return 0;
	}
	int r = write_all(w->fd, m, len);
	free(m);
	if (r < 0)
		w->unread = true;
	/* A bus that refused us may have closed before the call went out: what it said is the reason. */
	if (r < 0 && authenticate(w, now_ms() + DEFAULT_TIMEOUT_MS) == -EACCES)
		r = -EACCES;
	if (r < 0) {
		transport_error(w, err, r, call->member);
		return 0;
	}
	return serial;
}

struct present_wire_msg *present_wire_callv(struct present_wire *w, const struct present_wire_call *call,
	struct present_wire_error *err, const char *signature, va_list ap)
{
	uint32_t serial = send_call(w, call, err, signature, ap);
	return serial ? wait_reply(w, serial, call->timeout_ms, call->member, err) : NULL;
}

struct present_wire_msg *present_wire_call(struct present_wire *w, const struct present_wire_call *call,
	struct present_wire_error *err, const char *signature, ...)
{
	va_list ap;
	va_start(ap, signature);
	struct present_wire_msg *reply = present_wire_callv(w, call, err, signature, ap);
	va_end(ap);
	return reply;
}

int present_wire_next(struct present_wire *w, int timeout_ms, struct present_wire_msg **ret)
{
	int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	for (;;) {
		if (w->queued) {
			*ret = w->queue[0];
			memmove(w->queue, w->queue + 1, --w->queued * sizeof(*w->queue));
			return 1;
		}
		struct present_wire_msg *m = NULL;
		int r = receive(w, deadline, &m);
		if (r == -ETIMEDOUT)
			return 0;
		if (r < 0)
			return r;
		if (m->type == PRESENT_WIRE_SIGNAL || m->type == PRESENT_WIRE_CALL) {
			*ret = m;
			return 1;
		}
		present_wire_msg_free(m); /* a reply nobody waits for */
	}
}

int present_wire_fd(const struct present_wire *w)
{
	return w->fd;
}

void present_wire_close(struct present_wire *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	for (size_t i = 0; i < w->queued; i++)
		present_wire_msg_free(w->queue[i]);
	free(w->queue);
	free(w->in);
	free(w->rejected);
	free(w);
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX escapes of a D-Bus address value, decoded into out (size n). */
static bool unescape(const char *v, size_t len, char *out, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = v[i];
		if (c == '%') {
			if (i + 2 >= len || hex(v[i + 1]) < 0 || hex(v[i + 2]) < 0)
				return false;
			c = (char)(hex(v[i + 1]) << 4 | hex(v[i + 2]));
			i += 2;
		}
		if (c == '\0' || o + 1 >= n)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

/* A connected socket, or -errno. */
static int connect_path(const char *path, bool abstract)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n + abstract >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path + abstract, path, n);
	socklen_t sl = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	/* Not blocking while it connects: a listener whose queue is full (a
	 * daemon hung) would keep a blocking connect() waiting without end,
	 * past any call's timeout. It refuses with EAGAIN instead. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int flags;
	if (connect(fd, (struct sockaddr *)&sa, sl) < 0 || (flags = fcntl(fd, F_GETFL)) < 0 ||
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

/* Connects to one address of a list ("unix:path=…" or "unix:abstract=…"); -errno, -EAFNOSUPPORT for others. */
static int connect_one(const char *address, size_t len)
{
	if (len < 5 || strncmp(address, "unix:", 5) != 0)
		return -EAFNOSUPPORT;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	bool found = false, abstract = false;
	for (const char *p = address + 5, *end = address + len; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);
		bool is_path = n > 5 && strncmp(p, "path=", 5) == 0, is_abstract = n > 9 && strncmp(p, "abstract=", 9) == 0;
		if (is_path || is_abstract) {
			size_t skip = is_path ? 5 : 9;
			if (!unescape(p + skip, n - skip, sa.sun_path + is_abstract, sizeof(sa.sun_path) - is_abstract))
				return -EINVAL;
			found = true;
			abstract = is_abstract;
		}
		p += n + 1;
	}
	if (!found)
		return -EAFNOSUPPORT;
	return connect_path(sa.sun_path + abstract, abstract);
}

static int connect_address(const char *list, struct present_wire_error *err)
{
	int r = -EAFNOSUPPORT;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ";");
		if (n) {
			r = connect_one(p, n);
			if (r >= 0)
				return r;
		}
		p += n + (p[n] == ';');
	}
	if (r == -EAFNOSUPPORT)
		present_wire_error_set(err, ERROR_PREFIX "BadAddress", "no usable address in \"%s\"", list);
	else
		present_wire_error_set(err, ERROR_PREFIX "NoServer", "cannot connect to %s: %s", list, strerror(-r));
	return -1;
}

/* Authenticates and says Hello (to a bus, not a peer) in one write, and
 * does not wait: the peer reads what follows in turn, so the first call can
 * go out at once, a round trip sooner. Its answers are read before the first
 * reply (authenticate(), wait_reply()). sd-bus and libdbus send BEGIN
 * without waiting the same way. */
static bool handshake(struct present_wire *w, bool hello_too, struct present_wire_error *err)
{
	char uid[32], line[128];
	int n = snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	size_t o = (size_t)snprintf(line, sizeof(line), "%cAUTH EXTERNAL ", '\0');
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%02x", (unsigned char)uid[i]);
	o += (size_t)snprintf(line + o, sizeof(line) - o, "\r\nBEGIN\r\n");

	size_t hello_len = 0;
	uint32_t serial = hello_too ? ++w->serial : 0;
	uint8_t *hello = !hello_too ? NULL : present_wire_marshal_call(
		&(struct present_wire_call){
			.destination = "org.freedesktop.DBus",
			.path = "/org/freedesktop/DBus",
			.interface = "org.freedesktop.DBus",
			.member = "Hello",
		},
		serial, &hello_len, "");
	uint8_t *out = hello || !hello_too ? malloc(o + hello_len) : NULL;
	if (!out) {
		free(hello);
		transport_error(w, err, -ENOMEM, "Hello");
		return false;
	}
	memcpy(out, line, o);
	if (hello)
		memcpy(out + o, hello, hello_len);
	free(hello);
	int r = write_all(w->fd, out, o + hello_len);
	free(out);
	if (r < 0) {
		transport_error(w, err, r, "the authentication");
		return false;
	}
	w->hello_serial = serial;
	return true;
}

static struct present_wire *new_wire(const char *peer, struct present_wire_error *err)
{
	struct present_wire *w = calloc(1, sizeof(*w));
	if (!w) {
		transport_error(NULL, err, -ENOMEM, "the connection");
		return NULL;
	}
	w->fd = -1;
	w->peer = peer;
	return w;
}

struct present_wire *present_wire_connect_direct(const char *path, struct present_wire_error *err)
{
	struct present_wire *w = new_wire("the daemon", err);
	if (!w)
		return NULL;
	w->fd = connect_path(path, false);
	if (w->fd < 0) {
		present_wire_error_set(err, ERROR_PREFIX "NoServer", "cannot connect to %s: %s", path, strerror(-w->fd));
		present_wire_close(w);
		return NULL;
	}
	if (!handshake(w, false, err)) {
		present_wire_close(w);
		return NULL;
	}
	return w;
}

bool present_wire_unread(const struct present_wire *w)
{
	return w->unread;
}

struct present_wire *present_wire_connect(struct present_wire_error *err)
{
	char *address = present_path_session_bus();
	if (!address) {
		present_wire_error_set(err, ERROR_PREFIX "NoServer",
			"neither $DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR is set");
		return NULL;
	}
	struct present_wire *w = new_wire("the bus", err);
	if (w)
		w->fd = connect_address(address, err);
	free(address);
	if (!w)
		return NULL;
	if (w->fd < 0 || !handshake(w, true, err)) {
		present_wire_close(w);
		return NULL;
	}
	return w;
}
