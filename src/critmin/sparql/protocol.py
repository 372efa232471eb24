"""The SPARQL 1.1 Protocol's request rules, independent of any web framework.

Turns an HTTP request (method, URL parameters, Content-Type, body) into the query
and its dataset, or refuses it with the 4xx status the protocol calls for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from critmin.rdf.terms import is_iri
from critmin.sparql.query_text import RequestRejected

FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"
OPTION_NAMES = ("timeout",)


@dataclass
class ProtocolRequest:
    query: str | None  # None: no query, describe the service
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    # Clients such as SPARQLWrapper repeat `format` (a name and a media type, or an
    # empty value); every non-empty value is kept and the first that fits wins.
    formats: list[str] = field(default_factory=list)


def split_content_type(header: str | None) -> tuple[str | None, dict[str, str]]:
    if not header:
        return None, {}
    media, *parameters = [p.strip() for p in header.split(";")]
    values = {}
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        values[name.strip().lower()] = value.strip().strip('"')
    return media.lower(), values


def _utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestRejected(f"the {what} is not valid UTF-8 (byte {error.start})", 400) from None


def _check_charset(parameters: dict[str, str]) -> None:
    charset = parameters.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise RequestRejected(f"charset {charset} is not supported; send UTF-8", 415)


def _single(params: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in params if k == name]
    if len(values) > 1:
        raise RequestRejected(f"the request has {len(values)} '{name}' parameters; send exactly one", 400)
    return values[0] if values else None


def _graph_names(params: list[tuple[str, str]], name: str) -> list[str]:
    """The graph IRIs of a dataset parameter, each checked (a bad one is a 400, not a
    500 from deep inside the engine)."""
    names = [v for k, v in params if k == name]
    for value in names:
        if not is_iri(value):
            raise RequestRejected(f"{name} {value[:200]!r} is not an absolute IRI", 400)
    return names


def _assemble(params: list[tuple[str, str]], query: str | None) -> ProtocolRequest:
    options = {name: value for name in OPTION_NAMES if (value := _single(params, name)) is not None}
    return ProtocolRequest(
        query=query,
        default_graphs=_graph_names(params, "default-graph-uri"),
        named_graphs=_graph_names(params, "named-graph-uri"),
        options=options,
        formats=[v for k, v in params if k == "format" and v.strip()],
    )


def _refuse_updates(params: list[tuple[str, str]]) -> None:
    if any(k == "update" for k, _ in params):
        raise RequestRejected("SPARQL Update is not accepted at the query endpoint", 400)


def parse_request(
    method: str, url_params: list[tuple[str, str]], content_type: str | None, body: bytes
) -> ProtocolRequest:
    """Apply the protocol's rules; raise RequestRejected with the status to answer."""
    method = method.upper()
    if method == "GET" or method == "HEAD":
        _refuse_updates(url_params)
        return _assemble(url_params, _single(url_params, "query"))
    if method != "POST":
        raise RequestRejected(f"method {method} is not allowed; use GET or POST", 405)

    media, parameters = split_content_type(content_type)
    if media is None:
        raise RequestRejected(f"a POST needs a Content-Type: {FORM} or {DIRECT_QUERY}", 415 if body else 400)
    if media == FORM:
        _check_charset(parameters)
        form = parse_qsl(_utf8(body, "form body"), keep_blank_values=True)
        params = url_params + form
        _refuse_updates(params)
        query = _single(params, "query")
        if query is None:
            raise RequestRejected("the form has no 'query' parameter", 400)
        return _assemble(params, query)
    if media == DIRECT_QUERY:
        _check_charset(parameters)
        if any(k == "query" for k, _ in url_params):
            raise RequestRejected("a direct POST carries the query in its body, not in a 'query' parameter", 400)
        return _assemble(url_params, _utf8(body, "query"))
    if media == DIRECT_UPDATE:
        raise RequestRejected("SPARQL Update is not accepted at the query endpoint", 400)
    raise RequestRejected(f"Content-Type {media} is not accepted; use {FORM} or {DIRECT_QUERY}", 415)
