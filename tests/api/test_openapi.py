"""The OpenAPI 3.1 document at /api/v1/openapi.json describes the API exactly: the same
operations as the router, resolvable references, only the JSON Schema keywords our validator
knows, examples valid against their schemas, and the domain's bounds."""
from __future__ import annotations

import re
from typing import Any, Iterator

from node import content_rules, rules
from web.api import ENDPOINTS
from web.api_edge import API_PREFIX
from web.schema import FORMATS, Validator, unknown_keywords

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _walk(value: Any, path: str = "#") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from _walk(sub, f"{path}/{key}")
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from _walk(sub, f"{path}/{index}")


def _schemas(document: dict) -> Iterator[tuple[str, dict]]:
    """Every schema object of the document: components and those inline in operations."""
    for name, schema in document["components"]["schemas"].items():
        yield f"components/schemas/{name}", schema
    for name, parameter in document["components"]["parameters"].items():
        yield f"components/parameters/{name}", parameter["schema"]
    for path, value in _walk(document):
        if isinstance(value, dict) and "schema" in value and "/components/schemas" not in path:
            yield path, value["schema"]


async def test_document_is_openapi_3_1_with_bearer_security(api):
    # When
    reply = await api.get("/openapi.json")
    document = reply.body
    # Then
    assert reply.status == 200 and reply.content_type == "application/json"
    assert document["openapi"] == "3.1.0"
    assert document["jsonSchemaDialect"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["servers"] == [{"url": api.node.url}]
    assert document["components"]["securitySchemes"] == {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "A personal token: thc-node token create USERNAME."}}
    assert {"title", "version", "description", "license"} <= set(document["info"])


async def test_every_api_route_is_documented_with_its_method_and_path_and_vice_versa(world, api):
    # Given the routes the application really serves under /api/v1
    routed = set()
    for route in world.node.app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if canonical.startswith(API_PREFIX):
            routed.add((route.method, canonical))
    # When compared with the document's operations
    documented = {(method.upper(), path) for path, item in api.document["paths"].items()
                  for method in item if method in HTTP_METHODS}
    # Then they are the same set, and no HEAD is routed that the document would miss
    assert routed == documented
    assert len(routed) == len(ENDPOINTS)
    assert all(path.startswith(API_PREFIX) for _, path in documented)


async def test_operation_ids_are_unique_and_every_reference_resolves(api):
    document = api.document
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == len(ENDPOINTS)
    validator = Validator(document)
    refs = [value["$ref"] for _, value in _walk(document)
            if isinstance(value, dict) and "$ref" in value]
    assert refs
    for ref in refs:
        assert isinstance(validator.resolve(ref), dict), ref


async def test_every_schema_uses_only_keywords_and_formats_the_validator_knows(api):
    for where, schema in _schemas(api.document):
        assert not unknown_keywords(schema), (where, unknown_keywords(schema))
    formats = {v["format"] for _, v in _walk(api.document) if isinstance(v, dict) and "format" in v}
    assert formats <= FORMATS


async def test_every_documented_example_validates_against_its_schema(api):
    validator = Validator(api.document)
    examples = 0
    for where, value in _walk(api.document):
        if isinstance(value, dict) and "example" in value and "schema" in value:
            errors = validator.errors(value["example"], value["schema"])
            assert not errors, (where, errors)
            examples += 1
    # One per request body, plus one per problem response
    bodies = {e.body for e in ENDPOINTS if e.body}
    assert examples >= len(bodies) + len(api.document["components"]["responses"])


async def test_request_bodies_refuse_unknown_fields_at_every_level(api):
    validator = Validator(api.document)
    for endpoint in ENDPOINTS:
        if not endpoint.body:
            continue
        pending = [validator.resolve(f"#/components/schemas/{endpoint.body}")]
        while pending:
            schema = pending.pop()
            if "$ref" in schema:
                pending.append(validator.resolve(schema["$ref"]))
            if schema.get("type") == "object":
                assert schema["additionalProperties"] is False, endpoint.operation_id
                pending += schema["properties"].values()
            if "items" in schema:
                pending.append(schema["items"])
            pending += schema.get("anyOf", [])


async def test_response_objects_are_closed_and_fully_required(api):
    # So the response checks of every test catch a missing or an undocumented field.
    for name, schema in api.document["components"]["schemas"].items():
        for where, value in _walk(schema, name):
            if isinstance(value, dict) and value.get("type") == "object" and "properties" in value:
                assert value["additionalProperties"] is False, where
                optional = set(value["properties"]) - set(value["required"])
                assert optional <= {"description", "opens_at", "closes_at", "support_threshold",
                                    "answer_delay_days", "has_public_votes", "threshold_classes",
                                    "articles", "sources", "title", "article_number", "field"}, \
                    (where, optional)


async def test_every_operation_documents_its_errors_as_problem_details(api):
    document = api.document
    responses = document["components"]["responses"]
    by_path = {(e.method.lower(), e.full_path): e for e in ENDPOINTS}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            endpoint = by_path[(method, path)]
            codes = set(operation["responses"])
            # Then: its success, 401/422/500 always, 404 with a path parameter, body errors
            assert str(endpoint.status) in codes
            assert {"401", "422", "500"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes
            if endpoint.body:
                assert {"400", "413", "415"} <= codes
                assert operation["requestBody"]["required"] is True
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    target = responses[response["$ref"].rsplit("/", 1)[1]]
                    schema = target["content"]["application/problem+json"]["schema"]["$ref"]
                    expected = "ValidationProblem" if code == "422" else "Problem"
                    assert schema == f"#/components/schemas/{expected}", (method, path, code)
            security = operation["security"]
            assert security == ([{"bearer": []}] if endpoint.auth else [{}, {"bearer": []}])
            assert ("requestBody" in operation) == (endpoint.method in ("POST", "PUT", "PATCH")
                                                    and endpoint.body is not None)


async def test_path_parameters_match_the_path_templates(api):
    validator = Validator(api.document)
    for path, item in api.document["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        for operation in item.values():
            parameters = [validator.resolve(p["$ref"]) for p in operation.get("parameters", [])]
            in_path = [p["name"] for p in parameters if p["in"] == "path"]
            assert in_path == names, path
            assert all(p["required"] for p in parameters if p["in"] == "path")


async def test_documented_bounds_are_the_domain_bounds(api):
    schemas = api.document["components"]["schemas"]
    props = lambda name: schemas[name]["properties"]  # noqa: E731
    assert props("NewArgument")["body"]["maxLength"] == content_rules.MAX_ARGUMENT
    assert props("ArgumentEdit")["body"]["maxLength"] == content_rules.MAX_ARGUMENT
    assert props("ProposalDraft")["body"]["maxLength"] == content_rules.MAX_PROPOSAL_BODY
    assert props("ProposalDraft")["title"]["minLength"] == rules.MIN_TITLE
    assert props("ProposalDraft")["title"]["maxLength"] == rules.MAX_TITLE
    assert props("ProposalDraft")["articles"]["maxItems"] == content_rules.MAX_ARTICLES
    assert props("ProposalDraft")["sources"]["maxItems"] == content_rules.MAX_SOURCES
    assert props("ArticleInput")["text"]["maxLength"] == content_rules.MAX_ARTICLE_TEXT
    assert props("NewAnswer")["text"]["minLength"] == content_rules.MIN_ANSWER
    assert props("NewAnswer")["text"]["maxLength"] == content_rules.MAX_ANSWER
    assert props("ModerationRequest")["reason"]["maxLength"] == content_rules.MAX_REASON
    assert props("NewAmendment")["rationale"]["maxLength"] == content_rules.MAX_RATIONALE
    assert props("NewDebate")["description"]["maxLength"] == rules.MAX_DESCRIPTION
    limit = api.document["components"]["parameters"]["Limit"]["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, rules.MAX_PAGE_SIZE)


async def test_document_is_the_same_for_everyone_and_stores_nothing(world, api):
    anonymous = await api.get("/openapi.json")
    member = await api.get("/openapi.json", as_="anne")
    assert anonymous.body == member.body == api.document


async def test_every_list_returns_items_and_next_and_takes_a_cursor_and_a_limit(api):
    schemas = api.document["components"]["schemas"]
    for endpoint in ENDPOINTS:
        schema = schemas.get(endpoint.response or "", {})
        if set(schema.get("properties", {})) == {"items", "next"}:
            assert schema["required"] == ["items", "next"]
            assert {"After", "Limit"} <= set(endpoint.query), endpoint.operation_id
    side_by_side = next(e for e in ENDPOINTS if e.response == "ArgumentColumns")
    assert set(side_by_side.query) == {"Limit", "AfterFor", "AfterAgainst", "AfterNeutral"}
