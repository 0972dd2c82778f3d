"""The training tab with the real engine: tiny models in the user's models folder, real synthetic crops
(DejaVu fonts, photo backgrounds made in code), a few training steps, before/after, "Use this model"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.slow

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
ALPHABET = "abcdefghij"
TINY_CRNN = {"filters": (4, 8, 8, 8, 8, 8), "rnn_units": (8, 8), "height": 32, "width": 64}
TINY_CRAFT = {"backbone_filters": (4, 4, 8, 8, 8), "slice5_filters": 8, "upconv_filters": (8, 8, 8, 8),
              "head_filters": (4, 4, 4, 4)}


def save_tiny_models(root: Path) -> None:
    """Untrained tiny ``tiny_craft`` and ``tiny_crnn`` model folders, used instead of the bundled defaults."""
    from ocr_core.models.craft import build_craft
    from ocr_core.models.crnn import build_crnn
    from ocr_core.weights import ModelSpec, save_model_dir

    root.mkdir(parents=True, exist_ok=True)
    _, crnn, _, _ = build_crnn(len(ALPHABET), "lite", **TINY_CRNN)
    crnn.save_weights(str(root / "rec.weights.h5"))
    save_model_dir(ModelSpec(name="tiny_crnn", kind="recognizer", architecture="crnn_lite",
                             weights_file="tiny_crnn.weights.h5", build_params=TINY_CRNN, alphabet=ALPHABET,
                             input_spec={"height": 32, "width": 64, "channels": 1}),
                   root / "rec.weights.h5", root / "tiny_crnn")
    craft = build_craft("lite", **TINY_CRAFT)
    craft.save_weights(str(root / "det.weights.h5"))
    save_model_dir(ModelSpec(name="tiny_craft", kind="detector", architecture="craft_lite",
                             weights_file="tiny_craft.weights.h5", build_params=TINY_CRAFT),
                   root / "det.weights.h5", root / "tiny_craft")


@pytest.fixture
def real_window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    if not (DEJAVU / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu fonts are not installed")
    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    from ocr_core.paths import user_models_dir

    save_tiny_models(user_models_dir())
    from app.main_window import MainWindow
    from app.settings import Settings
    from app.workers import default_service_factory

    win = MainWindow(Settings(), default_service_factory("tiny_craft", "tiny_crnn"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.engine.state in ("ready", "error"), timeout=120_000)
    assert win.engine.state == "ready", win.engine.message
    yield win
    win.close()


def photo_folder(folder: Path) -> Path:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(2):
        cv2.imwrite(str(folder / f"bg{i}.png"), (rng.random((80, 200, 3)) * 40 + 40).astype(np.uint8))
    return folder


def test_fine_tune_the_recognizer_and_use_it(real_window: Any, qtbot: Any, tmp_path: Path) -> None:
    window = real_window
    tab = window.train_tab
    synth = tab.synth  # set up before the tab is shown: nothing is listed or rendered until then
    synth.system_fonts.setChecked(False)
    synth.font_dirs.add_folder(str(DEJAVU))
    synth.procedural.setChecked(False)
    synth.photo_dirs.add_folder(str(photo_folder(tmp_path / "photos")))
    synth.set_alphabet(ALPHABET)
    tab.preview.set_mode("recognizer")
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: window.training.is_idle and bool(tab.preview.grid.tiles)
                    and tab.preview.grid.tiles[0].kind == "recognizer", timeout=120_000)
    assert not tab.preview.banner.isVisible(), tab.preview.banner.text()
    assert tab.preview.grid.tiles[0].image.width() == 64  # the recognizer's input size
    assert all(set(t.caption) <= set(ALPHABET) for t in tab.preview.grid.tiles), [t.caption for t in
                                                                                 tab.preview.grid.tiles]
    assert tab.run_form.init_recognizer.currentData() == "tiny_crnn"

    tab.dataset.synthetic_crops.setValue(16)
    run = tab.run_form
    run.epochs.setValue(2)
    run.patience.setValue(0)
    run.batch.setValue(4)
    run.steps.setValue(2)
    run.name.setText("shop")
    controller = window.training
    build = controller.build_plan
    controller.build_plan = lambda pages, sources: replace(build(pages, sources), run_eagerly=True)  # type: ignore[method-assign]
    controller.start_training()
    qtbot.waitUntil(lambda: controller.train_job is None, timeout=300_000)
    result = controller.last_result
    assert result is not None, tab.progress.banner.text()
    assert result.status == "completed" and result.models == {"recognizer": "shop"}
    series = tab.progress.chart.series["recognizer"]
    assert len(series.batch) == 4 and len(series.epochs) == 2
    rows = {r.metric: r for r in result.comparison.rows}
    accuracy = rows["Word accuracy (recognizer)"]
    assert accuracy.before is not None and accuracy.after is not None  # measured on held-out synthetic crops
    from ocr_core.paths import user_models_dir

    assert (user_models_dir() / "shop" / "model.json").is_file()
    assert (user_models_dir() / "shop" / "checkpoints" / "best.ckpt.weights.h5").is_file()

    tab.models.use_new.click()
    qtbot.waitUntil(lambda: window.engine.state == "ready" and window.engine.model_names[1] == "shop",
                    timeout=120_000)
    assert "shop" in window.engine_status.text.text()
    assert window.settings.recognizer == "shop"
