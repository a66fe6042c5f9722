"""The reasoner step: prove the ontology consistent and compute what follows from it.

HermiT runs through owlready2's ``sync_reasoner_hermit`` on a fresh, private ``World`` (never the
default world), loaded from N-Triples written by rdflib, because owlready2 does not read Turtle.
``owl:imports`` triples are dropped before loading, so nothing is ever fetched from the network.
:func:`classify` gives HermiT the compact A-box of :mod:`kg.reason.abox` (one representative per shape of
fact) rather than every asserted fact, so its time follows the variety of the facts, not their number.

Pellet (owlready2's bundled Pellet 2.3.1) explains what HermiT refuses; it is started here rather than through
``sync_reasoner_pellet``: that function forces Pellet's Jena loader, and owlready2 0.51 ships patched
Jena classes compiled for Java 25 (class file version 69), which fail on the Java 17 of Debian 12
with ``UnsupportedClassVersionError``. The same jars with Pellet's OWL API loader (reading RDF/XML)
run on Java 17 and print the same class tree owlready2 parses.

Both reasoners need Java. When ``java`` is missing this module raises :class:`JavaNotFoundError`
instead of skipping: reasoning never passes silently.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TypeGuard

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.util import guess_format

from kg.errors import UserError
from kg.reason.abox import NotCompactableError, compact_abox
from kg.reason.closure import reachable

__all__ = [
    "ConsistencyReport",
    "InconsistentOntologyError",
    "Inferences",
    "JavaNotFoundError",
    "ReasonerFailedError",
    "ReasoningError",
    "Triple",
    "UnsatisfiableClassesError",
    "check_consistency",
    "classify",
    "load_graph",
]

Triple = tuple[URIRef, URIRef, URIRef]

_TIMEOUT_SECONDS = 1800
_BUILT_IN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_IMPORTS_NT = f"<{OWL.imports}>".encode("ascii")
_READ_BACK = frozenset(
    f"<{p}>".encode("ascii")
    for p in (RDF.type, RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty)
)
# Plain constant: attribute access on rdflib's namespace objects is slow in per-triple loops.
_TYPE = RDF.type


class ReasoningError(UserError):
    """Reasoning could not give an answer the build may use."""


class JavaNotFoundError(ReasoningError):
    """``java`` is not installed: HermiT and Pellet are Java programs."""


class ReasonerFailedError(ReasoningError):
    """The reasoner crashed or refused the input (e.g. an unsupported datatype); carries its output."""


class InconsistentOntologyError(ReasoningError):
    """The ontology (with its facts) has no model; ``explanation`` lists the axioms that clash."""

    def __init__(self, reasoner: str, explanation: str = "") -> None:
        self.reasoner = reasoner
        self.explanation = explanation
        detail = f":\n{explanation}" if explanation else " (the reasoner gave no explanation)"
        super().__init__(f"{reasoner} found the ontology inconsistent{detail}")


class UnsatisfiableClassesError(ReasoningError):
    """Some classes can have no members: a modelling error every inference about them would hide."""

    def __init__(self, reasoner: str, classes: Iterable[str], explanation: str = "") -> None:
        self.reasoner = reasoner
        self.classes = sorted(classes)
        detail = f"\n{explanation}" if explanation else ""
        super().__init__(f"{reasoner} found unsatisfiable classes: {', '.join(self.classes)}{detail}")


@dataclass(frozen=True)
class ConsistencyReport:
    """One reasoner's verdict on a set of ontology files."""

    reasoner: str
    consistent: bool
    unsatisfiable_classes: list[str] = field(default_factory=list)
    explanation: str = ""
    ignored_imports: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Consistent and without unsatisfiable classes."""
        return self.consistent and not self.unsatisfiable_classes

    def raise_for_problems(self) -> None:
        """Raise the matching :class:`ReasoningError` unless :attr:`ok`."""
        if not self.consistent:
            raise InconsistentOntologyError(self.reasoner, self.explanation)
        if self.unsatisfiable_classes:
            raise UnsatisfiableClassesError(self.reasoner, self.unsatisfiable_classes, self.explanation)


@dataclass(frozen=True)
class Inferences:
    """What HermiT entails, as closures (asserted facts included; reflexive pairs and owl:Thing left out).

    * ``subclass_of``: ``(A, rdfs:subClassOf, B)`` between named classes, transitively closed;
    * ``types``: ``(i, rdf:type, C)`` for named individuals and named classes, closed upwards;
    * ``subproperty_of``: ``(p, rdfs:subPropertyOf, q)`` between named object properties, closed.
    """

    subclass_of: frozenset[Triple]
    types: frozenset[Triple]
    subproperty_of: frozenset[Triple]

    def triples(self) -> list[Triple]:
        """All inferred triples in one sorted list (stable across runs)."""
        return sorted(self.subclass_of | self.types | self.subproperty_of)


# -- input --------------------------------------------------------------------------------------


def load_graph(paths: Iterable[Path]) -> Graph:
    """Parse and merge ontology files (Turtle, RDF/XML, N-Triples, ...), naming the file that fails."""
    graph = Graph()
    for path in paths:
        fmt = guess_format(str(path)) or ("xml" if path.suffix in (".owl", ".rdf") else None)
        if fmt is None:
            raise UserError("cannot tell the RDF format from the file name", path=path)
        try:
            graph.parse(path, format=fmt)
        except FileNotFoundError as err:
            raise UserError("file not found", path=path) from err
        except Exception as err:  # rdflib raises many unrelated types for bad syntax
            raise UserError(f"cannot parse as {fmt}: {err}", path=path) from err
    return graph


def _without_imports(graph: Graph) -> tuple[Graph, list[str]]:
    imports = sorted(str(o) for o in graph.objects(None, OWL.imports))
    if not imports:
        return graph, []
    copy = Graph()
    for triple in graph:
        if triple[1] != OWL.imports:
            copy.add(triple)
    return copy, imports


def _java() -> str:
    import owlready2

    java = shutil.which(owlready2.JAVA_EXE)
    if java is None:
        raise JavaNotFoundError(
            f"Java is required for reasoning (HermiT and Pellet are Java programs) but "
            f"`{owlready2.JAVA_EXE}` was not found on PATH; install a Java runtime "
            "(Debian: apt-get install default-jre-headless)"
        )
    return java


# -- HermiT through owlready2 -------------------------------------------------------------------


def _remove_owlready_leftover(marker: str, since: float) -> None:
    """Delete the input file owlready2 leaves in the temp folder when HermiT fails or finds a clash.

    ``sync_reasoner_hermit`` only unlinks its temporary N-Triples file on success; ours is recognised
    by a unique marker triple, so no other program's file is touched.
    """
    needle = marker.encode("ascii")
    for path in Path(tempfile.gettempdir()).glob("tmp*"):
        try:
            if path.is_file() and path.stat().st_mtime >= since and needle in path.read_bytes():
                path.unlink()
        except OSError:
            continue


def _write_ntriples(graphs: Iterable[Graph], path: Path, marker: str) -> None:
    """The union of ``graphs`` as N-Triples without ``owl:imports``, plus the marker triple, unmerged.

    Each graph is serialized on its own and the lines concatenated: merging them into one rdflib graph
    first would copy every triple once more, which costs more than reasoning on a large ontology.
    """
    with path.open("wb") as handle:
        for graph in graphs:
            data: bytes = graph.serialize(format="nt", encoding="utf-8")
            if _IMPORTS_NT in data:
                data = b"".join(line for line in data.splitlines(keepends=True) if _IMPORTS_NT not in line)
            handle.write(data)
        handle.write(f'<{marker}> <{RDFS.comment}> "input of kg.reason.reasoner for HermiT" .\n'.encode("ascii"))


def _union(graphs: Iterable[Graph]) -> Graph:
    union = Graph()
    for graph in graphs:
        union += graph
    return _without_imports(union)[0]


def _read_back(world_ntriples: bytes) -> Graph:
    """The World's triples that say something about hierarchies or types: all :func:`classify` reads."""
    keep = []
    for line in world_ntriples.splitlines(keepends=True):
        parts = line.split(b" ", 2)
        if len(parts) == 3 and parts[1] in _READ_BACK:
            keep.append(line)
    result = Graph()
    result.parse(data=b"".join(keep).decode("utf-8"), format="nt")
    return result


def _run_hermit(graphs: Sequence[Graph], workdir: Path, *, explain: bool = True) -> Graph:
    """Reason with HermiT over the union of ``graphs`` in a private owlready2 World; return its result.

    The result holds the World's ``rdf:type``, subclass, subproperty and equivalence triples afterwards
    (asserted and inferred); the other triples are left out, as nobody reads them.
    """
    import owlready2

    marker = f"urn:uuid:{uuid.uuid4()}"
    ntriples = workdir / "reasoner-input.nt"
    _write_ntriples(graphs, ntriples, marker)
    started = time.time() - 1
    world = owlready2.World()
    try:
        with ntriples.open("rb") as handle:
            world.get_ontology("urn:mkg:reasoner-input").load(fileobj=handle, format="ntriples")
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        buffer = BytesIO()
        world.save(buffer, format="ntriples")
    except owlready2.OwlReadyInconsistentOntologyError as err:
        _remove_owlready_leftover(marker, started)
        explanation = _pellet_explanation(_union(graphs), workdir) if explain else ""
        raise InconsistentOntologyError("HermiT", explanation) from err
    except owlready2.OwlReadyJavaError as err:
        _remove_owlready_leftover(marker, started)
        raise ReasonerFailedError(f"HermiT failed: {err}") from err
    except owlready2.OwlReadyOntologyParsingError as err:
        raise ReasonerFailedError(f"owlready2 could not load the ontology: {err}") from err
    finally:
        world.close()
    return _read_back(buffer.getvalue())


def _unsatisfiable(graph: Graph) -> list[str]:
    found = {s for s in graph.subjects(OWL.equivalentClass, OWL.Nothing)}
    found |= {o for o in graph.objects(OWL.Nothing, OWL.equivalentClass)}
    return sorted(str(c) for c in found if isinstance(c, URIRef) and c != OWL.Nothing)


# -- Pellet, owlready2's bundled distribution ---------------------------------------------------


def _pellet_command(subcommand: str, *args: str) -> list[str]:
    import owlready2
    import owlready2.reasoning

    jars = sorted((Path(owlready2.__file__).parent / "pellet").glob("*.jar"))
    classpath = os.pathsep.join(str(j) for j in jars)
    return [_java(), f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M", "-cp", classpath, "pellet.Pellet", subcommand, *args]


def _write_rdfxml(graph: Graph, workdir: Path) -> Path:
    path = workdir / "reasoner-input.owl"
    if not path.exists():
        graph.serialize(path, format="xml", encoding="utf-8")
    return path


def _pellet_explanation(graph: Graph, workdir: Path, *, unsatisfiable: bool = False) -> str:
    """Pellet's explanation of an inconsistency (or of every unsatisfiable class), "" if it has none."""
    what = ["--all-unsat"] if unsatisfiable else []
    command = _pellet_command("explain", *what, "--ignore-imports", str(_write_rdfxml(graph, workdir)))
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return run.stdout.strip() if run.returncode == 0 else ""


# -- public API ---------------------------------------------------------------------------------


def check_consistency(ontology_files: list[Path], *, explain: bool = True) -> ConsistencyReport:
    """Report whether the union of ``ontology_files`` is consistent for HermiT and which classes are unsatisfiable.

    Inconsistency is reported in the returned report, not raised; call
    :meth:`ConsistencyReport.raise_for_problems` to turn it into an error. When something is wrong
    and ``explain`` is true, Pellet's explanation (one more Java run) is attached: HermiT gives none.
    """
    _java()
    graph, ignored = _without_imports(load_graph(ontology_files))
    with tempfile.TemporaryDirectory(prefix="mkg-reason-") as tmp:
        workdir = Path(tmp)
        try:
            reasoned = _run_hermit((graph,), workdir, explain=explain)
        except InconsistentOntologyError as err:
            return ConsistencyReport("HermiT", False, [], err.explanation, ignored)
        unsat = _unsatisfiable(reasoned)
        explanation = _pellet_explanation(graph, workdir, unsatisfiable=True) if unsat and explain else ""
    return ConsistencyReport("HermiT", True, unsat, explanation, ignored)


def _is_named(node: object) -> TypeGuard[URIRef]:
    return isinstance(node, URIRef) and not str(node).startswith(_BUILT_IN)


def _hierarchy(graph: Graph, sub: URIRef, equivalent: URIRef, keep: set[URIRef] | None) -> dict[URIRef, set[URIRef]]:
    edges: dict[URIRef, set[URIRef]] = defaultdict(set)
    for a, b in graph.subject_objects(sub):
        if _is_named(a) and _is_named(b) and (keep is None or (a in keep and b in keep)):
            edges[a].add(b)
    for a, b in graph.subject_objects(equivalent):
        if _is_named(a) and _is_named(b) and (keep is None or (a in keep and b in keep)):
            edges[a].add(b)
            edges[b].add(a)
    return reachable(edges)


def classify(tbox: Graph, abox: Graph, *, compact: bool = True) -> Inferences:
    """Classify ``tbox`` with ``abox`` using HermiT; raise on inconsistency or unsatisfiable classes.

    With ``compact`` (the default) HermiT sees :func:`kg.reason.abox.compact_abox`'s representatives instead
    of every asserted fact, and their inferred types are given back to the individuals they stand for:
    the answer is the same, and the time no longer grows with repeated facts. When the input is outside
    what that argument covers, the full A-box is used; ``compact=False`` forces it (tests compare both).
    """
    _java()
    if compact:
        try:
            plan = compact_abox(tbox, abox)
            found = _classify_merged(tbox, plan.assertions)
            return Inferences(found.subclass_of, plan.expand_types(found.types), found.subproperty_of)
        except NotCompactableError:
            pass
    return _classify_merged(tbox, abox)


def _classify_merged(tbox: Graph, abox: Graph) -> Inferences:
    """HermiT over the union of ``tbox`` and ``abox``, read back as closed hierarchies and types."""
    with tempfile.TemporaryDirectory(prefix="mkg-reason-") as tmp:
        reasoned = _run_hermit((tbox, abox), Path(tmp))
        unsat = _unsatisfiable(reasoned)
        if unsat:
            explanation = _pellet_explanation(_union((tbox, abox)), Path(tmp), unsatisfiable=True)
            raise UnsatisfiableClassesError("HermiT", unsat, explanation)

    supers = _hierarchy(reasoned, RDFS.subClassOf, OWL.equivalentClass, None)
    subclass_of = {(a, RDFS.subClassOf, b) for a, bs in supers.items() for b in bs if a != b}
    types: set[Triple] = set()
    for individual, cls in reasoned.subject_objects(RDF.type):
        if isinstance(individual, URIRef) and _is_named(cls):
            for c in {cls, *supers.get(cls, set())}:
                types.add((individual, _TYPE, c))

    object_properties: set[URIRef] = {p for p in reasoned.subjects(RDF.type, OWL.ObjectProperty) if _is_named(p)}
    super_properties = _hierarchy(reasoned, RDFS.subPropertyOf, OWL.equivalentProperty, object_properties)
    subproperty_of = {(p, RDFS.subPropertyOf, q) for p, qs in super_properties.items() for q in qs if p != q}
    return Inferences(frozenset(subclass_of), frozenset(types), frozenset(subproperty_of))
