"""Repositories, one module per table family; `Repos` bundles them on one connection."""
from __future__ import annotations

from ..connection import Connection
from .accounts import InvitationRepo, PasswordRepo, SessionRepo
from .amendments import AmendmentRepo
from .answers import AnswerRepo
from .arguments import ArgumentRepo
from .debate_settings import DebateRoleRepo, DebateSettingsRepo
from .debates import DebateRepo
from .events import EventRepo
from .keys import KeyRepo
from .members import MemberRepo
from .moderation import ModerationRepo
from .network import NetworkRepo
from .participants import ParticipantRepo
from .proposals import ProposalRepo
from .tokens import TokenRepo
from .votes import VoteRepo


class Repos:
    """`cache` (storage/cache.py): only on reader connections, for the costly aggregates;
    `on_event`: called when an event is appended (the writer's: Database wakes the workers)."""

    def __init__(self, conn: Connection, cache=None, on_event=None):
        self.conn = conn
        self.cache = cache
        self.members = MemberRepo(conn)
        self.debates = DebateRepo(conn)
        self.tokens = TokenRepo(conn)
        self.events = EventRepo(conn, on_event)
        self.keys = KeyRepo(conn)
        # Deliberation
        self.invitations = InvitationRepo(conn)
        self.passwords = PasswordRepo(conn)
        self.sessions = SessionRepo(conn)
        self.participants = ParticipantRepo(conn)
        self.debate_settings = DebateSettingsRepo(conn)
        self.debate_roles = DebateRoleRepo(conn)
        self.proposals = ProposalRepo(conn)
        self.answers = AnswerRepo(conn)
        self.arguments = ArgumentRepo(conn, cache)
        self.amendments = AmendmentRepo(conn)
        self.votes = VoteRepo(conn, cache)
        self.moderation = ModerationRepo(conn)
        # The network view
        self.network = NetworkRepo(conn)

    async def cached(self, key, compute):
        """`await compute()` through the read cache (dropped at any commit) when this
        connection has one; inside a transaction, always computed."""
        return await (compute() if self.cache is None else self.cache.get(key, compute))


__all__ = [
    "Repos", "AmendmentRepo", "AnswerRepo", "ArgumentRepo", "DebateRepo", "DebateRoleRepo",
    "DebateSettingsRepo", "EventRepo", "InvitationRepo", "KeyRepo", "MemberRepo",
    "ModerationRepo", "NetworkRepo", "ParticipantRepo", "PasswordRepo", "ProposalRepo",
    "SessionRepo", "TokenRepo", "VoteRepo",
]
