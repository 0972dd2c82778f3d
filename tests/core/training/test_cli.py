import argparse
import json

import pytest

from ocr_core.cli import evaluate as eval_cli
from ocr_core.cli import train as train_cli

from .conftest import write_icdar_folder


def parse(module, argv):
    parser = argparse.ArgumentParser()
    module.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_the_recorded_configuration_names_local_paths_absolutely(tmp_path, monkeypatch):
    """``train_config.json`` (``TrainConfig.to_dict``) is what ``--resume`` reads, maybe from another folder."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "words").mkdir()
    (tmp_path / "pages").mkdir()
    (tmp_path / "init").mkdir()
    args = parse(train_cli, ["train", "recognizer", "--data", "words", "--data", "pages:icdar2015", "--data",
                             "synthetic:100", "--data", "gone:crops", "--val-data", "words", "--init", "init",
                             "--cache-dir", "cache"])
    recorded = train_cli.config_from_args(args).to_dict()
    assert recorded["data"] == [str(tmp_path / "words"), f"{tmp_path / 'pages'}:icdar2015", "synthetic:100",
                                "gone:crops"]
    assert recorded["validation_data"] == [str(tmp_path / "words")]
    assert recorded["init"] == str(tmp_path / "init") and recorded["cache_dir"] == str(tmp_path / "cache")
    named = train_cli.config_from_args(parse(train_cli, ["train", "recognizer", "--init", "crnn_lite"])).to_dict()
    assert named["init"] == "crnn_lite" and named["data"] == ["synthetic"]  # a model name stays a name


def test_a_resume_can_switch_recorded_flags_back():
    recorded = {"no_augment": True, "no_weak_supervision": True, "steps_per_epoch": 7, "validation_steps": 3}
    args = parse(train_cli, ["train", "detector", "--resume", "--out", "runs/x", "--augment", "--weak-supervision",
                             "--steps-per-epoch", "0", "--validation-steps", "0"])
    resumed, taken = train_cli.resumed_args(args, recorded, None)
    assert taken == []
    config = train_cli.config_from_args(resumed)
    assert config.augment and config.weak_supervision
    assert config.steps_per_epoch is None and config.validation_steps is None  # 0: automatic again
    kept = train_cli.config_from_args(train_cli.resumed_args(parse(train_cli, ["train", "detector"]), recorded,
                                                             None)[0])
    assert not kept.augment and not kept.weak_supervision and kept.steps_per_epoch == 7


def test_train_arguments_fill_a_config():
    args = parse(train_cli, ["train", "recognizer", "--data", "synthetic:100", "--data", "words:icdar2015",
                             "--epochs", "3", "--patience", "0", "--batch-size", "16", "--lowercase",
                             "--alphabet", "abc", "--lr", "0.01", "--out", "runs/x", "--resume", "--seed", "7",
                             "--freeze-backbone", "--init", "kurapan", "--variant", "kurapan"])
    config = train_cli.config_from_args(args)
    assert config.task == "recognizer" and [str(s) for s in config.sources] == ["synthetic:100", "words:icdar2015"]
    assert (config.epochs, config.patience, config.batch_size, config.learning_rate) == (3, None, 16, 0.01)
    assert config.lowercase and config.freeze_backbone and config.resume and config.seed == 7
    assert config.init == "kurapan" and config.variant == "kurapan" and str(config.out_dir) == "runs/x"
    assert train_cli.config_from_args(parse(train_cli, ["train", "detector"])).sources[0].kind == "synthetic"


def test_train_reports_bad_data_in_one_line(tmp_path, capsys):
    args = parse(train_cli, ["train", "recognizer", "--data", str(tmp_path / "missing"), "--out",
                             str(tmp_path / "out"), "--quiet"])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]


@pytest.mark.parametrize("unreadable", [False, True])
def test_eval_prints_scores_and_writes_json(tmp_path, monkeypatch, capsys, unreadable):
    folder = write_icdar_folder(tmp_path / "data", n=3 if unreadable else 2, size=96)
    from ocr_core.errors import ImageReadError
    from ocr_core.formats import read_annotations

    truth = {p.image_path: p for p in read_annotations(folder, "icdar2015")}
    broken = sorted(truth)[-1] if unreadable else None  # one image that cannot be read: the others are scored

    made = []

    class FakePipeline:
        def __init__(self, detector=None, recognizer=None, scale=None, lexicon=None, min_confidence=None,
                     weak_min_confidence=None):
            self.detector, self.recognizer = detector, recognizer
            made.append((min_confidence, weak_min_confidence))

        def iter_pages(self, images, on_error=None):
            for path in images:
                if path == broken:
                    on_error(path, ImageReadError(f"cannot read image {path}: truncated"))
                    yield path, None
                    continue
                page = truth[path].copy()
                for line in page.lines:
                    line.words = [w for w in line.words if not w.ignore]
                yield path, page

    import ocr_core.detection
    import ocr_core.pipeline
    import ocr_core.recognition

    monkeypatch.setattr(ocr_core.pipeline, "Pipeline", FakePipeline)
    monkeypatch.setattr(ocr_core.detection, "Detector", lambda weights=None, **kwargs: "det")
    monkeypatch.setattr(ocr_core.recognition, "Recognizer", lambda weights=None: "rec")
    out = tmp_path / "scores.json"
    args = parse(eval_cli, ["eval", "--data", f"{folder}:icdar2015", "--json", str(out), "--min-confidence", "0",
                            "--weak-min-confidence", "0.7"])
    assert args.func(args) == (1 if unreadable else 0)
    assert made == [(0.0, 0.7)]  # the confidence floors reach the pipeline
    captured = capsys.readouterr()
    assert "detection" in captured.out and "end-to-end" in captured.out
    data = json.loads(out.read_text())
    assert data["detection"]["f1"] == 1.0 and data["end_to_end"]["f1"] == 1.0 and data["pages"] == 2
    assert data["skipped"] == ([broken] if unreadable else [])
    if unreadable:
        assert "truncated" in captured.err and "1 of 3 images could not be read" in captured.err


def test_eval_rejects_synthetic_data(capsys):
    args = parse(eval_cli, ["eval", "--data", "synthetic"])
    assert args.func(args) == 1
    assert "annotated folder" in capsys.readouterr().err


def test_unwritable_outputs_are_reported_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    folder = write_icdar_folder(tmp_path / "data", n=1, size=64)
    args = parse(eval_cli, ["eval", "--data", f"{folder}:icdar2015", "--recognizer", "/no/such/model",
                            "--json", str(blocker / "scores.json")])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--json" in err[0] and "cannot create the folder" in err[0]  # no model was loaded
    args = parse(train_cli, ["train", "recognizer", "--out", str(blocker / "run"), "--quiet"])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0]


def test_eval_numbers_out_of_range_are_argument_errors(capsys):
    import pytest

    for option in (["--iou", "5"], ["--iou", "0"], ["--limit", "-1"], ["--scale", "0"]):
        with pytest.raises(SystemExit):
            parse(eval_cli, ["eval", "--data", "x", *option])
        assert option[0] in capsys.readouterr().err


def test_resume_without_a_checkpoint_is_an_error_not_a_new_run(tmp_path, capsys):
    args = parse(train_cli, ["train", "recognizer", "--resume", "--out", str(tmp_path / "typo"), "--quiet"])
    assert args.func(args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nothing to resume" in err[0] and not (tmp_path / "typo").exists()
    args = parse(train_cli, ["train", "recognizer", "--resume", "--quiet"])
    assert args.func(args) == 1 and "--out" in capsys.readouterr().err
