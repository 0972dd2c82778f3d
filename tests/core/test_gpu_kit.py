"""``packaging/gpu_kit.py``: the font pick spreads a byte budget over as many families as it can."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gpu_kit():
    spec = importlib.util.spec_from_file_location("gpu_kit", REPO / "packaging" / "gpu_kit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_family_before_a_second_style_and_never_over_budget(gpu_kit, tmp_path, monkeypatch):
    import ocr_core.synth.fonts as fonts

    files = {}
    for family, sizes in {"serif": [300, 100, 200], "sans": [150, 250], "mono": [120], "huge": [2_000_000]}.items():
        for n, size in enumerate(sizes):
            path = tmp_path / f"{family}-{n}.ttf"
            path.write_bytes(b"x" * size)
            files[str(path)] = family
    monkeypatch.setattr(fonts, "font_family", lambda path: files[path])
    chosen = gpu_kit.pick_fonts(list(files), budget=600)
    assert {files[p] for p in chosen} == {"serif", "sans", "mono"}  # the oversized file is never taken
    assert sum(Path(p).stat().st_size for p in chosen) <= 600
    first_round = chosen[:3]
    assert sorted(Path(p).stat().st_size for p in first_round) == [100, 120, 150]  # each family's smallest first
    everything = gpu_kit.pick_fonts(list(files), budget=10_000)
    assert len(everything) == 6
