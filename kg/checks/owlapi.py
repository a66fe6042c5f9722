"""Load an ontology the way Protégé does (with the OWL API) and report what an editor would trip over.

rdflib accepts any RDF; the OWL API is stricter and is what Protégé, ROBOT and the reasoners' command
lines are built on. ``kg/java/OntologyCheck.java`` is compiled with ``javac`` against Debian's
``libowlapi-java`` jars and run on one file (the Turtle edit file or the release's RDF/XML). It reports
unparsed triples, guessed or undeclared entities, OWL 2 DL profile violations, and classes declared in
the file without exactly one English label and one definition. Imports are never fetched from the web.

Run it by hand on a release with ``python -m kg.checks.owlapi build/release/metastasis-kg.owl``.
``kg/java/OntologySave.java`` (:func:`save_as_turtle`) re-saves a file as Protégé's *File → Save* does,
so a test can check that ``mkg normalize`` turns a Protégé save back into the committed text.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path

__all__ = [
    "DEBIAN_PACKAGES",
    "OwlApiFinding",
    "OwlApiReport",
    "OwlApiUnavailableError",
    "check_ontology",
    "classpath",
    "compile_checker",
    "main",
    "save_as_turtle",
]

#: What to ``apt-get install`` when the check cannot run.
DEBIAN_PACKAGES = ("libowlapi-java", "default-jdk-headless")
#: Environment variable naming the folder of jars; Debian installs them in /usr/share/java.
JAR_DIR_VARIABLE = "MKG_JAVA_JARS"
_DEFAULT_JAR_DIR = Path("/usr/share/java")
# Logging bindings that would compete with slf4j-nop (the one we want: the OWL API's logs are noise here).
_EXCLUDED_JARS = re.compile(r"slf4j-(jcl|jdk14|log4j12|simple)|maven3-slf4j-provider|log4j-over-slf4j|jul-to-slf4j")
_MAIN_CLASS = "OntologyCheck"
_SAVE_CLASS = "OntologySave"
_TIMEOUT_SECONDS = 600


class OwlApiUnavailableError(RuntimeError):
    """Java, javac or the OWL API jars are missing; the message says which Debian packages to install."""


@dataclass(frozen=True, order=True)
class OwlApiFinding:
    """One problem: ``kind`` (e.g. ``unparsed-triple``, ``not-owl2-dl``) and what it concerns."""

    kind: str
    detail: str


@dataclass(frozen=True)
class OwlApiReport:
    """What the OWL API made of one file; ``output`` is the checker's exact output."""

    path: Path
    problems: list[OwlApiFinding]
    info: dict[str, str] = field(default_factory=dict)
    output: str = ""

    @property
    def ok(self) -> bool:
        """True when the file loaded and nothing needs fixing."""
        return not self.problems


def _unavailable(what: str) -> OwlApiUnavailableError:
    return OwlApiUnavailableError(
        f"{what}; the OWL API check needs Debian's {' and '.join(DEBIAN_PACKAGES)} "
        f"(apt-get install {' '.join(DEBIAN_PACKAGES)})"
    )


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise _unavailable(f"`{name}` is not on PATH")
    return found


def classpath(jar_dir: Path | None = None) -> list[Path]:
    """The OWL API and its dependencies: every jar in the folder except competing logging bindings."""
    folder = jar_dir or Path(os.environ.get(JAR_DIR_VARIABLE, _DEFAULT_JAR_DIR))
    if not any(folder.glob("owlapi-distribution*.jar")) and not any(folder.glob("owlapi-api*.jar")):
        raise _unavailable(f"no OWL API jars (owlapi-*.jar) in {folder}")
    jars: dict[Path, Path] = {}
    for jar in sorted(folder.glob("*.jar")):
        if _EXCLUDED_JARS.search(jar.name):
            continue
        jars.setdefault(jar.resolve(), jar)
    return sorted(jars.values())


def _classpath_arg(first: Path | None, jars: Sequence[Path]) -> str:
    return os.pathsep.join([*([str(first)] if first else []), *(str(j) for j in jars)])


def compile_checker(build_dir: Path, jar_dir: Path | None = None) -> Path:
    """Compile the Java sources of ``kg/java`` into ``build_dir`` (skipped when every class is up to date)."""
    javac = _tool("javac")
    jars = classpath(jar_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    with as_file(files("kg").joinpath("java")) as folder:
        sources = sorted(Path(folder).glob("*.java"))
        if all(
            (build_dir / f"{src.stem}.class").exists()
            and (build_dir / f"{src.stem}.class").stat().st_mtime >= src.stat().st_mtime
            for src in sources
        ):
            return build_dir
        result = subprocess.run(
            [
                javac,
                "-nowarn",
                "-encoding",
                "UTF-8",
                "-d",
                str(build_dir),
                "-cp",
                _classpath_arg(None, jars),
                *map(str, sources),
            ],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"javac failed on kg/java:\n{result.stdout}{result.stderr}")
    return build_dir


def save_as_turtle(source: Path, target: Path, *, build_dir: Path | None = None, jar_dir: Path | None = None) -> None:
    """Load ``source`` with the OWL API and save it to ``target`` as Turtle with its prefixes, as Protégé does."""
    java = _tool("java")
    jars = classpath(jar_dir)
    with tempfile.TemporaryDirectory(prefix="mkg-owlapi-") as scratch:
        classes = compile_checker(build_dir or Path(scratch), jar_dir)
        result = subprocess.run(
            [java, "-cp", _classpath_arg(classes, jars), _SAVE_CLASS, str(source), str(target)],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"OWL API save of {source} failed (exit {result.returncode}):\n{result.stderr}")


def _parse_output(path: Path, output: str) -> OwlApiReport:
    problems: list[OwlApiFinding] = []
    info: dict[str, str] = {}
    for line in output.splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        kind, key, value = parts
        if kind == "problem":
            problems.append(OwlApiFinding(key, value))
        elif kind == "info":
            info[key] = value
    return OwlApiReport(path=path, problems=sorted(problems), info=info, output=output)


def check_ontology(
    path: Path,
    *,
    build_dir: Path | None = None,
    imports_dirs: Sequence[Path] = (),
    jar_dir: Path | None = None,
) -> OwlApiReport:
    """Load ``path`` with the OWL API; compile the checker into ``build_dir`` (a temp dir if None)."""
    java = _tool("java")
    jars = classpath(jar_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such ontology file")
    with tempfile.TemporaryDirectory(prefix="mkg-owlapi-") as scratch:
        classes = compile_checker(build_dir or Path(scratch), jar_dir)
        result = subprocess.run(
            [java, "-cp", _classpath_arg(classes, jars), _MAIN_CLASS, str(path), *map(str, imports_dirs)],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    if result.returncode not in (0, 1) or "info\tproblems\t" not in result.stdout:
        raise RuntimeError(
            f"OWL API checker crashed on {path} (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return _parse_output(path, result.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kg.checks.owlapi FILE [IMPORTS_DIR...]``: print the report; exit 1 on problems, 2 if unavailable."""
    parser = argparse.ArgumentParser(prog="python -m kg.checks.owlapi", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="ontology file (Turtle, RDF/XML, OWL/XML, ...)")
    parser.add_argument("imports_dirs", nargs="*", type=Path, help="folders holding imported ontologies")
    args = parser.parse_args(argv)
    try:
        report = check_ontology(args.file, imports_dirs=args.imports_dirs)
    except (OwlApiUnavailableError, FileNotFoundError) as err:
        print(f"owlapi: error: {err}", file=sys.stderr)
        return 2
    sys.stdout.write(report.output)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
