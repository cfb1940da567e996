"""The file sources' columnar path (pyarrow tables → csv → COPY) makes exactly the raw tables
the dict path made: same columns, PostgreSQL types and nullability, same `_dlt_load_id` /
`_dlt_id`, same dlt schema, same values; merges update in place as before.

Both paths run side by side (`arrow_rows.COLUMNAR` off = the dict path) into two datasets, on
the sample files and on awkward ones: DST, NULLs, long floats, "" in a nullable text column
(COPY reads it as NULL: such rows go as dicts), quotes, new lines, a line `\\.`, non-ASCII.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import dlt
import pytest

from dlt_sources.common import arrow_rows
from dlt_sources.common.files import SourceFile
from dlt_sources.crossfit import crossfit_source
from dlt_sources.crossfit.settings import CSV_HEADER
from dlt_sources.strava import ACTIVITIES_HINTS, strava_source
from dlt_sources.strava.settings import EXPORT_HEADER
from dlt_sources.withings import withings_source
from dlt_sources.withings.settings import EXPORT_COLUMNS_KG
from tests.conftest import query

SOURCES = {"withings": withings_source, "strava": strava_source, "crossfit": crossfit_source}
TABLES = {
    "withings": "withings_measures",
    "strava": "strava_activities",
    "crossfit": "crossfit_sets",
}
ORDER = {  # the primary keys
    "withings": "athlete_id, measured_at, measure_type",
    "strava": "athlete_id, activity_id",
    "crossfit": "athlete_id, session_date, set_key",
}
SAMPLE_DATA = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE = {"withings": "weight.csv", "strava": "activities.csv", "crossfit": "crossfit_log.csv"}
ODD_TEXT = 'Run, "quoted"\nline two\r\n\\.\nback\\slash ünïcödé 🏃 ,'


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _weight_csv(path: Path, extra: list[list[str]] = ()) -> Path:
    rows = [
        ["2024-03-31 02:30:00", "80.12345", "15.5", "", "", "", "in the DST gap"],
        ["2024-10-27 02:30:00", "79.9", "", "3.1", "35.123456", "40", ODD_TEXT],
        ["2024-10-27 02:30:00", "79.9", "", "3.1", "35.123456", "40", ODD_TEXT],  # same key
        ["2024-01-01 00:00:00", "0.1e3", "33.333333", "2.9", "", "", ""],
        ["2024-01-02 07:00:00", "eighty", "", "", "", "", ""],  # quarantined
        *extra,
    ]
    return _csv(path, EXPORT_COLUMNS_KG, rows)


def _activity(activity_id: int, date: str, name: str, **cells: str) -> list[str]:
    row = [""] * len(EXPORT_HEADER)
    row[0], row[1], row[2], row[3] = str(activity_id), date, name, cells.pop("kind", "Run")
    row[15], row[16], row[17] = "3725.0", "3601.4", "12345.678901234567"  # times, distance
    for index, value in cells.items():  # c18="4.9": column 18
        row[int(index.lstrip("c"))] = value
    return row


def _activities_csv(path: Path, names: tuple[str, str] = ("", ODD_TEXT)) -> Path:
    speeds = {"c18": "3.3333333333333335", "c19": "0.1", "c20": "0"}
    trail = _activity(
        9_000_000_003, "Jan 1, 2024, 11:00:00 PM", "Trail", kind="Trail Run", **speeds
    )
    rows = [
        _activity(9_000_000_001, "Mar 31, 2024, 1:30:00 AM", names[0]),  # "" name, no HR
        _activity(9_000_000_002, "Oct 27, 2024, 12:59:59 AM", names[1], c30="182.0", c31="155.5"),
        trail,
        trail,  # the same activity twice in one file: one row
        _activity(2**63, "Jan 2, 2024, 1:00:00 PM", "too large"),  # quarantined
    ]
    return _csv(path, EXPORT_HEADER, rows)


def _crossfit_csv(path: Path) -> Path:
    rows = [
        ["2024-03-01", "Back squat", "5", "5", "100", "kg", 'felt "heavy"\nnext line'],
        ["2024-03-01", "Pull-up", "3", "10", "", "", ""],  # bodyweight: NULL weights, notes
        ["2024-03-01", "Back squat", "5", "5", "100", "kg", 'felt "heavy"\nnext line'],
        ["2024-03-02", "Deadlift", "1", "3", "225.55", "lb", ODD_TEXT],
        ["2024-03-02", "Snatch", "4", "-1", "40", "kg", ""],  # quarantined
        ["2024/03/03", "Row", "1", "1", "0.1", "kgs", "é"],
    ]
    return _csv(path, CSV_HEADER, rows)


FILES = {"withings": _weight_csv, "strava": _activities_csv, "crossfit": _crossfit_csv}


def _pipeline(db, name: str, work: Path, dataset: str = "raw") -> dlt.Pipeline:
    destination = dlt.destinations.postgres(credentials=db.url())
    return dlt.pipeline(
        name, pipelines_dir=str(work), destination=destination, dataset_name=dataset
    )


def _load(db, dataset: str, source: str, path: Path, columnar: bool, work: Path) -> dlt.Pipeline:
    arrow_rows.COLUMNAR = columnar
    try:
        pipeline = _pipeline(db, f"{source}_{dataset}", work, dataset)
        files = [SourceFile(path, "demo", "Europe/Paris", name=path.name)]
        pipeline.run(SOURCES[source](files=files))
    finally:
        arrow_rows.COLUMNAR = True
    return pipeline


def _columns(db, dataset: str, table: str) -> list[tuple]:
    return query(
        db,
        "select column_name, data_type, is_nullable, datetime_precision, "
        "character_maximum_length, numeric_precision from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (dataset, table),
    )


def _values(db, dataset: str, source: str) -> list[tuple]:
    names = [c[0] for c in _columns(db, dataset, TABLES[source]) if not c[0].startswith("_dlt")]
    return query(
        db,
        f"select {', '.join(names)} from {dataset}.{TABLES[source]} order by {ORDER[source]}",
    )


def _dlt_columns(db, dataset: str, table: str) -> list[tuple]:
    """Per `_dlt_load_id`: rows, distinct `_dlt_id`s, their lengths, the load's status."""
    return query(
        db,
        f"select t._dlt_load_id, count(*), count(distinct t._dlt_id), "
        f"min(length(t._dlt_id)), max(length(t._dlt_id)), l.status "
        f"from {dataset}.{table} t left join {dataset}._dlt_loads l on l.load_id = t._dlt_load_id "
        f"group by 1, 6 order by 1",
    )


@pytest.mark.parametrize("files", ["awkward", "sample"])
@pytest.mark.parametrize("source", list(SOURCES))
def test_columnar_load_makes_the_dict_paths_table_and_values(
    fresh_db, tmp_path: Path, source: str, files: str
) -> None:
    path = SAMPLE_DATA / source / SAMPLE[source]
    if files == "awkward":
        path = FILES[source](tmp_path / "files" / f"{source}.csv")
    old = _load(fresh_db, "raw_dicts", source, path, False, tmp_path / "dicts")
    new = _load(fresh_db, "raw_arrow", source, path, True, tmp_path / "arrow")
    table = TABLES[source]

    expected = _columns(fresh_db, "raw_dicts", table)
    assert _columns(fresh_db, "raw_arrow", table) == expected
    assert ("_dlt_id", "character varying", "NO", None, None, None) in expected
    assert ("_dlt_load_id", "character varying", "NO", None, None, None) in expected
    schema = old.default_schema.get_table_columns(table)
    assert new.default_schema.get_table_columns(table) == schema  # dlt's view too
    quarantine = _columns(fresh_db, "raw_dicts", f"{source}_quarantine")  # dicts either way
    assert _columns(fresh_db, "raw_arrow", f"{source}_quarantine") == quarantine
    values = _values(fresh_db, "raw_arrow", source)
    assert values == _values(fresh_db, "raw_dicts", source)
    if files == "awkward":
        assert query(fresh_db, f"select count(*) from raw_arrow.{source}_quarantine") == [(1,)]
        assert len(values) == {"withings": 11, "strava": 3, "crossfit": 5}[source]  # deduped
    else:
        assert len(values) == {"withings": 6096, "strava": 580, "crossfit": 781}[source]
    for dataset in ("raw_dicts", "raw_arrow"):
        ((load_id, rows, ids, shortest, longest, status),) = _dlt_columns(fresh_db, dataset, table)
        assert (rows, ids, status) == (len(values), len(values), 0)
        assert (shortest, longest) == (14, 14)  # dlt's own 10-byte base64 row ids


def test_awkward_values_round_trip(fresh_db, tmp_path: Path) -> None:
    """Checked against what the files say, not only against the dict path."""
    for source in SOURCES:
        path = FILES[source](tmp_path / "files" / f"{source}.csv")
        _load(fresh_db, "raw", source, path, True, tmp_path / "work")
    (gap, ambiguous) = query(
        fresh_db,
        "select measured_at::text, value from raw.withings_measures where measure_name = "
        "'weight_kg' and measured_at > '2024-03-01' order by measured_at",
    )
    assert gap == ("2024-03-31 01:30:00+00", 80.1235)  # 02:30 does not exist in Paris
    assert ambiguous == ("2024-10-27 00:30:00+00", 79.9)  # the first 02:30 (summer time)
    ratio = query(fresh_db, "select value from raw.withings_measures where measure_type = 6")
    assert sorted(ratio) == [(19.3451,), (33.3333,)]  # fat mass / weight, 4 digits
    nulls = "select count(*) from raw.withings_measures where grpid is null and modified_at is null"
    assert query(fresh_db, nulls) == [(11,)]  # the export has neither
    strava = query(
        fresh_db,
        "select name, start_date::text, start_date_local::text, distance_m, max_speed, "
        "average_heartrate, total_elevation_gain_m from raw.strava_activities order by 1",
    )
    assert strava == [
        ("", "2024-03-31 01:30:00+00", "2024-03-31 03:30:00", 12345.678901234567,
         None, None, None),
        (ODD_TEXT, "2024-10-27 00:59:59+00", "2024-10-27 02:59:59", 12345.678901234567,
         None, 155.5, None),
        ("Trail", "2024-01-01 23:00:00+00", "2024-01-02 00:00:00", 12345.678901234567,
         3.3333333333333335, None, 0.0),
    ]  # fmt: skip
    crossfit = query(
        fresh_db,
        "select session_date::text, exercise, weight, unit, weight_kg, notes, source_file "
        "from raw.crossfit_sets order by 1, 2",
    )
    assert crossfit == [
        ("2024-03-01", "Back squat", 100.0, "kg", 100.0, 'felt "heavy"\nnext line', "crossfit.csv"),
        ("2024-03-01", "Back squat", 100.0, "kg", 100.0, 'felt "heavy"\nnext line', "crossfit.csv"),
        ("2024-03-01", "Pull-up", None, "kg", None, None, "crossfit.csv"),
        ("2024-03-02", "Deadlift", 225.55, "lb", 102.308, ODD_TEXT, "crossfit.csv"),
        ("2024-03-03", "Row", 0.1, "kg", 0.1, "é", "crossfit.csv"),
    ]  # fmt: skip


def test_columnar_load_merges_into_a_table_the_dict_path_made(fresh_db, tmp_path: Path) -> None:
    """An existing warehouse: dict-made tables, then columnar loads update rows in place."""
    first = _activities_csv(tmp_path / "a" / "activities.csv", names=("Easy", "Long"))
    pipeline = _load(fresh_db, "raw", "strava", first, False, tmp_path / "work")
    columns = _columns(fresh_db, "raw", "strava_activities")
    schema = pipeline.default_schema.get_table_columns("strava_activities")
    weights = _weight_csv(tmp_path / "a" / "weight.csv")
    _load(fresh_db, "raw", "withings", weights, False, tmp_path / "work")
    weights_columns = _columns(fresh_db, "raw", "withings_measures")

    edited = _activities_csv(tmp_path / "b" / "activities.csv", names=("Easy", "Renamed"))
    pipeline = _load(fresh_db, "raw", "strava", edited, True, tmp_path / "work")
    more = [["2024-02-01 08:00:00", "81", "", "", "", "", ""]]
    weights = _weight_csv(tmp_path / "b" / "weight.csv", more)
    _load(fresh_db, "raw", "withings", weights, True, tmp_path / "work")

    assert _columns(fresh_db, "raw", "strava_activities") == columns
    assert _columns(fresh_db, "raw", "withings_measures") == weights_columns
    assert pipeline.default_schema.get_table_columns("strava_activities") == schema
    names = query(fresh_db, "select name from raw.strava_activities order by activity_id")
    assert names == [("Easy",), ("Renamed",), ("Trail",)]
    assert query(fresh_db, "select count(*) from raw.withings_measures") == [(12,)]
    loads = _dlt_columns(fresh_db, "raw", "strava_activities")
    assert [(rows, ids, status) for _, rows, ids, _, _, status in loads] == [(3, 3, 0)]
    last = "select max(load_id) from raw._dlt_loads where schema_name = 'strava'"
    assert loads[0][0] == query(fresh_db, last)[0][0]  # every row rewritten by the second load


def _api_like(activity_id: int, **extra: object) -> dict:
    start = datetime(2024, 1, activity_id, tzinfo=UTC)
    row = {"athlete_id": "a", "activity_id": activity_id, "sport_type": "Run"}
    return {**row, "start_date": start, "data_source": "api", **extra}


def test_rows_a_table_cannot_carry_go_as_dicts(tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []
    good = _api_like(1)
    cases = [
        [good, _api_like(2, name="")],  # "" in a nullable text column: that row as a dict
        [good, _api_like(2, surprise=1)],  # an undeclared column
        [good, {**good, "activity_id": "two"}],  # not the column's type
        [good, _api_like(2, sport_type=None)],  # NULL in a NOT NULL column
    ]

    @dlt.resource(name="probe")
    def probe():
        for rows in cases:
            for item in arrow_rows.row_items(rows, ACTIVITIES_HINTS, {"source_file": "f"}):
                data = item.data
                seen.append((type(data).__name__, getattr(data, "num_rows", len(data))))
                yield item

    dlt.pipeline("probe", pipelines_dir=str(tmp_path)).extract(probe())
    assert seen == [("list", 1), ("Table", 1), ("list", 2), ("list", 2), ("list", 2)]
    outside = list(arrow_rows.row_items([good], ACTIVITIES_HINTS))  # no extract, no load id
    assert isinstance(outside[0].data, list)


def test_arrow_and_dict_rows_of_one_table_merge_in_one_load(fresh_db, tmp_path: Path) -> None:
    """A run with an export file (arrow) and an API account (dicts): one row per key."""

    @dlt.resource(name="activities")
    def mixed():
        yield from arrow_rows.row_items([_api_like(1), _api_like(2)], ACTIVITIES_HINTS)
        api = [_api_like(2, name="edited"), _api_like(3)]
        yield dlt.mark.with_hints(api, ACTIVITIES_HINTS, create_table_variant=True)

    _pipeline(fresh_db, "mixed", tmp_path).run(mixed())
    rows = query(fresh_db, "select activity_id, count(*) from raw.strava_activities group by 1")
    assert sorted(rows) == [(1, 1), (2, 1), (3, 1)]
    ((load_id, count, ids, *_),) = _dlt_columns(fresh_db, "raw", "strava_activities")
    assert (count, ids) == (3, 3)
