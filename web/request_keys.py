"""What the middlewares leave on a request for handlers and templates: the viewer and the CSRF
token. A leaf module, so templates can read them without importing the middlewares."""
from __future__ import annotations

from aiohttp import web

VIEWER = web.RequestKey("viewer", object)  # Member | None
CSRF_TOKEN = web.RequestKey("csrf_token", str)
