"""Release dumps: gzip N-Quads (all graphs), gzip N-Triples and Turtle (the union).

Each dataset version is a release; its dumps are written once into the store
folder, named after the version, and never change (so they can be served with
`Cache-Control: immutable`), each with a `.sha256` file. Their triple counts are
those the endpoint reports for the same graph.

The dataset version moves only when public data changes (a staged contribution
does not make a release). Old releases are pruned: the newest
CRITMIN_DUMP_RETENTION (default 5) are kept, and every release whose folder holds
a file named KEEP (a tagged release: `touch dumps/<version>/KEEP`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

import pyoxigraph as ox

from critmin import settings
from critmin.store import ReadableStore, skolemised


@dataclass(frozen=True)
class Dump:
    kind: str  # nquads, ntriples, turtle
    file_name: str
    media_type: str
    compression: str | None  # a media type, e.g. application/gzip
    byte_size: int
    sha256: str
    triples: int
    description: str


KINDS = {
    "nquads": ("nq.gz", "application/n-quads", "application/gzip", "every public named graph, as N-Quads"),
    "ntriples": ("nt.gz", "application/n-triples", "application/gzip", "the public union graph, as N-Triples"),
    "turtle": ("ttl", "text/turtle", None, "the public union graph, as Turtle"),
}
_lock = threading.Lock()


def release_folder(store_path: Path, version: str) -> Path:
    return store_path / "dumps" / version


def _write(path: Path, data: bytes, compress: bool) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as stream:
        if compress:
            with gzip.GzipFile(fileobj=stream, mode="wb", mtime=0) as zipped:
                zipped.write(data)
        else:
            stream.write(data)
    os.replace(temporary, path)


def ensure_dumps(store: ReadableStore, store_path: Path) -> list[Dump]:
    """The release's dumps, writing them first if this version has none yet."""
    version = store.dataset_version() or "unversioned"
    folder = release_folder(store_path, version)
    index = folder / "index.json"
    with _lock:
        if index.exists():
            return [Dump(**entry) for entry in json.loads(index.read_text())]
        folder.mkdir(parents=True, exist_ok=True)
        # What the public sees (no staged data, no records), blank nodes as skolem IRIs: the
        # patches between versions name them, so they must be the same terms here.
        quads = sorted(skolemised(store.quads(public=True)), key=str)
        if moved_on(store, version):
            raise RuntimeError(f"the store moved on from {version} while its dump was read; nothing is published")
        union = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
        dumps = []
        for kind, (suffix, media_type, compression, description) in KINDS.items():
            if kind == "nquads":
                data, count = ox.serialize(quads, format=ox.RdfFormat.N_QUADS), len(quads)
            else:
                fmt = ox.RdfFormat.N_TRIPLES if kind == "ntriples" else ox.RdfFormat.TURTLE
                data, count = ox.serialize(union, format=fmt), len(union)
            name = f"critmin-{version}.{suffix}"
            _write(folder / name, data, compression is not None)
            payload = (folder / name).read_bytes()
            digest = hashlib.sha256(payload).hexdigest()
            (folder / f"{name}.sha256").write_text(f"{digest}  {name}\n")
            dumps.append(Dump(kind, name, media_type, compression, len(payload), digest, count, description))
        _write(index, json.dumps([asdict(d) for d in dumps], indent=1).encode(), False)
        prune_releases(store_path, retention())
        return dumps


def moved_on(store: ReadableStore, version: str) -> bool:
    """Whether the store's version changed while it was read. On an engine a rebuild
    replaces the graphs in place, one by one, and writes the new version last: a dump
    read across it would mix two versions under the old one's name (the replay test on
    the Oxigraph server caught a harvester and the dump disagreeing after a rebuild)."""
    store.forget_cached()  # ask the store, not what it remembered
    return (store.dataset_version() or "unversioned") != version


def retention() -> int:
    return settings.environment().dump_retention


def prune_releases(store_path: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` complete releases, sparing tagged ones (KEEP);
    returns the versions removed."""
    root = store_path / "dumps"
    releases = sorted(
        (p for p in root.iterdir() if (p / "index.json").is_file()),
        key=lambda p: (p / "index.json").stat().st_mtime_ns,
        reverse=True,
    )
    removed = []
    for folder in releases[max(keep, 1) :]:
        if (folder / "KEEP").exists():
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


def find_dump(store_path: Path, file_name: str) -> Path | None:
    """A dump file (or its .sha256) of any release, by name."""
    if "/" in file_name or not file_name.startswith("critmin-"):
        return None
    version = file_name.removeprefix("critmin-").split(".", 1)[0]
    path = release_folder(store_path, version) / file_name
    return path if path.is_file() else None
