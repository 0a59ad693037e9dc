#!/usr/bin/env python3
"""Help keep the gettext catalogs in src/dangjian/locale filled in.

No third-party dependency (runs with any Python 3.10+). Typical round:

    cd src/dangjian && ../../.venv/bin/dangjian makemessages -l zh_Hans -l en --no-obsolete -i "demo/*"
    python scripts/translate_catalog.py todo            # untranslated and fuzzy entries, as JSON
    # write {"msgid": "译文", "singular msgid": ["复数译文"], "ctxt\\u0004msgid": "..."} to a file
    python scripts/translate_catalog.py apply FILE.json # fill msgstr, drop fuzzy flags
    python scripts/translate_catalog.py check           # placeholders, empties, fuzzy, plural header
    python scripts/translate_catalog.py header --po PO  # real header values, header not fuzzy
    cd src/dangjian && ../../.venv/bin/dangjian compilemessages

Keys of the JSON file are msgids (with ``msgctxt + "\\x04"`` in front when the
entry has a context); a value is a string, or a list of strings for plural
entries (only msgstr[0] is needed for Chinese, which has one plural form).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PO = ROOT / "src" / "dangjian" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Named or positional %-formats (flags and width allowed), template variables and str.format fields.
PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifrx]|%[-#0 +]*\d*(?:\.\d+)?[sdifrx]|\{\{.*?\}\}|\{[A-Za-z0-9_]*\}"
)
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")

_UNESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def unquote(s: str) -> str:
    body = s.strip()[1:-1]
    out, i = [], 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(_UNESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)  # keyword -> unescaped text
    raw: dict[str, list[str]] = field(default_factory=dict)  # keyword -> original lines
    order: list[str] = field(default_factory=list)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def plural(self) -> bool:
        return "msgid_plural" in self.fields

    @property
    def key(self) -> str:
        ctxt = self.fields.get("msgctxt")
        return f"{ctxt}\x04{self.msgid}" if ctxt is not None else self.msgid

    @property
    def flags(self) -> list[str]:
        out: list[str] = []
        for c in self.comments:
            if c.startswith("#,"):
                out += [f.strip() for f in c[2:].split(",") if f.strip()]
        return out

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    def msgstrs(self) -> list[str]:
        return [v for k, v in self.fields.items() if k.startswith("msgstr")]

    @property
    def translated(self) -> bool:
        strs = self.msgstrs()
        return bool(strs) and all(strs) and not self.fuzzy

    def set_translation(self, value: str | list[str], nplurals: int) -> None:
        for k in [k for k in self.fields if k.startswith("msgstr")]:
            del self.fields[k]
            self.raw.pop(k, None)
            self.order.remove(k)
        if self.plural:
            values = [value] if isinstance(value, str) else list(value)
            values = (values + [values[-1]] * nplurals)[:nplurals]
            for i, v in enumerate(values):
                k = f"msgstr[{i}]"
                self.fields[k] = v
                self.order.append(k)
        else:
            self.fields["msgstr"] = value if isinstance(value, str) else value[0]
            self.order.append("msgstr")
        # An entry filled in by hand is checked: no longer fuzzy, no previous msgid.
        new_comments = []
        for c in self.comments:
            if c.startswith("#|"):
                continue
            if c.startswith("#,"):
                rest = [f for f in self.flags if f != "fuzzy"]
                if rest:
                    new_comments.append("#, " + ", ".join(dict.fromkeys(rest)))
                continue
            new_comments.append(c)
        self.comments = new_comments

    def render(self) -> str:
        lines = list(self.comments)
        for k in self.order:
            if k in self.raw:
                lines += self.raw[k]
            else:
                v = self.fields[k]
                if "\n" in v[:-1]:
                    parts = v.splitlines(keepends=True)
                    lines.append(f'{k} ""')
                    lines += [quote(p) for p in parts]
                else:
                    lines.append(f"{k} {quote(v)}")
        return "\n".join(lines)


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip("\n")):
        e, current = Entry(), None
        for line in block.splitlines():
            if line.startswith("#"):
                e.comments.append(line)
                continue
            m = KEYWORD.match(line)
            if m:
                current = m.group(1)
                e.order.append(current)
                e.fields[current] = unquote(m.group(2))
                e.raw[current] = [line]
            elif line.strip().startswith('"') and current:
                e.fields[current] += unquote(line.strip())
                e.raw[current].append(line)
        entries.append(e)
    return entries


def write(path: Path, entries: list[Entry]) -> None:
    path.write_text("\n\n".join(e.render() for e in entries) + "\n", encoding="utf-8")
    # Let gettext wrap the file the way msgmerge will, so later diffs stay small.
    subprocess.run(["msgcat", "--use-first", "-o", str(path), str(path)], check=True)


def nplurals_of(entries: list[Entry]) -> int:
    header = next((e for e in entries if e.msgid == "" and "msgctxt" not in e.fields), None)
    m = re.search(r"nplurals\s*=\s*(\d+)", header.fields.get("msgstr", "") if header else "")
    return int(m.group(1)) if m else 2


def placeholders(s: str) -> list[str]:
    """Placeholders by name and conversion only: ``%(month)02d`` and ``%(month)d`` are the same."""
    out = []
    for p in PLACEHOLDER.findall(s.replace("%%", "")):
        m = re.match(r"%(\([^)]*\))?.*?([sdifrx])$", p)
        out.append(f"%{m.group(1) or ''}{m.group(2)}" if m else p)
    return sorted(out)


def cmd_todo(po: Path) -> int:
    out = []
    for e in parse(po)[1:]:
        if e.translated:
            continue
        item = {"key": e.key, "msgid": e.msgid, "refs": " ".join(c[3:] for c in e.comments if c.startswith("#:"))}
        if e.plural:
            item["msgid_plural"] = e.fields["msgid_plural"]
        if e.fuzzy:
            item["fuzzy_guess"] = e.msgstrs()
            prev = [c for c in e.comments if c.startswith("#|")]
            if prev:
                item["previous"] = " ".join(prev)
        out.append(item)
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()
    print(f"{len(out)} entries to do", file=sys.stderr)
    return 0


def cmd_apply(po: Path, source: Path) -> int:
    table: dict[str, str | list[str]] = json.loads(source.read_text(encoding="utf-8"))
    entries = parse(po)
    n = nplurals_of(entries)
    used, done = set(), 0
    for e in entries[1:]:
        if e.key in table:
            e.set_translation(table[e.key], n)
            used.add(e.key)
            done += 1
    write(po, entries)
    unused = sorted(set(table) - used)
    print(f"applied {done} translations; {len(unused)} keys not found in catalog", file=sys.stderr)
    for k in unused:
        print("  not found:", k, file=sys.stderr)
    return 0


HEADER_COMMENTS = [
    "# Dangjian party-building platform: {lang} catalog.",
    "# Generated by makemessages; filled in with scripts/translate_catalog.py.",
    "#",
]


def cmd_header(po: Path) -> int:
    """Give the header entry real values and drop its fuzzy flag (msgfmt skips a fuzzy header)."""
    entries = parse(po)
    head = entries[0]
    lang = po.parent.parent.name
    values = {
        "Project-Id-Version": "dangjian",
        "PO-Revision-Date": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M%z"),
        "Last-Translator": "Dangjian developers",
        "Language-Team": f"{lang}",
        "Language": lang,
    }
    if lang.startswith("zh"):
        values["Plural-Forms"] = "nplurals=1; plural=0;"
    lines = []
    for line in head.fields["msgstr"].splitlines():
        name = line.split(":", 1)[0]
        lines.append(f"{name}: {values.pop(name)}" if name in values else line)
    lines += [f"{k}: {v}" for k, v in values.items()]
    head.fields["msgstr"] = "".join(line + "\n" for line in lines)
    head.raw.pop("msgstr", None)
    head.comments = [c.format(lang=lang) for c in HEADER_COMMENTS]
    write(po, entries)
    return 0


def cmd_check(po: Path) -> int:
    entries = parse(po)
    problems = []
    header = entries[0].fields.get("msgstr", "")
    if "zh_Hans" in str(po) and "nplurals=1; plural=0;" not in header:
        problems.append("header: Plural-Forms should be nplurals=1; plural=0;")
    n = nplurals_of(entries)
    for e in entries[1:]:
        if e.fuzzy:
            problems.append(f"fuzzy: {e.msgid!r}")
        strs = e.msgstrs()
        if not all(strs):
            problems.append(f"empty: {e.msgid!r}")
            continue
        if e.plural and len(strs) != n:
            problems.append(f"plural count {len(strs)} != {n}: {e.msgid!r}")
        want = placeholders(e.msgid)
        want_pl = placeholders(e.fields.get("msgid_plural", e.msgid))
        for s in strs:
            got = placeholders(s)
            if got != want and got != want_pl:
                problems.append(f"placeholders {want} != {got}: {e.msgid!r} -> {s!r}")
    for p in problems:
        print(p)
    print(f"{len(entries) - 1} entries, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["todo", "apply", "check", "header"])
    ap.add_argument("source", nargs="?", type=Path, help="JSON translations for 'apply'")
    ap.add_argument("--po", type=Path, default=DEFAULT_PO)
    args = ap.parse_args()
    if args.command == "todo":
        return cmd_todo(args.po)
    if args.command == "apply":
        if not args.source:
            ap.error("apply needs a JSON file")
        return cmd_apply(args.po, args.source)
    if args.command == "header":
        return cmd_header(args.po)
    return cmd_check(args.po)


if __name__ == "__main__":
    sys.exit(main())
