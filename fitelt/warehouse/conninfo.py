"""Connection facts of the warehouse, spelt for each client (libpq, dlt, dbt, SQLAlchemy)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qs, quote, unquote, urlsplit


@dataclass(frozen=True)
class ConnInfo:
    """Where and as whom to connect; `host` may be a unix-socket directory."""

    host: str
    port: int
    dbname: str
    user: str
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> ConnInfo:
        parts = urlsplit(url)
        if parts.scheme not in {"postgres", "postgresql", "postgresql+psycopg2"}:
            raise ValueError(
                f"DATABASE_URL must be a postgresql:// URL, got scheme {parts.scheme!r}"
            )
        query = parse_qs(parts.query)
        host = unquote(parts.hostname or "") if parts.hostname else ""
        if "%2f" in parts.netloc.lower():  # dlt-style socket folder in the host part
            host = unquote(parts.netloc.rsplit("@", 1)[-1].split(":")[0])
        host = query.get("host", [host])[0] or "localhost"
        return cls(
            host=host,
            port=int(query.get("port", [parts.port or 5432])[0]),
            dbname=unquote(parts.path.lstrip("/")) or "postgres",
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
        )

    @property
    def is_socket(self) -> bool:
        return self.host.startswith("/")

    def with_db(self, dbname: str) -> ConnInfo:
        return replace(self, dbname=dbname)

    def as_user(self, user: str, password: str) -> ConnInfo:
        return replace(self, user=user, password=password)

    def dsn(self) -> str:
        """libpq key/value string for psycopg2 and psql."""
        fields = {
            "host": self.host,
            "port": str(self.port),
            "dbname": self.dbname,
            "user": self.user,
        }
        if self.password:
            fields["password"] = self.password
        return " ".join(f"{k}='{_escape(v)}'" for k, v in fields.items())

    def url(self, *, redact: bool = False) -> str:
        """A URL that libpq, psycopg2 and dlt all accept (socket folder percent-encoded as host)."""
        # dlt ignores ?host= and needs a non-empty password; a local socket accepts any.
        password = "***" if redact and self.password else quote(self.password or "x", safe="")
        host = quote(self.host, safe="") if self.is_socket else self.host
        return f"postgresql://{quote(self.user)}:{password}@{host}:{self.port}/{self.dbname}"

    def sqlalchemy_url(self) -> str:
        password = quote(self.password or "x", safe="")
        if self.is_socket:
            return (
                f"postgresql+psycopg2://{quote(self.user)}:{password}@/{self.dbname}"
                f"?host={self.host}&port={self.port}"
            )
        return f"postgresql+psycopg2://{quote(self.user)}:{password}@{self.host}:{self.port}/{self.dbname}"

    def libpq_env(self, prefix: str = "PG") -> dict[str, str]:
        """PGHOST-style variables (used by psql, pg_dump and the dbt profile)."""
        return {
            f"{prefix}HOST": self.host,
            f"{prefix}PORT": str(self.port),
            f"{prefix}DATABASE": self.dbname,
            f"{prefix}USER": self.user,
            f"{prefix}PASSWORD": self.password or "x",
        }


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")
