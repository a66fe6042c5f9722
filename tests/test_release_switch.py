"""Publishing a release: one atomic switch, a whole release after a kill at any step, leftovers cleaned.

And file-system failures (full disk, read-only folder) are one line, exit status 2.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg import cli
from kg.build import Built
from kg.checks.shacl import ShaclResult
from kg.errors import UserError
from kg.release.publish import staged_release

# Publishes "new" into argv[1], killing itself (os._exit, no clean-up runs) before file-system call argv[2].
KILLED_PUBLISH = """
import os, shutil, sys
from pathlib import Path
import kg.release.publish as publish

out, kill_at = Path(sys.argv[1]), int(sys.argv[2])
calls = 0

def killed(real):
    def call(*args, **kwargs):
        global calls
        if calls == kill_at:
            os._exit(9)
        calls += 1
        return real(*args, **kwargs)
    return call

with publish.staged_release(out) as stage:
    (stage / "release.json").write_text("new")
    for name in ("rename", "replace", "symlink", "unlink", "rmdir"):
        setattr(os, name, killed(getattr(os, name)))
    shutil.rmtree = killed(shutil.rmtree)
    publish._exchange = killed(publish._exchange)
print("completed")
"""


def publish(out: Path, content: str) -> None:
    with staged_release(out) as stage:
        (stage / "release.json").write_text(content)


def dead_pid() -> int:
    """The process id of a process that has exited (so a leftover carrying it is stale)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_release_is_a_link_to_a_versioned_folder_switched_at_once(tmp_path: Path) -> None:
    """The release path is a link; each build points it at a new folder and keeps the replaced one until the next."""
    out = tmp_path / "release"
    publish(out, "one")
    assert out.is_symlink() and (out / "release.json").read_text() == "one"
    first = out.resolve()
    publish(out, "two")
    second = out.resolve()
    assert (out / "release.json").read_text() == "two" and second != first
    assert first.is_dir(), "the replaced release stays for servers started on it"
    publish(out, "three")
    assert not first.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["release", second.name, out.resolve().name])


@pytest.mark.parametrize("legacy", [False, True], ids=["link", "real-folder"])
def test_a_kill_at_any_step_leaves_a_whole_release(tmp_path: Path, legacy: bool) -> None:
    """Killed before each file-system call of the switch in turn, the release is always there, old or new.

    Also from a release folder written by earlier versions (a real folder, swapped with renameat2).
    """
    out = tmp_path / "release"
    if legacy:
        out.mkdir()
        (out / "release.json").write_text("old")
    else:
        publish(out, "old")
    kills = 0
    while True:
        run = subprocess.run(
            [sys.executable, "-c", KILLED_PUBLISH, str(out), str(kills)], capture_output=True, text=True, timeout=120
        )
        assert (out / "release.json").read_text() in {"old", "new"}, f"no release after a kill at step {kills}"
        if "completed" in run.stdout:
            break
        assert run.returncode == 9, run.stderr
        kills += 1
    assert kills >= 3
    assert (out / "release.json").read_text() == "new"
    publish(out, "final")
    names = {p.name for p in tmp_path.iterdir()}
    assert not [n for n in names if n.startswith(".release.")], names
    assert len(names) <= 3 and out.resolve().name in names


def test_stale_leftovers_are_cleaned_and_live_builds_are_left_alone(tmp_path: Path) -> None:
    """Folders of killed builds go at the next build; those of a build still running (its pid alive) stay."""
    out = tmp_path / "release"
    publish(out, "old")
    stale = [
        f".release.tmp-{dead_pid()}-x1",
        f".release.old-{dead_pid()}",
        ".release.tmp-k3j9",
        f".release.link-{dead_pid()}",
    ]
    for name in stale:
        (tmp_path / name).mkdir()
    live = tmp_path / f".release.tmp-{os.getppid()}-running"
    live.mkdir()
    publish(out, "new")
    assert not [name for name in stale if (tmp_path / name).exists()]
    assert live.is_dir()


def test_full_disk_is_one_line_and_leaves_the_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC while writing: a UserError naming the release, the old release intact, nothing left beside it."""
    out = tmp_path / "release"
    publish(out, "old")
    before = {p.name for p in tmp_path.iterdir()}

    def full(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(UserError, match=r"release: cannot write the release: No space left on device"):
        publish(out, "new")
    monkeypatch.undo()
    assert (out / "release.json").read_text() == "old"
    assert {p.name for p in tmp_path.iterdir()} == before


def test_read_only_output_folder_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder the build may not write into (simulated: the suite may run as root) is a UserError, not a traceback."""

    def refused(*args: object, **kwargs: object) -> str:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    with pytest.raises(UserError, match=r"release: cannot write the release: Permission denied"):
        publish(tmp_path / "release", "new")


def _small_built() -> Built:
    graph = Graph()
    graph.add((URIRef("http://example.org/a"), RDF.type, URIRef("http://example.org/Thing")))
    empty = Graph()
    return Built(graph, empty, empty, empty, graph, ShaclResult(True, (), Graph()), "", "2026-01-01")


def test_mkg_build_on_a_full_disk_exits_two_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mkg build` on a full disk prints one line naming the release folder, exit status 2, no traceback."""
    import kg.build

    monkeypatch.setattr(kg.build, "assemble", lambda inputs: _small_built())
    real = Path.write_text

    def full(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name == "kg.ttl":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "release"
    status = cli.main(["build", "--out", str(out), "--version-date", "2026-01-01"])
    err = capsys.readouterr().err
    assert status == 2
    reason = "cannot write the release: No space left on device; the previous release is unchanged"
    assert err == f"mkg build: error: {out}: {reason}\n"
    assert list(tmp_path.iterdir()) == []


def test_building_into_the_resolved_link_publishes_through_the_link(tmp_path: Path) -> None:
    """A caller that resolved `build/release` to its version folder (as `mkg serve` does) still switches the link."""
    out = tmp_path / "release"
    publish(out, "old")
    publish(out.resolve(), "new")
    assert out.is_symlink() and (out / "release.json").read_text() == "new"
    assert all(not p.is_symlink() for p in tmp_path.iterdir() if p != out)
