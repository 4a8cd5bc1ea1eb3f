"""The line diff the web renders for amendments."""
from __future__ import annotations

from node.diff import DiffKind, DiffOp, line_diff


def test_line_diff_marks_replaced_lines_as_delete_then_insert():
    # Given
    old = "Article premier.\nLa rue est à sens unique.\nFin."
    new = "Article premier.\nLa rue est piétonne.\nFin."
    # When
    ops = line_diff(old, new)
    # Then
    assert ops == (
        DiffOp(DiffKind.EQUAL, ("Article premier.",), 1, 1),
        DiffOp(DiffKind.DELETE, ("La rue est à sens unique.",), 2, 2),
        DiffOp(DiffKind.INSERT, ("La rue est piétonne.",), 3, 2),
        DiffOp(DiffKind.EQUAL, ("Fin.",), 3, 3),
    )


def test_line_diff_reports_pure_insertions_and_deletions():
    assert line_diff("a\nb", "a\nb\nc") == (
        DiffOp(DiffKind.EQUAL, ("a", "b"), 1, 1),
        DiffOp(DiffKind.INSERT, ("c",), 3, 3),
    )
    assert line_diff("a\nb\nc", "a\nc") == (
        DiffOp(DiffKind.EQUAL, ("a",), 1, 1),
        DiffOp(DiffKind.DELETE, ("b",), 2, 2),
        DiffOp(DiffKind.EQUAL, ("c",), 3, 2),
    )


def test_line_diff_of_equal_texts_is_one_equal_run_and_of_empty_texts_nothing():
    assert line_diff("a\nb", "a\nb") == (DiffOp(DiffKind.EQUAL, ("a", "b"), 1, 1),)
    assert line_diff("", "") == ()
    assert line_diff("", "x") == (DiffOp(DiffKind.INSERT, ("x",), 1, 1),)


def test_line_diff_rebuilds_both_texts():
    # Given a long text with repeated blank lines (difflib's autojunk would misalign them)
    old = "\n".join(f"ligne {i}" if i % 3 else "" for i in range(300))
    new = old.replace("ligne 151\n", "ligne cent cinquante et un\n").replace("ligne 7\n", "")
    # When
    ops = line_diff(old, new)
    # Then
    rebuilt_old = [line for op in ops if op.kind is not DiffKind.INSERT for line in op.lines]
    rebuilt_new = [line for op in ops if op.kind is not DiffKind.DELETE for line in op.lines]
    assert rebuilt_old == old.splitlines() and rebuilt_new == new.splitlines()
    assert sum(len(op.lines) for op in ops if op.kind is not DiffKind.EQUAL) == 3
