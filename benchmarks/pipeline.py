"""Inference speed and memory on this machine's CPU (or GPU when TensorFlow sees one).

Prints, for the lite and full model variants:
- detector forward throughput at 640x640 (keras-ocr's full CRAFT: about 1 s here),
- recognizer throughput in crops/s (target for lite: >= 100 crops/s), plain and with the default dictionary,
  and the time to load that dictionary,
- end-to-end latency of the pipeline at 640x480, 1280x720 and 4000x3000 (target, lite at 1280x720: < 1.5 s),
- peak resident memory of each end-to-end run (target < 1.5 GB), each run in its own process.

Usage: .venv/bin/python benchmarks/pipeline.py [--variants lite full] [--repeats 3]
Bundled models are used when present (they give realistic box counts); otherwise untrained models.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
SIZES = [(640, 480), (1280, 720), (4000, 3000)]


def _test_image(width: int, height: int):
    import cv2
    import numpy as np

    from ocr_core.imageio import read_image

    sample = read_image(ROOT / "resources" / "samples" / "sample.png")
    return np.ascontiguousarray(cv2.resize(sample, (width, height), interpolation=cv2.INTER_AREA))


def _build(variant: str):
    from ocr_core.detection import Detector
    from ocr_core.recognition import Recognizer
    from ocr_core.weights import list_models

    bundled = {s.name for s in list_models()}
    if variant == "lite" and {"craft_lite", "crnn_lite"} <= bundled:
        return Detector(optimizer=None), Recognizer(), "bundled weights"
    detector = Detector(weights=None, variant="lite" if variant == "lite" else "full", optimizer=None)
    recognizer = Recognizer(weights=None, variant="lite" if variant == "lite" else "kurapan")
    return detector, recognizer, "untrained weights"


def _timed(fn, repeats: int) -> float:
    fn()  # warm-up: graph tracing
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def run_one(variant: str, width: int, height: int, repeats: int) -> dict:
    """End-to-end latency for one size (run in a fresh process so peak memory is this run's)."""
    from ocr_core.pipeline import Pipeline

    detector, recognizer, weights = _build(variant)
    pipeline = Pipeline(detector=detector, recognizer=recognizer)
    image = _test_image(width, height)
    words = len(pipeline.recognize_pages([image])[0].words)
    latency = _timed(lambda: pipeline.recognize_pages([image]), repeats)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"variant": variant, "size": f"{width}x{height}", "latency_s": round(latency, 3), "words": words,
            "peak_rss_mb": round(peak_mb), "scale": pipeline.effective_scale, "weights": weights}


def run_components(variant: str, repeats: int) -> dict:
    import numpy as np

    detector, recognizer, weights = _build(variant)
    batch = detector.compute_input(np.zeros((1, 640, 640, 3), dtype=np.uint8))
    det_s = _timed(lambda: detector.model.predict_on_batch(batch), repeats)
    det32_s = det_s
    if detector.precision != "float32":  # the same weights in float32, for comparison
        from ocr_core.detection import Detector

        d32 = Detector(weights=None, variant=detector.variant, optimizer=None, precision="float32")
        d32.model.set_weights(detector.model.get_weights())
        det32_s = _timed(lambda: d32.model.predict_on_batch(batch), repeats)
    vgg_s = None
    if variant == "full":  # the floor for any float32 CRAFT: its VGG16 convolutions alone (keras.applications)
        import keras

        vgg = keras.applications.VGG16(include_top=False, weights=None, input_shape=(640, 640, 3))
        vgg_s = _timed(lambda: vgg.predict_on_batch(batch), repeats)
    rng = np.random.default_rng(0)
    crops = [rng.integers(0, 255, (32, int(rng.integers(40, 200)), 3), dtype=np.uint8) for _ in range(256)]
    rec_s = _timed(lambda: recognizer.recognize_crops(crops), max(1, repeats // 2))
    # The dictionary the app and the command line read with by default (ADR 0016): loading it with its index,
    # once per process, and reading the same crops with it (random crops: every reading is a near-miss search).
    from ocr_core.postprocess.lexicon import load_lexicon

    started = time.perf_counter()
    lexicon = load_lexicon("auto")
    assert lexicon is not None
    lexicon.prepare()
    lexicon_load_s = time.perf_counter() - started
    rec_lex_s = _timed(lambda: recognizer.recognize_crops(crops, lexicon=lexicon), max(1, repeats // 2))
    return {"lexicon_words": len(lexicon), "lexicon_load_s": round(lexicon_load_s, 2),
            "recognizer_crops_per_s_dictionary": round(len(crops) / rec_lex_s, 1),
            "variant": variant, "detector_640x640_s": round(det_s, 3), "detector_precision": detector.precision,
            "detector_640x640_float32_s": round(det32_s, 3), "vgg16_convs_640x640_float32_s": vgg_s and round(vgg_s, 3), "detector_params": detector.model.count_params(),
            "recognizer_crops_per_s": round(len(crops) / rec_s, 1),
            "recognizer_params": recognizer.model.count_params(), "weights": weights}


def run_memory(variant: str, count: int) -> dict:
    """Recognize ``count`` images of varying sizes in one stream; resident memory sampled along the way."""
    import numpy as np

    from ocr_core.pipeline import Pipeline

    detector, recognizer, weights = _build(variant)
    pipeline = Pipeline(detector=detector, recognizer=recognizer)
    rng = np.random.default_rng(0)

    def images():
        for _ in range(count):
            w, h = int(rng.integers(300, 1400)), int(rng.integers(200, 1000))
            yield _test_image(w, h)

    samples = []
    for i, _ in enumerate(pipeline.iter_pages(images())):
        if i % max(1, count // 10) == 0 or i == count - 1:
            with open("/proc/self/status") as fh:
                rss = next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))
            samples.append((i + 1, round(rss / 1024)))
    return {"variant": variant, "images": count, "rss_mb": samples, "weights": weights}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", nargs="+", default=["lite", "full"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", nargs=3, metavar=("VARIANT", "WIDTH", "HEIGHT"), help=argparse.SUPPRESS)
    parser.add_argument("--components", metavar="VARIANT", help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=int, default=0, metavar="N",
                        help="instead: stream N images of varying sizes and print resident memory along the way")
    args = parser.parse_args()
    from ocr_core.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()  # TensorFlow's loading notices stay off the figures
    if args.memory:
        result = run_memory(args.variants[0], args.memory)
        print(f"[{result['variant']}] {result['images']} images ({result['weights']}); resident memory (MB) after n images:")
        print("  " + ", ".join(f"{n}: {mb}" for n, mb in result["rss_mb"]))
        return
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]), int(args.one[2]), args.repeats)))
        return
    if args.components:
        print(json.dumps(run_components(args.components, args.repeats)))
        return

    def child(*extra: str) -> dict:
        out = subprocess.run([sys.executable, __file__, "--repeats", str(args.repeats), *extra],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    print(f"CPU cores: {os.cpu_count()}")
    for variant in args.variants:
        comp = child("--components", variant)
        print(f"\n[{variant}] ({comp['weights']})")
        print(f"  detector: {comp['detector_params'] / 1e6:.2f}M params, forward 640x640 {comp['detector_640x640_s']:.3f} s "
              f"({comp['detector_precision']}; float32 {comp['detector_640x640_float32_s']:.3f} s)")
        if comp.get("vgg16_convs_640x640_float32_s"):
            print(f"  reference: keras.applications VGG16 convolutions alone, float32, 640x640 "
                  f"{comp['vgg16_convs_640x640_float32_s']:.3f} s")
        print(f"  recognizer: {comp['recognizer_params'] / 1e6:.2f}M params, {comp['recognizer_crops_per_s']:.0f} crops/s; "
              f"with the dictionary {comp['recognizer_crops_per_s_dictionary']:.0f} crops/s "
              f"({comp['lexicon_words']} words, loaded with its index in {comp['lexicon_load_s']:.2f} s)")
        for width, height in SIZES:
            r = child("--one", variant, str(width), str(height))
            print(f"  end-to-end {r['size']:>9} (scale {r['scale']:g}): {r['latency_s']:.2f} s, {r['words']} words, "
                  f"peak RSS {r['peak_rss_mb']} MB")
    print("\nTargets (2 cores): lite 1280x720 end-to-end < 1.5 s; full CRAFT 640x640 <= ~1 s; "
          "lite recognizer >= 100 crops/s; peak memory < 1.5 GB.")


if __name__ == "__main__":
    main()
