"""The OpenAPI 3.1 document of the JSON API, built from the endpoint table (web/api.py) and
the schemas (web/api_schemas.py) that also drive routing and validation: it cannot drift.

Pure: no I/O, built on request (it is small and rarely fetched).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any, Iterable

from .api_edge import JSON_MEDIA_TYPE, Endpoint
from .api_schemas import (
    EXAMPLES,
    PATH_PARAMETERS,
    PROBLEM_EXAMPLES,
    QUERY_PARAMETERS,
    SCHEMAS,
)

OPENAPI_VERSION = "3.1.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
PROBLEM_MEDIA_TYPE = "application/problem+json"  # RFC 9457
API_VERSION = "1"

# Why each 4xx (and the 500) happens; the body is always a problem document.
_ERROR_REASONS = {
    400: "The body is not valid JSON (syntax, encoding, NaN, a field given twice).",
    401: "A token is required, or the token sent is not valid.",
    403: "The rules do not allow this member to do this.",
    404: "Nothing with this id or slug (hidden content included, but for moderators).",
    409: "The current state forbids it (debate not open, item withdrawn, hidden or decided...).",
    413: "The body is larger than the node accepts.",
    415: "The body is not application/json (UTF-8).",
    422: "Invalid input: every problem is listed in `errors`.",
    500: "A failure on the node's side; quote request_id when reporting it.",
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_response_name(status: int) -> str:
    return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")


def _error_responses() -> dict[str, Any]:
    responses = {}
    for status, reason in _ERROR_REASONS.items():
        schema = "ValidationProblem" if status == 422 else "Problem"
        example = dict(PROBLEM_EXAMPLES[schema], status=status,
                       title=HTTPStatus(status).phrase)
        if schema == "Problem":
            example["detail"] = reason
        content: dict[str, Any] = {"schema": _ref("schemas", schema), "example": example}
        response: dict[str, Any] = {"description": reason,
                                    "content": {PROBLEM_MEDIA_TYPE: content}}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": {
                "description": "Bearer", "schema": {"type": "string"}}}
        responses[_error_response_name(status)] = response
    return responses


def _parameters() -> dict[str, Any]:
    parameters = {}
    for name, spec in PATH_PARAMETERS.items():
        parameters[f"Path_{name}"] = {"name": name, "in": "path", "required": True,
                                      "description": spec["description"],
                                      "schema": spec["schema"]}
    parameters.update(QUERY_PARAMETERS)
    return parameters


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    parameters = [_ref("parameters", f"Path_{name}") for name in endpoint.path_parameters]
    parameters += [_ref("parameters", key) for key in endpoint.query]
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body:
        operation["requestBody"] = {"required": True, "content": {JSON_MEDIA_TYPE: {
            "schema": _ref("schemas", endpoint.body), "example": EXAMPLES[endpoint.body]}}}
    success: dict[str, Any] = {"description": HTTPStatus(endpoint.status).phrase}
    if endpoint.response:
        success["content"] = {JSON_MEDIA_TYPE: {"schema": _ref("schemas", endpoint.response)}}
    responses = {str(endpoint.status): success}
    for status in (*endpoint.error_statuses(), 500):
        responses[str(status)] = _ref("responses", _error_response_name(status))
    operation["responses"] = responses
    # Writes need a token; reads take one optionally (moderators then see hidden content).
    operation["security"] = [{"bearer": []}] if endpoint.auth else [{}, {"bearer": []}]
    return operation


def build_document(endpoints: Iterable[Endpoint], base_url: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    tags: list[str] = []
    for endpoint in endpoints:
        paths.setdefault(endpoint.full_path, {})[endpoint.method.lower()] = _operation(endpoint)
        if endpoint.tag not in tags:
            tags.append(endpoint.tag)
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
        "info": {
            "title": "THC Node API",
            "version": API_VERSION,
            "description": (
                "Debates, proposals, arguments, amendments, votes and answers of one territory. "
                "Reads are public; writes need a personal token (`thc-node token create "
                "USERNAME`) sent as `Authorization: Bearer <token>`; session cookies are "
                "ignored here. Lists return `{items, next}`: pass `next` as `after`. "
                "Errors are RFC 9457 problem documents."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": base_url}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "parameters": _parameters(),
            "responses": _error_responses(),
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "A personal token: thc-node token create USERNAME."}},
        },
    }
