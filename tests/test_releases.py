"""Citation and releases: the release name is one value everywhere (data/RELEASE,
CHANGELOG.md, CITATION.cff, the VoID, /cite, the home page), beside the content hash."""

from __future__ import annotations

import re
from pathlib import Path

import rdflib

PROJECT = Path(__file__).resolve().parents[1]
RELEASE, RELEASED = re.fullmatch(r"(\S+) \((\S+)\)", (PROJECT / "data" / "RELEASE").read_text().strip()).groups()


def test_the_release_is_named_the_same_in_every_file():
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", RELEASE)
    first_heading = re.search(r"^## (.+)$", (PROJECT / "CHANGELOG.md").read_text(), re.M).group(1)
    assert first_heading == f"{RELEASE} ({RELEASED})"
    citation = (PROJECT / "CITATION.cff").read_text()
    assert f'version: "{RELEASE}"' in citation and f'date-released: "{RELEASED}"' in citation
    assert "Apache License" in (PROJECT / "LICENSE").read_text()
    assert "Attribution 4.0" in (PROJECT / "LICENSE-DATA").read_text()


def test_the_void_states_release_content_version_licence_and_citation(app_client, store):
    turtle = app_client.get("/.well-known/void", headers={"Accept": "text/turtle"}).text
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    dataset = rdflib.URIRef("https://w3id.org/critmin/id/dataset")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    assert str(graph.value(dataset, dcat.version)) == RELEASE
    content = str(graph.value(dataset, rdflib.URIRef("https://w3id.org/critmin/ontology#datasetVersion")))
    assert content == store.dataset_version()
    assert str(graph.value(dataset, rdflib.DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert RELEASE in str(graph.value(dataset, rdflib.DCTERMS.bibliographicCitation))


def test_cite_and_the_home_page_name_release_and_content(app_client, store):
    text = app_client.get("/cite", params={"format": "text"}).text
    assert f"release {RELEASE} (content version {store.dataset_version()})" in text
    assert "@misc{" in app_client.get("/cite", params={"format": "bibtex"}).text
    home = app_client.get("/").text
    lists = len(list(store.query("SELECT DISTINCT ?l WHERE { ?l a cm:CriticalMineralList }")))
    assert f"{lists} lists" in home and RELEASE in home and 'action="/search"' in home
    dataset = app_client.get("/dataset").text
    assert RELEASE in dataset and "/dumps/" in dataset and "/.well-known/void?format=ttl" in dataset
