"""Independent pure jobs run side by side, one forked child per spare core; results in the order asked.

emit's writers each turn the same catalog into one file and share nothing, so on a machine with two
cores the .bib and the page can be rendered while the CSV and the README are. A child is forked (it
sees the catalog as it is, nothing is copied or pickled on the way in), runs its share of the jobs
and sends back what they returned, pickled through a pipe; the parent runs a share itself meanwhile.

Nothing here changes a byte of output: each job is the same function either way, and `run` gives the
results in the order of `jobs`. Where forking is not available (Windows) or not worth it (one core,
one job, a small list), the jobs run here, one after another. A child that fails in any way is not
trusted: its jobs run again in the parent, so an error is raised as itself, with its own traceback.
"""
from __future__ import annotations

import os
import pickle
import sys
from typing import Any, Callable, Sequence

Job = Callable[[], Any]

# Below this many papers a stage runs in one process: forking costs more than it saves.
MIN_ITEMS = 2000
# `map_chunks` gives this process a larger share: a child's share also crosses the pipe (measured at
# 10,000 items).
LEAD = 1.2


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def shares(weights: Sequence[float], n: int) -> list[list[int]]:
    """Job indices split into `n` shares of about equal weight (heaviest first onto the lightest share)."""
    loads = [0.0] * n
    out: list[list[int]] = [[] for _ in range(n)]
    for index in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        lightest = min(range(n), key=lambda s: (loads[s], s))
        out[lightest].append(index)
        loads[lightest] += weights[index]
    return [sorted(share) for share in out if share]


def chunks(items: Sequence, n: int, lead: float = 1.0) -> list[Sequence]:
    """`items` cut into `n` contiguous slices (none empty). The first, which `run` works on in this
    process, is `lead` times as long as each of the others: the others also pay for crossing a pipe."""
    n = max(1, min(n, len(items)))
    first = round(len(items) * lead / (lead + n - 1)) if n > 1 else len(items)
    first = min(max(first, 1), len(items) - (n - 1))
    size, extra = divmod(len(items) - first, n - 1) if n > 1 else (0, 0)
    out, start = [items[:first]], first
    for i in range(n - 1):
        end = start + size + (i < extra)
        out.append(items[start:end])
        start = end
    return out


def workers_for(items: int) -> int | None:
    """`run`'s `workers` for work over `items` papers: every core for a large list, one for a small one."""
    return None if items >= MIN_ITEMS else 1


def map_chunks(fn: Callable[[Sequence], list], items: Sequence, *, pack: Callable[[Any], Any] | None = None,
               unpack: Callable[[Any], Any] | None = None) -> list:
    """fn(chunk) over contiguous chunks of `items`, one per core, concatenated in order: what
    `[*fn(items)]` gives when `fn` treats each item on its own."""
    parts = run([lambda chunk=chunk: fn(chunk) for chunk in chunks(items, cores(), LEAD)],
                workers=workers_for(len(items)), pack=pack, unpack=unpack)
    return [result for part in parts for result in part]


def run(jobs: Sequence[Job], weights: Sequence[float] | None = None, *, workers: int | None = None,
        pack: Callable[[Any], Any] | None = None, unpack: Callable[[Any], Any] | None = None) -> list[Any]:
    """[job() for job in jobs], computed on up to `workers` cores (default: every core available).

    `pack` turns a child's result into something quick to pickle and `unpack` turns it back; the
    parent's own results never take that detour."""
    workers = min(len(jobs), workers if workers is not None else cores())
    if workers < 2 or not hasattr(os, "fork"):
        return [job() for job in jobs]
    groups = shares(list(weights) if weights is not None else [1.0] * len(jobs), workers)
    results: list[Any] = [None] * len(jobs)
    sys.stdout.flush()
    sys.stderr.flush()
    children = [(_fork(jobs, group, pack), group) for group in groups[1:]]
    try:
        for index in groups[0]:
            results[index] = jobs[index]()
    except BaseException:
        for (pid, fd), _ in children:      # no child is left behind when this share fails
            _collect(pid, fd)
        raise
    for (pid, fd), group in children:
        answer = _collect(pid, fd)
        if answer is None or len(answer) != len(group):
            answer = [jobs[index]() for index in group]     # the child failed: run its share here
        elif unpack is not None:
            answer = [unpack(value) for value in answer]
        for index, value in zip(group, answer):
            results[index] = value
    return results


def _fork(jobs: Sequence[Job], group: list[int], pack) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:                       # the child: compute, send, and leave without running any cleanup
        status = 1
        try:
            os.close(read_end)
            answer = [jobs[index]() for index in group]
            data = pickle.dumps([pack(value) for value in answer] if pack else answer,
                                protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            status = 0
        except BaseException:          # noqa: BLE001 - the parent runs these jobs again and sees the error
            pass
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, fd: int) -> list | None:
    with os.fdopen(fd, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    try:
        return pickle.loads(data)
    except Exception:                  # noqa: BLE001 - a truncated answer: recomputed by the caller
        return None
