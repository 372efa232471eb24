"""The contribution gate equals full validation.

For a contribution C over the store S, the gate (ContributionService.validate: C plus
a slice of S, results kept for the nodes C affects) must report exactly what full
validation of S ∪ C reports. Cases: every shape's failing fixture sent as a
contribution; real nodes of the shipped graph copied to new IRIs and mutated (drop,
duplicate, retype, wrong datatype, wrong language, dangling reference); additions to
existing nodes. They run on two processes; each case costs one full validation.
"""

from __future__ import annotations

import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from test_shapes import CASES as SHAPE_CASES
from test_shapes import FIXTURES, PREFIXES, iri

from critmin.contributions import ContributionService
from critmin.rdf.input import to_oxigraph_term, to_rdflib_graph
from critmin.rdf.namespaces import CM
from critmin.semantics import validation
from critmin.store import EmbeddedStore, LiveStore

PROJECT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/critmin/id/"
KINDS = ["mineral", "list", "list-entry", "supply", "technology-use", "source", "country", "agreement", "event",
         "agent", "sector", "initiative", "element", "technology"]  # fmt: skip


def shipped_data(store: EmbeddedStore) -> rdflib.Graph:
    """S as the build validates it: the asserted data graphs."""
    names = [g for g in store.named_graphs() if g.startswith("https://w3id.org/critmin/graph/data/")]
    return to_rdflib_graph(q for g in names for q in store.graph_quads(g))


def fixture_cases() -> list[rdflib.Graph]:
    cases = []
    for _, _, _, _, removals, addition in SHAPE_CASES:
        graph = rdflib.Graph().parse(FIXTURES / "valid-minimal.ttl")
        for removal in removals:
            subject, predicate = removal.split()
            graph.remove((iri(subject), iri(predicate), None))
        if addition:
            graph.parse(data=PREFIXES + addition, format="turtle")
        cases.append(graph)
    return cases


def copy_of(graph: rdflib.Graph, node: rdflib.URIRef, number: int) -> tuple[rdflib.URIRef, rdflib.Graph]:
    new = rdflib.URIRef(f"{node}-copy{number}")
    copied = rdflib.Graph()
    for p, o in graph.predicate_objects(node):
        copied.add((new, p, o))
    return new, copied


def mutations(data: rdflib.Graph, node: rdflib.URIRef, number: int, rng: random.Random) -> list[rdflib.Graph]:
    """A node copied to a new IRI, then broken (or not) in each of several ways."""
    _, base = copy_of(data, node, number)
    triples = sorted(base, key=str)
    classes = sorted({o for o in data.objects(None, rdflib.RDF.type) if str(o).startswith(str(CM))}, key=str)
    out = [base]
    for index, (s, p, o) in enumerate(triples):
        dropped = rdflib.Graph()
        for t in triples:
            if t != (s, p, o):
                dropped.add(t)
        out.append(dropped)
        changed = rdflib.Graph() + base
        if isinstance(o, rdflib.Literal):
            changed.remove((s, p, o))
            if o.language:
                changed.add((s, p, rdflib.Literal(str(o), lang="xx-bad" if index % 2 else None)))
            elif o.datatype:
                changed.add((s, p, rdflib.Literal(str(o))))  # wrong datatype: a plain string
            else:
                changed.add((s, p, rdflib.Literal(7)))
            changed.add((s, p, rdflib.Literal(f"{o} (again)", lang=o.language)))  # a duplicate value
        elif p == rdflib.RDF.type:
            changed.remove((s, p, o))
            changed.add((s, p, rng.choice(classes)))  # retyped
        elif isinstance(o, rdflib.URIRef):
            changed.remove((s, p, o))
            changed.add((s, p, rdflib.URIRef(f"{ID}nothing/dangling-{number}-{index}")))  # dangling
        out.append(changed)
    return out


def additions(data: rdflib.Graph, node: rdflib.URIRef) -> list[rdflib.Graph]:
    """Facts added to an existing node: a label in French, a second English label, a source,
    a value of the wrong kind."""
    source = rdflib.URIRef(f"{ID}source/nrcan-2020-01-09")
    cases = []
    for extra in [
        [(node, rdflib.RDFS.label, rdflib.Literal("étiquette", lang="fr")), (node, rdflib.DCTERMS.source, source)],
        [(node, rdflib.RDFS.label, rdflib.Literal("another English label", lang="en"))],
        [(node, rdflib.DCTERMS.source, source)],
        [(node, rdflib.DCTERMS.source, rdflib.Literal("not a document"))],
        [(node, CM.position, rdflib.Literal("first"))],
    ]:
        graph = rdflib.Graph()
        for triple in extra:
            graph.add(triple)
        cases.append(graph)
    return cases


def retractions(data: rdflib.Graph, node: rdflib.URIRef, number: int, rng: random.Random) -> list[tuple]:
    """What revisions and corrections do to existing data: (added, retracted) pairs that
    retract one triple of a node, replace its description with a changed one (a
    revision), or retract the whole description (its referrers are left pointing at
    nothing)."""
    triples = sorted(data.triples((node, None, None)), key=str)
    whole = rdflib.Graph()
    for triple in triples:
        whole.add(triple)
    out = [(rdflib.Graph(), whole)]
    for triple in rng.sample(triples, min(3, len(triples))):
        one = rdflib.Graph()
        one.add(triple)
        out.append((rdflib.Graph(), one))
    for changed in mutations(data, node, number, rng)[1:4]:  # the same node, changed: a revision
        renamed = rdflib.Graph()
        for _, p, o in changed:
            renamed.add((node, p, o))
        out.append((renamed, whole))
    return out


def build_cases(data: rdflib.Graph, count: int, fixture_stride: int = 1) -> list[tuple]:
    """The shape fixtures (every `fixture_stride`-th), then generated mutations,
    additions and retractions of shipped nodes up to `count`."""
    rng = random.Random(20261201)
    subjects = sorted({s for s in data.subjects() if isinstance(s, rdflib.URIRef) and str(s).startswith(ID)}, key=str)
    by_kind = {k: [s for s in subjects if str(s).startswith(f"{ID}{k}/")] for k in KINDS}
    cases = [(fixture, rdflib.Graph()) for fixture in fixture_cases()[::fixture_stride]]
    number = 0
    while len(cases) < count:
        for kind in KINDS:
            if not by_kind[kind]:
                continue
            node = rng.choice(by_kind[kind])
            number += 1
            cases += [(added, rdflib.Graph()) for added in mutations(data, node, number, rng) + additions(data, node)]
            cases += retractions(data, node, number, rng)
    return cases[:count]


# --- the two ways, in worker processes -------------------------------------------------

_STATE: dict = {}


def _start(store_path: str) -> None:
    live = LiveStore(Path(store_path))
    _STATE["service"] = ContributionService(live, Path(store_path))
    store = live.get()
    _STATE["data"] = shipped_data(store)
    _STATE["ontology"] = rdflib.Graph().parse(PROJECT / "ontology" / "critmin.ttl")
    _STATE["shapes"] = rdflib.Graph().parse(PROJECT / "shapes" / "critmin-shapes.ttl")


def _key(v: validation.Violation) -> tuple:
    fields = (v.focus_node, v.path, v.value, v.shape, v.constraint, v.component, v.message, v.severity)
    return tuple("" if f is None else f for f in fields)


def _both_ways(payload: tuple[str, str]) -> tuple[list, list]:
    """The gate's report on (added, retracted) and the full validation of S minus the
    retracted plus the added."""
    contribution, retracted = (rdflib.Graph().parse(data=text, format="nt") for text in payload)

    def terms(graph: rdflib.Graph) -> list[ox.Triple]:
        return [ox.Triple(*(to_oxigraph_term(t) for t in triple)) for triple in graph]

    gate = _STATE["service"].gate.validate(terms(contribution), retracted=terms(retracted))
    data = (_STATE["data"] - retracted) + contribution
    full = validation.validate(data, ontology=_STATE["ontology"], shapes=_STATE["shapes"])
    return sorted(map(_key, gate.violations)), sorted(map(_key, full.violations))


# Each case costs a full validation of the whole graph (~1.2 s on one core, pyshacl over
# ~5,600 triples). The suite runs 60: every fourth of the 123 shape fixtures (each is
# also validated on its own in test_shapes) and 29 generated cases. 90 took 120-180 s
# beside the suite's other worker, its longest pole, with the suite at ten minutes.
# Issue 12 asks for 500, which `make test-gate` runs (CRITMIN_GATE_CASES=500: every
# fixture, 377 generated; about 5 minutes on 2 cores).
CASE_COUNT = int(os.environ.get("CRITMIN_GATE_CASES") or 60)
FIXTURE_STRIDE = 4 if CASE_COUNT < 150 else 1


@pytest.fixture(scope="module")
def cases(store) -> list[tuple]:
    return build_cases(shipped_data(store), CASE_COUNT, FIXTURE_STRIDE)


def test_the_gate_equals_full_validation(store_path, cases):
    payloads = [(added.serialize(format="nt"), retracted.serialize(format="nt")) for added, retracted in cases]
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1), initializer=_start,
                             initargs=(str(store_path),)) as pool:  # fmt: skip
        outcomes = list(pool.map(_both_ways, payloads, chunksize=8))
    disagreements = [(i, g, f) for i, (g, f) in enumerate(outcomes) if g != f]
    failing = sum(1 for g, f in outcomes if f)
    assert len(outcomes) >= CASE_COUNT
    assert failing > CASE_COUNT // 2, f"only {failing} cases break a shape: the generator is too tame"
    assert not disagreements, (len(disagreements), payloads[disagreements[0][0]], disagreements[0][1:])


def test_pyshacl_focus_nodes_still_skip_sh_or():
    """Why the gate runs every target: pyshacl 0.40.1 ignores sh:or with focus_nodes.
    When this test fails, pyshacl was fixed; the gate may then use focus_nodes again."""
    import pyshacl

    shapes = rdflib.Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:d ; sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYear ] ) ] .""",
        format="turtle")  # fmt: skip
    data = rdflib.Graph().parse(data='@prefix ex: <http://e/> . ex:n a ex:C ; ex:d "sometime" .', format="turtle")
    assert pyshacl.validate(data, shacl_graph=shapes)[0] is False
    assert pyshacl.validate(data, shacl_graph=shapes, focus_nodes=[rdflib.URIRef("http://e/n")])[0] is True


COPPER_LABEL = """@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://w3id.org/critmin/id/mineral/copper> rdfs:label "Cuivre"@fr ;
    dct:source <https://w3id.org/critmin/id/source/nrcan-2020-01-09> ."""
SOMETIME = """@prefix cm: <https://w3id.org/critmin/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
<https://w3id.org/critmin/id/source/test-sometime> a cm:SourceDocument ; dct:title "A list"@en ;
    dct:issued "sometime" ; skos:notation "test-sometime" ; foaf:page <https://example.org/list> ;
    dct:publisher <https://w3id.org/critmin/id/agent/natural-resources-canada> ."""


def test_the_two_cases_the_agency_found(store_path, run_cli, tmp_path):
    """A label added to an existing commodity is accepted (was: 'every fact needs its
    source', about copper's existing sources); a plain-string date is refused (was:
    accepted, pyshacl skipping sh:or with focus nodes)."""
    copper = tmp_path / "copper.ttl"
    copper.write_text(COPPER_LABEL)
    done = run_cli("validate", str(copper))
    assert done.returncode == 0, done.stdout
    sometime = tmp_path / "sometime.ttl"
    sometime.write_text(SOMETIME)
    done = run_cli("validate", str(sometime))
    assert done.returncode == 1 and "dct:issued date" in done.stdout, done.stdout
