"""``train --resume`` takes the settings not given again from the run (``train_config.json``), ``--init`` included,
and a model setting given that differs is named, with both values, not the whole configuration."""

import argparse
import json
import shutil

import pytest

from ocr_core.cli import train as train_cli

from .conftest import ALPHABET, TINY_CRNN, fake_crop_generator

pytestmark = pytest.mark.slow


def run_cli(*argv):
    parser = argparse.ArgumentParser()
    train_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "recognizer", *argv, "--quiet"])
    return args.func(args)


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """A tiny init model (its own alphabet, not the default one), and a one-epoch CLI run started from it."""
    mp = pytest.MonkeyPatch()
    import ocr_core.synth as synth

    mp.setattr(synth, "get_training_fonts", lambda alphabet, cache_dir=None, **k: ["fake.ttf"], raising=False)
    mp.setattr(synth, "get_backgrounds", lambda cache_dir=None, **k: [], raising=False)
    mp.setattr(synth, "get_crop_generator", fake_crop_generator, raising=False)
    from ocr_core.training import TrainConfig, train

    root = tmp_path_factory.mktemp("resume")
    train(TrainConfig(task="recognizer", data=["synthetic:64"], alphabet=ALPHABET, epochs=1, batch_size=4,
                      steps_per_epoch=2, validation_steps=1, build_params=TINY_CRNN, out_dir=root / "init",
                      run_eagerly=True, workers=1, patience=0))
    assert run_cli("--init", str(root / "init"), "--data", "synthetic:64", "--out", str(root / "tr1"), "--epochs", "1",
                   "--steps-per-epoch", "2", "--batch-size", "4", "--validation-steps", "1", "--workers", "1") == 0
    yield root
    mp.undo()


def copy_run(started, tmp_path):
    shutil.copytree(started / "tr1", tmp_path / "tr1")
    return tmp_path / "tr1"


def test_resume_takes_init_and_the_other_settings_from_the_run(started, tmp_path, capsys):
    run = copy_run(started, tmp_path)
    capsys.readouterr()
    assert run_cli("--out", str(run), "--resume", "--epochs", "2", "--workers", "1") == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert f"--init {started / 'init'}" in err and "--steps-per-epoch 2" in err and "--batch-size 4" in err
    assert "--epochs" not in err.split("resume: from the run:")[1].splitlines()[0]  # given again: not taken
    config = json.loads((run / "train_config.json").read_text("utf-8"))
    assert config["init"] == str(started / "init") and config["epochs"] == 2 and config["steps_per_epoch"] == 2
    spec = json.loads((run / "model.json").read_text("utf-8"))
    assert spec["alphabet"] == ALPHABET and spec["training"]["epochs"] == 2 and spec["training"]["steps"] == 4


def test_a_setting_given_that_differs_names_only_that_setting(started, tmp_path, capsys):
    run = copy_run(started, tmp_path)
    capsys.readouterr()
    assert run_cli("--out", str(run), "--resume", "--epochs", "2", "--alphabet", ALPHABET + "k") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("resume: from the run:"), err  # what was taken, then the error
    assert f"other settings: alphabet: {ALPHABET!r} in the run, {ALPHABET + 'k'!r} now." in err[1]
    assert "build_params" not in err[1] and "variant" not in err[1] and "filters" not in err[1]


def test_a_run_whose_init_is_gone_resumes_from_its_checkpoint(started, tmp_path, capsys):
    run = copy_run(started, tmp_path)
    config = json.loads((run / "train_config.json").read_text("utf-8"))
    config["init"] = str(tmp_path / "moved-away")
    (run / "train_config.json").write_text(json.dumps(config), "utf-8")
    capsys.readouterr()
    assert run_cli("--out", str(run), "--resume", "--epochs", "2", "--workers", "1") == 0, capsys.readouterr().err
    assert "cannot be found any more" in capsys.readouterr().err
    assert json.loads((run / "model.json").read_text("utf-8"))["alphabet"] == ALPHABET


def test_a_run_started_with_relative_paths_resumes_from_another_folder(started, tmp_path, monkeypatch, capsys):
    from .test_word_crop_data import write_crops

    monkeypatch.chdir(started)
    write_crops(started / "words")
    assert run_cli("--init", "init", "--data", "words", "--data", "synthetic:16", "--out", str(tmp_path / "tr2"),
                   "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "4", "--validation-steps", "1",
                   "--workers", "1", "--no-augment") == 0, capsys.readouterr().err
    config = json.loads((tmp_path / "tr2" / "train_config.json").read_text("utf-8"))
    assert config["init"] == str(started / "init") and config["data"] == [str(started / "words"), "synthetic:16"]
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert run_cli("--out", "tr2", "--resume", "--epochs", "2", "--workers", "1", "--augment",
                   "--steps-per-epoch", "0") == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "cannot be found any more" not in err, err
    assert f"--init {started / 'init'}" in err and f"--data {started / 'words'} --data synthetic:16" in err, err
    config = json.loads((tmp_path / "tr2" / "train_config.json").read_text("utf-8"))
    assert config["augment"] and config["steps_per_epoch"] is None and config["epochs"] == 2
    spec = json.loads((tmp_path / "tr2" / "model.json").read_text("utf-8"))
    assert spec["training"]["steps"] > 4  # the second epoch's steps were counted, not the run's 2


def test_every_run_setting_defaults_to_none_so_a_resume_can_tell_it_was_not_given():
    parser = argparse.ArgumentParser()
    train_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["train", "recognizer"])
    assert {k: getattr(args, k) for k in train_cli.RUN_SETTINGS if getattr(args, k) is not None} == {}
    config = train_cli.config_from_args(args)  # a new run gets the defaults
    assert (config.epochs, config.patience, config.batch_size, config.variant, config.seed) == (10, 5, 8, "lite", 0)
    assert config.data == ["synthetic"] and not config.freeze_backbone and config.augment


def test_identity_differences_name_keys_and_both_values():
    from ocr_core.training.runner import identity_differences

    run = {"task": "recognizer", "variant": "lite", "build_params": {"filters": [4, 8], "rnn_units": [8, 8]},
           "alphabet": "abcdefghijklmnopqrstuvwxyz0123456789"}
    now = {"task": "recognizer", "variant": "lite", "build_params": {"filters": [4, 8], "rnn_units": [4, 4]},
           "alphabet": "abcdefghijklmnopqrstuvwxyz012345678éü"}
    assert identity_differences(run, now) == [
        "build_params.rnn_units: [8, 8] in the run, [4, 4] now",
        "alphabet: 36 characters in the run, 37 now, only in the run: '9', only now: 'éü'",
    ]
    assert identity_differences(run, run) == []
