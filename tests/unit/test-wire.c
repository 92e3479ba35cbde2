/*
 * The CLI's D-Bus client against libdbus-1 as the reference: what it
 * marshals, libdbus must read back the same; what libdbus marshals, it must
 * read the same; anything cut short or corrupted is refused or read within
 * bounds (the sanitizers watch).
 */
#include <dbus/dbus.h>
#include <glib.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "status-write.h"
#include "wire.h"

static const struct present_wire_call call = {
	.destination = "dev.present.Present",
	.path = "/dev/present/Present",
	.interface = "dev.present.Present1",
	.member = "Start",
};

/* With PRESENT_WIRE_CORPUS=DIR, the messages read here are written there as fuzzing seeds. */
static void seed(const char *name, const uint8_t *bytes, size_t len)
{
	const char *dir = g_getenv("PRESENT_WIRE_CORPUS");
	if (!dir)
		return;
	char *path = g_build_filename(dir, name, NULL);
	g_assert_true(g_file_set_contents(path, (const char *)bytes, (gssize)len, NULL));
	g_free(path);
}

static DBusMessage *demarshal(const uint8_t *bytes, size_t len)
{
	DBusError err;
	dbus_error_init(&err);
	DBusMessage *m = dbus_message_demarshal((const char *)bytes, (int)len, &err);
	if (!m)
		g_error("libdbus refused the message: %s", err.message);
	return m;
}

static void test_marshal(void)
{
	size_t len;
	uint8_t *bytes = present_wire_marshal_call(&call, 42, &len, "ybnqiuxtdsog", 7, 1, -3, 65535, -100000, 4000000000u,
		(int64_t)-5000000000, (uint64_t)1 << 60, 2.5, "Zoë · 会议", "/a/b", "a{sv}");
	g_assert_nonnull(bytes);
	DBusMessage *m = demarshal(bytes, len);
	g_assert_cmpint(dbus_message_get_type(m), ==, DBUS_MESSAGE_TYPE_METHOD_CALL);
	g_assert_cmpuint(dbus_message_get_serial(m), ==, 42);
	g_assert_cmpstr(dbus_message_get_destination(m), ==, call.destination);
	g_assert_cmpstr(dbus_message_get_path(m), ==, call.path);
	g_assert_cmpstr(dbus_message_get_interface(m), ==, call.interface);
	g_assert_cmpstr(dbus_message_get_member(m), ==, call.member);
	g_assert_cmpstr(dbus_message_get_signature(m), ==, "ybnqiuxtdsog");
	g_assert_true(dbus_message_get_auto_start(m));

	unsigned char y;
	dbus_bool_t b;
	dbus_int16_t n;
	dbus_uint16_t q;
	dbus_int32_t i;
	dbus_uint32_t u;
	dbus_int64_t x;
	dbus_uint64_t t;
	double d;
	const char *s, *o, *g;
	g_assert_true(dbus_message_get_args(m, NULL, DBUS_TYPE_BYTE, &y, DBUS_TYPE_BOOLEAN, &b, DBUS_TYPE_INT16, &n,
		DBUS_TYPE_UINT16, &q, DBUS_TYPE_INT32, &i, DBUS_TYPE_UINT32, &u, DBUS_TYPE_INT64, &x, DBUS_TYPE_UINT64, &t,
		DBUS_TYPE_DOUBLE, &d, DBUS_TYPE_STRING, &s, DBUS_TYPE_OBJECT_PATH, &o, DBUS_TYPE_SIGNATURE, &g,
		DBUS_TYPE_INVALID));
	g_assert_cmpuint(y, ==, 7);
	g_assert_true(b);
	g_assert_cmpint(n, ==, -3);
	g_assert_cmpuint(q, ==, 65535);
	g_assert_cmpint(i, ==, -100000);
	g_assert_cmpuint(u, ==, 4000000000u);
	g_assert_cmpint(x, ==, -5000000000);
	g_assert_cmpuint(t, ==, (uint64_t)1 << 60);
	g_assert_cmpfloat(d, ==, 2.5);
	g_assert_cmpstr(s, ==, "Zoë · 会议");
	g_assert_cmpstr(o, ==, "/a/b");
	g_assert_cmpstr(g, ==, "a{sv}");
	dbus_message_unref(m);

	seed("call", bytes, len);
	/* And as it parses it itself. */
	struct present_wire_msg *w = present_wire_parse(bytes, len);
	g_assert_nonnull(w);
	g_assert_cmpstr(w->member, ==, "Start");
	g_assert_cmpstr(w->signature, ==, "ybnqiuxtdsog");
	present_wire_msg_free(w);

	/* Without auto-start, and with no body at all. */
	struct present_wire_call quiet = call;
	quiet.no_auto_start = true;
	bytes = present_wire_marshal_call(&quiet, 1, &len, "");
	m = demarshal(bytes, len);
	g_assert_false(dbus_message_get_auto_start(m));
	g_assert_cmpstr(dbus_message_get_signature(m), ==, "");
	dbus_message_unref(m);
	free(bytes);
}

static void test_marshal_refuses(void)
{
	size_t len;
	g_assert_null(present_wire_marshal_call(&call, 1, &len, "s", "bad \xff utf-8"));
	g_assert_null(present_wire_marshal_call(&call, 1, &len, "o", "not/a/path"));
	g_assert_null(present_wire_marshal_call(&call, 1, &len, "a{sv}", NULL));
	g_assert_null(present_wire_marshal_call(&call, 1, &len, "s", NULL));
}

/* A reply as the daemon sends one: a boolean, then an a{sv} with nested values, then an a(sss). */
static DBusMessage *reference_reply(void)
{
	DBusMessage *call_msg = dbus_message_new_method_call("a.b", "/a", "a.b", "M");
	dbus_message_set_serial(call_msg, 9);
	DBusMessage *m = dbus_message_new_method_return(call_msg);
	dbus_message_unref(call_msg);
	DBusMessageIter it, dict, entry, var, arr, st;
	dbus_message_iter_init_append(m, &it);
	dbus_bool_t yes = TRUE;
	dbus_message_iter_append_basic(&it, DBUS_TYPE_BOOLEAN, &yes);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &dict);
	const char *keys[] = {"Label", "Id", "Muted", "Nested"};
	for (int k = 0; k < 4; k++) {
		dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry);
		dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &keys[k]);
		if (k == 0) {
			const char *label = "Acme · review";
			dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "s", &var);
			dbus_message_iter_append_basic(&var, DBUS_TYPE_STRING, &label);
		} else if (k == 1) {
			dbus_uint64_t id = 77;
			dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "t", &var);
			dbus_message_iter_append_basic(&var, DBUS_TYPE_UINT64, &id);
		} else if (k == 2) {
			const char *apps[] = {"Thunderbird", "Geary"};
			dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "as", &var);
			dbus_message_iter_open_container(&var, DBUS_TYPE_ARRAY, "s", &arr);
			for (int a = 0; a < 2; a++)
				dbus_message_iter_append_basic(&arr, DBUS_TYPE_STRING, &apps[a]);
			dbus_message_iter_close_container(&var, &arr);
		} else {
			DBusMessageIter inner;
			dbus_int32_t v = -9;
			dbus_message_iter_open_container(&entry, DBUS_TYPE_VARIANT, "v", &var);
			dbus_message_iter_open_container(&var, DBUS_TYPE_VARIANT, "i", &inner);
			dbus_message_iter_append_basic(&inner, DBUS_TYPE_INT32, &v);
			dbus_message_iter_close_container(&var, &inner);
		}
		dbus_message_iter_close_container(&entry, &var);
		dbus_message_iter_close_container(&dict, &entry);
	}
	dbus_message_iter_close_container(&it, &dict);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &arr);
	for (int f = 0; f < 2; f++) {
		const char *level = f ? "warning" : "ok", *topic = "server", *text = f ? "slow" : "dunst 1.9";
		dbus_message_iter_open_container(&arr, DBUS_TYPE_STRUCT, NULL, &st);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &level);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &topic);
		dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &text);
		dbus_message_iter_close_container(&arr, &st);
	}
	dbus_message_iter_close_container(&it, &arr);
	dbus_message_set_serial(m, 10);
	return m;
}

static uint8_t *marshal_reference(size_t *ret_len)
{
	DBusMessage *m = reference_reply();
	char *bytes;
	int len;
	g_assert_true(dbus_message_marshal(m, &bytes, &len));
	dbus_message_unref(m);
	uint8_t *copy = g_malloc(len);
	memcpy(copy, bytes, len);
	dbus_free(bytes);
	*ret_len = (size_t)len;
	return copy;
}

static void test_read(void)
{
	size_t len;
	uint8_t *bytes = marshal_reference(&len);
	seed("reply", bytes, len);
	uint8_t *data = malloc(len);
	memcpy(data, bytes, len);
	struct present_wire_msg *m = present_wire_parse(data, len);
	g_assert_nonnull(m);
	g_assert_cmpint(m->type, ==, PRESENT_WIRE_RETURN);
	g_assert_cmpuint(m->reply_serial, ==, 9);
	g_assert_cmpstr(m->signature, ==, "ba{sv}a(sss)");

	struct present_wire_iter it, dict, entry, var, arr, st;
	bool yes = false;
	present_wire_iter_init(m, &it);
	g_assert_false(present_wire_iter_read(&it, 's', &(const char *){NULL})); /* a boolean is not a string */
	g_assert_true(present_wire_iter_read(&it, 'b', &yes));
	g_assert_true(yes);
	g_assert_true(present_wire_iter_enter(&it, 'a', &dict));
	int seen = 0;
	while (present_wire_iter_type(&dict) == '{') {
		const char *key;
		g_assert_true(present_wire_iter_enter(&dict, '{', &entry));
		g_assert_true(present_wire_iter_read(&entry, 's', &key));
		if (strcmp(key, "Label") == 0) {
			const char *label;
			g_assert_true(present_wire_iter_enter(&entry, 'v', &var));
			g_assert_true(present_wire_iter_read(&var, 's', &label));
			g_assert_cmpstr(label, ==, "Acme · review");
		} else if (strcmp(key, "Id") == 0) {
			uint64_t id;
			g_assert_true(present_wire_iter_enter(&entry, 'v', &var));
			g_assert_true(present_wire_iter_read(&var, 't', &id));
			g_assert_cmpuint(id, ==, 77);
		} else if (strcmp(key, "Muted") == 0) {
			const char *app;
			g_assert_true(present_wire_iter_enter(&entry, 'v', &var));
			g_assert_true(present_wire_iter_enter(&var, 'a', &arr));
			g_assert_true(present_wire_iter_read(&arr, 's', &app));
			g_assert_cmpstr(app, ==, "Thunderbird");
			g_assert_true(present_wire_iter_read(&arr, 's', &app));
			g_assert_cmpstr(app, ==, "Geary");
			g_assert_cmpint(present_wire_iter_type(&arr), ==, 0);
		} else {
			g_assert_true(present_wire_iter_skip(&entry)); /* a key this reader does not know */
		}
		g_assert_cmpint(present_wire_iter_type(&entry), ==, 0);
		seen++;
	}
	g_assert_cmpint(seen, ==, 4);
	g_assert_true(present_wire_iter_enter(&it, 'a', &arr));
	const char *level, *topic, *text;
	g_assert_true(present_wire_iter_enter(&arr, '(', &st));
	g_assert_true(present_wire_iter_read(&st, 's', &level));
	g_assert_true(present_wire_iter_read(&st, 's', &topic));
	g_assert_true(present_wire_iter_read(&st, 's', &text));
	g_assert_cmpstr(text, ==, "dunst 1.9");
	g_assert_true(present_wire_iter_enter(&arr, '(', &st));
	g_assert_true(present_wire_iter_read(&st, 's', &level));
	g_assert_cmpstr(level, ==, "warning");
	g_assert_cmpint(present_wire_iter_type(&arr), ==, 0);
	g_assert_cmpint(present_wire_iter_type(&it), ==, 0);
	present_wire_msg_free(m);
	g_free(bytes);
}

/* A big-endian sender's message reads the same. */
static void test_big_endian(void)
{
	static const uint8_t be[] = {
		'B', 4, 0, 1, 0, 0, 0, 11, 0, 0, 0, 5, 0, 0, 0, 56, /* signal, body 11, serial 5, fields 56 */
		1, 1, 'o', 0, 0, 0, 0, 2, '/', 'a', 0, 0, 0, 0, 0, 0, /* path "/a" */
		2, 1, 's', 0, 0, 0, 0, 3, 'a', '.', 'b', 0, 0, 0, 0, 0, /* interface "a.b" */
		3, 1, 's', 0, 0, 0, 0, 1, 'C', 0, 0, 0, 0, 0, 0, 0, /* member "C" */
		8, 1, 'g', 0, 2, 'u', 's', 0, /* signature "us" */
		0x12, 0x34, 0x56, 0x78, 0, 0, 0, 2, 'h', 'i', 0, /* 0x12345678, "hi" */
	};
	seed("big-endian", be, sizeof(be));
	uint8_t *data = malloc(sizeof(be));
	memcpy(data, be, sizeof(be));
	struct present_wire_msg *m = present_wire_parse(data, sizeof(be));
	g_assert_nonnull(m);
	g_assert_true(m->big_endian);
	g_assert_cmpstr(m->member, ==, "C");
	struct present_wire_iter it;
	uint32_t u;
	const char *s;
	present_wire_iter_init(m, &it);
	g_assert_true(present_wire_iter_read(&it, 'u', &u));
	g_assert_cmphex(u, ==, 0x12345678);
	g_assert_true(present_wire_iter_read(&it, 's', &s));
	g_assert_cmpstr(s, ==, "hi");
	present_wire_msg_free(m);
}

/* Reads every value, as a careless reader might, to give the sanitizers something to watch. */
static void walk(struct present_wire_iter *it)
{
	char t;
	while ((t = present_wire_iter_type(it))) {
		struct present_wire_iter sub;
		if (strchr("a({v", t)) {
			if (!present_wire_iter_enter(it, t, &sub))
				return;
			walk(&sub);
		} else if (!present_wire_iter_skip(it)) {
			return;
		}
	}
}

/* By hand, as no library would build it: a method return (reply serial 1)
 * whose body is "v" holding a variant holding ... depth times ... a byte. */
static uint8_t *nested_variants(size_t depth, size_t *ret_len)
{
	uint8_t *m = calloc(1, 32 + depth * 3 + 4);
	memcpy(m, (uint8_t[]){'l', 2, 0, 1}, 4);
	m[8] = 1;
	memcpy(m + 16, (uint8_t[]){5, 1, 'u', 0, 1, 0, 0, 0, 8, 1, 'g', 0, 1, 'v', 0}, 15);
	uint32_t fields = 15;
	memcpy(m + 12, &fields, 4);
	size_t o = 32;
	for (size_t k = 0; k < depth; k++) {
		m[o++] = 1;
		m[o++] = 'v';
		m[o++] = 0;
	}
	memcpy(m + o, (uint8_t[]){1, 'y', 0, 7}, 4);
	o += 4;
	uint32_t body = (uint32_t)(o - 32);
	memcpy(m + 4, &body, 4);
	*ret_len = o;
	return m;
}

static void test_malformed(void)
{
	size_t len;
	uint8_t *bytes = marshal_reference(&len);
	/* Every truncation is refused. */
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *data = malloc(cut ? cut : 1);
		memcpy(data, bytes, cut);
		g_assert_null(present_wire_parse(data, cut));
	}
	/* Every single-byte change is refused, or read within bounds. */
	for (size_t at = 0; at < len; at++) {
		for (int v = 0; v < 256; v += 17) {
			uint8_t *data = malloc(len);
			memcpy(data, bytes, len);
			data[at] = (uint8_t)(data[at] ^ (v ? v : 0x80));
			struct present_wire_msg *m = present_wire_parse(data, len);
			if (m) {
				struct present_wire_iter it;
				present_wire_iter_init(m, &it);
				walk(&it);
				present_wire_msg_free(m);
			}
		}
	}
	g_free(bytes);

	/* Variants inside variants, deeper than anyone could mean: refused, not a stack overflow. */
	size_t deep_len;
	uint8_t *deep = nested_variants(5000, &deep_len);
	g_assert_null(present_wire_parse(deep, deep_len));
	/* The same, shallow, is read. */
	deep = nested_variants(3, &deep_len);
	struct present_wire_msg *m = present_wire_parse(deep, deep_len);
	g_assert_nonnull(m);
	present_wire_msg_free(m);
}

static void test_no_bus(void)
{
	struct present_wire_error err = {0};
	g_setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
	g_assert_null(present_wire_connect(&err));
	g_assert_cmpstr(err.name, ==, "org.freedesktop.DBus.Error.BadAddress");
	present_wire_error_free(&err);
	g_setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus;unix:abstract=/nonexistent-present", TRUE);
	g_assert_null(present_wire_connect(&err));
	g_assert_cmpstr(err.name, ==, "org.freedesktop.DBus.Error.NoServer");
	present_wire_error_free(&err);
}

/* A bus of one connection, on a thread: it takes the authentication and the
 * messages that follow it, and answers with what libdbus marshals. */
struct fake_bus {
	char *dir, *path;
	int listener;
	bool refuse;
	bool call_came_first; /* the call arrived before the bus had answered anything */
	GThread *thread;
};

static gsize fake_bus_take(GByteArray *in, DBusMessage **ret)
{
	int need = dbus_message_demarshal_bytes_needed((const char *)in->data, (int)in->len);
	g_assert_cmpint(need, >=, 0);
	if (need == 0 || (guint)need > in->len)
		return 0;
	*ret = demarshal(in->data, (size_t)need);
	g_byte_array_remove_range(in, 0, (guint)need);
	return (gsize)need;
}

/* Reads more into in; false when nothing came within timeout_ms or the peer closed. */
static bool fake_bus_read(int fd, GByteArray *in, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) <= 0)
		return false;
	uint8_t buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return false;
	g_byte_array_append(in, buf, (guint)n);
	return true;
}

static void fake_bus_send(int fd, DBusMessage *m)
{
	char *bytes;
	int len;
	dbus_message_set_serial(m, 1000 + dbus_message_get_reply_serial(m));
	g_assert_true(dbus_message_marshal(m, &bytes, &len));
	g_assert_cmpint(send(fd, bytes, (size_t)len, MSG_NOSIGNAL), ==, len);
	dbus_free(bytes);
	dbus_message_unref(m);
}

static gpointer fake_bus_run(gpointer data)
{
	struct fake_bus *b = data;
	struct pollfd p = {.fd = b->listener, .events = POLLIN};
	g_assert_cmpint(poll(&p, 1, 5000), ==, 1);
	int fd = accept(b->listener, NULL, NULL);
	g_assert_cmpint(fd, >=, 0);
	GByteArray *in = g_byte_array_new();
	while (!in->len || !memmem(in->data, in->len, "BEGIN\r\n", 7))
		g_assert_true(fake_bus_read(fd, in, 5000));
	g_assert_cmpint(in->data[0], ==, 0);
	g_assert_nonnull(memmem(in->data, in->len, "AUTH EXTERNAL ", 14));
	if (b->refuse) {
		send(fd, "REJECTED EXTERNAL\r\n", 19, MSG_NOSIGNAL);
		close(fd);
		g_byte_array_unref(in);
		return NULL;
	}
	guint8 *begin = memmem(in->data, in->len, "BEGIN\r\n", 7);
	g_byte_array_remove_range(in, 0, (guint)(begin + 7 - in->data));

	DBusMessage *hello = NULL, *call_msg = NULL;
	while (!fake_bus_take(in, &hello))
		g_assert_true(fake_bus_read(fd, in, 5000));
	g_assert_cmpstr(dbus_message_get_member(hello), ==, "Hello");
	/* A client that waits for our answers before it calls gets them after a while. */
	while (!fake_bus_take(in, &call_msg) && fake_bus_read(fd, in, 1000))
		;
	b->call_came_first = call_msg != NULL;

	const char *guid = "OK 0123456789abcdef0123456789abcdef\r\n", *unique = ":1.7", *pong = "pong";
	send(fd, guid, strlen(guid), MSG_NOSIGNAL);
	DBusMessage *welcome = dbus_message_new_method_return(hello);
	dbus_message_append_args(welcome, DBUS_TYPE_STRING, &unique, DBUS_TYPE_INVALID);
	fake_bus_send(fd, welcome);
	while (!call_msg && !fake_bus_take(in, &call_msg))
		g_assert_true(fake_bus_read(fd, in, 5000));
	g_assert_cmpstr(dbus_message_get_member(call_msg), ==, "Start");
	DBusMessage *reply = dbus_message_new_method_return(call_msg);
	dbus_message_append_args(reply, DBUS_TYPE_STRING, &pong, DBUS_TYPE_INVALID);
	fake_bus_send(fd, reply);
	dbus_message_unref(hello);
	dbus_message_unref(call_msg);
	g_byte_array_unref(in);
	/* Until the client has read it all and closed. */
	uint8_t rest[64];
	while (recv(fd, rest, sizeof(rest), 0) > 0)
		;
	close(fd);
	return NULL;
}

static void fake_bus_start(struct fake_bus *b, bool refuse)
{
	*b = (struct fake_bus){.refuse = refuse};
	b->dir = g_dir_make_tmp("present-wire-XXXXXX", NULL);
	g_assert_nonnull(b->dir);
	b->path = g_build_filename(b->dir, "bus", NULL);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	g_assert_cmpuint(strlen(b->path), <, sizeof(sa.sun_path));
	strcpy(sa.sun_path, b->path);
	b->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(b->listener, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(b->listener, 1), ==, 0);
	char *address = g_strdup_printf("unix:path=%s", b->path);
	setenv("DBUS_SESSION_BUS_ADDRESS", address, 1); /* before the thread starts */
	g_free(address);
	b->thread = g_thread_new("fake-bus", fake_bus_run, b);
}

static void fake_bus_stop(struct fake_bus *b)
{
	g_thread_join(b->thread);
	close(b->listener);
	unlink(b->path);
	rmdir(b->dir);
	g_free(b->path);
	g_free(b->dir);
}

/* The call goes out behind the handshake, without a round trip to wait for
 * the bus's OK and its answer to Hello; both are still read and checked. */
static void test_call_behind_handshake(void)
{
	struct fake_bus b;
	fake_bus_start(&b, false);
	struct present_wire_error err = {0};
	struct present_wire *w = present_wire_connect(&err);
	g_assert_nonnull(w);
	struct present_wire_call c = call;
	c.timeout_ms = 10000;
	struct present_wire_msg *reply = present_wire_call(w, &c, &err, "us", 60u, "");
	g_assert_null(err.name);
	g_assert_nonnull(reply);
	struct present_wire_iter it;
	const char *text = NULL;
	present_wire_iter_init(reply, &it);
	g_assert_true(present_wire_iter_read(&it, 's', &text));
	g_assert_cmpstr(text, ==, "pong");
	present_wire_msg_free(reply);
	present_wire_close(w);
	fake_bus_stop(&b);
	g_assert_true(b.call_came_first);
}

/* A bus that refuses us is named as the reason, by the first call. */
static void test_refused(void)
{
	struct fake_bus b;
	fake_bus_start(&b, true);
	struct present_wire_error err = {0};
	struct present_wire *w = present_wire_connect(&err);
	struct present_wire_msg *reply = w ? present_wire_call(w, &call, &err, "us", 60u, "") : NULL;
	g_assert_null(reply);
	g_assert_cmpstr(err.name, ==, "org.freedesktop.DBus.Error.AuthFailed");
	g_assert_cmpstr(err.message, ==, "the bus refused to authenticate us: REJECTED EXTERNAL");
	present_wire_error_free(&err);
	present_wire_close(w);
	fake_bus_stop(&b);
}

/* The daemon's direct socket, played by a thread: what it does with the one
 * connection it accepts. */
enum peer_act {
	PEER_ANSWER, /* answers the call, which must come right behind BEGIN (no Hello: no bus) */
	PEER_READ_CLOSE, /* reads the call whole, then closes without answering */
	PEER_CLOSE_UNREAD, /* closes as soon as the call has arrived, reading none of it */
};

struct peer {
	char *dir, *path;
	int listener;
	enum peer_act act;
	GThread *thread;
};

static gpointer peer_run(gpointer data)
{
	struct peer *pe = data;
	int fd = accept(pe->listener, NULL, NULL);
	g_assert_cmpint(fd, >=, 0);
	GByteArray *in = g_byte_array_new();
	DBusMessage *call_msg = NULL;
	if (pe->act == PEER_CLOSE_UNREAD) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		g_assert_cmpint(poll(&p, 1, 5000), ==, 1);
		g_usleep(50000); /* the call follows the handshake in the same breath */
		close(fd);
		g_byte_array_unref(in);
		return NULL;
	}
	while (!in->len || !memmem(in->data, in->len, "BEGIN\r\n", 7))
		g_assert_true(fake_bus_read(fd, in, 5000));
	guint8 *begin = memmem(in->data, in->len, "BEGIN\r\n", 7);
	g_byte_array_remove_range(in, 0, (guint)(begin + 7 - in->data));
	while (!fake_bus_take(in, &call_msg))
		g_assert_true(fake_bus_read(fd, in, 5000));
	g_assert_cmpstr(dbus_message_get_member(call_msg), ==, "Start");
	if (pe->act == PEER_ANSWER) {
		const char *ok = "OK 0123456789abcdef0123456789abcdef\r\n", *pong = "pong";
		send(fd, ok, strlen(ok), MSG_NOSIGNAL);
		DBusMessage *reply = dbus_message_new_method_return(call_msg);
		dbus_message_append_args(reply, DBUS_TYPE_STRING, &pong, DBUS_TYPE_INVALID);
		fake_bus_send(fd, reply);
		uint8_t rest[64];
		while (recv(fd, rest, sizeof(rest), 0) > 0)
			;
	}
	dbus_message_unref(call_msg);
	g_byte_array_unref(in);
	close(fd);
	return NULL;
}

static void peer_start(struct peer *pe, enum peer_act act, bool accepting)
{
	*pe = (struct peer){.act = act};
	pe->dir = g_dir_make_tmp("present-direct-XXXXXX", NULL);
	pe->path = g_build_filename(pe->dir, "bus-0", NULL);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, pe->path);
	pe->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(pe->listener, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(pe->listener, 1), ==, 0);
	if (accepting)
		pe->thread = g_thread_new("peer", peer_run, pe);
}

static void peer_stop(struct peer *pe)
{
	if (pe->thread)
		g_thread_join(pe->thread);
	if (pe->listener >= 0)
		close(pe->listener);
	unlink(pe->path);
	rmdir(pe->dir);
	g_free(pe->path);
	g_free(pe->dir);
}

/* Sends the call, lets the peer act, and returns whether the call failed unread. */
static bool direct_call_unread(struct peer *pe, struct present_wire_error *err)
{
	struct present_wire *w = present_wire_connect_direct(pe->path, err);
	g_assert_nonnull(w);
	struct present_wire_call c = call;
	c.timeout_ms = 10000;
	if (!pe->thread) { /* a daemon exiting closes its socket with us still in the queue */
		close(pe->listener);
		pe->listener = -1;
	}
	struct present_wire_msg *reply = present_wire_call(w, &c, err, "us", 60u, "");
	bool unread = !reply && present_wire_unread(w);
	present_wire_msg_free(reply);
	present_wire_close(w);
	return unread;
}

/* A call on the direct socket: answered without any Hello, or failed, and
 * then the CLI must know whether the daemon can have read it (only a call
 * that cannot have been read is made again through the bus). */
static void test_direct(void)
{
	struct peer pe;
	struct present_wire_error err = {0};

	peer_start(&pe, PEER_ANSWER, true);
	struct present_wire *w = present_wire_connect_direct(pe.path, &err);
	g_assert_nonnull(w);
	struct present_wire_msg *reply = present_wire_call(w, &call, &err, "us", 60u, "");
	g_assert_null(err.name);
	g_assert_nonnull(reply);
	present_wire_msg_free(reply);
	present_wire_close(w);
	peer_stop(&pe);

	peer_start(&pe, PEER_ANSWER, false);
	g_assert_true(direct_call_unread(&pe, &err));
	g_assert_cmpstr(err.name, ==, "org.freedesktop.DBus.Error.Disconnected");
	present_wire_error_free(&err);
	peer_stop(&pe);

	peer_start(&pe, PEER_CLOSE_UNREAD, true);
	g_assert_true(direct_call_unread(&pe, &err));
	present_wire_error_free(&err);
	peer_stop(&pe);

	peer_start(&pe, PEER_READ_CLOSE, true);
	g_assert_false(direct_call_unread(&pe, &err));
	g_assert_cmpstr(err.name, ==, "org.freedesktop.DBus.Error.Disconnected");
	g_assert_cmpstr(err.message, ==, "the daemon closed the connection");
	present_wire_error_free(&err);
	peer_stop(&pe);

	g_assert_null(present_wire_connect_direct("/nonexistent/present/bus-0", &err));
	g_assert_cmpstr(err.name, ==, "org.freedesktop.DBus.Error.NoServer");
	present_wire_error_free(&err);
}

/* The daemon's status, written with libdbus, read back by the CLI's reader. */
static void test_status_round_trip(void)
{
	DBusMessage *msg = dbus_message_new_signal("/a", "a.b", "C");
	DBusMessageIter it;
	char *muted[] = {"Thunderbird", "Geary", NULL};
	struct present_unrestored unrestored[] = {
		{"GNOME Shell", "org-mozilla-thunderbird", "dconf: permission denied"},
		{"GNOME Shell", "", "Zoë · 会议: timed out"},
	};
	struct present_status in = {.active = true, .id = 7, .started_at = 100, .ends_at = 3700, .label = "Acme",
		.dnd_state = "on", .muted = muted, .alerts = 12, .unrestored = unrestored, .n_unrestored = 2},
			      out;
	dbus_message_iter_init_append(msg, &it);
	g_assert_true(present_status_write(&in, &it));
	g_assert_cmpstr(dbus_message_get_signature(msg), ==, "a{sv}");
	dbus_message_set_serial(msg, 3);
	char *bytes;
	int len;
	g_assert_true(dbus_message_marshal(msg, &bytes, &len));
	dbus_message_unref(msg);
	uint8_t *data = malloc((size_t)len);
	memcpy(data, bytes, (size_t)len);
	dbus_free(bytes);
	struct present_wire_msg *m = present_wire_parse(data, (size_t)len);
	g_assert_nonnull(m);
	struct present_wire_iter wi;
	present_wire_iter_init(m, &wi);
	g_assert_true(present_status_read(&wi, &out));
	g_assert_true(out.active);
	g_assert_cmpuint(out.id, ==, 7);
	g_assert_cmpint(out.started_at, ==, 100);
	g_assert_cmpint(out.ends_at, ==, 3700);
	g_assert_cmpstr(out.label, ==, "Acme");
	g_assert_cmpstr(out.dnd_state, ==, "on");
	g_assert_cmpstr(out.muted[0], ==, "Thunderbird");
	g_assert_cmpstr(out.muted[1], ==, "Geary");
	g_assert_null(out.muted[2]);
	g_assert_cmpuint(out.alerts, ==, 12);
	g_assert_cmpuint(out.n_unrestored, ==, 2);
	for (size_t i = 0; i < 2; i++) {
		g_assert_cmpstr(out.unrestored[i].backend, ==, unrestored[i].backend);
		g_assert_cmpstr(out.unrestored[i].app, ==, unrestored[i].app);
		g_assert_cmpstr(out.unrestored[i].reason, ==, unrestored[i].reason);
	}
	present_status_finish(&out);
	present_wire_msg_free(m);

	/* A wrong signature is refused, not misread. */
	size_t n;
	uint8_t *call_bytes = present_wire_marshal_call(&call, 1, &n, "s", "x");
	m = present_wire_parse(call_bytes, n);
	g_assert_nonnull(m);
	present_wire_iter_init(m, &wi);
	g_assert_false(present_status_read(&wi, &out));
	present_status_finish(&out);
	present_wire_msg_free(m);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/wire/marshal", test_marshal);
	g_test_add_func("/wire/marshal-refuses", test_marshal_refuses);
	g_test_add_func("/wire/read", test_read);
	g_test_add_func("/wire/big-endian", test_big_endian);
	g_test_add_func("/wire/malformed", test_malformed);
	g_test_add_func("/wire/no-bus", test_no_bus);
	g_test_add_func("/wire/call-behind-handshake", test_call_behind_handshake);
	g_test_add_func("/wire/refused", test_refused);
	g_test_add_func("/wire/direct", test_direct);
	g_test_add_func("/protocol/status-round-trip", test_status_round_trip);
	return g_test_run();
}
