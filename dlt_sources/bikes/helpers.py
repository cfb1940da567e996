"""Client of the bike log endpoint: `GET /logs?offset=N&limit=M` and `GET /status`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests

from .settings import HTTP_TIMEOUT_S, PROBE_TIMEOUT_S


class BikeLogError(RuntimeError):
    """The log endpoint answered something we cannot use."""


@dataclass
class BikeLogClient:
    base_url: str
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def _get(self, path: str, params: dict[str, Any], timeout: Any) -> dict[str, Any]:
        response = self.session.get(self.base_url + path, params=params, timeout=timeout)
        if response.status_code != 200:
            raise BikeLogError(f"{path}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            body = response.json()
        except ValueError as exc:
            raise BikeLogError(f"{path}: response is not JSON") from exc
        if not isinstance(body, dict):
            raise BikeLogError(f"{path}: response is not a JSON object")
        return body

    def page(self, offset: int, limit: int) -> dict[str, Any]:
        body = self._get("/logs", {"offset": offset, "limit": limit}, HTTP_TIMEOUT_S)
        if not isinstance(body.get("lines"), list) or not isinstance(body.get("next_offset"), int):
            raise BikeLogError("/logs: expected 'lines' and 'next_offset'")
        return body

    def status(self, timeout: Any = PROBE_TIMEOUT_S) -> dict[str, Any]:
        return self._get("/status", {}, timeout)

    def probe(self) -> dict[str, Any] | None:
        """The status, or None when the endpoint is unreachable or broken."""
        try:
            return self.status()
        except (requests.RequestException, BikeLogError):
            return None
