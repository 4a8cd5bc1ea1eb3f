"""The HTTP application: health, pages, languages, errors and security headers."""
from __future__ import annotations

from aiohttp import web

from node import services
from node.model import DebateStatus, NewDebate, Operator
from web.app import create_app


async def _open_debate(node, slug="voirie", description="Un débat."):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, Operator(), NewDebate(slug, "La voirie", description))
        await services.change_debate_status(tx, node.clock, Operator(), slug, DebateStatus.OPEN)


async def test_healthz_answers_ok_with_the_database(node):
    # When
    async with node.client.get(f"{node.url}/healthz") as response:
        body = await response.json()
    # Then
    assert response.status == 200
    assert body == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


async def test_home_page_is_french_by_default_and_lists_open_debates(node):
    # Given
    await _open_debate(node)
    # When
    async with node.client.get(f"{node.url}/") as response:
        html = await response.text()
    # Then
    assert response.status == 200
    assert '<html lang="fr">' in html
    assert "Débats ouverts" in html
    assert '<a href="/debats/voirie">La voirie</a>' in html


async def test_home_page_follows_accept_language_and_the_language_switch(node):
    # When the browser prefers English
    async with node.client.get(f"{node.url}/", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}) as r:
        english = await r.text()
    # And a visitor then picks French with the switch
    async with node.client.get(f"{node.url}/?lang=fr", headers={"Accept-Language": "en"}) as r:
        french = await r.text()
        cookie = r.cookies["lang"]
    # Then
    assert '<html lang="en">' in english and "Open debates" in english
    assert '<html lang="fr">' in french and "Débats ouverts" in french
    assert cookie.value == "fr" and cookie["httponly"]


async def test_debate_page_renders_markdown_and_escapes_raw_html(node):
    # Given a description with raw HTML
    await _open_debate(node, description="**Important** <script>alert('x')</script>")
    # When
    async with node.client.get(f"{node.url}/debats/voirie") as response:
        html = await response.text()
    # Then
    assert "<strong>Important</strong>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


async def test_draft_debate_is_not_public(node):
    # Given a draft
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, Operator(), NewDebate("brouillon", "Pas encore", ""))
    # When
    async with node.client.get(f"{node.url}/debats/brouillon") as response:
        # Then
        assert response.status == 404


async def test_errors_are_html_for_browsers_and_problem_json_for_programs(node):
    # When
    async with node.client.get(f"{node.url}/nulle-part", headers={"Accept": "text/html"}) as r:
        html, html_type = await r.text(), r.content_type
    async with node.client.get(f"{node.url}/nulle-part", headers={"Accept": "application/json"}) as r:
        problem, problem_type = await r.json(content_type=None), r.content_type
    # Then
    assert html_type == "text/html" and "Erreur 404 · Page introuvable" in html
    assert "Not Found" not in html
    assert problem_type == "application/problem+json"
    assert problem["status"] == 404 and problem["title"] == "Not Found"
    assert problem["request_id"]


async def test_security_headers_are_on_every_response(node):
    for path in ("/", "/healthz", "/nulle-part"):
        async with node.client.get(f"{node.url}{path}") as response:
            headers = response.headers
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "same-origin"
            assert headers["X-Request-Id"]


async def test_unexpected_error_reveals_nothing_and_is_logged(node, caplog):
    # Given a handler that fails with an internal secret in its message
    app = create_app(node.config, clock=node.clock)

    async def broken(request):
        raise RuntimeError("secret database path /srv/x")

    app.router.add_get("/broken", broken)
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        # When
        response = await client.get("/broken", headers={"Accept": "application/json"})
        body = await response.text()
    # Then
    assert response.status == 500
    assert "secret" not in body and "Traceback" not in body
    assert "secret database path" in caplog.text


async def test_request_body_over_the_limit_is_refused(make_node):
    # Given a node accepting 1 KiB bodies and a route that reads the body
    node = await make_node("small", extra_config="\n[server]\nmax_request_bytes = 1024\n")

    async def echo(request: web.Request):
        return web.Response(text=str(len(await request.read())))

    # aiohttp enforces client_max_size when the body is read; check it on a fresh app
    app = create_app(node.config, clock=node.clock)
    app.router.add_post("/api/echo", echo)  # under /api/: no form token needed
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        small = await client.post("/api/echo", data=b"x" * 1000)
        large = await client.post("/api/echo", data=b"x" * 5000, headers={"Accept": "application/json"})
        problem = await large.json(content_type=None)
    # Then
    assert small.status == 200
    assert large.status == 413
    assert problem["status"] == 413


async def test_language_switch_keeps_the_query_and_avoids_post_only_addresses(node):
    # Given a page with a query
    async with node.client.get(f"{node.url}/?apres=5&lang=en") as response:
        html = await response.text()
    # Then the switch keeps the other parameters and only changes the language
    assert 'href="/?apres=5&amp;lang=fr"' in html
    # And after a refused form POST, the switch leads to a page that answers GET
    async with node.client.post(f"{node.url}/connexion", data={"username": "x"}) as response:
        html = await response.text()
    assert response.status == 403 and 'href="/?lang=en"' in html


async def test_a_non_ascii_digit_cursor_is_invalid_input_not_a_server_error(node):
    async with node.client.get(f"{node.url}/?apres=%C2%B2", headers={"Accept": "application/json"}) as r:
        problem = await r.json(content_type=None)
    assert r.status == 422 and problem["field"] == "after"
