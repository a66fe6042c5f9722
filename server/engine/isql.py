"""SQL on a Virtuoso server through its client ``isql`` (Debian's ``isql-vt``), the password off every command line.

``isql`` takes its password as a command-line argument, which every user of the machine can read in
``ps``; without one it asks for it with ``getpass(3)``, which reads the controlling terminal, never
stdin. So each session runs in a session of its own whose controlling terminal is a pseudo-terminal held
here, and the password is typed there when ``isql`` asks for it (it first tries an empty one, which
Virtuoso refuses: that first refusal is expected and dropped). The statements go on stdin, errors come
on stderr (``ERRORS=STDERR``). ``isql`` carries on after a failed statement, so callers run one step
per session and any ``*** Error`` fails that step with Virtuoso's own message.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import subprocess
import termios
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kg.errors import UserError

__all__ = ["Isql", "find_isql"]

_PROMPT = b"Enter password"
_ERROR = re.compile(r"^\*\*\* Error \S+: (?:\[[^\]]*\])*\s*(.*)$", re.MULTILINE)
_OPTIONS = ["VERBOSE=OFF", "BANNER=OFF", "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDERR"]


def find_isql() -> str:
    """Debian's ``isql-vt`` (or an ``isql`` on the PATH), or a clear error saying what to install."""
    found = shutil.which("isql-vt") or shutil.which("isql")
    if found is None:
        raise UserError("Virtuoso's isql client is missing: apt-get install virtuoso-opensource", field="--to")
    return found


def _take_terminal(name: str) -> Callable[[], None]:
    """Make the pseudo-terminal ``name`` the controlling terminal of the (new session's) child."""

    def take() -> None:
        fd = os.open(name, os.O_RDWR)
        fcntl.ioctl(fd, termios.TIOCSCTTY, 0)

    return take


def _answer_prompts(master: int, password: str, child: subprocess.Popen[bytes], prompts: list[int]) -> None:
    """Type the password at ``isql``'s first prompt; at a second one (refused) stop ``isql`` at once.

    Virtuoso shuts an address out for 60 s after four failed logins in a row, so a wrong password costs
    two (the empty one and this one), never four.
    """
    seen = b""
    while child.poll() is None:
        ready, _, _ = select.select([master], [], [], 0.1)
        if not ready:
            continue
        try:
            seen += os.read(master, 1024)
        except OSError:
            return
        while _PROMPT in seen:
            seen = seen.split(_PROMPT, 1)[1]
            prompts[0] += 1
            if prompts[0] > 1:
                child.kill()
                return
            os.write(master, password.encode() + b"\n")


@dataclass(frozen=True)
class Isql:
    """One Virtuoso server's SQL port, with the user and password to log in as."""

    binary: str
    address: str  # HOST:PORT
    user: str
    password: str

    def run(self, statements: str, step: str, timeout: float | None = 600.0) -> str:
        """Run ``statements`` in one session; return what it printed, or fail naming ``step``."""
        master, slave = os.openpty()
        prompts = [0]
        try:
            child = subprocess.Popen(
                [self.binary, self.address, self.user, *_OPTIONS],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                preexec_fn=_take_terminal(os.ttyname(slave)),
            )
        except OSError as failure:
            os.close(master)
            os.close(slave)
            raise UserError(f"{step}: cannot run {self.binary}: {failure.strerror}") from failure
        typist = threading.Thread(target=_answer_prompts, args=(master, self.password, child, prompts), daemon=True)
        typist.start()
        try:
            out, err = child.communicate(statements.encode(), timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            raise UserError(f"{step}: Virtuoso did not finish within {timeout:.0f} s") from None
        finally:
            typist.join()
            os.close(master)
            os.close(slave)
        errors = _ERROR.findall(err.decode("utf-8", "replace"))
        if prompts[0] > 0:  # the expected refusal of the empty password before the first prompt
            errors = errors[1:]
        if prompts[0] > 1:
            raise UserError(f"{step}: Virtuoso refused the credentials of user {self.user!r} (Bad login)")
        if errors:
            raise UserError(f"{step}: Virtuoso answered: {errors[0].strip()}")
        if child.returncode != 0:
            raise UserError(f"{step}: isql ended with status {child.returncode}")
        return out.decode("utf-8", "replace")
