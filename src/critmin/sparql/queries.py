"""The canned competency questions in queries/*.rq and their documented headers.

Each file starts with a comment block of `key: value` lines (title, question,
returns); continuation lines are indented. The same files are the tests' ground
truth and the query editor's example gallery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from critmin import settings

_FIELD = re.compile(r"^#\s*(\w+):\s*(.*)$")
_CONTINUATION = re.compile(r"^#\s{2,}(.*)$")


@dataclass(frozen=True)
class CannedQuery:
    name: str
    title: str
    question: str
    returns: str
    text: str
    path: Path


def parse_header(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := _FIELD.match(line):
            key = match.group(1).lower()
            fields[key] = match.group(2).strip()
        elif (match := _CONTINUATION.match(line)) and key:
            fields[key] += " " + match.group(1).strip()
    return fields


def load(path: Path) -> CannedQuery:
    text = path.read_text(encoding="utf-8")
    fields = parse_header(text)
    missing = {"title", "question", "returns"} - fields.keys()
    if missing:
        raise ValueError(f"{path}: header lacks {', '.join(sorted(missing))}")
    return CannedQuery(path.stem, fields["title"], fields["question"], fields["returns"], text, path)


def all_queries(directory: Path | None = None) -> list[CannedQuery]:
    return [load(p) for p in sorted((directory or settings.queries_dir()).glob("*.rq"))]


def find(name_or_path: str, directory: Path | None = None) -> Path | None:
    """A query file by path, by file name or by prefix of its name (`cq01`)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    matches = sorted((directory or settings.queries_dir()).glob(f"{path.stem}*.rq"))
    return matches[0] if len(matches) == 1 else None
