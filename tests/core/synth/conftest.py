"""Fixtures for the synthetic-data tests: real DejaVu fonts (skipped when absent) and tiny fonts
built in code with fontTools (a font lacking letters, a picture font of solid boxes)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The suite runs with --import-mode=importlib: make the helpers module next to this file importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth_helpers import DEJAVU, build_font  # noqa: E402


@pytest.fixture(scope="session")
def dejavu_dir() -> Path:
    if not (DEJAVU / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu fonts are not installed (/usr/share/fonts/truetype/dejavu)")
    return DEJAVU


@pytest.fixture(scope="session")
def font_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("font-cache")


@pytest.fixture(scope="session")
def dejavu_fonts(dejavu_dir, font_cache) -> list[str]:
    from synth_helpers import ALPHABET

    from ocr_core.synth.fonts import get_fonts

    return get_fonts(ALPHABET, font_cache, [dejavu_dir], include_system=False)


@pytest.fixture(scope="session")
def sans(dejavu_dir) -> str:
    return str(dejavu_dir / "DejaVuSans.ttf")


@pytest.fixture(scope="session")
def ab_font(tmp_path_factory) -> str:
    """A font that draws only 'a' (a ring), 'b' (an L) and space."""
    folder = tmp_path_factory.mktemp("ab-font")
    return str(build_font(folder / "AbOnly.ttf", {"a": "ring", "b": "ell"}, family="Ab Only"))
