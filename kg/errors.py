"""The one exception type the CLI turns into a clear message and a non-zero exit.

Every user-facing failure (a malformed table row, a broken Turtle file, a refused parse) is raised as
:class:`UserError` with the file, line and field it concerns, so the message tells the user what to fix.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["UserError"]


class UserError(Exception):
    """A problem in the user's input or invocation, reported without a traceback."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            if self.field is not None:
                where += f": field '{self.field}'"
            where += ": "
        elif self.field is not None:
            where = f"{self.field}: "
        return where + self.message
