"""The JSON API's HTTP edge: one `Endpoint` per operation drives its route, its input checks
and its OpenAPI entry (web/openapi.py), so code and document cannot drift apart.

Every input is checked here, before a use case runs: token, path, query string, body
(media type, JSON syntax, schema). Handlers receive a `Call` with typed, validated values.
"""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from node.errors import Invalid, NotFound
from node.model import Member

from . import appkeys
from .api_schemas import MAX_LISTED_ERRORS, PATH_PARAMETERS, QUERY_PARAMETERS, SCHEMAS
from .identity import require_member, viewer
from .middlewares import problem_response
from .schema import SchemaError, Validator

API_PREFIX = "/api/v1"
JSON_MEDIA_TYPE = "application/json"
_PATH_PARAM = re.compile(r"{(\w+)}")
_INTEGER_TEXT = re.compile(r"-?[0-9]{1,20}")
_ID_TEXT = re.compile(r"[0-9]{1,19}")
_SURROGATE = re.compile("[\ud800-\udfff]")
VALIDATOR = Validator({"components": {"schemas": SCHEMAS}})

Handler = Callable[["Call"], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation of the API, declared once.

    `body`/`response` name schemas of web/api_schemas.py (`response` None: 204 No Content);
    `query` names query parameters there; `errors` lists the statuses its use case may
    answer beyond those the edge itself implies (see `error_statuses`).
    """

    method: str
    path: str  # OpenAPI template under API_PREFIX, e.g. "/proposals/{proposal_id}"
    handler: Handler
    summary: str
    tag: str
    response: str | None
    status: int = 200
    auth: bool = False  # True: a Bearer token is required; reads are public otherwise
    body: str | None = None
    query: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    description: str = ""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.path))

    @property
    def route_path(self) -> str:
        """The aiohttp path: each parameter with its pattern (e.g. {proposal_id:[0-9]+})."""
        return API_PREFIX + _PATH_PARAM.sub(
            lambda m: f"{{{m[1]}:{PATH_PARAMETERS[m[1]]['route']}}}", self.path
        )

    def error_statuses(self) -> tuple[int, ...]:
        """Every 4xx this operation may answer: any request may carry a bad token (401) or
        invalid input (422: a body where none is taken, a bad query or body), a path names
        something that may not exist (404), a body may be of the wrong type (415), malformed
        (400) or too large (413)."""
        statuses = {401, 422, *self.errors}
        if self.path_parameters:
            statuses.add(404)
        if self.body:
            statuses |= {400, 413, 415}
        return tuple(sorted(statuses))


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler needs: the request, who makes it, and validated inputs."""

    request: web.Request
    viewer: Member | None
    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def member(self) -> Member:
        """The signed-in member (the edge guarantees one on `auth` endpoints)."""
        assert self.viewer is not None
        return self.viewer

    @property
    def database(self):
        return self.request.app[appkeys.DATABASE]

    @property
    def clock(self):
        return self.request.app[appkeys.CLOCK]

    @property
    def reader(self):
        return self.database.read()

    def transaction(self):
        return self.database.transaction()


def validation_problem(request: web.Request, errors: list[SchemaError]) -> web.Response:
    """422 listing the first MAX_LISTED_ERRORS errors, and how many more there are: the
    answer stays small whatever the body."""
    extra = {"errors": [e.as_json() for e in errors[:MAX_LISTED_ERRORS]],
             "more_errors": max(0, len(errors) - MAX_LISTED_ERRORS)}
    return problem_response(
        request, 422, "Unprocessable Entity", "The request has invalid input: see errors.", extra)


def _path_values(request: web.Request, parameters: tuple[tuple[str, dict, tuple | None], ...]):
    """Typed path parameters; one that cannot name anything (id 0, beyond SQLite's range,
    a malformed slug) is 404, like any unknown id."""
    values: dict[str, Any] = {}
    for name, schema, bounds in parameters:
        value: Any = request.match_info[name]
        if bounds is not None:  # an integer: its schema is only a range (checked at import)
            value = int(value) if _ID_TEXT.fullmatch(value) else 0
            if not bounds[0] <= value <= bounds[1]:
                raise NotFound(f"there is nothing at {request.path}")
        elif VALIDATOR.errors(value, schema):
            raise NotFound(f"there is nothing at {request.path}")
        values[name] = value
    return values


def _integer_bounds(schema: dict) -> tuple[int, int] | None:
    if schema["type"] != "integer":
        return None
    if set(schema) - {"type", "minimum", "maximum", "description"}:
        raise ValueError(f"an integer path parameter is only a range: {schema}")
    return schema["minimum"], schema["maximum"]


def _query_values(request: web.Request, params: dict[str, dict], errors: list[SchemaError]):
    if not params and not request.query_string:
        return {}
    for name in dict.fromkeys(request.query.keys()):
        if name not in params:
            errors.append(SchemaError(name, "is not a known query parameter"))
    values: dict[str, Any] = {}
    for name, param in params.items():
        schema = param["schema"]
        raw = request.query.getall(name, [])
        if not raw:
            values[name] = schema.get("default")
            continue
        if len(raw) > 1:
            errors.append(SchemaError(name, "must be given once (separate values with commas)"))
            continue
        value: Any = raw[0]
        if schema.get("type") == "integer" and _INTEGER_TEXT.fullmatch(value):
            value = int(value)
        elif schema.get("type") == "array":
            value = value.split(",")
        found = VALIDATOR.errors(value, schema, name)
        errors.extend(found)
        values[name] = None if found else value
    return values


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("a field appears twice")
    return obj


def _integral(text: str) -> int | float:
    # JSON Schema counts 2.0 as an integer; hand the use cases a real int.
    number = float(text)
    return int(number) if number.is_integer() else number


# One decoder for every body: json.loads with arguments builds a new one per call.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constants,
                            parse_float=_integral)


async def _body_value(request: web.Request) -> tuple[bytes, Any]:
    """The raw and parsed JSON body: 415 for another media type, 413 above client_max_size, 400 when
    it is not strict JSON (bad UTF-8, syntax, NaN, a field twice)."""
    if request.content_type != JSON_MEDIA_TYPE or (request.charset or "utf-8").lower() != "utf-8":
        raise web.HTTPUnsupportedMediaType(
            text=f"Send the body as {JSON_MEDIA_TYPE} (UTF-8).")
    raw = await request.read()  # raises 413 beyond the app's client_max_size
    try:
        text = raw.decode("utf-8")
        if text.startswith("\ufeff"):  # as json.loads: a byte order mark is not JSON
            raise ValueError("Unexpected UTF-8 BOM")
        value = _DECODER.decode(text)
        if "\\u" in text and _holds_surrogate(value):
            raise ValueError("a \\u escape names a lone surrogate, which is not text")
        return raw, value
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise web.HTTPBadRequest(text=f"The body is not valid JSON: {exc}.") from None


def _holds_surrogate(value: Any) -> bool:
    """Whether a string anywhere in the parsed body (a key too) holds a lone surrogate:
    JSON escapes allow one, UTF-8 cannot encode it (it used to fail the answer with a 500)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


# One encoder for every answer: json.dumps with arguments builds a new one per call.
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


# Bodies already found valid, by schema and exact bytes: votes repeat a few tiny bodies
# ({"choice": "for"}), and their schema check cost more than the JSON parse. Only
# small bodies, only verdicts (each request still parses its own body), at most this many.
_VALID_BODIES: dict[tuple[str, bytes], bool] = {}
_VALID_BODIES_MAX = 1024
_VALID_BODY_BYTES = 256


def _body_errors(schema_name: str, raw: bytes, body: Any) -> list[SchemaError]:
    key = (schema_name, raw)
    if key in _VALID_BODIES:
        return []
    errors = VALIDATOR.errors(body, SCHEMAS[schema_name])
    if not errors and len(raw) <= _VALID_BODY_BYTES:
        if len(_VALID_BODIES) >= _VALID_BODIES_MAX:
            _VALID_BODIES.clear()
        _VALID_BODIES[key] = True
    return errors


def route(endpoint: Endpoint) -> web.RouteDef:
    """The aiohttp route of one endpoint (no automatic HEAD: the document lists what exists)."""
    # What every request of this endpoint checks, worked out once.
    path_parameters = tuple((name, PATH_PARAMETERS[name]["schema"],
                             _integer_bounds(PATH_PARAMETERS[name]["schema"]))
                            for name in endpoint.path_parameters)
    query_parameters = {QUERY_PARAMETERS[key]["name"]: QUERY_PARAMETERS[key]
                        for key in endpoint.query}

    async def handle(request: web.Request) -> web.StreamResponse:
        if endpoint.auth:
            require_member(request)  # 401 problem+json with WWW-Authenticate: Bearer
        path = _path_values(request, path_parameters)
        errors: list[SchemaError] = []
        query = _query_values(request, query_parameters, errors)
        body: Any = {}
        if endpoint.body is not None:
            raw, body = await _body_value(request)
            errors += _body_errors(endpoint.body, raw, body)
        elif request.body_exists:
            errors.append(SchemaError("", "this operation takes no request body"))
        if errors:
            return validation_problem(request, errors)
        # At this point the caller is known (when required) and every input has its documented
        # type, presence and bounds; the use case checks the rules and the state.
        try:
            result = await endpoint.handler(Call(request, viewer(request), path, query, body))
        except Invalid as exc:
            return validation_problem(request, [SchemaError(exc.field or "", str(exc))])
        headers = {"Cache-Control": "no-store"}
        if endpoint.response is None:
            return web.Response(status=204, headers=headers)
        return web.json_response(result, status=endpoint.status, dumps=_dumps, headers=headers)

    handle.__name__ = endpoint.operation_id
    extra = {"allow_head": False} if endpoint.method == "GET" else {}
    return web.route(endpoint.method, endpoint.route_path, handle,
                     name=f"api.{endpoint.operation_id}", **extra)
