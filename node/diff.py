"""Line-based differences between two texts (an amendment against the text it replaces).

Pure and structured, so the web renders it as it likes (a `<del>`/`<ins>` table, a list).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum

from .model import Amendment


class DiffKind(StrEnum):
    EQUAL = "equal"
    DELETE = "delete"
    INSERT = "insert"


@dataclass(frozen=True, slots=True)
class DiffOp:
    """A run of lines: kept (equal), removed from the old text, or added by the new one.

    `old_start`/`new_start` are 1-based line numbers where the run starts in each text.
    """

    kind: DiffKind
    lines: tuple[str, ...]
    old_start: int
    new_start: int


def line_diff(old: str, new: str) -> tuple[DiffOp, ...]:
    """The differences, line by line; a replaced run comes as a delete then an insert."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    # autojunk off: its heuristic treats frequent lines (blank ones) as noise in long texts.
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append(DiffOp(DiffKind.EQUAL, tuple(old_lines[i1:i2]), i1 + 1, j1 + 1))
            continue
        if tag in ("delete", "replace"):
            ops.append(DiffOp(DiffKind.DELETE, tuple(old_lines[i1:i2]), i1 + 1, j1 + 1))
        if tag in ("insert", "replace"):
            ops.append(DiffOp(DiffKind.INSERT, tuple(new_lines[j1:j2]), i2 + 1, j1 + 1))
    return tuple(ops)


def amendment_diff(amendment: Amendment) -> tuple[DiffOp, ...]:
    """What the amendment changes in the text it was written against."""
    return line_diff(amendment.original_text, amendment.text)
