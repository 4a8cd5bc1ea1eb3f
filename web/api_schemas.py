"""The JSON API's shapes as JSON Schema 2020-12: request and response bodies, parameters and
request examples. Bounds come from node.rules and node.content_rules, so the document and the
domain agree.

Only data here: web/api.py's endpoint table names these, web/api_edge.py validates with them
and web/openapi.py publishes them.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from node import content_rules, rules
from node.diff import DiffKind
from node.history import HistoryKind, ModerationVerb
from node.model import (
    AmendmentStatus,
    AnswerKind,
    ArgumentOrder,
    ContentKind,
    DebateRole,
    DebateStatus,
    ParticipantClass,
    ParticipantKind,
    ProposalOrder,
    ProposalStatus,
    Role,
    Stance,
    VoteChoice,
)

Schema = dict[str, Any]

MAX_ID = 2**63 - 1  # SQLite's INTEGER range: a bigger id names nothing
MAX_CURSOR = 40
DEFAULT_LIMIT = 20


# --- Building blocks -----------------------------------------------------------------------


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict[str, Schema], *, optional: tuple[str, ...] = (),
        description: str | None = None) -> Schema:
    """A closed object: unknown fields are refused, every field not `optional` is required."""
    unknown = set(optional) - set(properties)
    assert not unknown, f"optional fields not in properties: {unknown}"
    schema: Schema = {"type": "object"}
    if description:
        schema["description"] = description
    schema["properties"] = properties
    schema["required"] = [name for name in properties if name not in optional]
    schema["additionalProperties"] = False
    return schema


def nullable(schema: Schema) -> Schema:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    widened = dict(schema)
    widened["type"] = [schema["type"], "null"]
    if "enum" in schema:
        widened["enum"] = [*schema["enum"], None]
    return widened


def enum_of(enum: type[StrEnum], description: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "enum": [member.value for member in enum]}
    if description:
        schema["description"] = description
    return schema


def text(min_len: int, max_len: int, description: str | None = None) -> Schema:
    schema: Schema = {"type": "string", "minLength": min_len, "maxLength": max_len}
    if description:
        schema["description"] = description
    return schema


def integer(minimum: int, maximum: int, description: str | None = None) -> Schema:
    schema: Schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    if description:
        schema["description"] = description
    return schema


def page_of(item: str) -> Schema:
    return obj(
        {"items": {"type": "array", "items": ref(item)},
         "next": {"type": ["string", "null"],
                  "description": "Pass it as `after` for the next page; null on the last page."}},
        description=f"One page of {item} items (keyset pagination).",
    )


ID = integer(1, MAX_ID)
COUNT = {"type": "integer", "minimum": 0}
DATE_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 / RFC 3339, UTC."}
MARKDOWN = "Markdown source; render it with a sanitiser (raw HTML is never allowed)."


# --- Shared response parts -----------------------------------------------------------------

_PARTICIPANT = obj(
    {
        "id": ID,
        "kind": enum_of(ParticipantKind),
        "member_id": nullable(ID),
        "username": nullable({"type": "string"}),
        "display_name": {"type": "string"},
        "is_verified_resident": {"type": "boolean"},
        "participant_class": enum_of(ParticipantClass),
        "ap_id": nullable({"type": "string"}),
    },
    description="Whoever takes part: a local member, or (federation) a remote actor.",
)
_CHOICE_COUNTS = obj({"for": COUNT, "mixed": COUNT, "against": COUNT, "total": COUNT},
                     description="Votes d'accord (for), mitigé (mixed), pas d'accord (against).")
_TALLY = obj(
    {"verified_residents": ref("ChoiceCounts"), "local_members": ref("ChoiceCounts"),
     "remote": ref("ChoiceCounts"), "all": ref("ChoiceCounts")},
    description="Counted from the votes, split by participant class.",
)

_MEMBER = obj({
    "id": ID,
    "username": {"type": "string"},
    "display_name": {"type": "string"},
    "role": enum_of(Role),
    "mandate": {"type": "string"},
    "is_verified_resident": {"type": "boolean"},
    "verified_at": nullable(DATE_TIME),
    "created_at": DATE_TIME,
})

_DEBATE_FIELDS: dict[str, Schema] = {
    "id": ID,
    "slug": {"type": "string"},
    "title": {"type": "string"},
    "description": {"type": "string", "description": MARKDOWN},
    "status": enum_of(DebateStatus),
    "opens_at": nullable(DATE_TIME),
    "closes_at": nullable(DATE_TIME),
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
}
_DEBATE_SETTINGS = obj({
    "support_threshold": nullable(integer(1, rules.MAX_SUPPORT_THRESHOLD)),
    "answer_delay_days": integer(rules.MIN_ANSWER_DELAY_DAYS, rules.MAX_ANSWER_DELAY_DAYS),
    "has_public_votes": {"type": "boolean"},
    "threshold_classes": {"type": "array", "items": enum_of(ParticipantClass)},
})
_IN_CHARGE = obj({
    "member_id": ID,
    "username": {"type": "string"},
    "display_name": {"type": "string"},
    "mandate": {"type": "string"},
    "role": enum_of(DebateRole),
})

_ARTICLE = obj({"number": integer(1, content_rules.MAX_ARTICLE_NUMBER), "title": {"type": "string"},
                "text": {"type": "string"}})
_SOURCE = obj({"url": {"type": "string", "format": "uri"}, "title": {"type": "string"}})
_VERSION = obj({
    "number": integer(1, MAX_ID),
    "title": {"type": "string"},
    "body": {"type": "string", "description": MARKDOWN},
    "articles": {"type": "array", "items": ref("Article")},
    "sources": {"type": "array", "items": ref("Source")},
    "amendment_id": nullable(ID),
    "created_at": DATE_TIME,
})
_VERSION_SUMMARY = obj({"number": integer(1, MAX_ID), "title": {"type": "string"},
                        "amendment_id": nullable(ID), "created_at": DATE_TIME})
_ANSWER = obj({
    "id": ID,
    "proposal_id": ID,
    "revision": integer(1, MAX_ID),
    "kind": enum_of(AnswerKind),
    "text": {"type": "string", "description": MARKDOWN},
    "signed_by": obj({"member_id": ID, "username": {"type": "string"},
                      "display_name": {"type": "string"}, "mandate": {"type": "string"}}),
    "answered_at": DATE_TIME,
})
_HISTORY_ENTRY = obj({
    "id": ID,
    "kind": enum_of(HistoryKind),
    "by": {"type": "string", "description": '"member:<id>", "operator" or "schedule".'},
    "by_member_id": nullable(ID),
    "by_display_name": nullable({"type": "string"}),
    "old_status": nullable(enum_of(ProposalStatus)),
    "new_status": nullable(enum_of(ProposalStatus)),
    "version": nullable(integer(1, MAX_ID)),
    "note": {"type": "string"},
    "occurred_at": DATE_TIME,
})

_PROPOSAL_FIELDS: dict[str, Schema] = {
    "id": ID,
    "debate_id": ID,
    "title": {"type": "string"},
    "status": enum_of(ProposalStatus),
    "version": integer(1, MAX_ID),
    "author": ref("Participant"),
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
    "threshold_reached_at": nullable(DATE_TIME),
    "answer_due_at": nullable(DATE_TIME),
    "answered_at": nullable(DATE_TIME),
    "answer_kind": nullable(enum_of(AnswerKind)),
    "is_overdue": {"type": "boolean",
                   "description": "The answer deadline has passed with no answer yet."},
    "hidden_at": nullable(DATE_TIME),
    "tally": ref("Tally"),
    "support": COUNT,
}
_PROPOSAL_SUMMARY = obj({
    **_PROPOSAL_FIELDS,
    "argument_count": COUNT,
    "amendment_count": COUNT,
})
_PROPOSAL_DETAIL = obj(
    {
        **_PROPOSAL_FIELDS,
        "debate": obj({"id": ID, "slug": {"type": "string"}, "title": {"type": "string"},
                       "status": enum_of(DebateStatus)}),
        "support_threshold": nullable(integer(1, rules.MAX_SUPPORT_THRESHOLD)),
        "current_version": ref("ProposalVersion"),
        "versions": {"type": "array", "items": ref("VersionSummary")},
        "authors": {"type": "array", "items": ref("Participant"),
                    "description": "The lead author first, then co-authors."},
        "answer": nullable(ref("Answer")),
        "answer_revisions": {"type": "array", "items": ref("Answer")},
        "history": ref("HistoryPage"),
    },
    description="Hidden proposals are 404 except for the debate's moderators. `history` is "
                "its first page; GET .../history pages on.",
)

_ARGUMENT = obj({
    "id": ID,
    "proposal_id": ID,
    "author": ref("Participant"),
    "stance": enum_of(Stance),
    "body": {"type": "string", "description": MARKDOWN},
    "useful_count": COUNT,
    "created_at": DATE_TIME,
    "edited_at": nullable(DATE_TIME),
    "withdrawn_at": nullable(DATE_TIME),
    "hidden_at": nullable(DATE_TIME),
})
_ARGUMENT_COLUMNS = obj(
    {"for": ref("ArgumentPage"), "against": ref("ArgumentPage"),
     "neutral": ref("ArgumentPage")},
    description="For and against side by side (and neutral comments), each most useful first "
                "and each with its own cursor.",
)
_DIFF_OP = obj({
    "kind": enum_of(DiffKind),
    "lines": {"type": "array", "items": {"type": "string"}},
    "old_start": integer(1, MAX_ID),
    "new_start": integer(1, MAX_ID),
})
_AMENDMENT = obj({
    "id": ID,
    "proposal_id": ID,
    "author": ref("Participant"),
    "article_number": nullable(integer(1, content_rules.MAX_ARTICLE_NUMBER)),
    "base_version": integer(1, MAX_ID),
    "original_text": {"type": "string"},
    "text": {"type": "string"},
    "rationale": {"type": "string"},
    "status": enum_of(AmendmentStatus),
    "decided_by_id": nullable(ID),
    "decided_at": nullable(DATE_TIME),
    "decision_note": {"type": "string"},
    "integrated_version": nullable(integer(1, MAX_ID)),
    "created_at": DATE_TIME,
    "hidden_at": nullable(DATE_TIME),
    "diff": {"type": "array", "items": ref("DiffOp"),
             "description": "Line diff from original_text to text."},
    "tally": ref("Tally"),
})
_VOTE = obj({
    "id": ID,
    "proposal_id": ID,
    "voter": ref("Participant"),
    "choice": enum_of(VoteChoice),
    "cast_at": DATE_TIME,
    "updated_at": DATE_TIME,
})
_MODERATION_ACTION = obj({
    "id": ID,
    "debate_id": ID,
    "proposal_id": ID,
    "target_kind": enum_of(ContentKind),
    "target_id": ID,
    "action": enum_of(ModerationVerb),
    "reason": {"type": "string"},
    "member_id": nullable(ID),
    "by": {"type": "string"},
    "occurred_at": DATE_TIME,
})

# RFC 9457 problem details, with our two extension members.
_PROBLEM_FIELDS: dict[str, Schema] = {
    "type": {"type": "string", "description": "A URI reference; about:blank here."},
    "title": {"type": "string"},
    "status": integer(400, 599),
    "detail": {"type": "string"},
    "request_id": {"type": "string", "description": "Quote it when reporting a problem."},
    "field": {"type": "string", "description": "The input concerned, when there is one."},
}
# A validation problem lists at most this many errors: a body with 60,000 unknown keys
# answered a 3 MB document.
MAX_LISTED_ERRORS = 50
_VALIDATION_ERROR = obj({
    "field": {"type": "string",
              "description": 'Dotted path into the body ("articles.0.text"), a query parameter '
                             'name, or "" for the body as a whole.'},
    "message": {"type": "string"},
})
_PROBLEM = obj(dict(_PROBLEM_FIELDS), optional=("field",),
               description="RFC 9457 problem details (application/problem+json).")
_VALIDATION_PROBLEM = obj(
    {**_PROBLEM_FIELDS,
     "errors": {"type": "array", "items": ref("ValidationError"), "minItems": 1,
                "maxItems": MAX_LISTED_ERRORS},
     "more_errors": {"type": "integer", "minimum": 0,
                     "description": "How many invalid inputs were found beyond those listed."}},
    optional=("field",),
    description="RFC 9457 problem details listing the invalid inputs (the first "
                f"{MAX_LISTED_ERRORS}; `more_errors` counts the others).",
)


# --- Request bodies ------------------------------------------------------------------------

_ARTICLE_INPUT = obj({
    "number": integer(1, content_rules.MAX_ARTICLE_NUMBER),
    "title": text(0, content_rules.MAX_ARTICLE_TITLE),
    "text": text(1, content_rules.MAX_ARTICLE_TEXT),
}, optional=("title",))
_SOURCE_INPUT = obj({
    "url": {"type": "string", "format": "uri", "minLength": 1, "maxLength": content_rules.MAX_URL,
            "description": "http or https."},
    "title": text(0, content_rules.MAX_SOURCE_TITLE),
}, optional=("title",))
_NEW_DEBATE = obj(
    {
        "slug": {"type": "string", "minLength": 1, "maxLength": 60,
                 "pattern": rules.SLUG_RE.pattern,
                 "description": "Lowercase letters, digits and inner hyphens; shares the "
                                "namespace of usernames."},
        "title": text(rules.MIN_TITLE, rules.MAX_TITLE),
        "description": text(0, rules.MAX_DESCRIPTION, MARKDOWN),
        "opens_at": nullable(DATE_TIME),
        "closes_at": nullable(DATE_TIME),
        "support_threshold": nullable(integer(1, rules.MAX_SUPPORT_THRESHOLD)),
        "answer_delay_days": integer(rules.MIN_ANSWER_DELAY_DAYS, rules.MAX_ANSWER_DELAY_DAYS),
        "has_public_votes": {"type": "boolean"},
        "threshold_classes": {"type": "array", "items": enum_of(ParticipantClass),
                              "minItems": 1, "uniqueItems": True},
    },
    optional=("description", "opens_at", "closes_at", "support_threshold",
              "answer_delay_days", "has_public_votes", "threshold_classes"),
    description="A new debate starts as a draft. Defaults: no threshold, 60 days to answer, "
                "private votes, verified residents and local members counted.",
)
_DEBATE_STATUS_CHANGE = obj({"status": enum_of(DebateStatus)},
                            description="draft → open → closed → concluded; closed → open.")
_PROPOSAL_DRAFT = obj(
    {
        "title": text(rules.MIN_TITLE, rules.MAX_TITLE),
        "body": text(1, content_rules.MAX_PROPOSAL_BODY, MARKDOWN),
        "articles": {"type": "array", "items": ref("ArticleInput"),
                     "maxItems": content_rules.MAX_ARTICLES},
        "sources": {"type": "array", "items": ref("SourceInput"),
                    "maxItems": content_rules.MAX_SOURCES},
    },
    optional=("articles", "sources"),
    description="The whole text of a proposal; editing sends a whole new draft (a new version "
                "when anything changed).",
)
_NEW_ARGUMENT = obj({"stance": enum_of(Stance), "body": text(1, content_rules.MAX_ARGUMENT, MARKDOWN)})
_ARGUMENT_EDIT = obj({"body": text(1, content_rules.MAX_ARGUMENT, MARKDOWN)},
                     description="The stance stays, so useful marks keep their meaning.")
_NEW_AMENDMENT = obj(
    {
        "text": text(1, content_rules.MAX_PROPOSAL_BODY,
                     "The whole replacement text of the body, or of the article."),
        "rationale": text(content_rules.MIN_RATIONALE, content_rules.MAX_RATIONALE),
        "article_number": nullable(integer(1, content_rules.MAX_ARTICLE_NUMBER)),
    },
    optional=("article_number",),
    description="Without article_number, the amendment targets the proposal's body.",
)
_CHOICE = obj({"choice": enum_of(VoteChoice)})
_REJECTION = obj({"reason": text(content_rules.MIN_REASON, content_rules.MAX_REASON)})
_NEW_ANSWER = obj({"kind": enum_of(AnswerKind),
                   "text": text(content_rules.MIN_ANSWER, content_rules.MAX_ANSWER, MARKDOWN)},
                  description="Answering again records a new revision of the answer.")
_MODERATION_REQUEST = obj({
    "action": enum_of(ModerationVerb),
    "target_kind": enum_of(ContentKind),
    "target_id": ID,
    "reason": text(content_rules.MIN_REASON, content_rules.MAX_REASON),
})

SCHEMAS: dict[str, Schema] = {
    # responses
    "Member": _MEMBER,
    "DebateSummary": obj(dict(_DEBATE_FIELDS)),
    "Debate": obj({**_DEBATE_FIELDS, "settings": ref("DebateSettings"),
                   "in_charge": {"type": "array", "items": ref("DebateInCharge")}}),
    "DebateSettings": _DEBATE_SETTINGS,
    "DebateInCharge": _IN_CHARGE,
    "DebatePage": page_of("DebateSummary"),
    "Participant": _PARTICIPANT,
    "ChoiceCounts": _CHOICE_COUNTS,
    "Tally": _TALLY,
    "ProposalSummary": _PROPOSAL_SUMMARY,
    "ProposalPage": page_of("ProposalSummary"),
    "ProposalDetail": _PROPOSAL_DETAIL,
    "Article": _ARTICLE,
    "Source": _SOURCE,
    "ProposalVersion": _VERSION,
    "VersionSummary": _VERSION_SUMMARY,
    "VersionPage": page_of("VersionSummary"),
    "Answer": _ANSWER,
    "AnswerPage": page_of("Answer"),
    "HistoryEntry": _HISTORY_ENTRY,
    "HistoryPage": page_of("HistoryEntry"),
    "Argument": _ARGUMENT,
    "ArgumentPage": page_of("Argument"),
    "ArgumentColumns": _ARGUMENT_COLUMNS,
    "DiffOp": _DIFF_OP,
    "Amendment": _AMENDMENT,
    "AmendmentPage": page_of("Amendment"),
    "Vote": _VOTE,
    "VotePage": page_of("Vote"),
    "ModerationAction": _MODERATION_ACTION,
    "ModerationActionPage": page_of("ModerationAction"),
    "OpenApiDocument": {"type": "object", "required": ["openapi", "info", "paths", "components"],
                        "description": "This document."},
    "Problem": _PROBLEM,
    "ValidationError": _VALIDATION_ERROR,
    "ValidationProblem": _VALIDATION_PROBLEM,
    # requests
    "NewDebate": _NEW_DEBATE,
    "DebateStatusChange": _DEBATE_STATUS_CHANGE,
    "ProposalDraft": _PROPOSAL_DRAFT,
    "ArticleInput": _ARTICLE_INPUT,
    "SourceInput": _SOURCE_INPUT,
    "NewArgument": _NEW_ARGUMENT,
    "ArgumentEdit": _ARGUMENT_EDIT,
    "NewAmendment": _NEW_AMENDMENT,
    "ChoiceRequest": _CHOICE,
    "AmendmentRejection": _REJECTION,
    "NewAnswer": _NEW_ANSWER,
    "ModerationRequest": _MODERATION_REQUEST,
}

# One example per request body, shown in the document (tests validate each against its schema).
EXAMPLES: dict[str, Any] = {
    "NewDebate": {"slug": "mobilite-2027", "title": "Mobilités douces en 2027",
                  "description": "Comment se déplacer à pied et à vélo **en sécurité** ?",
                  "closes_at": "2027-06-30T18:00:00Z", "support_threshold": 50,
                  "has_public_votes": False},
    "DebateStatusChange": {"status": "open"},
    "ProposalDraft": {
        "title": "Une piste cyclable rue Victor Hugo",
        "body": "Sécuriser le trajet des écoliers entre la gare et le collège.",
        "articles": [{"number": 1, "title": "Objet",
                      "text": "La rue Victor Hugo reçoit une piste cyclable séparée."}],
        "sources": [{"url": "https://example.org/etude-mobilite",
                     "title": "Étude de mobilité 2025"}],
    },
    "NewArgument": {"stance": "for", "body": "Les enfants pourraient enfin venir à vélo."},
    "ArgumentEdit": {"body": "Les enfants pourraient enfin venir à vélo, en sécurité."},
    "NewAmendment": {"article_number": 1,
                     "text": "La rue Victor Hugo reçoit une piste cyclable éclairée.",
                     "rationale": "L'éclairage rend la piste sûre en hiver."},
    "ChoiceRequest": {"choice": "mixed"},
    "AmendmentRejection": {"reason": "Hors du périmètre de la proposition."},
    "NewAnswer": {"kind": "adopted_with_changes",
                  "text": "Adoptée : les travaux commenceront au printemps, sans l'éclairage."},
    "ModerationRequest": {"action": "hide", "target_kind": "argument", "target_id": 42,
                          "reason": "Propos injurieux envers une autre participante."},
}
PROBLEM_EXAMPLES: dict[str, Any] = {
    "Problem": {"type": "about:blank", "title": "Forbidden", "status": 403,
                "detail": "only its author edits an argument", "request_id": "5f1c0a9e3b2d4c77"},
    "ValidationProblem": {
        "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
        "detail": "The request has invalid input: see errors.", "request_id": "5f1c0a9e3b2d4c77",
        "errors": [{"field": "body", "message": "must have at most 5000 characters"},
                   {"field": "colour", "message": "is not a known field"}],
        "more_errors": 0,
    },
}


# --- Parameters ----------------------------------------------------------------------------

# Path parameters by name; `route` is the aiohttp pattern (non-matching paths are 404).
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "slug": {"schema": {"type": "string", "pattern": rules.SLUG_RE.pattern},
             "description": "The debate's slug.", "route": r"[^/]+"},
    "proposal_id": {"schema": ID, "description": "A proposal's id.", "route": r"[0-9]+"},
    "argument_id": {"schema": ID, "description": "An argument's id.", "route": r"[0-9]+"},
    "amendment_id": {"schema": ID, "description": "An amendment's id.", "route": r"[0-9]+"},
    "number": {"schema": integer(1, MAX_ID), "description": "A version number.",
               "route": r"[0-9]+"},
}

# Cursors are one or two integers ("<id>" or "<score>.<id>", storage/repos/_keyset.py).
# Checked here too: an ASCII-only pattern, as str.isdigit() would let "²" reach int().
_CURSOR = {"type": "string", "maxLength": MAX_CURSOR,
           "pattern": r"^[0-9]{1,18}(\.[0-9]{1,18})?$",
           "description": "Opaque: the `next` value of the previous page."}


def _query(name: str, schema: Schema, description: str) -> dict[str, Any]:
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": False,
                                 "description": description, "schema": schema}
    if schema.get("type") == "array":
        parameter["style"], parameter["explode"] = "form", False  # ?status=a,b
    return parameter


# Query parameters by component key (a key is unique; two may share a query name).
QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "Limit": _query("limit", {**integer(1, rules.MAX_PAGE_SIZE), "default": DEFAULT_LIMIT},
                    "Items per page."),
    "After": _query("after", _CURSOR, "Start after this cursor."),
    "DebateStatusFilter": _query(
        "status", {"type": "array", "items": enum_of(DebateStatus), "minItems": 1},
        "Only debates in these statuses, comma-separated. Drafts are listed only for those "
        "who manage debates."),
    "ProposalStatusFilter": _query(
        "status", {"type": "array", "items": enum_of(ProposalStatus), "minItems": 1},
        "Only proposals in these statuses, comma-separated."),
    "ProposalOrder": _query("order", {**enum_of(ProposalOrder), "default": "newest"},
                            "newest first, or most supported first."),
    "ArgumentOrder": _query("order", {**enum_of(ArgumentOrder), "default": "most_useful"},
                            "most useful first, or newest first."),
    "Stance": _query("stance", enum_of(Stance), "Only arguments of this stance."),
    "AfterFor": _query("after_for", _CURSOR, "Cursor of the `for` column."),
    "AfterAgainst": _query("after_against", _CURSOR, "Cursor of the `against` column."),
    "AfterNeutral": _query("after_neutral", _CURSOR, "Cursor of the `neutral` column."),
}
