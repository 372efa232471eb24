"""SPARQL syntax errors that read as if a person wrote them: where (line and column,
the line itself with a caret), what the parser expected (without the Unicode ranges
of its grammar), and a hint for the common mistakes: an undeclared prefix, unbalanced
braces or parentheses. The same text on /sparql (400) and in `critmin query`."""

from __future__ import annotations

import re

from critmin.sparql.query_text import tokens

_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_RANGES = re.compile(r"\[[^\]]*'\\u\{[^\]]*\]", re.DOTALL)


def explain(query: str, message: str, prefixes: dict[str, str]) -> str:
    match = _POSITION.match(message.strip())
    if not match:
        return message
    line, column, expected = int(match.group(1)), int(match.group(2)), match.group(3)
    expected = " ".join(_RANGES.sub("a name", expected).split())
    if "Prefix not found" in expected:
        expected = "a prefix that is declared"
    if len(expected) > 200:
        expected = expected[:200] + "…"
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    parts = [f"line {line}, column {column}: {expected}", f"    {text}", "    " + " " * max(0, column - 1) + "^"]
    hint = _hint(query, expected, prefixes)
    if hint:
        parts.append(f"hint: {hint}")
    return "\n".join(parts)


def _hint(query: str, expected: str, prefixes: dict[str, str]) -> str | None:
    items = tokens(query)
    if expected == "a prefix that is declared":
        declared = {items[i + 1][1].rstrip(":") for i, (k, v) in enumerate(items[:-1])
                    if k == "word" and v.upper() == "PREFIX"}  # fmt: skip
        unknown = sorted({v.split(":", 1)[0] for k, v in items if k == "pname"} - declared - set(prefixes))
        first = [p for p in ("cm", "mineral", "country", "list", "entry", "source", "supply", "rdfs", "skos", "dct")
                 if p in prefixes]  # fmt: skip
        known = ", ".join(f"{p}:" for p in first)
        name = unknown[0] if unknown else "the prefix"
        return f"{name}: is not declared: add PREFIX {name}: <…> or use one of the predeclared prefixes ({known} …)"
    for opening, closing, name in (("{", "}", "braces"), ("(", ")", "parentheses")):
        opened = sum(1 for k, v in items if k == "other" and v == opening)
        closed = sum(1 for k, v in items if k == "other" and v == closing)
        if opened != closed:
            return f"unbalanced {name}: {opened} '{opening}' and {closed} '{closing}'"
    return None
