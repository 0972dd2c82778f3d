"""``ocr-studio split`` on real files: pages written, messages and exit codes."""

from __future__ import annotations

import numpy as np
from PIL import Image

from ocr_core.cli.main import main


def _tiff(path, n):
    frames = [Image.fromarray(np.full((30, 40), 40 * k, np.uint8)) for k in range(n)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


def test_split_writes_each_file_s_pages_next_to_it(tmp_path, capsys):
    a, b = _tiff(tmp_path / "a.tif", 3), _tiff(tmp_path / "b.tif", 2)
    assert main(["split", str(a), str(b), "--pages", "2-3"]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "a.tif.pages").glob("*.png")) == ["a-p002.png", "a-p003.png"]
    assert [p.name for p in (tmp_path / "b.tif.pages").glob("*.png")] == ["b-p002.png"]
    assert "2 page(s)" in out and "1 page(s)" in out
    assert main(["split", str(a)]) == 0
    assert "1 written, 2 already there, kept" in capsys.readouterr().out


def test_split_reports_bad_input_and_carries_on(tmp_path, capsys):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    good = _tiff(tmp_path / "good.tif", 2)
    assert main(["split", str(broken), str(good)]) == 1
    captured = capsys.readouterr()
    assert "broken.pdf" in captured.err and "not a readable PDF" in captured.err and "Traceback" not in captured.err
    assert len(list((tmp_path / "good.tif.pages").glob("*.png"))) == 2


def test_split_out_takes_one_file(tmp_path, capsys):
    a, b = _tiff(tmp_path / "a.tif", 2), _tiff(tmp_path / "b.tif", 2)
    assert main(["split", str(a), str(b), "--out", str(tmp_path / "o")]) == 2
    assert "--out takes one input file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    assert main(["split", str(a), "--out", str(tmp_path / "o")]) == 0
    assert len(list((tmp_path / "o").glob("*.png"))) == 2
