"""Named weights: resolution by name/folder/file, hash checks, clear messages for missing files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ocr_core.errors import WeightsError, WeightsMismatchError, WeightsNotFoundError
from ocr_core.weights import PUBLISHED, ModelSpec, list_models, resolve_model, save_model_dir, sha256sum


def _make_model(folder: Path, name: str = "tiny", kind: str = "recognizer") -> Path:
    weights = folder / "src.weights.h5"
    weights.parent.mkdir(parents=True, exist_ok=True)
    weights.write_bytes(b"not really hdf5 but hashed all the same")
    spec = ModelSpec(name=name, kind=kind, architecture="crnn_lite", weights_file=f"{name}.weights.h5",
                     alphabet="abc", input_spec={"height": 32, "width": 128, "channels": 1})
    return save_model_dir(spec, weights, folder / name)


def test_save_and_resolve_by_folder_spec_file_and_weights_file(tmp_path):
    model_dir = _make_model(tmp_path)
    spec_data = json.loads((model_dir / "model.json").read_text())
    assert spec_data["sha256"] == sha256sum(model_dir / "tiny.weights.h5")
    for target in (model_dir, model_dir / "model.json", model_dir / "tiny.weights.h5"):
        spec, path = resolve_model(target, kind="recognizer")
        assert spec.name == "tiny" and spec.alphabet == "abc"
        assert path == model_dir / "tiny.weights.h5"


def test_resolve_by_name_from_user_models_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    _make_model(tmp_path / "cache" / "models", name="mine")
    spec, path = resolve_model("mine")
    assert spec.name == "mine" and path.is_file()
    assert "mine" in {s.name for s in list_models("recognizer")}


def test_wrong_kind_is_refused(tmp_path):
    model_dir = _make_model(tmp_path)
    with pytest.raises(WeightsError, match="recognizer, not a detector"):
        resolve_model(model_dir, kind="detector")


def test_corrupted_weights_fail_the_hash_check(tmp_path):
    model_dir = _make_model(tmp_path)
    (model_dir / "tiny.weights.h5").write_bytes(b"tampered")
    with pytest.raises(WeightsMismatchError, match="sha256"):
        resolve_model(model_dir)


def test_missing_published_file_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("OCR_STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KERAS_OCR_CACHE_DIR", str(tmp_path / "keras-ocr"))
    with pytest.raises(WeightsNotFoundError) as info:
        resolve_model("clovaai_general")
    message = str(info.value)
    assert "craft_mlt_25k.h5" in message
    assert str(tmp_path / "cache" / "models") in message
    assert "github.com" in message and "nothing is downloaded" in message


def test_published_file_found_by_name_is_hash_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_OCR_CACHE_DIR", str(tmp_path))
    (tmp_path / "crnn_kurapan.h5").write_bytes(b"not the published file")
    with pytest.raises(WeightsMismatchError, match=PUBLISHED["kurapan"].sha256):
        resolve_model("kurapan")


def test_unknown_name_lists_known_models():
    with pytest.raises(WeightsNotFoundError, match="clovaai_general"):
        resolve_model("no-such-model")


def test_spec_with_unknown_keys_is_rejected(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "model.json").write_text(json.dumps({"name": "x", "kind": "detector", "surprise": 1}))
    with pytest.raises(WeightsError, match="unknown keys"):
        resolve_model(folder)


def test_saving_over_a_model_keeps_the_folder_consistent(tmp_path):
    model_dir = _make_model(tmp_path)
    newer = tmp_path / "newer.weights.h5"
    newer.write_bytes(b"better weights")
    spec, _ = resolve_model(model_dir)
    save_model_dir(spec, newer, model_dir)
    spec2, path2 = resolve_model(model_dir)  # hash checked
    assert path2.read_bytes() == b"better weights"
    assert sorted(p.name for p in model_dir.iterdir()) == sorted(["model.json", path2.name])
    # and back to the plain name on the next save, old file removed
    newest = tmp_path / "newest.weights.h5"
    newest.write_bytes(b"best weights")
    save_model_dir(spec, newest, model_dir)
    spec3, path3 = resolve_model(model_dir)
    assert path3.read_bytes() == b"best weights"
    assert len(list(model_dir.glob("*.weights.h5"))) == 1


def test_recognizer_min_confidence_comes_from_the_spec_and_is_checked():
    from ocr_core.errors import WeightsError
    from ocr_core.recognition import spec_min_confidence
    from ocr_core.weights import ModelSpec

    def spec(**postprocess):
        return ModelSpec(name="r", kind="recognizer", architecture="crnn_lite", weights_file="r.weights.h5",
                         alphabet="ab", postprocess=postprocess)

    assert spec_min_confidence(None) == 0.0
    assert spec_min_confidence(spec()) == 0.0
    assert spec_min_confidence(spec(min_confidence=0.01)) == pytest.approx(0.01)
    for bad in (1.5, -1, "high", None):
        with pytest.raises(WeightsError, match="min_confidence"):
            spec_min_confidence(spec(min_confidence=bad))
    # the confidence weakly detected words need: same checks, its own default
    assert spec_min_confidence(spec(), "weak_min_confidence", 0.5) == 0.5
    assert spec_min_confidence(spec(weak_min_confidence=0.7), "weak_min_confidence", 0.5) == pytest.approx(0.7)
    with pytest.raises(WeightsError, match="weak_min_confidence must be a number in"):
        spec_min_confidence(spec(weak_min_confidence="high"), "weak_min_confidence", 0.5)


def test_a_recognizer_whose_model_json_names_no_alphabet_is_refused(tmp_path):
    """Its outputs cannot be mapped to characters: reading with a guessed alphabet gave garbage and exit 0."""
    from ocr_core.recognition import Recognizer

    model_dir = _make_model(tmp_path)
    spec = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    for missing in (None, ""):
        if missing is None:
            spec.pop("alphabet", None)
        else:
            spec["alphabet"] = missing
        (model_dir / "model.json").write_text(json.dumps(spec), encoding="utf-8")
        with pytest.raises(WeightsError, match="names no alphabet"):
            Recognizer(weights=str(model_dir))


@pytest.mark.parametrize(("group", "key", "value", "fragment"), [
    ("input_spec", "scale", "big", "input_spec.scale must be a number above 0"),
    ("input_spec", "crop_margin", "wide", "input_spec.crop_margin must be a number of 0 or more"),
    ("build_params", "height", "tall", "build_params.height must be a whole number above 0"),
    ("build_params", "filters", [16, -2], "build_params.filters must be a list"),
    (None, "architecture", "nope", "architecture must be one of crnn_kurapan, crnn_lite"),
    (None, "kind", "classifier", "kind must be 'detector' or 'recognizer'"),
])
def test_fields_the_engine_reads_are_checked_with_the_file_named(tmp_path, group, key, value, fragment):
    model_dir = _make_model(tmp_path)
    spec = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    if group is None:
        spec[key] = value
    else:
        spec[group][key] = value
    (model_dir / "model.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(WeightsError) as info:
        resolve_model(model_dir)
    assert fragment in str(info.value) and "model.json" in str(info.value)
