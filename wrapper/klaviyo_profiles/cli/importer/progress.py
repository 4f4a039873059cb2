"""How an import shows its progress: a Rich bar on a terminal, a plain line otherwise."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from .import_settings import ImportSummary

__all__ = ["PLAIN_LINE_INTERVAL", "Reporter"]

#: Seconds between two plain progress lines (when the output is not a terminal).
PLAIN_LINE_INTERVAL = 2.0


class _Counts(ProgressColumn):
    def render(self, task: Task) -> Text:
        fields = task.fields
        text = Text()
        text.append(f"{fields.get('created', 0)} created", style="green")
        text.append("  ")
        text.append(f"{fields.get('updated', 0)} updated", style="cyan")
        text.append("  ")
        imported = fields.get("imported", 0)
        if imported:
            text.append(f"{imported} imported", style="cyan")
            text.append("  ")
        failed = fields.get("failed", 0)
        text.append(f"{failed} failed", style="red" if failed else "dim")
        skipped = fields.get("skipped", 0)
        if skipped:
            text.append(f"  {skipped} skipped", style="dim")
        unchanged = fields.get("unchanged", 0)
        if unchanged:
            text.append(f"  {unchanged} unchanged", style="dim")
        if fields.get("bulk"):
            text.append(f"  {fields.get('submitted', 0)} submitted", style="dim")
            text.append(f"  {fields.get('jobs_running', 0)} jobs running", style="dim")
            in_doubt = fields.get("in_doubt", 0)
            if in_doubt:
                text.append(f"  {in_doubt} one by one (job in doubt)", style="yellow")
        return text


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- rows/s" if speed is None else f"{speed:,.0f} rows/s", style="magenta")


def _counts(summary: ImportSummary) -> tuple[int, ...]:
    """What a plain line shows, but for the rate and the time left."""
    return (
        summary.processed,
        summary.created,
        summary.updated,
        summary.imported,
        summary.rejected + summary.failed,
        summary.skipped,
        summary.unchanged,
        summary.submitted,
        summary.jobs_running,
        summary.in_doubt,
    )


class Reporter:
    """A Rich progress bar on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, console: Console, total: int, interval: float | None = None) -> None:
        self.console = console
        self.total = total
        self.interval = PLAIN_LINE_INTERVAL if interval is None else interval
        self.live = console.is_terminal
        self._progress: Progress | None = None
        self._task: Any = None
        self._started = time.monotonic()
        # The first plain line after one interval: a rate measured over one row means little.
        self._last_line = self._started
        #: The counts the last plain line showed, so that the final line is not a repeat.
        self._last_counts: tuple[int, ...] | None = None

    def __enter__(self) -> Reporter:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]import"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                _Rate(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                _Counts(),
                console=self.console,
                refresh_per_second=8,
            )
            self._progress.start()
            self._task = self._progress.add_task("import", total=self.total)
        return self

    def update(self, summary: ImportSummary) -> None:
        """Show the counts (cheap enough to call for every row)."""
        failed = summary.rejected + summary.failed
        if self._progress is not None:
            self._progress.update(
                self._task,
                completed=summary.processed,
                created=summary.created,
                updated=summary.updated,
                imported=summary.imported,
                failed=failed,
                skipped=summary.skipped,
                unchanged=summary.unchanged,
                bulk=summary.bulk,
                submitted=summary.submitted,
                jobs_running=summary.jobs_running,
                in_doubt=summary.in_doubt,
            )
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self._print_line(summary)

    def finish(self, summary: ImportSummary) -> None:
        """The final plain line, unless the last line printed already showed these counts
        (a terminal keeps its bar instead)."""
        if not self.live and _counts(summary) != self._last_counts:
            self._print_line(summary)

    def _print_line(self, summary: ImportSummary) -> None:
        self._last_counts = _counts(summary)
        self.console.print(self.line(summary), highlight=False)

    def line(self, summary: ImportSummary) -> str:
        """``rows 1200/5000 (24%)  created ...`` for logs and pipes.

        ``rows`` counts rows confirmed (an outcome recorded); with bulk jobs the line also
        shows the rows submitted and the jobs running.
        """
        elapsed = max(time.monotonic() - self._started, 1e-9)
        fresh = summary.processed - summary.skipped
        rate = fresh / elapsed
        left = max(self.total - summary.processed, 0)
        eta = f"{left / rate:.0f}s" if rate > 0 else "--"
        share = 100 * summary.processed / self.total if self.total else 100.0
        jobs = ""
        if summary.bulk:
            jobs = (
                f"imported {summary.imported}  submitted {summary.submitted}  "
                f"jobs running {summary.jobs_running}  "
            )
            if summary.in_doubt:
                jobs += f"one by one (job in doubt) {summary.in_doubt}  "
        unchanged = f"unchanged {summary.unchanged}  " if summary.unchanged else ""
        return (
            f"rows {summary.processed}/{self.total} ({share:.0f}%)  created {summary.created}  "
            f"updated {summary.updated}  failed {summary.rejected + summary.failed}  "
            f"skipped {summary.skipped}  {unchanged}{jobs}{rate:,.0f} rows/s  eta {eta}"
        )

    def __exit__(self, *exc_info: object) -> None:
        if self._progress is not None:
            self._progress.stop()
