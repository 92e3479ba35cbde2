#ifndef PRESENT_WIRE_H
#define PRESENT_WIRE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Just enough of the D-Bus wire protocol for the CLI: the session bus over a
 * Unix socket, EXTERNAL authentication, method calls with basic arguments,
 * and reading replies and signals with bounds-checked iterators. The CLI
 * speaks it instead of linking libdbus-1, whose dependencies (libsystemd,
 * libgcrypt, compression libraries) take longer to load than the rest of a
 * `present start`; the daemon keeps libdbus-1. BENCHMARKS.md has the figures.
 */

enum present_wire_type {
	PRESENT_WIRE_CALL = 1,
	PRESENT_WIRE_RETURN = 2,
	PRESENT_WIRE_ERROR = 3,
	PRESENT_WIRE_SIGNAL = 4,
};

/** Largest message accepted, as the specification allows (128 MiB). */
#define PRESENT_WIRE_MAX_MESSAGE (128u * 1024 * 1024)

/** A received message. Its strings point into data, valid until it is freed. */
struct present_wire_msg {
	uint8_t type, flags;
	bool big_endian;
	uint32_t serial, reply_serial;
	const char *path, *interface, *member, *error_name, *destination, *sender;
	const char *signature; /* "" when the message has no body */
	const uint8_t *body;
	size_t body_len;
	uint8_t *data;
	size_t len;
};

/** Why a call failed: a D-Bus error name (the daemon's, the bus's, or one for the transport) and a message. */
struct present_wire_error {
	char *name, *message;
};

/** Reads the values of a message, one complete type at a time; every read checks type and bounds. */
struct present_wire_iter {
	const uint8_t *base; /* offsets and alignment are relative to here */
	size_t pos, end;
	const char *sig; /* the types still to read at this level; in an array, the element's type */
	size_t sig_len;
	bool array; /* the element type repeats until end */
	bool big_endian;
	unsigned depth;
};

struct present_wire;

/**
 * Parses and validates a whole message of len bytes, header and body,
 * taking ownership of data (from malloc). Returns NULL, data freed, when
 * anything is malformed or memory runs out.
 */
struct present_wire_msg *present_wire_parse(uint8_t *data, size_t len);

/** Frees a message and its data; accepts NULL. */
void present_wire_msg_free(struct present_wire_msg *msg);

/**
 * Connects to the session bus ($DBUS_SESSION_BUS_ADDRESS, else
 * $XDG_RUNTIME_DIR/bus) and sends the authentication and Hello without
 * waiting for the answers: the first call reads them, and fails with
 * org.freedesktop.DBus.Error.AuthFailed if the bus refused us. Returns NULL
 * and fills err when the bus cannot be reached.
 */
struct present_wire *present_wire_connect(struct present_wire_error *err);

/**
 * Connects to a peer that speaks D-Bus itself (the daemon's direct socket
 * at path) and sends the authentication without waiting, as
 * present_wire_connect() does, with no Hello: there is no bus. Returns NULL
 * and fills err (org.freedesktop.DBus.Error.NoServer) when nothing listens.
 */
struct present_wire *present_wire_connect_direct(const char *path, struct present_wire_error *err);

/**
 * After a failed call: whether the peer cannot have read it, so that making
 * it again elsewhere cannot make it twice. True when the peer refused the
 * authentication, the call could not be written, or the peer reset the
 * connection (a Unix socket closed with data unread, or never accepted);
 * false when it closed after reading, or did not answer in time.
 */
bool present_wire_unread(const struct present_wire *w);

/** Closes the connection; accepts NULL. */
void present_wire_close(struct present_wire *w);

/** Where a call goes. A call with no_auto_start never activates the destination. */
struct present_wire_call {
	const char *destination, *path, *interface, *member;
	bool no_auto_start;
	int timeout_ms; /* 0: 25 s, as libdbus */
};

/**
 * Calls a method and waits for its reply. The arguments follow signature,
 * basic types and variants of them only: y (int), b (int), n q i u (int or
 * unsigned), x t (int64_t, uint64_t), d (double), s o g (const char *), v
 * (the value's one-letter type as a string, then the value). Returns the
 * method's reply, or NULL with err filled: the error the call got, or
 * org.freedesktop.DBus.Error.Disconnected, NoReply or NoMemory for the
 * transport. Signals that arrive meanwhile are kept for present_wire_next().
 */
struct present_wire_msg *present_wire_call(struct present_wire *w, const struct present_wire_call *call,
	struct present_wire_error *err, const char *signature, ...);

/** present_wire_call() with a va_list. */
struct present_wire_msg *present_wire_callv(struct present_wire *w, const struct present_wire_call *call,
	struct present_wire_error *err, const char *signature, va_list ap);

/**
 * The next message that is not a reply (a signal, mostly), waiting up to
 * timeout_ms (-1: forever). Returns 1 with *ret set, 0 on timeout, or a
 * negative errno when the connection is gone.
 */
int present_wire_next(struct present_wire *w, int timeout_ms, struct present_wire_msg **ret);

/** The socket, to poll alongside other sources; check present_wire_pending() first. */
int present_wire_fd(const struct present_wire *w);

/** Whether a message is already buffered, so that polling the socket would wait for nothing. */
bool present_wire_pending(const struct present_wire *w);

/** Fills err (replacing what it held). */
void present_wire_error_set(struct present_wire_error *err, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Whether err is set. */
bool present_wire_error_is_set(const struct present_wire_error *err);

/** Frees err's strings and clears it. */
void present_wire_error_free(struct present_wire_error *err);

/** Starts reading msg's body. */
void present_wire_iter_init(const struct present_wire_msg *msg, struct present_wire_iter *it);

/** The type code of the next value ('s', 'a', '(', '{', 'v', …), or 0 at the end. */
char present_wire_iter_type(const struct present_wire_iter *it);

/**
 * Reads the next value, of basic type `type`, into ret: uint8_t for y, bool
 * for b, int16_t/uint16_t for n/q, int32_t/uint32_t for i/u, int64_t/uint64_t
 * for x/t, double for d, const char * for s, o and g. Returns false, reading
 * nothing, when the next value is of another type or malformed.
 */
bool present_wire_iter_read(struct present_wire_iter *it, char type, void *ret);

/** Enters the next value, a container of type `type` ('a', '(', '{' or 'v'), and moves past it. */
bool present_wire_iter_enter(struct present_wire_iter *it, char type, struct present_wire_iter *ret);

/** Moves past the next value, whatever its type. Returns false when it is malformed. */
bool present_wire_iter_skip(struct present_wire_iter *it);

/** Marshals a method call (for tests: what present_wire_call() sends). Returns the bytes and their length. */
uint8_t *present_wire_marshal_call(const struct present_wire_call *call, uint32_t serial, size_t *ret_len,
	const char *signature, ...);

#endif
