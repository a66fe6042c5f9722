"""The example queries the query page offers: the researcher library's ``.rq`` files and their summaries.

Query files carry grlc-style headers (``#+ summary: ...``); the page shows the summary as the example's
title and loads the whole file, comments included, into the editor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Example", "load_examples"]

_HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Example:
    """One stored query: its file name (without ``.rq``), one-line summary and full text."""

    name: str
    summary: str
    query: str


def _summary(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match and match.group(1).lower() == "summary" and match.group(2):
            return match.group(2)
    return fallback


def load_examples(folder: Path) -> list[Example]:
    """Every readable ``*.rq`` directly in ``folder``, sorted by name; an empty list when there are none."""
    examples: list[Example] = []
    if not folder.is_dir():
        return examples
    for path in sorted(folder.glob("*.rq")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        examples.append(Example(name=path.stem, summary=_summary(text, path.stem.replace("-", " ")), query=text))
    return examples
