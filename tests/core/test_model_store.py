"""Listing, renaming, deleting and exporting model folders (no Keras: fake weights files)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from ocr_core.errors import WeightsError, WeightsNotFoundError
from ocr_core.model_store import (
    check_model_name,
    delete_model,
    export_model,
    find_model,
    list_model_entries,
    new_model_name,
    rename_model,
)
from ocr_core.paths import user_models_dir
from ocr_core.weights import ModelSpec, resolve_model, save_model_dir


def make_model(folder: Path, name: str, kind: str = "recognizer", **metrics: float) -> Path:
    weights = folder.parent / f"{name}.src.weights.h5"
    weights.parent.mkdir(parents=True, exist_ok=True)
    weights.write_bytes(b"not really weights " + name.encode())
    spec = ModelSpec(name=name, kind=kind, architecture="crnn_lite" if kind == "recognizer" else "craft_lite",  # type: ignore[arg-type]
                     weights_file=f"{name}.weights.h5", alphabet="abc" if kind == "recognizer" else None,
                     metrics={"val_loss": 1.5, "best_epoch": 2, **metrics},
                     training={"epochs": 3, "status": "early_stopped", "finished_at": "2026-11-25T14:32:00"})
    return save_model_dir(spec, weights, folder)


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    root = user_models_dir()
    make_model(root / "rec-a", "rec-a")
    make_model(root / "det-a", "det-a", kind="detector")
    return root


def test_entries_list_user_models_with_metrics(models):
    entries = {e.name: e for e in list_model_entries()}
    assert {"rec-a", "det-a"} <= set(entries)
    rec = entries["rec-a"]
    assert rec.user and rec.kind == "recognizer" and rec.alphabet == "abc" and Path(rec.path) == models / "rec-a"
    assert rec.metrics_text() == "val_loss 1.500 \u00b7 best epoch 2"
    assert "3 epochs" in rec.trained_text() and "stopped early" in rec.trained_text()
    assert [e.name for e in list_model_entries("detector") if e.user] == ["det-a"]


def test_rename_moves_the_folder_and_the_spec_name(models):
    entry = rename_model("rec-a", "invoices")
    assert entry.name == "invoices" and Path(entry.path) == models / "invoices"
    assert not (models / "rec-a").exists()
    spec, weights = resolve_model("invoices", "recognizer")  # resolvable by its new name, hash still right
    assert spec.name == "invoices" and weights.is_file()
    with pytest.raises(WeightsError, match="already exists"):
        rename_model("invoices", "det-a")
    with pytest.raises(WeightsError, match="not a usable model name"):
        rename_model("invoices", "bad/name")


def test_delete_removes_only_user_models(models):
    delete_model("det-a")
    assert not (models / "det-a").exists()
    with pytest.raises(WeightsNotFoundError):
        find_model("det-a")


def test_bundled_models_cannot_be_changed(models, tmp_path, monkeypatch):
    bundled = tmp_path / "bundled"
    make_model(bundled / "crnn_lite", "crnn_lite")
    monkeypatch.setattr("ocr_core.weights.bundled_models_dir", lambda: bundled)
    entry = find_model("crnn_lite")
    assert not entry.user and entry.trained_text() != ""
    with pytest.raises(WeightsError, match="comes with the application"):
        delete_model("crnn_lite")
    assert (bundled / "crnn_lite" / "model.json").is_file()


def test_export_to_a_folder_and_a_zip(models, tmp_path):
    folder = export_model("rec-a", tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "rec-a.weights.h5"]
    assert resolve_model(folder, "recognizer")[0].name == "rec-a"  # the copy is a valid model folder
    archive = export_model("rec-a", tmp_path / "share" / "rec.zip")
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == ["rec-a/model.json", "rec-a/rec-a.weights.h5"]
        assert json.loads(z.read("rec-a/model.json"))["name"] == "rec-a"
    with pytest.raises(WeightsError, match="already exists"):
        export_model("rec-a", tmp_path / "out")


def test_new_names_are_free_and_checked(models):
    assert new_model_name("rec-a") == "rec-a-2"
    assert new_model_name("fresh") == "fresh"
    assert check_model_name("  ok_name.1 ") == "ok_name.1"
    with pytest.raises(WeightsError):
        check_model_name("")



def test_a_model_stopped_in_its_first_epoch_lists_its_steps_and_stopped_not_cancelled(models):
    spec_file = models / "rec-a" / "model.json"
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    spec["training"] = {"epochs": 0, "steps": 40, "status": "cancelled", "finished_at": "2026-11-25T14:32:00"}
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    entry = {e.name: e for e in list_model_entries()}["rec-a"]
    assert entry.trained_text() == "2026-11-25 14:32 \u00b7 40 steps \u00b7 stopped"
