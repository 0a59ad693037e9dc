"""REST API of reports: ``/api/v1/reports`` — the statistical tables and the work summary's figures as JSON."""

from __future__ import annotations

from ninja import Router

from dangjian.reports.api_tables import router as tables_router

router = Router(tags=["reports"])
router.add_router("", tables_router)  # the statistical tables (api_tables.py)
