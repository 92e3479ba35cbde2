/*
 * Capture: turns what the monitor sees into one record per alert. It
 * follows an alert through its hops (portal -> backend -> server, and GNOME's
 * proxy -> shell), its updates (replaces_id, the same gtk id) and its end
 * (withdrawn by the app, closed by the server), and hands every record to
 * the writer thread, so the bus is never kept waiting by the disk.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "capture.h"
#include "monitor.h"
#include "text.h"
#include "writer.h"

/* Hops of one alert arrive within this of each other, on a clock that is
 * never set (the wall clock set back would make every earlier alert
 * recent) and that runs on through a suspend (CLOCK_MONOTONIC stops, and
 * would make an alert before it and one after it moments apart). */
#define HOP_WINDOW_MS 2000
#define RECENT 32
#define PENDING_MAX 10000
/* Alerts an app may still update or take back, per table: past this, all
 * but the latest half are forgotten, so that a flood cannot grow them for
 * the whole session. Updating one older than that makes it a new alert. */
#define TRACKED_MAX 10000

struct recent {
	int64_t id, at;
	int64_t seen; /* boot_ms() */
	enum present_alert_path path;
	char *caller, *app, *summary, *body, *notification_id;
	bool has_app;
	bool owed; /* the alert counts towards a response owed already */
};

/* An alert sent with Notify, by whom, and (once answered) which server
 * numbered it. Ids are only the server's count: another app, or a server
 * that restarted and counts again, gives the same id to another alert. */
struct numbered {
	int64_t id; /* the alert */
	uint32_t replaced; /* the server's id the call updated, or 0 */
	char *caller, *app_name; /* who sent it, and under what name */
	char *server; /* the unique name that answered; NULL until then */
};

struct present_capture {
	struct present_monitor *monitor;
	struct present_writer *writer;
	int64_t session_id;
	char *own_name; /* the daemon's unique name: its own calls are not alerts */
	char *server_owner; /* who owns org.freedesktop.Notifications */
	GHashTable *pending; /* "caller serial" of a Notify -> struct numbered, until its reply */
	GHashTable *by_server_id; /* the server's id -> struct numbered */
	GHashTable *by_note_id; /* "path app id" (gtk, portal) -> alert id */
	GHashTable *ignored_ids; /* alert ids of apps in ignore_apps */
	int64_t newest; /* the latest alert's id */
	int64_t pruned_at; /* newest at the last forget_old() that took any out */
	/* Their alerts the server may still hold: its id -> its unique name.
	 * Ids are the server's own, so a server that replaced another reuses
	 * them, for alerts the one replaced took with it. */
	GHashTable *ignored_on_server;
	struct recent recent[RECENT];
	unsigned recent_next;
	uint64_t count;
	struct present_capture_rules rules; /* lists owned (copies) */
};

static int64_t now_ms(void)
{
	return g_get_real_time() / 1000;
}

static int64_t boot_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static gpointer box(int64_t id)
{
	return GSIZE_TO_POINTER((gsize)id);
}

static int64_t unbox(gpointer p)
{
	return (int64_t)GPOINTER_TO_SIZE(p);
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void numbered_free(gpointer p)
{
	struct numbered *n = p;
	g_free(n->caller);
	g_free(n->app_name);
	g_free(n->server);
	g_free(n);
}

/* The alert a Notify's replaces_id names, when the caller may update it:
 * the app that sent it, from the connection that did, or under the same
 * name (notify-send -r and dunstify -r are a new process each time). An id
 * that names another app's alert is an id out of date (the app's server
 * restarted) or a guess: it starts an alert of its own. */
static gpointer updated_by(struct present_capture *cap, const struct present_alert_event *ev)
{
	const struct numbered *n = g_hash_table_lookup(cap->by_server_id, GUINT_TO_POINTER(ev->replaces_id));
	if (!n || !(same(n->caller, ev->caller) || (ev->app_name && *ev->app_name && same(n->app_name, ev->app_name))))
		return NULL;
	return box(n->id);
}

static char *call_key(const char *name, uint32_t serial)
{
	return g_strdup_printf("%s %u", name ? name : "", serial);
}

static char *note_key(const struct present_alert_event *ev)
{
	/* The portal's own hop names no app: its id is only unique per caller. */
	const char *who = ev->path == PRESENT_PATH_PORTAL ? ev->caller : ev->app;
	return g_strdup_printf("%d %s %s", (int)ev->path, who ? who : "", ev->notification_id ? ev->notification_id : "");
}

static char *json_of(void (*write)(FILE *, const struct present_alert_event *), const struct present_alert_event *ev)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	write(f, ev);
	fclose(f);
	return buf;
}

static void write_actions(FILE *f, const struct present_alert_event *ev)
{
	fputc('[', f);
	for (size_t i = 0; i < ev->n_actions; i++) {
		fputs(i ? ", [" : "[", f);
		present_text_json(f, ev->actions[2 * i]);
		fputs(", ", f);
		present_text_json(f, ev->actions[2 * i + 1]);
		fputc(']', f);
	}
	fputc(']', f);
}

static void write_hints(FILE *f, const struct present_alert_event *ev)
{
	const struct {
		const char *key, *value;
	} text[] = {
		{"desktop-entry", ev->desktop_entry},
		{"x-kde-appname", ev->kde_appname},
		{"x-kde-eventId", ev->kde_event_id},
		{"sound-name", ev->sound_name},
	};
	const struct {
		const char *key;
		bool value;
	} flags[] = {
		{"transient", ev->transient},
		{"resident", ev->resident},
		{"x-canonical-private-synchronous", ev->synchronous},
		{"inline-reply", ev->inline_reply},
	};
	bool first = true;
	fputc('{', f);
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		if (!text[i].value)
			continue;
		fprintf(f, "%s\"%s\": ", first ? "" : ", ", text[i].key);
		present_text_json(f, text[i].value);
		first = false;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!flags[i].value)
			continue;
		fprintf(f, "%s\"%s\": true", first ? "" : ", ", flags[i].key);
		first = false;
	}
	fputc('}', f);
}

/* Mail and messages from people: somebody is waiting for an answer. Fills
 * note (its strings in *from and *subject, to free) and returns true, or
 * false when nobody waits. */
static bool owe(struct present_capture *cap, const struct present_alert_event *ev,
	const struct present_classification *c, int64_t at, struct present_owed_note *note, char **from, char **subject)
{
	if (c->cls != PRESENT_CLASS_MAIL && c->cls != PRESENT_CLASS_PERSON)
		return false;
	/* Mail that names nobody (a count, a reminder) is kept and shown, but nobody waits. The daemon's
	 * languages are the desktop's: the clients read the same variables. */
	if (!present_owed_extract(ev, g_get_language_names(), from, subject))
		return false;
	/* Either is NULL when memory ran out: still owed, by someone unnamed. */
	*note = (struct present_owed_note){
		.session_id = cap->session_id,
		.kind = present_class_name(c->cls),
		.app = ev->app ? ev->app : ev->app_name ? ev->app_name : "",
		.sender = *from && **from ? *from : "someone",
		.subject = *subject ? *subject : "",
		.at = at,
		.ack_by = at + cap->rules.ack_within * 1000,
		.answer_by = at + cap->rules.answer_within * 1000,
	};
	return true;
}

/* The alert and what it adds to a response owed (if may_owe) go to the
 * writer as one operation. Returns whether it adds to one. */
static bool send_alert(struct present_capture *cap, enum present_write_op op, const struct present_alert_record *a,
	const struct present_alert_event *ev, const struct present_classification *c, int64_t at, bool may_owe)
{
	struct present_owed_note note;
	char *from = NULL, *subject = NULL;
	bool owed = may_owe && owe(cap, ev, c, at, &note, &from, &subject);
	present_writer_alert(cap->writer, op, a, owed ? &note : NULL);
	free(from);
	free(subject);
	return owed;
}

static void note_ignored(struct present_capture *cap, int64_t id, const struct present_classification *c)
{
	if (c->ignored)
		g_hash_table_add(cap->ignored_ids, box(id));
	else
		g_hash_table_remove(cap->ignored_ids, box(id));
}

/* Returns whether the alert adds to a response owed. */
static bool record(struct present_capture *cap, enum present_write_op op, int64_t id,
	const struct present_alert_event *ev, int64_t at)
{
	struct present_classification c;
	present_classify(ev, &cap->rules.lists, &c);
	note_ignored(cap, id, &c);
	char *actions = ev->n_actions ? json_of(write_actions, ev) : NULL;
	char *hints = json_of(write_hints, ev);
	struct present_alert_record a = {
		.id = id,
		.session_id = cap->session_id,
		.received_at = at,
		.path = present_alert_path_name(ev->path),
		.caller = ev->caller,
		.app = ev->app,
		.app_name = ev->app_name,
		.summary = ev->summary,
		.body = ev->body,
		.icon = ev->icon,
		.category = ev->category,
		.actions = actions,
		.hints = hints && strcmp(hints, "{}") != 0 ? hints : NULL,
		.notification_id = ev->notification_id,
		.urgency = ev->urgency,
		.sender_pid = ev->sender_pid,
		.cls = present_class_name(c.cls),
		.rule = c.rule,
	};
	/* An update (replaces_id, the same gtk id) is a new message too: Evolution and
	 * Geary update one alert as mail keeps arriving. */
	bool owed = send_alert(cap, op, &a, ev, &c, at, true);
	free(actions);
	free(hints);
	return owed;
}

/* The portal's first hop cannot name the app; a later one can, and what the
 * alert is may depend on it (people_apps, mail_apps list app ids): classify
 * it again. This is not an update, and a response owed is counted once. */
static void name_app(struct present_capture *cap, struct recent *hop, const struct present_alert_event *ev)
{
	struct present_classification c;
	present_classify(ev, &cap->rules.lists, &c);
	note_ignored(cap, hop->id, &c);
	struct present_alert_record a = {
		.id = hop->id,
		.app = ev->app,
		.cls = present_class_name(c.cls),
		.rule = c.rule,
	};
	bool owed = send_alert(cap, PRESENT_WRITE_SET_APP, &a, ev, &c, hop->at, !hop->owed);
	hop->has_app = true;
	hop->app = g_strdup(ev->app);
	hop->owed = hop->owed || owed;
}

/* An earlier hop of the same alert (of alert id, unless 0), the latest:
 * the same text moments ago (now: boot_ms()), from a portal hop or from
 * another connection (a backend forwarding it). An app repeating itself on
 * its own connection is two alerts. */
static struct recent *earlier_hop(struct present_capture *cap, int64_t id, const struct present_alert_event *ev,
	int64_t now)
{
	/* A sandboxed app's own call is where its alert starts, never a hop. */
	if (ev->path == PRESENT_PATH_PORTAL)
		return NULL;
	for (unsigned i = 1; i <= RECENT; i++) {
		struct recent *r = &cap->recent[(cap->recent_next - i) % RECENT];
		if (!r->id || (id && r->id != id) || now - r->seen > HOP_WINDOW_MS || !same(r->summary, ev->summary) ||
			!same(r->body, ev->body))
			continue;
		/* Two apps that both say who they are and differ are two alerts,
		 * however alike ("Ana: ok" in Signal and in Slack). */
		if (r->app && ev->app && strcmp(r->app, ev->app) != 0)
			continue;
		/* The portal passes the app's id on (to its backend, and GNOME's
		 * backend to the shell): hops that both carry one carry the same. */
		if (r->notification_id && ev->notification_id && strcmp(r->notification_id, ev->notification_id) != 0)
			continue;
		/* Each hop is another connection's call: the same call again from
		 * the same connection is another alert. */
		if (r->path == ev->path && same(r->caller, ev->caller))
			continue;
		bool portal = r->path == PRESENT_PATH_PORTAL || r->path == PRESENT_PATH_IMPL_PORTAL;
		if (portal || !same(r->caller, ev->caller))
			return r;
	}
	return NULL;
}

static void remember(struct present_capture *cap, int64_t id, const struct present_alert_event *ev, int64_t at,
	int64_t seen, bool owed)
{
	struct recent *r = &cap->recent[cap->recent_next++ % RECENT];
	g_free(r->caller);
	g_free(r->app);
	g_free(r->summary);
	g_free(r->body);
	g_free(r->notification_id);
	*r = (struct recent){
		.id = id,
		.at = at,
		.seen = seen,
		.path = ev->path,
		.caller = g_strdup(ev->caller),
		.app = g_strdup(ev->app),
		.summary = g_strdup(ev->summary),
		.body = g_strdup(ev->body),
		.notification_id = g_strdup(ev->notification_id),
		.has_app = ev->app != NULL,
		.owed = owed,
	};
}

static gboolean numbered_before(gpointer key, gpointer value, gpointer oldest)
{
	return ((const struct numbered *)value)->id < *(const int64_t *)oldest;
}

static gboolean value_before(gpointer key, gpointer value, gpointer oldest)
{
	return unbox(value) < *(const int64_t *)oldest;
}

static gboolean key_before(gpointer key, gpointer value, gpointer oldest)
{
	return unbox(key) < *(const int64_t *)oldest;
}

/* Alert ids grow with each alert: the latest half are those from newest -
 * TRACKED_MAX / 2 on. A prune waits for that many alerts since the last:
 * a table that holds several keys an alert (a portal alert's hops) would
 * otherwise be scanned again at each one. */
static void forget_old(struct present_capture *cap)
{
	if (cap->newest - cap->pruned_at < TRACKED_MAX / 2 ||
		(g_hash_table_size(cap->by_server_id) <= TRACKED_MAX && g_hash_table_size(cap->by_note_id) <= TRACKED_MAX &&
			g_hash_table_size(cap->ignored_ids) <= TRACKED_MAX))
		return;
	cap->pruned_at = cap->newest;
	int64_t oldest = cap->newest - TRACKED_MAX / 2;
	g_hash_table_foreach_remove(cap->by_server_id, numbered_before, &oldest);
	g_hash_table_foreach_remove(cap->by_note_id, value_before, &oldest);
	g_hash_table_foreach_remove(cap->ignored_ids, key_before, &oldest);
}

static void on_add(struct present_capture *cap, const struct present_alert_event *ev, int64_t at)
{
	int64_t id = 0, seen = boot_ms();
	gpointer found = NULL;
	char *key = ev->path == PRESENT_PATH_NOTIFY ? NULL : note_key(ev);

	if (ev->path == PRESENT_PATH_NOTIFY && ev->replaces_id)
		found = updated_by(cap, ev);
	else if (key)
		found = g_hash_table_lookup(cap->by_note_id, key);
	/* An update crosses the hops the alert did, each finding the alert by
	 * its own id: it is one update, counted at its first hop. */
	struct recent *hop = earlier_hop(cap, found ? unbox(found) : 0, ev, seen);
	/* A portal hop moments ago starts this alert, whatever alert the id
	 * still names: a sandboxed app run again calls from a new connection
	 * with the ids its last run gave, and the backend's hop finds the
	 * alert of that run by its id. */
	if (!hop && found) {
		struct recent *chain = earlier_hop(cap, 0, ev, seen);
		if (chain && (chain->path == PRESENT_PATH_PORTAL || chain->path == PRESENT_PATH_IMPL_PORTAL))
			hop = chain;
	}
	bool owes_more = false; /* not a new alert, but more owed: the counts said change all the same */
	if (hop) {
		id = hop->id;
		bool owed = hop->owed;
		if (!hop->has_app && ev->app)
			name_app(cap, hop, ev);
		owes_more = hop->owed && !owed;
	} else if (found) {
		id = unbox(found);
		bool owed = record(cap, PRESENT_WRITE_UPDATE, id, ev, at);
		remember(cap, id, ev, at, seen, owed);
		owes_more = owed;
	} else {
		id = present_writer_next_id(cap->writer);
		bool owed = record(cap, PRESENT_WRITE_INSERT, id, ev, at);
		cap->count++;
		remember(cap, id, ev, at, seen, owed);
		cap->newest = id;
		forget_old(cap);
		if (cap->rules.on_new)
			cap->rules.on_new(cap->rules.userdata);
	}
	if (owes_more && cap->rules.on_new)
		cap->rules.on_new(cap->rules.userdata);
	/* A server that never answers must not pile its calls up; one asked for no answer gives none. */
	if (g_hash_table_size(cap->pending) > PENDING_MAX)
		g_hash_table_remove_all(cap->pending);
	if (ev->path == PRESENT_PATH_NOTIFY && !ev->no_reply) {
		struct numbered *n = g_new0(struct numbered, 1);
		*n = (struct numbered){.id = id, .replaced = ev->replaces_id, .caller = g_strdup(ev->caller),
			.app_name = g_strdup(ev->app_name)};
		g_hash_table_replace(cap->pending, call_key(ev->caller, ev->serial), n);
	}
	if (key)
		g_hash_table_replace(cap->by_note_id, key, box(id));
	else
		g_free(key);
}

void present_capture_message(struct present_capture *cap, DBusMessage *msg)
{
	struct present_alert_event ev;
	if (!present_alert_decode(msg, &ev))
		return;
	/* An id the decoder cut short goes by the lists' spelling, as its portal's hop spells it too. Out of memory,
	 * it keeps the short one, which the lists still match. */
	const char *whole = ev.kind == PRESENT_EVENT_ADD ? present_classify_whole_id(&ev, &cap->rules.lists) : NULL;
	char *whole_copy = whole ? strdup(whole) : NULL;
	if (whole_copy) {
		free(ev.app);
		ev.app = whole_copy;
	}
	int64_t at = now_ms();
	gpointer found = NULL;
	struct numbered *n;
	char *key = NULL;
	/* Our own calls, and the notification server forwarding what it got
	 * (GNOME's proxy to the shell), are not alerts of their own. */
	bool ours = ev.caller && ((cap->own_name && strcmp(ev.caller, cap->own_name) == 0) ||
					 (cap->server_owner && strcmp(ev.caller, cap->server_owner) == 0 &&
						 ev.kind != PRESENT_EVENT_REPLY && ev.kind != PRESENT_EVENT_ERROR &&
						 ev.kind != PRESENT_EVENT_CLOSED && ev.kind != PRESENT_EVENT_ACTION));

	/* present's own notifications (replays, reminders) come from this
	 * process through the notifier's own connection, which names it in
	 * sender-pid: a replay goes under its app's name, and can go out as
	 * the next session already listens. */
	ours = ours || (ev.kind == PRESENT_EVENT_ADD && ev.sender_pid == (int64_t)getpid());
	switch (ours ? PRESENT_EVENT_NONE : ev.kind) {
	case PRESENT_EVENT_ADD:
		on_add(cap, &ev, at);
		break;
	case PRESENT_EVENT_REPLY:
	case PRESENT_EVENT_ERROR:
		key = call_key(ev.destination, ev.reply_serial);
		gpointer call = NULL;
		if (!g_hash_table_steal_extended(cap->pending, key, &call, (gpointer *)&n))
			break;
		g_free(call);
		if (ev.kind == PRESENT_EVENT_REPLY) {
			present_writer_change(cap->writer, PRESENT_WRITE_SERVER_ID, n->id, ev.server_id, ev.caller);
			if (g_hash_table_contains(cap->ignored_ids, box(n->id)))
				g_hash_table_replace(cap->ignored_on_server, GUINT_TO_POINTER(ev.server_id),
					g_strdup(ev.caller));
			n->server = g_strdup(ev.caller);
			/* An update the server numbered anew (the one it replaced had
			 * expired) leaves the alert one id: a loop of them must not
			 * keep an id each. */
			const struct numbered *was = n->replaced != ev.server_id
				? g_hash_table_lookup(cap->by_server_id, GUINT_TO_POINTER(n->replaced))
				: NULL;
			if (was && was->id == n->id && same(was->server, n->server))
				g_hash_table_remove(cap->by_server_id, GUINT_TO_POINTER(n->replaced));
			g_hash_table_replace(cap->by_server_id, GUINT_TO_POINTER(ev.server_id), n);
			forget_old(cap);
		} else {
			present_writer_change(cap->writer, PRESENT_WRITE_REFUSED, n->id, 0, ev.error_name);
			numbered_free(n);
		}
		break;
	case PRESENT_EVENT_WITHDRAW:
		if (ev.path == PRESENT_PATH_NOTIFY) {
			/* Taken back by the app that sent it; another's call (an id out
			 * of date) closes it on the server all the same, but its message
			 * still stands. */
			n = g_hash_table_lookup(cap->by_server_id, GUINT_TO_POINTER(ev.server_id));
			found = n && same(n->caller, ev.caller) ? box(n->id) : NULL;
			g_hash_table_remove(cap->ignored_on_server, GUINT_TO_POINTER(ev.server_id));
		} else {
			found = g_hash_table_lookup(cap->by_note_id, key = note_key(&ev));
		}
		if (found)
			present_writer_change(cap->writer, PRESENT_WRITE_WITHDRAW, unbox(found), at, NULL);
		/* Its id is free again: the next alert with it (Geary's one id for
		 * new mail) is a new alert, not an update of the one withdrawn. */
		if (key)
			g_hash_table_remove(cap->by_note_id, key);
		break;
	case PRESENT_EVENT_CLOSED:
		/* Anyone may emit the signal: only the server that gave the id closes it,
		 * for the ignored alerts it holds as for the alerts' marks. */
		if (same(g_hash_table_lookup(cap->ignored_on_server, GUINT_TO_POINTER(ev.server_id)), ev.caller))
			g_hash_table_remove(cap->ignored_on_server, GUINT_TO_POINTER(ev.server_id));
		n = g_hash_table_lookup(cap->by_server_id, GUINT_TO_POINTER(ev.server_id));
		if (n && same(n->server, ev.caller))
			present_writer_change(cap->writer, PRESENT_WRITE_CLOSED, n->id, ev.reason, NULL);
		break;
	case PRESENT_EVENT_ACTION:
	case PRESENT_EVENT_NONE:
		break;
	}
	g_free(key);
	present_alert_event_finish(&ev);
}

static void on_message(DBusMessage *msg, void *userdata)
{
	present_capture_message(userdata, msg);
}

static void on_gap(int64_t from, int64_t to, const char *reason, void *userdata)
{
	struct present_capture *cap = userdata;
	present_writer_gap(cap->writer, cap->session_id, from, to, reason);
}

static void on_watching(bool watching, void *userdata)
{
	struct present_capture *cap = userdata;
	if (cap->rules.on_watching)
		cap->rules.on_watching(watching, cap->rules.userdata);
}

struct present_capture_spare {
	char *store_path;
	DBusConnection *conn; /* NULL: could not connect, tried again at the start */
	DBusPendingCall *asked; /* BecomeMonitor, sent on conn */
	struct present_writer *writer; /* NULL: the store could not be opened, likewise */
};

struct present_capture_spare *present_capture_spare_make(const char *store_path)
{
	struct present_capture_spare *spare = g_new0(struct present_capture_spare, 1);
	char *error = NULL;
	spare->store_path = g_strdup(store_path);
	/* What fails here fails again at the start, where the caller hears why. */
	spare->conn = present_monitor_connect(&error);
	free(error);
	error = NULL;
	spare->writer = present_writer_create(store_path, &error);
	free(error);
	return spare;
}

void present_capture_spare_free(struct present_capture_spare *spare)
{
	if (!spare)
		return;
	if (spare->asked)
		dbus_pending_call_unref(spare->asked);
	if (spare->conn) {
		dbus_connection_close(spare->conn);
		dbus_connection_unref(spare->conn);
	}
	present_writer_destroy(spare->writer);
	g_free(spare->store_path);
	g_free(spare);
}

void present_capture_spare_ask(struct present_capture_spare *spare)
{
	if (spare->conn && !spare->asked)
		spare->asked = present_monitor_ask(spare->conn);
}

struct present_capture *present_capture_start(DBusConnection *bus, struct present_capture_spare *spare,
	const char *server_owner, int64_t session_id, const struct present_capture_rules *rules, char **ret_error)
{
	struct present_capture *cap = g_new0(struct present_capture, 1);
	cap->session_id = session_id;
	cap->rules = (struct present_capture_rules){
		.lists = {
			.mail_apps = (const char *const *)g_strdupv((char **)rules->lists.mail_apps),
			.people_apps = (const char *const *)g_strdupv((char **)rules->lists.people_apps),
			.ignore_apps = (const char *const *)g_strdupv((char **)rules->lists.ignore_apps),
		},
		.ack_within = rules->ack_within,
		.answer_within = rules->answer_within,
		.on_new = rules->on_new,
		.on_watching = rules->on_watching,
		.userdata = rules->userdata,
	};
	cap->own_name = g_strdup(dbus_bus_get_unique_name(bus));
	cap->server_owner = server_owner && *server_owner ? g_strdup(server_owner) : NULL;
	cap->pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, numbered_free);
	cap->by_server_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, numbered_free);
	cap->by_note_id = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	cap->ignored_ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	cap->ignored_on_server = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	cap->writer = spare->writer ? spare->writer : present_writer_create(spare->store_path, ret_error);
	spare->writer = NULL;
	if (cap->writer) {
		cap->monitor = present_monitor_create(spare->conn, spare->asked,
			&(const struct present_monitor_calls){on_message, on_gap, on_watching}, cap, ret_error);
		spare->conn = NULL;
		spare->asked = NULL;
	}
	present_capture_spare_free(spare);
	if (!cap->monitor) {
		present_capture_stop(cap);
		return NULL;
	}
	return cap;
}

void present_capture_hold(struct present_capture *cap)
{
	present_writer_hold(cap->writer);
}

void present_capture_recorded(struct present_capture *cap, int64_t session_id)
{
	if (!cap)
		return;
	cap->session_id = session_id;
	present_writer_recorded(cap->writer, session_id);
}

struct present_writer *present_capture_end(struct present_capture *cap, uint64_t *ret_count)
{
	if (!cap) {
		if (ret_count)
			*ret_count = 0;
		return NULL;
	}
	/* The monitor's last reads, what the bus sent it before it closed, still go to the writer. */
	present_monitor_destroy(cap->monitor);
	if (ret_count)
		*ret_count = cap->count;
	struct present_writer *w = cap->writer;
	for (unsigned i = 0; i < RECENT; i++) {
		g_free(cap->recent[i].caller);
		g_free(cap->recent[i].app);
		g_free(cap->recent[i].summary);
		g_free(cap->recent[i].body);
		g_free(cap->recent[i].notification_id);
	}
	g_hash_table_destroy(cap->pending);
	g_hash_table_destroy(cap->by_server_id);
	g_hash_table_destroy(cap->by_note_id);
	g_hash_table_destroy(cap->ignored_ids);
	g_hash_table_destroy(cap->ignored_on_server);
	g_free(cap->own_name);
	g_free(cap->server_owner);
	g_strfreev((char **)cap->rules.lists.mail_apps);
	g_strfreev((char **)cap->rules.lists.people_apps);
	g_strfreev((char **)cap->rules.lists.ignore_apps);
	g_free(cap);
	return w;
}

void present_capture_stop(struct present_capture *cap)
{
	present_writer_destroy(present_capture_end(cap, NULL));
}

void present_capture_server_owner(struct present_capture *cap, const char *owner)
{
	g_free(cap->server_owner);
	cap->server_owner = owner && *owner ? g_strdup(owner) : NULL;
}

void present_capture_each_ignored(const struct present_capture *cap, present_capture_ignored_fn fn, void *userdata)
{
	GHashTableIter it;
	gpointer id, server;
	g_hash_table_iter_init(&it, cap->ignored_on_server);
	while (g_hash_table_iter_next(&it, &id, &server))
		fn(server, GPOINTER_TO_UINT(id), userdata);
}

uint64_t present_capture_count(const struct present_capture *cap)
{
	return cap->count;
}
