"""Every object shared through the aiohttp application, as typed keys."""
from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractResolver

from node.ports import Clock

from .config import Config

if TYPE_CHECKING:
    from federation.service import FederationService
    from storage.db import Database

    from .i18n import Translations
    from .templates import Templates
    from .workers import Workers

CONFIG = web.AppKey("config", Config)
CLOCK = web.AppKey("clock", Clock)
DATABASE = web.AppKey("database", "Database")
HTTP_CLIENT = web.AppKey("http_client", aiohttp.ClientSession)
# The resolver HTTP_CLIENT connects through: federation checks destinations with the same one.
RESOLVER = web.AppKey("resolver", AbstractResolver)
TRANSLATIONS = web.AppKey("translations", "Translations")
TEMPLATES = web.AppKey("templates", "Templates")
WORKERS = web.AppKey("workers", "Workers")
FEDERATION = web.AppKey("federation", "FederationService")
