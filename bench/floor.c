/*
 * The least a command can do to turn a notification server's switch: one
 * process, linked as `present` is (statically, with present's own D-Bus
 * client), that makes the one call the server's own tool makes and exits on
 * its reply. It keeps no record, reads nothing first and reads nothing back.
 * bench/run times it beside present and the tool: no command that turns the
 * switch through the bus can take less on the machine of that run.
 *
 *     floor dunst|xfce|swaync on|off
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

struct switch_call {
	const char *server;
	struct present_wire_call call;
	/* The property's two names, before its value in a variant; NULL: the value alone. */
	const char *arg1, *arg2;
};

static const struct switch_call switches[] = {
	{"dunst", {"org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.freedesktop.DBus.Properties",
		"Set", true, 0}, "org.dunstproject.cmd0", "paused"},
	{"xfce", {"org.xfce.Xfconf", "/org/xfce/Xfconf", "org.xfce.Xfconf", "SetProperty", true, 0}, "xfce4-notifyd",
		"/do-not-disturb"},
	{"swaync", {"org.erikreider.swaync.cc", "/org/erikreider/swaync/cc", "org.erikreider.swaync.cc", "SetDnd", true,
		0}, NULL, NULL},
};

int main(int argc, char **argv)
{
	const struct switch_call *s = NULL;
	for (size_t i = 0; argc == 3 && i < sizeof(switches) / sizeof(switches[0]); i++)
		if (strcmp(argv[1], switches[i].server) == 0)
			s = &switches[i];
	bool on = argc == 3 && strcmp(argv[2], "on") == 0;
	if (!s || (!on && strcmp(argv[2], "off") != 0)) {
		fprintf(stderr, "usage: floor dunst|xfce|swaync on|off\n");
		return 2;
	}
	struct present_wire_error err = {0};
	struct present_wire *w = present_wire_connect(&err);
	struct present_wire_msg *reply = NULL;
	if (w && s->arg1)
		reply = present_wire_call(w, &s->call, &err, "ssv", s->arg1, s->arg2, "b", (int)on);
	else if (w)
		reply = present_wire_call(w, &s->call, &err, "b", (int)on);
	present_wire_close(w);
	if (!reply) {
		fprintf(stderr, "floor: %s: %s\n", err.name, err.message);
		present_wire_error_free(&err);
		return 1;
	}
	present_wire_msg_free(reply);
	return 0;
}
