"""Write export.xml the way the Health app does, streamed with lxml's incremental writer.

The document starts with the export's internal DOCTYPE (abridged: the elements this project
writes), then `<HealthData locale=…>`, `<ExportDate>`, `<Me>`, and the records sorted by type as
the app writes them. Every date is 'YYYY-MM-DD HH:MM:SS +HHMM'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO, Any

from lxml import etree

DOCTYPE = """<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Me EMPTY>
<!ATTLIST Me
  HKCharacteristicTypeIdentifierDateOfBirth         CDATA #REQUIRED
  HKCharacteristicTypeIdentifierBiologicalSex       CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT MetadataEntry EMPTY>
<!ATTLIST MetadataEntry
  key   CDATA #REQUIRED
  value CDATA #REQUIRED
>
<!ELEMENT HeartRateVariabilityMetadataList (InstantaneousBeatsPerMinute*)>
<!ELEMENT InstantaneousBeatsPerMinute EMPTY>
<!ATTLIST InstantaneousBeatsPerMinute
  bpm  CDATA #REQUIRED
  time CDATA #REQUIRED
>
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Workout ((MetadataEntry|WorkoutEvent|WorkoutRoute|WorkoutStatistics)*)>
<!ATTLIST Workout
  workoutActivityType   CDATA #REQUIRED
  duration              CDATA #IMPLIED
  durationUnit          CDATA #IMPLIED
  totalDistance         CDATA #IMPLIED
  totalDistanceUnit     CDATA #IMPLIED
  totalEnergyBurned     CDATA #IMPLIED
  totalEnergyBurnedUnit CDATA #IMPLIED
  sourceName            CDATA #REQUIRED
  sourceVersion         CDATA #IMPLIED
  creationDate          CDATA #IMPLIED
  startDate             CDATA #REQUIRED
  endDate               CDATA #REQUIRED
>
<!ELEMENT WorkoutStatistics EMPTY>
<!ATTLIST WorkoutStatistics
  type      CDATA #REQUIRED
  startDate CDATA #REQUIRED
  endDate   CDATA #REQUIRED
  sum       CDATA #IMPLIED
  unit      CDATA #IMPLIED
>
<!ELEMENT ActivitySummary EMPTY>
<!ATTLIST ActivitySummary
  dateComponents           CDATA #IMPLIED
  activeEnergyBurned       CDATA #IMPLIED
  appleExerciseTime        CDATA #IMPLIED
>
]>"""


def health_time(moment: datetime) -> str:
    """An aware datetime as the export writes it: '2026-10-31 07:56:34 +0100'."""
    return moment.strftime("%Y-%m-%d %H:%M:%S %z")


class ExportWriter:
    """Elements of one export.xml, written as they come (memory: one element)."""

    def __init__(self, xf: Any) -> None:
        self.xf = xf
        self.count = 0

    def element(self, tag: str, attributes: dict[str, str], children: list[tuple] = ()) -> None:
        node = etree.Element(tag, attributes)
        for child_tag, child_attributes in children:
            etree.SubElement(node, child_tag, child_attributes)
        self.xf.write(node, pretty_print=True)
        self.count += tag == "Record"

    def record(self, hk_type: str, source: str, unit: str | None, value: str, start: datetime,
               end: datetime, created: datetime | None = None) -> None:  # fmt: skip
        attributes = {"type": hk_type, "sourceName": source, "sourceVersion": "17.1"}
        if unit is not None:
            attributes["unit"] = unit
        attributes["creationDate"] = health_time(created or end)
        attributes["startDate"] = health_time(start)
        attributes["endDate"] = health_time(end)
        attributes["value"] = value
        self.element("Record", attributes)


@contextmanager
def export_document(
    stream: IO[bytes], *, exported: datetime, locale: str = "en_US"
) -> Iterator[ExportWriter]:
    """An open `<HealthData>` whose first children (ExportDate, Me) are written already."""
    with etree.xmlfile(stream, encoding="UTF-8") as xf:
        xf.write_declaration()
        xf.write_doctype(DOCTYPE)
        with xf.element("HealthData", {"locale": locale}):
            writer = ExportWriter(xf)
            writer.element("ExportDate", {"value": health_time(exported)})
            writer.element("Me", {
                "HKCharacteristicTypeIdentifierDateOfBirth": "1990-04-12",
                "HKCharacteristicTypeIdentifierBiologicalSex": "HKBiologicalSexMale",
            })  # fmt: skip
            yield writer
