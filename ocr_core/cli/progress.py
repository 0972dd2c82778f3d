"""A small progress bar on stderr (no third-party dependency); silent when stderr is not a terminal
unless forced."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """``with ProgressBar(total, "images") as bar: bar.update()``; prints rate and ETA."""

    def __init__(self, total: int | None, unit: str = "items", *, stream: TextIO | None = None,
                 enabled: bool | None = None, min_interval: float = 0.2) -> None:
        self.total = total
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.count = 0
        self.postfix = ""
        self._start = time.monotonic()
        self._last = 0.0
        self._min_interval = min_interval

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1, postfix: str | None = None) -> None:
        self.count += n
        if postfix is not None:
            self.postfix = postfix
        now = time.monotonic()
        if now - self._last >= self._min_interval or (self.total and self.count >= self.total):
            self._last = now
            self._draw(now)

    def write(self, message: str) -> None:
        """Print a message line without garbling the bar."""
        if self.enabled:
            self.stream.write("\r\033[K")
        self.stream.write(message.rstrip("\n") + "\n")
        self.stream.flush()
        if self.enabled and self.count:
            self._draw(time.monotonic())

    def _draw(self, now: float) -> None:
        if not self.enabled:
            return
        elapsed = max(now - self._start, 1e-9)
        rate = self.count / elapsed
        if self.total:
            frac = min(self.count / self.total, 1.0)
            filled = int(frac * 30)
            eta = (self.total - self.count) / rate if rate > 0 else 0.0
            text = (f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.count}/{self.total} {self.unit} "
                    f"{rate:.1f}/s ETA {eta:.0f}s {self.postfix}")
        else:
            text = f"\r{self.count} {self.unit} {rate:.1f}/s {self.postfix}"
        self.stream.write(text[:200] + "\033[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.count:
            self._draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
