"""Untrusted bodies are parsed where a crash costs nothing: a short-lived child process.

Uploads (`/validate`, `/contributions`, `/store`) come from the network. pyoxigraph's
parsers are native code: a body that overflows their stack kills the process that
runs them (a segfault cannot be caught). So the body goes to a child process, run
under `resource.setrlimit` (address space and CPU time) and a wall-clock deadline,
behind a cap on how many run at once. The child applies the nesting checks and the
quad limit of critmin.rdf.parse_guard and hands back flat N-Quads, which the service
re-reads with a line-based parser that has no nesting to overflow.

A child that dies (signal), runs out of time or memory is that request's error
(400, or 503 when the service is busy), never the service's death.

The child imports only pyoxigraph and critmin.rdf.parse_guard: it starts in ~40 ms.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from dataclasses import dataclass

import pyoxigraph as ox

from critmin import settings
from critmin.rdf.parse_guard import RdfInputError, TooManyQuads, parse_bounded

EXIT_SYNTAX, EXIT_TOO_MANY = 3, 4


class ParserBusy(Exception):
    """Every parsing slot stayed taken for the whole wait: answer 503."""


@dataclass(frozen=True)
class SandboxLimits:
    timeout: float = 30.0  # wall-clock seconds for one parse
    memory_bytes: int = 2 << 30  # address space of the child
    concurrent: int = 2  # parses at once, for the whole service
    wait: float = 10.0  # how long a request waits for a slot before 503

    @classmethod
    def from_environment(cls) -> SandboxLimits:
        number = settings.env_number
        return cls(
            timeout=number("CRITMIN_PARSE_TIMEOUT", cls.timeout),
            memory_bytes=int(number("CRITMIN_PARSE_MEMORY_MB", cls.memory_bytes >> 20)) << 20,
            concurrent=int(number("CRITMIN_PARSE_CONCURRENCY", cls.concurrent)),
        )


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _semaphore(size: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


def parse_untrusted(
    data: bytes,
    fmt: ox.RdfFormat,
    *,
    source: str = "<input>",
    base_iri: str | None = None,
    max_quads: int | None = None,
    limits: SandboxLimits | None = None,
) -> list[ox.Quad]:
    """The quads of `data`, parsed in a sandboxed child. Raises RdfInputError (bad or
    pathological input: 400), TooManyQuads (413) or ParserBusy (503)."""
    limits = limits or SandboxLimits.from_environment()
    slots = _semaphore(limits.concurrent)
    if not slots.acquire(timeout=limits.wait):
        raise ParserBusy(f"{limits.concurrent} uploads are being parsed; try again shortly")
    try:
        return _run_child(data, fmt, source, base_iri, max_quads, limits)
    finally:
        slots.release()


def _run_child(data, fmt, source, base_iri, max_quads, limits: SandboxLimits) -> list[ox.Quad]:
    command = [sys.executable, "-I", "-m", "critmin.rdf.untrusted", fmt.media_type, source, base_iri or "",
               str(max_quads if max_quads is not None else -1)]  # fmt: skip

    def confine() -> None:  # runs in the child before exec
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
        cpu = max(1, int(limits.timeout) + 1)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    env = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p), "PATH": os.environ.get("PATH", "")}
    if "CRITMIN_PARSE_MAX_DEPTH" in os.environ:
        env["CRITMIN_PARSE_MAX_DEPTH"] = os.environ["CRITMIN_PARSE_MAX_DEPTH"]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=limits.timeout,
                              preexec_fn=confine, env=env, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise RdfInputError(
            f"parsing took longer than {limits.timeout:g} s; the body was not accepted", source
        ) from None
    if done.returncode == 0:
        return list(ox.parse(done.stdout, ox.RdfFormat.N_QUADS))
    if done.returncode == EXIT_SYNTAX:
        raise RdfInputError(**json.loads(done.stderr))
    if done.returncode == EXIT_TOO_MANY:
        raise TooManyQuads(max_quads or 0)
    if b"MemoryError" in done.stderr or done.returncode == -9:
        raise RdfInputError(f"the parser ran out of memory (its limit is {limits.memory_bytes >> 20} MB) on this "
                            "body; it was not accepted", source)  # fmt: skip
    if done.returncode < 0:
        raise RdfInputError(f"the parser crashed on this body (signal {-done.returncode}); it was not accepted", source)
    raise RdfInputError(f"the parser failed on this body (exit {done.returncode}); it was not accepted", source)


def _child(argv: list[str]) -> int:
    """Entry point of the child: body on stdin, N-Quads on stdout, errors as JSON on stderr."""
    media_type, source, base_iri, limit = argv
    fmt = ox.RdfFormat.from_media_type(media_type)
    data = sys.stdin.buffer.read()
    try:
        quads = parse_bounded(data, fmt, source=source, base_iri=base_iri or None,
                              max_quads=None if int(limit) < 0 else int(limit))  # fmt: skip
    except RdfInputError as error:
        sys.stderr.write(error.to_json())
        return EXIT_SYNTAX
    except TooManyQuads:
        return EXIT_TOO_MANY
    ox.serialize(quads, sys.stdout.buffer, ox.RdfFormat.N_QUADS)
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
