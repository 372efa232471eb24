"""Derived documents, made when the data changes and served from disk.

The VoID/DCAT description, the dumps, the sitemap and the service description are
aggregates over the whole store: at a million triples they take tens of seconds.
They are made once per dataset version, in a background thread, and written to
`<state>/derived/<version>/` (the dumps to `<state>/dumps/<version>/`). A version is
complete when its `index.json` exists, written last; until a new version is complete
the previous one is served, with its own version in ETag and Last-Modified. After a
crash mid-way, the next start serves the last complete version and makes the new one.

A request never triggers the work: `refresh()` is called after each write, at start,
and by a periodic check that notices a rebuild done by another process.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import rdflib

from critmin import metrics, summary
from critmin.linked_data import describe as linked_data
from critmin.linked_data import dumps, patches, void
from critmin.linked_data.dcat_ap import CatalogSettings
from critmin.rdf.namespaces import to_jsonld
from critmin.search import collect as search_collect
from critmin.templating import render

log = logging.getLogger("critmin.linked_data.derived")
RDF_FORMATS = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@dataclass(frozen=True)
class Derived:
    """One complete set of derived documents."""

    version: str
    made: str  # ISO 8601 UTC: when they were made
    modified: str | None  # the data's own modification time
    seconds: float  # how long making them took
    folder: Path
    dumps: list[dumps.Dump] = field(default_factory=list)
    summary: dict = field(default_factory=dict)  # summary.summarize: release, version, counts
    search_format: int = 0  # the layout of search.json (an older one is remade)

    def void_file(self, key: str) -> Path:
        return self.folder / f"void.{key}"

    def service_file(self, key: str) -> Path:
        return self.folder / f"service.{key}"

    @property
    def sitemap_file(self) -> Path:
        return self.folder / "sitemap.xml"

    @property
    def dataset_page(self) -> Path:
        return self.folder / "dataset.html"

    @property
    def search_file(self) -> Path:
        return self.folder / "search.json"


def _write_atomic(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)


def sitemap(base_url: str, iris: list[str], modified: str | None) -> bytes:
    lastmod = f"<lastmod>{modified[:10]}</lastmod>" if modified else ""
    urls = [f"{base_url}/", f"{base_url}/ontology", f"{base_url}/shapes"]
    urls += [f"{base_url}{linked_data.local_path(iri)}" for iri in iris]
    entries = "".join(f"<url><loc>{escape(u)}</loc>{lastmod}</url>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    ).encode()


@dataclass(frozen=True)
class Recipe:
    """Everything a child process needs to make the documents of one store (picklable)."""

    location: str  # a store folder or an engine's URL
    state_path: str
    base_url: str
    public_graphs: tuple[str, ...] | None
    federation: bool
    catalog: CatalogSettings = field(default_factory=CatalogSettings)


def _open(recipe: Recipe):
    from critmin.store import open_store

    store = open_store(recipe.location)
    public = recipe.public_graphs
    store.visible_graphs = (lambda: public) if public is not None else None
    return store


def _service_description(store, recipe: Recipe) -> rdflib.Graph:
    from critmin.sparql.service_description import describe_service

    return describe_service(f"{recipe.base_url}/sparql", store.graph_summaries(), void.count_union_triples(store),
                            federation=recipe.federation, version=store.dataset_version())  # fmt: skip


def make_documents(recipe: Recipe) -> Derived:
    """Make the derived documents of the store's current version (in a child process)."""
    started = time.monotonic()
    store = _open(recipe)
    version = store.dataset_version()
    if version is None:
        raise RuntimeError("the store has no version: a rebuild is under way; nothing is published from it")
    state_path = Path(recipe.state_path)
    folder = state_path / "derived" / version
    folder.mkdir(parents=True, exist_ok=True)
    modified = store.modified()
    release = dumps.ensure_dumps(store, state_path)
    nquads = next(d for d in release if d.kind == "nquads")
    patches.make_patch(state_path, version, dumps.find_dump(state_path, nquads.file_name), recipe.base_url)
    facts = summary.summarize(store, void.count_union_triples(store), modified)
    void_graph = void.describe_dataset(store, recipe.base_url, release, modified, facts["release"], recipe.catalog,
                                       facts.get("issued"))  # fmt: skip
    graphs = {"void": void_graph,
              "service": _service_description(store, recipe)}  # fmt: skip
    for name, graph in graphs.items():
        for key, fmt in RDF_FORMATS.items():
            data = to_jsonld(graph) if key == "jsonld" else graph.serialize(format=fmt, encoding="utf-8")
            _write_atomic(folder / f"{name}.{key}", data)
    _write_atomic(folder / "sitemap.xml", sitemap(recipe.base_url, linked_data.subject_iris(store), modified))
    records, classes = search_collect.collect(store)
    _write_atomic(folder / "search.json", json.dumps(search_collect.to_document(version, records, classes)).encode())
    page = render("dataset.html", title="Dataset", summary=facts, dumps=release, base_url=recipe.base_url,
                  citation=summary.citation(facts, recipe.base_url))  # fmt: skip
    _write_atomic(folder / "dataset.html", page.encode())
    made = datetime.now(UTC).isoformat(timespec="seconds")
    derived = Derived(version, made, modified, round(time.monotonic() - started, 3), folder, release, facts,
                      search_collect.INDEX_FORMAT)  # fmt: skip
    entry = {k: v for k, v in asdict(derived).items() if k != "folder"}
    _write_atomic(folder / "index.json", json.dumps(entry, indent=1).encode())
    return derived


def _child(recipe: Recipe, connection) -> None:
    try:
        derived = make_documents(recipe)
        connection.send(("ok", derived.version))
    except BaseException as error:  # reported to the service, which keeps serving the last good version
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


class DerivedDocuments:
    """The current derived documents of a live store, and the thread that has a child
    process make new ones (a process: their aggregates and serialisations hold the GIL
    for long stretches, which in a thread stalled /health by hundreds of ms)."""

    def __init__(self, live, state_path: Path, base_url: str, *, public_graphs=None, federation: bool = False,
                 catalog: CatalogSettings | None = None):  # fmt: skip
        self.live = live
        self.state_path = state_path
        self.base_url = base_url
        self.public_graphs = public_graphs or (lambda: None)
        self.federation = federation
        self.catalog = catalog or CatalogSettings.from_environment()
        self.root = state_path / "derived"
        self._current: Derived | None = self._load_latest()
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None
        self.live_version: str | None = None  # the store's version, as last seen
        self.last_error: str | None = None

    # --- reading --------------------------------------------------------------------

    def current(self) -> Derived | None:
        return self._current

    def _load_latest(self) -> Derived | None:
        if not self.root.is_dir():
            return None
        indexes = sorted(self.root.glob("*/index.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for index in indexes:
            try:
                entry = json.loads(index.read_text())
                if entry.get("search_format") != search_collect.INDEX_FORMAT:
                    continue  # made by an older release (another search index, or none): remade
                return Derived(**{**entry, "folder": index.parent, "dumps": [dumps.Dump(**d) for d in entry["dumps"]]})
            except (OSError, ValueError, TypeError, KeyError):
                continue
        return None

    def status(self) -> dict:
        """What /health reports; from memory only."""
        current = self._current
        age = None
        if current is not None:
            age = round((datetime.now(UTC) - datetime.fromisoformat(current.made)).total_seconds(), 1)
        return {
            "version": current.version if current else None,
            "current": current is not None and current.version == self.live_version,
            "generating": self._running is not None and self._running.is_alive(),
            "age_seconds": age,
            "last_error": self.last_error,
        }

    # --- making ---------------------------------------------------------------------

    def refresh(self, *, wait: bool = False) -> None:
        """Make the documents of the store's current version in the background, unless
        they exist or are being made. Cheap when nothing changed."""
        store = self.live.get()
        version = store.dataset_version()
        if version is None:  # a rebuild under way on an engine (the version is written last): nothing to make
            return
        self.live_version = version
        with self._lock:
            if self._current is not None and self._current.version == version:
                return
            if self._running is not None and self._running.is_alive():
                thread = self._running  # it re-checks the version when it finishes
            else:
                thread = threading.Thread(target=self._make_until_current, name="critmin-derived", daemon=True)
                self._running = thread
                thread.start()
        if wait:
            thread.join()

    def _make_until_current(self) -> None:
        while True:
            store = self.live.get()
            version = store.dataset_version()
            if version is None or (self._current is not None and self._current.version == version):
                return
            location = str(getattr(store, "url", None) or self.live.store_path)
            recipe = Recipe(location, str(self.state_path), self.base_url, self.public_graphs(), self.federation,
                            self.catalog)  # fmt: skip
            outcome = self._in_child(recipe)
            if outcome[0] != "ok":
                self.last_error = outcome[1]
                log.error("making the derived documents of %s failed: %s", version, outcome[1])
                return
            latest = self._load_latest()
            if latest is None or latest.version != outcome[1]:
                self.last_error = f"the documents of {outcome[1]} were not found after they were made"
                return
            self._current, self.last_error = latest, None
            metrics.DERIVED_SECONDS.set(latest.seconds)
            metrics.DATASET.info({"version": latest.version})
            log.info("derived documents of %s made in %.2f s", latest.version, latest.seconds)
            self._prune()

    @staticmethod
    def _in_child(recipe: Recipe) -> tuple[str, str]:
        from critmin.sparql.pool import worker_context

        context = worker_context()
        parent, child = context.Pipe()
        process = context.Process(target=_child, args=(recipe, child), daemon=True, name="critmin-derived")
        process.start()
        child.close()
        try:
            outcome = parent.recv()
        except EOFError:
            outcome = ("error", f"the process making the documents died (exit {process.exitcode})")
        process.join()
        parent.close()
        return outcome

    def _prune(self, keep: int = 3) -> None:
        """Keep the newest few complete sets (the dumps have their own retention)."""
        folders = sorted((p for p in self.root.iterdir() if (p / "index.json").is_file()),
                         key=lambda p: (p / "index.json").stat().st_mtime_ns, reverse=True)  # fmt: skip
        for folder in folders[keep:]:
            shutil.rmtree(folder, ignore_errors=True)
