"""Model tests: make the numpy reference helpers next to this file importable."""

from __future__ import annotations

import sys
from pathlib import Path

# The suite runs with --import-mode=importlib: make the helpers module next to this file importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))
