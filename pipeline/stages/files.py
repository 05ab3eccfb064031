"""File I/O for the stages: atomic writes, canonical JSON, the Zotero snapshot layout.

Every file a stage publishes goes through `write_text`, which writes a temporary file beside the
target and renames it over, so a crash leaves either the old file or the new one, never half of one.
A file whose bytes would not change is not touched, so its mtime and git status stay quiet.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_text(path: Path, text: str, *, newline: str = "\n") -> bool:
    """Atomically write `text` (UTF-8) to `path`. Returns True if the bytes changed."""
    data = text.encode("utf-8")
    if newline != "\n":
        data = data.replace(b"\n", newline.encode())
    return write_bytes(path, data)


def write_bytes(path: Path, data: bytes) -> bool:
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def dump_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, two-space indent, UTF-8 kept, trailing newline (small diffs)."""
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_json(path: Path, obj: Any) -> bool:
    return write_text(path, dump_json(obj))


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def remove(path: Path) -> bool:
    try:
        Path(path).unlink()
        return True
    except FileNotFoundError:
        return False


# --- the Zotero snapshot: data/raw/zotero/{items,collections}/KEY.json + state.json ----------------

ITEMS = "items"
COLLECTIONS = "collections"
STATE = "state.json"


def snapshot_state(zotero_dir: Path) -> dict:
    """The sync state written last by pull (or import-readme); {} when there is no snapshot."""
    path = Path(zotero_dir) / STATE
    return read_json(path) if path.is_file() else {}


def snapshot_objects(zotero_dir: Path, kind: str) -> dict[str, Path]:
    """{key: path} of the item or collection files of a snapshot, sorted by key."""
    folder = Path(zotero_dir) / kind
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.json"))}
