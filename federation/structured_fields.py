"""RFC 8941 structured fields: just enough of §4.2 to parse the dictionaries of RFC 9421
(`Signature-Input`, `Signature`) and RFC 9530 (`Content-Digest`). Pure and bounded by its caller."""
from __future__ import annotations

import base64
import binascii
import re

_SfBare = int | float | str | bytes | bool
SfParams = dict[str, _SfBare]
SfMember = _SfBare | list[tuple[_SfBare, SfParams]]

_SF_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_SF_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_SF_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,3})?")
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_SF_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")


class SfSyntaxError(ValueError):
    pass


class SfParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def dictionary(self) -> dict[str, tuple[SfMember, SfParams, str]]:
        result: dict[str, tuple[SfMember, SfParams, str]] = {}
        self._skip(" ")
        while self.pos < len(self.text):
            key = self._match(_SF_KEY).group()
            if key in result:  # RFC 8941 keeps the last; a repeated label smells of an attack
                raise SfSyntaxError("duplicate key")
            start = self.pos
            if self._peek() == "=":
                self.pos += 1
                member: SfMember = self._inner_list() if self._peek() == "(" else self._bare_item()
            else:
                member = True
            params = self._params()
            text = self.text[start + 1 : self.pos] if member is not True else ""
            result[key] = (member, params, text)
            self._skip(" \t")
            if self.pos == len(self.text):
                break
            self._expect(",")
            self._skip(" \t")
            if self.pos == len(self.text):
                raise SfSyntaxError("trailing comma")
        return result

    def _inner_list(self) -> list[tuple[_SfBare, SfParams]]:
        self._expect("(")
        items: list[tuple[_SfBare, SfParams]] = []
        while True:
            self._skip(" ")
            if self._peek() == ")":
                self.pos += 1
                return items
            items.append((self._bare_item(), self._params()))
            if self._peek() not in (" ", ")"):
                raise SfSyntaxError("bad inner list")

    def _params(self) -> SfParams:
        params: SfParams = {}
        while self._peek() == ";":
            self.pos += 1
            self._skip(" ")
            key = self._match(_SF_KEY).group()
            if self._peek() == "=":
                self.pos += 1
                params[key] = self._bare_item()
            else:
                params[key] = True
        return params

    def _bare_item(self) -> _SfBare:
        char = self._peek()
        if char == '"':
            return re.sub(r"\\(.)", r"\1", self._match(_SF_STRING).group(1))
        if char == ":":
            encoded = self._match(_SF_BYTES).group(1)
            try:
                return base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise SfSyntaxError("bad byte sequence") from None
        if char == "?":
            value = self.text[self.pos + 1 : self.pos + 2]
            if value not in ("0", "1"):
                raise SfSyntaxError("bad boolean")
            self.pos += 2
            return value == "1"
        if char == "-" or char.isdigit():
            number = self._match(_SF_NUMBER)
            return float(number.group()) if number.group(1) else int(number.group())
        return self._match(_SF_TOKEN).group()

    def _match(self, pattern: re.Pattern[str]) -> re.Match[str]:
        match = pattern.match(self.text, self.pos)
        if match is None:
            raise SfSyntaxError("unexpected character")
        self.pos = match.end()
        return match

    def _peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise SfSyntaxError(f"expected {char!r}")
        self.pos += 1

    def _skip(self, chars: str) -> None:
        while self._peek() and self._peek() in chars:
            self.pos += 1
