"""Copy a trained run's model into resources/models/<name>/ as a bundled default model.

Keeps only what inference needs (model weights, no optimizer state), checks that the weights load into the
architecture the spec names, records the recommended detection scale and extra metrics, and writes the folder
with ``ocr_core.weights.save_model_dir`` (hash recorded, crash-safe).

Usage:
    .venv/bin/python packaging/bundle_model.py runs/craft_lite --name craft_lite --scale 1.5 \
        --metric realdata_dev_detection_f1=0.41
    .venv/bin/python packaging/bundle_model.py runs/crnn_latin --name crnn_lite --average 8 --min-confidence 0.05
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr_core.cli.options import add_detection_options, add_min_confidence_option, detection_overrides  # noqa: E402


def strip_optimizer(src: Path, dst: Path) -> None:
    """Copy a Keras 3 ``.weights.h5`` file without its ``optimizer`` group."""
    import h5py

    with h5py.File(src, "r") as fin, h5py.File(dst, "w") as fout:
        for key, value in fin.attrs.items():
            fout.attrs[key] = value
        for key in fin:
            if key != "optimizer":
                fin.copy(key, fout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="run folder written by the training runner (has model.json)")
    parser.add_argument("--name", required=True)
    parser.add_argument("--scale", type=float, default=None, help="detector: recommended upscaling")
    parser.add_argument("--description", default=None)
    add_detection_options(parser)  # detector: thresholds chosen for these weights, kept in model.json
    add_min_confidence_option(parser)  # recognizer: the confidence below which pages drop words
    parser.add_argument("--average", type=int, default=0, metavar="N",
                        help="bundle the mean of the run's last N kept epochs (TrainConfig.keep_epochs) "
                             "instead of its best checkpoint")
    parser.add_argument("--average-files", nargs="+", type=Path, default=None, metavar="FILE",
                        help="bundle the mean of these weights files of the same model")
    parser.add_argument("--metric", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "models")
    args = parser.parse_args()
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures

    from ocr_core.errors import OcrError
    from ocr_core.weights import ModelSpec, resolve_model, save_model_dir

    try:
        spec, weights = resolve_model(args.run)
    except OcrError as exc:  # e.g. a run that has not finished an epoch yet
        print(f"bundle_model: {exc}", file=sys.stderr)
        return 1
    data = json.loads(spec.to_json())
    if spec.kind == "recognizer" and not spec.build_params:
        from ocr_core.models.crnn import CRNN_VARIANTS

        variant = "kurapan" if spec.architecture == "crnn_kurapan" else "lite"
        data["build_params"] = dict(CRNN_VARIANTS[variant])
    if args.scale is not None:
        data["input_spec"] = {**data["input_spec"], "scale": args.scale}
    chosen = detection_overrides(args)
    if chosen:
        if spec.kind != "detector":
            parser.error("detection thresholds only apply to a detector")
        data["postprocess"] = {**data.get("postprocess", {}), **chosen}
    if args.min_confidence is not None:
        if spec.kind != "recognizer":
            parser.error("--min-confidence only applies to a recognizer")
        data["postprocess"] = {**data.get("postprocess", {}), "min_confidence": args.min_confidence}
    if args.weak_min_confidence is not None:
        if spec.kind != "recognizer":
            parser.error("--weak-min-confidence only applies to a recognizer")
        data["postprocess"] = {**data.get("postprocess", {}), "weak_min_confidence": args.weak_min_confidence}
    for item in args.metric:
        key, _, value = item.partition("=")
        data["metrics"][key] = float(value)
    data["name"] = args.name
    data["weights_file"] = f"{args.name}.weights.h5"
    data["description"] = args.description or (
        f"OCR Studio default {spec.kind} ({spec.architecture}), trained by this project on its own synthetic data")
    new_spec = ModelSpec.from_dict(data)
    out = args.out / args.name
    staging = args.out / f".{args.name}.new"
    shutil.rmtree(staging, ignore_errors=True)
    averaged = list(args.average_files or [])
    if args.average:
        from ocr_core.training.checkpoints import CheckpointPaths

        kept = CheckpointPaths(args.run).kept_epochs()
        if len(kept) < args.average:
            parser.error(f"--average {args.average}: {args.run} keeps only {len(kept)} epoch(s)")
        averaged = kept[-args.average:]
    with tempfile.TemporaryDirectory() as tmp:
        clean = Path(tmp) / "clean.weights.h5"
        if averaged:
            from ocr_core.errors import OcrError
            from ocr_core.training.averaging import average_weight_files

            try:
                average_weight_files(averaged, Path(tmp) / "mean.weights.h5")
            except OcrError as exc:
                parser.error(str(exc))
            weights = Path(tmp) / "mean.weights.h5"
            # the run's best-checkpoint loss and epoch describe other weights: keep only the figures given here
            numbers = [int(m.group(1)) for p in averaged if (m := re.search(r"(?:epoch-|_e)(\d+)", p.name))]
            training = {**new_spec.training, "averaged": [p.name for p in averaged]}
            if numbers:
                training["epochs"] = max(numbers)
                training.pop("steps", None)
            new_spec = new_spec.with_(training=training, metrics={
                k: v for k, v in new_spec.metrics.items() if k not in ("loss", "val_loss", "best_epoch",
                                                                       "learning_rate")})
            print(f"averaging {len(averaged)} checkpoints: {', '.join(p.name for p in averaged)}")
        strip_optimizer(weights, clean)
        save_model_dir(new_spec, clean, staging)  # a fresh folder: the weights keep their plain name
    shutil.rmtree(out, ignore_errors=True)
    os.replace(staging, out)
    # check: the bundled folder loads into the engine class
    if spec.kind == "detector":
        from ocr_core.detection import Detector

        Detector(weights=str(out), optimizer=None)
    else:
        from ocr_core.recognition import Recognizer

        Recognizer(weights=str(out))
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"bundled {args.name} from {args.run} into {out} ({size:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
