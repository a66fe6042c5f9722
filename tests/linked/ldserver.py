"""A real ``mkg serve`` process for the linked-data and REST API tests, and raw HTTP requests to it.

Same pattern as ``tests/server``: a free loopback port (``--port 0``, read back from the server's
"listening on" line), requests through ``http.client`` so nothing (redirects, decompression, retries)
happens behind the test's back, and a stop by PID that checks no query process outlives the server.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time
from pathlib import Path

from serving import Reply, stop_tree

_LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)/")

CHROME_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
# What the OWL API (and so Protégé's "open from URL") sends.
OWLAPI_ACCEPT = "application/rdf+xml, application/xml; q=0.7, text/xml; q=0.6, text/plain; q=0.1, */*; q=0.09"


class Server:
    """One ``mkg serve`` process started by a test fixture."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.log = log
        self._log_handle = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1", "--port", "0", *args],
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            match = _LISTENING.search(log.read_text(errors="replace"))
            if match:
                self.port = int(match.group(1))
                self.base = f"http://127.0.0.1:{self.port}"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start:\n{log.read_text(errors='replace')}")

    def request(self, method: str, path: str, headers: dict[str, str] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, accept: str | None = None, **headers: str) -> Reply:
        sent = {name.replace("_", "-"): value for name, value in headers.items()}
        if accept is not None:
            sent["Accept"] = accept
        return self.request("GET", path, sent)

    def stop(self) -> None:
        """SIGTERM the server (SIGKILL if it hangs); check no query process outlives it."""
        stop_tree(self.process, self._log_handle)
