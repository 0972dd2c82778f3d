"""Work is never lost behind the user's back: queued writes, exports, imports and late results (review of session 12)."""

from __future__ import annotations

import json
import threading

from ocr_core.document import Page
from ocr_core.geometry import quad_from_rect
from ocr_core.project import AnnotationStore


def malformed_sidecar(image_dir):
    """page1's annotation, hand-edited with one typo: saving over it is refused."""
    sidecar = AnnotationStore(image_dir).annotation_path(image_dir / "page1.png")
    good = Page(width=120, height=60, image_path=str(image_dir / "page1.png")).to_dict()
    sidecar.write_text(json.dumps({"format": "ocr-studio", "version": 1, "page": good})[:-1] + ",}\nPRECIOUS",
                       encoding="utf-8")
    return sidecar


def test_a_queued_older_autosave_never_overwrites_newer_edits(window, qtbot, image_dir):
    malformed_sidecar(image_dir)  # saving is refused: the autosave is the only copy of the edits
    assert window.open_paths([image_dir])
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    gate = threading.Event()
    window.session._io.submit("a slow job ahead of the autosave", lambda _ctx: gate.wait(5))
    window.editor.add_box(quad_from_rect(5, 5, 40, 20), "first edit")
    window.session.autosave_now()  # the timer's autosave, queued behind the slow job
    window.editor.add_box(quad_from_rect(50, 30, 90, 50), "second edit")
    assert window.session.next_image(1)  # the save is refused; the autosave written now holds both edits
    gate.set()
    qtbot.waitUntil(lambda: not window.session.io_busy, timeout=3000)
    store = window.session.store
    assert [w.text for w in store.recover(image_dir / "page1.png").words] == ["first edit", "second edit"]
