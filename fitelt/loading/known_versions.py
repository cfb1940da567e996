"""Which activity-file versions the warehouse already holds: (athlete_id, content sha256)."""

from __future__ import annotations

import psycopg2

from fitelt.warehouse.conninfo import ConnInfo

VERSIONS_TABLE = "raw.activity_files"


def loaded_versions(conn: ConnInfo) -> frozenset[tuple[str, str]]:
    """Every (athlete_id, content_sha256) in raw.activity_files; empty before the first load."""
    with psycopg2.connect(conn.dsn()) as db, db.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (VERSIONS_TABLE,))
        if not cur.fetchone()[0]:
            return frozenset()
        cur.execute(f"select athlete_id, content_sha256 from {VERSIONS_TABLE}")  # noqa: S608
        return frozenset((athlete, sha) for athlete, sha in cur.fetchall())
