"""The training runner end to end on tiny models and stand-in synthetic data (eager, a few steps)."""

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from ocr_core.cancel import CancelToken
from ocr_core.errors import AlphabetError, TrainingError
from ocr_core.training import TrainConfig, train
from ocr_core.training.checkpoints import CheckpointPaths

from .conftest import ALPHABET, TINY_CRAFT, TINY_CRNN, write_icdar_folder

pytestmark = pytest.mark.slow


def rec_config(out: Path, **kw) -> TrainConfig:
    base = dict(task="recognizer", data=["synthetic:256"], alphabet=ALPHABET, epochs=2, batch_size=8,
                steps_per_epoch=4, validation_steps=1, build_params=TINY_CRNN, out_dir=out, run_eagerly=True,
                learning_rate=3e-3, patience=3, workers=1)
    base.update(kw)
    return TrainConfig(**base)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def module_synth():
    mp = pytest.MonkeyPatch()
    import ocr_core.synth as synth

    from .conftest import fake_crop_generator, fake_image_generator

    mp.setattr(synth, "get_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    mp.setattr(synth, "get_training_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    mp.setattr(synth, "get_font_groups", lambda alphabet, cache_dir=None, **k: {alphabet: ["f.ttf"]}, raising=False)
    mp.setattr(synth, "get_backgrounds", lambda cache_dir=None, **k: [], raising=False)
    mp.setattr(synth, "get_text_generator", lambda alphabet=None, seed=None, **k: iter(()), raising=False)
    mp.setattr(synth, "get_crop_generator", fake_crop_generator, raising=False)
    mp.setattr(synth, "get_image_generator", fake_image_generator, raising=False)
    yield synth
    mp.undo()


@pytest.fixture(scope="module")
def first_run(module_synth, tmp_path_factory):
    out = tmp_path_factory.mktemp("rec")
    events = []
    # graph mode: tracing once is cheaper than many eager steps
    result = train(rec_config(out, epochs=2, steps_per_epoch=12, run_eagerly=False), on_event=events.append)
    return out, result, events


def test_recognizer_trains_and_writes_a_model_folder(first_run):
    out, result, events = first_run
    assert result.status == "completed" and result.epochs_run == 2
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < 0.8 * losses[0], losses  # the loss clearly drops
    kinds = [e.kind for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert kinds.count("batch") == 24 and kinds.count("epoch") == 2 and "checkpoint" in kinds
    steps = [e.step for e in events if e.kind == "batch"]
    assert steps == list(range(1, 25))
    from ocr_core.weights import resolve_model

    spec, weights = resolve_model(out, "recognizer")
    assert spec.architecture == "crnn_lite" and spec.alphabet == ALPHABET
    assert spec.input_spec == {"height": 32, "width": 64, "channels": 1}
    assert spec.metrics["best_epoch"] == result.best_epoch and spec.training["steps"] == 24
    assert weights.name.endswith(".weights.h5")
    assert sha(weights) == sha(CheckpointPaths(out).best)
    rows = (out / "training.csv").read_text().strip().splitlines()
    assert rows[0].startswith("epoch") and len(rows) == 3


def test_trained_folder_loads_back(first_run):
    from ocr_core.models.crnn import build_crnn
    from ocr_core.models.loading import load_weights_checked
    from ocr_core.weights import resolve_model

    out, _, _ = first_run
    spec, weights = resolve_model(out, "recognizer")
    _, model, _, _ = build_crnn(len(spec.alphabet), "lite", **spec.build_params)
    load_weights_checked(model, weights)


def test_resume_continues_from_the_last_epoch(first_run, tmp_path):
    import shutil

    out, result, _ = first_run
    copy = tmp_path / "resumed"
    shutil.copytree(out, copy)
    events = []
    resumed = train(rec_config(copy, epochs=3, steps_per_epoch=12, resume=True), on_event=events.append)
    start = events[[e.kind for e in events].index("start")]
    assert start.logs["initial_epoch"] == 2
    assert [h["epoch"] for h in resumed.history] == [1, 2, 3]
    assert resumed.history[:2] == result.history
    assert any("optimizer state restored" in e.message for e in events)
    assert [e.step for e in events if e.kind == "batch"][0] == 25
    assert len((copy / "training.csv").read_text().strip().splitlines()) == 4
    with pytest.raises(TrainingError, match="other settings"):
        train(rec_config(copy, epochs=4, resume=True, alphabet=ALPHABET + "k"))


def test_a_best_loss_from_other_validation_data_does_not_stop_a_resumed_run(first_run, tmp_path):
    import json
    import shutil

    out, _, _ = first_run
    copy = tmp_path / "changed"
    shutil.copytree(out, copy)
    state_file = CheckpointPaths(copy).state
    state = json.loads(state_file.read_text())
    assert state["validation"]  # the run recorded what it validated on
    # as if the run had validated on easier crops before the generator changed: a best no new epoch can reach
    state.update(validation="an older generator's crops", best=1e-9, best_value=1e-9, wait=0)
    state_file.write_text(json.dumps(state))
    events = []
    resumed = train(rec_config(copy, epochs=4, resume=True, patience=1), on_event=events.append)
    assert any("validation data changed" in e.message for e in events)
    assert resumed.status == "completed" and resumed.epochs_run == 4  # without the reset: stopped at epoch 3
    assert json.loads(state_file.read_text())["best_value"] > 1e-6  # the best is one of the new epochs


def test_cancel_stops_within_one_batch_and_keeps_the_best(module_synth, tmp_path):
    token = CancelToken()
    batches = []

    events = []

    def on_event(e):
        events.append(e)
        if e.kind == "batch":
            batches.append(e.step)
            if e.step == 6:  # second epoch, after one checkpoint
                token.cancel()

    result = train(rec_config(tmp_path, epochs=5, distribute="onedevice", workers=2), on_event=on_event,
                   cancel=token)
    assert result.status == "cancelled"
    assert batches == list(range(1, 7))
    # epoch 2 is reported as cut short, not with the losses of its first two batches
    assert [e.epoch for e in events if e.kind == "epoch"] == [1]
    assert any(e.kind == "log" and e.epoch == 2 and "cut short" in e.message for e in events)
    assert result.epochs_run == 1 and result.model_dir == tmp_path
    assert (tmp_path / "model.json").is_file()
    rows = (tmp_path / "training.csv").read_text("utf-8").splitlines()
    assert len(rows) == 2 and rows[1].startswith("0,")  # header and epoch 1: the cut-short epoch has no row


def test_a_stop_before_the_first_epoch_ends_keeps_the_weights_trained_so_far(module_synth, tmp_path):
    from ocr_core.recognition import Recognizer

    token = CancelToken()
    events = []

    def on_event(e):
        events.append(e)
        if e.kind == "batch" and e.step == 2:  # epoch 1 of 4 steps, half-way
            token.cancel()

    result = train(rec_config(tmp_path, epochs=3), on_event=on_event, cancel=token)
    assert result.status == "cancelled" and result.epochs_run == 0 and result.model_dir == tmp_path
    spec = json.loads((tmp_path / "model.json").read_text())
    assert spec["training"]["status"] == "cancelled" and spec["training"]["steps"] == 2
    assert "after 2 steps" in result.message and "not validated" in result.message
    assert Recognizer(weights=str(tmp_path)).recognize_crops([np.zeros((32, 80, 3), np.uint8)])  # it loads and reads
    assert not (tmp_path / "checkpoints" / "last.weights.h5").exists()  # a resume starts over
    assert not (tmp_path / "checkpoints" / "stopped.weights.h5").exists()  # copied into the model folder
    again = train(rec_config(tmp_path, epochs=1, resume=True))
    assert again.status == "completed" and again.epochs_run == 1


def test_a_cancel_at_an_epoch_end_stops_there_without_a_throwaway_batch(module_synth, tmp_path):
    """A stop asked for by the 'epoch' event's handler (the --hours budget does this) ends the run at once: the
    next epoch trains no batch, and the finished epoch is saved."""
    token = CancelToken()
    events = []

    def on_event(e):
        events.append(e)
        if e.kind == "epoch" and e.epoch == 2:
            token.cancel()

    result = train(rec_config(tmp_path, epochs=5), on_event=on_event, cancel=token)
    assert result.status == "cancelled" and result.epochs_run == 2
    steps = int(next(e for e in events if e.kind == "start").logs["steps_per_epoch"])
    assert max(e.step for e in events if e.kind == "batch") == 2 * steps  # nothing of epoch 3
    assert not any("cut short" in e.message for e in events)
    rows = (tmp_path / "training.csv").read_text("utf-8").splitlines()
    assert len(rows) == 3  # header and both epochs


def test_early_stopping_triggers(module_synth, tmp_path):
    events = []
    result = train(rec_config(tmp_path, epochs=6, patience=1, min_delta=1.0, learning_rate=1e-9), on_event=events.append)
    assert result.status == "early_stopped"
    assert result.epochs_run == 2 and "early_stop" in [e.kind for e in events]


def test_nan_loss_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint(module_synth, tmp_path, monkeypatch):
    from ocr_core.training.recognizer_task import RecognizerTask

    calls = {"n": 0}
    original = RecognizerTask.collate

    def collate(self, samples):
        calls["n"] += 1
        x, y = original(self, samples)
        if calls["n"] > 1 + 4 + 2:  # validation batch, then epoch 1, then NaNs in epoch 2
            y = np.full_like(y, np.nan)
        return x, y

    monkeypatch.setattr(RecognizerTask, "collate", collate)
    monkeypatch.setattr(RecognizerTask, "loss", lambda self: (lambda y_true, y_pred: y_pred[:, 0] + y_true))
    with pytest.raises(TrainingError, match="NaN") as info:
        train(rec_config(tmp_path, epochs=3))
    assert "epoch 1" in str(info.value)
    spec = json.loads((tmp_path / "model.json").read_text())
    assert spec["metrics"]["best_epoch"] == 1 and math.isfinite(spec["metrics"]["val_loss"])


def test_full_disk_while_checkpointing_stops_the_run_and_keeps_the_best_model_intact(module_synth, tmp_path,
                                                                                   monkeypatch):
    from ocr_core.training import checkpoints

    paths = CheckpointPaths(tmp_path)
    state = {"saves": 0, "best_hash": None}
    original = checkpoints._write_weights

    def flaky(model, path):
        state["saves"] += 1
        if state["saves"] > 2:  # epoch 1 wrote best + last; later writes fail half-way
            Path(path).write_bytes(b"partial")
            raise OSError(28, "No space left on device")
        original(model, path)
        if state["saves"] == 2:
            state["best_hash"] = sha(paths.best)

    monkeypatch.setattr(checkpoints, "_write_weights", flaky)
    events = []
    with pytest.raises(TrainingError, match="epoch 2's checkpoint could not be written.*No space left.*"
                                            r"epoch 1\) is kept"):
        train(rec_config(tmp_path, epochs=4), on_event=events.append)
    assert max(e.epoch for e in events if e.kind == "epoch") == 2  # no epoch trained that could not be kept
    assert sha(paths.best) == state["best_hash"]
    assert any(e.kind == "error" and "No space left" in e.message for e in events)
    assert not list(paths.folder.glob(".tmp-*"))
    from ocr_core.weights import resolve_model

    resolve_model(tmp_path, "recognizer")  # hash in model.json still matches the weights


def test_a_full_disk_from_the_first_checkpoint_fails_the_run_saying_nothing_was_saved(module_synth, tmp_path,
                                                                                     monkeypatch):
    from ocr_core.training import checkpoints

    def full(model, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoints, "_write_weights", full)
    events = []
    with pytest.raises(TrainingError, match="No space left.*nothing of this run could be saved") as info:
        train(rec_config(tmp_path, epochs=3), on_event=events.append)
    assert getattr(info.value, "reported", False)
    assert [e.epoch for e in events if e.kind == "epoch"] == [1]
    assert not any(e.kind == "end" for e in events)  # never "finished"
    assert not (tmp_path / "model.json").exists()


def test_labels_outside_the_alphabet_are_reported_before_training(module_synth, tmp_path):
    folder = write_icdar_folder(tmp_path / "data", n=3, size=96)
    gt = folder / "gt_img_0.txt"
    gt.write_text(gt.read_text().replace(",", ",", 8).replace("\n", "\n", 1) + "1,1,40,1,40,20,1,20,xyZ\n")
    with pytest.raises(AlphabetError, match="'x' x1.*|'Z' x1"):
        train(rec_config(tmp_path / "out", data=[f"{folder}:icdar2015"], epochs=1))
    assert not (tmp_path / "out" / "checkpoints").exists()
    result = train(rec_config(tmp_path / "out2", data=[f"{folder}:icdar2015"], epochs=1, drop_unknown=True,
                              steps_per_epoch=2, validation_steps=1))
    assert result.status == "completed"


def test_empty_dataset_is_a_clear_error(module_synth, tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    from PIL import Image

    Image.new("RGB", (32, 32)).save(folder / "img_0.png")
    (folder / "gt_img_0.txt").write_text("0,0,6,0,6,6,0,6,###\n")
    with pytest.raises(TrainingError, match="no readable words|empty"):
        train(rec_config(tmp_path / "out", data=[f"{folder}:icdar2015"]))


def test_detector_trains_on_synthetic_and_annotated_pages(module_synth, tmp_path):
    folder = write_icdar_folder(tmp_path / "data", n=4, size=96)
    events = []
    result = train(TrainConfig(task="detector", data=["synthetic:16", f"{folder}:icdar2015"], epochs=3,
                               batch_size=2, steps_per_epoch=4, validation_steps=1, image_size=64,
                               build_params=TINY_CRAFT, out_dir=tmp_path / "det", run_eagerly=True, workers=1,
                               learning_rate=3e-3), on_event=events.append)
    assert result.status == "completed"
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < losses[0], losses
    assert any("weak supervision" in e.message for e in events)
    spec = json.loads((tmp_path / "det" / "model.json").read_text())
    assert spec["architecture"] == "craft_lite" and spec["kind"] == "detector"
    import h5py

    from ocr_core.models.craft import CraftNet
    from ocr_core.models.loading import load_weights_checked
    from ocr_core.weights import resolve_model

    _, weights = resolve_model(tmp_path / "det", "detector")
    with h5py.File(weights) as f:
        assert "optimizer" not in f  # optimizer state lives in last.optimizer.npz only
    load_weights_checked(CraftNet(**TINY_CRAFT, variant="lite"), weights)


def test_init_with_another_alphabet_keeps_the_backbone_and_builds_a_new_top(first_run, tmp_path):
    out, _, _ = first_run
    events = []
    result = train(rec_config(tmp_path, init=str(out), alphabet="abcdefghijk", epochs=1, steps_per_epoch=2,
                              freeze_backbone=True), on_event=events.append)
    assert result.status == "completed"
    assert any("kept its backbone" in e.message for e in events)
    from ocr_core.weights import resolve_model

    spec, _ = resolve_model(tmp_path, "recognizer")
    assert spec.alphabet == "abcdefghijk" and spec.training["init"] == str(out)



def test_mixed_precision_applies_to_the_model_but_not_to_the_rest_of_the_process(module_synth, tmp_path):
    import keras

    seen = []

    def on_event(event):
        if event.kind == "epoch":
            seen.append(keras.config.dtype_policy().name)

    result = train(rec_config(tmp_path, epochs=1, steps_per_epoch=2, mixed_precision="bfloat16"), on_event=on_event)
    assert result.status == "completed"
    assert seen == ["float32"]  # during training other threads still build float32 models
    assert keras.config.dtype_policy().name == "float32"
    spec = json.loads((tmp_path / "model.json").read_text())
    assert spec["training"]["hardware"]["mixed_precision"] == "mixed_bfloat16"


def test_learning_rate_halves_when_the_loss_stalls(module_synth, tmp_path):
    # A learning rate too small to change anything: every epoch is a plateau, so the rate halves once a third of
    # the patience has passed without improvement.
    train(rec_config(tmp_path, epochs=4, patience=3, min_delta=1.0, learning_rate=1e-6))
    rows = (tmp_path / "training.csv").read_text().splitlines()
    header = rows[0].split(",")
    rates = [float(r.split(",")[header.index("learning_rate")]) for r in rows[1:]]
    assert rates[0] == pytest.approx(1e-6)
    assert min(rates) < 1e-6
    for before, after in zip(rates, rates[1:]):
        assert after == pytest.approx(before) or after == pytest.approx(before / 2)


def test_a_resumed_run_draws_new_training_samples_and_keeps_its_validation_batches(module_synth, tmp_path,
                                                                                monkeypatch):
    import shutil

    from ocr_core.training import batches

    seen: dict[str, list] = {"train": [], "val": []}

    def images(batch):  # the crops of a batch: its first input array
        x = batch[0]
        while isinstance(x, (tuple, list, dict)):
            x = list(x.values())[0] if isinstance(x, dict) else x[0]
        return np.asarray(x).copy()
    original_get, original_init = batches.SampleBatches.__getitem__, batches.FixedBatches.__init__

    def get(self, index):
        batch = original_get(self, index)
        seen["train"].append(images(batch))
        return batch

    def init(self, items):
        seen["val"].append([images(b) for b in items])
        original_init(self, items)

    monkeypatch.setattr(batches.SampleBatches, "__getitem__", get)
    monkeypatch.setattr(batches.FixedBatches, "__init__", init)
    train(rec_config(tmp_path / "run", epochs=1, steps_per_epoch=3))
    first_run_batches = list(seen["train"])
    shutil.copytree(tmp_path / "run", tmp_path / "again")
    seen["train"].clear()
    train(rec_config(tmp_path / "again", epochs=2, steps_per_epoch=3, resume=True))
    resumed_batches = list(seen["train"])
    assert first_run_batches and resumed_batches  # (Keras may peek at a batch more than once)
    # without the resume offset the stand-in generator would hand out exactly the first run's batches again
    assert not any(np.array_equal(a, b) for a in first_run_batches for b in resumed_batches)
    # the validation batches are the same ones, so validation losses compare across the resume
    assert len(seen["val"]) == 2
    assert all(np.array_equal(a, b) for a, b in zip(*seen["val"]))


def test_a_learning_rate_given_on_resume_replaces_the_saved_one(first_run, tmp_path):
    import shutil

    out, _, _ = first_run  # trained at 3e-3
    copy = tmp_path / "resumed"
    shutil.copytree(out, copy)
    events = []
    resumed = train(rec_config(copy, epochs=3, steps_per_epoch=12, resume=True, learning_rate=1e-4),
                    on_event=events.append)
    start = events[[e.kind for e in events].index("start")]
    assert start.logs["learning_rate"] == pytest.approx(1e-4)
    assert resumed.history[-1]["learning_rate"] == pytest.approx(1e-4)
    # without one, the saved rate carries on
    shutil.rmtree(copy)
    shutil.copytree(out, copy)
    events.clear()
    train(rec_config(copy, epochs=3, steps_per_epoch=12, resume=True, learning_rate=None), on_event=events.append)
    start = events[[e.kind for e in events].index("start")]
    assert start.logs["learning_rate"] == pytest.approx(3e-3)


def test_keep_epochs_keeps_the_newest_epochs_weights(module_synth, tmp_path):
    from ocr_core.training.averaging import average_weight_files

    train(rec_config(tmp_path, epochs=4, steps_per_epoch=2, patience=None, keep_epochs=2))
    kept = CheckpointPaths(tmp_path).kept_epochs()
    assert [p.name for p in kept] == ["epoch-0003.weights.h5", "epoch-0004.weights.h5"]
    assert sha(kept[-1]) == sha(CheckpointPaths(tmp_path).last)
    average_weight_files(kept, tmp_path / "mean.weights.h5")
    with pytest.raises(TrainingError, match="keep_epochs"):
        rec_config(tmp_path, keep_epochs=-1)


def test_a_new_alphabet_keeps_the_shared_characters_top_columns(first_run, tmp_path):
    """Fine-tuning to a larger alphabet: shared characters and the blank keep their top columns, a new
    accented letter starts from its base letter with a lower bias, and a dropped letter's column goes."""
    from ocr_core.models.crnn import build_crnn
    from ocr_core.models.loading import load_weights_checked
    from ocr_core.training.recognizer_task import RecognizerTask
    from ocr_core.weights import resolve_model

    out, _, _ = first_run
    spec, weights = resolve_model(out, "recognizer")
    _, old, _, _ = build_crnn(len(spec.alphabet), "lite", **spec.build_params)
    load_weights_checked(old, weights)
    old_kernel, old_bias = old.get_layer("fc_12").get_weights()

    new_alphabet = "éabcdfghij"  # "e" dropped, "é" added (first)
    logs: list[str] = []
    task = RecognizerTask(rec_config(tmp_path / "latin", init=str(out), alphabet=new_alphabet), logs.append)
    task.resolve_init()
    _, model = task.build()
    kernel, bias = model.get_layer("fc_12").get_weights()
    assert kernel.shape == (old_kernel.shape[0], len(new_alphabet) + 1)
    for j, char in enumerate(new_alphabet[1:], start=1):
        i = ALPHABET.index(char)
        np.testing.assert_array_equal(kernel[:, j], old_kernel[:, i])
        assert bias[j] == old_bias[i]
    np.testing.assert_array_equal(kernel[:, -1], old_kernel[:, -1])  # the blank
    e = ALPHABET.index("e")
    np.testing.assert_array_equal(kernel[:, 0], old_kernel[:, e])
    assert bias[0] < old_bias[e]
    assert any("9 shared character(s)" in line and "1 new" in line for line in logs), logs


def test_a_run_started_from_init_resumes_without_naming_the_init_model(first_run, tmp_path):
    """The run records the init model's build parameters; its resume finds them in the run's state. The init
    model's chosen post-processing and crop margin carry over to the fine-tuned model, resumes included."""
    import shutil

    out, _, _ = first_run
    init = tmp_path / "init"
    shutil.copytree(out, init)
    spec = json.loads((init / "model.json").read_text("utf-8"))
    spec["postprocess"] = {"min_confidence": 0.02}
    spec["input_spec"]["crop_margin"] = 0.15
    (init / "model.json").write_text(json.dumps(spec), "utf-8")
    run = tmp_path / "tuned"
    train(rec_config(run, init=str(init), build_params={}, epochs=1, steps_per_epoch=2))
    shutil.rmtree(init)  # the resume must not need it
    events = []
    train(rec_config(run, build_params={}, epochs=2, steps_per_epoch=2, resume=True), on_event=events.append)
    start = events[[e.kind for e in events].index("start")]
    assert start.logs["initial_epoch"] == 1
    assert any("build parameters taken from the run's saved state" in e.message for e in events)
    tuned = json.loads((run / "model.json").read_text("utf-8"))
    assert tuned["postprocess"] == {"min_confidence": 0.02}
    assert tuned["input_spec"]["crop_margin"] == 0.15 and tuned["training"]["epochs"] == 2
    assert tuned["training"]["init"] == str(init)  # the resume remembers where the run started
    # a build parameter given on resume must still agree with the run's
    with pytest.raises(TrainingError, match="other settings"):
        train(rec_config(run, build_params={**TINY_CRNN, "rnn_units": (4, 4)}, epochs=3, steps_per_epoch=2,
                         resume=True))


def test_recognizer_trains_from_batch_processes_and_stops_them(module_synth, tmp_path):
    import multiprocessing

    result = train(rec_config(tmp_path, epochs=2, steps_per_epoch=3, data_processes=2))
    assert result.status == "completed" and result.epochs_run == 2
    assert (tmp_path / "model.json").is_file()
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("ocr-studio-batches")]


def test_a_new_run_never_replaces_a_model_folder(tmp_path):
    """``--out`` naming a folder that holds a model (not resumed) is refused before anything is written."""
    (tmp_path / "model.json").write_text('{"name": "mine", "weights_file": "mine.weights.h5"}', "utf-8")
    (tmp_path / "mine.weights.h5").write_bytes(b"weights the user trained before")
    with pytest.raises(TrainingError, match="already holds a model.*another output folder.*--init"):
        train(rec_config(tmp_path, epochs=1))
    with pytest.raises(TrainingError, match="no training state to resume"):  # nothing to resume: refused too
        train(rec_config(tmp_path, epochs=1, resume=True))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.weights.h5", "model.json"]
    assert (tmp_path / "mine.weights.h5").read_bytes() == b"weights the user trained before"
