"""OAuth tokens encrypted at rest (AES-256-GCM), one file per source and athlete.

The tokens folder is local (`<secrets_dir>/tokens`) or, with shared storage
(FITELT_STORAGE_URL, e.g. S3), a remote `upath.UPath` that every run worker reads: a refreshed
token written by one run is the one the next run, anywhere, uses. Shared tokens must be
encrypted with FITELT_SECRET_KEY: a key file on one machine's disk would leave the others
unable to read them, so the store refuses to write them with one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import NeedsReconnect

# NeedsReconnect lives in .errors; it stays importable from here, its old home.
__all__ = ["NeedsReconnect", "TokenStore", "TokenStoreError", "load_key"]

KEY_FILE = "secret.key"


class TokenStoreError(RuntimeError):
    """The store cannot be read (wrong key or damaged file); the message holds no secret."""


def load_key(secrets_dir: Path) -> bytes:
    """The 32-byte key from FITELT_SECRET_KEY, or from a 0600 key file created on first use."""
    env_key = os.environ.get("FITELT_SECRET_KEY")
    if env_key:
        try:
            raw = base64.urlsafe_b64decode(env_key + "=" * (-len(env_key) % 4))
        except ValueError:
            raw = b""
        # Anything that is not a base64 32-byte key is treated as a passphrase.
        return raw if len(raw) == 32 else hashlib.sha256(env_key.encode()).digest()
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = secrets_dir / KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)))
    return base64.urlsafe_b64decode(path.read_bytes().strip())


@dataclass
class TokenStore:
    """Encrypted JSON documents under `<tokens_dir>/<source>__<athlete>.bin`."""

    secrets_dir: Path
    key: bytes
    tokens_dir: Any = None  # a Path, or a remote UPath; default <secrets_dir>/tokens

    def __post_init__(self) -> None:
        if self.tokens_dir is None:
            self.tokens_dir = self.secrets_dir / "tokens"

    @classmethod
    def open(cls, secrets_dir: Path, tokens_dir: Any = None) -> TokenStore:
        return cls(secrets_dir=secrets_dir, key=load_key(secrets_dir), tokens_dir=tokens_dir)

    @property
    def shared(self) -> bool:
        return not isinstance(self.tokens_dir, Path)

    def _path(self, source: str, athlete_id: str) -> Any:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in f"{source}__{athlete_id}")
        return self.tokens_dir / f"{safe}.bin"

    def get(self, source: str, athlete_id: str) -> dict[str, Any] | None:
        path = self._path(source, athlete_id)
        if not path.exists():
            return None
        blob = path.read_bytes()
        try:
            plain = AESGCM(self.key).decrypt(
                blob[:12], blob[12:], f"{source}:{athlete_id}".encode()
            )
        except InvalidTag as exc:
            raise TokenStoreError(
                f"cannot decrypt stored {source} credentials for {athlete_id}: wrong "
                "FITELT_SECRET_KEY or damaged file; run `fitelt connect` again"
            ) from exc
        return json.loads(plain)

    def put(self, source: str, athlete_id: str, document: dict[str, Any]) -> None:
        """Write atomically (temp file + rename) so a crash never leaves half a token."""
        path = self._path(source, athlete_id)
        nonce = os.urandom(12)
        aad = f"{source}:{athlete_id}".encode()
        blob = nonce + AESGCM(self.key).encrypt(nonce, json.dumps(document).encode(), aad)
        if self.shared:
            if not os.environ.get("FITELT_SECRET_KEY"):
                raise TokenStoreError(
                    f"tokens go to shared storage ({self.tokens_dir}): set FITELT_SECRET_KEY, "
                    "the same on every machine, so that every run can read them"
                )
            path.write_bytes(blob)  # one PUT: the whole token or the old one
            return
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self, source: str, athlete_id: str) -> bool:
        path = self._path(source, athlete_id)
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed

    def mark_needs_reconnect(self, source: str, athlete_id: str, reason: str) -> None:
        document = self.get(source, athlete_id) or {}
        document["needs_reconnect"] = reason
        self.put(source, athlete_id, document)
