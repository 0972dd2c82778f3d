"""Test-wide settings: quiet TensorFlow, an isolated cache folder, offscreen Qt."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never read or write the developer's real cache or models from tests.
os.environ["OCR_STUDIO_CACHE_DIR"] = tempfile.mkdtemp(prefix="ocr-studio-test-cache-")
os.environ["KERAS_OCR_CACHE_DIR"] = tempfile.mkdtemp(prefix="ocr-studio-test-keras-ocr-")
