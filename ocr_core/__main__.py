"""``python -m ocr_core`` runs the ``ocr-studio`` command line."""

import sys

from ocr_core.cli.main import main

sys.exit(main())
