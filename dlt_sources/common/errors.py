"""Error types every API source shares; their messages never hold tokens or secrets."""

from __future__ import annotations


class NeedsReconnect(RuntimeError):
    """The grant was revoked or expired: the user must run `fitelt connect <source>` again."""


class ApiError(RuntimeError):
    """A vendor API refused a request, or failed in a way that retrying did not fix."""


class ApiUnavailable(ApiError):
    """5xx, timeouts or unreadable bodies outlasted the retries: worth another run later."""

    transient = True  # orchestration turns it into a step retry


class RateLimited(RuntimeError):
    """Going on would exceed the vendor's rate limit (or wait too long): stop, keep the cursor."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
