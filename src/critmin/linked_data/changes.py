"""The change feed: an Activity Streams 2.0 ordered collection, IIIF Change Discovery style.

The activities are written by `patches.make_patch` when a new public version's
derived documents are made, from the difference between the versions (so staging
never shows, and inferred triples count): Create, Update, Delete for each changed
resource and named graph, then an Update of the dataset linking the patch; the first
version is a Refresh (start from the dump). They go to an append-only JSON-lines log
in the state folder. A harvester reads the last page and walks back through `prev`
until it reaches activities it has already seen.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from critmin.rdf.namespaces import DATASET_IRI

PAGE_SIZE = 100
AS_CONTEXT = "http://iiif.io/api/discovery/1/context.json"
LOG_NAME = "changes.jsonl"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_removed_cache: dict = {}  # the last log state read by ChangeLog.removed


class ChangeLog:
    def __init__(self, store_path: Path):
        self.path = store_path / LOG_NAME

    def append(self, activities: list[dict]) -> None:
        """Append activities atomically with respect to other writers. Every public change
        is a new dataset version, so the dataset itself is announced too (its
        `modified` and `datasetVersion` changed), unless the caller did already."""
        if not activities:
            return
        if not any(a["object"]["type"] == "Dataset" for a in activities):
            activities = [*activities, activity("Update", str(DATASET_IRI), "Dataset", summary="a new dataset version")]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as log:
            fcntl.flock(log, fcntl.LOCK_EX)
            log.write("".join(json.dumps(a, sort_keys=True) + "\n" for a in activities))
            log.flush()
            os.fsync(log.fileno())

    def activities(self) -> list[dict]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as log:
            return [json.loads(line) for line in log if line.strip()]

    def removed(self) -> dict[str, str]:
        """IRIs whose latest activity is a Delete (no public triple left), with when:
        they answer 410 Gone rather than 404, as a harvester's crawl expects. Read once
        per state of the log file, not on every 404."""
        try:
            state = self.path.stat()
        except FileNotFoundError:
            return {}
        key = (str(self.path), state.st_size, state.st_mtime_ns)
        if _removed_cache.get("key") != key:
            latest: dict[str, dict] = {}
            for activity in self.activities():
                latest[activity["object"]["id"]] = activity
            _removed_cache.update(key=key, value={i: a["endTime"] for i, a in latest.items() if a["type"] == "Delete"})
        return _removed_cache["value"]

    def last_modified(self) -> str | None:
        items = self.activities()
        return items[-1]["endTime"] if items else None

    def collection(self, base: str) -> dict:
        total = len(self.activities())
        pages = max(1, -(-total // PAGE_SIZE))
        return {
            "@context": AS_CONTEXT,
            "id": f"{base}/changes",
            "type": "OrderedCollection",
            "totalItems": total,
            "first": {"id": f"{base}/changes/page/0", "type": "OrderedCollectionPage"},
            "last": {"id": f"{base}/changes/page/{pages - 1}", "type": "OrderedCollectionPage"},
        }

    def page(self, base: str, number: int) -> dict | None:
        items = self.activities()
        pages = max(1, -(-len(items) // PAGE_SIZE))
        if not 0 <= number < pages:
            return None
        chunk = items[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        page = {
            "@context": AS_CONTEXT,
            "id": f"{base}/changes/page/{number}",
            "type": "OrderedCollectionPage",
            "partOf": {"id": f"{base}/changes", "type": "OrderedCollection"},
            "startIndex": number * PAGE_SIZE,
            "orderedItems": chunk,
        }
        if number > 0:
            page["prev"] = {"id": f"{base}/changes/page/{number - 1}", "type": "OrderedCollectionPage"}
        if number < pages - 1:
            page["next"] = {"id": f"{base}/changes/page/{number + 1}", "type": "OrderedCollectionPage"}
        return page


def activity(kind: str, iri: str, object_type: str = "Object", **extra) -> dict:
    stamp = now()
    digest = hashlib.sha256(f"{kind}{iri}{stamp}{os.urandom(8).hex()}".encode()).hexdigest()[:24]
    return {
        "id": f"urn:critmin:activity:{digest}",
        "type": kind,
        "object": {"id": iri, "type": object_type},
        "endTime": stamp,
        **extra,
    }
