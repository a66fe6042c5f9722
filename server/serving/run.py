"""``mkg serve``: check every input, then hand HTTP and processes to gunicorn.

Everything that can be wrong with the command line is found here, before a process starts: paths are
resolved once against the current folder (so nothing later depends on where a worker happens to look),
``--data`` files are parsed, the release is read, and a release older than its inputs is reported (or
rebuilt with ``--build``). Then gunicorn's arbiter takes over as the supervisor: it starts the workers,
replaces any that dies or retires, and stops them on SIGTERM / SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import os
import resource
import shutil
import socket
import sys
import tempfile
from pathlib import Path

from kg.errors import UserError
from server.config import ServerConfig
from server.engine.dataset import plan_data_files
from server.engine.embedded import check_data_file
from server.release import MANIFEST, build_release_into, read_release, stale_inputs

__all__ = ["prepare_release", "run_serve"]

log = logging.getLogger("server")


def _raise_file_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _listen(host: str, port: int) -> socket.socket:
    """Bind here, so a port in use is one clear error and port 0 gives a free port before gunicorn starts."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as err:
        raise UserError(f"cannot listen on {host}:{port}: {err.strerror or err}", field="--port") from err
    sock.set_inheritable(True)
    return sock


def prepare_release(folder: Path, *, build: bool) -> None:
    """A release that exists and is current, or a clear word about it; build only when asked to."""
    if not (folder / MANIFEST).is_file():
        if not build:
            raise UserError(
                f"no release in {folder}: build one with `mkg build --out {folder}`, pass --build,"
                " or serve only data with --no-release --data FILE",
                field="--release",
            )
        print(f"mkg serve: no release in {folder}; building it first", file=sys.stderr, flush=True)
        build_release_into(folder)
        return
    read_release(folder)
    stale = stale_inputs(folder)
    if not stale:
        return
    names = ", ".join(p.name for p in stale[:3]) + (f" and {len(stale) - 3} more" if len(stale) > 3 else "")
    if build:
        print(f"mkg serve: the release is older than {names}; rebuilding it", file=sys.stderr, flush=True)
        build_release_into(folder)
    else:
        print(
            f"mkg serve: warning: the release in {folder} is older than {names}; serving it as it is"
            " (rebuild with `mkg build` or start with --build)",
            file=sys.stderr,
            flush=True,
        )


_VALIDATE_AT_START_MB = 8


def _warn_unless_conformant(data: tuple[Path, ...]) -> None:
    """Say when ``--data`` files fail the KG's shapes: they are served as they are, never silently."""
    size = sum(path.stat().st_size for path in data) / (1 << 20)
    if size > _VALIDATE_AT_START_MB:
        print(
            f"mkg serve: note: the --data files ({size:.0f} MiB) are served without a SHACL check;"
            " `mkg validate FILE` checks them",
            file=sys.stderr,
            flush=True,
        )
        return
    from kg.checks.validate import validate_files

    result = validate_files(list(data))
    if result.violations:
        print(
            f"mkg serve: warning: the --data files do not conform to the KG's shapes ({len(result.violations)}"
            " violations); they are served as they are (`mkg validate FILE` lists them)",
            file=sys.stderr,
            flush=True,
        )


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM; return the exit status."""
    logging.basicConfig(level=logging.INFO, format="mkg serve: %(message)s", stream=sys.stderr)
    # abspath, not resolve(): the release is a symlink switched atomically per build, and --build must
    # replace the link, not write into the versioned folder it points at now.
    args.release = Path(os.path.abspath(args.release))
    args.data = [p.resolve() for p in args.data]
    if args.queries is not None:
        args.queries = args.queries.resolve()
    try:
        config = ServerConfig.from_args(args)
    except ValueError as err:
        raise UserError(str(err)) from err
    for item in plan_data_files(config.data):
        check_data_file(item)
    if config.data:
        _warn_unless_conformant(config.data)
    if config.release is not None:
        prepare_release(config.release, build=args.build)
    if config.engine_url is not None:
        from server.engine.base import Limits
        from server.engine.remote import open_remote_engine

        open_remote_engine(config.engine_url, Limits(config.row_limit, config.result_bytes_limit), config.timeout)
    listener = _listen(args.host, args.port)
    _raise_file_limit(config.workers * config.connection_limit + 256)
    state = Path(tempfile.mkdtemp(prefix="mkg-serve-"))
    config = dataclasses.replace(config, state_dir=state)
    from gunicorn.errors import HaltServer

    from server.serving.application import ERROR_FILE, MkgApplication

    try:
        MkgApplication(config, listener, args.access_log).run()
    except (SystemExit, HaltServer) as stop:
        error = state / ERROR_FILE
        if error.is_file():
            raise UserError(error.read_text(encoding="utf-8")) from None
        code = stop.code if isinstance(stop, SystemExit) else stop.exit_status
        return code if isinstance(code, int) else (0 if code is None else 1)
    finally:
        with contextlib.suppress(OSError):
            listener.close()
        shutil.rmtree(state, ignore_errors=True)
    return 0
