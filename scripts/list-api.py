#!/usr/bin/env python3
"""Prints the functions the public headers declare with SPDKRT_API, sorted: the API the library
must export (tests/abi/symbols.sh compares it with the version script and the .so)."""
import glob
import os
import re
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
names = set()
for path in glob.glob(os.path.join(top, "include", "spdkrt", "*.h*")):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)
    for decl in text.split(";"):
        if re.search(r"\bSPDKRT_API\b", decl):
            m = re.search(r"\b(spdkrt_[a-z0-9_]+)\s*\(", decl)
            if m:
                names.add(m.group(1))
sys.stdout.write("".join(n + "\n" for n in sorted(names)))
