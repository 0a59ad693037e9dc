"""REST API of reports: ``/api/v1/reports`` — the statistical tables and the work summary's figures as JSON."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reports"])
