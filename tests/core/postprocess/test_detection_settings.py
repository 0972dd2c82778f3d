"""Detection thresholds as data: CRAFT's defaults, overridden by a model's spec, then by the caller; bad values
are refused with the setting's name, from code, from ``model.json`` and from the command line."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from ocr_core.cli.options import add_detection_options, detection_overrides
from ocr_core.postprocess.detection import (
    DETECTION_DEFAULTS,
    MAP_SETTINGS,
    detection_settings,
    score_maps_to_boxes,
)


def test_layers_apply_in_order_and_none_means_unchanged() -> None:
    settings = detection_settings({"detection_threshold": 0.5, "link_threshold": 0.3},
                                  {"link_threshold": 0.2, "text_threshold": None})
    assert settings == {**DETECTION_DEFAULTS, "detection_threshold": 0.5, "link_threshold": 0.2}
    assert detection_settings() == DETECTION_DEFAULTS
    assert detection_settings(None, {}) == DETECTION_DEFAULTS


@pytest.mark.parametrize("layer, words", [
    ({"detection_treshold": 0.5}, "unknown detection setting 'detection_treshold'"),
    ({"text_threshold": 0.0}, "text_threshold must be in (0, 1]"),
    ({"link_threshold": 1.2}, "link_threshold must be in (0, 1]"),
    ({"detection_threshold": "high"}, "detection_threshold must be a number"),
    ({"size_threshold": -1}, "size_threshold must be a whole number"),
    ({"size_threshold": 2.5}, "size_threshold must be a whole number"),
    ({"large_text_scale": 1.0}, "large_text_scale must be in [0, 1)"),
    ({"large_text_scale": -0.5}, "large_text_scale must be in [0, 1)"),
    ({"large_text_height": 0}, "large_text_height must be a whole number of pixels >= 1"),
])
def test_bad_settings_name_the_setting(layer, words) -> None:
    with pytest.raises(ValueError) as info:
        detection_settings(layer)
    assert words in str(info.value)


def test_lower_detection_threshold_keeps_a_faint_word() -> None:
    """What the setting is for: a word whose peak score is 0.6 is dropped at CRAFT's 0.7 and kept at 0.5."""
    region = np.zeros((40, 80), np.float32)
    region[10:20, 10:30] = 0.95
    region[10:20, 45:70] = 0.6
    affinity = np.zeros_like(region)
    def boxes(**layer):
        settings = detection_settings(layer)
        return score_maps_to_boxes(region, affinity, **{k: settings[k] for k in MAP_SETTINGS})

    strict, loose = boxes(), boxes(detection_threshold=0.5)
    assert len(strict) == 1 and len(loose) == 2


def test_command_line_options_parse_and_refuse_out_of_range(capsys) -> None:
    parser = argparse.ArgumentParser()
    add_detection_options(parser)
    args = parser.parse_args(["--detection-threshold", "0.55", "--link-threshold", "0.3", "--large-text-scale", "0"])
    assert detection_overrides(args) == {"detection_threshold": 0.55, "link_threshold": 0.3, "large_text_scale": 0.0}
    assert detection_overrides(parser.parse_args([])) == {}
    with pytest.raises(SystemExit):
        parser.parse_args(["--text-threshold", "0"])
    assert "--text-threshold: expected a number in (0, 1], got '0'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parser.parse_args(["--large-text-scale", "2"])
    assert "--large-text-scale: expected a number in [0, 1) (0: off), got '2'" in capsys.readouterr().err


@pytest.mark.slow
def test_detector_takes_thresholds_from_its_spec_and_reports_a_bad_one(tmp_path) -> None:
    from ocr_core.detection import Detector
    from ocr_core.errors import WeightsError
    from ocr_core.models.craft import build_craft
    from ocr_core.weights import ModelSpec, save_model_dir

    build_craft("lite").save_weights(tmp_path / "w.weights.h5")
    spec = ModelSpec(name="tuned", kind="detector", architecture="craft_lite", weights_file="tuned.weights.h5",
                     postprocess={"detection_threshold": 0.5, "link_threshold": 0.3})
    folder = save_model_dir(spec, tmp_path / "w.weights.h5", tmp_path / "tuned")
    detector = Detector(weights=str(folder), optimizer=None)
    assert detector.thresholds == {**DETECTION_DEFAULTS, "detection_threshold": 0.5, "link_threshold": 0.3}
    # the caller's value wins over the spec's
    overridden = Detector(weights=str(folder), optimizer=None, thresholds={"detection_threshold": 0.8})
    assert overridden.thresholds["detection_threshold"] == 0.8 and overridden.thresholds["link_threshold"] == 0.3
    # and detect() uses them: an all-grey image gives no boxes either way, without error
    assert detector.detect([np.full((64, 64, 3), 128, np.uint8)])[0].shape[1:] == (4, 2)

    data = json.loads((folder / "model.json").read_text())
    data["postprocess"] = {"link_threshold": 7}
    (folder / "model.json").write_text(json.dumps(data))
    with pytest.raises(WeightsError) as info:
        Detector(weights=str(folder), optimizer=None)
    assert "tuned" in str(info.value) and "link_threshold must be in (0, 1]" in str(info.value)
