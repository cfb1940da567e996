"""TCX (lxml) and GPX (gpxpy) files of a track."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import gpxpy.gpx
import numpy as np
from lxml import etree

from .track import FIT_SPORTS, Track, laps_of, stats_of

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
TPX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
GPXTPX_NS = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tcx_bytes(track: Track) -> bytes:
    """A Garmin TCX file of the track: one Track per lap, a new Track after each pause."""
    t = lambda name: f"{{{TCX_NS}}}{name}"  # noqa: E731
    x = lambda name: f"{{{TPX_NS}}}{name}"  # noqa: E731
    sub = etree.SubElement
    times, resumes = track.times(), {resume for _, resume in track.pauses}
    root = etree.Element(t("TrainingCenterDatabase"), nsmap={None: TCX_NS, "ns3": TPX_NS})
    activity = sub(sub(root, t("Activities")), t("Activity"), Sport=FIT_SPORTS[track.sport_type][2])
    sub(activity, t("Id")).text = _iso(times[0])
    laps = laps_of(track)
    for k, (first, last) in enumerate(laps):
        stats = stats_of(track, first, last)
        lap = sub(activity, t("Lap"), StartTime=_iso(times[first]))
        sub(lap, t("TotalTimeSeconds")).text = f"{stats['timer']:.1f}"
        sub(lap, t("DistanceMeters")).text = f"{stats['distance']:.2f}"
        sub(lap, t("Calories")).text = str(stats["calories"])
        if stats["avg_hr"] is not None:
            sub(sub(lap, t("AverageHeartRateBpm")), t("Value")).text = str(stats["avg_hr"])
            sub(sub(lap, t("MaximumHeartRateBpm")), t("Value")).text = str(stats["max_hr"])
        sub(lap, t("Intensity")).text = "Active"
        sub(lap, t("TriggerMethod")).text = "Distance" if track.lap_starts else "Manual"
        segment = sub(lap, t("Track"))
        end = laps[k + 1][0] if k + 1 < len(laps) else last + 1
        for i in range(first, end):
            if i in resumes and i != first:
                segment = sub(lap, t("Track"))
            point = sub(segment, t("Trackpoint"))
            sub(point, t("Time")).text = _iso(times[i])
            position = sub(point, t("Position"))
            sub(position, t("LatitudeDegrees")).text = f"{track.lat[i]:.7f}"
            sub(position, t("LongitudeDegrees")).text = f"{track.lon[i]:.7f}"
            sub(point, t("AltitudeMeters")).text = f"{track.altitude[i]:.1f}"
            sub(point, t("DistanceMeters")).text = f"{track.distance[i]:.2f}"
            if not np.isnan(track.heart_rate[i]):
                sub(sub(point, t("HeartRateBpm")), t("Value")).text = str(int(track.heart_rate[i]))
            if track.power is not None:
                sub(point, t("Cadence")).text = str(int(track.cadence[i]))
            tpx = sub(sub(point, t("Extensions")), x("TPX"))
            sub(tpx, x("Speed")).text = f"{track.speed[i]:.3f}"
            if track.power is not None:
                sub(tpx, x("Watts")).text = str(int(track.power[i]))
            else:
                sub(tpx, x("RunCadence")).text = str(int(track.cadence[i]))
        sub(sub(sub(lap, t("Extensions")), x("LX")), x("AvgSpeed")).text = str(stats["speed"])
    creator = sub(activity, t("Creator"))
    creator.set("{http://www.w3.org/2001/XMLSchema-instance}type", "Device_t")
    sub(creator, t("Name")).text = "Forerunner 945"
    sub(creator, t("UnitId")).text = str(track.serial)
    sub(creator, t("ProductID")).text = "3113"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def gpx_bytes(track: Track, *, with_times: bool = True) -> bytes:
    """A GPX 1.1 track (gpxpy): a segment per stretch between pauses, HR/cadence extensions."""
    document = gpxpy.gpx.GPX()
    document.creator = "fitelt synthetic athlete"
    document.nsmap["gpxtpx"] = GPXTPX_NS
    gpx_track = gpxpy.gpx.GPXTrack(name=track.sport_type)
    gpx_track.type = FIT_SPORTS[track.sport_type][0]
    document.tracks.append(gpx_track)
    segment = gpxpy.gpx.GPXTrackSegment()
    gpx_track.segments.append(segment)
    resumes = {resume for _, resume in track.pauses}
    for i, moment in enumerate(track.times()):
        if i in resumes:
            segment = gpxpy.gpx.GPXTrackSegment()
            gpx_track.segments.append(segment)
        point = gpxpy.gpx.GPXTrackPoint(
            round(float(track.lat[i]), 7),
            round(float(track.lon[i]), 7),
            elevation=float(track.altitude[i]),
            time=moment if with_times else None,
        )
        extension = etree.Element(f"{{{GPXTPX_NS}}}TrackPointExtension")
        if not np.isnan(track.heart_rate[i]):
            etree.SubElement(extension, f"{{{GPXTPX_NS}}}hr").text = str(int(track.heart_rate[i]))
        etree.SubElement(extension, f"{{{GPXTPX_NS}}}cad").text = str(int(track.cadence[i]))
        point.extensions.append(extension)
        segment.points.append(point)
    return document.to_xml(version="1.1").encode("utf-8")


def write_tcx(path: Path, track: Track) -> Path:
    path.write_bytes(tcx_bytes(track))
    return path


def write_gpx(path: Path, track: Track, *, with_times: bool = True) -> Path:
    path.write_bytes(gpx_bytes(track, with_times=with_times))
    return path
