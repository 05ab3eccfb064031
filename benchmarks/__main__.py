"""`make bench`: run every benchmarks/bench_*.py, print the figures, write BENCHMARKS.md.

Each module exposes `run() -> list[dict]` with rows {benchmark, case, ours, baseline, ratio, notes}.
Figures are measured here and now, ours beside the naive baseline on the same machine, so the ratio
means something even on a slower or busier machine; nothing here asserts a time.
Run one module with `python -m benchmarks bench_pull`.
"""
from __future__ import annotations

import importlib
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("benchmark", "case", "ours", "baseline", "ratio", "notes")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores{mem}, "
            f"Python {platform.python_version()}")


def table(rows: list[dict]) -> str:
    def cell(v) -> str:
        return str(v).replace("|", "\\|").replace("\n", " ")
    out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(cell(r.get(c, "")) for c in COLUMNS) + " |" for r in rows]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in HERE.glob("bench_*.py"))
    rows, failed, sections = [], [], []
    started = time.perf_counter()
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            rows.extend(module.run())
            # A module may add a section of its own below the table (bench_bbt: what still differs).
            sections.append(module.section() if hasattr(module, "section") else "")
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    text = table(rows)
    print(text)
    for f in failed:
        print(f"FAILED {f}", file=sys.stderr)
    if not argv:
        doc = [
            "# Benchmarks",
            "",
            "Written by `make bench`; every figure below was measured in the same run, ours beside the",
            "naive baseline, so ratios compare like with like. Re-run it to refresh this page.",
            "",
            f"Machine: {machine()}. Total run time: {time.perf_counter() - started:.0f} s.",
            "",
            text,
            "",
        ] + [part for part in sections if part]
        if failed:
            doc += ["Failed benchmarks:", ""] + [f"- {f}" for f in failed] + [""]
        (HERE.parent / "BENCHMARKS.md").write_text("\n".join(doc), encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
