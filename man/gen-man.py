#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate the man pages from their templates, the key reference of
ipmi-agentx.yaml(5) from the commented example configuration.

conf/ipmi-agentx.yaml is the one source of truth for the keys: every key,
its description (the comment block above it and its inline comment), its
default (the value shown) and range (in the description). This script parses
that commented YAML generically -- no key is named here -- so a key added to
the file appears in the man page at the next build.

Usage: gen-man.py TEMPLATE OUTPUT [--config YAML] [-D NAME=VALUE]... [--strict]
       gen-man.py --list-keys --config YAML - -

In TEMPLATE, @NAME@ is replaced by the -D value; a line holding only
@CONFIG_RULES@, @CONFIG_KEYS@ or @CONFIG_EXAMPLE@ is replaced by the rules
(the file's opening comment), the key reference, or the example (every key,
commented-out ones too, without comments). An @NAME@ left over is an error.
--strict also fails when a key whose value is set in the file has no
description.

How the commented YAML is read:
  - A live line `key: value  # note` is a key; a `- ` before the key starts
    a sequence item. Nesting follows indentation; the keys of sequence
    items are named `list[].key`.
  - A comment line is a commented-out key when, with its `# ` removed, it is
    a `key:` line (lower-case key) that sits where a key could: at the
    column of an enclosing key, or one level under a commented-out mapping
    key right above it. Commented-out values are examples, not defaults.
  - Other comment lines are the description of the next key. A blank line
    ends a description. Lines indented deeper than the block are kept as
    they are (tables); deeper `- ` lines are bullets.
  - A description that says "Default:" (or an inline "default:") states the
    default itself; the value shown is then only an example.
  - An inline comment that starts with "(default)" marks the value of a
    commented-out key as the default all the same (a remote BMC's port,
    which the live in-band entry cannot show).
  - An inline comment that starts with "(instead of KEY)" marks an
    alternative to KEY: documented, but left out of the EXAMPLE, which must
    be a configuration the agent accepts.
  - An SPDX-License-Identifier comment line is not documentation.
"""

import argparse
import re
import sys
from dataclasses import dataclass, field

KEY_RE = re.compile(r"^(?P<indent> *)(?P<dash>- +)?(?P<key>[a-z][a-z0-9_]*):(?:[ \t]+(?P<rest>.*))?$")
COMMENT_RE = re.compile(r"^(?P<indent> *)#(?P<body>.*)$")
SCALAR_ITEM_RE = re.compile(r"^(?P<indent> *)- +(?P<rest>.*)$")
DEFAULT_MARK = "(default)"
INSTEAD_RE = re.compile(r"^\(instead of [a-z_]+\)")
SPDX_RE = re.compile(r"^\s*#\s*SPDX-License-Identifier:")


@dataclass
class Key:
    path: str
    order: int
    defaults: list = field(default_factory=list)   # values of live lines
    examples: list = field(default_factory=list)   # values of commented-out lines
    notes: list = field(default_factory=list)      # inline comments
    blocks: list = field(default_factory=list)     # description blocks (lists of lines)
    items: list = field(default_factory=list)      # blocks above live sequence items
    scalars: list = field(default_factory=list)    # live `- value` items under the key
    live: bool = False
    container: bool = False


@dataclass
class Parsed:
    rules: list
    keys: dict
    example: list


def split_value(rest):
    """(value, inline comment) of the text after `key:`."""
    if rest is None:
        return "", ""
    quote = None
    for i, ch in enumerate(rest):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or rest[i - 1] in " \t"):
            return rest[:i].strip(), rest[i + 1:].strip()
    return rest.strip(), ""


def uncomment(indent, body):
    """The line a comment would be without its `#` (and one space)."""
    return indent + (body[1:] if body.startswith(" ") else body)


class Parser:
    def __init__(self):
        self.keys = {}
        self.stack = []          # (column, path, is_item)
        self.pending = []        # description lines (text with indentation)
        self.last_key = None     # (column, path, container) of the line above, if a key
        self.rules = []
        self.in_header = True
        self.example = []

    def key(self, path):
        if path not in self.keys:
            self.keys[path] = Key(path, len(self.keys))
        return self.keys[path]

    def fits(self, m):
        """Whether a commented `key:` line sits where a key could."""
        col = len(m.group("indent"))
        if any(c == col for c, _, _ in self.stack):
            return True
        if not self.stack and col == 0:
            return True
        last = self.last_key
        return bool(last and last[2] and col > last[0])

    def parent_for(self, col):
        while self.stack and self.stack[-1][0] >= col:
            self.stack.pop()
        return self.stack[-1][1] if self.stack else ""

    def take_pending(self):
        block, self.pending = self.pending, []
        return block

    def add_key_line(self, m, live):
        indent = len(m.group("indent"))
        dash = m.group("dash") or ""
        value, note = split_value(m.group("rest"))
        if dash:
            parent = self.parent_for(indent)
            if not parent:
                raise SystemExit(f"gen-man: a sequence item without a key at column {indent}")
            item = parent + "[]"
            block = self.take_pending()
            if live and block:
                self.key(parent).items.append(block)
            self.stack.append((indent, item, True))
            col = indent + len(dash)
        else:
            col = indent
        parent = self.parent_for(col)
        path = f"{parent}.{m.group('key')}" if parent else m.group("key")
        k = self.key(path)
        k.live = k.live or live
        container = value == ""
        k.container = k.container or container
        is_default = live
        if note.startswith(DEFAULT_MARK):
            note = note[len(DEFAULT_MARK):].strip()
            is_default = True
        instead = INSTEAD_RE.match(note)
        alternative = instead is not None
        if instead:
            rest = note[instead.end():].strip()
            note = instead.group(0)[1:-1].capitalize() + (f": {rest}" if rest else ".")
        if not container:
            (k.defaults if is_default else k.examples).append(value)
        if note and note not in k.notes:
            k.notes.append(note)
        block = self.take_pending()
        if block and block not in k.blocks:
            k.blocks.append(block)
        self.stack.append((col, path, False))
        self.last_key = (col, path, container)
        if not alternative:
            self.example.append(" " * indent + dash + m.group("key") + ":" +
                                (" " + value if value else ""))

    def add_scalar_item(self, m):
        """`- value` under a key: one element of the key's sequence value."""
        indent = len(m.group("indent"))
        value, note = split_value(m.group("rest"))
        k = self.key(self.parent_for(indent + 1))
        k.scalars.append(value)
        if note and note not in k.notes:
            k.notes.append(note)
        self.pending = []
        self.example.append(" " * indent + "- " + value)

    def feed(self, line):
        line = line.rstrip("\n").rstrip()
        if SPDX_RE.match(line):
            return
        if self.in_header:
            if line.startswith("#"):
                self.rules.append(uncomment("", line[1:]))
                return
            self.in_header = False
        if not line.strip():
            self.pending = []
            self.last_key = None
            return
        c = COMMENT_RE.match(line)
        if c is None:
            m = KEY_RE.match(line)
            if m is not None:
                self.add_key_line(m, live=True)
                return
            m = SCALAR_ITEM_RE.match(line)
            if m is not None and self.stack:
                self.add_scalar_item(m)
                return
            raise SystemExit(f"gen-man: cannot read this line: {line!r}")
        text = uncomment(c.group("indent"), c.group("body"))
        m = KEY_RE.match(text)
        if m and self.fits(m):
            self.add_key_line(m, live=False)
            return
        # A description line; a comment inside commented-out YAML loses its `#` too.
        inner = COMMENT_RE.match(text)
        if inner:
            text = uncomment(inner.group("indent"), inner.group("body"))
        self.pending.append(text)
        self.last_key = None


def parse(path):
    p = Parser()
    with open(path, encoding="utf-8") as f:
        for line in f:
            p.feed(line)
    rules = p.rules[1:] if p.rules else []  # the first line is the file's title
    return Parsed(rules, p.keys, p.example)


# --- roff ------------------------------------------------------------------


def esc(text):
    """Text for a roff input line: backslashes, minus signs, leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith((".", "'")):
        text = "\\&" + text
    return text


def render_block(lines, para=".IP"):
    """A description block: filled prose, `- ` bullets, preformatted lines.

    `para` starts a new paragraph at the block's indentation: .IP inside a
    tagged paragraph (.TP), .PP elsewhere.
    """
    texts = [ln for ln in lines if ln.strip()]
    if not texts:
        return []
    while not lines[0].strip():
        lines = lines[1:]
    base = min(len(ln) - len(ln.lstrip()) for ln in texts)
    out = []
    mode = "para"  # para | bullet | pre
    bullet_col = 0

    def close():
        if mode == "pre":
            out.extend([".fi", ".RE"])
        elif mode == "bullet":
            out.append(".RE")

    for ln in lines:
        col = len(ln) - len(ln.lstrip())
        body = ln.strip()
        if not body:
            close()
            mode = "para"
            out.append(para)
        elif col == base:
            if mode != "para":
                close()
                out.append(para)
            mode = "para"
            out.append(esc(body))
        elif body.startswith("- "):
            if mode == "pre":
                close()
            if mode != "bullet":
                out.append(".RS")
            out.extend([".IP \\(bu 2", esc(body[2:].strip())])
            mode, bullet_col = "bullet", col
        elif mode == "bullet" and col > bullet_col:
            out.append(esc(body))
        else:
            if mode != "pre":
                close()
                out.extend([".RS", ".nf"])
            mode = "pre"
            out.append(esc(ln[base:].rstrip()))
    close()
    while out and out[-1] == para:
        out.pop()
    return out


def states_default(k):
    text = " ".join(" ".join(b) for b in k.blocks) + " " + " ".join(k.notes)
    return re.search(r"\bdefault:", text, re.I) is not None


def value_lines(k):
    required = any(n.lower().startswith("required") for n in k.notes)
    out = []
    if k.scalars and not k.defaults:
        k.defaults = ["[" + ", ".join(k.scalars) + "]"]
    if k.defaults and not required and not states_default(k):
        out.append(f"Default: \\fB{esc(k.defaults[0])}\\fR.")
        examples = [v for v in k.defaults[1:] + k.examples if v != k.defaults[0]]
    else:
        examples = k.defaults + k.examples
    seen = []
    for v in examples:
        if v not in seen:
            seen.append(v)
    if seen:
        word = "Example" if len(seen) == 1 else "Examples"
        out.append(f"{word}: " + ", ".join(f"\\fB{esc(v)}\\fR" for v in seen) + ".")
    return out


def see_also(k, keys):
    """For an undocumented key, a documented key of the same name and parent."""
    tail = ".".join(k.path.replace("[]", "").split(".")[-2:])
    for other in keys.values():
        if other is not k and (other.blocks or other.notes) and \
                other.path.replace("[]", "").endswith(tail) and "." in tail:
            return other.path
    return None


def render_key(k, keys, tagged=True):
    """One key: a tagged paragraph, or (tagged=False) plain paragraphs."""
    out = [".TP", f".B {esc(k.path)}"] if tagged else []
    para = ".IP" if tagged else ".PP"
    body = []
    for block in k.blocks:
        if body:
            body.append(para)
        body += render_block(block, para)
    for note in k.notes:
        if body:
            body.append(para)
        body.append(esc(note))
    if not k.blocks and not k.notes:
        other = see_also(k, keys)
        if other:
            body.append(f"As \\fB{esc(other)}\\fR.")
    for block in k.items:
        body.append(para)
        body += render_block(block, para)
    vals = value_lines(k)
    if vals:
        if body:
            body.append(para)
        body += vals
    return out + body


def render_keys(parsed):
    out = []
    keys = sorted(parsed.keys.values(), key=lambda k: k.order)
    for top in [k for k in keys if "." not in k.path.replace("[]", "")]:
        out.append(f".SS {esc(top.path)}")
        out += render_key(top, parsed.keys, tagged=False)
        for k in keys:
            if k.path.startswith(top.path + ".") or k.path.startswith(top.path + "[]."):
                out += render_key(k, parsed.keys)
    return out


def render_example(parsed):
    return [".PP", ".RS 4", ".nf"] + [esc(ln) for ln in parsed.example] + [".fi", ".RE"]


def check_strict(parsed):
    bad = [k.path for k in parsed.keys.values()
           if k.live and not k.container and not k.blocks and not k.notes
           and not see_also(k, parsed.keys)]
    if bad:
        raise SystemExit("gen-man: keys without a description in the configuration: " +
                         ", ".join(bad))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("template")
    ap.add_argument("output")
    ap.add_argument("--config")
    ap.add_argument("-D", dest="defines", action="append", default=[])
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--list-keys", action="store_true",
                    help="print the key paths of --config and exit")
    args = ap.parse_args()

    defines = {}
    for d in args.defines:
        name, _, value = d.partition("=")
        defines[name] = value
    parsed = parse(args.config) if args.config else None
    if parsed and args.strict:
        check_strict(parsed)
    if parsed and args.list_keys:
        for k in sorted(parsed.keys.values(), key=lambda k: k.order):
            print(k.path)
        return

    blocks = {}
    if parsed:
        blocks = {
            "@CONFIG_RULES@": render_block(parsed.rules, ".PP"),
            "@CONFIG_KEYS@": render_keys(parsed),
            "@CONFIG_EXAMPLE@": render_example(parsed),
        }
    out = []
    with open(args.template, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() in blocks:
                out += blocks[line.strip()]
                continue
            line = re.sub(r"@([A-Z_]+)@", lambda m: defines.get(m.group(1), m.group(0)), line)
            left = re.search(r"@[A-Z_]+@", line)
            if left:
                sys.exit(f"{args.template}:{n}: {left.group(0)} has no value")
            out.append(line)
    text = "\n".join(out) + "\n"
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
