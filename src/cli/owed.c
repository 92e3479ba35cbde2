/*
 * Responses owed, from the command line: `present owed` reads the store
 * directly; ack, done, dismiss and snooze ask the daemon, which owns every
 * write and re-arms its reminders. The heads-up before a session is here too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "config.h"
#include "grow.h"
#include "paths.h"
#include "protocol.h"
#include "store.h"
#include "text.h"
#include "timefmt.h"

#define RED "\033[31m"
#define BOLD "\033[1m"
#define RESET "\033[0m"

/* prefix: "" where not reading it is the end of the command, "warning: " where the command goes on without it. */
static int store_open(struct present_store **ret, const char *prefix)
{
	*ret = NULL;
	char *path = present_path_store(), *error = NULL;
	if (!path) {
		fprintf(stderr, "present: %scannot find the store: neither XDG_STATE_HOME nor HOME is set\n", prefix);
		return PRESENT_EXIT_FAILURE;
	}
	int r = present_store_open_readonly(path, ret, &error);
	free(path);
	if (r == -ENOENT) {
		free(error);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "present: %scannot read the store: %s\n", prefix, error ? error : strerror(-r));
		free(error);
		return PRESENT_EXIT_FAILURE;
	}
	return 0;
}

int present_cli_store_open(struct present_store **ret)
{
	return store_open(ret, "");
}

bool present_cli_colour(FILE *f)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	return isatty(fileno(f)) && !(no_color && *no_color) && !(term && strcmp(term, "dumb") == 0);
}

static bool is_open(const char *state)
{
	return strcmp(state, "owed") == 0 || strcmp(state, "acknowledged") == 0;
}

/* An acknowledgement is late only while nobody has sent one; an answer, while the item is open
 * (a dismissed item needs no answer at all). */
static bool ack_overdue(const struct present_owed_row *row, int64_t now_ms)
{
	return strcmp(row->state, "owed") == 0 && now_ms > row->ack_by;
}

static bool answer_overdue(const struct present_owed_row *row, int64_t now_ms)
{
	return is_open(row->state) && now_ms > row->answer_by;
}

bool present_cli_owed_overdue(const struct present_owed_row *row, int64_t now_ms)
{
	return ack_overdue(row, now_ms) || answer_overdue(row, now_ms);
}

bool present_cli_owed_row_copy(const struct present_owed_row *row, struct present_owed_row *ret)
{
	*ret = *row;
	ret->kind = strdup(row->kind ? row->kind : "");
	ret->app = strdup(row->app ? row->app : "");
	ret->sender = strdup(row->sender ? row->sender : "");
	ret->subject = strdup(row->subject ? row->subject : "");
	ret->state = strdup(row->state ? row->state : "");
	ret->ack_text = row->ack_text ? strdup(row->ack_text) : NULL;
	if (!ret->kind || !ret->app || !ret->sender || !ret->subject || !ret->state ||
		(row->ack_text && !ret->ack_text)) {
		present_cli_owed_row_finish(ret);
		return false;
	}
	return true;
}

void present_cli_owed_row_finish(struct present_owed_row *row)
{
	free((char *)row->kind);
	free((char *)row->app);
	free((char *)row->sender);
	free((char *)row->subject);
	free((char *)row->state);
	free((char *)row->ack_text);
	*row = (struct present_owed_row){0};
}

static void clock_ms(int64_t ms, char *buf, size_t size)
{
	present_time_clock(ms / 1000, present_time_now(), buf, size);
}

static void print_deadline(FILE *f, const char *what, int64_t at, bool overdue, bool colour)
{
	char when[32];
	clock_ms(at, when, sizeof(when));
	if (overdue && colour)
		fprintf(f, " · " RED BOLD "%s %s (overdue)" RESET, what, when);
	else
		fprintf(f, " · %s %s%s", what, when, overdue ? " (overdue)" : "");
}

/* "Ana Lima · thunderbird · Invoice Q3": who, where, about what. */
static void print_who(FILE *f, const struct present_owed_row *row, bool colour)
{
	fputs(colour ? BOLD : "", f);
	present_text_terminal(f, row->sender);
	fputs(colour ? RESET : "", f);
	fputs(" · ", f);
	/* An item whose messages named no app (a portal's hop that none followed), as the catch-up calls one. */
	present_text_terminal(f, *row->app ? row->app : "(unnamed)");
	if (row->subject && *row->subject) {
		fputs(" · ", f);
		present_text_terminal(f, row->subject);
	}
}

void present_print_owed(FILE *f, const struct present_owed_row *row, int64_t now_ms, bool colour)
{
	char received[32];
	fprintf(f, "#%lld  ", (long long)row->id);
	print_who(f, row, colour);
	clock_ms(row->received_at, received, sizeof(received));
	fprintf(f, " · %d message%s · received %s", row->count, row->count == 1 ? "" : "s", received);
	print_deadline(f, "ack by", row->ack_by, ack_overdue(row, now_ms), colour);
	print_deadline(f, "answer by", row->answer_by, answer_overdue(row, now_ms), colour);
	/* Read from a store anyone may have edited, as every text is. */
	fputs(" · ", f);
	present_text_terminal(f, row->state);
	if (row->snoozed_until > now_ms && is_open(row->state)) {
		char until[32];
		clock_ms(row->snoozed_until, until, sizeof(until));
		fprintf(f, " · snoozed until %s", until);
	}
}

static void json_time(FILE *f, const char *key, int64_t ms)
{
	present_time_json(f, key, ms / 1000);
}

void present_print_owed_json(FILE *f, const struct present_owed_row *row, int64_t now_ms)
{
	fprintf(f, "{\"id\": %lld, \"session\": ", (long long)row->id);
	if (row->session_id)
		fprintf(f, "%lld", (long long)row->session_id);
	else
		fputs("null", f);
	fputs(", \"kind\": ", f);
	present_text_json(f, row->kind);
	fputs(", \"app\": ", f);
	present_text_json_or_null(f, row->app);
	fputs(", \"from\": ", f);
	present_text_json(f, row->sender);
	fputs(", \"subject\": ", f);
	present_text_json_or_null(f, row->subject);
	fprintf(f, ", \"count\": %d", row->count);
	json_time(f, "received_at", row->received_at);
	json_time(f, "last_at", row->last_at);
	json_time(f, "ack_by", row->ack_by);
	json_time(f, "answer_by", row->answer_by);
	fputs(", \"state\": ", f);
	present_text_json(f, row->state);
	/* What was promised, and when: the answer in full should keep to it. */
	json_time(f, "acked_at", row->acked_at);
	fputs(", \"ack_text\": ", f);
	present_text_json_or_null(f, row->ack_text);
	if (row->snoozed_until > now_ms && is_open(row->state))
		json_time(f, "snoozed_until", row->snoozed_until);
	else
		fputs(", \"snoozed_until\": null", f);
	fprintf(f, ", \"overdue\": %s}", present_cli_owed_overdue(row, now_ms) ? "true" : "false");
}

struct listing {
	bool json, colour;
	int64_t now_ms;
	int n, open, overdue;
};

static void list_row(const struct present_owed_row *row, void *userdata)
{
	struct listing *l = userdata;
	if (l->json) {
		fputs(l->n ? ",\n  " : "\n  ", stdout);
		present_print_owed_json(stdout, row, l->now_ms);
	} else {
		present_print_owed(stdout, row, l->now_ms, l->colour);
		putchar('\n');
	}
	l->n++;
	l->open += is_open(row->state);
	l->overdue += present_cli_owed_overdue(row, l->now_ms);
}

int present_cli_owed(const struct present_args *args)
{
	struct present_store *store;
	int r = present_cli_store_open(&store);
	if (r)
		return r;
	struct listing l = {.json = args->json, .colour = !args->json && present_cli_colour(stdout),
		.now_ms = present_time_now() * 1000};
	if (l.json)
		fputs("[", stdout);
	r = store ? present_store_owed_each(store, args->all, list_row, &l) : 0;
	if (l.json) {
		puts(l.n ? "\n]" : "]");
	} else if (r == 0 && l.n == 0) {
		puts(args->all ? "No response has been owed yet." : "Nothing owed: you are all caught up.");
	} else if (r == 0) {
		if (args->all)
			printf("%d in all, %d open", l.n, l.open);
		else
			printf("%d response%s owed", l.n, l.n == 1 ? "" : "s");
		if (l.overdue)
			printf(", %d overdue", l.overdue);
		puts(".");
	}
	if (r < 0)
		fprintf(stderr, "present: cannot read the store: %s\n", present_store_error(store));
	present_store_close(store);
	return r < 0 ? PRESENT_EXIT_FAILURE : PRESENT_EXIT_OK;
}

/* Days from the civil date of `from` to that of `to`, in local time (DST days are not 24 h). */
static int days_between(const struct tm *from, const struct tm *to)
{
	struct tm a = {.tm_year = from->tm_year, .tm_mon = from->tm_mon, .tm_mday = from->tm_mday};
	struct tm b = {.tm_year = to->tm_year, .tm_mon = to->tm_mon, .tm_mday = to->tm_mday};
	return (int)((timegm(&b) - timegm(&a)) / 86400);
}

/* A deadline as it reads in a message to someone: "16:30 today", "14:00 tomorrow", "Mon 09:00". */
static void when_for_people(int64_t t, int64_t now, char *buf, size_t size)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm tm, tm_now;
	localtime_r(&tt, &tm);
	localtime_r(&tn, &tm_now);
	int days = days_between(&tm_now, &tm);
	const char *fmt = days == 0 ? "%H:%M today"
		: days == 1	    ? "%H:%M tomorrow"
		: days == -1	    ? "%H:%M yesterday"
		: days > 1 && days < 7 ? "%a %H:%M"
				       : "%a %d %b %Y %H:%M";
	if (strftime(buf, size, fmt, &tm) == 0 && size)
		buf[0] = '\0';
}

/*
 * The time an acknowledgement promises the answer by, in seconds: the
 * answer-by deadline, unless the minute the reply would name has passed.
 * The reply is pasted to someone; a promise already broken as it is sent
 * is no promise, so a late item is promised ack_within from now, the
 * time given to acknowledge a message, instead.
 */
static int64_t promised_by(const struct present_owed_row *row, int64_t ack_within, int64_t now)
{
	int64_t by = row->answer_by / 1000;
	return by / 60 * 60 <= now ? now + ack_within : by;
}

/* The template with {answer_by} (as promised_by()), {from} and {subject} filled in; other braces are left as
 * written. */
static void write_ack_text(FILE *f, const char *template, const struct present_owed_row *row, int64_t promised)
{
	char by[48];
	when_for_people(promised, present_time_now(), by, sizeof(by));
	for (const char *p = template; *p;) {
		if (strncmp(p, "{answer_by}", 11) == 0) {
			fputs(by, f);
			p += 11;
		} else if (strncmp(p, "{from}", 6) == 0) {
			present_text_terminal(f, row->sender);
			p += 6;
		} else if (strncmp(p, "{subject}", 9) == 0) {
			present_text_terminal(f, row->subject);
			p += 9;
		} else {
			fputc(*p++, f);
		}
	}
}

/* The acknowledgement to give, as it will be printed and recorded; NULL when memory runs out. */
static char *ack_text(const char *template, const struct present_owed_row *row, int64_t promised)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	write_ack_text(f, template, row, promised);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* What an acknowledgement takes from this process's present.conf. */
struct ack_config {
	char *template; /* owed.ack_template */
	int64_t ack_within; /* owed.ack_within, seconds */
};

static void warn_config(const char *message, void *userdata)
{
	(void)userdata;
	present_print_warning("", message);
}

/* The acknowledgement's configuration, read before anything changes: a broken file changes nothing. Read once
 * per process, whether it could be or not: the heads-up and `catchup -i` acknowledge one item after another,
 * and a file that failed the first is said once. */
static int load_ack_config(bool warn, const struct ack_config **ret)
{
	static struct ack_config loaded;
	static int r = -1;
	struct present_config cfg;
	char *error = NULL;
	*ret = &loaded;
	/* Each later refusal is said too, shortly: `catchup -i` moves on to the next item. */
	if (r == PRESENT_EXIT_CONFIG)
		fputs("present: cannot acknowledge: the configuration is invalid (said above)\n", stderr);
	if (r >= 0)
		return r;
	/* Keys it does not know are said unless a start's reply says them, as it does the daemon's file's:
	 * a start that acknowledges would say each twice. */
	if (present_config_load(&cfg, warn ? warn_config : NULL, NULL, &error) < 0) {
		fprintf(stderr, "present: %s\n", error);
		free(error);
		present_config_finish(&cfg);
		return r = PRESENT_EXIT_CONFIG;
	}
	loaded.template = cfg.ack_template;
	loaded.ack_within = cfg.ack_within;
	cfg.ack_template = NULL;
	present_config_finish(&cfg);
	return r = loaded.template ? 0 : PRESENT_EXIT_FAILURE;
}

static void copy_row(const struct present_owed_row *row, void *userdata)
{
	struct present_owed_row *copy = userdata;
	if (!present_cli_owed_row_copy(row, copy))
		copy->id = 0;
}

/* Acknowledge (with the text to give), SetOwedState or Snooze; the daemon may have to start for it, as for Start. */
static struct present_wire_msg *owed_call(struct present_client *c, uint64_t id, const char *state, uint32_t snooze,
	const char *text, struct present_wire_error *err)
{
	if (text)
		return present_client_call(c, "Acknowledge", true, err, "ts", id, text);
	if (state)
		return present_client_call(c, "SetOwedState", true, err, "ts", id, state);
	return present_client_call(c, "Snooze", true, err, "tu", id, snooze);
}

/* " (Ana Lima · Invoice Q3)" */
static void print_about(FILE *f, const struct present_owed_row *row)
{
	fputs(" (", f);
	present_text_terminal(f, row->sender);
	if (*row->subject) {
		fputs(" · ", f);
		present_text_terminal(f, row->subject);
	}
	fputc(')', f);
}

/*
 * An acknowledgement, on record: what to send on stdout alone, so that `present ack 3 | wl-copy` copies just
 * that; the rest on stderr. Given again, it is the same text, said to have been given before. promised is
 * the time the new text promises (promised_by()); a late item is said to be late, once.
 */
static void say_acknowledged(const struct present_owed_row *row, bool already, int64_t at, const char *text,
	int64_t promised)
{
	char by[48], due[48];
	int64_t now = present_time_now(), answer_by = row->answer_by / 1000;
	bool late = !already && promised != answer_by;
	when_for_people(late ? promised : answer_by, now, by, sizeof(by));
	fflush(stdout);
	if (late) {
		when_for_people(answer_by, now, due, sizeof(due));
		fprintf(stderr, "present: warning: #%lld is overdue: it was to be answered in full by %s; the reply "
				"promises %s instead (owed.ack_within from now)\n",
			(long long)row->id, due, by);
	}
	if (already) {
		char when[32];
		clock_ms(at, when, sizeof(when));
		fprintf(stderr, "#%lld was already acknowledged at %s", (long long)row->id, when);
	} else {
		fprintf(stderr, "Acknowledged #%lld", (long long)row->id);
	}
	print_about(stderr, row);
	/* Acknowledged late, the reply then promised a time of its own (promised_by()), which only its text
	 * says: the deadline on record, gone already then, is not what the person was told. */
	if (already && answer_by / 60 * 60 <= at / 1000)
		fprintf(stderr, ", late: it was to be answered in full by %s.", by);
	else
		fprintf(stderr, "; answer in full by %s.", by);
	if (!text || !*text) {
		/* Acknowledged through D-Bus (SetOwedState), with no text on record. */
		fputc('\n', stderr);
		return;
	}
	fputs(already ? " The text given then:\n" : " To send:\n", stderr);
	/* Piped (`| wl-copy`), the text goes as recorded; on a terminal, what came from elsewhere (any client
	 * may record a text) must not drive it, and each line is filtered. */
	if (isatty(STDOUT_FILENO)) {
		for (const char *line = text; line;) {
			const char *nl = strchr(line, '\n');
			char *copy = strndup(line, nl ? (size_t)(nl - line) : strlen(line));
			present_text_terminal(stdout, copy ? copy : "");
			fputc('\n', stdout);
			free(copy);
			line = nl ? nl + 1 : NULL;
		}
	} else {
		fputs(text, stdout);
		fputc('\n', stdout);
	}
	fflush(stdout);
}

static void say_done(const struct present_owed_row *row, const char *state, uint32_t snooze)
{
	if (!state) {
		char until[32];
		present_time_clock(present_time_now() + snooze, present_time_now(), until, sizeof(until));
		printf("Snoozed #%lld", (long long)row->id);
		print_about(stdout, row);
		printf(": no reminder before %s.\n", until);
	} else {
		printf("%s #%lld", strcmp(state, "answered") == 0 ? "Answered" : "Dismissed", (long long)row->id);
		print_about(stdout, row);
		puts(strcmp(state, "answered") == 0 ? "." : ": nothing owed any more.");
	}
	fflush(stdout);
}

int present_cli_owed_act(struct present_client *c, struct present_store *store, uint64_t id, const char *state,
	uint32_t snooze, bool *ret_gone)
{
	bool gone = false;
	struct present_store *own = NULL;
	struct present_owed_row row = {0};
	const struct ack_config *ac = NULL;
	int64_t promised = 0;
	char *text = NULL;
	int r = 0;
	if (!store && (r = present_cli_store_open(&own)))
		goto out;
	if (!store)
		store = own;
	/* The store names the item for the messages, and spares the daemon a call about one that cannot be. */
	if (store && (r = present_store_owed_get(store, (int64_t)id, copy_row, &row)) < 0) {
		fprintf(stderr, "present: cannot read the store: %s\n", present_store_error(store));
		r = PRESENT_EXIT_FAILURE;
		goto out;
	}
	if (r == 0 || row.id == 0) {
		fprintf(stderr, "present: there is no response owed #%llu; 'present owed --all' lists them\n",
			(unsigned long long)id);
		r = PRESENT_EXIT_FAILURE;
		gone = true;
		goto out;
	}
	if (!is_open(row.state)) {
		fprintf(stderr, "present: #%llu is already ", (unsigned long long)id);
		present_text_terminal(stderr, row.state);
		fputc('\n', stderr);
		r = PRESENT_EXIT_FAILURE;
		gone = true;
		goto out;
	}
	bool ack = state && strcmp(state, "acknowledged") == 0;
	if (ack && strcmp(row.state, "acknowledged") == 0) {
		/* Given once: what was given then, not another (the template may have changed since). */
		say_acknowledged(&row, true, row.acked_at, row.ack_text, 0);
		r = PRESENT_EXIT_OK;
		goto out;
	}
	if (ack && (r = load_ack_config(true, &ac)))
		goto out;
	if (ack)
		promised = promised_by(&row, ac->ack_within, present_time_now());
	if (ack && !(text = ack_text(ac->template, &row, promised))) {
		fputs("present: out of memory\n", stderr);
		r = PRESENT_EXIT_FAILURE;
		goto out;
	}

	struct present_wire_error err = {0};
	struct present_wire_msg *reply = owed_call(c, id, state, snooze, text, &err);
	if (!reply) {
		if (err.name && strcmp(err.name, PRESENT_ERROR_NO_SUCH_ITEM) == 0) {
			fprintf(stderr, "present: #%llu is no longer open\n", (unsigned long long)id);
			r = PRESENT_EXIT_FAILURE;
			gone = true;
		} else {
			const char *what = state ? "change the response owed" : "snooze the response owed";
			r = present_client_report(what, &err);
		}
		present_wire_error_free(&err);
		goto out;
	}
	r = PRESENT_EXIT_OK;
	if (ack) {
		/* What the daemon recorded: another `present ack` may have come first. */
		struct present_wire_iter it;
		int64_t at;
		const char *recorded;
		bool already;
		present_wire_iter_init(reply, &it);
		if (present_wire_iter_read(&it, 'x', &at) && present_wire_iter_read(&it, 's', &recorded) &&
			present_wire_iter_read(&it, 'b', &already)) {
			say_acknowledged(&row, already, at, recorded, promised);
		} else {
			fputs("present: the daemon sent a reply this version does not understand\n", stderr);
			r = PRESENT_EXIT_FAILURE;
		}
	} else {
		say_done(&row, state, snooze);
	}
	present_wire_msg_free(reply);
out:
	if (ret_gone)
		*ret_gone = r && gone;
	free(text);
	present_cli_owed_row_finish(&row);
	present_store_close(own);
	return r;
}

int present_cli_owed_command(uint64_t id, const char *state, uint32_t snooze)
{
	struct present_client c = {0};
	int r = present_client_connect_daemon(&c);
	if (r == 0)
		r = present_cli_owed_act(&c, NULL, id, state, snooze, NULL);
	present_client_disconnect(&c);
	return r;
}

void present_cli_owed_rows_take(const struct present_owed_row *row, void *userdata)
{
	struct present_cli_owed_rows *l = userdata;
	if (!present_grow(&l->rows, &l->cap, l->n, sizeof(*l->rows)) || !present_cli_owed_row_copy(row, &l->rows[l->n]))
		l->failed = true;
	else
		l->n++;
}

void present_cli_owed_rows_finish(struct present_cli_owed_rows *l)
{
	for (size_t i = 0; i < l->n; i++)
		present_cli_owed_row_finish(&l->rows[i]);
	free(l->rows);
	*l = (struct present_cli_owed_rows){0};
}

static bool ask_yes(const char *question)
{
	char line[32];
	fputs(question, stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin)) {
		putchar('\n');
		return false;
	}
	return line[0] == 'y' || line[0] == 'Y';
}

/* The heads-up's list: each item with the deadlines that fall between now and the planned end. Returns how
 * many are still to acknowledge. */
static size_t print_due(const struct present_status *s, int64_t now_ms, int64_t end_ms)
{
	size_t to_ack = 0;
	printf("Before you go dark: %zu %s during this meeting:\n", s->n_due,
		s->n_due == 1 ? "response falls due" : "responses fall due");
	for (size_t i = 0; i < s->n_due; i++) {
		const struct present_status_due *d = &s->due[i];
		const struct present_owed_row row = {.sender = d->sender, .app = d->app, .subject = d->subject};
		bool owed = strcmp(d->state, "owed") == 0;
		printf("  #%llu  ", (unsigned long long)d->id);
		print_who(stdout, &row, false);
		if (owed && d->ack_by >= now_ms)
			print_deadline(stdout, "ack by", d->ack_by, false, false);
		if (d->answer_by >= now_ms && d->answer_by <= end_ms)
			print_deadline(stdout, "answer by", d->answer_by, false, false);
		putchar('\n');
		to_ack += owed;
	}
	fflush(stdout);
	return to_ack;
}

bool present_cli_heads_up_can_ask(void)
{
	return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
}

/*
 * The acknowledgements asked for before going dark, none of which a file that cannot be read lets be made:
 * then which, and that the session does not start without them (going dark is what they were to come before;
 * --quiet goes without). Returns an exit code.
 */
static int acknowledge_due(struct present_client *c, struct present_store *store, const struct present_status *due)
{
	const struct ack_config *ac;
	int r = load_ack_config(false, &ac);
	if (r == PRESENT_EXIT_CONFIG) {
		fputs("present: not acknowledged, as the reply to send comes from that file:", stderr);
		const char *sep = " ";
		for (size_t i = 0; i < due->n_due; i++) {
			const struct present_status_due *d = &due->due[i];
			if (strcmp(d->state, "owed") != 0)
				continue;
			fprintf(stderr, "%s#%llu", sep, (unsigned long long)d->id);
			print_about(stderr, &(const struct present_owed_row){.sender = d->sender, .subject = d->subject});
			sep = ", ";
		}
		fputs("\npresent: no session started: fix the file, or start again with --quiet to go dark without "
		      "acknowledging\n",
			stderr);
		return r;
	}
	/* Each says for itself what went wrong, and is left for 'present owed' to list. */
	for (size_t i = 0; i < due->n_due; i++)
		if (strcmp(due->due[i].state, "owed") == 0)
			present_cli_owed_act(c, store, due->due[i].id, "acknowledged", 0, NULL);
	return PRESENT_EXIT_OK;
}

int present_cli_heads_up_before(struct present_client *c, uint32_t seconds, struct present_cli_heads_up *h)
{
	int64_t now_ms = present_time_now() * 1000, end_ms = now_ms + (int64_t)seconds * 1000;
	struct present_store *store = NULL;
	int r = PRESENT_EXIT_OK;
	h->said = true;
	/* Without the store there is nothing to say yet; the daemon's reply still counts what falls due. */
	if (store_open(&store, "warning: ") || !store)
		return r;
	if (present_status_due_collect(store, now_ms, end_ms, &h->due) < 0)
		fprintf(stderr, "present: warning: cannot read the store: %s\n", present_store_error(store));
	else if (h->due.n_due && print_due(&h->due, now_ms, end_ms) && ask_yes("Acknowledge them now? [y/N] "))
		r = acknowledge_due(c, store, &h->due);
	present_store_close(store);
	return r;
}

static bool was_said(const struct present_cli_heads_up *h, uint64_t id)
{
	for (size_t i = 0; i < h->due.n_due; i++)
		if (h->due.due[i].id == id)
			return true;
	return false;
}

void present_cli_heads_up_after(const struct present_cli_heads_up *h, const struct present_status *s)
{
	if (!h->said) {
		if (s->n_due)
			print_due(s, present_time_now() * 1000, s->ends_at * 1000);
		return;
	}
	size_t more = 0;
	for (size_t i = 0; i < s->n_due; i++)
		more += !was_said(h, s->due[i].id);
	if (!more)
		return;
	printf("%zu %s%s during this meeting; 'present owed' lists %s.\n", more, h->due.n_due ? "more " : "",
		more == 1 ? "response falls due" : "responses fall due", more == 1 ? "it" : "them");
	fflush(stdout);
}

void present_cli_heads_up_finish(struct present_cli_heads_up *h)
{
	present_status_finish(&h->due);
	h->said = false;
}
