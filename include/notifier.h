#ifndef PRESENT_NOTIFIER_H
#define PRESENT_NOTIFIER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * present's own notifications (the end-of-session summary, replays,
 * reminders), sent without waiting for the server: one that hangs never
 * holds up the daemon. Text from alerts is untrusted: bodies are escaped,
 * so an alert can never inject markup or links.
 */

struct present_notifier;

/** What the notifier asks of its owner. */
struct present_notifier_ops {
	/* present_notifier_waiting() has changed. */
	void (*waiting_changed)(void *data);
	/* The user activated a notice: its command, to run. */
	void (*run)(char *const *argv, void *data);
	/* The server answered a notice sent with a ref: taken says whether it
	 * took it (it gave an id) or not (it refused, there was none, or it left
	 * the bus without answering); no_server, that the bus had none to give it to
	 * and none it could start. Not called once the notifier is destroyed. */
	void (*answered)(int64_t ref, bool taken, bool no_server, void *data);
};

/**
 * keep_path: where the ids of tagged notices still shown are kept for the
 * next daemon on the same bus (present_path_for_bus("shown")); NULL keeps
 * them in memory only. ops (kept; may be NULL) are called with data.
 */
struct present_notifier *present_notifier_create(const char *keep_path, const struct present_notifier_ops *ops,
	void *data);

/**
 * Whether a notice with a command is still shown by the server that took it
 * (its button works only while this process runs), or one sent with a ref
 * or a tag is still to be answered.
 */
bool present_notifier_waiting(const struct present_notifier *n);

/** Sends what is queued and frees (notices already shown stay); accepts NULL. */
void present_notifier_destroy(struct present_notifier *n);

/** One notification to show. Only summary is required. */
struct present_notice {
	const char *app_name; /* NULL: "present" */
	const char *summary, *body, *icon;
	int urgency; /* 0 low, 1 normal, 2 critical */
	char *const *command; /* argv run when the user activates it, or NULL */
	const char *action_label; /* the button for command */
	/* Names it for present_notifier_withdraw() while it is shown (the last
	 * notice of a tag only); NULL: never withdrawn. */
	const char *tag;
	/* Not 0: ops->answered() is called with it once the server has answered. */
	int64_t ref;
};

/**
 * Sends it; returns false (and logs) when the bus cannot be reached. A
 * server that refuses it or does not answer is logged when that is known.
 */
bool present_notify(struct present_notifier *n, const struct present_notice *notice);

/**
 * Closes the last notice of tag if it is still shown, also one an earlier
 * daemon showed; nothing is awaited.
 */
void present_notifier_withdraw(struct present_notifier *n, const char *tag);

#endif
