"""Plain text in reading order (write only): one line of text per :class:`~ocr_core.document.Line`.

Ignored (``###``) words are left out. A folder gets ``<image stem>.txt`` per page; a ``.txt`` file gets
every page, separated by a form feed (``\\f``) line as Tesseract does. Plain text has no geometry, so it
cannot be read as annotations; :func:`read_transcriptions` reads it as a list of transcriptions.

>>> from ocr_core.document import Page, Line, Word
>>> page = Page(20, 10, [Line([Word([[0, 0], [9, 0], [9, 5], [0, 5]], "hello"),
...                          Word([[10, 0], [19, 0], [19, 5], [10, 5]], "###")])])
>>> TextCodec.page_text(page)
'hello'
"""

from __future__ import annotations

from pathlib import Path

from ocr_core.atomic import atomic_write_text
from ocr_core.document import Page
from ocr_core.formats._common import check_unique, format_error, page_name, read_text, text_lines

__all__ = ["TextCodec", "read_transcriptions"]

PAGE_SEPARATOR = "\f\n"


def read_transcriptions(path: Path) -> list[str]:
    """The non-empty lines of a UTF-8 text file (BOM dropped), e.g. ground truth for recognition."""
    return [line.strip() for line in text_lines(read_text(Path(path))) if line.strip()]


class TextCodec:
    """Writes plain text; reading raises a clear error (no geometry)."""

    name = "text"
    description = "plain text in reading order, one line per text line (write only)"
    can_read = False
    can_write = True

    @staticmethod
    def page_text(page: Page) -> str:
        """The page's legible words, line by line, words separated by spaces."""
        rows = [" ".join(w.text for w in line.words if not w.ignore and w.text) for line in page.lines]
        return "\n".join(r for r in rows if r)

    def read(self, path: Path, *, images_dir: Path | None = None) -> list:
        raise format_error(path, "plain text has no box geometry, so it cannot be read as annotations; "
                                 "use ocr_core.formats.text.read_transcriptions() for a list of transcriptions")

    def write(self, pages: list[Page], out: Path, *, images_dir: Path | None = None) -> list[Path]:
        """Write ``out`` (a ``.txt`` file: all pages) or ``<stem>.txt`` per page into the folder ``out``."""
        out = Path(out)
        if out.suffix.lower() == ".txt":
            text = PAGE_SEPARATOR.join(self.page_text(p) + "\n" for p in pages)
            atomic_write_text(out, text)
            return [out]
        targets = [out / f"{page_name(p, i)}.txt" for i, p in enumerate(pages)]
        check_unique(targets)
        for page, target in zip(pages, targets):
            body = self.page_text(page)
            atomic_write_text(target, body + "\n" if body else "")
        return targets
