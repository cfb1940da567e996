"""The sensors API client: `GET {base}/{person_id}` (the payload parser is in `rows`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from .rows import Poll
from .settings import HTTP_TIMEOUT_S, PROBE_TIMEOUT_S

# Poll lives in .rows; bench/ingest.py imports it from here.
__all__ = ["FootSensorClient", "Poll"]


@dataclass
class FootSensorClient:
    """`GET {base_url}/{person_id}`; one instance per thread (requests sessions are not shared)."""

    base_url: str
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def fetch(self, person_id: int) -> Any:
        """The decoded JSON body; raises requests errors and ValueError for non-JSON."""
        response = self.session.get(f"{self.base_url}/{person_id}", timeout=HTTP_TIMEOUT_S)
        response.raise_for_status()
        return response.json()

    def reachable(self, person_id: int = 1) -> bool:
        try:
            response = self.session.get(f"{self.base_url}/{person_id}", timeout=PROBE_TIMEOUT_S)
        except requests.RequestException:
            return False
        return response.status_code < 500

    def close(self) -> None:
        self.session.close()
