"""The in-house JSON Schema subset validator (web/schema.py), without a server: the API's
input checks and the tests' response checks both rest on it."""
from __future__ import annotations

import pytest

from web.schema import SchemaError, Validator, parse_date_time, unknown_keywords

ROOT = {"components": {"schemas": {
    "Point": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
              "required": ["x", "y"], "additionalProperties": False},
}}}
V = Validator(ROOT)


def errors(instance, schema):
    return [(e.field, e.message) for e in V.errors(instance, schema)]


@pytest.mark.parametrize(("instance", "json_type", "valid"), [
    (1, "integer", True), (True, "integer", False), (1.5, "integer", False),
    (1.5, "number", True), (False, "number", False), ("1", "integer", False),
    (True, "boolean", True), (0, "boolean", False), (None, "null", True), ("", "null", False),
    ([], "array", True), ({}, "array", False), ({}, "object", True), ("x", "string", True),
])
def test_types_follow_json_not_python(instance, json_type, valid):
    assert (errors(instance, {"type": json_type}) == []) is valid


def test_a_type_list_allows_each_type():
    schema = {"type": ["integer", "null"]}
    assert errors(None, schema) == [] and errors(3, schema) == []
    assert errors("3", schema) == [("", "must be an integer or null")]


def test_objects_report_every_missing_and_unknown_field_with_its_path():
    schema = {"type": "object", "properties": {"point": {"$ref": "#/components/schemas/Point"}},
              "required": ["point"], "additionalProperties": False}
    assert errors({"point": {"x": "1", "z": 0}, "other": 1}, schema) == [
        ("point.y", "is required"),
        ("point.x", "must be an integer"),
        ("point.z", "is not a known field"),
        ("other", "is not a known field"),
    ]


def test_array_items_get_indexed_paths_and_bounds():
    schema = {"type": "array", "items": {"type": "string", "maxLength": 2}, "maxItems": 2,
              "uniqueItems": True}
    assert errors(["ab", "abc"], schema) == [("1", "must have at most 2 characters")]
    assert errors(["a", "a"], schema) == [("", "must not repeat an item")]
    assert errors(["a", "b", "c"], schema) == [("", "must have at most 2 items")]
    assert errors([], {"type": "array", "minItems": 1}) == [("", "must have at least 1 items")]


def test_unique_items_tells_true_from_one():
    assert errors([1, True], {"type": "array", "uniqueItems": True}) == []


def test_enum_const_and_numbers():
    assert errors("b", {"type": "string", "enum": ["a"]}) == [("", "must be one of: a")]
    assert errors(None, {"type": ["string", "null"], "enum": ["a", None]}) == []
    assert errors(1, {"enum": [True]}) == [("", "must be one of: True")]
    assert errors(2, {"const": 2}) == [] and errors(3, {"const": 2}) == [("", "must be 2")]
    assert errors(0, {"type": "integer", "minimum": 1}) == [("", "must be at least 1")]
    assert errors(11, {"type": "integer", "maximum": 10}) == [("", "must be at most 10")]


def test_strings_count_characters_not_bytes():
    assert errors("é" * 3, {"type": "string", "maxLength": 3}) == []
    assert errors("", {"type": "string", "minLength": 1}) == [
        ("", "must have at least 1 characters")]
    assert errors("Ab", {"type": "string", "pattern": "^[a-z]+$"}) == [("", "must match ^[a-z]+$")]


@pytest.mark.parametrize(("text", "valid"), [
    ("2026-11-27T12:00:00Z", True), ("2026-11-27T12:00:00.123456+01:00", True),
    ("2026-11-27t12:00:00z", True), ("2026-11-27T12:00:00", False),
    ("2026-11-27", False), ("2026-13-27T12:00:00Z", False), ("demain", False),
])
def test_date_times_need_rfc_3339_with_a_time_zone(text, valid):
    assert (errors(text, {"type": "string", "format": "date-time"}) == []) is valid
    assert (parse_date_time(text) is not None) is valid


def test_any_of_reports_the_closest_option():
    schema = {"anyOf": [{"$ref": "#/components/schemas/Point"}, {"type": "null"}]}
    assert errors(None, schema) == [] and errors({"x": 1, "y": 2}, schema) == []
    assert errors({"x": 1}, schema) == [("y", "is required")]


def test_annotations_are_known_and_anything_else_is_reported():
    assert unknown_keywords({"type": "string", "description": "d", "default": "x"}) == set()
    assert unknown_keywords({"type": "object", "properties": {
        "a": {"type": "string", "oneOf": []}}, "dependentRequired": {}}) == {
        "oneOf", "dependentRequired"}


def test_unknown_formats_and_remote_references_are_refused_loudly():
    with pytest.raises(ValueError):
        V.errors("x", {"type": "string", "format": "email"})
    with pytest.raises(ValueError):
        V.errors("x", {"$ref": "https://example.org/schema"})


def test_errors_serialise_as_field_and_message():
    assert SchemaError("a.0", "is required").as_json() == {"field": "a.0", "message": "is required"}
