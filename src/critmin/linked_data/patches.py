"""Deltas between public dataset versions, and the change feed made from them.

Each time the derived documents of a new version are made, that version's N-Quads dump
(the public quads, blank nodes skolemised) is compared with the dump of the last
version patched to, kept as a snapshot copy. The difference is published as two gzipped
N-Quads files, the quads to delete and the quads to add, with their SHA-256, and the
feed gets one activity per resource whose public triples changed (Create, Update,
Delete: the latter only when nothing public is left about it), plus an Update of the
dataset that links the patch. So a harvester holding version A reaches any later
version by applying the patches in order (delete, then add), and one that re-fetches
what the feed names reaches the same graph.

Versions that follow each other faster than the documents are made are covered by one
patch (from the last version patched to). The comparison holds both versions' quads
as sets of N-Quads lines: memory in proportion to the dataset (it runs in the child
process that makes the derived documents).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from critmin.linked_data import changes
from critmin.rdf.namespaces import DATASET_IRI, INSTANCE_NAMESPACES, SKOLEM_BASE

FOLDER = "patches"
SNAPSHOT = "snapshot.nq.gz"
SNAPSHOT_VERSION = "snapshot.version"
INDEX = "index.jsonl"
VERSION = re.compile(r"^[0-9A-Za-z._-]{1,64}$")


@dataclass(frozen=True)
class Patch:
    source: str  # the version it applies to
    target: str  # the version it makes
    made: str
    removed: int
    added: int
    delete_file: str
    add_file: str
    delete_sha256: str
    add_sha256: str

    def files(self) -> dict[str, str]:
        return {self.delete_file: self.delete_sha256, self.add_file: self.add_sha256}


def _write_gzip(path: Path, lines: list[str]) -> str:
    data = gzip.compress("".join(line + "\n" for line in lines).encode("utf-8"), mtime=0)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return hashlib.sha256(data).hexdigest()


def _read_gzip(path: Path) -> set[str]:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        return {line.rstrip("\n") for line in stream if line.strip()}


def _graphs(lines) -> set[str]:
    """The named graphs a set of N-Quads lines is in (the last IRI of each line)."""
    found = set()
    for line in lines:
        end = line.rstrip().removesuffix(".").rstrip()
        if end.endswith(">"):
            found.add(end[end.rindex("<") + 1 : -1])
    return found


def _subjects(lines) -> set[str]:
    """The resources a set of quads is about (our IRIs; skolem IRIs are parts of them)."""
    found = set()
    for line in lines:
        if line.startswith("<"):
            subject = line[1 : line.index(">")]
            if subject.startswith(INSTANCE_NAMESPACES) and not subject.startswith(SKOLEM_BASE):
                found.add(subject)
    return found


def index(state_path: Path) -> list[Patch]:
    path = state_path / FOLDER / INDEX
    if not path.exists():
        return []
    return [Patch(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def find(state_path: Path, name: str) -> tuple[Path, str] | None:
    """A patch file this service published, by name, and its SHA-256."""
    for patch in index(state_path):
        if name in patch.files():
            path = state_path / FOLDER / name
            return (path, patch.files()[name]) if path.is_file() else None
    return None


def make_patch(state_path: Path, version: str, dump: Path, base_url: str) -> Patch | None:
    """Compare `dump` (the gzipped N-Quads dump of `version`) with the snapshot, publish
    the patch and announce the changes. The first version only becomes the snapshot."""
    if not VERSION.match(version):
        raise ValueError(f"not a version: {version!r}")
    root = state_path / FOLDER
    root.mkdir(parents=True, exist_ok=True)
    current = _read_gzip(dump)
    marker = root / SNAPSHOT_VERSION
    previous_version = marker.read_text().strip() if marker.exists() else None
    patch = None
    if previous_version is not None and previous_version != version:
        previous = _read_gzip(root / SNAPSHOT)
        removed, added = sorted(previous - current), sorted(current - previous)
        stem = f"critmin-{previous_version}-to-{version}"
        made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        patch = Patch(previous_version, version, made, len(removed), len(added), f"{stem}.delete.nq.gz",
                      f"{stem}.add.nq.gz", _write_gzip(root / f"{stem}.delete.nq.gz", removed),
                      _write_gzip(root / f"{stem}.add.nq.gz", added))  # fmt: skip
        with (root / INDEX).open("a", encoding="utf-8") as log:
            log.write(json.dumps(asdict(patch), sort_keys=True) + "\n")
        changes.ChangeLog(state_path).append(activities(previous, current, removed, added, patch, base_url))
    if previous_version is None:
        summary = f"version {version}: start from its dump ({base_url}/dumps/), then apply the patches"
        refresh = changes.activity("Refresh", str(DATASET_IRI), "Dataset", version=version, summary=summary)
        changes.ChangeLog(state_path).append([refresh])
    if previous_version != version:
        shutil.copyfile(dump, root / f".{SNAPSHOT}")
        os.replace(root / f".{SNAPSHOT}", root / SNAPSHOT)
        marker.write_text(version)
    return patch


def activities(previous: set[str], current: set[str], removed, added, patch: Patch, base_url: str) -> list[dict]:
    """What a harvester re-fetching resources needs: every resource whose public triples
    changed, and the dataset with links to the patch."""
    found = []
    for reader, object_type in ((_subjects, "Object"), (_graphs, "Graph")):
        before, after = reader(previous), reader(current)
        for iri in sorted((reader(removed) | reader(added)) - {str(DATASET_IRI)}):
            kind = "Create" if iri not in before else ("Delete" if iri not in after else "Update")
            found.append(changes.activity(kind, iri, object_type))
    links = [{"id": f"{base_url}/patches/{name}", "type": "Link", "mediaType": "application/n-quads",
              "rel": "delete" if name == patch.delete_file else "add", "sha256": digest}
             for name, digest in patch.files().items()]  # fmt: skip
    found.append(changes.activity("Update", str(DATASET_IRI), "Dataset", summary=(
        f"version {patch.target}: {patch.removed} quads removed, {patch.added} added since {patch.source}"),
        previousVersion=patch.source, version=patch.target, attachment=links))  # fmt: skip
    return found
