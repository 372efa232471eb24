"""The store: where the graph lives and the only code that talks to an engine.

Owns the store interface (interface.py: typing Protocols for reading, writing and
what an implementation can do), its two implementations (embedded.py: pyoxigraph on
disk, one database per dataset version behind a `current` link; remote.py: any
SPARQL 1.1 engine over the Protocol, Update and the Graph Store Protocol), bulk
loading into engines (bulk_load.py), the visibility policy (visibility.py: which
graphs the public sees) and the snapshots of the public data the query workers read
(views.py). Blank-node skolemisation for engines is its business.

May import: critmin.rdf.namespaces, critmin.sparql.query_text, critmin.settings. Nothing above
it (services, web) may open a pyoxigraph Store or ask which implementation it holds.
"""

from critmin.store.embedded import (
    CURRENT_LINK,
    EmbeddedStore,
    GraphSummary,
    LiveStore,
    StoreBusyError,
    StoreMissingError,
    compacted_away,
    open_new_database,
    point_current_at,
    write_database,
)
from critmin.store.interface import Capabilities, LiveView, ReadableStore, WritableStore
from critmin.store.remote import RemoteError
from critmin.store.skolem import skolemised


def is_remote(location) -> bool:
    """Whether a location names an engine (a URL) rather than a folder."""
    from critmin.settings import is_url

    return is_url(location)


def open_live(location, *, writable: bool = False) -> LiveView:
    """The live view of a store folder (embedded) or an engine's URL (remote): the one
    place that decides which implementation a location gets."""
    from pathlib import Path

    if is_remote(location):
        from critmin.store.remote import RemoteLiveStore

        return RemoteLiveStore(str(location))
    return LiveStore(Path(location), writable=writable)


def open_store(location) -> ReadableStore:
    """The current store at a folder or URL, for one-off reads (the CLI, derived documents)."""
    return open_live(location).get()


__all__ = [
    "CURRENT_LINK",
    "Capabilities",
    "EmbeddedStore",
    "GraphSummary",
    "LiveStore",
    "LiveView",
    "ReadableStore",
    "RemoteError",
    "StoreBusyError",
    "StoreMissingError",
    "WritableStore",
    "compacted_away",
    "is_remote",
    "open_live",
    "open_new_database",
    "open_store",
    "point_current_at",
    "skolemised",
    "write_database",
]
