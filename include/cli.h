#ifndef PRESENT_CLI_H
#define PRESENT_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "protocol.h"
#include "wire.h"

/** What the command line said, once parsed for a verb. */
struct present_args {
	const char *verb;
	const char *positional[4];
	int n_positional;
	const char *label; /* --label */
	const char *session; /* --session */
	const char *format; /* --format: a status bar's line */
	bool json, last, help;
	bool waybar, print; /* --waybar, --print */
	bool all, quiet, interactive, hold; /* --all, --quiet (-q), --interactive (-i), --hold */
};

/** `present alerts`: the alerts held in a session, oldest first. */
int present_cli_alerts(const struct present_args *args);

/**
 * Prints a session for people: "Present until 15:30 (60 min) · label", then
 * on stderr what did not work at its start.
 */
void present_print_started(const struct present_status *s, int64_t now);

/** Prints the outcome of stopping: how long the session lasted, or that none ran; on stderr what was not put back. */
void present_print_stopped(bool stopped, const struct present_status *s, int64_t now);

/** `present status`, for people or (json) for scripts. */
void present_print_status(const struct present_status *s, int64_t now, bool json);

/** "present: warning: " what why on stderr, after what stdout holds; why is filtered for the terminal. */
void present_print_warning(const char *what, const char *why);

/** Prints `present doctor`'s findings (a(sss)); returns the exit code: 1 if any failed. */
int present_print_findings(const struct present_wire_msg *reply);

struct present_client;
struct present_owed_row;
struct present_statefile_counts;
struct present_store;

/**
 * Opens the store to read it. Returns 0 with *ret set, 0 with *ret NULL when
 * there is no store yet, or an exit code once it has said why not.
 */
int present_cli_store_open(struct present_store **ret);

/** Whether output to f may be coloured: a terminal, NO_COLOR unset or empty, TERM not "dumb". */
bool present_cli_colour(FILE *f);

/** `present owed`: the open responses owed (all: every one), earliest deadline first. */
int present_cli_owed(const struct present_args *args);

/**
 * Moves response owed id to state ("acknowledged", "answered", "dismissed"),
 * or snoozes it for `snooze` seconds when state is NULL, through the daemon
 * (starting it if needed), and says so; an acknowledgement also prints the
 * text from owed.ack_template, which the daemon records with it, and an item
 * acknowledged already is left as it is and its recorded text printed again.
 * store may be NULL (it is then opened). *ret_gone (may be NULL) says
 * whether a failure is that the item is gone or closed already.
 * Returns an exit code.
 */
int present_cli_owed_act(struct present_client *c, struct present_store *store, uint64_t id, const char *state,
	uint32_t snooze, bool *ret_gone);

/** `present ack|done|dismiss ID`, `present snooze ID DURATION`: present_cli_owed_act() on a connection of its own. */
int present_cli_owed_command(uint64_t id, const char *state, uint32_t snooze);

/** Copies row, strings and all, into ret; false when out of memory. Free with present_cli_owed_row_finish(). */
bool present_cli_owed_row_copy(const struct present_owed_row *row, struct present_owed_row *ret);

/** Frees what a copied row owns. */
void present_cli_owed_row_finish(struct present_owed_row *row);

/** Whether a deadline of row has passed while it matters: acknowledging while owed, answering while open. */
bool present_cli_owed_overdue(const struct present_owed_row *row, int64_t now_ms);

/** One response owed for people, on one line: "#3  Ana Lima · thunderbird · Invoice Q3 · 1 message · ...". */
void present_print_owed(FILE *f, const struct present_owed_row *row, int64_t now_ms, bool colour);

/** One response owed as a JSON object. */
void present_print_owed_json(FILE *f, const struct present_owed_row *row, int64_t now_ms);

/** Responses owed, copied out of the store's callbacks. */
struct present_cli_owed_rows {
	struct present_owed_row *rows;
	size_t n, cap;
	bool failed; /* memory ran out: some are missing */
};

/** A present_owed_row_fn: appends a copy of row to userdata, a struct present_cli_owed_rows. */
void present_cli_owed_rows_take(const struct present_owed_row *row, void *userdata);

/** Frees the copies and clears the list. */
void present_cli_owed_rows_finish(struct present_cli_owed_rows *l);

/** The times alerts were not watched in a session (the monitor lost), copied out of the store's callbacks. */
struct present_cli_gaps {
	struct present_cli_gap {
		int64_t from, to; /* ms */
		char *reason;
	} *gaps;
	size_t n, cap;
	bool failed; /* memory ran out: some are missing */
};

/** A present_gap_fn: appends a copy of the gap to userdata, a struct present_cli_gaps. */
void present_cli_gaps_take(int64_t from, int64_t to, const char *reason, void *userdata);

/** Frees the copies and clears the list. */
void present_cli_gaps_finish(struct present_cli_gaps *l);

/** An alert as one line for a terminal: "summary — body (updated N×) (withdrawn)", first lines only, made safe. */
void present_print_alert_text(FILE *f, const char *summary, const char *body, int updates, bool withdrawn);

/**
 * The heads-up about the open responses owed that fall due during a
 * session: before the session starts where it can ask, else from the
 * daemon's reply to the start.
 */
struct present_cli_heads_up {
	bool said; /* it came before the start */
	struct present_status due; /* what it listed then: due and n_due alone */
};

/** Whether the heads-up can ask before a start: standard input and output are a terminal. */
bool present_cli_heads_up_can_ask(void);

/**
 * Before going dark: lists the responses owed falling due in the next
 * `seconds`, as the store (read, not written) has them, and offers to
 * acknowledge them, through the daemon (which starts for it if need be).
 * A store that cannot be read is warned about; the start goes on.
 * Returns an exit code: PRESENT_EXIT_CONFIG, said, when the acknowledgements
 * asked for cannot be made for this process's present.conf, and the start
 * must not go on without them.
 */
int present_cli_heads_up_before(struct present_client *c, uint32_t seconds, struct present_cli_heads_up *h);

/**
 * Once the session started, from the daemon's reply s: after a heads-up
 * before it, how many more fall due than it listed; else the whole list,
 * without asking.
 */
void present_cli_heads_up_after(const struct present_cli_heads_up *h, const struct present_status *s);

/** Frees what h holds and clears it; h may never have been used. */
void present_cli_heads_up_finish(struct present_cli_heads_up *h);

/** `present catchup`: the last session's alerts per app, then what is owed; -i walks through it. */
int present_cli_catchup(const struct present_args *args);

/** `present history`: past sessions, newest first. */
int present_cli_history(const struct present_args *args);

/**
 * Prints the status on stdout as args ask: --waybar, --format, --json or for people.
 * counts (the responses owed) may be NULL when they are not known.
 */
void present_cli_print_status_line(const struct present_args *args, const struct present_status *s,
	const struct present_statefile_counts *counts, int64_t now);

/** `present watch`: a status line now and on every change, until a signal or the end of stdout. */
int present_cli_watch(const struct present_args *args);

/** `present shortcut [KEYS]`: binds `present toggle` on GNOME and XFCE, or prints how elsewhere (--print). */
int present_cli_shortcut(const struct present_args *args);

#endif
