"""Search: the examples researchers gave, bad input, the type listings and 404 help.

All through the real app in process (`app_client`), on the shipped data.
"""

from __future__ import annotations

import pytest

ID = "https://w3id.org/critmin/id/"


def found(app_client, q: str, **params) -> list[str]:
    response = app_client.get("/search", params={"q": q, "format": "json", **params})
    assert response.status_code == 200, response.text
    return [r["iri"].removeprefix(ID) for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("lithium", "mineral/lithium"),
        ("litium", "mineral/lithium"),
        ("LITHIUM ", "mineral/lithium"),
        ("Li", "mineral/lithium"),
        ("REE", "mineral/rare-earth-elements"),
        ("rare earths", "mineral/rare-earth-elements"),
        ("IEA", "source/iea-2021"),
        ("bauxite", "mineral/bauxite"),
        ("Canada", "country/CA"),
        ("US-USGS-2022", "list/us-usgs-2022"),
    ],
)
def test_the_researchers_examples_come_first(app_client, query, first):
    assert found(app_client, query)[0] == first


def test_bauxite_finds_the_aluminum_commodity_and_the_2018_entry(app_client):
    hits = found(app_client, "bauxite")
    assert "mineral/aluminum" in hits[:3] and "list-entry/us-doi-2018-01" in hits[:3]


def test_a_type_filter_keeps_only_that_type(app_client):
    assert found(app_client, "lithium", type="element") == ["element/lithium"]
    lists = found(app_client, "2022", type="list")
    assert lists and all(h.startswith("list/") for h in lists)
    assert app_client.get("/search", params={"q": "x", "type": "planet"}).status_code == 400


def test_accents_and_case_do_not_matter(app_client):
    assert found(app_client, "Lîthïum")[0] == "mineral/lithium"
    assert found(app_client, "rare-earth elements")[0] == "mineral/rare-earth-elements"


@pytest.mark.parametrize(
    "query",
    ["", " ", "a" * 10_000, "💎🪨", "'; DROP TABLE x; --", "} UNION { ?s ?p ?o", "(.*)[a-z]+\\", "%00", "<script>"],
)
def test_odd_queries_answer_sensibly_in_both_formats(app_client, query):
    as_json = app_client.get("/search", params={"q": query, "format": "json"})
    assert as_json.status_code == 200 and isinstance(as_json.json()["results"], list)
    as_html = app_client.get("/search", params={"q": query}, headers={"Accept": "text/html"})
    assert as_html.status_code == 200 and "Traceback" not in as_html.text
    assert "<script>" not in as_html.text.split("<main>", 1)[1]


def test_html_by_default_and_json_by_accept(app_client):
    html = app_client.get("/search", params={"q": "lithium"}, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and 'href="/id/mineral/lithium"' in html.text
    data = app_client.get("/search", params={"q": "lithium"}, headers={"Accept": "application/json"})
    assert data.json()["results"][0]["href"] == "/id/mineral/lithium"


def test_every_page_has_a_search_box(app_client):
    for path in ("/id/mineral/lithium", "/ontology", "/shapes", "/search"):
        page = app_client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200 and 'action="/search"' in page.text, path


def test_a_case_only_mismatch_redirects_to_the_right_key(app_client):
    response = app_client.get("/id/mineral/Lithium")
    assert response.status_code == 301 and response.headers["location"] == "/id/mineral/lithium"


def test_an_unknown_iri_suggests_the_nearest_in_html(app_client):
    response = app_client.get("/id/mineral/lithum", headers={"Accept": "text/html"})
    assert response.status_code == 404 and 'href="/id/mineral/lithium"' in response.text
    plain = app_client.get("/id/mineral/lithum", headers={"Accept": "text/turtle"})
    assert plain.status_code == 404 and "lithium" not in plain.text


def test_a_folder_lists_its_resources_paged(app_client):
    page = app_client.get("/id/mineral/", params={"format": "json"}).json()
    assert (
        page["total"] > 60
        and {"name": "Lithium"}.items() <= next(i for i in page["items"] if i["iri"] == f"{ID}mineral/lithium").items()
    )
    entries = app_client.get("/id/list-entry/", params={"format": "json"}).json()
    assert entries["pages"] >= 2 and len(entries["items"]) == 100
    second = app_client.get("/id/list-entry/", params={"format": "json", "page": "2"}).json()
    assert not {i["iri"] for i in second["items"]} & {i["iri"] for i in entries["items"]}
    html = app_client.get("/id/country/", headers={"Accept": "text/html"})
    assert html.status_code == 200 and 'href="/id/country/CA"' in html.text
    assert app_client.get("/id/planet/").status_code == 404


def test_an_element_is_found_by_its_own_symbol(app_client):
    assert found(app_client, "Li", type="element") == ["element/lithium"]
    assert found(app_client, "W", type="element") == ["element/tungsten"]


def test_a_resource_scores_by_its_best_name_whatever_the_order():
    from critmin.search.collect import Record
    from critmin.search.engine import SearchIndex

    record = Record("https://w3id.org/critmin/id/mineral/x", "Lithium",
                    ["https://w3id.org/critmin/ontology#Commodity"],
                    [("Lithium carbonate concentrate", "alt", "en"), ("Lithium", "label", "en")])  # fmt: skip
    hit = SearchIndex([record], {}).search("lith")[0]
    assert hit.matched == "Lithium" and hit.score > 92
