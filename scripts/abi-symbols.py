#!/usr/bin/env python3
"""The exported ABI as libspdkrt/libspdkrt.map describes it, and the files derived from it.

Usage: scripts/abi-symbols.py COMMAND
  list     print "symbol version-node" for every function of the version script
  api      print "symbol version-node" for every function the headers declare, without checking
           the map ("-" for a function the map lacks): what a user expects to find
  debian   print the Debian symbols file (debian/libspdkrt1.symbols) the version script implies
  update   rewrite debian/libspdkrt1.symbols (run after adding API: `make update-symbols`)
  check    exit 1 when debian/libspdkrt1.symbols is out of date

Every command first checks that the version script names exactly the functions the public
headers declare with SPDKRT_API (scripts/list-api.py) and that its nodes are LIBSPDKRT_X.Y.
A node LIBSPDKRT_X.Y holds the functions added in release X.Y.0: the Debian symbols file gives
each symbol that release as the minimum version of libspdkrt1 a program using it depends on.
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAP = os.path.join(TOP, "libspdkrt", "libspdkrt.map")
SYMBOLS = os.path.join(TOP, "debian", "libspdkrt1.symbols")
NODE_RE = re.compile(r"^LIBSPDKRT_(\d+)\.(\d+)$")


def fail(msg):
    sys.stderr.write("abi-symbols.py: %s\n" % msg)
    sys.exit(1)


def parse_map(path=MAP):
    """Returns [(node, [names])] in file order."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"#[^\n]*", " ", text)
    nodes = []
    for m in re.finditer(r"([A-Za-z0-9_.]+)\s*\{(.*?)\}\s*([A-Za-z0-9_.]*)\s*;", text, flags=re.S):
        node, body = m.group(1), m.group(2)
        if not NODE_RE.match(node):
            fail("%s: version node %s is not named LIBSPDKRT_<major>.<minor>" % (path, node))
        names = []
        scope = "global"
        for item in body.split(";"):
            item = item.strip()
            if not item:
                continue
            sm = re.match(r"^(global|local)\s*:\s*(.*)$", item, flags=re.S)
            if sm:
                scope, item = sm.group(1), sm.group(2).strip()
                if not item:
                    continue
            if scope == "global":
                if not re.match(r"^spdkrt_[a-z0-9_]+$", item):
                    fail("%s: %s exports '%s', not an spdkrt_ function name" % (path, node, item))
                names.append(item)
            elif item != "*":
                fail("%s: %s: unexpected local entry '%s'" % (path, node, item))
        nodes.append((node, names))
    if not nodes:
        fail("%s: no version node found" % path)
    return nodes


def api_names():
    out = subprocess.run([sys.executable, os.path.join(TOP, "scripts", "list-api.py")],
                         check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    return set(out.split())


def checked_symbols():
    """[(name, node)] sorted by name, after checking the map against the headers."""
    nodes = parse_map()
    where = {}
    for node, names in nodes:
        for n in names:
            if n in where:
                fail("%s is listed twice in libspdkrt.map (%s and %s)" % (n, where[n], node))
            where[n] = node
    api = api_names()
    missing = sorted(api - set(where))
    extra = sorted(set(where) - api)
    if missing or extra:
        msg = ["libspdkrt/libspdkrt.map and the public headers disagree:"]
        msg += ["  declared with SPDKRT_API but not in the map: " + n for n in missing]
        msg += ["  in the map but not declared with SPDKRT_API: " + n for n in extra]
        fail("\n".join(msg))
    return sorted(where.items())


def release_of(node):
    m = NODE_RE.match(node)
    return "%s.%s.0" % (m.group(1), m.group(2))


def debian_text():
    syms = checked_symbols()
    nodes = sorted({node for _, node in syms},
                   key=lambda n: tuple(int(x) for x in NODE_RE.match(n).groups()))
    major = NODE_RE.match(nodes[0]).group(1)
    lines = [
        "# Generated from libspdkrt/libspdkrt.map by scripts/abi-symbols.py update"
        " (make update-symbols): do not edit.",
        "# Each symbol's version is the release that added it (its version node).",
        "libspdkrt.so.%s libspdkrt%s #MINVER#" % (major, major),
        "* Build-Depends-Package: libspdkrt-dev",
    ]
    entries = [(node, node, release_of(node)) for node in nodes]
    entries += [(name, node, release_of(node)) for name, node in syms]
    for name, node, rel in sorted(entries):
        lines.append(" %s@%s %s" % (name, node, rel))
    return "\n".join(lines) + "\n"


def main():
    cmd = sys.argv[1] if len(sys.argv) == 2 else ""
    if cmd == "list":
        for name, node in checked_symbols():
            print(name, node)
    elif cmd == "api":
        where = {n: node for node, names in parse_map() for n in names}
        for name in sorted(api_names()):
            print(name, where.get(name, "-"))
    elif cmd == "debian":
        sys.stdout.write(debian_text())
    elif cmd == "update":
        text = debian_text()
        old = open(SYMBOLS, encoding="utf-8").read() if os.path.exists(SYMBOLS) else ""
        if old != text:
            with open(SYMBOLS, "w", encoding="utf-8") as f:
                f.write(text)
            print("updated %s" % os.path.relpath(SYMBOLS, TOP))
        else:
            print("%s is up to date" % os.path.relpath(SYMBOLS, TOP))
    elif cmd == "check":
        text = debian_text()
        old = open(SYMBOLS, encoding="utf-8").read() if os.path.exists(SYMBOLS) else ""
        if old != text:
            import difflib
            sys.stderr.write("".join(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True),
                "debian/libspdkrt1.symbols", "expected from libspdkrt.map")))
            fail("debian/libspdkrt1.symbols is out of date: run `make update-symbols`"
                 " (or scripts/abi-symbols.py update) and commit it")
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
