"""Atomic, canonical file writes: the bytes every stage publishes with."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from pipeline.machinery import files

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_json_is_the_standard_librarys_sorted_indented_form(value):
    assert files.dump_json(value) == json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert json.loads(files.dump_json(value)) == value


def test_unchanged_bytes_are_not_rewritten(tmp_path):
    path = tmp_path / "a" / "x.json"
    assert files.write_json(path, {"b": 1, "a": [1, 2]}) is True
    mtime = path.stat().st_mtime_ns
    assert files.write_json(path, {"a": [1, 2], "b": 1}) is False
    assert path.stat().st_mtime_ns == mtime
    assert path.read_text() == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "x.txt"
    files.write_text(path, "old")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", boom)
    try:
        files.write_text(path, "new")
    except OSError:
        pass
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_big_integers_fall_back_to_the_standard_library():
    assert files.dump_json({"n": 2**70}) == '{\n  "n": 1180591620717411303424\n}\n'
