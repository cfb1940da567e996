"""The CrossFit log downloaded as CSV: parsing, quarantine, idempotent keys, athletes apart."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg

from dlt_sources.common.quarantine import RowError
from dlt_sources.crossfit.csv_log import csv_lines, is_crossfit_log
from dlt_sources.crossfit.rows import log_rows, normalise_name
from fitelt.inbox.store import Inbox
from fitelt.settings import Settings
from fitelt.warehouse.athletes import ensure_athlete
from orchestration.lib.materialize import materialize, succeeded
from tests.conftest import query

SAMPLE_LOG = Path(__file__).resolve().parents[2] / "sample_data/crossfit/crossfit_log.csv"
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _parse(tmp_path: Path, text: str) -> list[tuple[int, list, dict | RowError]]:
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    return list(log_rows(csv_lines(path), athlete_id="demo", now=NOW))


def test_names_are_normalised_to_one_key() -> None:
    spellings = ["Back squat", "back-squat", "BACK SQUAT", " Back  Squat! "]
    assert {normalise_name(s) for s in spellings} == {"back_squat"}
    assert normalise_name("Clean & Jerk") == "clean_jerk"


def test_header_is_recognised_by_names_in_any_order_and_case() -> None:
    assert is_crossfit_log(["Date", "Exercise", "Sets", "Reps", "Weight", "Unit", "Notes"])
    assert is_crossfit_log(["day", "Movement", "REPS", "Load"])
    assert not is_crossfit_log(["Date", "Exercise", "Reps"])  # no weight column
    assert not is_crossfit_log(["Date", "Weight (kg)", "Fat mass (kg)"])


def test_csv_rows_parse_and_bad_ones_carry_their_reason(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Date,Exercise,Sets,Reps,Weight,Unit,Notes\n"
        "2025-05-01,Deadlift,3,5,140,kg,\n"
        '2025-05-01,Thruster,,10,"95,5",lb,"felt ""ok"",\nnext time more"\n'
        "2025-05-01,Deadlift,3,5,140,kg,\n"  # the same line twice: two rows
        ",Deadlift,3,5,140,kg,\n"
        "2025-05-02,Snatch,2,-1,40,kg,\n"
        "2025-05-02,Snatch,2,1,forty,kg,\n"
        "2025-05-02,Snatch,2,1.5,40,kg,\n"
        "2025-05-02,Snatch,2,1,40,stone,\n"
        "2026-01-01,Snatch,2,1,40,kg,\n"
        ",,,,,,\n",
    )
    good = {line: row for line, _cells, row in parsed if isinstance(row, dict)}
    bad = {line: str(row) for line, _cells, row in parsed if isinstance(row, RowError)}
    assert sorted(good) == [2, 3, 5]
    thruster = good[3]
    assert (thruster["sets"], thruster["reps"], thruster["weight"], thruster["unit"]) == (
        1,
        10,
        95.5,
        "lb",
    )
    assert thruster["weight_kg"] == 43.318 and thruster["notes"] == 'felt "ok",\nnext time more'
    assert good[2]["set_key"] != good[5]["set_key"]  # identical lines stay two rows
    assert bad == {
        6: "date: missing",
        7: "reps: -1 outside [1, 10000]",
        8: "weight: not a number: 'forty'",
        9: "reps: 1.5 is not a whole number",
        10: "unit: 'stone' is not kg or lb",
        11: "date: 2026-01-01 is in the future",
    }
    again = _parse(tmp_path, (tmp_path / "log.csv").read_text())
    assert [r["set_key"] for _, _, r in again if isinstance(r, dict)] == [
        good[n]["set_key"] for n in (2, 3, 5)
    ]  # same file, same keys: a reload is idempotent


def test_two_athletes_logs_stay_apart_and_bad_lines_are_quarantined(
    fitelt_env, tmp_path: Path
) -> None:
    lines = SAMPLE_LOG.read_text().splitlines()
    bob_log = tmp_path / "bob" / "crossfit_log.csv"
    bob_log.parent.mkdir()
    # Bob logs the same first day as the sample athlete, in pounds, plus one broken line.
    bob_day = [line.replace(",kg,", ",lb,") for line in lines[1:4]]
    bob_log.write_text("\n".join([lines[0], *bob_day, "2023-11-03,Snatch,4,-1,40,kg,"]) + "\n")

    ensure_athlete(fitelt_env, "bob", "Europe/London")
    settings = Settings.from_env()
    inbox = Inbox(settings.inbox_dir, settings.archive_dir)
    inbox.drop(SAMPLE_LOG, "demo")
    inbox.drop(bob_log, "bob")
    instance = dg.DagsterInstance.ephemeral()
    assert succeeded(materialize("crossfit/sets", instance=instance))
    # Loading the sample again (a re-download) changes nothing.
    duplicate = tmp_path / "redownload.csv"
    duplicate.write_text(SAMPLE_LOG.read_text())
    inbox.drop(duplicate, "demo")
    assert succeeded(materialize("crossfit/sets", instance=instance))

    counts = dict(
        query(fitelt_env, "select athlete_id, count(*) from raw.crossfit_sets group by 1")
    )
    assert counts == {"demo": len(lines) - 1, "bob": 3}
    first_day = query(
        fitelt_env,
        "select athlete_id, unit, count(*) from raw.crossfit_sets "
        "where session_date = %s group by 1, 2 order by 1, 2",
        (date(2023, 11, 3),),
    )
    assert first_day == [("bob", "kg", 1), ("bob", "lb", 2), ("demo", "kg", 3)]
    quarantined = query(
        fitelt_env, "select athlete_id, source_line, reason from raw.crossfit_quarantine"
    )
    assert quarantined == [("bob", 5, "reps: -1 outside [1, 10000]")]


def test_crossfit_table_and_alias_seed_feed_the_staging_model() -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    raw = graph.get(dg.AssetKey(["crossfit", "sets"]))
    seed = graph.get(dg.AssetKey(["staging", "exercise_aliases"]))
    staging = graph.get(dg.AssetKey(["staging", "stg_crossfit__sets"]))
    assert staging.parent_keys == {raw.key, seed.key}
    # The seed sits in the source's group, so the crossfit refresh job always rebuilds it.
    assert raw.group_name == seed.group_name == "crossfit"
    assert {s.name for s in defs.schedules or []} >= {"crossfit_every_3h"}
    assert {s.name for s in defs.sensors or []} >= {"crossfit_inbox"}
