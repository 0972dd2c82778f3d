"""F3 walks the words the model is unsure of: on this page, then on the next image that has any, skipping what
a person corrected and the images marked done."""

from __future__ import annotations

from ocr_core.project import AnnotationStore


def _recognize_all(window, qtbot, image_dir):
    assert window.open_paths([image_dir])
    window.action_set["recognize_folder"].trigger()
    qtbot.waitUntil(lambda: not window.recognition.is_busy and not window.session.io_busy, timeout=5000)
    assert len(window.model) == 3  # hello 0.97, world 0.75, lowconf 0.3 on every page


def _current(window):
    word = window.model.word(window.selection.current)
    return window.session.current_path.name, word.text


def test_f3_goes_through_the_page_then_on_to_the_next_image(window, qtbot, image_dir):
    _recognize_all(window, qtbot, image_dir)
    f3 = window.action_set["next_low"]
    f3.trigger()
    assert _current(window) == ("page1.png", "world")
    f3.trigger()
    assert _current(window) == ("page1.png", "lowconf")
    f3.trigger()  # nothing more here: the next image with words to review
    assert _current(window) == ("page2.png", "world")
    window.editor.set_text(window.selection.current, "World")  # corrected: off the queue
    f3.trigger()
    assert _current(window) == ("page2.png", "lowconf")
    window.editor.set_text(window.selection.current, "low")
    window.check_image()  # page 2 done: saved, on to page 3
    assert window.session.current_path.name == "page3.png"
    window.session.go_to(0)
    window.editor.set_text(window.model.word_ids()[1], "w")
    window.editor.set_text(window.model.word_ids()[2], "l")
    window.session.go_to(2)
    window.stack.clear()
    for text in ("world", "lowconf"):
        f3.trigger()
        window.editor.set_text(window.selection.current, text.upper())
    f3.trigger()  # page 1 corrected, page 2 done, page 3 corrected: nothing left anywhere
    assert "Nothing to review" in window.statusBar().currentMessage()


def test_the_index_knows_the_lowest_confidence_and_forgets_corrected_words(tmp_path, image_dir, window, qtbot):
    _recognize_all(window, qtbot, image_dir)
    store = AnnotationStore(image_dir)
    assert store.lowest_confidence(image_dir / "page2.png") == 0.3
    page = store.load(image_dir / "page2.png")
    for word in page.words:
        word.confidence = None if word.confidence < 0.9 else word.confidence
    store.save(page)
    assert AnnotationStore(image_dir).lowest_confidence(image_dir / "page2.png") == 0.97


def test_a_review_begun_mid_page_comes_round_to_the_words_before_it(window, qtbot, image_dir):
    _recognize_all(window, qtbot, image_dir)
    hello, world, lowconf = window.model.word_ids()
    window.selection.select([lowconf])  # the user clicked the last word, then pressed F3
    f3 = window.action_set["next_low"]
    f3.trigger()
    assert _current(window) == ("page1.png", "world")  # the one before it, not yet seen
    f3.trigger()
    assert _current(window) == ("page2.png", "world")


def test_a_page_whose_autosave_corrected_everything_is_passed_over(window, qtbot, image_dir):
    _recognize_all(window, qtbot, image_dir)
    store = AnnotationStore(image_dir)
    page2 = store.load(image_dir / "page2.png")
    for word in page2.words:
        word.confidence = None  # corrected, autosaved, never saved (a crash)
    store.autosave(page2)
    f3 = window.action_set["next_low"]
    for _ in range(2):
        f3.trigger()
    f3.trigger()
    assert _current(window) == ("page3.png", "world")
