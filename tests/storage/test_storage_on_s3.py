"""The inbox, archive, rejected files, models and site releases on an S3 API (moto's server).

Everything here goes through real HTTP to the moto process; `s3_keys` lists what the bucket
holds with a client of its own, so a test sees the objects, not our view of them.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pytest

from fitelt.inbox.store import Inbox, reason_of
from fitelt.settings import Settings
from fitelt.storage import StorageUrlError, local_file, storage_root
from tests.conftest import SAMPLE_WEIGHT_CSV
from tests.storage.conftest import s3_keys

LINES = SAMPLE_WEIGHT_CSV.read_text().splitlines()


def _csv(folder: Path, name: str, lines: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join([LINES[0], *lines]) + "\n")
    return path


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("FITELT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FITELT_INBOX_DIR", raising=False)
    return Settings.from_env()


def test_the_inbox_lives_in_the_bucket_content_addressed(
    s3_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch)
    assert not settings.storage_is_local
    inbox = Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)
    first = _csv(tmp_path / "a", "weight (1) ü.csv", LINES[1:50])
    same = _csv(tmp_path / "b", "copy.csv", LINES[1:50])
    other = _csv(tmp_path / "c", "weight (1) ü.csv", LINES[50:90])

    stored, new = inbox.store(first, "demo")
    assert new and inbox.store(same, "demo") == (stored, False), "same bytes: one object"
    inbox.store(other, "demo")
    sha = hashlib.sha256(first.read_bytes()).hexdigest()
    keys = s3_keys(s3_storage)
    assert f"inbox/withings/demo/{sha}__{stored.original_name}" in keys
    assert len(keys) == 2 and not any("/." in key for key in keys), keys  # no partial left
    pending = inbox.pending("withings")
    # S3 keeps modification times to the second: drops within one are ordered by checksum.
    pending.sort(key=lambda item: item.sha256 != sha)
    assert [item.sha256 for item in pending] == [
        sha,
        hashlib.sha256(other.read_bytes()).hexdigest(),
    ]
    with local_file(pending[0].path, tmp_path / "run") as copy:
        assert copy.read_bytes() == first.read_bytes() and copy.parent == tmp_path / "run"
    assert not (tmp_path / "run" / pending[0].path.name).exists(), "the run's copy is removed"

    archived = inbox.archive(pending[0])
    assert inbox.is_archived(pending[0]) and archived.read_bytes() == first.read_bytes()
    inbox.reject(pending[1], "line 3: not a number")
    assert inbox.pending("withings") == []
    [rejected] = inbox.rejected()
    assert reason_of(rejected) == "line 3: not a number"
    assert sorted(k.split("/")[0] for k in s3_keys(s3_storage)) == [
        "archive", "rejected", "rejected",
    ]  # fmt: skip

    [back] = inbox.retry_rejected("demo")
    assert back.sha256 == rejected.sha256 and inbox.pending("withings") == [back]
    assert not any(key.startswith("rejected/") for key in s3_keys(s3_storage))


def test_models_are_saved_and_read_back_from_the_bucket(
    s3_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.pipeline import make_pipeline

    from ml import artifacts

    settings = _settings(tmp_path, monkeypatch)
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6.0)
    model = make_pipeline(KNeighborsRegressor(n_neighbors=2)).fit(X, y)
    features, weeks = ("a", "b"), tuple(f"2026-W{n:02d}" for n in range(6))
    digest = artifacts.content_hash("demo", "weight_kg", features, {"k": 2}, X, y, weeks)
    artifact = artifacts.ModelArtifact(
        "demo", "weight_kg", model, features, X, y, weeks, digest, {"beats_baseline": True}
    )
    artifacts.save(settings.models_dir, artifact)
    assert s3_keys(s3_storage) == [
        f"models/demo/weight_kg/{artifact.model_version}.joblib",
        "models/demo/weight_kg/latest.json",
    ]
    loaded = artifacts.load_latest(settings.models_dir, "demo", "weight_kg")
    assert loaded.content_hash == digest
    assert np.allclose(loaded.model.predict(X), model.predict(X))
    artifacts.record_no_model(settings.models_dir, "demo", "weight_kg", "not enough weeks")
    with pytest.raises(artifacts.NoModel, match="not enough weeks"):
        artifacts.load_latest(settings.models_dir, "demo", "weight_kg")


def test_erasing_an_athlete_removes_their_objects_only(
    s3_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fitelt.admin.erase_athlete import remove_files

    settings = _settings(tmp_path, monkeypatch)
    inbox = Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)
    inbox.archive(inbox.drop(_csv(tmp_path, "a.csv", LINES[1:20]), "gone"))
    inbox.drop(_csv(tmp_path, "b.csv", LINES[20:40]), "gone")
    inbox.drop(_csv(tmp_path, "c.csv", LINES[40:60]), "stays")
    (settings.models_dir / "gone" / "weight_kg" / "latest.json").write_text("{}")
    removed = remove_files(settings, "gone")
    assert len(removed) == 3
    assert [key.split("/")[2] for key in s3_keys(s3_storage)] == ["stays"]


def test_a_site_release_travels_through_the_bucket(
    s3_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fitelt.site.build import publish_release
    from fitelt.site.remote_releases import current_name, pull_current, upload_release

    settings = _settings(tmp_path, monkeypatch)
    store = settings.site_releases_store
    assert store is not None
    log = logging.getLogger("test")
    built = tmp_path / "build"
    (built / "weight").mkdir(parents=True)
    (built / "index.html").write_text("<h1>v1</h1>")
    (built / "weight" / "index.html").write_text("<h1>weight</h1>")
    builder_site = tmp_path / "builder" / "site"
    release = publish_release(built, builder_site, log)
    upload_release(release, store, log)
    assert current_name(store) == release.name

    server_site = tmp_path / "server" / "site"  # another machine: nothing local yet
    assert pull_current(store, server_site, log) == release.name
    assert (server_site / "current" / "weight" / "index.html").read_text() == "<h1>weight</h1>"
    assert pull_current(store, server_site, log) is None, "already serving it"

    for version in range(2, 6):  # later builds: the store keeps the newest three
        (built := tmp_path / f"build{version}").mkdir()
        (built / "index.html").write_text(f"<h1>v{version}</h1>")
        upload_release(publish_release(built, builder_site, log), store, log)
    assert pull_current(store, server_site, log) == current_name(store)
    assert (server_site / "current" / "index.html").read_text() == "<h1>v5</h1>"
    assert len({key.split("/")[2] for key in s3_keys(s3_storage) if "/releases/" in key}) == 3


def test_a_storage_url_with_credentials_in_it_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageUrlError, match="not in the URL"):
        storage_root("s3://AKIA:secret@bucket/prefix", tmp_path)
    assert storage_root(None, tmp_path) == tmp_path
    assert storage_root(f"file://{tmp_path}/x", tmp_path) == tmp_path / "x"


def test_oauth_grants_are_shared_through_the_bucket_encrypted(
    s3_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dlt_sources.common.token_store import TokenStore, TokenStoreError

    settings = _settings(tmp_path, monkeypatch)
    monkeypatch.delenv("FITELT_SECRET_KEY", raising=False)
    alone = TokenStore.open(tmp_path / "pod-a" / "secrets", settings.tokens_dir)
    with pytest.raises(TokenStoreError, match="set FITELT_SECRET_KEY"):
        alone.put("strava", "demo", {"refresh_token": "r1"})
    assert s3_keys(s3_storage) == [], "nothing written under a key only one machine has"

    monkeypatch.setenv("FITELT_SECRET_KEY", "one passphrase for every machine")
    writer = TokenStore.open(tmp_path / "pod-a" / "secrets", settings.tokens_dir)
    writer.put("strava", "demo", {"refresh_token": "r2-rotated"})
    [key] = s3_keys(s3_storage)
    assert key == "tokens/strava__demo.bin"
    stored = (settings.tokens_dir / "strava__demo.bin").read_bytes()
    assert b"r2-rotated" not in stored, "encrypted at rest"
    reader = TokenStore.open(tmp_path / "pod-b" / "secrets", settings.tokens_dir)
    assert reader.get("strava", "demo") == {"refresh_token": "r2-rotated"}
    assert reader.delete("strava", "demo") and s3_keys(s3_storage) == []


def test_a_local_inbox_archives_into_the_bucket(
    s3_storage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FITELT_INBOX_DIR", str(tmp_path / "watched"))  # e.g. a synced folder
    monkeypatch.setenv("FITELT_DATA_DIR", str(tmp_path / "data"))
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir, settings.rejected_dir)
    item = inbox.drop(_csv(tmp_path, "w.csv", LINES[1:30]), "demo")
    assert isinstance(item.path, Path) and item.path.is_file()
    inbox.archive(item)
    assert not item.path.exists() and inbox.is_archived(item)
    assert s3_keys(s3_storage) == [f"archive/withings/demo/{item.stored_name}"]
    second = inbox.drop(_csv(tmp_path, "x.csv", LINES[30:60]), "demo")
    content = second.path.read_bytes()
    inbox.reject(second, "bad")
    [rejected] = inbox.rejected()
    assert reason_of(rejected) == "bad" and not second.path.exists()
    [back] = inbox.retry_rejected()
    assert isinstance(back.path, Path) and back.path.read_bytes() == content
    assert s3_keys(s3_storage) == [f"archive/withings/demo/{item.stored_name}"]
