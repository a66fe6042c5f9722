"""The REST API's paging contract for stored-query results: reserved names, bounds and the total header.

Shared by the API that enforces it (:mod:`server.web.api`) and the OpenAPI document that describes it
(:mod:`server.web.openapi`), so the two cannot disagree.
"""

from __future__ import annotations

__all__ = ["DEFAULT_PAGE", "MAX_OFFSET", "MAX_PAGE", "PAGING", "TOTAL_HEADER"]

PAGING = ("limit", "offset")  # reserved: paging of stored-query results, never query parameters
MAX_PAGE = 10_000
MAX_OFFSET = 10**9
DEFAULT_PAGE = 1_000  # with offset alone
TOTAL_HEADER = "MKG-Result-Total"
