"""SHACL validation against the project's shapes and ontology, with readable reports.

One code path serves the build (all shipped data), `critmin validate` and, later,
contributions: the data to check is validated together with the reference data it
points to, looking only at its own focus nodes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

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


def _closure(graph: rdflib.Graph, node, seen: set | None = None) -> set[tuple]:
    """The triples about `node` and, recursively, about the blank nodes and SHACL-SPARQL
    constraints it points to."""
    seen = set() if seen is None else seen
    triples = set()
    for triple in graph.triples((node, None, None)):
        triples.add(triple)
        obj = triple[2]
        follow = isinstance(obj, rdflib.BNode) or triple[1] in (SH.sparql, SH.prefixes)
        if follow and obj not in seen:
            seen.add(obj)
            triples |= _closure(graph, obj, seen)
    return triples


def split_shapes(shapes: rdflib.Graph) -> tuple[rdflib.Graph, rdflib.Graph]:
    """(shapes with ordinary targets, shapes with SPARQL targets and their prefixes)."""
    targeted = {shape for shape, target in shapes.subject_objects(SH.target)
                if (target, rdflib.RDF.type, SH.SPARQLTarget) in shapes}  # fmt: skip
    moved = set()
    for shape in targeted:
        moved |= _closure(shapes, shape)
    declarations = set()
    for prefixes in set(shapes.objects(None, SH.prefixes)):
        declarations |= _closure(shapes, prefixes)
    core, sparql = rdflib.Graph(), rdflib.Graph()
    for triple in shapes:
        if triple in declarations:  # prefix declarations serve both
            core.add(triple)
            sparql.add(triple)
        else:
            (sparql if triple in moved else core).add(triple)
    return core, sparql


def validate(
    data: rdflib.Graph,
    *,
    ontology: rdflib.Graph,
    shapes: rdflib.Graph,
    focus_nodes: list[rdflib.term.Node] | None = None,
) -> ValidationReport:
    """Validate `data` (which should include any reference context it needs).

    With `focus_nodes`, only those nodes are checked. pyshacl applies shapes with
    SPARQL targets to every given node (re-parsing their query each time) instead of
    running the target; so those shapes, which find the offending nodes themselves in
    one query, run in a second pass over the whole (small) data graph, and only their
    results about the given nodes are kept.
    """
    if focus_nodes is None:
        report = _run(data, shapes, ontology)
        violations = _violations(report)
        return ValidationReport(not any(v.severity == "Violation" for v in violations), violations, report)
    core, targeted = split_shapes(shapes)
    report = _run(data, core, ontology, focus_nodes=focus_nodes)
    if len(targeted):
        wanted = set(focus_nodes)
        second = _run(data, targeted, ontology)
        main = next(report.subjects(rdflib.RDF.type, SH.ValidationReport))
        for result in second.subjects(rdflib.RDF.type, SH.ValidationResult):
            if second.value(result, SH.focusNode) in wanted:
                for triple in second.triples((result, None, None)):
                    report.add(triple)
                report.add((main, SH.result, result))
    violations = _violations(report)
    conforms = not any(v.severity == "Violation" for v in violations)
    report.set((next(report.subjects(rdflib.RDF.type, SH.ValidationReport)), SH.conforms, rdflib.Literal(conforms)))
    return ValidationReport(conforms, violations, report)
