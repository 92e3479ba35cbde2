#!/usr/bin/env python3
"""Turns the interface XML into a C string for Introspect replies, adding the
standard interfaces the daemon also answers."""
import sys

STANDARD = """  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="v" direction="out"/></method>
    <method name="GetAll"><arg type="s" direction="in"/><arg type="a{sv}" direction="out"/></method>
    <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/><arg type="as"/></signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect"><arg type="s" direction="out"/></method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId"><arg type="s" direction="out"/></method>
  </interface>
"""

src, out = sys.argv[1], sys.argv[2]
xml = open(src, encoding="utf-8").read()
# Comments are for people reading the file; keep the reply lean.
while "<!--" in xml:
    a = xml.index("<!--")
    xml = xml[:a] + xml[xml.index("-->", a) + 3:]
xml = "\n".join(line for line in xml.splitlines() if line.strip())
xml = xml.replace("</node>", STANDARD + "</node>")
escaped = xml.replace("\\", "\\\\").replace('"', '\\"')
lines = "\n".join('\t"%s\\n"' % line for line in escaped.splitlines())
with open(out, "w", encoding="utf-8") as f:
    f.write("/* Generated from %s: do not edit. */\n" % src.split("/")[-1])
    f.write("static const char present_introspection_xml[] =\n%s;\n" % lines)
