"""A validator for the subset of JSON Schema 2020-12 that the API's OpenAPI document uses.

No dependency: the API checks request bodies and query strings with it, and the tests check
every response with it. It knows only `KEYWORDS`; tests walk the whole OpenAPI document and
fail on any other keyword, so nothing there is silently ignored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from node.text import forbidden_character

# Keywords that constrain an instance (validated here).
ASSERTIONS = frozenset({
    "$ref", "type", "enum", "const", "properties", "required", "additionalProperties",
    "items", "minItems", "maxItems", "uniqueItems", "minLength", "maxLength", "minimum",
    "maximum", "pattern", "format", "anyOf",
})
# Keywords that only describe (JSON Schema annotations): accepted, never checked.
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "readOnly", "deprecated"})
KEYWORDS = ASSERTIONS | ANNOTATIONS
# `format` is an annotation in 2020-12 unless asserted; we assert date-time (RFC 3339, with a
# time zone) because the use cases need aware datetimes. `uri` stays an annotation:
# node.content_rules checks links itself (http/https only, no credentials).
FORMATS = frozenset({"date-time", "uri"})

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]\d{2}:\d{2})$"
)
_TYPE_NAMES = {
    "object": "an object", "array": "a list", "string": "a string", "integer": "an integer",
    "number": "a number", "boolean": "true or false", "null": "null",
}


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One failed check: `field` is a dotted path into the instance ("" for the whole)."""

    field: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def parse_date_time(value: str) -> datetime | None:
    """An RFC 3339 date-time with a time zone, or None."""
    if not _DATE_TIME.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return None


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    raise ValueError(f"unknown JSON Schema type {name!r}")


def _join(path: str, key: str | int) -> str:
    return f"{path}.{key}" if path else str(key)


def _same(a: Any, b: Any) -> bool:
    """JSON equality: true is not 1, unlike Python's."""
    return type(a) is type(b) and a == b if isinstance(a, bool) or isinstance(b, bool) else a == b


class Validator:
    """Validates instances against schemas whose `$ref`s point into `root`
    ("#/components/schemas/Name", as in an OpenAPI document)."""

    def __init__(self, root: dict[str, Any]):
        self.root = root

    def resolve(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref!r}")
        node: Any = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def errors(self, instance: Any, schema: dict[str, Any], path: str = "") -> list[SchemaError]:
        """Every failed check, in document order; an empty list means valid."""
        found: list[SchemaError] = []
        self._check(instance, schema, path, found)
        return found

    def _check(self, value: Any, schema: dict[str, Any], path: str, out: list[SchemaError]):
        if "$ref" in schema:
            self._check(value, self.resolve(schema["$ref"]), path, out)
        if "anyOf" in schema:
            self._any_of(value, schema["anyOf"], path, out)
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_is_type(value, n) for n in names):
                expected = " or ".join(_TYPE_NAMES[n] for n in names)
                out.append(SchemaError(path, f"must be {expected}"))
                return  # the other checks would only repeat the same problem
        if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
            options = ", ".join("null" if o is None else str(o) for o in schema["enum"])
            out.append(SchemaError(path, f"must be one of: {options}"))
        if "const" in schema and not _same(value, schema["const"]):
            out.append(SchemaError(path, f"must be {schema['const']!r}"))
        if isinstance(value, str):
            self._string(value, schema, path, out)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                out.append(SchemaError(path, f"must be at least {schema['minimum']}"))
            if "maximum" in schema and value > schema["maximum"]:
                out.append(SchemaError(path, f"must be at most {schema['maximum']}"))
        elif isinstance(value, list):
            self._array(value, schema, path, out)
        elif isinstance(value, dict):
            self._object(value, schema, path, out)

    def _any_of(self, value: Any, options: list[dict], path: str, out: list[SchemaError]):
        attempts = [self.errors(value, option, path) for option in options]
        if all(attempts):
            # The closest option explains the problem best (e.g. the object, not the null).
            out.extend(min(attempts, key=len))

    def _string(self, value: str, schema: dict, path: str, out: list[SchemaError]):
        # node/text.py's one rule for text: no control character but tab and line breaks
        found = forbidden_character(value)
        if found is not None:
            out.append(SchemaError(path, f"must not contain a control character "
                                         f"(U+{ord(found):04X}): only text, tabs and line breaks"))
        if "minLength" in schema and len(value) < schema["minLength"]:
            out.append(SchemaError(path, f"must have at least {schema['minLength']} characters"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(SchemaError(path, f"must have at most {schema['maxLength']} characters"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(SchemaError(path, f"must match {schema['pattern']}"))
        fmt = schema.get("format")
        if fmt is not None and fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        if fmt == "date-time" and parse_date_time(value) is None:
            out.append(SchemaError(path, "must be an RFC 3339 date-time with a time zone"))

    def _array(self, value: list, schema: dict, path: str, out: list[SchemaError]):
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(SchemaError(path, f"must have at least {schema['minItems']} items"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(SchemaError(path, f"must have at most {schema['maxItems']} items"))
        if schema.get("uniqueItems"):
            seen: list = []
            for item in value:
                if any(_same(item, s) for s in seen):
                    out.append(SchemaError(path, "must not repeat an item"))
                    break
                seen.append(item)
        if "items" in schema:
            for index, item in enumerate(value):
                self._check(item, schema["items"], _join(path, index), out)

    def _object(self, value: dict, schema: dict, path: str, out: list[SchemaError]):
        properties = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                out.append(SchemaError(_join(path, name), "is required"))
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in properties:
                self._check(item, properties[name], _join(path, name), out)
            elif extra is False:
                out.append(SchemaError(_join(path, name), "is not a known field"))
            elif isinstance(extra, dict):
                self._check(item, extra, _join(path, name), out)


def unknown_keywords(schema: Any) -> set[str]:
    """Keywords in a schema (recursively) that this validator does not know."""
    found: set[str] = set()
    if not isinstance(schema, dict):
        return found
    for key, sub in schema.items():
        if key not in KEYWORDS:
            found.add(key)
        if key == "properties":
            for prop in sub.values():
                found |= unknown_keywords(prop)
        elif key in ("items", "additionalProperties"):
            found |= unknown_keywords(sub)
        elif key == "anyOf":
            for option in sub:
                found |= unknown_keywords(option)
    return found
