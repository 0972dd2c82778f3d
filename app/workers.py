"""All threading and async glue of the app lives here.

* :class:`Job` - one unit of background work; its public signals are always emitted on the GUI
  thread (worker threads only emit private relay signals, delivered queued), so a slot connected
  to a job may touch widgets. Cancel is cooperative through an :class:`~ocr_core.cancel.CancelToken`.
* :class:`JobRunner` - runs jobs one after another on a background thread.
* :class:`EngineWorker` - owns the :class:`ocr_core.service.OcrService` (created and loaded on its
  thread, so TensorFlow never loads on the GUI thread) and offers recognition jobs.
* :class:`ThumbnailLoader` - decodes small previews on two background threads.
* :func:`lower_thread_priority` - every worker thread runs below the GUI thread's CPU priority (Linux), and so do
  the threads it starts (TensorFlow's thread pools): a busy engine cannot starve the window of CPU time.
* :func:`job_future` / :func:`signal_future` - await jobs and signals from asyncio coroutines
  running on the qasync loop (``qasync.QEventLoop`` glues asyncio to the Qt loop).

Workers never touch widgets; results reach the GUI only through signals and futures.

>>> runner = JobRunner("demo")                        # doctest: +SKIP
>>> job = runner.submit("add", lambda ctx: 1 + 1)      # doctest: +SKIP
>>> job.succeeded.connect(print)                       # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QImage, QImageReader

from ocr_core.cancel import CancelToken
from ocr_core.document import Page
from ocr_core.errors import Cancelled, OcrError

__all__ = [
    "Job",
    "JobContext",
    "JobRunner",
    "EngineService",
    "EngineWorker",
    "ThumbnailLoader",
    "default_service_factory",
    "lower_thread_priority",
    "BACKGROUND_NICE",
    "job_future",
    "signal_future",
]


#: How much lower than the GUI thread worker threads run: a Linux nice increment (weight about 1/10 of the GUI
#: thread's). An idle machine still gives them all the CPU; a busy one serves the window first.
BACKGROUND_NICE = 10


def lower_thread_priority(increment: int = BACKGROUND_NICE) -> bool:
    """Lower the CPU priority of the calling worker thread; threads it starts later inherit it.

    Linux only (its nice value is per thread); elsewhere, and on the main (GUI) thread, this does nothing and
    returns False. Used as the initializer of every worker pool in this module.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + increment))
    except (AttributeError, OSError):
        return False
    return True


class Job(QObject):
    """Background work with progress, partial results, a result or an error, and cancel.

    Public signals fire on the GUI thread: ``started``, ``progress(done, total, message)``,
    ``partial(value)``, then ``succeeded(result)`` or ``failed(error)`` (a
    :class:`~ocr_core.errors.Cancelled` error when cancelled), then ``finished``.
    """

    started = Signal()
    progress = Signal(int, int, str)
    partial = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    _relay_started = Signal()
    _relay_progress = Signal(int, int, str)
    _relay_partial = Signal(object)
    _relay_done = Signal(object, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.token = CancelToken()
        self.state = "pending"  # pending | running | done | failed | cancelled
        self.result: Any = None
        self.error: BaseException | None = None
        queued = Qt.ConnectionType.QueuedConnection
        self._relay_started.connect(self._on_started, queued)
        self._relay_progress.connect(self._on_progress, queued)
        self._relay_partial.connect(self._on_partial, queued)
        self._relay_done.connect(self._on_done, queued)

    @property
    def done(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    def cancel(self) -> None:
        """Ask the job to stop at its next check (between images, or mid-page in the engine)."""
        self.token.cancel()

    @Slot()
    def _on_started(self) -> None:
        if self.state == "pending":
            self.state = "running"
        self.started.emit()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, message: str) -> None:
        if not self.done:
            self.progress.emit(done, total, message)

    @Slot(object)
    def _on_partial(self, value: object) -> None:
        if not self.done:
            self.partial.emit(value)

    @Slot(object, object)
    def _on_done(self, result: object, error: object) -> None:
        if isinstance(error, BaseException):
            self.error = error
            self.state = "cancelled" if isinstance(error, Cancelled) else "failed"
            self.failed.emit(error)
        else:
            self.result = result
            self.state = "done"
            self.succeeded.emit(result)
        self.finished.emit()


class JobContext:
    """What a job function receives on its worker thread: cancel token and reporting."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self.token = job.token

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled

    def raise_if_cancelled(self) -> None:
        self.token.raise_if_cancelled()

    def progress(self, done: int, total: int, message: str = "") -> None:
        self._job._relay_progress.emit(int(done), int(total), str(message))

    def partial(self, value: object) -> None:
        self._job._relay_partial.emit(value)


class JobRunner(QObject):
    """Runs submitted jobs in order on one background thread (below the GUI thread's priority, see
    :func:`lower_thread_priority`); ``busyChanged`` tracks activity."""

    busyChanged = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=name,
                                                               initializer=lower_thread_priority)
        self._jobs: list[Job] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        """True after :meth:`shutdown`: jobs submitted now end as cancelled without running."""
        return self._closed

    @property
    def jobs(self) -> list[Job]:
        """Jobs not finished yet (oldest first)."""
        return list(self._jobs)

    @property
    def is_busy(self) -> bool:
        return bool(self._jobs)

    def submit(self, name: str, fn: Callable[[JobContext], Any], *, must_run: bool = False) -> Job:
        """Queue ``fn(ctx)`` on the worker thread and return its :class:`Job`.

        ``must_run``: the job runs even when cancelled before it starts (a write the caller waits for); it can
        still stop itself through ``ctx``."""
        job = Job(name, self)
        self._jobs.append(job)
        job.finished.connect(lambda: self._forget(job))
        if len(self._jobs) == 1:
            self.busyChanged.emit(True)
        if self._closed:  # after shutdown every job ends as cancelled
            job.cancel()
            job._relay_done.emit(None, Cancelled("the application is closing"))
        else:
            self._executor.submit(_run_job, job, fn, must_run)
        return job

    def cancel_all(self) -> None:
        for job in self._jobs:
            job.cancel()

    def shutdown(self, wait: bool = False) -> None:
        """Cancel pending work and stop the thread (``wait`` blocks until it has)."""
        self._closed = True
        self.cancel_all()
        self._executor.shutdown(wait=wait, cancel_futures=False)

    def _forget(self, job: Job) -> None:
        if job in self._jobs:
            self._jobs.remove(job)
            job.setParent(None)  # Python owns it now; it goes away with the last reference
            if not self._jobs:
                self.busyChanged.emit(False)


def _run_job(job: Job, fn: Callable[[JobContext], Any], must_run: bool = False) -> None:
    """Body of every worker task: never raises, reports through the job's relay signals."""
    ctx = JobContext(job)
    job._relay_started.emit()
    try:
        if not must_run:
            ctx.raise_if_cancelled()
        result = fn(ctx)
    except BaseException as exc:  # noqa: BLE001 - errors travel to the GUI as values
        job._relay_done.emit(None, exc)
    else:
        job._relay_done.emit(result, None)


class EngineService(Protocol):
    """What the app needs from :class:`ocr_core.service.OcrService` (tests pass a fake)."""

    @property
    def is_loaded(self) -> bool: ...
    @property
    def detector_name(self) -> str: ...
    @property
    def recognizer_name(self) -> str: ...
    def load(self) -> None: ...
    def recognize(self, image: Any, *, cancel: CancelToken | None = None) -> Page: ...
    def recognize_quads(self, image: Any, quads: Sequence[np.ndarray]) -> list[tuple[str, float]]: ...
    def list_models(self, kind: str | None = None) -> list[Any]: ...
    def set_models(self, detector: str | None = None, recognizer: str | None = None) -> None: ...
    def set_min_confidence(self, value: float | None) -> None: ...
    def set_lexicon(self, spec: str | None) -> None: ...


ServiceFactory = Callable[[], EngineService]


def default_service_factory(detector: str | None = None, recognizer: str | None = None) -> ServiceFactory:
    """A factory for the real engine; it is called on the engine thread (imports happen there)."""

    def make() -> EngineService:
        from ocr_core.quiet import import_tensorflow_quietly
        from ocr_core.service import OcrService

        import_tensorflow_quietly()  # its loading notices stay off the terminal the app was started from
        return OcrService(detector=detector, recognizer=recognizer)

    return make


class EngineWorker(QObject):
    """The engine on its own thread: model loading and recognition jobs, one at a time.

    TensorFlow starts its thread pools from this (low-priority) thread, so inference never outbids the window.

    ``stateChanged(state, message)`` reports ``"idle"``, ``"loading"``, ``"ready"`` or ``"error"``.
    """

    stateChanged = Signal(str, str)
    busyChanged = Signal(bool)

    def __init__(self, service_factory: ServiceFactory, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._factory = service_factory
        self._service: EngineService | None = None
        self._service_lock = threading.Lock()
        self._runner = JobRunner("ocr-engine", self)
        self._runner.busyChanged.connect(self.busyChanged)
        self.state = "idle"
        self.message = "Models not loaded"
        self.model_names: tuple[str, str] = ("", "")

    @property
    def is_busy(self) -> bool:
        return self._runner.is_busy

    @property
    def jobs(self) -> list[Job]:
        return self._runner.jobs

    def load(self) -> Job:
        """Create the service and load both models in the background."""
        job = self._runner.submit("load models", lambda ctx: self._service_for(ctx))
        job.started.connect(lambda: self._set_state("loading", "Loading TensorFlow and models\u2026"))
        job.succeeded.connect(lambda _s: self._set_state("ready", "Models ready"))
        job.failed.connect(lambda err: self._set_state("error", f"Models failed to load: {err}"))
        return job

    def set_models(self, detector: str | None = None, recognizer: str | None = None) -> Job:
        """Switch models (by name or folder) and load them."""

        switched = [False]
        before: list[tuple[str, str]] = []

        def work(ctx: JobContext) -> None:
            service = self._service_for(ctx, load=False)
            service.set_models(detector=detector, recognizer=recognizer)  # checks the names first, changes nothing
            switched[0] = True
            self._service_for(ctx)

        def failed(err: object) -> None:
            if switched[0] or not before:
                self._set_state("error", f"Models failed to load: {err}")
            else:  # a name that is not there: the models in use are as they were
                self._set_state(*before[0])

        def started() -> None:
            before.append((self.state, self.message))
            self._set_state("loading", "Loading models\u2026")

        job = self._runner.submit("switch models", work)
        job.started.connect(started)
        job.succeeded.connect(lambda _s: self._set_state("ready", "Models ready"))
        job.failed.connect(failed)
        return job

    def set_min_confidence(self, value: float | None) -> Job:
        """Drop recognized words below this confidence (``None``: the model's recommendation; 0: keep all)."""
        return self._runner.submit("confidence floor",
                                   lambda ctx: self._service_for(ctx, load=False).set_min_confidence(value))

    def set_lexicon(self, spec: str | None) -> Job:
        """Prefer dictionary words where the model reads a near miss (``"auto"``), or not (``None``)."""
        return self._runner.submit("dictionary", lambda ctx: self._service_for(ctx, load=False).set_lexicon(spec))

    def list_models(self, kind: str | None = None) -> Job:
        return self._runner.submit("list models", lambda ctx: self._service_for(ctx, load=False).list_models(kind))

    def recognize(self, image: str | Path) -> Job:
        """Detect and recognize one image; the result is a :class:`~ocr_core.document.Page`."""

        def work(ctx: JobContext) -> Page:
            service = self._service_for(ctx)
            ctx.progress(0, 1, f"Recognizing {Path(image).name}\u2026")
            return service.recognize(str(image), cancel=ctx.token)

        return self._runner.submit(f"recognize {Path(image).name}", work)

    def recognize_quads(self, image: str | Path, quads: Sequence[np.ndarray]) -> Job:
        """Re-read given boxes without detection; the result is ``[(text, confidence), ...]``."""
        quads = [np.asarray(q, dtype=np.float64).copy() for q in quads]

        def work(ctx: JobContext) -> list[tuple[str, float]]:
            service = self._service_for(ctx)
            ctx.progress(0, 1, f"Re-recognizing {len(quads)} boxes\u2026")
            return list(service.recognize_quads(str(image), quads))

        return self._runner.submit("re-recognize boxes", work)

    def recognize_batch(self, images: Sequence[str | Path]) -> Job:
        """Recognize many images; ``partial`` gets ``(path, Page | OcrError)`` per image."""
        paths = [str(p) for p in images]

        def work(ctx: JobContext) -> int:
            service = self._service_for(ctx)
            for i, path in enumerate(paths):
                ctx.raise_if_cancelled()
                ctx.progress(i, len(paths), f"Recognizing {Path(path).name} ({i + 1}/{len(paths)})")
                try:
                    result: Page | OcrError = service.recognize(path, cancel=ctx.token)
                except Cancelled:
                    raise
                except OcrError as exc:
                    result = exc
                ctx.partial((path, result))
            ctx.progress(len(paths), len(paths), "Done")
            return len(paths)

        return self._runner.submit("recognize folder", work)

    def submit(self, name: str, fn: Callable[[Any, JobContext], Any], *, load: bool = False,
               runner: JobRunner | None = None) -> Job:
        """Run ``fn(service, ctx)`` as a job on the engine thread, or on ``runner`` (training, previews)
        so that long work does not hold up recognition; ``load`` loads the models first."""
        return (runner or self._runner).submit(name, lambda ctx: fn(self._service_for(ctx, load=load), ctx))

    def cancel_all(self) -> None:
        self._runner.cancel_all()

    def shutdown(self, wait: bool = False) -> None:
        self._runner.shutdown(wait=wait)

    def _service_for(self, ctx: JobContext, load: bool = True) -> EngineService:
        """Worker thread only: create the service on first use and load it if needed."""
        with self._service_lock:
            if self._service is None:
                self._service = self._factory()
            service = self._service
        if load and not service.is_loaded:
            ctx.progress(0, 0, "Loading TensorFlow and models\u2026")
            service.load()
        return service

    def _set_state(self, state: str, message: str) -> None:
        self.state, self.message = state, message
        if state == "ready" and self._service is not None:
            self.model_names = (self._service.detector_name, self._service.recognizer_name)
            self.message = f"Models ready: {self.model_names[0]} + {self.model_names[1]}"
        self.stateChanged.emit(state, self.message)


class ThumbnailLoader(QObject):
    """Decodes thumbnails on two threads; ``loaded(path, image)`` fires on the GUI thread."""

    loaded = Signal(str, QImage)
    idle = Signal()
    _relay = Signal(str, QImage)

    def __init__(self, size: int = 96, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="ocr-thumbnails",
                                                           initializer=lower_thread_priority)
        self._pending: set[str] = set()
        self._closed = False
        self._relay.connect(self._on_loaded, Qt.ConnectionType.QueuedConnection)

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def request(self, path: str) -> None:
        """Queue ``path`` unless it is already queued (ignored after :meth:`shutdown`)."""
        if path in self._pending or self._closed:
            return
        self._pending.add(path)
        self._pool.submit(self._work, path, self._size)

    def _work(self, path: str, size: int) -> None:
        """Worker thread: decode, then hand the image to the GUI thread through the relay signal."""
        try:
            image = _read_thumbnail(path, size)
        except Exception:  # noqa: BLE001 - a broken file gets an empty thumbnail
            image = QImage()
        self._relay.emit(path, image)

    def shutdown(self) -> None:
        self._closed = True
        self._pending.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)

    @Slot(str, QImage)
    def _on_loaded(self, path: str, image: QImage) -> None:
        self._pending.discard(path)
        self.loaded.emit(path, image)
        if not self._pending:
            self.idle.emit()


def _read_thumbnail(path: str, size: int) -> QImage:
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and full.width() > 0 and full.height() > 0:
        scale = size / max(full.width(), full.height())
        if scale < 1:
            reader.setScaledSize(QSize(max(1, round(full.width() * scale)), max(1, round(full.height() * scale))))
    image = reader.read()
    if not image.isNull() and max(image.width(), image.height()) > size:
        image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    return image


def job_future(job: Job) -> asyncio.Future:
    """An asyncio future (on the running qasync loop) that resolves with the job's result."""
    future: asyncio.Future = asyncio.get_event_loop().create_future()

    def settle() -> None:
        if future.done():
            return
        if job.error is not None:
            future.set_exception(job.error)
        else:
            future.set_result(job.result)

    if job.done:
        settle()
    else:
        job.finished.connect(settle)
    return future


def signal_future(signal: Any) -> asyncio.Future:
    """An asyncio future resolved with the arguments of the next emission of ``signal``."""
    future: asyncio.Future = asyncio.get_event_loop().create_future()

    def settle(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(settle)
    return future
