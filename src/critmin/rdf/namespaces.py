"""The IRIs critmin mints: ontology terms, instances, named graphs."""

from __future__ import annotations

from rdflib import Namespace

ONTOLOGY_IRI = "https://w3id.org/critmin/ontology"
SHAPES_IRI = "https://w3id.org/critmin/shapes"
CM = Namespace(ONTOLOGY_IRI + "#")
CMS = Namespace(SHAPES_IRI + "#")
ID = Namespace("https://w3id.org/critmin/id/")
GRAPH = Namespace("https://w3id.org/critmin/graph/")
BENCH_ID = Namespace("https://w3id.org/critmin/bench/")  # synthetic scale data, never real facts
INSTANCE_NAMESPACES = (str(ID), str(BENCH_ID))
DATASET_IRI = ID["dataset"]

ONTOLOGY_GRAPH = GRAPH["ontology"]
SHAPES_GRAPH = GRAPH["shapes"]
INFERRED_GRAPH = GRAPH["inferred"]
META_GRAPH = GRAPH["meta"]
CONTRIBUTED_PREFIX = f"{GRAPH}contribution"  # .../graph/contribution/{id} and the records, .../graph/contributions
RECORDS_GRAPH = f"{GRAPH}contributions"  # one record per contribution; never public
CONTRIBUTION_GRAPH = f"{GRAPH}contribution/"  # + id: a contribution's data (+ "/retractions": what it removes)
CONTRIBUTION_ID = f"{ID}contribution/"  # + id: a contribution's record
PRIVATE_PREFIX = f"{GRAPH}private/"  # + name: a document replicas share (store/shared.py); never public
# Blank nodes as RDF 1.1 skolem IRIs (on remote engines, and in patches).
SKOLEM_BASE = "https://w3id.org/critmin/.well-known/genid/"
SD_NAMED_GRAPH = "http://www.w3.org/ns/sparql-service-description#namedGraph"  # lists the dataset's graphs

PREFIXES = {
    "cm": str(CM),
    "cms": str(CMS),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "sh": "http://www.w3.org/ns/shacl#",
    "country": str(ID) + "country/",
    "union": str(ID) + "union/",
    "mineral": str(ID) + "mineral/",
    "element": str(ID) + "element/",
    "list": str(ID) + "list/",
    "entry": str(ID) + "list-entry/",
    "source": str(ID) + "source/",
    "technology": str(ID) + "technology/",
    "use": str(ID) + "technology-use/",
    "agreement": str(ID) + "agreement/",
    "initiative": str(ID) + "initiative/",
    "programme": str(ID) + "programme/",
    "framework": str(ID) + "framework/",
    "event": str(ID) + "event/",
    "supply": str(ID) + "supply/",
    "sector": str(ID) + "sector/",
    "area": str(ID) + "cooperation-area/",
    "joint": str(ID) + "joint-initiative/",
    "government": str(ID) + "government/",
    "person": str(ID) + "person/",
    "agent": str(ID) + "agent/",
    "graph": str(GRAPH),
}


def data_graph(stem: str) -> str:
    """The named graph that holds the facts of one data file."""
    return f"{GRAPH}data/{stem}"


def jsonld_context() -> dict[str, str]:
    """The JSON-LD context of every JSON-LD document critmin writes (served at
    /context.jsonld): the project's prefixes, so that documents read `rdfs:label` and
    `mineral:lithium`, and expand to exactly the same triples."""
    return dict(sorted(PREFIXES.items()))


def to_jsonld(graph) -> bytes:
    """An rdflib graph as compacted JSON-LD, with the context inline (self-contained:
    no fetch is needed to expand it)."""
    return graph.serialize(format="json-ld", context=jsonld_context(), auto_compact=True, encoding="utf-8")
