"""Curation (issue 12): contributions that build on each other, revisions, corrections,
withdrawal with a reason and a successor (410), two curators at once. The real app in
process on a private copy of the store."""

from __future__ import annotations

import threading

import pytest

CM = "https://w3id.org/critmin/ontology#"
ID = "https://w3id.org/critmin/id/"
PREFIXES = f"""@prefix cm: <{CM}> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix id: <{ID}> .
"""
SOURCE = f"<{ID}source/nrcan-2020-01-09>"


@pytest.fixture(scope="module")
def site(store_path, tmp_path_factory):
    from inprocess import InProcess
    from servers import copy_store

    from critmin.tokens import TokenRegistry

    store = copy_store(store_path, tmp_path_factory.mktemp("curation") / "store")
    registry = TokenRegistry(store)
    running = InProcess(store)
    running.tokens = {name: registry.create(name, role) for name, role in
                      (("alice", "contributor"), ("bob", "contributor"), ("carol", "curator"),
                       ("dave", "curator"))}  # fmt: skip
    return running


def as_(site, who: str, content_type: str = "text/turtle") -> dict:
    return {"Authorization": f"Bearer {site.tokens[who]}", "Content-Type": content_type}


def commodity(key: str, label: str | None = None) -> str:
    return PREFIXES + f'id:mineral\\/{key} a cm:Commodity ; rdfs:label "{label or key}"@en ; dct:source {SOURCE} .\n'


def supply(key: str, mineral: str) -> str:
    return (
        PREFIXES
        + f"""<{ID}supply/test-{key}> a cm:SupplyRelation ; rdfs:label "Canada supplies {key}"@en ;
        cm:supplier <{ID}country/CA> ; cm:recipient <{ID}country/US> ; cm:commodity <{ID}{mineral}> ;
        cm:supplierRank 3 ; dct:source {SOURCE} ."""
    )


def send(site, body: str, who: str = "alice", path: str = "/contributions", content_type="text/turtle", **params):
    return site.post(path, content=body.encode(), headers=as_(site, who, content_type), params=params)


def publish(site, identifier: str, who: str = "carol", client: str = "127.0.0.1"):
    return site.post(f"/contributions/{identifier}/publish", headers=as_(site, who), address=client)


def ask(site, pattern: str) -> bool:
    """ASK over the public view (the in-process app runs no query workers)."""
    query = f"PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ASK {{ {pattern} }}"
    return bool(site.app.state.contributions.live.get().query(query))


def notes(response) -> list[str]:
    return [r.get("explanation") or "" for r in response.json()["report"]["results"]]


def test_a_contribution_builds_on_its_contributors_staged_one(site):
    base = send(site, commodity("depium"))
    assert base.status_code == 201, base.text
    first = base.json()["id"]
    built = send(site, supply("depium", "mineral/depium"))  # alice's own staged commodity is seen
    assert built.status_code == 201, built.text
    assert built.json()["depends_on"] == [first]
    # someone else cannot see it, and is told it exists but is not published (not whose)
    other = send(site, supply("depium-bob", "mineral/depium"), who="bob")
    assert other.status_code == 422
    assert any("known only in a contribution that is not published yet" in n for n in notes(other))
    assert not any(first in n for n in notes(other))
    # declaring no dependency: the report names alice's own staged contribution
    alone = send(site, supply("depium-alone", "mineral/depium"), depends_on="")
    assert alone.status_code == 422
    assert any(f"known only in staged contribution {first}" in n for n in notes(alone))
    # publishing the dependent one first is refused, naming the dependency
    refused = publish(site, built.json()["id"])
    assert refused.status_code == 409 and first in refused.json()["error"]
    assert publish(site, first).status_code == 200
    assert publish(site, built.json()["id"]).status_code == 200
    assert ask(site, f"<{ID}supply/test-depium> ?p ?o")


def test_reports_tell_unknown_from_wrong_class(site):
    unknown = send(site, supply("nothing", "mineral/no-such-thing"), path="/validate")
    wrong = send(site, supply("country", "country/US"), path="/validate")
    assert unknown.status_code == wrong.status_code == 422
    unknown_notes = [r.get("explanation") or "" for r in unknown.json()["results"]]
    wrong_notes = [r.get("explanation") or "" for r in wrong.json()["results"]]
    assert any(n.startswith("unknown IRI") for n in unknown_notes), unknown_notes
    assert any(n.startswith("known but of the wrong class") and f"{CM}Country" in n for n in wrong_notes)


def test_a_revision_replaces_its_contribution_atomically_and_retires_what_it_drops(site):
    body = (
        commodity("revisium")
        + PREFIXES
        + f'id:mineral\\/revisium-old a cm:Commodity ; rdfs:label "Old"@en ; dct:source {SOURCE} .'
    )
    original = send(site, body).json()["id"]
    assert publish(site, original).status_code == 200
    assert send(site, commodity("revisium", "Revisium"), who="bob", revises=original).status_code == 403
    revision = send(site, commodity("revisium", "Revisium"), revises=original)
    assert revision.status_code == 201, revision.text
    new = revision.json()["id"]
    assert revision.json()["revises"] == original
    assert ask(site, f'<{ID}mineral/revisium> rdfs:label "revisium"@en')  # still the old one until published
    assert publish(site, new).status_code == 200
    assert ask(site, f'<{ID}mineral/revisium> rdfs:label "Revisium"@en')
    assert not ask(site, f'<{ID}mineral/revisium> rdfs:label "revisium"@en')
    old = site.get(f"/contributions/{original}", headers=as_(site, "alice")).json()
    assert old["status"] == "withdrawn" and old["history"][-1]["reason"] == f"revised by contribution {new}"
    site.app.state.derived.refresh(wait=True)  # the feed of the new version says what was deleted
    gone = site.get("/id/mineral/revisium-old", headers={"Accept": "text/html"})
    assert gone.status_code == 410 and f"revised by contribution {new}" in gone.text
    assert gone.headers["link"] == f'<http://testserver/contributions/{new}>; rel="successor-version"' or \
        gone.headers["link"].endswith(f'/contributions/{new}>; rel="successor-version"')  # fmt: skip


def test_circular_dependencies_are_refused(site):
    first = send(site, commodity("circulum")).json()["id"]
    second = send(site, supply("circulum", "mineral/circulum"))
    assert second.json()["depends_on"] == [first]
    itself = send(site, commodity("circulum", "C"), revises=first, depends_on=first)
    assert itself.status_code == 409 and "circular" in itself.json()["error"]
    around = send(site, commodity("circulum", "C"), revises=first, depends_on=second.json()["id"])
    assert around.status_code == 409 and "circular dependency" in around.json()["error"]
    assert second.json()["id"] in around.json()["error"]


def test_corrections_retract_and_add_published_contributed_data(site):
    original = send(site, commodity("correctium", "Corectium")).json()["id"]
    assert publish(site, original).status_code == 200
    fix = f"""DELETE DATA {{ <{ID}mineral/correctium> <http://www.w3.org/2000/01/rdf-schema#label> "Corectium"@en }} ;
              INSERT DATA {{ <{ID}mineral/correctium> <http://www.w3.org/2000/01/rdf-schema#label> "Correctium"@en }}"""
    sent = send(site, fix, content_type="application/sparql-update")
    assert sent.status_code == 201, sent.text
    assert sent.json()["corrects"] == [original]
    assert ask(site, f'<{ID}mineral/correctium> rdfs:label "Corectium"@en')  # staged: nothing changed yet
    assert publish(site, sent.json()["id"]).status_code == 200
    assert ask(site, f'<{ID}mineral/correctium> rdfs:label "Correctium"@en')
    assert not ask(site, f'<{ID}mineral/correctium> rdfs:label "Corectium"@en')


@pytest.mark.parametrize(("update", "status", "says"), [
    (f'DELETE DATA {{ <{ID}mineral/correctium> <http://www.w3.org/2000/01/rdf-schema#label> "Never"@en }}', 422,
     "nothing to retract"),
    (f'DELETE DATA {{ <{ID}mineral/lithium> <http://www.w3.org/2000/01/rdf-schema#label> "Lithium"@en }}', 422,
     "corrected in the repository"),
    ("LOAD <http://example.org/data.ttl>", 400, "only DELETE DATA and INSERT DATA"),
    (f"DELETE WHERE {{ <{ID}mineral/lithium> ?p ?o }}", 400, "only DELETE DATA and INSERT DATA"),
    (f'INSERT DATA {{ GRAPH <urn:g> {{ <{ID}mineral/x> <urn:p> "x" }} }}', 400, "names a graph"),
    ("DELETE DATA {\n <urn:a> <urn:b> \n", 400, "line 1"),
])  # fmt: skip
def test_bad_corrections_are_refused_naming_the_problem(site, update, status, says):
    response = send(site, update, content_type="application/sparql-update")
    body = response.json()
    error = body.get("error") or body["report"]["error"]  # malformed input is kept as a rejected contribution
    assert response.status_code == status and says in error, response.text


def test_a_correction_is_validated_on_the_state_it_leaves(site):
    original = send(site, commodity("validium")).json()["id"]
    assert publish(site, original).status_code == 200
    # retracting the only source leaves a fact without its source: rejected
    drop = f"DELETE DATA {{ <{ID}mineral/validium> <http://purl.org/dc/terms/source> {SOURCE} }}"
    response = send(site, drop, content_type="application/sparql-update")
    assert response.status_code == 422 and response.json()["status"] == "rejected"
    assert any("source" in r["message"] for r in response.json()["report"]["results"])


def test_two_curators_publishing_the_same_contribution_at_once(site):
    """Each of five contributions is published by two curators at the same moment: one
    wins, the other is told it is already published, and it is published once."""
    for round_ in range(5):
        identifier = send(site, commodity(f"duelium-{round_}")).json()["id"]
        outcomes: list[int] = []
        barrier = threading.Barrier(2)

        def go(who: str, client: str, identifier=identifier, outcomes=outcomes, barrier=barrier) -> None:
            barrier.wait()  # two people, two machines
            outcomes.append(publish(site, identifier, who, client).status_code)

        pairs = (("carol", "10.0.0.1"), ("dave", "10.0.0.2"))
        threads = [threading.Thread(target=go, args=pair) for pair in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == [200, 409]
        record = site.get(f"/contributions/{identifier}").json()
        assert [e["event"] for e in record["history"]] == ["submitted", "published"]


def test_withdrawal_gives_410_with_reason_and_successor(site):
    identifier = send(site, commodity("goneium")).json()["id"]
    assert publish(site, identifier).status_code == 200
    asked = site.request("DELETE", f"/contributions/{identifier}", headers=as_(site, "alice"),
                         params={"reason": "duplicate of lithium", "successor": f"{ID}mineral/lithium"})  # fmt: skip
    assert asked.status_code == 202
    approved = site.request("DELETE", f"/contributions/{identifier}", headers=as_(site, "carol"))
    assert approved.status_code == 200 and approved.json()["history"][-1]["reason"] == "duplicate of lithium"
    site.app.state.derived.refresh(wait=True)
    gone = site.get("/id/mineral/goneium")
    assert gone.status_code == 410 and "Reason: duplicate of lithium" in gone.text
    assert gone.headers["link"] == f'<{ID}mineral/lithium>; rel="successor-version"'
    bad = site.request("DELETE", f"/contributions/{identifier}", headers=as_(site, "carol"),
                       params={"successor": "not an iri"})  # fmt: skip
    assert bad.status_code == 400
