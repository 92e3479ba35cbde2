#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static char *capture(void (*fn)(FILE *, const char *), const char *input)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(f, input);
	fclose(f);
	return buf;
}

static void test_json(void)
{
	char *out = capture(present_text_json, "a \"b\" \\ c\n\t\x01\x1b[2J");
	g_assert_cmpstr(out, ==, "\"a \\\"b\\\" \\\\ c\\n\\t\\u0001\\u001b[2J\"");
	free(out);
	out = capture(present_text_json, "Zoë · 会议");
	g_assert_cmpstr(out, ==, "\"Zoë · 会议\"");
	free(out);
	/* A stray byte, a sequence cut short by a letter, one cut short by the end. */
	out = capture(present_text_json, "a\xff" "b\xe4\xbc" "x\xc3");
	g_assert_cmpstr(out, ==, "\"a\\ufffdb\\ufffdx\\ufffd\"");
	free(out);
}

static void test_json_or_null(void)
{
	char *out = capture(present_text_json_or_null, "");
	g_assert_cmpstr(out, ==, "null");
	free(out);
	out = capture(present_text_json_or_null, NULL);
	g_assert_cmpstr(out, ==, "null");
	free(out);
	out = capture(present_text_json_or_null, "a\"");
	g_assert_cmpstr(out, ==, "\"a\\\"\"");
	free(out);
}

static void test_terminal(void)
{
	/* Cursor moves, a window title (OSC 0), a clipboard write (OSC 52), C1 CSI. */
	char *out = capture(present_text_terminal, "x\x1b[2Jy\x1b]0;pwned\x07z\x1b]52;c;aGk=\x07\xc2\x9b" "31m·é");
	g_assert_null(strchr(out, '\x1b'));
	g_assert_null(strchr(out, '\x07'));
	g_assert_null(strstr(out, "\xc2\x9b"));
	g_assert_cmpstr(out, ==, "x?[2Jy?]0;pwned?z?]52;c;aGk=??31m·é");
	free(out);
	/* A right-to-left override and an isolate, each left open; a mark and Hebrew stay. */
	out = capture(present_text_terminal, "Bob\u202e} fdp.exe\u2067 x \u200f\u05e9\u05dc\u05d5\u05dd\u2069\u202c");
	g_assert_cmpstr(out, ==, "Bob?} fdp.exe? x \u200f\u05e9\u05dc\u05d5\u05dd??");
	free(out);
	/* Not UTF-8: a lone CSI byte, a stray continuation, a character cut short at the end. */
	out = capture(present_text_terminal, "bad\xff \x9b" "31m \x80é\xe2\x80");
	g_assert_cmpstr(out, ==, "bad? ?31m ?é?");
	free(out);
}

static void unmarkup(const char *in, const char *want)
{
	char *s = strdup(in);
	g_assert_cmpstr(present_text_unmarkup(s), ==, want);
	free(s);
}

static void test_unmarkup(void)
{
	/* As KMail and Evolution send a sender, and an app's own tags. */
	unmarkup("From: Ana &lt;ana@x.org&gt;", "From: Ana <ana@x.org>");
	/* A <br>, in each of its spellings, is a line break, as dunst shows it. */
	unmarkup("<b>Tom</b> &amp; <i>Jerry</i><br/>next<br>and<br />last", "Tom & Jerry\nnext\nand\nlast");
	unmarkup("<a href='https://x'>click</a> <img src=\"x.png\" alt=\"x\"/>", "click ");
	unmarkup("&quot;&apos;&#39;&#x41;&#233;&#x1F600;", "\"''Aé\U0001F600");
	/* What an app did not escape stays as it wrote it. */
	unmarkup("From: Bob <bob@example.com>", "From: Bob <bob@example.com>");
	unmarkup("a < b & c > d, <b unclosed, &nbsp; &#; &#0; &#xD800; &#1114112; &#x110000;",
		"a < b & c > d, <b unclosed, &nbsp; &#; &#0; &#xD800; &#1114112; &#x110000;");
	g_assert_null(present_text_unmarkup(NULL));
}

static void first_line(const char *in, const char *want)
{
	char *s = present_text_first_line(in);
	g_assert_cmpstr(s, ==, want);
	free(s);
}

static void test_first_line(void)
{
	first_line("one\ntwo", "one");
	first_line("  one \t\r\ntwo", "one");
	first_line("\n \t\r\n\ntwo\n", "two");
	first_line("", "");
	first_line(" \n\t\n", "");
	first_line("only", "only");
}

static void test_has_word(void)
{
	const char *list = "auto none gnome kde";
	g_assert_true(present_text_has_word(list, "auto"));
	g_assert_true(present_text_has_word(list, "gnome"));
	g_assert_true(present_text_has_word(list, "kde"));
	g_assert_false(present_text_has_word(list, "gnom"));
	g_assert_false(present_text_has_word(list, "nome"));
	g_assert_false(present_text_has_word(list, ""));
	g_assert_false(present_text_has_word(list, "gnome kde"));
	g_assert_false(present_text_has_word(list, "kde "));
	g_assert_false(present_text_has_word(list, " auto"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/text/json", test_json);
	g_test_add_func("/text/json-or-null", test_json_or_null);
	g_test_add_func("/text/terminal", test_terminal);
	g_test_add_func("/text/unmarkup", test_unmarkup);
	g_test_add_func("/text/first-line", test_first_line);
	g_test_add_func("/text/has-word", test_has_word);
	return g_test_run();
}
