"""The Evidence report site: build and publish it (``build``), serve it (``server``)."""

from orchestration.report.build import ReportBuildError, build_site
from orchestration.report.server import make_server

__all__ = ["ReportBuildError", "build_site", "make_server"]
