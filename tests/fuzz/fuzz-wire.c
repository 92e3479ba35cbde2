/*
 * libFuzzer target for the CLI's D-Bus reader (src/common/wire.c). Each input
 * is a message as it could come off the bus. present_wire_parse() must
 * refuse it or accept it whole; an accepted message is then read value by
 * value the way the CLI reads replies, and every read must stay within the
 * message (ASan) and agree with a second walk that only skips.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads everything below it; returns how many values it read. */
static size_t walk(struct present_wire_iter *it)
{
	size_t n = 0;
	char t;
	while ((t = present_wire_iter_type(it))) {
		struct present_wire_iter sub;
		if (strchr("a({v", t)) {
			if (!present_wire_iter_enter(it, t, &sub))
				abort(); /* a message that parsed is valid throughout */
			n += walk(&sub);
		} else {
			uint64_t scratch;
			if (!present_wire_iter_read(it, t, &scratch))
				abort();
		}
		n++;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	struct present_wire_msg *m = present_wire_parse(copy, size);
	if (!m)
		return 0;
	struct present_wire_iter it, skipping;
	present_wire_iter_init(m, &it);
	present_wire_iter_init(m, &skipping);
	walk(&it);
	while (present_wire_iter_type(&skipping))
		if (!present_wire_iter_skip(&skipping))
			abort();
	if (it.pos != m->body_len || skipping.pos != m->body_len)
		abort();
	present_wire_msg_free(m);
	return 0;
}
