"""The engine and its scripts import no TensorFlow, PyTorch or JAX when a module loads.

Each framework is imported inside the function that needs it, after a ``keras.backend.backend()`` check, so
``KERAS_BACKEND=jax`` or ``torch`` trains on a machine without TensorFlow (README, "Training with JAX or
PyTorch"). CI has only TensorFlow, so this reads the sources instead of importing them under another backend.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("tensorflow", "torch", "jax", "jaxlib")
SOURCES = sorted([*(REPO / "ocr_core").rglob("*.py"), *(REPO / "packaging").glob("*.py"),
                  *(REPO / "docs" / "examples").glob("*.py")])


def import_time_modules(tree: ast.Module) -> list[tuple[int, str]]:
    """``(line, module)`` of every import that runs when the module loads: outside function bodies (class
    bodies and top-level ``if``/``try``/``with`` blocks run at import time too)."""
    found: list[tuple[int, str]] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(node, ast.Import):
                found.extend((node.lineno, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((node.lineno, node.module))
            for field in ("body", "orelse", "finalbody", "handlers"):
                visit(getattr(node, field, []))

    visit(tree.body)
    return found


def test_the_check_sees_imports_at_module_level_and_in_blocks():
    tree = ast.parse("import os\nif True:\n    import torch\ntry:\n    from jax import numpy\nexcept ImportError:\n"
                     "    import tensorflow as tf\nclass A:\n    import jaxlib\ndef f():\n    import tensorflow\n")
    assert [m for _, m in import_time_modules(tree)] == ["os", "torch", "jax", "tensorflow", "jaxlib"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_framework_import_at_module_level(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [f"line {line}: {module}" for line, module in import_time_modules(tree)
           if module.split(".")[0] in FRAMEWORKS]
    assert not bad, f"{path.relative_to(REPO)} imports a backend framework at import time ({bad}); import it " \
                    "inside the function that needs it, after checking keras.backend.backend()"
