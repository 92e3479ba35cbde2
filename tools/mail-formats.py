#!/usr/bin/env python3
"""Writes src/catchup/mail-formats.c: how Thunderbird, Evolution and KMail
write a new mail's sender and subject in each language, read from their own
catalogues, so that a response is owed in any language they speak.

    tools/mail-formats.py THUNDERBIRD_L10N LOCALE_DIR > src/catchup/mail-formats.c

THUNDERBIRD_L10N: a checkout of github.com/thunderbird/thunderbird-l10n (each
locale's mail/chrome/messenger/messenger.properties).
LOCALE_DIR: a usr/share/locale holding evolution.mo (Debian's evolution-common)
and akonadi_newmailnotifier_agent.mo (Debian's kdepim-runtime), e.g. from
`apt-get download evolution-common kdepim-runtime` and `dpkg-deb -x`.

In the tables, %1 is the subject and %2 the sender."""
import collections
import gettext
import os
import sys
import unicodedata

ENGLISH = "en"
# Locales whose own name is not one a desktop's language list gives.
SKIP = {"ja-JP-mac"}
# Language names a desktop gives that no catalogue is named after.
ALIASES = {"zh_HK": "zh_TW"}


def posix(tag):
    return tag.replace("-", "_")


def thunderbird(root):
    key = "newMailNotification_messagetitle"
    found = {}
    for loc in sorted(os.listdir(root)):
        path = os.path.join(root, loc, "mail", "chrome", "messenger", "messenger.properties")
        if loc in SKIP or not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                name, _, value = line.partition("=")
                if name.strip() == key:
                    found[loc] = value.strip().replace("%1$S", "%1").replace("%2$S", "%2")
    english = "%1 from %2"
    # A language whose regions differ is named by its commonest format, and
    # the other regions by their own names.
    by_language = collections.defaultdict(dict)
    for loc, fmt in found.items():
        by_language[loc.split("-")[0]][loc] = fmt
    rows = {}
    for language, regions in by_language.items():
        common = collections.Counter(regions.values()).most_common()
        top = common[0][0] if len(common) == 1 or common[0][1] > common[1][1] else regions[min(regions)]
        rows[language] = top
        for loc, fmt in regions.items():
            if fmt != top:
                rows[posix(loc)] = fmt
    return {k: (v, None) for k, v in rows.items() if v != english and "%1" in v and "%2" in v}


def catalogue(locale_dir, domain, placeholder):
    rows = {}
    english = ("From: " + placeholder, "Subject: " + placeholder)
    for loc in sorted(os.listdir(locale_dir)):
        path = os.path.join(locale_dir, loc, "LC_MESSAGES", domain + ".mo")
        if not os.path.exists(path):
            continue
        with open(path, "rb") as f:
            cat = gettext.GNUTranslations(f)._catalog
        sender, subject = (cat.get(k, "") for k in english)
        if placeholder not in sender or sender == english[0]:
            continue
        subject = subject if placeholder in subject and subject != english[1] else None
        rows[loc] = (sender.replace(placeholder, "%2"), subject.replace(placeholder, "%1") if subject else None)
    return rows


def c_string(s):
    if s is None:
        return "NULL"
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or unicodedata.category(ch) in ("Cf", "Zs") and ch != " ":
            # Invisible in an editor: spelt out.
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def table(name, rows, english):
    for alias, target in ALIASES.items():
        if target in rows and alias not in rows:
            rows[alias] = rows[target]
    print("static const struct present_mail_format %s[] = {" % name)
    for lang in sorted(rows):
        sender, subject = rows[lang]
        print("\t{%s, %s, %s}," % (c_string(lang), c_string(sender), c_string(subject)))
    print("\t{%s, %s, %s}," % (c_string(ENGLISH), c_string(english[0]), c_string(english[1])))
    print("\t{NULL, NULL, NULL},")
    print("};")


def main():
    tb_root, locale_dir = sys.argv[1], sys.argv[2]
    print("/* Written by tools/mail-formats.py from the clients' catalogues; edit that, not this. */")
    print("#include <stddef.h>")
    print()
    print('#include "mail-formats.h"')
    print()
    print("/* Thunderbird (thunderbird-l10n, 2026-08): body line 1, its newMailNotification_messagetitle. */")
    table("thunderbird", thunderbird(tb_root), ("%1 from %2", None))
    print()
    print("/* Evolution 3.46 (evolution.mo): its \"From: %s\" and \"Subject: %s\" lines. */")
    table("evolution", catalogue(locale_dir, "evolution", "%s"), ("From: %2", "Subject: %1"))
    print()
    print("/* KMail's new-mail agent, kdepim-runtime 22.12 (akonadi_newmailnotifier_agent.mo). */")
    table("kmail", catalogue(locale_dir, "akonadi_newmailnotifier_agent", "%1"), ("From: %2", "Subject: %1"))
    print()
    print("const struct present_mail_format *present_mail_formats(enum present_mail_client client)")
    print("{")
    print("\tstatic const struct present_mail_format *const all[] = {")
    print("\t\t[PRESENT_MAIL_THUNDERBIRD] = thunderbird,")
    print("\t\t[PRESENT_MAIL_EVOLUTION] = evolution,")
    print("\t\t[PRESENT_MAIL_KMAIL] = kmail,")
    print("\t};")
    print("\treturn all[client];")
    print("}")


main()
