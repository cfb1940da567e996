"""Parser properties of the export readers (Withings `weight.csv`, Strava `activities.csv`, the
CrossFit CSV): fed arbitrary bytes, the sample exports truncated and mutated (bytes flipped,
inserted, deleted; lines duplicated, swapped; quotes unbalanced; BOM, NUL, latin-1, CRLF, a field
over Python's 128 KiB csv default) or records of nasty cells, they yield storable rows or
per-record RowErrors, or raise the source's file-level format error naming the file or the line
(parser_contract.py). The header detectors answer True or False for any header.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlt_sources.crossfit.csv_log import is_crossfit_log
from dlt_sources.strava.export import is_activities_export
from dlt_sources.withings.export import is_weight_export
from tests.sources.parser_contract import FILE_PROPERTY, PROPERTY, SOURCES, check_file_contract
from tests.sources.parser_inputs import SAMPLES, ZONES, mutated, structured, texts


@pytest.mark.parametrize("source", SOURCES)
@FILE_PROPERTY
@given(content=st.binary(max_size=600), timezone=ZONES)
def test_any_bytes_give_rows_row_errors_or_the_format_error(
    source: str, content: bytes, timezone: str, tmp_path: Path
) -> None:
    check_file_contract(source, content, tmp_path / "export.csv", timezone)


@pytest.mark.parametrize("source", SOURCES)
@FILE_PROPERTY
@given(data=st.data(), timezone=ZONES)
def test_mutated_real_exports_give_rows_row_errors_or_the_format_error(
    source: str, data: st.DataObject, timezone: str, tmp_path: Path
) -> None:
    content = data.draw(mutated(SAMPLES[source]))
    check_file_contract(source, content, tmp_path / "export.csv", timezone)


@pytest.mark.parametrize("source", SOURCES)
@FILE_PROPERTY
@given(data=st.data(), timezone=ZONES)
def test_records_of_nasty_cells_give_rows_or_row_errors(
    source: str, data: st.DataObject, timezone: str, tmp_path: Path
) -> None:
    content = data.draw(structured(source))
    check_file_contract(source, content, tmp_path / "export.csv", timezone)


@PROPERTY
@given(header=st.lists(texts, max_size=12))
def test_header_detectors_answer_true_or_false_for_any_header(header: list[str]) -> None:
    for detect in (is_weight_export, is_activities_export, is_crossfit_log):
        assert detect(header) in (True, False)
