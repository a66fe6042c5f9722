"""HTTP content negotiation: pick the format a client prefers from an ``Accept`` header (RFC 9110, 12.5.1).

Media ranges carry q-values and wildcards; the most specific range that matches a format decides that
format's quality (so ``text/*;q=0.2, text/csv`` prefers CSV to TSV), ``q=0`` rules a format out, and
ties go to the server's order. Parameters other than ``q`` (``charset=utf-8``) do not stop a match.
Alternative media types a format answers to (``application/json`` for SPARQL JSON) count only when
named exactly, never via wildcards.
Nothing acceptable is ``None``, which the caller answers with 406.

Clients send the same few ``Accept`` headers again and again, so the choice for a header and a set of
offers is remembered (a bounded LRU map: unusual headers only push out older ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from server.protocol.formats import Format

__all__ = ["MediaRange", "choose", "parse_accept"]


@dataclass(frozen=True)
class MediaRange:
    """One ``type/subtype;q=...`` entry of an ``Accept`` header."""

    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """How closely this range matches ``media_type``: 3 exact, 2 ``type/*``, 1 ``*/*``, 0 not at all."""
        main, _, sub = media_type.partition("/")
        if self.type == "*":
            return 1
        if self.type != main:
            return 0
        if self.subtype == "*":
            return 2
        return 3 if self.subtype == sub else 0


def _quality(value: str) -> float | None:
    try:
        q = float(value)
    except ValueError:
        return None
    return q if 0.0 <= q <= 1.0 else None


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an ``Accept`` header; malformed entries are skipped, a missing or empty header accepts anything."""
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if media == "*":
            media = "*/*"
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            continue
        q: float | None = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _quality(value.strip())
        if q is not None:
            ranges.append(MediaRange(main, sub, q))
    return ranges


def choose(accept: str | None, offers: Sequence[Format]) -> Format | None:
    """The offered format the client likes best, or ``None`` when it accepts none of them."""
    return _choose(accept, tuple(offers))


@lru_cache(maxsize=512)
def _choose(accept: str | None, offers: tuple[Format, ...]) -> Format | None:
    ranges = parse_accept(accept)
    best: Format | None = None
    best_q = 0.0
    for offer in offers:
        q = 0.0
        for media_type in (offer.media_type, *offer.aliases):
            matches = [(r.specificity(media_type), r.q) for r in ranges]
            # An alias is matched only when named exactly: text/* means CSV or TSV, not "text/xml" results.
            matches = [m for m in matches if m[0] == 3 or (m[0] > 0 and media_type == offer.media_type)]
            if matches:
                q = max(q, max(matches)[1])
        if q > best_q:
            best, best_q = offer, q
    return best
