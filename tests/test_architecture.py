"""The architecture as ARCHITECTURE.md states it, checked on the source (issue 10):
the store seam is declared and kept, imports point one way, packages exist and say
what they own, modules stay small."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from critmin.store import EmbeddedStore, LiveStore, LiveView, ReadableStore, WritableStore
from critmin.store.remote import RemoteLiveStore, RemoteStore

PROJECT = Path(__file__).resolve().parents[1]
SOURCE = PROJECT / "src" / "critmin"
MODULES = sorted(p for p in SOURCE.rglob("*.py") if "__pycache__" not in p.parts)

# The executors are where a query meets its engine: the embedded one's worker opens
# the store folder, the remote one speaks to the engine's endpoint.
STORE_CLIENTS = {"sparql/worker.py": ("critmin.store.EmbeddedStore",),
                 "sparql/remote_executor.py": ("critmin.store.remote",)}  # fmt: skip
IMPLEMENTATIONS = ("critmin.store.embedded", "critmin.store.remote", "critmin.store.EmbeddedStore",
                   "critmin.store.LiveStore")  # fmt: skip


def name(path: Path) -> str:
    return str(path.relative_to(SOURCE))


def imported(path: Path) -> set[str]:
    """The critmin modules a module imports (at any depth)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("critmin"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("critmin"))
    return found


def test_both_stores_implement_the_declared_interface(store_path):
    embedded = EmbeddedStore.open(store_path)
    remote = RemoteStore("http://127.0.0.1:9/sparql")  # nothing is contacted to construct it
    for store in (embedded, remote):
        assert isinstance(store, ReadableStore) and isinstance(store, WritableStore), type(store)
    assert embedded.capabilities.folder == store_path and embedded.capabilities.blank_nodes_in_updates
    assert remote.capabilities.engine_url and not remote.capabilities.blank_nodes_in_updates
    for live in (LiveStore(store_path), RemoteLiveStore("http://127.0.0.1:9/sparql")):
        assert isinstance(live, LiveView), type(live)


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_only_the_store_package_opens_or_tests_a_store(path):
    """No pyoxigraph Store is opened and no store class is tested outside store/."""
    if name(path).startswith("store/"):
        return
    text = path.read_text()
    assert not re.search(r"\box\.Store\b|Store\.read_only|\.database\b|quads_for_pattern|bulk_extend", text), name(path)
    assert not re.search(r"isinstance\([^)]*(EmbeddedStore|RemoteStore|LiveStore)", text), name(path)
    allowed = STORE_CLIENTS.get(name(path), ())
    for module in imported(path):
        if module.startswith(IMPLEMENTATIONS) and not module.startswith(allowed):
            raise AssertionError(f"{name(path)} imports {module}: use critmin.store.open_live and the interface")


LAYERS = {  # package or module prefix -> what it must not import
    "rdf/": (
        "critmin.web",
        "critmin.contributions",
        "critmin.sparql",
        "critmin.store",
        "critmin.linked_data",
        "critmin.semantics",
        "critmin.build",
        "critmin.cli",
    ),
    "store/": (
        "critmin.web",
        "critmin.contributions",
        "critmin.sparql.service",
        "critmin.linked_data",
        "critmin.build",
        "critmin.cli",
    ),
    "semantics/": ("critmin.web", "critmin.contributions", "critmin.linked_data", "critmin.cli"),
    "sparql/": ("critmin.web", "critmin.contributions", "critmin.cli"),
    "linked_data/": ("critmin.web", "critmin.contributions", "critmin.cli"),
    "contributions/": ("critmin.web", "critmin.cli"),
    "search/": ("critmin.web", "critmin.cli", "critmin.contributions"),
    "lists/": ("critmin.web", "critmin.cli", "critmin.contributions"),
    "factsheets/": ("critmin.web", "critmin.cli", "critmin.contributions"),
    "spreadsheets/": ("critmin.web", "critmin.cli", "critmin.contributions"),
}


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_imports_point_one_way(path):
    """web -> services -> store/semantics/rdf: nothing below the web layer imports it."""
    modules = imported(path)
    if not name(path).startswith(("web/", "cli.py")):
        assert not any(m.startswith("critmin.web") for m in modules), f"{name(path)} imports the web layer"
    for prefix, forbidden in LAYERS.items():
        if name(path).startswith(prefix):
            wrong = sorted(m for m in modules if m.startswith(forbidden))
            assert not wrong, f"{name(path)} imports {wrong}"


def test_every_package_named_in_architecture_md_exists_and_says_what_it_owns():
    text = (PROJECT / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`([a-z_]+)/`", text))
    assert {"store", "contributions", "web", "search"} <= named
    for package in named:
        folder = SOURCE / package
        assert folder.is_dir(), f"ARCHITECTURE.md names {package}/, which does not exist"
        assert package == "templates" or (folder / "__init__.py").exists(), f"{package}/ is not a package"
    for init in SOURCE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc) > 80, f"{init.parent.name}/ has no docstring saying what it owns"
        assert init.parent.name in named, f"{init.parent.name}/ is not in ARCHITECTURE.md"


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_modules_stay_small(path):
    assert len(path.read_text().splitlines()) <= 400, f"{name(path)} is over 400 lines"


@pytest.mark.parametrize("path", MODULES, ids=name)
def test_long_functions_say_why(path):
    """No function over ~60 lines without a reason written beside it (the line above)."""
    lines = path.read_text().splitlines()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = lines[first - 2] if first >= 2 else ""
            assert above.startswith("# Over 60 lines"), f"{name(path)}:{node.lineno} {node.name} is long with no reason"
