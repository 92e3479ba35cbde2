#include <glib-unix.h>

#include "bus-glue.h"

/* One GSource per connection dispatches whatever libdbus has queued. */
struct dispatch_source {
	GSource source;
	DBusConnection *connection;
};

struct glue {
	GMainContext *context;
	GSource *dispatch;
};

static dbus_int32_t glue_slot = -1;

static gboolean dispatch_prepare(GSource *source, gint *timeout)
{
	struct dispatch_source *s = (struct dispatch_source *)source;
	*timeout = -1;
	return dbus_connection_get_dispatch_status(s->connection) == DBUS_DISPATCH_DATA_REMAINS;
}

static gboolean dispatch_check(GSource *source)
{
	return dispatch_prepare(source, &(gint){0});
}

static gboolean dispatch_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
	struct dispatch_source *s = (struct dispatch_source *)source;
	/* One message per iteration keeps timers and other fds served during a flood. */
	dbus_connection_ref(s->connection);
	dbus_connection_dispatch(s->connection);
	dbus_connection_unref(s->connection);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs dispatch_funcs = {
	.prepare = dispatch_prepare,
	.check = dispatch_check,
	.dispatch = dispatch_dispatch,
};

static void wake_up(DBusConnection *connection, DBusDispatchStatus status, void *data)
{
	if (status == DBUS_DISPATCH_DATA_REMAINS)
		g_main_context_wakeup(((struct glue *)data)->context);
}

static gboolean watch_ready(gint fd, GIOCondition cond, gpointer data)
{
	unsigned int flags = 0;
	if (cond & G_IO_IN)
		flags |= DBUS_WATCH_READABLE;
	if (cond & G_IO_OUT)
		flags |= DBUS_WATCH_WRITABLE;
	if (cond & G_IO_ERR)
		flags |= DBUS_WATCH_ERROR;
	if (cond & G_IO_HUP)
		flags |= DBUS_WATCH_HANGUP;
	dbus_watch_handle(data, flags);
	return G_SOURCE_CONTINUE;
}

static void watch_source_drop(DBusWatch *watch)
{
	GSource *source = dbus_watch_get_data(watch);
	if (source) {
		g_source_destroy(source);
		g_source_unref(source);
		dbus_watch_set_data(watch, NULL, NULL);
	}
}

static dbus_bool_t watch_add(DBusWatch *watch, void *data)
{
	struct glue *glue = data;
	if (!dbus_watch_get_enabled(watch))
		return TRUE;
	unsigned int flags = dbus_watch_get_flags(watch);
	GIOCondition cond = G_IO_ERR | G_IO_HUP;
	if (flags & DBUS_WATCH_READABLE)
		cond |= G_IO_IN;
	if (flags & DBUS_WATCH_WRITABLE)
		cond |= G_IO_OUT;
	GSource *source = g_unix_fd_source_new(dbus_watch_get_unix_fd(watch), cond);
	g_source_set_callback(source, (GSourceFunc)(void (*)(void))watch_ready, watch, NULL);
	g_source_attach(source, glue->context);
	dbus_watch_set_data(watch, source, NULL);
	return TRUE;
}

static void watch_remove(DBusWatch *watch, void *data)
{
	watch_source_drop(watch);
}

static void watch_toggled(DBusWatch *watch, void *data)
{
	watch_source_drop(watch);
	watch_add(watch, data);
}

static gboolean timeout_fired(gpointer data)
{
	dbus_timeout_handle(data);
	return G_SOURCE_CONTINUE;
}

static void timeout_source_drop(DBusTimeout *timeout)
{
	GSource *source = dbus_timeout_get_data(timeout);
	if (source) {
		g_source_destroy(source);
		g_source_unref(source);
		dbus_timeout_set_data(timeout, NULL, NULL);
	}
}

static dbus_bool_t timeout_add(DBusTimeout *timeout, void *data)
{
	struct glue *glue = data;
	if (!dbus_timeout_get_enabled(timeout))
		return TRUE;
	GSource *source = g_timeout_source_new(dbus_timeout_get_interval(timeout));
	g_source_set_callback(source, timeout_fired, timeout, NULL);
	g_source_attach(source, glue->context);
	dbus_timeout_set_data(timeout, source, NULL);
	return TRUE;
}

static void timeout_remove(DBusTimeout *timeout, void *data)
{
	timeout_source_drop(timeout);
}

static void timeout_toggled(DBusTimeout *timeout, void *data)
{
	timeout_source_drop(timeout);
	timeout_add(timeout, data);
}

/* A server's glue has no dispatch source: it has nothing to dispatch. */
static void glue_free(void *data)
{
	struct glue *glue = data;
	if (glue->dispatch) {
		g_source_destroy(glue->dispatch);
		g_source_unref(glue->dispatch);
	}
	g_main_context_unref(glue->context);
	g_free(glue);
}

static struct glue *glue_new(GMainContext *context)
{
	struct glue *glue = g_new0(struct glue, 1);
	glue->context = context ? g_main_context_ref(context) : g_main_context_ref_thread_default();
	return glue;
}

void present_bus_glue_attach(DBusConnection *connection, GMainContext *context)
{
	if (!dbus_connection_allocate_data_slot(&glue_slot))
		g_error("out of memory");

	struct glue *glue = glue_new(context);
	glue->dispatch = g_source_new(&dispatch_funcs, sizeof(struct dispatch_source));
	((struct dispatch_source *)glue->dispatch)->connection = connection;
	g_source_attach(glue->dispatch, glue->context);
	dbus_connection_set_data(connection, glue_slot, glue, glue_free);

	dbus_connection_set_watch_functions(connection, watch_add, watch_remove, watch_toggled, glue, NULL);
	dbus_connection_set_timeout_functions(connection, timeout_add, timeout_remove, timeout_toggled, glue, NULL);
	dbus_connection_set_dispatch_status_function(connection, wake_up, glue, NULL);
	wake_up(connection, dbus_connection_get_dispatch_status(connection), glue);
}

/* Each of a server's lists gets its own glue, freed by libdbus with the list. */
bool present_bus_glue_attach_server(DBusServer *server, GMainContext *context)
{
	struct glue *watches = glue_new(context), *timeouts = glue_new(context);
	if (!dbus_server_set_watch_functions(server, watch_add, watch_remove, watch_toggled, watches, glue_free)) {
		glue_free(watches);
		glue_free(timeouts);
		return false;
	}
	if (!dbus_server_set_timeout_functions(server, timeout_add, timeout_remove, timeout_toggled, timeouts,
		    glue_free)) {
		glue_free(timeouts);
		return false;
	}
	return true;
}

void present_bus_glue_detach(DBusConnection *connection)
{
	if (glue_slot < 0 || !dbus_connection_get_data(connection, glue_slot))
		return;
	dbus_connection_set_watch_functions(connection, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_timeout_functions(connection, NULL, NULL, NULL, NULL, NULL);
	dbus_connection_set_dispatch_status_function(connection, NULL, NULL, NULL);
	dbus_connection_set_data(connection, glue_slot, NULL, NULL);
	dbus_connection_free_data_slot(&glue_slot);
}
