"""Post-processing in plain numpy/OpenCV: CRAFT score maps -> word boxes, CTC decoding (optionally with a lexicon).

No Keras or TensorFlow here, so the model outputs of any backend (or of ONNX/TFLite exports)
can be decoded the same way.
"""

from __future__ import annotations

from ocr_core.postprocess.ctc import ctc_beam_search_decode, ctc_greedy_decode
from ocr_core.postprocess.detection import score_maps_to_boxes
from ocr_core.postprocess.lexicon import Lexicon, lexicon_decode, load_lexicon

__all__ = ["score_maps_to_boxes", "ctc_greedy_decode", "ctc_beam_search_decode", "Lexicon", "lexicon_decode",
           "load_lexicon"]
