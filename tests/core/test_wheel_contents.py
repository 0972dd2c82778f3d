"""The wheel (`pip install .`) carries the engine, the app, the console script and the resources.

Builds a wheel from a copy of the source tree (never in the checkout itself), then checks its file list and
that ``ocr_core.paths`` finds the sample image and the bundled models inside the unpacked wheel.
See docs/adr/0007-packaging.md for how resources/ becomes ``ocr_core/resources`` in the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".git", ".venv", "build", "dist", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache",
             "runs", "work", ".cache", ".whl", ".gl"}

pytestmark = pytest.mark.slow


def _copy_source(dest: Path) -> Path:
    """The files a build would see: git's tracked + untracked-not-ignored files, else a filtered copy."""
    try:
        listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                                capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
    except (OSError, subprocess.SubprocessError):
        listed = []
    if listed and listed != [""]:
        for rel in filter(None, listed):
            src = ROOT / rel
            if src.is_file():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
    else:
        shutil.copytree(ROOT, dest, dirs_exist_ok=True,
                        ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")])
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = _copy_source(tmp_path_factory.mktemp("src"))
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                           "-w", str(out), str(src)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"pip wheel failed:\n{proc.stdout}\n{proc.stderr}"
    (built,) = out.glob("ocr_studio-*.whl")
    return built


@pytest.fixture(scope="module")
def names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_every_module_of_the_engine_and_the_app_is_in_the_wheel(names: set[str]) -> None:
    modules = {p.relative_to(ROOT).as_posix() for pkg in ("ocr_core", "app") for p in (ROOT / pkg).rglob("*.py")
               if "__pycache__" not in p.parts and (p.parent / "__init__.py").is_file()}
    assert "ocr_core/cli/main.py" in modules and "app/cli.py" in modules
    missing = sorted(modules - names)
    assert not missing, f"modules left out of the wheel (a package missing from pyproject.toml?): {missing}"
    assert not any(n.startswith(("tests/", "benchmarks/", "packaging/")) for n in names)


def test_console_script(wheel: Path, names: set[str]) -> None:
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read(entry_points).decode()
    assert "ocr-studio = ocr_core.cli.main:main" in text


def test_resources_are_inside_the_package(names: set[str]) -> None:
    hint = "resources/ is not in the wheel: see the pyproject.toml change in docs/adr/0007-packaging.md"
    assert "ocr_core/resources/samples/sample.png" in names, hint
    assert "ocr_core/resources/icons/ocr-studio.svg" in names
    assert "ocr_core/resources/wordlist.txt" in names
    assert not any(n.startswith("resources/") for n in names), "resources must not land at the top of site-packages"


def test_bundled_models_are_in_the_wheel(names: set[str]) -> None:
    for spec_path in sorted((ROOT / "resources" / "models").glob("*/model.json")):
        folder = f"ocr_core/resources/models/{spec_path.parent.name}"
        assert f"{folder}/model.json" in names
        weights = json.loads(spec_path.read_text(encoding="utf-8"))["weights_file"]
        if (spec_path.parent / weights).is_file():
            assert f"{folder}/{weights}" in names


def test_installed_layout_finds_the_resources(wheel: Path, tmp_path: Path) -> None:
    """Unpack the wheel and ask ocr_core.paths (imported from there, not the checkout) where things are."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = ("import json, ocr_core, ocr_core.paths as p, ocr_core.weights as w; print(json.dumps({"
            "'package': ocr_core.__file__, 'resources': str(p.resources_dir()), "
            "'sample': p.sample_image_path().is_file(), 'models': sorted(m.name for m in w.list_models())}))")
    env = {**os.environ, "PYTHONPATH": str(site), "OCR_STUDIO_CACHE_DIR": str(tmp_path / "cache"),
           "KERAS_OCR_CACHE_DIR": str(tmp_path / "keras-ocr")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert Path(found["package"]).is_relative_to(site)
    assert Path(found["resources"]) == site / "ocr_core" / "resources"
    assert found["sample"] is True
    bundled = sorted(json.loads(p.read_text(encoding="utf-8"))["name"]
                     for p in (ROOT / "resources" / "models").glob("*/model.json"))
    assert found["models"] == bundled
