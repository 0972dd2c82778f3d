"""Start the window: QApplication, the qasync event loop (asyncio on the Qt loop), command line.

Run ``python -m app.main [IMAGE|FOLDER] [--recognize] [--tab NAME] [--screenshot OUT.png]`` or
``ocr-studio gui ...``. The window shows at once; TensorFlow and the models load on the engine
thread meanwhile, with their state in the status bar.

>>> main(["scans/", "--recognize", "--screenshot", "window.png"])   # doctest: +SKIP
0
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "run_gui", "capture_when_idle", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    from app.cli import configure_parser

    parser = argparse.ArgumentParser(prog="python -m app.main", description="Open the OCR Studio window.")
    return configure_parser(parser)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    return run_gui(args)


def _error(message: str) -> int:
    print(f"ocr-studio gui: error: {message}", file=sys.stderr)
    return 1


def run_gui(args: argparse.Namespace, service_factory: object | None = None, settings: object | None = None) -> int:
    """Open the window for parsed ``args``; returns the exit code.

    ``service_factory`` and ``settings`` replace the real engine and ``QSettings`` (tests).
    """
    target = Path(args.path).expanduser() if args.path is not None else None
    if target is not None and not target.exists():
        return _error(f"{target}: no such image or folder")
    if args.screenshot is not None and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # the engine's logs stay out of the terminal

    from app.startup_checks import diagnose_qt_start_failure, preflight

    problem = preflight()  # Qt aborts the process when it cannot start: check what we can first
    if problem:
        return _error(problem)
    try:
        import qasync
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        return _error(diagnose_qt_start_failure(str(exc)))

    from app.main_window import MainWindow
    from app.settings import APPLICATION, ORGANIZATION, Settings
    from app.widgets.theme import apply_theme, icon
    from app.workers import default_service_factory
    from ocr_core.paths import sample_image_path

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(icon("app"))
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    settings = settings if isinstance(settings, Settings) else Settings()
    scratch = None
    if args.screenshot is not None:  # a picture of the window: the user's settings, nothing written back
        scratch = tempfile.TemporaryDirectory(prefix="ocr-studio-screenshot-")
        settings = settings.scratch_copy(scratch.name)
    if service_factory is None:
        service_factory = default_service_factory(args.detector or settings.detector,
                                                  args.recognizer or settings.recognizer)
    window = MainWindow(settings, service_factory)  # type: ignore[arg-type]
    if scratch is not None:  # a screenshot shows the saved annotations, writes none, and asks nothing
        window.session.read_only = True
        window.recognition.confirm_replace = lambda _action, _names, _total: "replace"
    window.show()

    source = target if target is not None else sample_image_path()
    if not window.open_paths([source]) and (args.screenshot is not None or target is not None):
        window.close()
        if scratch is not None:
            scratch.cleanup()
        return _error(f"{source}: no image could be opened")
    window.tabs.setCurrentIndex(1 if args.tab in ("train", "training") else 0)
    jobs = []
    if args.recognize and window.session.images:
        job = (window.recognition.recognize_unchecked() if len(window.session.images) > 1
               else window.recognition.recognize_current())
        if job is not None:
            jobs.append(job)
    try:
        if args.screenshot is not None:
            return loop.run_until_complete(
                capture_when_idle(window, Path(args.screenshot), jobs=jobs, timeout=args.timeout,
                                  need_models=args.recognize))
        loop.run_forever()
        return 0
    finally:
        if window.isVisible():
            window.close()
        asyncio.set_event_loop(None)
        loop.close()
        if scratch is not None:
            scratch.cleanup()


async def capture_when_idle(window: object, out: Path, *, jobs: Sequence[object] = (), timeout: float = 600.0,
                            need_models: bool = False) -> int:
    """Wait until models are loaded (or failed) and every job and thumbnail is done; save the window as PNG.

    Returns 0, or 1 (with a message on stderr) when a requested job failed, the models did not load
    while recognition was requested, time ran out, or the PNG could not be written.
    """
    from app.main_window import MainWindow

    assert isinstance(window, MainWindow)
    deadline = time.monotonic() + timeout
    while window.engine.state in ("idle", "loading") or not window.is_idle():
        if time.monotonic() > deadline:
            return _error(f"gave up after {timeout:.0f} s waiting for the models and recognition")
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # let the last results paint
    failures = [job for job in jobs if getattr(job, "state", "done") != "done"]
    code = 0
    if need_models and window.engine.state == "error":
        code = _error(window.engine.message)
    elif failures:
        code = _error("; ".join(f"{job.name}: {job.error}" for job in failures))  # type: ignore[attr-defined]
    elif window.engine.state == "error":
        print(f"ocr-studio gui: warning: {window.engine.message}", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not window.grab().save(str(out), "PNG"):
        return _error(f"{out}: cannot write the screenshot")
    print(f"screenshot saved to {out}")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
