#include <glib.h>
#include <libnotify/notify.h>
#include <string.h>

#include "log.h"
#include "notifier.h"

struct present_notifier {
	GList *live; /* shown and not yet closed: their actions must stay answerable */
};

struct present_notifier *present_notifier_create(void)
{
	return g_new0(struct present_notifier, 1);
}

static void on_closed(NotifyNotification *notification, gpointer data)
{
	struct present_notifier *n = data;
	n->live = g_list_remove(n->live, notification);
	g_object_unref(notification);
}

static void on_action(NotifyNotification *notification, char *action, gpointer data)
{
	GError *error = NULL;
	char **argv = g_object_get_data(G_OBJECT(notification), "present-command");
	if (argv && !g_spawn_async(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &error)) {
		present_log("warning", "cannot run %s: %s", argv[0], error->message);
		g_error_free(error);
	}
}

bool present_notify(struct present_notifier *n, const struct present_notice *notice)
{
	if (!notify_is_initted() && !notify_init("present")) {
		present_log("warning", "cannot show a notification: libnotify did not start");
		return false;
	}
	/* Servers read bodies as markup: escape, so an alert's text stays text. */
	char *body = notice->body ? g_markup_escape_text(notice->body, -1) : NULL;
	NotifyNotification *note = notify_notification_new(notice->summary, body, notice->icon);
	g_free(body);
	notify_notification_set_app_name(note, notice->app_name ? notice->app_name : "present");
	notify_notification_set_urgency(note, notice->urgency == 0 ? NOTIFY_URGENCY_LOW
			: notice->urgency == 2                       ? NOTIFY_URGENCY_CRITICAL
								     : NOTIFY_URGENCY_NORMAL);
	if (notice->command && notice->command[0]) {
		g_object_set_data_full(G_OBJECT(note), "present-command", g_strdupv((char **)notice->command),
			(GDestroyNotify)g_strfreev);
		notify_notification_add_action(note, "default", notice->action_label ? notice->action_label : "Open",
			on_action, NULL, NULL);
	}
	GError *error = NULL;
	if (!notify_notification_show(note, &error)) {
		present_log("warning", "cannot show a notification: %s", error ? error->message : "no server");
		g_clear_error(&error);
		g_object_unref(note);
		return false;
	}
	g_signal_connect(note, "closed", G_CALLBACK(on_closed), n);
	n->live = g_list_prepend(n->live, note);
	return true;
}

void present_notifier_destroy(struct present_notifier *n)
{
	if (!n)
		return;
	for (GList *l = n->live; l; l = l->next) {
		g_signal_handlers_disconnect_by_data(l->data, n);
		g_object_unref(l->data);
	}
	g_list_free(n->live);
	if (notify_is_initted())
		notify_uninit();
	g_free(n);
}
