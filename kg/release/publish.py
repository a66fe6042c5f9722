"""Publishing a release folder in one atomic step, so a kill at any moment leaves a whole release.

The release path (``build/release``) is a symbolic link to a versioned folder beside it
(``build/release-<stamp>``). A build writes into a hidden staging folder, renames it to a new versioned
name, and then replaces the link with ``os.replace`` of a temporary link: one ``rename(2)``, atomic on
POSIX file systems. Readers open ``build/release/release.json`` through the link; ``mkg serve``
resolves the link once at start-up, so the folder it serves stays put while later builds publish.
That folder is the one a build replaces, and it is kept until the build after: only older versions go.

A release path left as a real folder by earlier versions is swapped for the link with
``renameat2(RENAME_EXCHANGE)`` (Linux), also one step; where that call is missing, by two renames.
Leftovers of killed builds (``.release.tmp-*``, ``.release.old-*``, ``.release.link-*``, versioned
folders no link points to) are removed by the next build, unless the process that made them still runs.

File-system failures (a full disk, a read-only folder) become one :class:`~kg.errors.UserError` line.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import UserError
from kg.processes import alive

__all__ = ["clean_leftovers", "staged_release"]

_VERSION = re.compile(r"^(?P<name>.+)-\d{8}T\d{6}\.\d{9}-\d+$")
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _leftover(name: str) -> re.Pattern[str]:
    """Names this module gives the staging folders, links and versions of the release called ``name``."""
    stem = re.escape(name)
    return re.compile(
        rf"^(?:\.{stem}\.(?:tmp|old|link)-(?:(?P<pid>\d+)(?=-|$))?.*|{stem}-\d{{8}}T\d{{6}}\.\d{{9}}-(?P<vpid>\d+))$"
    )


def _release_link(out: Path) -> Path:
    """The release link itself when ``out`` is the version it points to (a caller resolved the link early)."""
    match = _VERSION.match(out.name)
    if match:
        link = out.parent / match.group("name")
        if link.is_symlink() and os.readlink(link) == out.name:
            return link
    return out


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def clean_leftovers(out: Path, *, versions: bool = False, keep: tuple[Path, ...] = ()) -> None:
    """Remove what killed builds of ``out`` left beside it: staging folders, temporary links, old folders.

    With ``versions``, also every versioned folder but ``keep`` and the link's target. What a build that
    still runs is making is left alone (its process id is in the name); this process's own is removed.
    """
    if not out.parent.is_dir():
        return
    pattern = _leftover(out.name)
    current = out.parent / os.readlink(out) if out.is_symlink() else None
    kept = {p.name for p in (*keep, *((current,) if current else ()))}
    for entry in out.parent.iterdir():
        match = pattern.match(entry.name)
        if match is None or entry.name in kept or (match.group("vpid") and not versions):
            continue
        pid = match.group("pid") or match.group("vpid")
        if pid is not None and int(pid) != os.getpid() and alive(int(pid)):
            continue
        _remove(entry)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux's ``renameat2``; False where the call is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _publish(stage: Path, out: Path) -> Path:
    """Make ``stage`` the release at ``out`` in one atomic step; return the folder it replaced, if any."""
    pid = os.getpid()
    now = time.time_ns()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now // 10**9)) + f".{now % 10**9:09d}"
    version = out.parent / f"{out.name}-{stamp}-{pid}"
    os.rename(stage, version)
    link = out.parent / f".{out.name}.link-{pid}"
    link.unlink(missing_ok=True)
    os.symlink(version.name, link)
    if out.is_symlink() or not out.exists():
        previous = out.parent / os.readlink(out) if out.is_symlink() else None
        os.replace(link, out)
        return previous or version
    if _exchange(link, out):
        # The old real folder now sits at the link's name: a leftover the next step removes.
        old = out.parent / f".{out.name}.old-{pid}"
        os.rename(link, old)
        return old
    old = out.parent / f".{out.name}.old-{pid}"
    os.rename(out, old)
    os.replace(link, out)
    return old


def _fail(exc: OSError, out: Path) -> UserError:
    reason = exc.strerror or str(exc)
    return UserError(f"cannot write the release: {reason}; the previous release is unchanged", path=out)


@contextmanager
def staged_release(out: Path) -> Iterator[Path]:
    """Yield a fresh hidden folder beside ``out`` to write into; on success it becomes the release at once.

    On failure the folder vanishes and ``out`` is untouched; file-system errors are a :class:`UserError`.
    """
    out = _release_link(Path(os.path.abspath(out)))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create the release's parent folder: {exc.strerror}", path=out.parent) from exc
    if out.exists() and not out.is_dir():
        raise UserError("the release path exists and is not a folder", path=out)
    clean_leftovers(out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    except OSError as exc:
        raise _fail(exc, out) from None
    try:
        yield stage
        replaced = _publish(stage, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            _remove_own(out)
        raise _fail(exc, out) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    with contextlib.suppress(OSError):
        clean_leftovers(out, versions=True, keep=(replaced,))


def _remove_own(out: Path) -> None:
    """After a failed publish: this process's staging folder, link and new version, unless it is the release."""
    pattern = _leftover(out.name)
    current = (out.parent / os.readlink(out)).name if out.is_symlink() else None
    for entry in out.parent.iterdir():
        match = pattern.match(entry.name)
        pid = match and (match.group("pid") or match.group("vpid"))
        if pid and int(pid) == os.getpid() and entry.name != current:
            _remove(entry)
