"""Send a complete small response in one write: waitress writes its header and its body separately.

waitress sends a response's header as soon as the body's first part is known and the body right after,
in a second ``send``. Over loopback each ``send`` wakes the client at once, so a client that reads the
header must go back to sleep until the body's segment comes: one more context switch per request, which
on a busy two-core machine costs as much as a cheap query. Query results are complete before they are
written, so here a body written whole (exactly its ``Content-Length``) leaves in the same ``send`` as its
header; anything else (streamed, chunked, HEAD, 304) is written by waitress exactly as before.
"""

from __future__ import annotations

from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import WSGITask

__all__ = ["OneWriteChannel", "OneWriteTask", "send_responses_in_one_write"]


class OneWriteTask(WSGITask):
    """A WSGI task that joins the header to a body written in one piece."""

    wrote_header: bool  # waitress's own flag (False on the class), annotated for the type checker

    def write(self, data: bytes) -> None:
        """Header and whole body in one ``write_soon``; every other case as waitress does it."""
        if (
            not self.wrote_header
            and self.complete
            and data
            and not self.chunked_response
            and self.content_length == len(data)
            and self.has_body
        ):
            header = self.build_response_header()
            self.wrote_header = True
            self.content_bytes_written += len(data)
            self.channel.write_soon(header + data)
            return
        super().write(data)


class OneWriteChannel(HTTPChannel):
    """An HTTP channel whose requests run as :class:`OneWriteTask`."""

    task_class = OneWriteTask


def send_responses_in_one_write(server: Any) -> None:
    """Make ``server`` (from ``waitress.create_server``) open new connections as :class:`OneWriteChannel`."""
    from waitress.server import BaseWSGIServer, MultiSocketServer

    servers = (
        [s for s in server.map.values() if isinstance(s, BaseWSGIServer)]
        if isinstance(server, MultiSocketServer)
        else [server]
    )
    for one in servers:
        one.channel_class = OneWriteChannel
