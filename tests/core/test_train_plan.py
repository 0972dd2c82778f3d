"""Training plans of the training tab: configs per task, and a tiny end-to-end run with before/after
figures (stand-in synthetic crops, a tiny CRNN, pages drawn with OpenCV)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ocr_core.cancel import CancelToken
from ocr_core.document import Page, Word
from ocr_core.errors import TrainingError
from ocr_core.synth_preview import PreviewSettings
from ocr_core.training.plan import TrainPlan, make_configs, validation_samples

ALPHABET = "abcdefghij"
TINY_CRNN = {"filters": (4, 8, 8, 8, 8, 8), "rnn_units": (8, 8), "height": 32, "width": 64}


def draw_pages(folder: Path, n: int = 6, seed: int = 0) -> list[Page]:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pages = []
    for i in range(n):
        image = np.full((64, 160, 3), 30, np.uint8)
        words = []
        for row in range(2):
            text = "".join(rng.choice(list(ALPHABET), int(rng.integers(2, 5))))
            y = 26 + row * 28
            cv2.putText(image, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (255, 255, 255), 2)
            (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.7, 2)
            quad = np.array([[4, y - h - 2], [8 + w, y - h - 2], [8 + w, y + base], [4, y + base]], float)
            words.append(Word(quad, text))
        path = folder / f"page{i}.png"
        cv2.imwrite(str(path), image)
        pages.append(Page.from_words(words, 160, 64, image_path=str(path), checked=True))
    return pages


def tiny_plan(tmp_path: Path, **changes) -> TrainPlan:
    base = dict(tasks=("recognizer",), synth=PreviewSettings(alphabet=ALPHABET + " "), synthetic_crops=64,
                epochs=2, patience=2, batch_size=4, steps_per_epoch=3, validation_steps=1,
                build_params={"recognizer": TINY_CRNN}, out_root=str(tmp_path / "models"), run_eagerly=True,
                learning_rate=3e-3)
    base.update(changes)
    return TrainPlan(**base)  # type: ignore[arg-type]


def test_configs_per_task(tmp_path):
    pages = draw_pages(tmp_path / "pages", 3)
    plan = tiny_plan(tmp_path, tasks=("recognizer", "detector"), name="shop", pages=pages, synthetic_pages=8,
                     data=[f"{tmp_path / 'more'}:icdar2015"])
    configs = make_configs(plan, write=False)
    assert [c.task for c in configs] == ["detector", "recognizer"]
    det, rec = configs
    assert det.name == "shop-detector" and Path(det.out_dir) == tmp_path / "models" / "shop-detector"
    assert det.data[0] == "synthetic:8" and det.data[1].endswith("shop-detector/data/pages.json:studio")
    assert det.data[2].endswith("more:icdar2015") and det.image_size == 384 and det.synth_options["margin"] == 8
    assert rec.data[0] == "synthetic:64" and rec.alphabet == ALPHABET + " " and rec.synth_options == {}
    assert det.alphabet == ALPHABET + " " and rec.build_params == TINY_CRNN


@pytest.mark.parametrize("changes, message", [
    ({"tasks": ()}, "choose what to train"),
    ({"synthetic_crops": 0}, "nothing to train the recognizer on"),
    ({"synth": PreviewSettings(alphabet=" ")}, "alphabet is empty"),
])
def test_bad_plans_are_refused_before_anything_runs(tmp_path, changes, message):
    from ocr_core.errors import OcrError

    with pytest.raises(OcrError, match=message):
        make_configs(tiny_plan(tmp_path, **changes), write=False)
    assert not (tmp_path / "models").exists()


def test_validation_samples_match_the_runner_split(tmp_path):
    pages = draw_pages(tmp_path / "pages", 6)
    samples = validation_samples(tiny_plan(tmp_path, pages=pages, validation_split=0.34))
    assert len(samples) == 2 and all(isinstance(p, Page) and Path(src).is_file() for src, p in samples)


@pytest.fixture
def fake_synth(monkeypatch):
    import cv2

    import ocr_core.synth as synth

    def crops(alphabet, fonts=None, backgrounds=None, height=32, width=128, seed=None, **_):
        rng = np.random.default_rng(seed)
        while True:
            text = "".join(rng.choice(list(ALPHABET), int(rng.integers(1, 4))))
            img = np.full((height, width, 1), 20, np.uint8)
            cv2.putText(img, text, (1, int(height * 0.75)), cv2.FONT_HERSHEY_SIMPLEX, height / 40, 230, 1)
            yield img, text

    monkeypatch.setattr(synth, "get_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    monkeypatch.setattr(synth, "get_training_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    monkeypatch.setattr(synth, "get_backgrounds", lambda cache_dir=None, **k: [], raising=False)
    monkeypatch.setattr(synth, "get_crop_generator", crops, raising=False)


def save_untrained(folder: Path) -> Path:
    from ocr_core.models.crnn import build_crnn
    from ocr_core.weights import ModelSpec, save_model_dir

    _, model, _, _ = build_crnn(len(ALPHABET), "lite", **TINY_CRNN)
    folder.parent.mkdir(parents=True, exist_ok=True)
    weights = folder.parent / "before.weights.h5"
    model.save_weights(str(weights))
    spec = ModelSpec(name="before", kind="recognizer", architecture="crnn_lite", weights_file="before.weights.h5",
                     build_params=TINY_CRNN, alphabet=ALPHABET,
                     input_spec={"height": 32, "width": 64, "channels": 1})
    return save_model_dir(spec, weights, folder)


@pytest.mark.slow
def test_a_tiny_plan_trains_saves_and_compares(tmp_path, fake_synth):
    from ocr_core.weights import resolve_model

    before = save_untrained(tmp_path / "before" / "before")
    pages = draw_pages(tmp_path / "pages", 6)
    events: list[tuple[str, str]] = []
    plan = tiny_plan(tmp_path, pages=pages, validation_split=0.34, current_models=(None, str(before)),
                     init_recognizer=str(before), name="mine")
    from ocr_core.training.plan import run_plan

    result = run_plan(plan, on_event=lambda task, e: events.append((task, e.kind)))
    assert result.status in ("completed", "early_stopped")
    assert result.models == {"recognizer": "mine"}
    model_dir = Path(result.model_dirs["recognizer"])
    assert model_dir == tmp_path / "models" / "mine" and (model_dir / "data" / "pages.json").is_file()
    assert resolve_model(model_dir, "recognizer")[0].alphabet == ALPHABET  # the starting model's top was kept
    kinds = [k for t, k in events if t == "recognizer"]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("batch") == 6
    assert ("compare", "log") in events
    comparison = result.comparison
    assert comparison is not None and comparison.images == 2 and comparison.words == 4
    rows = {r.metric: r for r in comparison.rows}
    word_acc = rows["Word accuracy (recognizer)"]
    assert word_acc.before is not None and word_acc.after is not None and 0 <= word_acc.after <= 1
    assert "Character error rate" in rows and not comparison.notes



@pytest.mark.slow  # imports Keras
def test_a_plan_stopped_before_any_epoch_leaves_no_empty_model_folder(tmp_path, monkeypatch):
    from ocr_core.paths import user_models_dir
    from ocr_core.training.plan import run_plan

    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    token = CancelToken()
    token.cancel()
    stopped = run_plan(tiny_plan(tmp_path, name="never", out_root=None), cancel=token)
    assert stopped.status == "cancelled" and stopped.results == {} and stopped.comparison is None
    assert not (user_models_dir() / "never").exists()


def test_training_errors_name_the_problem(tmp_path):
    with pytest.raises(TrainingError, match="nothing to train"):
        TrainPlan(tasks=("detector",), synthetic_pages=0).validate()


@pytest.mark.slow  # imports Keras
def test_a_name_already_taken_is_kept_and_the_run_says_which_name_it_gets(tmp_path, monkeypatch):
    from ocr_core.paths import user_models_dir
    from ocr_core.training.plan import run_plan

    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    (user_models_dir() / "twice").mkdir(parents=True)
    (user_models_dir() / "twice" / "model.json").write_text("{}", encoding="utf-8")
    token = CancelToken()
    token.cancel()  # only the naming is of interest here
    logs: list[str] = []
    run_plan(tiny_plan(tmp_path, name="twice", out_root=None), cancel=token,
             on_event=lambda task, e: logs.append(e.message) if e.kind == "log" else None)
    assert "a model named 'twice' exists: this one is saved as 'twice-2'" in logs
    assert (user_models_dir() / "twice" / "model.json").read_text(encoding="utf-8") == "{}"


def test_a_stop_while_measuring_keeps_the_trained_model_and_its_status(tmp_path, fake_synth):
    from ocr_core.training.plan import run_plan

    before = save_untrained(tmp_path / "before" / "before")
    token = CancelToken()

    def on_event(task, event):
        if task == "compare":  # training is over: the user stops the measuring
            token.cancel()

    plan = tiny_plan(tmp_path, pages=draw_pages(tmp_path / "pages", 6), validation_split=0.34,
                     current_models=(None, str(before)), init_recognizer=str(before), name="kept")
    result = run_plan(plan, on_event=on_event, cancel=token)
    assert result.status in ("completed", "early_stopped") and result.models == {"recognizer": "kept"}
    assert result.comparison is not None and not result.comparison.rows
    assert "stopped while measuring" in result.comparison.notes[0]


def test_a_models_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    blocked = tmp_path / "models"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    with pytest.raises(TrainingError, match="cannot create the new model's folder .*make the models folder writable"):
        make_configs(tiny_plan(tmp_path, out_root=str(blocked)))
    with pytest.raises(TrainingError, match="cannot write the new model's folder"):
        make_configs(tiny_plan(tmp_path, out_root=str(blocked), pages=draw_pages(tmp_path / "pages", 2)))
