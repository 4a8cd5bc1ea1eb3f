"""Builders for the deliberation page tests: members, a debate with content, and a browser-like
HTTP client (cookie session, CSRF token taken from the page like a form would)."""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

import aiohttp
from yarl import URL

from node import services
from node.accounts import NewMember, Session
from node.model import (
    AmendmentDraft,
    Article,
    DebateRole,
    DebateSettings,
    DebateStatus,
    NewDebate,
    Operator,
    ProposalDraft,
    Role,
    Source,
)
from web.auth import hash_password
from web.identity import SESSION_COOKIE, SESSION_LIFETIME

PASSWORD = "un mot de passe solide"
OPERATOR = Operator()
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once for every member


async def add_member(node, username: str, role: Role = Role.CITIZEN, mandate: str = "",
                     *, verified: bool = False):
    async with node.db.transaction() as tx:
        member = await services.admit_member(
            tx, node.clock, OPERATOR,
            NewMember(username, username.replace("_", " ").title(), role, mandate, _HASH))
        if verified:
            member = await services.verify_resident(tx, node.clock, OPERATOR, username)
    return member


async def open_debate(node, slug: str = "velo", *, threshold: int | None = 2, delay: int = 30,
                      title: str = "Le vélo au quotidien"):
    async with node.db.transaction() as tx:
        await services.create_debate(tx, node.clock, OPERATOR, NewDebate(
            slug, title, "Comment **rouler** plus sereinement ?\n\n- pistes\n- parkings",
            settings=DebateSettings(support_threshold=threshold, answer_delay_days=delay)))
        return await services.change_debate_status(tx, node.clock, OPERATOR, slug,
                                                   DebateStatus.OPEN)


async def close_debate(node, slug: str = "velo"):
    async with node.db.transaction() as tx:
        await services.change_debate_status(tx, node.clock, OPERATOR, slug, DebateStatus.CLOSED)


async def assign(node, slug: str, username: str, role: DebateRole):
    async with node.db.transaction() as tx:
        await services.assign_debate_role(tx, node.clock, OPERATOR, slug, username, role)


async def submit(node, author, slug: str = "velo", title: str = "Des arceaux devant l'école",
                 body: str = "Installer **vingt arceaux** devant l'école.", articles=(),
                 sources=()):
    async with node.db.transaction() as tx:
        return await services.submit_proposal(tx, node.clock, author, slug,
                                              ProposalDraft(title, body, tuple(articles),
                                                            tuple(sources)))


async def rich_proposal(node):
    """A proposal with an article, a source, arguments on both sides, an amendment and votes."""
    anne = await add_member(node, "anne", verified=True)
    bruno = await add_member(node, "bruno")
    proposal = await submit(
        node, anne, articles=[Article(1, "Emplacement", "Devant le portail.\nCôté cour.")],
        sources=[Source("https://example.org/etude", "Étude vélo 2025")])
    async with node.db.transaction() as tx:
        argument = await services.post_argument(tx, node.clock, bruno, proposal.id, "for",
                                                "Les enfants viendront à vélo.")
        await services.post_argument(tx, node.clock, bruno, proposal.id, "against",
                                     "Le trottoir est étroit.")
        amendment = await services.propose_amendment(
            tx, node.clock, bruno, proposal.id,
            AmendmentDraft("Devant le portail.\nCôté rue.", "La cour est fermée le soir.", 1))
        await services.cast_vote(tx, node.clock, bruno, proposal.id, "mixed")
    return anne, bruno, proposal, argument, amendment


async def count(node, table: str) -> int:
    async with node.db.read().conn.execute(f"SELECT count(*) FROM {table}") as cur:  # noqa: S608
        return (await cur.fetchone())[0]


async def counts(node) -> dict[str, int]:
    """What a refused form must leave unchanged."""
    tables = ("events", "proposals", "proposal_versions", "arguments", "argument_marks",
              "amendments", "amendment_votes", "votes", "answers", "moderation_actions")
    return {t: await count(node, t) for t in tables}


@dataclass
class Page:
    status: int
    html: str
    url: str


class Visitor:
    """A person with a browser: one cookie jar, forms posted with the page's CSRF token."""

    def __init__(self, node, lang: str = "fr"):
        self.node = node
        self.session = aiohttp.ClientSession(
            connector=node.client.connector, connector_owner=False,
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers={"Accept-Language": lang})
        self.token = ""

    async def __aenter__(self) -> Visitor:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.session.close()

    async def get(self, path: str, **kwargs) -> Page:
        async with self.session.get(self.node.url + path, **kwargs) as response:
            html = await response.text()
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        if found:
            self.token = found.group(1)
        return Page(response.status, html, str(response.url))

    async def post(self, path: str, data: dict | list, **kwargs) -> Page:
        if not self.token:  # no form seen yet: the token is the CSRF cookie's value
            await self.get("/")
            cookie = self.session.cookie_jar.filter_cookies(URL(self.node.url)).get("thc_csrf")
            self.token = cookie.value if cookie else ""
        items = list(data.items()) if isinstance(data, dict) else list(data)
        async with self.session.post(self.node.url + path,
                                     data=[("csrf_token", self.token), *items],
                                     **kwargs) as response:
            html = await response.text()
        return Page(response.status, html, str(response.url))

    async def sign_in(self, username: str) -> Visitor:
        """A session as the sign-in form opens it (tests/web/test_account.py covers the form
        itself; argon2 costs ~0.3 s a check, too slow to pay at every step here)."""
        member = await self.node.db.read().members.find_by_username(username)
        cookie = secrets.token_urlsafe(32)
        now = self.node.clock.now()
        async with self.node.db.transaction() as tx:
            await tx.sessions.add(Session(hashlib.sha256(cookie.encode()).hexdigest(), member.id,
                                          secrets.token_urlsafe(16), now, now + SESSION_LIFETIME))
        self.session.cookie_jar.update_cookies({SESSION_COOKIE: cookie}, URL(self.node.url))
        page = await self.get("/")
        assert member.display_name in page.html and "Se déconnecter" in page.html or \
            "Sign out" in page.html
        return self
