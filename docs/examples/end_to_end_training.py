"""The keras-ocr end-to-end training notebook, cell by cell, on OCR Studio (Keras 3).

Same flow as the seed notebook (docs: /work/shared/docs/seed-notebook.md), with ``import ocr_core as keras_ocr``,
``model.fit`` instead of ``fit_generator`` and small sizes so it finishes in a few minutes on a CPU::

    .venv/bin/python docs/examples/end_to_end_training.py --out /tmp/e2e

Differences from the notebook: no pretrained weights are downloaded (``weights=None`` builds untrained models,
or pass ``--detector-weights``/``--recognizer-weights`` with a model name or folder), the lite architectures
are used, and the checkpoints are Keras 3 ``.weights.h5`` files. For real training runs use
``ocr-studio train`` (the same runner with progress, resume and atomic checkpoints).
"""

from __future__ import annotations

import argparse
import math
import os
import string
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="runs/end_to_end", help="where checkpoints and logs go")
    parser.add_argument("--size", type=int, default=256, help="synthetic page side (the notebook uses 640)")
    parser.add_argument("--steps", type=int, default=10, help="steps per epoch (the notebook: one per background)")
    parser.add_argument("--detector-weights", default=None, help="start the detector from this model")
    parser.add_argument("--recognizer-weights", default=None, help="start the recognizer from this model")
    args = parser.parse_args()

    import keras

    import ocr_core as keras_ocr

    data_dir = args.out
    os.makedirs(data_dir, exist_ok=True)

    # --- Generating synthetic data -------------------------------------------------------------------
    alphabet = string.digits + string.ascii_letters + "!?. "
    recognizer_alphabet = "".join(sorted(set(alphabet.lower()) - {" "}))
    fonts = keras_ocr.data_generation.get_fonts(alphabet=alphabet.strip())
    backgrounds = keras_ocr.data_generation.get_backgrounds(cache_dir=None)

    text_generator = keras_ocr.data_generation.get_text_generator(alphabet=alphabet)
    print("The first generated text is:", next(text_generator))

    # Train / validation / test generators use separate fonts (by family) and backgrounds, as the notebook did.
    splits = keras_ocr.data_generation.split_fonts_and_backgrounds(fonts, backgrounds)
    # One text generator per image generator: Keras 3 reads training and validation data from different
    # threads, and a Python generator cannot be advanced from two threads at once.
    image_generators = [
        keras_ocr.data_generation.get_image_generator(
            height=args.size,
            width=args.size,
            text_generator=keras_ocr.data_generation.get_text_generator(alphabet=alphabet, seed=seed),
            font_groups={alphabet: current_fonts},
            backgrounds=current_backgrounds,
            font_size=(args.size // 12, args.size // 5),
            margin=args.size // 12,
            rotationX=(-0.05, 0.05),
            rotationY=(-0.05, 0.05),
            rotationZ=(-15, 15),
            seed=seed,
        )
        for seed, (current_fonts, current_backgrounds) in enumerate(splits)
    ]
    image, lines = next(image_generators[1])
    print("The first generated validation image contains:",
          keras_ocr.data_generation.convert_lines_to_paragraph(lines))

    # --- Models --------------------------------------------------------------------------------------
    detector = keras_ocr.detection.Detector(weights=args.detector_weights, variant="lite")
    recognizer = keras_ocr.recognition.Recognizer(alphabet=recognizer_alphabet, weights=args.recognizer_weights,
                                                  variant="lite")
    recognizer.compile()
    if args.recognizer_weights:
        for layer in recognizer.backbone.layers:  # fine-tune the top only, as the notebook did
            layer.trainable = False

    # --- Train the detector --------------------------------------------------------------------------
    detector_batch_size = 2
    detector_basepath = os.path.join(data_dir, "detector")
    detection_train_generator, detection_val_generator, _ = [
        detector.get_batch_generator(image_generator=image_generator, batch_size=detector_batch_size)
        for image_generator in image_generators
    ]
    detector.model.fit(
        detection_train_generator,
        steps_per_epoch=args.steps,
        epochs=2,
        callbacks=[
            keras.callbacks.EarlyStopping(restore_best_weights=True, patience=5),
            keras.callbacks.CSVLogger(f"{detector_basepath}.csv"),
            keras.callbacks.ModelCheckpoint(filepath=f"{detector_basepath}.weights.h5", save_weights_only=True),
        ],
        validation_data=detection_val_generator,
        validation_steps=max(1, args.steps // 5),
    )

    # --- Train the recognizer ------------------------------------------------------------------------
    max_length = 10
    recognition_image_generators = [
        keras_ocr.data_generation.convert_image_generator_to_recognizer_input(
            image_generator=image_generator,
            max_string_length=min(recognizer.training_model.input_shape[1][1], max_length),
            target_width=recognizer.model.input_shape[2],
            target_height=recognizer.model.input_shape[1],
            margin=1,
        )
        for image_generator in image_generators
    ]
    image, text = next(recognition_image_generators[1])
    print("This recognizer training image contains:", text)

    recognition_batch_size = 16
    recognizer_basepath = os.path.join(data_dir, "recognizer")
    recognition_train_generator, recognition_val_generator, _ = [
        recognizer.get_batch_generator(image_generator=image_generator, batch_size=recognition_batch_size,
                                       lowercase=True)
        for image_generator in recognition_image_generators
    ]
    recognizer.training_model.fit(
        recognition_train_generator,
        epochs=2,
        steps_per_epoch=math.ceil(args.steps * 4),
        callbacks=[
            keras.callbacks.EarlyStopping(restore_best_weights=True, patience=25),
            keras.callbacks.CSVLogger(f"{recognizer_basepath}.csv", append=True),
            keras.callbacks.ModelCheckpoint(filepath=f"{recognizer_basepath}.weights.h5", save_weights_only=True),
        ],
        validation_data=recognition_val_generator,
        validation_steps=max(1, args.steps // 2),
    )

    # --- Use the models ------------------------------------------------------------------------------
    pipeline = keras_ocr.pipeline.Pipeline(detector=detector, recognizer=recognizer)
    image, lines = next(image_generators[0])
    predictions = pipeline.recognize(images=[image])[0]
    print("Actual:", "\n".join(" ".join(character for _, character in line) for line in lines))
    print("Predicted:", [text for text, box in predictions])
    drawn = keras_ocr.tools.drawBoxes(image=image, boxes=predictions, boxes_format="predictions")
    from ocr_core.imageio import write_image

    write_image(os.path.join(data_dir, "predictions.png"), drawn)
    print(f"checkpoints and logs in {data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
