"""Look inside a SPARQL request's text before any engine sees it.

pyoxigraph (like most engines) evaluates SERVICE by making HTTP requests, and a
query's form decides which result formats fit. Neither needs a full parser: a
tokenizer that knows comments, strings, IRIs, variables and prefixed names finds
the keywords reliably, so that a query mentioning "SERVICE" in a string or an IRI
is not mistaken for a federated one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from critmin.errors import RequestError

# pyoxigraph's SPARQL parser recurses on nesting and segfaults near 10,000 levels
# (a crashed worker, or the service itself for a query it parses in-process).
MAX_NESTING = 100
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}

_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\s{}()<>,;.?$#'"=!&|+*/\[\]]+)
    | (?P<pname>[^\s{}()<>,;?$#'"=!&|+*/\[\]^]*:[^\s{}()<>,;?$#'"=!&|+*/\[\]^]*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
    | (?P<other>\S)
    """,
    re.VERBOSE,
)


class RequestRejected(RequestError):
    """A query request refused before evaluation."""


@dataclass(frozen=True)
class QueryInfo:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None when it cannot be told
    services: list[str] = field(default_factory=list)  # IRIs, or a ?variable
    # False when no GRAPH keyword occurs: the query cannot read the dataset's named graphs
    reads_named_graphs: bool = True
    names_dataset: bool = False  # a FROM keyword occurs (FROM or FROM NAMED)

    @property
    def returns_graph(self) -> bool:
        return self.form in {"CONSTRUCT", "DESCRIBE"}


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs, comments dropped."""
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text) if m.lastgroup != "comment"]


def first_keyword(items: list[tuple[str, str]]) -> str | None:
    """The first keyword after the prologue (BASE and PREFIX declarations)."""
    for kind, value in items:
        if kind == "word" and value.upper() not in {"BASE", "PREFIX"}:
            return value.upper()
    return None


def check_nesting(items: list[tuple[str, str]], limit: int = MAX_NESTING) -> None:
    """Refuse groups, brackets and parentheses nested deeper than `limit`."""
    depth = 0
    for kind, value in items:
        if kind == "other":
            if value in "{([":
                depth += 1
                if depth > limit:
                    raise RequestRejected(f"the query nests groups or expressions deeper than {limit} levels", 400)
            elif value in "})]":
                depth -= 1


def inspect_query(text: str) -> QueryInfo:
    """Tell the query form and the SERVICE targets; refuse updates, deep nesting and
    anything but a query form after the prologue."""
    items = tokens(text)
    check_nesting(items)
    keyword = first_keyword(items)
    if keyword in UPDATE_KEYWORDS:
        raise RequestRejected(f"this is a SPARQL Update ({keyword}); the query endpoint accepts only queries", 400)
    if keyword is not None and keyword not in QUERY_FORMS:
        refuse_extension(text, keyword)
    for kind, value in items:
        if (kind == "iri" and value[1:].lower().startswith(ENGINE_FUNCTIONS)) or (
            kind == "pname" and value.split(":", 1)[0].lower() in ENGINE_PREFIXES
        ):
            refuse_engine_function(text, kind, value)
    services = []
    for index, (kind, value) in enumerate(items):
        if kind == "word" and value.upper() == "SERVICE":
            following = [v for k, v in items[index + 1 : index + 3] if not (k == "word" and v.upper() == "SILENT")]
            services.append(following[0].strip("<>") if following else "")
    words = {value.upper() for kind, value in items if kind == "word"}
    return QueryInfo(keyword if keyword in QUERY_FORMS else None, services, "GRAPH" in words, "FROM" in words)


def refuse_extension(text: str, keyword: str) -> None:
    """A query that begins with something else than a query form: an engine's extension
    or a mistake. Virtuoso's `define` pragmas widen the dataset past the one the
    protocol names, and `define get:soft` fetches a URL and stores what it finds; the
    BASE line the /sparql executor puts first happened to make Virtuoso refuse them.
    Refused here on purpose, before any engine sees it, with the word's line and column."""
    word = next(m for m in _TOKEN.finditer(text) if m.lastgroup == "word" and m.group().upper() == keyword)
    line, column = _position(text, word.start())
    raise RequestRejected(
        f"SPARQL syntax error at line {line}, column {column}: a query begins with SELECT, CONSTRUCT, DESCRIBE "
        f"or ASK after its BASE and PREFIX declarations, not {keyword} (an engine's own extension to SPARQL "
        "is not passed on)",
        400,
    )


# Virtuoso's built-in functions and SQL procedures, which its anonymous SPARQL user may
# call: `bif:http_get` fetched a URL (as `<bif:http_get>` and through `PREFIX b: <bif:>`).
ENGINE_PREFIXES = ("bif", "sql")
ENGINE_FUNCTIONS = ("bif:", "sql:", "http://www.openlinksw.com/schemas/bif#", "http://www.openlinksw.com/schemas/sql#")


def refuse_engine_function(text: str, kind: str, value: str) -> None:
    """A query naming an engine's own function namespace (Virtuoso's `bif:` and `sql:`):
    refused with its line and column, whatever the engine behind (one policy)."""
    found = next(m for m in _TOKEN.finditer(text) if m.lastgroup == kind and m.group() == value)
    line, column = _position(text, found.start())
    raise RequestRejected(
        f"line {line}, column {column}: {value} names an engine's built-in functions (Virtuoso's bif: and sql:, "
        "which can fetch URLs); this endpoint does not pass them on: use SPARQL 1.1's functions "
        "(for text: CONTAINS, REGEX)",
        400,
    )


@dataclass(frozen=True)
class DatasetClauses:
    """A query's FROM and FROM NAMED graphs, and its text without them."""

    text: str
    defaults: tuple[str, ...]
    named: tuple[str, ...]


def dataset_clauses(text: str, base: str | None = None, predeclared: dict[str, str] | None = None) -> DatasetClauses:
    """Take the FROM and FROM NAMED clauses out of a query (prefixed names resolved with
    its PREFIX declarations, then `predeclared`; relative IRIs against its BASE or
    `base`), so that critmin hands every engine the dataset itself: pyoxigraph's union
    flag ignored a FROM, and Virtuoso adds a query's FROM graphs to the protocol's
    instead of letting those take precedence (a FROM naming a hidden graph read it)."""
    matches, prefixes, base = _scanned(text, base, predeclared)
    cuts, defaults, named = [], [], []
    for index, match in enumerate(matches[:-1]):
        if not (match.lastgroup == "word" and match.group().upper() == "FROM"):
            continue
        following = matches[index + 1 : index + 3]
        is_named = following[0].lastgroup == "word" and following[0].group().upper() == "NAMED"
        target = following[-1] if is_named else following[0]
        if target.lastgroup not in ("iri", "pname"):
            continue  # not a dataset clause the engine would accept either: its parser says so
        iri = _resolve(target, prefixes, base)
        if iri is None:  # an engine may predeclare the prefix (Virtuoso does many): never pass it on
            line, column = _position(text, target.start())
            raise RequestRejected(f"line {line}, column {column}: the prefix of {target.group()} is not declared", 400)
        (named if is_named else defaults).append(iri)
        cuts.append((match.start(), target.end()))
    for start, end in reversed(cuts):
        text = text[:start] + " " * (end - start) + text[end:]  # blanks: error positions stay put
    return DatasetClauses(text, tuple(defaults), tuple(named))


def outside_graphs_emptied(text: str, graphs: Sequence[str], empty: str, base: str | None = None) -> tuple[str, bool]:
    """The query with each `GRAPH <iri>` (or prefixed name) outside `graphs` naming
    `empty` instead, and whether any did. SPARQL has such a pattern match nothing;
    Virtuoso evaluates it as one empty solution (ASK true, COUNT(*) 1, whatever the
    graph holds) unless the graph is among the named graphs: listed with them, the
    empty graph answers as SPARQL says. A GRAPH variable bound to such a graph by
    VALUES, BIND or a FILTER is still answered so by Virtuoso (bench/README.md)."""
    matches, prefixes, base = _scanned(text, base)
    allowed, edits = set(graphs), []
    for index, match in enumerate(matches[:-1]):
        term = matches[index + 1]
        if not (match.lastgroup == "word" and match.group().upper() == "GRAPH"):
            continue
        if term.lastgroup in ("iri", "pname") and _resolve(term, prefixes, base) not in allowed:
            edits.append((term.start(), term.end()))
    for start, end in reversed(edits):
        text = text[:start] + f"<{empty}>" + text[end:]
    return text, bool(edits)


def _scanned(
    text: str, base: str | None, predeclared: dict[str, str] | None = None
) -> tuple[list[re.Match], dict[str, str], str | None]:
    """The tokens of a query (comments dropped), its prefixes (its own declarations over
    `predeclared`) and its base: what resolving the IRIs it names takes."""
    matches = [m for m in _TOKEN.finditer(text) if m.lastgroup != "comment"]
    prefixes, base = _prologue(matches, base)
    return matches, {**(predeclared or {}), **prefixes}, base


def _prologue(matches: list[re.Match], base: str | None) -> tuple[dict[str, str], str | None]:
    """The PREFIX declarations and the BASE of a query's prologue."""
    prefixes = {}
    for index, match in enumerate(matches):
        word = match.group().upper() if match.lastgroup == "word" else ""
        following = matches[index + 1 : index + 3]
        if word == "PREFIX" and len(following) == 2 and following[1].lastgroup == "iri":
            prefixes[following[0].group().rstrip(":")] = following[1].group()[1:-1]
        elif word == "BASE" and following and following[0].lastgroup == "iri":
            base = urljoin(base or "", following[0].group()[1:-1])
    return prefixes, base


def _resolve(term: re.Match, prefixes: dict[str, str], base: str | None) -> str | None:
    """An IRI or prefixed-name token as an absolute IRI; None for an undeclared prefix."""
    if term.lastgroup == "iri":
        return urljoin(base, term.group()[1:-1]) if base else term.group()[1:-1]
    prefix, local = term.group().split(":", 1)
    return prefixes[prefix] + local if prefix in prefixes else None


def _position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (from 1) of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoint_allowed(target: str, allowed: str) -> bool:
    """Whether SERVICE `target` is under the allowlist entry `allowed`, compared as parsed
    URLs (scheme, host, port, then path on a segment boundary), never as strings: a
    string prefix let `https://query.wikidata.org@127.0.0.1:8602/` and
    `https://query.wikidata.org.evil.example/` through an entry `https://query.wikidata.org`."""
    try:
        want, got = urlsplit(allowed), urlsplit(target)
        want_port = want.port or DEFAULT_PORTS.get(want.scheme.lower())
        got_port = got.port or DEFAULT_PORTS.get(got.scheme.lower())
    except ValueError:
        return False
    if got.username is not None or got.password is not None or "@" in got.netloc:
        return False
    if (got.scheme.lower(), (got.hostname or ""), got_port) != (want.scheme.lower(), (want.hostname or ""), want_port):
        return False
    prefix = want.path.rstrip("/")
    return not prefix or got.path == prefix or got.path.startswith(prefix + "/")


def check_services(info: QueryInfo, allowlist: list[str]) -> None:
    """Refuse SERVICE calls unless every target is under an allowlisted endpoint."""
    for target in info.services:
        if target.startswith(("?", "$")) or not any(endpoint_allowed(target, allowed) for allowed in allowlist):
            if not allowlist:
                raise RequestRejected(
                    "SERVICE (federated query) is disabled on this endpoint; "
                    "an operator may allow endpoints with CRITMIN_SERVICE_ALLOWLIST",
                    403,
                )
            raise RequestRejected(f"SERVICE target {target or '(none)'} is not on this endpoint's allowlist", 403)


def with_default_prefixes(text: str, prefixes: dict[str, str]) -> str:
    """The query with PREFIX declarations for the project's prefixes it uses without
    declaring them (as WDQS predeclares wd:, wdt:): for engines that take no default
    prefixes. Declared prefixes are left alone: the query's own declaration wins.
    They go on the first line, so that error positions move by one line at most."""
    items = tokens(text)
    declared = {items[i + 1][1].rstrip(":") for i, (k, v) in enumerate(items[:-1])
                if k == "word" and v.upper() == "PREFIX"}  # fmt: skip
    used = {value.split(":", 1)[0] for kind, value in items if kind == "pname"}
    missing = sorted(p for p in used - declared if p in prefixes)
    if not missing:
        return text
    return " ".join(f"PREFIX {p}: <{prefixes[p]}>" for p in missing) + "\n" + text
