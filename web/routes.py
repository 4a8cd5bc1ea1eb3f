"""The map of the application: every route in one list."""
from __future__ import annotations

from importlib import resources

from aiohttp import web

from . import pages

STATIC_DIR = resources.files("web") / "static"


def setup_routes(app: web.Application) -> None:
    app.router.add_routes(
        [
            web.get("/", pages.home, name="home"),
            web.get("/debats/{slug}", pages.debate, name="debate"),
            web.get("/healthz", pages.healthz, name="healthz"),
            web.static("/static", str(STATIC_DIR), name="static", append_version=False),
        ]
    )
