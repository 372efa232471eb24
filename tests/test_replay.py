"""The replay test (issue 14): after every kind of change, two harvesters that started
from the first version's dump reach the current dump, on the embedded store and on a
remote engine (the Oxigraph server):
- one applies the patches (`/patches/`), in order, checking their SHA-256;
- one reads the change feed and re-fetches every announced resource, dropping the
  deleted ones (it compares the resources' own triples: what dereferencing gives).

Steps: contribute and publish two resources; withdraw one; revise the other (withdraw
and publish its new text: the revision workflow is issue 12's); Graph Store PUT and
DELETE; rebuild with one data file changed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from servers import PROJECT, wait_for_derived
from test_contributions import supply
from test_engines import deploy

ID = "https://w3id.org/critmin/id/"
DATASET = f"{ID}dataset"
SKOLEM = "https://w3id.org/critmin/.well-known/genid/"


def lines_of(data: bytes) -> set[str]:
    return {line for line in gzip.decompress(data).decode("utf-8").splitlines() if line.strip()}


def current_dump(url: str) -> set[str]:
    index = httpx.get(f"{url}/dumps/", timeout=60).json()
    nquads = next(d for d in index if d["kind"] == "nquads")
    return lines_of(httpx.get(nquads["url"], timeout=60).content)


def resource_triples(lines: set[str], fmt=ox.RdfFormat.N_QUADS) -> set[tuple[str, str, str]]:
    """The triples about our resources (what dereferencing their IRIs gives), from
    N-Quads or N-Triples lines: graph dropped, blank nodes and the dataset node aside."""
    found = set()
    for statement in ox.parse("\n".join(lines).encode(), fmt):
        terms = (statement.subject, statement.predicate, statement.object)
        if any(isinstance(term, ox.BlankNode) or SKOLEM in str(term) for term in terms):
            continue
        subject = statement.subject.value
        if subject.startswith(ID) and subject != DATASET:
            found.add(tuple(str(term) for term in terms))
    return found


class PatchHarvester:
    def __init__(self, url: str):
        self.url = url
        self.state = current_dump(url)
        # blank nodes are skolemised in dumps and patches alike, or deletes could not match
        assert any(SKOLEM in line for line in self.state) and not any(" _:" in f" {line}" for line in self.state)
        self.applied = {p["target"] for p in httpx.get(f"{url}/patches/").json()}

    def catch_up(self) -> None:
        for patch in httpx.get(f"{self.url}/patches/", timeout=60).json():
            if patch["target"] in self.applied:
                continue
            parts = {}
            for kind in ("delete", "add"):
                data = httpx.get(patch[f"{kind}_url"], timeout=60).content
                assert hashlib.sha256(data).hexdigest() == patch[f"{kind}_sha256"]
                parts[kind] = lines_of(data)
            assert parts["delete"] <= self.state, "a patch deletes quads the harvester does not hold"
            self.state = (self.state - parts["delete"]) | parts["add"]
            self.applied.add(patch["target"])


class FeedHarvester:
    def __init__(self, url: str):
        self.url = url
        self.triples = resource_triples(current_dump(url))
        self.seen = len(self.activities())

    def activities(self) -> list[dict]:
        collection = httpx.get(f"{self.url}/changes", timeout=60).json()
        pages = int(collection["last"]["id"].rsplit("/", 1)[1]) + 1
        items = []
        for number in range(pages):
            items += httpx.get(f"{self.url}/changes/page/{number}", timeout=60).json()["orderedItems"]
        return items

    def catch_up(self, step: str = "") -> None:
        items = self.activities()
        for activity in items[self.seen :]:
            iri = activity["object"]["id"]
            if activity["object"]["type"] != "Object" or not iri.startswith(ID):
                continue
            self.triples = {t for t in self.triples if t[0] != f"<{iri}>"}
            if activity["type"] == "Delete":
                continue  # (a later activity may bring it back: a revision withdraws, then publishes)
            response = httpx.get(f"{self.url}/id/{iri[len(ID) :]}", headers={"Accept": "application/n-triples"})
            assert response.status_code == 200, (step, activity, response.status_code)
            fetched = resource_triples(set(response.text.splitlines()), ox.RdfFormat.N_TRIPLES)
            self.triples |= {t for t in fetched if t[0] == f"<{iri}>"}
        self.seen = len(items)


def rebuild_with_a_changed_file(server, folder: Path) -> None:
    home = folder / "home"
    for part in ("ontology", "shapes", "data", "queries"):
        shutil.copytree(PROJECT / part, home / part, dirs_exist_ok=True)
    data = home / "data" / "iea-2021.ttl"
    data.write_text(
        data.read_text().replace("crucial to battery performance", "crucial to the performance of batteries")
    )
    environment = {**os.environ, **server.env, "CRITMIN_HOME": str(home)}
    before = httpx.get(f"{server.url}/health", timeout=10).json()["dataset_version"]
    built = subprocess.run([sys.executable, "-m", "critmin.cli", "build", "--store", server.location],
                           capture_output=True, text=True, env=environment, timeout=300)  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    # The service notices a rebuild made by another process within seconds; until then its
    # derived documents are "current" for the version it knows (the step would check nothing).
    deadline = time.monotonic() + 30
    while httpx.get(f"{server.url}/health", timeout=10).json()["dataset_version"] == before:
        assert time.monotonic() < deadline, "the service did not notice the rebuild"
        time.sleep(0.2)


@pytest.mark.parametrize("engine", ["embedded", "oxigraph"])
def test_both_harvesters_reach_every_version(engine, store_path, tmp_path):
    server, stop = deploy(engine, tmp_path, store_path, with_w3c_graphs=False)
    try:
        url = server.url
        wait_for_derived(url)
        by_patch, by_feed = PatchHarvester(url), FeedHarvester(url)
        alice = {"Authorization": f"Bearer {server.tokens['alice']}", "Content-Type": "text/turtle"}
        carol = {"Authorization": f"Bearer {server.tokens['carol']}"}

        def contribute(body: str, **params: str) -> str:
            created = httpx.post(f"{url}/contributions", content=body, headers=alice, params=params, timeout=120)
            assert created.status_code == 201, created.text
            identifier = created.json()["id"]
            assert (
                httpx.post(f"{url}/contributions/{identifier}/publish", headers=carol, timeout=120).status_code == 200
            )
            return identifier

        def gsp(method: str, body: str | None = None) -> None:
            headers = {**carol, "Content-Type": "text/turtle"}
            response = httpx.request(method, f"{url}/store", params={"graph": "http://example.org/replay"},
                                     content=body, headers=headers, timeout=120)  # fmt: skip
            assert response.status_code in (200, 201, 204), response.text

        published: dict[str, str] = {}

        def withdraw(key: str) -> None:
            response = httpx.delete(f"{url}/contributions/{published.pop(key)}", headers=carol, timeout=120)
            assert response.status_code == 200, response.text

        def revise(key: str) -> None:  # a revision: replaces the earlier contribution when published
            revised = supply(key, rank=2).replace(f"({key})", f"({key}, revised)")
            published[key] = contribute(revised, revises=published[key])

        steps = [
            ("publish", lambda: published.update(first=contribute(supply("first")))),
            ("publish another", lambda: published.update(second=contribute(supply("second")))),
            ("withdraw", lambda: withdraw("first")),
            ("revise", lambda: revise("second")),
            ("gsp put", lambda: gsp("PUT", f'<{ID}test/replay> <http://www.w3.org/2000/01/rdf-schema#label> "r" .')),
            ("gsp delete", lambda: gsp("DELETE")),
            ("rebuild", lambda: rebuild_with_a_changed_file(server, tmp_path)),
        ]
        for name, step in steps:
            step()
            wait_for_derived(url)
            by_patch.catch_up()
            by_feed.catch_up(name)
            expected = current_dump(url)
            assert by_patch.state == expected, (name, len(by_patch.state ^ expected))
            difference = by_feed.triples ^ resource_triples(expected)
            assert not difference, (name, sorted(difference)[:5])
        assert len(by_patch.applied) >= len(steps)
    finally:
        stop()
