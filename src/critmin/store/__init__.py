"""The store: where the graph lives and the only code that talks to an engine.

Owns the store interface (interface.py: typing Protocols for reading, writing and
what an implementation can do), its two implementations (embedded.py: pyoxigraph on
disk, one database per dataset version behind a `current` link; remote.py: any
SPARQL 1.1 engine over the Protocol, Update and the Graph Store Protocol), bulk
loading into engines (bulk_load.py), and the visibility policy (visibility.py: which
graphs the public sees). Blank-node skolemisation for engines is its business.

May import: critmin.namespaces, critmin.query_text, critmin.settings. Nothing above
it (services, web) may open a pyoxigraph Store or ask which implementation it holds.
"""

from critmin.store.embedded import (
    CURRENT_LINK,
    EmbeddedStore,
    GraphSummary,
    LiveStore,
    StoreBusyError,
    StoreMissingError,
    open_new_database,
    point_current_at,
    write_database,
)

__all__ = [
    "CURRENT_LINK",
    "EmbeddedStore",
    "GraphSummary",
    "LiveStore",
    "StoreBusyError",
    "StoreMissingError",
    "open_new_database",
    "point_current_at",
    "write_database",
]
