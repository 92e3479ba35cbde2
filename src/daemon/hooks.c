#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "hooks.h"
#include "timefmt.h"

/* What the child watch needs to say which hook failed. */
struct hook {
	const char *key;
	char *command; /* argv joined, for the log */
};

static void hook_free(gpointer data)
{
	struct hook *h = data;
	g_free(h->command);
	g_free(h);
}

static void hook_exited(GPid pid, gint status, gpointer data)
{
	struct hook *h = data;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		present_log("warning", "%s: '%s' exited with status %d", h->key, h->command, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		present_log("warning", "%s: '%s' was killed by signal %d (%s)", h->key, h->command, WTERMSIG(status),
			strsignal(WTERMSIG(status)));
	g_spawn_close_pid(pid);
}

static void run(const char *key, char **argv, char **envp)
{
	struct hook *h = g_new0(struct hook, 1);
	h->key = key;
	h->command = g_strjoinv(" ", argv);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	GError *error = NULL;
	GPid pid;
	/* A hook reads nothing of ours; its output goes where the daemon's does (the journal). */
	if (!g_spawn_async_with_fds(NULL, argv, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
		    null, -1, -1, &error)) {
		present_log("warning", "%s: cannot run '%s': %s", key, h->command, error->message);
		g_error_free(error);
		hook_free(h);
	} else {
		g_child_watch_add_full(G_PRIORITY_DEFAULT, pid, hook_exited, h, hook_free);
	}
	if (null >= 0)
		close(null);
}

static char **session_environ(const struct present_session *s)
{
	char until[40], number[32];
	char **envp = g_get_environ();
	snprintf(number, sizeof(number), "%" PRIu64, s->id);
	envp = g_environ_setenv(envp, "PRESENT_SESSION_ID", number, TRUE);
	envp = g_environ_setenv(envp, "PRESENT_LABEL", s->label ? s->label : "", TRUE);
	present_time_iso8601(s->ends_at, until, sizeof(until));
	envp = g_environ_setenv(envp, "PRESENT_UNTIL", until, TRUE);
	snprintf(number, sizeof(number), "%" PRId64, (s->ends_at - s->started_at + 59) / 60);
	envp = g_environ_setenv(envp, "PRESENT_MINUTES", number, TRUE);
	return envp;
}

void present_hooks_session_started(struct present_daemon *d)
{
	if (!d->config.on_start)
		return;
	char **envp = session_environ(&d->session);
	run("on_start", d->config.on_start, envp);
	g_strfreev(envp);
}

void present_hooks_session_ended(struct present_daemon *d, const char *reason)
{
	if (!d->config.on_end)
		return;
	char alerts[32];
	char **envp = session_environ(&d->session);
	snprintf(alerts, sizeof(alerts), "%" PRIu64, d->session.capture ? present_capture_count(d->session.capture) : 0);
	envp = g_environ_setenv(envp, "PRESENT_END_REASON", reason, TRUE);
	envp = g_environ_setenv(envp, "PRESENT_ALERTS", alerts, TRUE);
	run("on_end", d->config.on_end, envp);
	g_strfreev(envp);
}
