#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "bus-call.h"
#include "daemon.h"
#include "introspection.h"
#include "leftovers.h"
#include "monitor.h"
#include "present-build.h"
#include "protocol.h"
#include "service.h"
#include "status-write.h"
#include "timefmt.h"

/* A handler returns its reply, or NULL with err set; dispatch() maps the error. */
typedef DBusMessage *(*method_fn)(struct present_daemon *d, DBusMessage *msg, DBusError *err);

struct method {
	const char *interface;
	const char *member;
	const char *signature;
	method_fn handler;
	bool reads_only; /* answered by a daemon exiting when idle too */
};

/* due_from: a start, which names the responses owed falling due in it, so
 * that the caller can say them before going dark without opening the store.
 * config_warnings: a start's, NULL-terminated, or NULL. */
static DBusMessage *reply_status(DBusMessage *msg, const struct present_daemon *d, const dbus_bool_t *flag,
	struct present_store *due_from, char **config_warnings)
{
	DBusMessage *reply = dbus_message_new_method_return(msg);
	if (!reply)
		return NULL;
	DBusMessageIter it;
	struct present_status status;
	present_session_describe(d, &status);
	status.config_warnings = config_warnings;
	if (due_from &&
		present_status_due_collect(due_from, present_time_now() * 1000, d->session.ends_at * 1000, &status) < 0)
		present_log("warning", "the responses owed falling due are not said: %s", present_store_error(due_from));
	dbus_message_iter_init_append(reply, &it);
	bool ok = (!flag || dbus_message_iter_append_basic(&it, DBUS_TYPE_BOOLEAN, flag)) &&
		present_status_write(&status, &it);
	present_status_due_free(&status);
	if (!ok) {
		dbus_message_unref(reply);
		return NULL;
	}
	return reply;
}

static DBusMessage *restore_reply(struct present_daemon *d, DBusMessage *msg);

/* What a call that ended the session hears: the session as it was, and
 * what could not be put back. */
static DBusMessage *ended_reply(struct present_daemon *d, DBusMessage *call)
{
	if (dbus_message_has_member(call, "Restore"))
		return restore_reply(d, call);
	/* Stop says it stopped one; Toggle, that it did not start one. */
	dbus_bool_t flag = dbus_message_has_member(call, "Stop");
	return reply_status(call, d, &flag, NULL, NULL);
}

void present_service_reply_early(struct present_daemon *d)
{
	DBusMessage *call = d->ending_call;
	if (call) {
		d->ending_call = NULL;
		d->early_reply = ended_reply(d, call);
		if (d->early_reply && dbus_message_get_no_reply(call)) {
			dbus_message_unref(d->early_reply);
			d->early_reply = NULL;
			d->replied_early = true;
		}
		dbus_message_unref(call);
	}
	if (!d->early_reply)
		return;
	/* Sending writes at once what the socket takes; no flush after it: a
	 * caller that does not read would hold the loop, and the session's end
	 * with it, until it did. The rest goes out as the loop comes back. */
	DBusConnection *conn = d->calling ? d->calling : d->bus;
	dbus_connection_send(conn, d->early_reply, NULL);
	dbus_message_unref(d->early_reply);
	d->early_reply = NULL;
	d->replied_early = true;
}

/* Logged as ever, and kept for the caller: its terminal is where someone reads them. */
static void log_and_collect_warning(const char *message, void *userdata)
{
	present_log("warning", "%s", message);
	g_ptr_array_add(userdata, g_strdup(message));
}

/* Start and Toggle's start: (u s) in. The configuration is read again for
 * every session, so an edit applies at the next start without restarting
 * anything; it is this process's file that governs, whatever file the caller
 * could see, and the caller is told what is wrong in it. The caller hears
 * first (a keyboard shortcut waits on it); signals, hooks and the log
 * follow. NULL once the reply has gone. */
static DBusMessage *start_replying(struct present_daemon *d, DBusMessage *msg, const dbus_bool_t *started,
	DBusError *err)
{
	uint32_t seconds;
	const char *label;
	char *error = NULL;
	DBusMessage *reply = NULL;
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT32, &seconds, DBUS_TYPE_STRING, &label, DBUS_TYPE_INVALID);
	/* With a session running, the answer is that one's end, whatever the file now says: the file is
	 * the next session's, and a broken one is said when that starts. */
	if (!d->session.active && present_daemon_reload_config(d, log_and_collect_warning, warnings, &error) < 0) {
		dbus_set_error(err, PRESENT_ERROR_CONFIG, "%s", error ? error : "cannot read the configuration");
		free(error);
		goto out;
	}
	if (!present_session_start(d, seconds ? seconds : d->config.default_duration, label, err))
		goto out;
	g_ptr_array_add(warnings, NULL);
	reply = reply_status(msg, d, started, d->store, (char **)warnings->pdata);
	if (reply && !dbus_message_get_no_reply(msg)) {
		d->early_reply = reply;
		present_service_reply_early(d);
		reply = NULL;
	}
	present_session_announce(d);
out:
	g_ptr_array_unref(warnings);
	return reply;
}

static DBusMessage *method_start(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	return start_replying(d, msg, NULL, err);
}

/* Ends the running session. The reply is built once the desktop is back,
 * so that it says what could not be put back, and goes out before the rest
 * of the end (present_service_reply_early()). Returns NULL: d->replied_early
 * tells dispatch() that it has gone, and no reply is out of memory. */
static DBusMessage *end_replying(struct present_daemon *d, DBusMessage *msg, const char *reason)
{
	d->ending_call = dbus_message_ref(msg);
	present_session_end(d, reason);
	return NULL;
}

/* Stop and Toggle describe the session they ended, so the caller can say what it was. */
static DBusMessage *method_stop(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	dbus_bool_t stopped = false;
	if (d->session.active)
		return end_replying(d, msg, "stop");
	/* What a session left on is what a stop pressed between sessions is
	 * for, this daemon's or one's that died since: it is tried now, and
	 * the reply says what is still on. */
	if (present_leftovers_to_put_back(d))
		present_leftovers_retry(d, NULL);
	return reply_status(msg, d, &stopped, NULL, NULL);
}

static DBusMessage *method_toggle(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	if (d->session.active)
		return end_replying(d, msg, "stop");
	dbus_bool_t started = true;
	return start_replying(d, msg, &started, err);
}

static DBusMessage *method_extend(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	uint32_t seconds;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT32, &seconds, DBUS_TYPE_INVALID);
	if (!present_session_extend(d, seconds, err))
		return NULL;
	return reply_status(msg, d, NULL, NULL, NULL);
}

/* Restore's reply, once the session (if one ran) has put back its own
 * switches: whatever is still recorded is put back, and the reply counts
 * both and describes the session ended, so that the user hears that it was. */
static DBusMessage *restore_reply(struct present_daemon *d, DBusMessage *msg)
{
	const struct present_session *s = &d->session;
	char *error = NULL;
	/* All of it back: no more tries, and the notification that said it goes. */
	int r = present_leftovers_retry(d, &error);
	if (r < 0) {
		DBusMessage *reply = NULL;
		char *text = NULL;
		if (asprintf(&text, "%ssome changes could not be put back yet: %s",
			    s->active ? "the running session was ended, but " : "", error ? error : "unknown error") > 0)
			reply = present_bus_new_error(msg, DBUS_ERROR_FAILED, text);
		free(text);
		free(error);
		return reply;
	}
	uint32_t restored = (uint32_t)r + (s->active ? (uint32_t)s->dnd.restored : 0);
	DBusMessage *reply = dbus_message_new_method_return(msg);
	DBusMessageIter it;
	struct present_status status;
	present_session_describe(d, &status);
	/* What the end could not put back was just tried again, and put back. */
	status.unrestored = NULL;
	status.n_unrestored = 0;
	if (!reply)
		return NULL;
	dbus_message_iter_init_append(reply, &it);
	if (!dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &restored) || !present_status_write(&status, &it)) {
		dbus_message_unref(reply);
		return NULL;
	}
	return reply;
}

/* `present restore`: end any session, then put back whatever is left. */
static DBusMessage *method_restore(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	if (d->session.active)
		return end_replying(d, msg, "restore");
	return restore_reply(d, msg);
}

struct findings {
	DBusMessageIter array;
	bool ok;
};

static void add_finding(const char *level, const char *topic, const char *message, void *userdata)
{
	struct findings *f = userdata;
	DBusMessageIter item;
	f->ok = f->ok && dbus_message_iter_open_container(&f->array, DBUS_TYPE_STRUCT, NULL, &item) &&
		dbus_message_iter_append_basic(&item, DBUS_TYPE_STRING, &level) &&
		dbus_message_iter_append_basic(&item, DBUS_TYPE_STRING, &topic) &&
		present_bus_append_text(&item, message) &&
		dbus_message_iter_close_container(&f->array, &item);
}

/* Whether a session could hold alerts: a running one says; else try a monitor for a moment. */
static void diagnose_capture(struct present_daemon *d, struct findings *f)
{
	char *error = NULL;
	if (d->session.active) {
		/* Without the store, the store's finding says why. */
		if (d->session.capture_error)
			add_finding("failure", "alerts", d->store ? d->session.capture_error : "not held: there is no store", f);
		else
			add_finding("ok", "alerts", "held for the running session", f);
		return;
	}
	if (present_monitor_try(&error))
		add_finding("ok", "alerts", "can be held (the bus lets present monitor them)", f);
	else
		add_finding("failure", "alerts", error ? error : "cannot be held", f);
	free(error);
}

/* Held until the file's own finding is out: a warning names a line of it. */
static void collect_warning(const char *message, void *userdata)
{
	g_ptr_array_add(userdata, g_strdup(message));
}

/* `present doctor`: what a session would do here, each finding with its level. */
static DBusMessage *method_diagnose(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	DBusMessage *reply = dbus_message_new_method_return(msg);
	DBusMessageIter it;
	struct findings f = {.ok = reply != NULL};
	if (!reply)
		return NULL;
	dbus_message_iter_init_append(reply, &it);
	f.ok = dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(sss)", &f.array);

	char *error = NULL, *line = NULL;
	GPtrArray *unknown = g_ptr_array_new_with_free_func(g_free);
	/* Read for the findings alone: a look must not change what the daemon, or its running session, does. */
	struct present_config fresh;
	bool read = present_config_load(&fresh, collect_warning, unknown, &error) == 0;
	const struct present_config *cfg = read ? &fresh : &d->config;
	if (!read) {
		add_finding("failure", "configuration", error ? error : "cannot be read", &f);
		free(error);
	} else if (fresh.path) {
		add_finding("ok", "configuration", fresh.path, &f);
	} else {
		add_finding("ok", "configuration", "no file: the built-in defaults apply", &f);
	}
	for (guint i = 0; i < unknown->len; i++)
		add_finding("warning", "configuration", unknown->pdata[i], &f);
	g_ptr_array_unref(unknown);
	if (d->store) {
		add_finding("ok", "store", present_store_path(d->store), &f);
	} else if (asprintf(&line, "%s: sessions and changes are not recorded", present_daemon_store_error(d)) > 0) {
		add_finding("failure", "store", line, &f);
		free(line);
	}
	present_dnd_diagnose(d->dnd, cfg, add_finding, &f);
	present_config_finish(&fresh);
	/* Trying the switch may have left it on: shown in the status and tried again as a session's leftovers are
	 * (doctor's own report said it). */
	present_leftovers_check(d);
	diagnose_capture(d, &f);

	if (!dbus_message_iter_close_container(&it, &f.array) || !f.ok) {
		dbus_message_unref(reply);
		return NULL;
	}
	return reply;
}

static DBusMessage *empty_reply(DBusMessage *msg)
{
	return dbus_message_new_method_return(msg);
}

static bool owed_result(struct present_daemon *d, int r, uint64_t id, DBusError *err)
{
	if (r < 0) {
		dbus_set_error(err, DBUS_ERROR_FAILED, "%s", present_store_error(d->store));
		return false;
	}
	if (r == 0) {
		dbus_set_error(err, PRESENT_ERROR_NO_SUCH_ITEM, "no open response owed has id %llu", (unsigned long long)id);
		return false;
	}
	present_reminders_reschedule(d->reminders);
	present_session_owed_changed(d);
	return true;
}

static DBusMessage *method_set_owed_state(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	uint64_t id;
	const char *state;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &id, DBUS_TYPE_STRING, &state, DBUS_TYPE_INVALID);
	if (strcmp(state, "acknowledged") != 0 && strcmp(state, "answered") != 0 && strcmp(state, "dismissed") != 0) {
		dbus_set_error(err, DBUS_ERROR_INVALID_ARGS, "a response owed can be acknowledged, answered or dismissed, "
							     "not \"%s\"", state);
		return NULL;
	}
	if (!d->store) {
		dbus_set_error(err, DBUS_ERROR_FAILED, "%s", present_daemon_store_error(d));
		return NULL;
	}
	int r = present_store_owed_set_state(d->store, (int64_t)id, state, g_get_real_time() / 1000);
	return owed_result(d, r, id, err) ? empty_reply(msg) : NULL;
}

/* Acknowledge: `present ack`, with the text it gives the user to send. An item is acknowledged once:
 * acknowledged again, it changes nothing and answers with what is on record, so that every caller says
 * the same (the time it was acknowledged, the text given then). */
static DBusMessage *method_acknowledge(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	uint64_t id;
	const char *text;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &id, DBUS_TYPE_STRING, &text, DBUS_TYPE_INVALID);
	if (strlen(text) > PRESENT_ACK_TEXT_MAX) {
		dbus_set_error(err, DBUS_ERROR_INVALID_ARGS, "an acknowledgement is at most %d bytes",
			PRESENT_ACK_TEXT_MAX);
		return NULL;
	}
	if (!d->store) {
		dbus_set_error(err, DBUS_ERROR_FAILED, "%s", present_daemon_store_error(d));
		return NULL;
	}
	int64_t at;
	char *recorded = NULL;
	int r = present_store_owed_ack(d->store, (int64_t)id, g_get_real_time() / 1000, *text ? text : NULL, &at,
		&recorded);
	if (r != PRESENT_OWED_ALREADY_ACKED && !owed_result(d, r, id, err)) {
		free(recorded);
		return NULL;
	}
	/* The store holds what a caller sent, which was UTF-8; a file edited by hand may not be. */
	char *valid = recorded ? g_utf8_make_valid(recorded, -1) : g_strdup("");
	dbus_bool_t already = r == PRESENT_OWED_ALREADY_ACKED;
	DBusMessage *reply = dbus_message_new_method_return(msg);
	if (reply && !dbus_message_append_args(reply, DBUS_TYPE_INT64, &at, DBUS_TYPE_STRING, &valid, DBUS_TYPE_BOOLEAN,
			     &already, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		reply = NULL;
	}
	g_free(valid);
	free(recorded);
	return reply;
}

static DBusMessage *method_snooze(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	uint64_t id;
	uint32_t seconds;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_UINT64, &id, DBUS_TYPE_UINT32, &seconds, DBUS_TYPE_INVALID);
	if (seconds == 0 || seconds > 86400) {
		dbus_set_error(err, DBUS_ERROR_INVALID_ARGS, "a snooze lasts more than 0 and at most 24 hours");
		return NULL;
	}
	if (!d->store) {
		dbus_set_error(err, DBUS_ERROR_FAILED, "%s", present_daemon_store_error(d));
		return NULL;
	}
	int r = present_store_owed_snooze(d->store, (int64_t)id, g_get_real_time() / 1000 + (int64_t)seconds * 1000);
	return owed_result(d, r, id, err) ? empty_reply(msg) : NULL;
}

static DBusMessage *method_get_status(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	return reply_status(msg, d, NULL, NULL, NULL);
}

/* Properties: each is read from the session when asked, never cached. */
struct property {
	const char *name;
	int type;
};

static const struct property properties[] = {
	{"Active", DBUS_TYPE_BOOLEAN},
	{"EndsAt", DBUS_TYPE_INT64},
	{"Label", DBUS_TYPE_STRING},
	{"SessionId", DBUS_TYPE_UINT64},
	{"StartedAt", DBUS_TYPE_INT64},
	{"Version", DBUS_TYPE_STRING},
};

static bool append_property(struct present_daemon *d, const struct property *p, DBusMessageIter *it)
{
	const struct present_session *s = &d->session;
	dbus_bool_t active = s->active;
	const char *label = s->label ? s->label : "", *version = PRESENT_VERSION;
	const void *value = NULL;
	if (strcmp(p->name, "Active") == 0)
		value = &active;
	else if (strcmp(p->name, "EndsAt") == 0)
		value = &s->ends_at;
	else if (strcmp(p->name, "Label") == 0)
		value = &label;
	else if (strcmp(p->name, "SessionId") == 0)
		value = &s->id;
	else if (strcmp(p->name, "StartedAt") == 0)
		value = &s->started_at;
	else
		value = &version;

	char sig[2] = {(char)p->type, '\0'};
	DBusMessageIter variant;
	return dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, sig, &variant) &&
		dbus_message_iter_append_basic(&variant, p->type, value) &&
		dbus_message_iter_close_container(it, &variant);
}

static bool append_all_properties(struct present_daemon *d, DBusMessageIter *it, bool session_only)
{
	DBusMessageIter dict, entry;
	if (!dbus_message_iter_open_container(it, DBUS_TYPE_ARRAY, "{sv}", &dict))
		return false;
	for (size_t i = 0; i < sizeof(properties) / sizeof(properties[0]); i++) {
		if (session_only && strcmp(properties[i].name, "Version") == 0)
			continue;
		if (!dbus_message_iter_open_container(&dict, DBUS_TYPE_DICT_ENTRY, NULL, &entry) ||
			!dbus_message_iter_append_basic(&entry, DBUS_TYPE_STRING, &properties[i].name) ||
			!append_property(d, &properties[i], &entry) || !dbus_message_iter_close_container(&dict, &entry))
			return false;
	}
	return dbus_message_iter_close_container(it, &dict);
}

static DBusMessage *method_properties_get(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	const char *iface, *name;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID);
	for (size_t i = 0; strcmp(iface, PRESENT_INTERFACE) == 0 && i < sizeof(properties) / sizeof(properties[0]);
		i++) {
		if (strcmp(properties[i].name, name) != 0)
			continue;
		DBusMessage *reply = dbus_message_new_method_return(msg);
		DBusMessageIter it;
		if (reply) {
			dbus_message_iter_init_append(reply, &it);
			if (!append_property(d, &properties[i], &it)) {
				dbus_message_unref(reply);
				reply = NULL;
			}
		}
		return reply;
	}
	dbus_set_error(err, DBUS_ERROR_UNKNOWN_PROPERTY, "no property %s.%s", iface, name);
	return NULL;
}

static DBusMessage *method_properties_get_all(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	const char *iface;
	dbus_message_get_args(msg, NULL, DBUS_TYPE_STRING, &iface, DBUS_TYPE_INVALID);
	DBusMessage *reply = dbus_message_new_method_return(msg);
	DBusMessageIter it, empty;
	if (!reply)
		return NULL;
	dbus_message_iter_init_append(reply, &it);
	bool ok = strcmp(iface, PRESENT_INTERFACE) == 0
		? append_all_properties(d, &it, false)
		: dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &empty) &&
			dbus_message_iter_close_container(&it, &empty);
	if (!ok) {
		dbus_message_unref(reply);
		return NULL;
	}
	return reply;
}

static DBusMessage *method_introspect(struct present_daemon *d, DBusMessage *msg, DBusError *err)
{
	DBusMessage *reply = dbus_message_new_method_return(msg);
	const char *xml = present_introspection_xml;
	if (reply && !dbus_message_append_args(reply, DBUS_TYPE_STRING, &xml, DBUS_TYPE_INVALID)) {
		dbus_message_unref(reply);
		return NULL;
	}
	return reply;
}

static const struct method methods[] = {
	{PRESENT_INTERFACE, "Acknowledge", "ts", method_acknowledge, false},
	{PRESENT_INTERFACE, "Diagnose", "", method_diagnose, false},
	{PRESENT_INTERFACE, "Extend", "u", method_extend, false},
	{PRESENT_INTERFACE, "GetStatus", "", method_get_status, true},
	{PRESENT_INTERFACE, "Restore", "", method_restore, false},
	{PRESENT_INTERFACE, "SetOwedState", "ts", method_set_owed_state, false},
	{PRESENT_INTERFACE, "Snooze", "tu", method_snooze, false},
	{PRESENT_INTERFACE, "Start", "us", method_start, false},
	{PRESENT_INTERFACE, "Stop", "", method_stop, false},
	{PRESENT_INTERFACE, "Toggle", "us", method_toggle, false},
	{DBUS_INTERFACE_INTROSPECTABLE, "Introspect", "", method_introspect, true},
	{DBUS_INTERFACE_PROPERTIES, "Get", "ss", method_properties_get, true},
	{DBUS_INTERFACE_PROPERTIES, "GetAll", "s", method_properties_get_all, true},
};

static const struct method *find_method(DBusMessage *msg)
{
	const char *iface = dbus_message_get_interface(msg), *member = dbus_message_get_member(msg);
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		/* A call without an interface matches by member alone, as the spec allows. */
		if ((!iface || strcmp(iface, methods[i].interface) == 0) && strcmp(member, methods[i].member) == 0)
			return &methods[i];
	}
	return NULL;
}

/* Only the user whose session this is may drive it: the bus could admit
 * others (a shared or misconfigured bus), and a session holds their private
 * messages. On the direct socket the kernel said who connected; on the bus
 * the answer is asked once and remembered for the caller's connection. */
static bool caller_allowed(struct present_daemon *d, DBusConnection *conn, DBusMessage *msg)
{
	unsigned long uid;
	if (conn != d->bus)
		return dbus_connection_get_unix_user(conn, &uid) && uid == (unsigned long)geteuid();
	const char *sender = dbus_message_get_sender(msg);
	if (!sender)
		return false;
	if (!d->callers)
		d->callers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gpointer known = g_hash_table_lookup(d->callers, sender);
	if (known)
		return GPOINTER_TO_INT(known) == 1;
	DBusError err;
	dbus_error_init(&err);
	uid = dbus_bus_get_unix_user(d->bus, sender, &err);
	bool ok = !dbus_error_is_set(&err) && uid == (unsigned long)geteuid();
	dbus_error_free(&err);
	/* Unique names are never reused on a bus; still, keep the table small. */
	if (g_hash_table_size(d->callers) > 256)
		g_hash_table_remove_all(d->callers);
	g_hash_table_insert(d->callers, g_strdup(sender), GINT_TO_POINTER(ok ? 1 : 2));
	return ok;
}

static DBusHandlerResult dispatch(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct present_daemon *d = data;
	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;

	DBusError err;
	dbus_error_init(&err);
	DBusMessage *reply = NULL;
	const struct method *m = find_method(msg);
	if (!caller_allowed(d, conn, msg))
		dbus_set_error(&err, DBUS_ERROR_ACCESS_DENIED, "only the user of this session may use present");
	else if (!m)
		dbus_set_error(&err, DBUS_ERROR_UNKNOWN_METHOD, "no method %s.%s", dbus_message_get_interface(msg),
			dbus_message_get_member(msg));
	else if (!dbus_message_has_signature(msg, m->signature))
		dbus_set_error(&err, DBUS_ERROR_INVALID_ARGS, "%s takes (%s), not (%s)", m->member, m->signature,
			dbus_message_get_signature(msg));
	/* Queued as it gave its name back: a session, a snooze's reminder, a
	 * switch left on would end with this process. The next daemon takes it. */
	else if (d->name_released && !m->reads_only)
		dbus_set_error(&err, PRESENT_ERROR_EXITING, "the present daemon is exiting; call again to reach the next one");
	else {
		d->calling = conn;
		reply = m->handler(d, msg, &err);
		d->calling = NULL;
	}

	if (!reply && dbus_error_is_set(&err))
		reply = present_bus_new_error(msg, err.name, err.message);
	dbus_error_free(&err);
	if (!reply && d->replied_early) {
		d->replied_early = false;
		present_daemon_update_idle(d);
		return DBUS_HANDLER_RESULT_HANDLED;
	}
	if (!reply)
		return DBUS_HANDLER_RESULT_NEED_MEMORY;
	if (!dbus_message_get_no_reply(msg))
		dbus_connection_send(conn, reply, NULL);
	dbus_message_unref(reply);
	present_daemon_update_idle(d);
	return DBUS_HANDLER_RESULT_HANDLED;
}

bool present_service_register(struct present_daemon *d, DBusConnection *conn)
{
	static const DBusObjectPathVTable vtable = {.message_function = dispatch};
	return dbus_connection_register_object_path(conn, PRESENT_OBJECT_PATH, &vtable, d);
}

void present_service_properties_changed(struct present_daemon *d)
{
	if (!d->bus || !dbus_connection_get_is_connected(d->bus))
		return;
	DBusMessage *sig = dbus_message_new_signal(PRESENT_OBJECT_PATH, DBUS_INTERFACE_PROPERTIES, "PropertiesChanged");
	const char *iface = PRESENT_INTERFACE;
	DBusMessageIter it, none;
	if (!sig)
		return;
	dbus_message_iter_init_append(sig, &it);
	if (dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &iface) && append_all_properties(d, &it, true) &&
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &none) &&
		dbus_message_iter_close_container(&it, &none))
		dbus_connection_send(d->bus, sig, NULL);
	dbus_message_unref(sig);
}

void present_service_emit(struct present_daemon *d, const char *signal, const char *reason)
{
	if (!d->bus || !dbus_connection_get_is_connected(d->bus))
		return;
	DBusMessage *sig = dbus_message_new_signal(PRESENT_OBJECT_PATH, PRESENT_INTERFACE, signal);
	if (!sig)
		return;
	DBusMessageIter it;
	struct present_status status;
	present_session_describe(d, &status);
	dbus_message_iter_init_append(sig, &it);
	if (present_status_write(&status, &it) &&
		(!reason || dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &reason)))
		dbus_connection_send(d->bus, sig, NULL);
	dbus_message_unref(sig);
}
