"""Pieces every source shares: quarantine rows, inbox files, safe number parsing."""
