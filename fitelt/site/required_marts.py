"""The marts the report's source queries read, and which of them do not exist yet.

Evidence's PostgreSQL connector reports a query on a missing table as an unhelpful
"Cannot read properties of undefined (reading 'rows')"; the report asset checks first and
names what to materialise instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import psycopg2

_MART = re.compile(r"\bmarts\.([a-z_][a-z0-9_]*)", re.IGNORECASE)


def required_marts(reports_dir: Path) -> list[str]:
    """Tables of schema `marts` named in `sources/warehouse/*.sql`, sorted."""
    names = {
        match.lower()
        for query in (reports_dir / "sources" / "warehouse").glob("*.sql")
        for match in _MART.findall(query.read_text())
    }
    return sorted(names)


def missing_marts(dsn: str, names: list[str]) -> list[str]:
    """The `marts.<name>` relations among `names` that do not exist (or are not visible)."""
    with psycopg2.connect(dsn) as db, db.cursor() as cur:
        cur.execute(
            "select name from unnest(%s::text[]) as name "
            "where to_regclass(format('marts.%%I', name)) is null order by name",
            (names,),
        )
        found = [row[0] for row in cur.fetchall()]
    db.close()
    return found
