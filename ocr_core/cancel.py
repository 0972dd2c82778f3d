"""Cooperative cancellation shared by recognition, data generation and training jobs."""

from __future__ import annotations

import threading

from ocr_core.errors import Cancelled

__all__ = ["CancelToken"]


class CancelToken:
    """A thread-safe flag a job checks between units of work (images, batches).

    >>> token = CancelToken()
    >>> token.cancel()
    >>> token.cancelled
    True
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`~ocr_core.errors.Cancelled` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise Cancelled("the job was cancelled")
