"""The map of the application: every route in one list."""
from __future__ import annotations

from importlib import resources

from aiohttp import web

from federation.routes import FederationRoutes

from . import account, appkeys, pages

STATIC_DIR = resources.files("web") / "static"


def setup_routes(app: web.Application) -> None:
    # Debate and member pages answer AS2 JSON to federation clients (content negotiation).
    federation = FederationRoutes(appkeys.FEDERATION)
    app.router.add_routes(
        [
            web.get("/", pages.home, name="home"),
            web.get("/debats/{slug}", federation.debate(pages.debate), name="debate"),
            web.get("/membres/{username}", federation.member(pages.member), name="member"),
            web.get("/healthz", pages.healthz, name="healthz"),
            web.get("/connexion", account.login_form, name="login"),
            web.post("/connexion", account.login),
            web.post("/deconnexion", account.logout, name="logout"),
            web.get("/inscription", account.register_form, name="register"),
            web.post("/inscription", account.register),
            web.get("/mot-de-passe/{token}", account.reset_form, name="password_reset"),
            web.post("/mot-de-passe/{token}", account.reset),
            web.static("/static", str(STATIC_DIR), name="static", append_version=False),
            *federation.table(),
        ]
    )
