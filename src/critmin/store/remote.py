"""The store seam's second implementation: an existing SPARQL 1.1 engine over HTTP.

Virtuoso, the Oxigraph server, Fuseki, GraphDB... are reached with the standard
protocols only: queries by form POST (Virtuoso hangs on direct POST) with an
explicit Accept (Virtuoso answers HTML without one), updates by the SPARQL 1.1
Update protocol, with credentials from the environment. Answers are parsed into the
same pyoxigraph result objects the embedded store returns, so every module above
the seam (linked-data views, VoID, contributions, the CLI) works unchanged.

Configuration (environment): CRITMIN_REMOTE_UPDATE_URL (default: the query URL),
CRITMIN_REMOTE_USER / CRITMIN_REMOTE_PASSWORD (HTTP digest or basic auth for
updates), CRITMIN_REMOTE_TIMEOUT (seconds, default 60).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox

from critmin import settings
from critmin.rdf.namespaces import CONTRIBUTED_PREFIX, DATASET_IRI, META_GRAPH, PREFIXES, SD_NAMED_GRAPH, SKOLEM_BASE
from critmin.sparql import query_text
from critmin.store import visibility
from critmin.store.bulk_load import LoadError, UpdateLoader, loader_from_environment, update_batch
from critmin.store.embedded import MODIFIED_QUERY, VERSION_QUERY, GraphSummary, service_allowlist
from critmin.store.interface import Capabilities
from critmin.store.skolem import skolemised, unskolem

FORM = "application/x-www-form-urlencoded"
ENGINE_CUT = "x-sparql-maxrows"  # Virtuoso's header on a SELECT its own ResultSetMaxRows cut


class RemoteError(OSError):
    """The engine refused or failed a request; `status` is what the service answers."""

    def __init__(self, message: str, status: int = 502):
        super().__init__(message)
        self.status = status


class RemoteTriples:
    """A CONSTRUCT/DESCRIBE answer, iterable like pyoxigraph's QueryTriples."""

    def __init__(self, triples: list[ox.Triple]):
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def serialize(self, output=None, format=ox.RdfFormat.TURTLE):
        return ox.serialize(self._triples, output, format)


@dataclass(frozen=True)
class Endpoint:
    query_url: str
    update_url: str
    auth: httpx.Auth | None
    timeout: float

    @classmethod
    def from_environment(cls, url: str) -> Endpoint:
        env = settings.environment()
        user, password = env.remote_user, env.remote_password
        auth = httpx.DigestAuth(user, password) if user and password else None
        return cls(query_url=url, update_url=env.remote_update_url or url, auth=auth, timeout=env.remote_timeout)


def translate(response: httpx.Response) -> None:
    """Engine errors as our status codes (400 for the query's fault, 503 for refusals)."""
    if response.status_code < 400:
        return
    text = response.text.strip()[:2000]
    lowered = text.lower()
    if "timeout" in lowered or "estimated execution time" in lowered or "exceeds the limit" in lowered:
        raise RemoteError(f"the engine refused or stopped the query as too expensive: {text}", 503)
    if response.status_code == 400 or "syntax" in lowered or "sp030" in lowered:
        raise SyntaxError(f"the engine reports: {text}")
    raise RemoteError(f"the engine answered {response.status_code}: {text}", 502)


def whole(response: httpx.Response) -> None:
    """`translate`, and refuse an answer the engine cut at its own row cap: critmin's own
    reads (indexes, derived documents) must be whole."""
    translate(response)
    if ENGINE_CUT in response.headers:
        raise RemoteError(f"the engine cut the answer at {response.headers[ENGINE_CUT]} rows (Virtuoso: raise "
                          "ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)")  # fmt: skip


class RemoteStore:
    """A critmin store kept in a remote SPARQL 1.1 engine."""

    writable = True

    def __init__(self, url: str, endpoint: Endpoint | None = None):
        self.endpoint = endpoint or Endpoint.from_environment(url)
        self.location = Path(url.replace("://", "_").replace("/", "_"))
        self.url = url
        # Engines differ on blank nodes in updates (Virtuoso refuses them): see `storable`.
        self.capabilities = Capabilities(blank_nodes_in_updates=False, engine_url=url)
        self.visible_graphs: Callable[[], tuple[str, ...]] | None = None
        self._client = httpx.Client(timeout=self.endpoint.timeout)
        self._cached: dict[str, object] = {}
        self._lock = threading.Lock()
        self._epoch = 0  # moved on by forget_cached: see _remember

    def _post(self, url: str, form: list[tuple[str, str]], accept: str, *, auth=None, timeout=None) -> httpx.Response:
        """A form POST (what every engine takes; Virtuoso hangs on direct POST) with an explicit Accept."""
        headers = {"Accept": accept, "Content-Type": FORM}
        return self._client.post(url, content=urlencode(form), headers=headers, auth=auth,
                                 timeout=timeout or self.endpoint.timeout)  # fmt: skip

    # --- reads -----------------------------------------------------------------------

    def query(self, sparql: str, *, default_graphs: Iterable[str] | None = None,
              named_graphs: Iterable[str] | None = None, timeout: float | None = None):  # fmt: skip
        """Evaluate SPARQL on the engine; without an explicit dataset, the visible graphs."""
        info = query_text.inspect_query(sparql)
        query_text.check_services(info, service_allowlist())
        defaults, named = tuple(default_graphs or ()), tuple(named_graphs or ())
        public = self.visible_graphs() if self.visible_graphs and not (defaults or named) else None
        text, defaults, named = self.prepare(sparql, info, defaults, named, public)
        form = [("query", text)]
        form += [("default-graph-uri", g) for g in defaults]
        form += [("named-graph-uri", g) for g in named]
        accept = "application/n-triples" if info.returns_graph else "application/sparql-results+json"
        response = self._post(self.endpoint.query_url, form, accept, timeout=timeout)
        whole(response)
        if info.returns_graph:
            return parse_graph_answer(response.content)
        return parse_solutions_answer(response.content)

    def prepare(
        self,
        text: str,
        info: query_text.QueryInfo,
        defaults: Sequence[str],
        named: Sequence[str],
        public: Sequence[str] | None,
        base: str | None = None,
    ) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """The text and dataset sent with a query (here and by the /sparql executor). The
        dataset travels as protocol parameters only: the query's own FROM and FROM NAMED
        are taken out of its text and, where the request names no dataset, stand for it
        (restricted to the public graphs), as the protocol has a query's dataset give way
        to the parameters' and Virtuoso instead adds the two together. A GRAPH pattern
        naming a graph outside the dataset names the empty graph, listed
        (`query_text.outside_graphs_emptied`: Virtuoso's answers were wrong)."""
        text = query_text.with_default_prefixes(text, PREFIXES)
        if info.names_dataset:  # (/sparql's service has taken them out already: sparql/service.query_dataset)
            clauses = query_text.dataset_clauses(text, base)
            if not (defaults or named) and (clauses.defaults or clauses.named):
                defaults = visibility.restrict(clauses.defaults, public)
                named = visibility.restrict(clauses.named, public)
            text = clauses.text
        defaults, named = self.dataset_for(info, defaults, named, public)
        if info.reads_named_graphs:
            text, emptied = query_text.outside_graphs_emptied(text, named, visibility.EMPTY_GRAPH, base)
            named = (*named, visibility.EMPTY_GRAPH) if emptied else named
        return text, defaults, named

    def dataset_for(self, info: query_text.QueryInfo, defaults: Sequence[str], named: Sequence[str],
                    public: Sequence[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:  # fmt: skip
        """The dataset: the one the request names, else the public graphs; never empty,
        since the engine's own default dataset holds graphs of its own (Virtuoso's system
        graphs): critmin's are named. Named graphs only for a query that can read them
        (GRAPH): listing ~50 cost Virtuoso ~2 ms a query (bench/README.md). Named graphs
        alone come with the empty graph as default graph, as SPARQL has it (Virtuoso would
        take all it holds). Never dropped with an empty default graph, which would leave
        an empty dataset."""
        defaults, named = visibility.dataset(defaults, named, public)
        if not defaults and not named:
            defaults = named = tuple(self.graph_names())
        if not defaults:
            defaults = (visibility.EMPTY_GRAPH,)
        if not info.reads_named_graphs:
            named = ()
        return defaults, named

    def graph_names(self) -> list[str]:
        """The graphs critmin put there: those the build lists, and contributions.
        (An engine holds graphs of its own, e.g. Virtuoso's system graphs.) Cached until
        the next write: finding them scans the engine."""
        return self._remember("graph_names", self._find_graph_names)

    def _find_graph_names(self) -> list[str]:
        listed = self._raw_select(
            f"SELECT DISTINCT ?g WHERE {{ {{ GRAPH <{META_GRAPH}> {{ <{DATASET_IRI}> <{SD_NAMED_GRAPH}> ?g }} }}"
            f' UNION {{ GRAPH ?g {{ ?s ?p ?o }} FILTER STRSTARTS(STR(?g), "{CONTRIBUTED_PREFIX}") }} }}'
        )
        return sorted({str(META_GRAPH), *(row["g"].value for row in listed)})

    def _remember(self, key: str, find: Callable[[], object]):
        """`find()`, cached until `forget_cached`. An answer whose request began before a
        forget is returned but not kept: a list of graphs read while a rebuild was
        half-way (the records graph not loaded yet) would otherwise outlive the rebuild."""
        if key in self._cached:
            return self._cached[key]
        epoch = self._epoch
        value = find()
        with self._lock:
            if epoch == self._epoch:
                self._cached[key] = value
        return value

    def _raw_select(self, sparql: str):
        """A query with the engine's own default dataset (all its graphs)."""
        response = self._post(self.endpoint.query_url, [("query", sparql)], "application/sparql-results+json")
        whole(response)
        return ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)

    def named_graphs(self) -> list[str]:
        return self.graph_names()

    def graph_quads(self, graph: str) -> list[ox.Quad]:
        """Every triple of `graph`, checked against the engine's own count.

        Why the check: an engine may cut a result without saying so. Virtuoso as
        packaged (`ResultSetMaxRows = 10000`) answers a CONSTRUCT of a 15,000-triple
        graph with 10,001 triples and no sign of the cut (tests/test_engine_caps.py):
        the dumps, the patches and the change feed made from it would be wrong. A graph
        read short (or written between the two requests) stops the reader with the
        reason; nothing is published from it, and the next refresh tries again."""
        name = ox.NamedNode(graph)
        triples = list(self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                                  default_graphs=["urn:critmin:empty"], named_graphs=[graph]))  # fmt: skip
        expected = self.count(graph)
        if len(triples) != expected:
            raise RemoteError(
                f"the engine returned {len(triples):,} of the {expected:,} triples of <{graph}>: it cuts results "
                "(Virtuoso: raise ResultSetMaxRows in the [SPARQL] section of virtuoso.ini above the largest graph), "
                "or the graph was written while it was read"
            )
        return [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples]

    def graph_summaries(self) -> list[GraphSummary]:
        # Counted by the engine: reading every graph to count it read the whole dataset
        # (1.3M quads at the 1M benchmark, past the engine timeout on Virtuoso).
        return [GraphSummary(g, self.count(g)) for g in self.graph_names()]

    def dataset_version(self) -> str | None:
        return self._remember("version", self._find_version)

    def _find_version(self) -> str | None:
        rows = list(self.query(VERSION_QUERY, default_graphs=["urn:critmin:empty"], named_graphs=[str(META_GRAPH)]))
        return rows[0]["version"].value if rows else None

    def modified(self) -> str | None:
        rows = list(self.query(MODIFIED_QUERY, default_graphs=["urn:critmin:empty"], named_graphs=[str(META_GRAPH)]))
        return max(r["m"].value for r in rows) if rows else None

    def quads(self, *, public: bool = False) -> Iterator[ox.Quad]:
        visible = self.visible_graphs() if public and self.visible_graphs is not None else None
        for graph in visible if visible is not None else self.graph_names():
            yield from self.graph_quads(graph)

    def union_triples(self, *, public: bool = False) -> list[ox.Triple]:
        return sorted({ox.Triple(q.subject, q.predicate, q.object) for q in self.quads(public=public)}, key=str)

    def forget_cached(self) -> None:
        with self._lock:
            self._epoch += 1
            self._cached.clear()

    # --- writes ----------------------------------------------------------------------

    def storable(self, quads: Iterable[ox.Quad]) -> list[ox.Quad]:
        """Quads as an INSERT DATA for this engine must carry them: blank nodes as skolem
        IRIs (read back as blank nodes by every query of this class)."""
        return list(skolemised(quads))

    def update(self, sparql: str) -> None:
        self.forget_cached()
        response = self._post(self.endpoint.update_url, [("update", sparql)], "*/*", auth=self.endpoint.auth)
        translate(response)

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        """INSERT DATA in batches (each one a transaction on the engine)."""
        UpdateLoader(self._insert, update_batch()).load(skolemised(quads))

    def _insert(self, quads: list[ox.Quad]) -> None:
        body = " ".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
        self.update(f"INSERT DATA {{ {body} }}")

    def replace_everything(self, quads: Iterable[ox.Quad]) -> int:
        """Drop critmin's graphs on the engine and load `quads` with the operator's bulk
        loader (see critmin.store.bulk_load); returns the number of quads loaded."""
        loader = loader_from_environment(self._insert, self.endpoint.auth, self.endpoint.timeout)
        for graph in self.graph_names():
            self.update(f"DROP SILENT GRAPH <{graph}>")
        try:
            return loader.load(skolemised(quads))
        except LoadError as error:
            error.partial = True
            raise
        finally:
            self.forget_cached()

    def count(self, graph: str) -> int:
        rows = self._raw_select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(rows))["n"].value)


def parse_graph_answer(content: bytes) -> RemoteTriples:
    return RemoteTriples([
        ox.Triple(unskolem(q.subject), q.predicate, unskolem(q.object))
        for q in ox.parse(content, ox.RdfFormat.N_TRIPLES)
    ])  # fmt: skip


def parse_solutions_answer(content: bytes):
    """SPARQL JSON results, with our skolem IRIs turned back into blank nodes."""
    if SKOLEM_BASE.encode() in content:
        document = json.loads(content)
        for binding in document.get("results", {}).get("bindings", []):
            for value in binding.values():
                if value.get("type") == "uri" and value["value"].startswith(SKOLEM_BASE):
                    value.update(type="bnode", value=value["value"][len(SKOLEM_BASE) :])
        content = json.dumps(document).encode()
    return ox.parse_query_results(content, ox.QueryResultsFormat.JSON)


class RemoteLiveStore:
    """The LiveStore interface for a remote engine: one store, a write counter as generation."""

    def __init__(self, url: str):
        self.store = RemoteStore(url)
        self.store_path = None
        self.visible_graphs: Callable[[], tuple[str, ...]] | None = None
        self._writes = 0
        self._watching = False
        self._closed = threading.Event()
        self.listeners: list[Callable[[], None]] = []  # told after every write

    def get(self) -> RemoteStore:
        return self.store

    @property
    def generation(self) -> str:
        return f"{self.store.url}#{self._writes}"

    def show_only(self, visible_graphs: Callable[[], tuple[str, ...]]) -> None:
        self.visible_graphs = visible_graphs
        self.store.visible_graphs = visible_graphs

    def changed(self) -> None:
        # Forget first: a reader of the new generation must not find the old answers.
        self.store.forget_cached()
        self._writes += 1

    def notify(self) -> None:
        """Tell the listeners that a write unit is complete."""
        for listener in self.listeners:
            listener()

    def watch(self, interval: float) -> None:
        """Follow writes made through other replicas over the same engine: poll its dataset
        version every `interval` s, and when it moves, refresh what this process derived
        from the old one (visibility, derived documents, the feed). No version (the
        metadata graph absent) is a rebuild under way, which replaces the graphs in place
        one by one: nothing is refreshed until the new version is written, last."""
        if self._watching:
            return
        self._watching = True

        def version() -> str | None:
            try:
                self.store.forget_cached()
                return self.store.dataset_version()
            except (RemoteError, httpx.HTTPError):
                return None  # the engine is away: try again at the next tick

        def follow() -> None:
            seen = version()  # what the process started from (read here, not at start-up)
            while not self._closed.wait(interval):
                now = version()
                if now is not None and now != seen:
                    self.changed()
                    self.notify()
                    seen = now

        threading.Thread(target=follow, name="critmin-engine-watch", daemon=True).start()

    def close(self) -> None:
        """Stop following the engine."""
        self._closed.set()


is_remote = settings.is_url
