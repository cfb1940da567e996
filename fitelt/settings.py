"""Project settings read once from the environment (see .env.example for every variable)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from fitelt.storage import StoragePath, storage_root

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Paths and switches of one Fitness ELT installation."""

    data_dir: Path
    database_url: str | None
    default_athlete: str
    default_timezone: str

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("FITELT_DATA_DIR", PROJECT_ROOT / ".data")
        return cls(
            data_dir=data_dir,
            database_url=os.environ.get("DATABASE_URL") or None,
            default_athlete=os.environ.get("FITELT_DEFAULT_ATHLETE", "demo"),
            default_timezone=os.environ.get("FITELT_DEFAULT_TIMEZONE", "Europe/Paris"),
        )

    @cached_property
    def postgres_dir(self) -> Path:
        return self.data_dir / "postgres"

    @cached_property
    def storage_root(self) -> StoragePath:
        """Inbox, archive, rejected files, models and site releases: FITELT_STORAGE_URL (a
        local folder or any fsspec URL such as s3://bucket/prefix), else the data folder."""
        return storage_root(os.environ.get("FITELT_STORAGE_URL"), self.data_dir)

    @property
    def storage_is_local(self) -> bool:
        return isinstance(self.storage_root, Path)

    @cached_property
    def inbox_dir(self) -> StoragePath:
        if os.environ.get("FITELT_INBOX_DIR"):
            return _path("FITELT_INBOX_DIR", self.data_dir / "inbox")
        return self.storage_root / "inbox"

    @cached_property
    def archive_dir(self) -> StoragePath:
        return self.storage_root / "archive"

    @cached_property
    def rejected_dir(self) -> StoragePath:
        return self.storage_root / "rejected"

    @cached_property
    def models_dir(self) -> StoragePath:
        """Forecast model artefacts (`ml.artifacts`)."""
        return self.storage_root / "models"

    @cached_property
    def tokens_dir(self) -> StoragePath:
        """Stored OAuth grants (encrypted): beside the key locally, else in the shared storage."""
        return (
            self.secrets_dir / "tokens" if self.storage_is_local else self.storage_root / "tokens"
        )

    @cached_property
    def site_releases_store(self) -> StoragePath | None:
        """Where a remote storage keeps published site releases; None when storage is local
        (the site's own folder, `site_dir`, is then the store)."""
        return None if self.storage_is_local else self.storage_root / "site"

    @cached_property
    def dlt_dir(self) -> Path:
        return self.data_dir / "dlt"

    @cached_property
    def secrets_dir(self) -> Path:
        return self.data_dir / "secrets"

    @cached_property
    def site_dir(self) -> Path:
        return self.data_dir / "site"

    @cached_property
    def dagster_home(self) -> Path:
        return _path("DAGSTER_HOME", self.data_dir / "dagster")

    @property
    def sample_data_dir(self) -> Path:
        return PROJECT_ROOT / "sample_data"

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    @property
    def reports_dir(self) -> Path:
        return PROJECT_ROOT / "reports"


def dbt_executable() -> str:
    """The dbt installed next to this interpreter (the venv's), found without activating it."""
    import shutil
    import sys

    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")
