"""SHACL validation against the project's shapes and ontology, with readable reports.

One code path serves the build (all shipped data), `critmin validate` and, later,
contributions: the data to check is validated together with the reference data it
points to, looking only at its own focus nodes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pyshacl
import rdflib
from rdflib.namespace import SH

SEVERITY_NAMES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True)
class Violation:
    """One result of a validation report, flattened for people and programs."""

    focus_node: str
    path: str | None
    value: str | None
    message: str
    severity: str
    shape: str
    constraint: str | None
    component: str | None
    # What the dataset knows of `value` (unknown IRI, only in a staged contribution, of
    # another class): added by the contribution gate; not part of what a result *is*.
    explanation: str | None = field(default=None, compare=False)


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation]
    graph: rdflib.Graph

    def to_text(self) -> str:
        if self.conforms and not self.violations:
            return "Conforms: the data satisfies every shape."
        lines = [
            f"Conforms: {'yes' if self.conforms else 'no'} "
            f"({len(self.violations)} result{'s' if len(self.violations) != 1 else ''})"
        ]
        for item in self.violations:
            lines.append(f"- {item.severity}: {item.message}")
            lines.append(f"    focus node: {item.focus_node}")
            lines.append(f"    path:       {item.path or '-'}")
            lines.append(f"    value:      {item.value or '-'}")
            lines.append(f"    shape:      {item.constraint or item.shape}")
            if item.explanation:
                lines.append(f"    note:       {item.explanation}")
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps({"conforms": self.conforms, "results": [asdict(v) for v in self.violations]}, indent=2)

    def to_turtle(self) -> str:
        self.graph.bind("sh", SH)
        return self.graph.serialize(format="turtle")


def _text(graph: rdflib.Graph, node, predicate) -> str | None:
    value = graph.value(node, predicate)
    return None if value is None else str(value)


def _violations(report: rdflib.Graph) -> list[Violation]:
    results = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        severity = report.value(result, SH.resultSeverity)
        results.append(
            Violation(
                focus_node=str(report.value(result, SH.focusNode)),
                path=_text(report, result, SH.resultPath),
                value=_text(report, result, SH.value),
                message=" ".join(messages) or "constraint violated",
                severity=SEVERITY_NAMES.get(severity, str(severity)),
                shape=str(report.value(result, SH.sourceShape)),
                constraint=_text(report, result, SH.sourceConstraint),
                component=_text(report, result, SH.sourceConstraintComponent),
            )
        )
    return sorted(results, key=lambda v: (v.focus_node, v.path or "", v.shape, v.message))


def _run(data, shapes, ontology, **options) -> rdflib.Graph:
    _, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, advanced=True, inference="none", allow_warnings=True, **options
    )
    return report


def validate(
    data: rdflib.Graph,
    *,
    ontology: rdflib.Graph,
    shapes: rdflib.Graph,
    focus_nodes: list[rdflib.term.Node] | None = None,
) -> ValidationReport:
    """Validate `data` (which should include any reference context it needs).

    With `focus_nodes`, only the results about those nodes are reported. Every shape
    still runs with its own targets over the whole of `data`: pyshacl 0.40.1, given
    `focus_nodes`, skips sh:or (and the other logical constraints), so a date typed
    as a plain string passed the contribution gate while the full build refused it
    (tests/test_gate.py::test_pyshacl_focus_nodes_still_skip_sh_or notices when an
    upgrade fixes this). `data` is a small slice (critmin.semantics.context), so running every
    target over it costs little.
    """
    report = _run(data, shapes, ontology)
    if focus_nodes is not None:
        _keep_only(report, set(focus_nodes))
    violations = _violations(report)
    conforms = not any(v.severity == "Violation" for v in violations)
    report.set((next(report.subjects(rdflib.RDF.type, SH.ValidationReport)), SH.conforms, rdflib.Literal(conforms)))
    return ValidationReport(conforms, violations, report)


def _keep_only(report: rdflib.Graph, wanted: set) -> None:
    """Drop the results (and their triples) whose focus node is not wanted."""
    main = next(report.subjects(rdflib.RDF.type, SH.ValidationReport))
    for result in list(report.subjects(rdflib.RDF.type, SH.ValidationResult)):
        if report.value(result, SH.focusNode) not in wanted:
            report.remove((main, SH.result, result))
            for triple in _result_triples(report, result):
                report.remove(triple)


def _result_triples(graph: rdflib.Graph, node, seen: set | None = None) -> set[tuple]:
    """A result's triples and those of the blank nodes it points to (paths, details)."""
    seen = set() if seen is None else seen
    triples = set()
    for triple in graph.triples((node, None, None)):
        triples.add(triple)
        if isinstance(triple[2], rdflib.BNode) and triple[2] not in seen:
            seen.add(triple[2])
            triples |= _result_triples(graph, triple[2], seen)
    return triples
