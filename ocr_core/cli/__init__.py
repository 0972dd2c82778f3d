"""Command-line interface: ``ocr-studio recognize|synth|train|eval|convert|gui``."""
