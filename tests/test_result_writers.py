"""The result writers against pyoxigraph's own serialisers: a catalogue of tricky values,
each written in the four formats and compared after parsing.

Differences allowed, and why ours is right:
- XML: a carriage return is written `&#13;` (a raw CR is normalised to LF by every XML
  parser, so pyoxigraph's output loses it); C0 control characters are refused with a
  clear error (XML 1.0 cannot carry them; pyoxigraph writes ill-formed XML).
- CSV/TSV ASK: a header and a line end, as Jena writes (pyoxigraph writes a bare `true`).
"""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest

from critmin.sparql.result_writers import UnwritableValue, Written, write_boolean, write_solutions, write_triples

VALUES = {
    "plain": '"lithium"',
    "lang": '"Lithium"@de',
    "direction": 'STRLANGDIR("ليثيوم", "ar", "rtl")',
    "integer": "42",
    "negative": "-7",
    "decimal": "3.25",
    "double": "1.0e3",
    "double_noncanonical": 'STRDT("1000", <http://www.w3.org/2001/XMLSchema#double>)',
    "float": 'STRDT("1.5", <http://www.w3.org/2001/XMLSchema#float>)',
    "boolean": "true",
    "date": '"2024-06-01"^^<http://www.w3.org/2001/XMLSchema#date>',
    "gyearmonth": '"2019-12"^^<http://www.w3.org/2001/XMLSchema#gYearMonth>',
    "datetime": '"2020-01-09T12:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
    "custom": '"x"^^<http://example.org/type>',
    "quotes": '"she said \\"yes\\" and \'no\'"',
    "newline": '"line one\\nline two"',
    "tab": '"a\\tb"',
    "comma": '"a, b; c"',
    "emoji": '"⛏️ 💎 🔋"',
    "iri": "<https://w3id.org/critmin/id/mineral/lithium>",
    "unicode_iri": "<http://example.org/métal/ü>",
    "long": 'CONCAT("' + "x" * 5000 + '", "y")',
    "triple": '<<(<http://a.org/s> <http://a.org/p> "o"@en)>>',
    "nested_triple": "<<(<http://a.org/s> <http://a.org/p> <<(<http://a.org/s> <http://a.org/q> 1)>>)>>",
}
FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
}


def query_for(names: list[str]) -> str:
    binds = " ".join(f"BIND({VALUES[n]} AS ?{n})" for n in names)
    return f"SELECT * WHERE {{ {binds} }}"


def ours(query: str, fmt: str) -> bytes:
    out = io.BytesIO()
    write_solutions(ox.Store().query(query), fmt, out, 1000)
    return out.getvalue()


def theirs(query: str, fmt: str) -> bytes:
    return ox.Store().query(query).serialize(format=FORMATS.get(fmt) or ox.QueryResultsFormat.CSV)


def solutions(data: bytes, fmt: str) -> list[dict]:
    parsed = ox.parse_query_results(data, FORMATS[fmt])
    names = [v.value for v in parsed.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in parsed]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
@pytest.mark.parametrize("name", sorted(VALUES))
def test_each_value_round_trips_like_pyoxigraph(name, fmt):
    query = query_for([name])
    assert solutions(ours(query, fmt), fmt) == solutions(theirs(query, fmt), fmt)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_a_row_of_everything_with_unbound_values(fmt):
    query = query_for(sorted(VALUES)).replace("SELECT *", "SELECT ?unbound " + " ".join(f"?{n}" for n in VALUES))
    mine = solutions(ours(query, fmt), fmt)
    assert mine == solutions(theirs(query, fmt), fmt)
    assert "unbound" not in mine[0] and len(mine[0]) == len(VALUES)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_blank_nodes_keep_their_identity_within_a_result(fmt):
    query = "SELECT ?a ?b ?c WHERE { BIND(BNODE('x') AS ?a) BIND(?a AS ?b) BIND(BNODE('y') AS ?c) }"
    row = solutions(ours(query, fmt), fmt)[0]
    assert all(isinstance(row[n], ox.BlankNode) for n in "abc")
    assert row["a"] == row["b"] and row["a"] != row["c"]


@pytest.mark.parametrize("name", sorted(VALUES))
def test_csv_matches_pyoxigraph(name):
    query = query_for([name])
    mine = list(csv.reader(io.StringIO(ours(query, "csv").decode())))
    reference = list(csv.reader(io.StringIO(theirs(query, "csv").decode())))
    assert mine == reference


def test_tsv_abbreviates_numbers_only_in_turtle_form():
    from critmin.sparql.result_writers import _tsv_term

    xsd = "http://www.w3.org/2001/XMLSchema#"
    cases = {("42", "integer"): "42", ("-7", "integer"): "-7", ("3.25", "decimal"): "3.25",
             ("1.5E3", "double"): "1.5E3", ("true", "boolean"): "true",
             ("1000", "double"): f'"1000"^^<{xsd}double>',  # no exponent: Turtle would read an integer
             ("1.", "decimal"): f'"1."^^<{xsd}decimal>', ("1.5", "float"): f'"1.5"^^<{xsd}float>',
             ("yes", "boolean"): f'"yes"^^<{xsd}boolean>'}  # fmt: skip
    for (lexical, datatype), expected in cases.items():
        assert _tsv_term(ox.Literal(lexical, datatype=ox.NamedNode(xsd + datatype))) == expected
    line = ours(query_for(["integer", "decimal", "boolean"]), "tsv").decode().splitlines()[1]
    assert line.split("\t") == ["true", "3.25", "42"]


def test_triple_terms_are_written_as_sparql_1_2_says():
    query = query_for(["triple"])
    assert b'"type":"triple","value":{"subject":{"type":"uri"' in ours(query, "json").replace(b" ", b"")
    assert b"<triple><subject><uri>http://a.org/s</uri></subject>" in ours(query, "xml")
    assert b'<<( <http://a.org/s> <http://a.org/p> "o"@en )>>' in ours(query, "tsv")


def test_xml_keeps_a_carriage_return_that_pyoxigraph_loses():
    """Read by a standard XML parser (expat, as Jena, browsers and lxml read it)."""
    import xml.etree.ElementTree as ElementTree

    def literal(data: bytes) -> str:
        return next(e.text for e in ElementTree.fromstring(data).iter() if e.tag.endswith("literal"))

    query = 'SELECT ?v WHERE { BIND("a\\rb" AS ?v) }'
    assert literal(ours(query, "xml")) == "a\rb"
    assert literal(theirs(query, "xml")) == "a\nb"  # documents why we differ: the raw CR became LF


def test_xml_refuses_control_characters_clearly():
    query = 'SELECT ?v WHERE { BIND("bell\\u0007" AS ?v) }'
    with pytest.raises(UnwritableValue, match=r"U\+0007.*JSON"):
        ours(query, "xml")
    assert solutions(ours(query, "json"), "json")[0]["v"].value == "bell\x07"


@pytest.mark.parametrize("fmt, expected", [("csv", b"_askResult\r\ntrue\r\n"), ("tsv", b"?_askResult\ntrue\n")])
def test_ask_in_csv_and_tsv_has_a_header(fmt, expected):
    out = io.BytesIO()
    write_boolean(ox.Store().query("ASK {}"), fmt, out)
    assert out.getvalue() == expected


def _five() -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"), ox.Literal(str(i)),
                         ox.DefaultGraph()) for i in range(5))  # fmt: skip
    return store


@pytest.mark.parametrize(("limit", "expected"), [(3, Written(3, True)), (5, Written(5, False)), (9, Written(5, False))])
def test_graph_results_are_cut_at_the_row_limit_and_say_so(limit, expected):
    out = io.BytesIO()
    assert write_triples(_five().query("CONSTRUCT WHERE { ?s ?p ?o }"), "ntriples", out, limit) == expected
    assert len(out.getvalue().splitlines()) == expected.rows


@pytest.mark.parametrize(("limit", "expected"), [(3, Written(3, True)), (5, Written(5, False)), (9, Written(5, False))])
def test_solutions_are_cut_at_the_row_limit_and_say_so(limit, expected):
    out = io.BytesIO()
    assert write_solutions(_five().query("SELECT ?s WHERE { ?s ?p ?o }"), "csv", out, limit) == expected
    assert len(out.getvalue().splitlines()) == expected.rows + 1  # the header


def test_ask_counts_one_row_and_csv_writes_blank_nodes_as_labels():
    assert write_boolean(ox.Store().query("ASK {}"), "json", io.BytesIO()) == Written(1, False)
    out = io.BytesIO()
    write_solutions(ox.Store().query("SELECT ?b WHERE { BIND(BNODE() AS ?b) }"), "csv", out, 10)
    assert out.getvalue().splitlines()[1].startswith(b"_:")
