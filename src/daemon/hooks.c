#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"
#include "hooks.h"
#include "launch.h"
#include "timefmt.h"

static void hook_exited(int status, const char *command, void *key)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		present_log("warning", "%s: '%s' exited with status %d", (const char *)key, command, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		present_log("warning", "%s: '%s' was killed by signal %d (%s)", (const char *)key, command,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
}

static void run(struct present_daemon *d, const char *key, char **argv, char **envp)
{
	char *error = NULL;
	if (!present_launch(d, argv, envp, hook_exited, (void *)key, &error)) {
		char *command = g_strjoinv(" ", argv);
		present_log("warning", "%s: cannot run '%s': %s", key, command, error);
		g_free(command);
	}
	free(error);
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
	run(d, "on_start", d->config.on_start, envp);
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
	run(d, "on_end", d->config.on_end, envp);
	g_strfreev(envp);
}
