#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Generates the man(3) pages of the public API from the doc comments of the public headers.

One page per function declared with SPDKRT_API (liburing's habit: NAME, SYNOPSIS, DESCRIPTION,
RETURN VALUE, ERRORS with each errno, NOTES on threading, SEE ALSO), and an overview page
spdkrt(3) listing every function by header. The headers are read as they are, so a new header
in include/spdkrt/ gets its pages without a change here.

    scripts/man3.py --out DIR [--version X.Y.Z] [HEADER...]   (default: include/spdkrt/*.h*)
    scripts/man3.py --list [HEADER...]                        the page names it would write
"""
import argparse
import glob
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What every handle obeys unless its header says otherwise (DESIGN.md, Threading contract).
DEFAULT_THREADING = (
    "Each handle belongs to one spdkrt thread unless the header says otherwise; "
    "spdkrt_thread_send_msg() is safe from any thread. Completion callbacks run on the thread "
    "that submitted the I/O, from spdkrt_thread_poll().")

ERRNO_RE = re.compile(r"-(E[A-Z0-9]{2,})\b")
FUNC_REF_RE = re.compile(r"\b(spdkrt_[a-z0-9_]+)\(\)")
TOKEN_RE = re.compile(r"/\*.*?\*/|//[^\n]*|^[ \t]*#(?:[^\n]*\\\n)*[^\n]*|[^/#]+|/|#", re.S | re.M)


class Function:
    def __init__(self, name, decl, doc, group, header):
        self.name = name
        self.decl = decl
        self.doc = doc
        self.group = group
        self.header = header


class Header:
    def __init__(self, path):
        base = os.path.basename(path)
        if base.endswith(".in"):
            base = base[:-3]
        self.include = "spdkrt/" + base
        self.path = path
        self.summary = ""
        self.threading = ""
        self.functions = []


def comment_text(comment):
    """The text of a /** ... */ or /* ... */ comment, without the stars that start its lines."""
    body = re.sub(r"^/\*[*!]?<?", "", comment)
    body = re.sub(r"\*/$", "", body)
    lines = []
    for line in body.split("\n"):
        line = re.sub(r"^\s*\*( |\t|$)?", "", line) if re.match(r"^\s*\*", line) else line.strip()
        lines.append(line.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def parse_header(path):
    header = Header(path)
    text = open(path, encoding="utf-8").read()
    depth = 0
    code = ""
    doc = None
    group = None
    for m in TOKEN_RE.finditer(text):
        tok = m.group(0)
        if tok.startswith("/*"):
            if depth:
                continue
            if tok.startswith("/**<") or tok.startswith("/*!<"):
                continue
            is_doc = tok.startswith("/**") or tok.startswith("/*!")
            body = comment_text(tok)
            if is_doc and re.match(r"\s*@file\b", body):
                file_text = re.sub(r"^\s*@file\s*", "", body)
                paras = [p.strip() for p in re.split(r"\n\s*\n", file_text) if p.strip()]
                header.summary = " ".join(paras[0].split()) if paras else ""
                for p in paras:
                    if p.startswith("Threading:") or re.search(r"from any (OS )?thread", p):
                        p = " ".join(re.sub(r"^Threading:\s*", "", p).split())
                header.threading += (" " if header.threading else "") + p[:1].upper() + p[1:]
            elif is_doc:
                doc = body
            elif not tok.startswith("/* SPDX"):
                group = body
            continue
        if tok.startswith("//") or tok.lstrip().startswith("#"):
            continue
        for ch in tok:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if depth == 0 and ch == ";":
                stmt = (code + ch).strip()
                code = ""
                add_statement(header, stmt, doc, group)
                if not re.search(r"\bSPDKRT_API\b", stmt):
                    group = None
                doc = None
            elif ch not in "{}" or depth:
                code += ch
        if depth:
            code = ""
    return header


def add_statement(header, stmt, doc, group):
    if not re.search(r"\bSPDKRT_API\b", stmt):
        return
    m = re.search(r"\b(spdkrt_[a-z0-9_]+)\s*\(", stmt)
    if not m:
        return
    decl = " ".join(stmt.replace("SPDKRT_API", "").split())
    decl = re.sub(r"\(\s+", "(", decl)
    decl = re.sub(r"\s+\)", ")", decl)
    header.functions.append(Function(m.group(1), decl, doc or "", group, header))


def split_doc(doc):
    """Splits a doc comment into (description, [(param, text)], return text, notes, see)."""
    desc, params, ret, notes, see = [], [], [], [], []
    target = desc
    for line in re.sub(r"(?<=\S)[ \t]+(@returns?\b)", r"\n\1", doc).split("\n"):
        m = re.match(r"\s*[@\\](param)(?:\[[a-z,]+\])?\s+(\w+)\s*(.*)", line)
        if m:
            params.append([m.group(2), m.group(3)])
            target = None
            continue
        m = re.match(r"\s*[@\\](returns?|retval|note|warning|see|sa)\b\s*(.*)", line)
        if m:
            target = {"return": ret, "returns": ret, "retval": ret, "note": notes,
                      "warning": notes, "see": see, "sa": see}[m.group(1)]
            target.append(m.group(2))
            continue
        if target is None:
            if line.strip() and params:
                params[-1][1] += " " + line.strip()
                continue
            target = desc
        target.append(line)
    return ("\n".join(desc).strip(), params, " ".join(" ".join(ret).split()),
            "\n".join(notes).strip(), " ".join(see))


def brief(desc, ret):
    text = " ".join(desc.split()) or ret
    text = re.sub(r"^(@return|Return)s?\s*", "", text)
    m = re.match(r"(.+?[.:])(\s|$)", text)
    sentence = m.group(1) if m else text
    sentence = sentence.rstrip(".:")
    if len(sentence) > 110:
        sentence = sentence[:107].rsplit(" ", 1)[0] + "..."
    return sentence or "a function of the spdkrt storage runtime"


def roff_escape(text):
    text = text.replace("\\", "\\e")
    text = text.replace("-", "\\-")
    return text


def inline(text):
    """Doxygen/markdown inline markup to roff fonts."""
    text = roff_escape(text)
    text = re.sub(r"`([^`]+)`", r"\\fB\1\\fR", text)
    text = re.sub(r"[@\\](?:c|p|a|ref)\s+([\w.:*-]+)", r"\\fI\1\\fR", text)
    text = re.sub(r"\b(spdkrt_[a-z0-9_]+)\(\)", r"\\fB\1\\fR()", text)
    return text


def line_safe(text):
    """A text line must not start with a roff control character."""
    return "\\&" + text if text[:1] in (".", "'") else text


def render_block(text):
    """Paragraphs, '- ' lists and indented code of a doc comment to roff lines."""
    out = []
    paras = re.split(r"\n\s*\n", text.strip("\n"))
    for para in paras:
        lines = para.split("\n")
        if all(re.match(r"^(    |\t)", l) or not l.strip() for l in lines):
            out += [".PP", ".EX"]
            out += [line_safe(roff_escape(l[4:] if l.startswith("    ") else l[1:])) for l in lines]
            out += [".EE"]
            continue
        item = None
        plain = []

        def flush():
            if plain:
                out.append(".PP")
                out.append(line_safe(inline(" ".join(" ".join(plain).split()))))
                plain.clear()
        for l in lines:
            m = re.match(r"^\s*[-*]\s+(.*)", l)
            if m:
                flush()
                if item is not None:
                    out += [".IP \\(bu 2", line_safe(inline(" ".join(item.split())))]
                item = m.group(1)
            elif item is not None and l.strip():
                item += " " + l.strip()
            else:
                plain.append(l)
        if item is not None:
            out += [".IP \\(bu 2", line_safe(inline(" ".join(item.split())))]
        flush()
    return out


def errno_table(text):
    """{ERRNO: explanation} from a return text or an errno table ('-EINVAL  NULL desc, ...')."""
    table = {}
    if not text:
        return table
    matches = list(ERRNO_RE.finditer(text))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        why = text[m.end():end]
        why = re.split(r";|\n\s*\n", why)[0]
        why = " ".join(why.split()).strip(" ,.:")
        why = re.sub(r"^(\(|for |when |if |on )", "", why)
        if why.endswith(")") and why.count(")") > why.count("("):
            why = why[:-1]
        why = why.strip(" ,.")
        if why.endswith(" or") or why.endswith(" and"):
            why = why.rsplit(" ", 1)[0]
        code = m.group(1)
        if why and why not in table.get(code, []):
            table.setdefault(code, []).append(why)
        else:
            table.setdefault(code, [])
    return table


def wrap_decl(decl):
    """The declaration, its parameters wrapped at 80 columns under the opening parenthesis."""
    if len(decl) <= 78:
        return [decl]
    head, _, rest = decl.partition("(")
    args = rest.rsplit(")", 1)[0].split(", ")
    indent = " " * (len(head) + 1)
    lines, cur = [], head + "("
    for i, a in enumerate(args):
        piece = a + (", " if i + 1 < len(args) else ");")
        if len(cur) + len(piece.rstrip()) > 78 and cur.strip() not in (head + "(", ""):
            lines.append(cur.rstrip())
            cur = indent
        cur += piece
    lines.append(cur.rstrip())
    return lines


def page(fn, version, all_names):
    desc, params, ret, notes, see = split_doc(fn.doc)
    group = fn.group or ""
    title = fn.name.upper()
    out = ['.\\" Generated by scripts/man3.py from %s: edit the header, not this file.'
           % fn.header.include,
           '.TH %s 3 "" "spdkrt %s" "spdkrt Programmer\'s Manual"' % (title, version),
           ".nh",
           ".ad l",
           ".SH NAME",
           "%s \\- %s" % (fn.name, roff_escape(brief(desc, ret))),
           ".SH SYNOPSIS",
           ".nf",
           ".B #include <%s>" % fn.header.include,
           ".PP"]
    out += [roff_escape(l) for l in wrap_decl(fn.decl)]
    out += [".fi", ".PP", "Compile and link with \\fBpkg\\-config \\-\\-cflags \\-\\-libs spdkrt\\fR."]
    out.append(".SH DESCRIPTION")
    if desc:
        out += render_block(desc)
    elif not group:
        out += [".PP", line_safe(inline(ret or brief(desc, ret)))]
    if group and not ERRNO_RE.search(group):
        out += render_block(group)
    if params:
        out += [".PP", "Parameters:"]
        for name, text in params:
            out += [".TP", ".I %s" % name, line_safe(inline(" ".join(text.split()) or "\\&"))]
    out.append(".SH RETURN VALUE")
    if ret:
        out += [".PP", line_safe(inline(ret))]
    elif group and ERRNO_RE.search(group):
        first = re.split(r"\n\s*-E[A-Z]", group)[0]
        out += [".PP", line_safe(inline(" ".join(first.split())))]
    elif fn.decl.startswith("void ") and not fn.decl.startswith("void *"):
        out += [".PP", "None."]
    else:
        out += [".PP", "See DESCRIPTION."]
    errors = errno_table(ret)
    for code, why in errno_table(group).items():
        if code not in errors or not errors[code]:
            errors[code] = why
    if errors:
        out.append(".SH ERRORS")
        out.append(".PP")
        out.append("Errors are returned as negative errno values:")
        for code, why in errors.items():
            out += [".TP", ".B \\-%s" % code,
                    line_safe(inline("; ".join(why) if why else "See RETURN VALUE."))]
    out.append(".SH NOTES")
    out += [".PP", line_safe(inline(fn.header.threading or DEFAULT_THREADING))]
    if notes:
        out += render_block(notes)
    refs = []
    for name in FUNC_REF_RE.findall(" ".join([fn.doc, group, see])):
        if name != fn.name and name in all_names and name not in refs:
            refs.append(name)
    siblings = [f.name for f in fn.header.functions]
    i = siblings.index(fn.name)
    for name in siblings[max(0, i - 2):i] + siblings[i + 1:i + 3]:
        if name not in refs:
            refs.append(name)
    out.append(".SH SEE ALSO")
    out.append(",\n".join(".BR %s (3)" % r for r in refs + ["spdkrt"]))
    return "\n".join(out) + "\n"


def overview(headers, version):
    out = ['.\\" Generated by scripts/man3.py from the public headers.',
           '.TH SPDKRT 3 "" "spdkrt %s" "spdkrt Programmer\'s Manual"' % version,
           ".nh",
           ".ad l",
           ".SH NAME",
           "spdkrt \\- SPDK\\-style user\\-space storage runtime: the C API",
           ".SH SYNOPSIS",
           ".nf",
           ".B #include <spdkrt.h>",
           ".fi",
           ".PP",
           "Compile and link with \\fBpkg\\-config \\-\\-cflags \\-\\-libs spdkrt\\fR.",
           ".SH DESCRIPTION",
           ".PP",
           "Every function returns 0 or a negative errno unless its page says otherwise; options "
           "structures are size\\-prefixed and initialised with their \\fB_opts_init\\fR(&opts, "
           "sizeof(opts)) function. Each function has its own page:"]
    for h in headers:
        if not h.functions:
            continue
        out += [".SS <%s>" % h.include, ".PP", line_safe(inline(h.summary))]
        for f in h.functions:
            out += [".TP", ".BR %s (3)" % f.name,
                    roff_escape(brief(*split_doc(f.doc)[0:3:2]))]
    out += [".SH RETURN VALUE", ".PP",
            "Functions return 0 or a negative errno (\\fB\\-EINVAL\\fR for bad arguments, with "
            "a log line that names the problem); constructors return the handle through an "
            "out\\-parameter. Each page lists its errors."]
    out += [".SH NOTES", ".PP", line_safe(inline(DEFAULT_THREADING))]
    out += [".SH SEE ALSO", ".BR spdkrt_version (3),", ".BR spdkrt\\-setup (1),",
            ".BR spdkrt\\-bdevperf (1)"]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="directory to write the pages to")
    ap.add_argument("--version", default="")
    ap.add_argument("--list", action="store_true", help="print the page names only")
    ap.add_argument("headers", nargs="*")
    args = ap.parse_args()
    # A header made from a .h.in by configure (version.h, in an in-tree build) is read from its
    # template.
    templates = glob.glob(os.path.join(TOP, "include", "spdkrt", "*.h.in"))
    paths = args.headers or sorted(
        [h for h in glob.glob(os.path.join(TOP, "include", "spdkrt", "*.h"))
         if h + ".in" not in templates] + templates)
    headers = [parse_header(p) for p in paths]
    functions = [f for h in headers for f in h.functions]
    names = {f.name for f in functions}
    if len(names) != len(functions):
        sys.exit("man3.py: a function is declared twice in the public headers")
    if args.list:
        sys.stdout.write("".join("%s.3\n" % n for n in sorted(names | {"spdkrt"})))
        return
    if not args.out:
        ap.error("--out DIR or --list is required")
    version = args.version
    if not version:
        ac = open(os.path.join(TOP, "configure.ac"), encoding="utf-8").read()
        version = ".".join(re.findall(r"m4_define\(\[spdkrt_(?:major|minor|patch)\], \[(\d+)\]", ac))
    os.makedirs(args.out, exist_ok=True)
    for f in functions:
        with open(os.path.join(args.out, f.name + ".3"), "w", encoding="utf-8") as fp:
            fp.write(page(f, version, names))
    with open(os.path.join(args.out, "spdkrt.3"), "w", encoding="utf-8") as fp:
        fp.write(overview(headers, version))


if __name__ == "__main__":
    main()
