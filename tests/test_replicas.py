"""Two critmin replicas over one Oxigraph server behave as one service (issue 10): a
token created through one works on the other, and a contribution submitted to one is
published through the other and shows in both replicas' feeds. Each replica has its
own state folder: what they share lives in the engine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from engines import start_oxigraph
from servers import start_server

from critmin.store.shared import shared_documents
from critmin.tokens import TokenRegistry

PROJECT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/critmin/id/"
SUPPLY = f"""@prefix cm: <https://w3id.org/critmin/ontology#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{ID}supply/test-replicas> a cm:SupplyRelation ; rdfs:label "Canada supplies lithium (replicas)"@en ;
    cm:supplier <{ID}country/CA> ; cm:recipient <{ID}country/US> ; cm:commodity <{ID}mineral/lithium> ;
    cm:supplierRank 3 ; dct:source <{ID}source/nrcan-2020-01-09> ."""


def feed_mentions(url: str, iri: str, seconds: float = 90) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        link = httpx.get(f"{url}/changes", timeout=10).json()["first"]
        while link:  # the pages as a harvester follows them
            page = httpx.get(link["id"], timeout=10).json()
            if any(a["object"]["id"] == iri for a in page["orderedItems"]):
                return True
            link = page.get("next")
        time.sleep(0.5)
    return False


def test_two_replicas_over_one_engine_act_as_one_service(tmp_path):
    engine = start_oxigraph(tmp_path)
    env = {"CRITMIN_REMOTE_UPDATE_URL": engine.update_url, **engine.loader_env, "CRITMIN_REMOTE_POLL": "0.5"}
    replicas = []
    try:
        built = subprocess.run([sys.executable, "-m", "critmin.cli", "build", "--store", engine.query_url],
                               capture_output=True, text=True, timeout=300,
                               env={**os.environ, **env, "CRITMIN_HOME": str(PROJECT),
                                    "CRITMIN_STATE": str(tmp_path / "builder")})  # fmt: skip
        assert built.returncode == 0, built.stderr[-2000:]
        for name in ("a", "b"):
            replicas.append(start_server(engine.query_url, tmp_path, CRITMIN_STATE=str(tmp_path / name), **env))
        a, b = replicas
        # a token made by the operator for the engine (here through the library, as `critmin token` does)
        os.environ.update(env)
        tokens = TokenRegistry(tmp_path / "a", shared_documents(engine.query_url, tmp_path / "a"))
        alice, carol = tokens.create("alice"), tokens.create("carol", "curator")

        sent = httpx.post(f"{a.url}/contributions", content=SUPPLY, timeout=120,
                          headers={"Authorization": f"Bearer {alice}", "Content-Type": "text/turtle"})  # fmt: skip
        assert sent.status_code == 201, sent.text
        identifier = sent.json()["id"]
        # replica b knows alice's token and the contribution (its record lives in the engine)
        seen = httpx.get(f"{b.url}/contributions/{identifier}", headers={"Authorization": f"Bearer {alice}"})
        assert seen.status_code == 200 and seen.json()["status"] == "staged"
        assert seen.json()["report"]["conforms"] is True  # the report travels with the record
        published = httpx.post(f"{b.url}/contributions/{identifier}/publish", timeout=120,
                               headers={"Authorization": f"Bearer {carol}"})  # fmt: skip
        assert published.status_code == 200, published.text
        for replica in (a, b):  # both feeds announce it; a learns of b's write from the engine
            assert feed_mentions(replica.url, f"{ID}supply/test-replicas"), replica.url
            assert (
                httpx.get(f"{replica.url}/id/supply/test-replicas", headers={"Accept": "text/turtle"}).status_code
                == 200
            )
        # a withdrawal asked through a is approved through b, which sees the request and its reason
        asked = httpx.delete(f"{a.url}/contributions/{identifier}", params={"reason": "a duplicate"},
                             headers={"Authorization": f"Bearer {alice}"}, timeout=120)  # fmt: skip
        assert asked.status_code == 202, asked.text
        approved = httpx.delete(f"{b.url}/contributions/{identifier}", headers={"Authorization": f"Bearer {carol}"},
                                timeout=120)  # fmt: skip
        assert approved.status_code == 200 and approved.json()["withdrawal_request"]["reason"] == "a duplicate"
        assert approved.json()["history"][-1]["reason"] == "a duplicate"
    finally:
        for replica in replicas:
            replica.stop()
        engine.stop()
        for key in env:
            os.environ.pop(key, None)
