"""An API client for tests: real HTTP to a make_node node, and every reply checked against the
OpenAPI document that node serves (status documented, media type, body valid by its schema).

So each test that calls the API also proves the document describes that response exactly.
"""
from __future__ import annotations

import json as jsonlib
import re
from dataclasses import dataclass, field
from typing import Any

from multidict import CIMultiDictProxy

from web.api_edge import API_PREFIX
from web.schema import Validator

_MISSING = object()
PROBLEM = "application/problem+json"


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy
    body: Any  # parsed JSON, or None when empty
    raw: bytes
    operation: tuple[str, str] | None  # (METHOD, path template) when the document has it

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip()

    def error_fields(self) -> list[str]:
        return [e["field"] for e in self.body.get("errors", [])]


@dataclass
class Api:
    """Calls /api/v1 on one node as anyone (`as_` a username with a token) or nobody."""

    node: Any
    tokens: dict[str, str] = field(default_factory=dict)
    document: dict | None = None
    seen: set[tuple[str, str, int]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return self.node.url + API_PREFIX

    async def load_document(self) -> dict:
        if self.document is None:
            async with self.node.client.get(f"{self.url}/openapi.json") as response:
                assert response.status == 200
                self.document = await response.json()
            self._templates = [
                (re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$"), path)
                for path in self.document["paths"]
            ]
            self.validator = Validator(self.document)
        return self.document

    async def call(self, method: str, path: str, *, as_: str | None = None, json: Any = _MISSING,
                   data: Any = None, headers: dict | None = None, params: Any = None,
                   token: str | None = None) -> Reply:
        await self.load_document()
        headers = dict(headers or {})
        token = token or (self.tokens[as_] if as_ else None)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers, "params": params}
        if json is not _MISSING:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
        async with self.node.client.request(method, self.url + path, **kwargs) as response:
            raw = await response.read()
            reply = Reply(response.status, response.headers,
                          jsonlib.loads(raw) if raw else None, raw, None)
        self.check(method, path.split("?")[0], reply)
        return reply

    # Shorthands
    async def get(self, path: str, **kw) -> Reply:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, **kw) -> Reply:
        return await self.call("POST", path, **kw)

    async def put(self, path: str, **kw) -> Reply:
        return await self.call("PUT", path, **kw)

    async def patch(self, path: str, **kw) -> Reply:
        return await self.call("PATCH", path, **kw)

    async def delete(self, path: str, **kw) -> Reply:
        return await self.call("DELETE", path, **kw)

    async def page_through(self, path: str, *, limit: int, params: dict | None = None,
                           as_: str | None = None, cursor: str = "after",
                           column: str | None = None) -> tuple[list[dict], int]:
        """Follow `next` from the first page to the last; (every item, number of pages)."""
        items: list[dict] = []
        query = dict(params or {}, limit=str(limit))
        for pages in range(1, 1000):
            reply = await self.get(path, params=query, as_=as_)
            assert reply.status == 200, reply.body
            page = reply.body[column] if column else reply.body
            assert len(page["items"]) <= limit
            items += page["items"]
            if page["next"] is None:
                return items, pages
            assert len(page["items"]) == limit  # only a last page may be short
            query[cursor] = page["next"]
        raise AssertionError("paging never ended")

    # --- checking against the document -------------------------------------------------------

    def _template(self, path: str) -> str | None:
        full = API_PREFIX + path
        return next((t for pattern, t in self._templates if pattern.match(full)), None)

    def check(self, method: str, path: str, reply: Reply) -> None:
        if reply.status >= 400 and method != "HEAD":  # HEAD answers carry no body
            self.check_problem(reply)
        template = self._template(path)
        operation = (self.document["paths"].get(template) or {}).get(method.lower())
        if operation is None:  # an address or method the API does not have
            assert reply.status in (404, 405), (method, path, reply.status)
            return
        reply.operation = (method, template)
        self.seen.add((method, template, reply.status))
        documented = operation["responses"].get(str(reply.status))
        assert documented is not None, (
            f"{method} {template} answered {reply.status}, which its document does not list:"
            f" {reply.body}")
        if "$ref" in documented:
            documented = self.validator.resolve(documented["$ref"])
        content = documented.get("content")
        if content is None:
            assert reply.raw == b"", f"{method} {template} {reply.status} should have no body"
            return
        assert reply.content_type in content, (method, template, reply.content_type)
        schema = content[reply.content_type]["schema"]
        errors = self.validator.errors(reply.body, schema)
        assert not errors, f"{method} {template} {reply.status}: {errors}\n{reply.body}"

    @staticmethod
    def check_problem(reply: Reply) -> None:
        """RFC 9457: problem+json with type, title, status (= the HTTP status) and detail."""
        assert reply.content_type == PROBLEM, (reply.status, reply.content_type, reply.raw[:200])
        body = reply.body
        assert body["status"] == reply.status
        assert body["type"] == "about:blank" and body["title"] and body["detail"]
        assert body["request_id"] == reply.headers["X-Request-Id"]
