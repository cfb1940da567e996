"""Synthetic Apple Health exports: the sample athlete's, and large ones for the benchmark."""

from .large import write_large_export
from .sample import write_sample_apple_health

__all__ = ["write_large_export", "write_sample_apple_health"]
