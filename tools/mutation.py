"""Mutation testing of the pure modules: how many deliberate faults do the unit tests find?

A small AST mutator, written here because mutmut 3 copies the project into a
`mutants/` tree and runs it through its own trampoline, which fits the editable
src/ layout and the suite's server fixtures badly; what is needed is narrow: for each
pure module, make one fault at a time, run that module's unit tests, count survivors.

Mutations (one per site): comparison operators flipped (== !=, < >=, <= >, in / not
in, is / is not), `and`/`or` swapped, `not` removed, numeric constants changed
(n -> n + 1, 0 -> 1), True/False swapped, a returned expression replaced by None,
`if` conditions negated. Equivalent mutants (no behaviour changes) are listed by hand
in tools/mutation-survivors.md with the reason.

    python tools/mutation.py                 # every module in MODULES
    python tools/mutation.py negotiation     # one module
    python tools/mutation.py --sample 40     # at most 40 mutants per module (spread evenly)

Prints each surviving mutant (line, what changed) and the score per module.
"""

from __future__ import annotations

import argparse
import ast
import copy
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SOURCE = PROJECT / "src" / "critmin"
# pure module -> the unit tests that must catch its faults
MODULES = {
    "negotiation": ["tests/test_units.py"],
    "sparql/protocol": ["tests/test_units.py"],
    "sparql/query_text": ["tests/test_units.py"],
    "ratelimit": ["tests/test_units.py"],
    "sparql/cache": ["tests/test_units.py"],
    "sparql/result_writers": ["tests/test_result_writers.py"],
    "store/visibility": ["tests/test_units.py"],
    "tokens": ["tests/test_units.py"],
    "errors": ["tests/test_units.py"],
}
FLIPS = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE, ast.LtE: ast.Gt,
         ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}  # fmt: skip


def sites(tree: ast.AST) -> list[tuple[int, str, callable]]:
    """(line, description, apply) for every mutation site; `apply` changes a copy's node."""
    found = []
    for index, node in enumerate(ast.walk(tree)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            for position, op in enumerate(node.ops):
                if type(op) in FLIPS:
                    found.append((line, f"{type(op).__name__} -> {FLIPS[type(op)].__name__}",
                                  ("compare", index, position)))  # fmt: skip
        elif isinstance(node, ast.BoolOp):
            found.append((line, f"{type(node.op).__name__} -> other", ("boolop", index, None)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append((line, "not removed", ("not", index, None)))
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float) and not isinstance(node.value, bool):
            found.append((line, f"{node.value!r} -> {node.value + 1!r}", ("number", index, None)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            found.append((line, f"{node.value} -> {not node.value}", ("bool", index, None)))
        elif isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
            found.append((line, "return value -> None", ("return", index, None)))
        elif isinstance(node, ast.If | ast.While):
            found.append((line, "condition negated", ("if", index, None)))
    return found


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def mutate(tree: ast.AST, site) -> ast.AST:
    kind, index, position = site
    mutant = copy.deepcopy(tree)
    node = list(ast.walk(mutant))[index]
    if kind == "compare":
        node.ops[position] = FLIPS[type(node.ops[position])]()
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "not":
        node.op = ast.UAdd()  # +x: truthiness kept, negation gone (works for bools)
        node.operand = ast.Call(ast.Name("bool", ast.Load()), [node.operand], [])
    elif kind == "number":
        node.value = node.value + 1
    elif kind == "bool":
        node.value = not node.value
    elif kind == "return":
        node.value = ast.Constant(None)
    elif kind == "if":
        node.test = ast.UnaryOp(ast.Not(), node.test)
    return ast.fix_missing_locations(mutant)


def run_tests(tests: list[str]) -> bool:
    """Whether the tests pass (the mutant survives)."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, timeout=600)
    return done.returncode == 0


def test_module(name: str, tests: list[str], sample: int | None) -> tuple[int, list[str]]:
    path = SOURCE / f"{name}.py"
    original = path.read_text()
    tree = ast.parse(original)
    found = sites(tree)
    if sample and len(found) > sample:
        step = len(found) / sample
        found = [found[int(i * step)] for i in range(sample)]
    survivors = []
    try:
        for line, description, site in found:
            path.write_text(ast.unparse(mutate(tree, site)))
            if run_tests(tests):
                survivors.append(f"{name}.py:{line}: {description}")
    finally:
        path.write_text(original)
    return len(found), survivors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="modules to mutate (default: all in MODULES)")
    parser.add_argument("--sample", type=int, help="at most this many mutants per module")
    args = parser.parse_args()
    total_mutants = total_killed = 0
    for name in args.modules or list(MODULES):
        count, survivors = test_module(name, MODULES[name], args.sample)
        killed = count - len(survivors)
        total_mutants, total_killed = total_mutants + count, total_killed + killed
        print(f"{name}: {killed}/{count} killed ({100 * killed / max(count, 1):.0f} %)", flush=True)
        for survivor in survivors:
            print(f"  survived: {survivor}", flush=True)
    print(f"total: {total_killed}/{total_mutants} ({100 * total_killed / max(total_mutants, 1):.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
