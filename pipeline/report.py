"""How stages talk to the person running them: problems, one-line messages and progress bars.

The one problem channel: a stage reports trouble as a `Problem` through `problem` (never a bare print or
a string in a list); the Reporter keeps every one, and the CLI decides the exit status from them
(`cli.exit_status`). Messages go to stderr; `out` writes what a stage produces on stdout (a `--dry-run`
plan or diff, the changes Markdown). Nothing else in the package prints (tests/test_problems.py). A
progress bar shows only on an interactive terminal and never in CI. Everything printed passes through
`redact`, so a secret that slipped into an exception message from a library is still never shown.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, TextIO, TypeVar

from pipeline.model import Problem

T = TypeVar("T")


class Reporter:
    def __init__(self, verbosity: int = 1, stream: TextIO | None = None, secrets: Iterable[str] = (),
                 progress_bars: bool = True):
        self.verbosity = verbosity
        self.progress_bars = progress_bars     # the CLI turns them off in CI
        self.stream = stream if stream is not None else sys.stderr
        self.secrets = tuple(s for s in secrets if s)
        self.problems: list[Problem] = []

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def say(self, text: str) -> None:
        """A line always printed (redacted): what the CLI says whatever the verbosity."""
        print(self.redact(text), file=self.stream, flush=True)

    def info(self, text: str) -> None:
        """A line the user wants by default: what a stage did or why it did not."""
        if self.verbosity >= 1:
            self.say(text)

    def detail(self, text: str) -> None:
        """A line for -v."""
        if self.verbosity >= 2:
            self.say(text)

    def out(self, text: str, end: str = "\n") -> None:
        """What the stage produces, on stdout (redacted): a dry run's plan, a diff, a Markdown report."""
        print(self.redact(text), end=end, file=sys.stdout, flush=True)

    def problem(self, problem: Problem) -> None:
        """Trouble, in one line naming the item key or file:line (model.Problem says what each level
        means); kept for the exit status. Fatal ones and errors always show, notices by default;
        warnings are for `make check` (and -v)."""
        self.problems.append(problem)
        if problem.level in ("fatal", "error"):
            self.say(f"error: {problem}")
        elif problem.level == "notice":
            self.info(str(problem))
        elif self.verbosity >= 2:
            self.say(f"{problem.level}: {problem}")

    @property
    def interactive(self) -> bool:
        return (
            self.verbosity >= 1
            and hasattr(self.stream, "isatty")
            and self.stream.isatty()
            and self.progress_bars
        )

    @contextmanager
    def progress(self, label: str, total: int | None = None) -> Iterator["Progress"]:
        """A progress bar on a terminal, nothing elsewhere."""
        if not self.interactive:
            yield Progress(None, None)
            return
        from rich.progress import Progress as RichProgress

        with RichProgress(transient=True) as bar:
            task = bar.add_task(label, total=total)
            yield Progress(bar, task)

    def track(self, items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
        with self.progress(label, total) as bar:
            for item in items:
                yield item
                bar.advance()


class Progress:
    def __init__(self, bar, task):
        self._bar, self._task = bar, task

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def total(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, total=n)
