"""Versioned model artefacts: ``<models_dir>/<athlete>/<target>/<model_version>.joblib``.

``models_dir`` is a local folder or a remote ``upath.UPath`` (``FITELT_STORAGE_URL``, e.g. S3):
locally files are replaced atomically with ``os.replace`` in private (0700) folders; on an object
store each file is one PUT, which is atomic by itself.

An artefact holds the fitted pipeline, its feature list, the training rows (for neighbour
look-ups and scenario bounds) and training metadata. Its content hash covers what determines
the model — athlete, target, features, hyperparameters and training rows — and not when it was
trained, so the same data gives the same hash; ``model_version`` is the hash's first 12 hex
digits. ``latest.json`` beside the artefacts names the current one, or says why there is none.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.pipeline import Pipeline

HASH_SCHEMA = 1
VERSION_LENGTH = 12
LATEST = "latest.json"
MODELS_SUBDIR = "models"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ModelArtifact:
    """A trained forecast model with everything needed to use and explain it."""

    athlete_id: str
    target: str
    model: Pipeline
    features: tuple[str, ...]
    X: np.ndarray
    y: np.ndarray
    weeks: tuple[str, ...]
    content_hash: str
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def model_version(self) -> str:
        return self.content_hash[:VERSION_LENGTH]

    @property
    def beats_baseline(self) -> bool:
        return bool(self.metadata["beats_baseline"])


def content_hash(
    athlete_id: str,
    target: str,
    features: tuple[str, ...],
    params: dict[str, Any],
    X: np.ndarray,
    y: np.ndarray,
    weeks: tuple[str, ...],
) -> str:
    """SHA-256 of the model's defining content (float arrays as little-endian float64 bytes)."""
    digest = hashlib.sha256()
    header = {
        "schema": HASH_SCHEMA,
        "athlete_id": athlete_id,
        "target": target,
        "features": list(features),
        "params": params,
        "weeks": list(weeks),
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    digest.update(np.ascontiguousarray(X, dtype="<f8").tobytes())
    digest.update(np.ascontiguousarray(y, dtype="<f8").tobytes())
    return digest.hexdigest()


def models_dir(storage_root: Path) -> Path:
    """Where an installation keeps its artefacts: <storage root>/models."""
    return storage_root / MODELS_SUBDIR


def target_dir(models_dir: Path, athlete_id: str, target: str) -> Path:
    for name in (athlete_id, target):
        if not _SAFE_NAME.match(name):
            raise ValueError(f"unsafe name for an artefact path: {name!r}")
    return models_dir / athlete_id / target


def _private_folder(models_dir: Path, folder: Path) -> None:
    """Create `folder` and the levels between it and `models_dir` with mode 0700 (private data:
    the artefacts hold the athlete's training weeks); files are 0600 (mkstemp). An object store
    has no folders: its bucket policy keeps the artefacts private."""
    if not isinstance(folder, Path):
        return
    inside = folder.relative_to(models_dir)
    for level in [*reversed(inside.parents), inside]:
        path = models_dir / level
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)


def save(models_dir: Path, artifact: ModelArtifact, *, latest: bool = True) -> Path:
    """Write the artefact and, if `latest`, point latest.json at it (each file replaced
    atomically); a candidate that was not selected is kept without becoming the current one."""
    folder = target_dir(models_dir, artifact.athlete_id, artifact.target)
    _private_folder(models_dir, folder)
    path = folder / f"{artifact.model_version}.joblib"
    if not isinstance(path, Path):  # an object store: one PUT is atomic
        with path.open("wb") as handle:
            joblib.dump(artifact, handle)
    else:
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
            joblib.dump(artifact, tmp)
        os.replace(tmp.name, path)
    if latest:
        _write_latest(folder, {"model_version": artifact.model_version, "file": path.name})
    return path


def record_no_model(models_dir: Path, athlete_id: str, target: str, message: str) -> None:
    """The latest training produced no model (e.g. not enough data): say so in latest.json."""
    folder = target_dir(models_dir, athlete_id, target)
    _private_folder(models_dir, folder)
    _write_latest(folder, {"model_version": None, "file": None, "message": message})


def load(path: Path) -> ModelArtifact:
    with path.open("rb") as handle:
        artifact = joblib.load(handle)
    if not isinstance(artifact, ModelArtifact):
        raise TypeError(f"{path} is not a model artefact")
    return artifact


class NoModel(LookupError):
    """No current model for an athlete and target; the message says why."""


def load_latest(models_dir: Path, athlete_id: str, target: str) -> ModelArtifact:
    """The current artefact, or NoModel explaining why there is none."""
    pointer = target_dir(models_dir, athlete_id, target) / LATEST
    if not pointer.exists():
        raise NoModel(f"no {target} model for athlete {athlete_id!r} yet")
    latest = json.loads(pointer.read_text())
    if not latest.get("file"):
        raise NoModel(f"no {target} model for athlete {athlete_id!r}: {latest.get('message')}")
    return load(pointer.parent / latest["file"])


def _write_latest(folder: Path, content: dict[str, Any]) -> None:
    if not isinstance(folder, Path):
        (folder / LATEST).write_text(json.dumps(content, indent=2))
        return
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".tmp", delete=False) as tmp:
        json.dump(content, tmp, indent=2)
    os.replace(tmp.name, folder / LATEST)
