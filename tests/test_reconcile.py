"""The Reconciliation Service API 0.2 at /reconcile: replies valid against the
official schemas (../shared/reconciliation), invalid batches refused, and how well
the entries of the shipped lists match their commodities."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reconciliation"
ID = "https://w3id.org/critmin/id/"


def registry() -> Registry:
    resources = []
    for path in (SHARED / "schemas").glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def check(document, schema_name: str) -> None:
    schema = json.loads((SHARED / "schemas" / schema_name).read_text())
    jsonschema.Draft7Validator(schema, registry=registry()).validate(document)


def reconcile(app_client, batch: dict) -> dict:
    response = app_client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert response.status_code == 200, response.text
    check(response.json(), "reconciliation-result-batch.json")
    return response.json()


def test_the_manifest_is_valid_and_points_at_the_local_pages(app_client):
    manifest = app_client.get("/reconcile").json()
    check(manifest, "manifest.json")
    assert manifest["view"]["url"].endswith("/id/{{id}}") and "0.2" in manifest["versions"]
    page = app_client.get(manifest["view"]["url"].replace("{{id}}", "mineral/lithium").split("8000", 1)[-1])
    assert page.status_code == 200


def test_the_schema_checker_itself_refuses_the_invalid_examples():
    for path in (SHARED / "examples").glob("*--invalid--*.json"):
        schema = path.name.split("--")[0] + ".json"
        with pytest.raises(jsonschema.ValidationError):
            check(json.loads(path.read_text()), schema)


@pytest.mark.parametrize(
    "path", sorted((SHARED / "examples").glob("reconciliation-query-batch--*.json")), ids=lambda p: p.name
)
def test_the_query_examples_are_answered_or_refused_as_the_schema_says(app_client, path):
    response = app_client.post("/reconcile", data={"queries": path.read_text()})
    if "--invalid--" in path.name:
        assert response.status_code == 400 and response.headers["content-type"] == "application/problem+json"
        assert "schema" in response.json()["detail"]
    else:
        assert response.status_code == 200, response.text
        check(response.json(), "reconciliation-result-batch.json")


def test_single_and_typed_queries(app_client):
    answer = reconcile(app_client, {"q0": {"query": "Lithium", "type": "commodity"}, "q1": {"query": "litium"}})
    top = answer["q0"]["result"][0]
    assert top["id"] == "mineral/lithium" and top["match"] is True and top["type"][0]["id"] == "commodity"
    fuzzy = answer["q1"]["result"]
    assert fuzzy[0]["id"] == "mineral/lithium" and not any(c["match"] for c in fuzzy)


def test_properties_narrow_the_candidates(app_client):
    query = {"query": "Critical Minerals List", "type": "list", "limit": 10}
    everything = reconcile(app_client, {"q": query})["q"]["result"]
    canadian = reconcile(app_client, {"q": {**query, "properties": [{"pid": "jurisdiction", "v": "CA"}]}})["q"][
        "result"
    ]
    assert {c["id"] for c in canadian} == {"list/ca-nrcan-2021", "list/ca-nrcan-2024"} < {c["id"] for c in everything}
    by_iri = {"pid": "jurisdiction", "v": {"id": f"{ID}country/US"}}
    american = reconcile(app_client, {"q": {**query, "properties": [by_iri]}})["q"]["result"]
    assert american and all(c["id"].startswith("list/us-") for c in american)
    only = reconcile(app_client, {"q": {"type": "list", "properties": [{"pid": "issued", "v": "2025"}]}})["q"]
    assert [c["id"] for c in only["result"]] == ["list/us-usgs-2025"] and only["result"][0]["match"]


def test_unknown_types_and_properties_select_nothing(app_client):
    colour = [{"pid": "colour", "v": "grey"}]
    batch = {"a": {"query": "Lithium", "type": "planet"}, "b": {"query": "Li", "properties": colour}}
    answer = reconcile(app_client, batch)
    assert answer == {"a": {"result": []}, "b": {"result": []}}


def test_suggest_services_and_preview(app_client):
    entities = app_client.get("/reconcile/suggest/entity", params={"prefix": "lith"}).json()
    check(entities, "suggest-entities-response.json")
    assert entities["result"][0]["id"] == "mineral/lithium"
    types = app_client.get("/reconcile/suggest/type", params={"prefix": "comm"}).json()
    check(types, "suggest-types-response.json")
    assert {t["id"] for t in types["result"]} >= {"commodity"}
    properties = app_client.get("/reconcile/suggest/property", params={"prefix": "juris"}).json()
    check(properties, "suggest-properties-response.json")
    assert [p["id"] for p in properties["result"]] == ["jurisdiction"]
    preview = app_client.get("/reconcile/preview", params={"id": "mineral/bauxite"})
    assert preview.status_code == 200 and "Aluminum (bauxite)" in preview.text
    assert app_client.get("/reconcile/preview", params={"id": "mineral/nothing"}).status_code == 404


@pytest.mark.parametrize("queries", ["", "not json", "[]", '{"q": {"query": 7}}', '{"q": "x"}', "{" * 5000])
def test_malformed_batches_are_400_with_a_reason(app_client, queries):
    response = app_client.post("/reconcile", data={"queries": queries})
    assert response.status_code == 400 and response.json()["detail"]


def test_a_batch_of_1000_is_answered_and_1001_refused(app_client):
    names = ["Lithium", "Cobalt", "rare earths", "Aluminum (bauxite)", "Nickel"]
    batch = {f"q{i}": {"query": names[i % 5], "type": "commodity"} for i in range(1000)}
    started = time.monotonic()
    answer = reconcile(app_client, batch)
    print(f"1,000 queries answered in {time.monotonic() - started:.2f} s")
    assert len(answer) == 1000 and answer["q0"]["result"][0]["id"] == "mineral/lithium"
    batch["q1000"] = {"query": "Tin"}
    assert app_client.post("/reconcile", data={"queries": json.dumps(batch)}).status_code == 413


def test_the_entries_of_the_us_and_canada_lists_match_their_commodities(app_client, store):
    """Precision of `match: true` and recall of the top candidate, over every entry of
    the three U.S. lists and the two Canada lists, sent as written."""
    lists = ["us-doi-2018", "us-usgs-2022", "us-usgs-2025", "ca-nrcan-2021", "ca-nrcan-2024"]
    values = " ".join(f"list:{k}" for k in lists)
    rows = store.query(f"SELECT ?entry ?written ?commodity WHERE {{ VALUES ?list {{ {values} }} "
                       "?entry cm:inList ?list ; cm:entryAsWritten ?written ; cm:denotes ?commodity }")  # fmt: skip
    expected = {r["entry"].value: (r["written"].value, r["commodity"].value.removeprefix(ID)) for r in rows}
    batch = {f"q{i}": {"query": written, "type": "commodity"} for i, (written, _) in enumerate(expected.values())}
    answer = reconcile(app_client, batch)
    sure = correct_sure = correct_top = 0
    for i, (_written, commodity) in enumerate(expected.values()):
        candidates = answer[f"q{i}"]["result"]
        top = candidates[0] if candidates else None
        correct_top += bool(top and top["id"] == commodity)
        if top and top["match"]:
            sure += 1
            correct_sure += top["id"] == commodity
    precision, recall = correct_sure / sure, correct_sure / len(expected)
    print(f"{len(expected)} entries: {sure} marked match, precision {precision:.3f}, recall {recall:.3f}, "
          f"top candidate right {correct_top}")  # fmt: skip
    assert len(expected) >= 200
    assert precision == 1.0 and recall >= 0.95
