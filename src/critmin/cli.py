"""The `critmin` command line: build, summary, query, validate, export.

Each command is a thin wrapper over the plain modules, so that the HTTP layer can
call the same code. Errors name the problem and exit non-zero; output files are
written whole or not at all.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pyoxigraph as ox

from critmin import build, settings
from critmin.contributions import ContributionService, public_view
from critmin.rdf.input import RdfInputError, parse_file
from critmin.rdf.namespaces import PREFIXES
from critmin.sparql import queries, results
from critmin.sparql.query_text import RequestRejected
from critmin.sparql.syntax_errors import explain
from critmin.store import RemoteError, StoreBusyError, StoreMissingError, is_remote
from critmin.store.bulk_load import LoadError
from critmin.tokens import TokenRegistry

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
SUMMARY_QUERY = "cq01"


class CliError(Exception):
    """A problem to report on stderr, with exit status 2."""


def _store(args):
    """The store as the public sees it (staged and rejected contributions left out):
    the embedded store at a folder, or a remote SPARQL engine at a URL."""
    try:
        store = public_view(args.store).get()
        if store.dataset_version() is None:
            raise CliError(f"no critmin data at {args.store}; run `critmin build --store {args.store}`")
        return store
    except (StoreMissingError, RemoteError, httpx.HTTPError) as error:
        raise CliError(str(error)) from None


def write_output(data: bytes, output: Path | None) -> None:
    """Write to stdout, or to a file atomically (a temp file renamed into place)."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cmd_build(args) -> int:
    try:
        result = build.build(args.store, force=args.force, extra=args.extra, reasoner=args.reasoner,
                             validate=not args.no_validate)  # fmt: skip
    except LoadError as error:
        state = "critmin's graphs on the engine may be partly loaded" if error.partial else "nothing was changed"
        raise CliError(f"build failed: {error}\n({state}; fix the cause and build again)") from None
    except (build.BuildError, RdfInputError, RemoteError, httpx.HTTPError) as error:
        raise CliError(f"build failed, the previous store is untouched:\n{error}") from None
    state = "built" if result.changed else "up to date"
    print(f"store {state}: {result.store_path} (dataset version {result.version})")
    print(f"{len(result.graphs)} graphs, {sum(result.graphs.values())} triples")
    return EXIT_OK


def run_query(store, text: str):
    try:
        return store.query(text)
    except RequestRejected as error:
        raise CliError(str(error)) from None
    except SyntaxError as error:
        raise CliError(f"SPARQL syntax error at {explain(text, str(error), PREFIXES)}") from None
    except OSError as error:
        raise CliError(f"query failed: {error}") from None


def cmd_summary(args) -> int:
    store = _store(args)
    print(f"critmin store {store.location} (dataset version {store.dataset_version()})")
    summaries = store.graph_summaries()
    width = max(len(s.name) for s in summaries)
    for summary in summaries:
        print(f"  {summary.name.ljust(width)}  {summary.triples:>6} triples")
    print(f"  {'union (distinct)'.ljust(width)}  {len(store.union_triples(public=True)):>6} triples")
    path = queries.find(SUMMARY_QUERY)
    if path:
        canned = queries.load(path)
        print(f"\n{canned.title}\n{canned.question}\n")
        print(results.table(run_query(store, canned.text)))
    return EXIT_OK


def _query_text(args) -> str:
    if args.query is not None:
        return args.query
    if args.file is None:
        raise CliError("give a query file (or a canned query name such as cq01) or --query TEXT")
    path = queries.find(args.file)
    if path is None:
        raise CliError(f"no query file {args.file!r} (and no single canned query of that name)")
    return path.read_text(encoding="utf-8")


def _default_format(result) -> str:
    if sys.stdout.isatty() or isinstance(result, ox.QueryBoolean):
        return "table"
    return "turtle" if isinstance(result, ox.QueryTriples) else "csv"


def cmd_query(args) -> int:
    result = run_query(_store(args), _query_text(args))
    try:
        data = results.render(result, args.format or _default_format(result))
    except results.FormatError as error:
        raise CliError(str(error)) from None
    write_output(data, None)
    return EXIT_OK


def cmd_validate(args) -> int:
    """The same validation as POST /validate and POST /contributions."""
    try:
        live = public_view(args.store)
        live.get()
    except (StoreMissingError, RemoteError) as error:
        raise CliError(str(error)) from None
    triples = []
    for name in args.files:
        try:
            triples += [ox.Triple(q.subject, q.predicate, q.object) for q in parse_file(Path(name))]
        except RdfInputError as error:
            print(f"critmin: unreadable input: {error}", file=sys.stderr)
            return EXIT_ERROR
    report = ContributionService(live, settings.state_path_for(args.store)).validate(list(dict.fromkeys(triples)))
    rendered = {"text": report.to_text, "json": report.to_json, "turtle": report.to_turtle}[args.format]()
    print(rendered)
    return EXIT_OK if report.conforms else EXIT_VIOLATIONS


EXPORT_FORMATS = {
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "trig": (ox.RdfFormat.TRIG, True),
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
}


def cmd_export(args) -> int:
    store = _store(args)
    fmt, with_graphs = EXPORT_FORMATS[args.format]
    items = sorted(store.quads(public=True), key=str) if with_graphs else store.union_triples(public=True)
    write_output(ox.serialize(items, format=fmt), args.output)
    return EXIT_OK


def cmd_serve(args) -> int:
    import uvicorn

    from critmin.service_settings import ServiceSettings, SettingsError
    from critmin.web.app import create_app

    remote = is_remote(args.store)
    try:
        config = ServiceSettings.from_environment(
            store_path=None if remote else Path(args.store), store_url=args.store if remote else None,
            query_workers=args.workers, base_url=f"http://{args.host}:{args.port}",
        )  # fmt: skip
    except SettingsError as error:
        raise CliError(f"bad setting: {error}") from None
    if "base_url" in settings.environment().model_fields_set:  # the public URL wins over host:port
        config.base_url = settings.environment().base_url.rstrip("/")
    secure_tree(settings.state_path_for(args.store))
    try:
        app = create_app(config)
    except (StoreMissingError, StoreBusyError) as error:
        raise CliError(str(error)) from None
    # The event loop shares the GIL with the route threads: shorter turns keep /health
    # and cheap queries prompt while pages render (5 ms by default).
    sys.setswitchinterval(0.001)
    uvicorn.run(app, **uvicorn_options(args.host, args.port, args.log_level))
    return EXIT_OK


def uvicorn_options(host: str, port: int, log_level: str) -> dict:
    """How the service runs under uvicorn.

    `http="h11"`: uvicorn's default httptools parser drops the body of any request that
    carries `Upgrade:` (Java's HTTP client, and so Apache Jena, sends `Upgrade: h2c` by
    default): a Graph Store PUT then reached the handler empty and emptied the graph.
    h11 ignores an upgrade it does not perform and delivers the body intact.

    h11 bounds the request line and headers (16 KB by default, past which the client
    sees its connection closed); 64 KB admits the long GET queries of SPARQL clients
    (a VALUES list of a few hundred IRIs). Longer queries are POSTed.
    """
    return {"host": host, "port": port, "log_level": log_level, "proxy_headers": False, "http": "h11",
            "h11_max_incomplete_event_size": 64 * 1024}  # fmt: skip


def cmd_token(args) -> int:
    registry = TokenRegistry.for_location(args.store, settings.state_path_for(args.store))
    if args.action == "create":
        try:
            token = registry.create(args.name, args.role)
        except ValueError as error:
            raise CliError(str(error)) from None
        print(token)
        print(f"token for {args.name} ({args.role}); it is shown only now, keep it safe", file=sys.stderr)
        return EXIT_OK
    if not registry.revoke(args.name):
        raise CliError(f"no token named {args.name!r}")
    print(f"revoked {args.name}")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="critmin", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--store",
        default=settings.default_store_location(),
        help="store folder, or the URL of a SPARQL 1.1 engine (default: $CRITMIN_STORE or var/store)",
    )
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    sub = command("build", cmd_build, "(re)build the store from ontology/, shapes/ and data/")
    sub.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    sub.add_argument("--extra", type=Path, nargs="*", default=[], help="more RDF files to load (e.g. generated data)")
    sub.add_argument(
        "--reasoner",
        choices=["owlrl", "rules"],
        default="owlrl",
        help="owlrl (in memory, the default) or rules (SPARQL rules in the store, for large graphs)",
    )
    sub.add_argument("--no-validate", action="store_true", help="skip the SHACL gate (large generated data)")
    command("summary", cmd_summary, "show the store's graphs, triple counts and one competency answer")
    sub = command("query", cmd_query, "run a SPARQL query against the union of all graphs")
    sub.add_argument("file", nargs="?", help="a .rq file, or a canned query name such as cq01")
    sub.add_argument("--query", "-q", help="the query text itself")
    sub.add_argument("--format", "-f", choices=results.ALL_FORMATS, help="output format (default: table on a terminal)")
    sub = command("validate", cmd_validate, "validate RDF files against the shapes, in the graph's context")
    sub.add_argument("files", nargs="+", help="Turtle, N-Triples, N-Quads, TriG, RDF/XML or JSON-LD files")
    sub.add_argument("--format", "-f", choices=["text", "json", "turtle"], default="text")
    sub = command("serve", cmd_serve, "serve the SPARQL endpoint and the query editor over HTTP")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8000)
    sub.add_argument(
        "--workers",
        type=int,
        help="query worker processes (default: $CRITMIN_QUERY_WORKERS or one per core, at least 2)",
    )
    sub.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    sub = command("token", cmd_token, "create or revoke a bearer token for writes")
    sub.add_argument("action", choices=["create", "revoke"])
    sub.add_argument("name")
    sub.add_argument("--role", choices=["contributor", "curator"], default="contributor")
    sub = command("export", cmd_export, "dump what the public sees: its graphs (nquads, trig) or their union")
    sub.add_argument("--format", "-f", choices=sorted(EXPORT_FORMATS), default="nquads")
    sub.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    return root


PRIVATE_UMASK = 0o077  # state (tokens, quarantined bodies, reports, dumps, logs): 0600 files, 0700 folders


def secure_tree(folder: Path) -> None:
    """Tighten what an older version (or another umask) left readable by others."""
    for root, _folders, files in os.walk(folder):
        os.chmod(root, 0o700)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode & 0o700)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        os.umask(PRIVATE_UMASK)
        return args.handler(args)
    except CliError as error:
        print(f"critmin: error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except settings.SettingsError as error:  # read when first needed; named, never a traceback
        print(f"critmin: error: bad setting: {error}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
