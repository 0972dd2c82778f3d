"""Where the desktop app keeps the user's annotations: studio JSON sidecars with backup, autosave and
recovery, a folder index of done ("checked") marks, and malformed files that are never overwritten.

Layout (see docs/adr/0003-annotation-storage.md)::

    photos/scan.png
    photos/scan.png.ocr.json             the annotation (sidecar mode, the default)
    photos/scan.png.ocr.json.bak         the previous saved version
    photos/scan.png.ocr.json.autosave    unsaved edits (crash recovery)
    photos/.ocr-studio-index.json        checked marks for the file list (a cache of the sidecars)

or, in project mode (read-only image folder, or a folder the user picks)::

    <project>/project.json, <project>/index.json, <project>/annotations/scan.png.ocr.json ...

>>> import tempfile, pathlib
>>> from ocr_core.document import Page
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> store = AnnotationStore(root)
>>> _ = store.save(Page(width=8, height=4, image_path=str(root / "a.png"), checked=True))
>>> store.is_checked(root / "a.png"), store.load(root / "a.png").checked
(True, True)
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from ocr_core.atomic import atomic_write_bytes, atomic_write_text
from ocr_core.document import Page
from ocr_core.errors import AnnotationFormatError, OcrError
from ocr_core.formats._common import IMAGE_EXTENSIONS, image_size, read_text, relative_posix
from ocr_core.formats.studio import SIDECAR_SUFFIX, dumps_page, parse_page_text

__all__ = ["AnnotationStore", "list_images", "default_project_dir", "INDEX_NAME", "PROJECT_FILE"]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]
#: Index of checked marks in an image folder (sidecar mode); ``index.json`` in a project folder.
INDEX_NAME = ".ocr-studio-index.json"
PROJECT_FILE = "project.json"
_INDEX_FORMAT = "ocr-studio-index"
_PROJECT_FORMAT = "ocr-studio-project"


def list_images(root: PathLike, *, recursive: bool = False) -> list[Path]:
    """Image files of a folder, sorted by relative path (hidden files skipped)."""
    root = Path(root)
    found = root.rglob("*") if recursive else root.iterdir()
    images = [p for p in found if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS
              and not any(part.startswith(".") for part in p.relative_to(root).parts)]
    return sorted(images, key=lambda p: p.relative_to(root).as_posix().lower())


def default_project_dir(root: PathLike) -> Path:
    """Where annotations go when the image folder is read-only:
    ``$OCR_STUDIO_DATA_DIR`` or ``$XDG_DATA_HOME/ocr-studio`` or ``~/.local/share/ocr-studio``,
    then ``projects/<folder name>-<hash of its path>``."""
    base = os.environ.get("OCR_STUDIO_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share"), "ocr-studio")
    root = Path(os.path.abspath(root))
    digest = hashlib.sha1(str(root).encode("utf-8")).hexdigest()[:10]
    return Path(base) / "projects" / f"{root.name or 'root'}-{digest}"


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class AnnotationStore:
    """Annotations for the images of a folder, saved as studio JSON sidecars: ``<image>.ocr.json`` next to
    the image by default, or inside a project folder (``<project>/annotations/<relative path>.ocr.json``)
    when the image folder is read-only or the user picks one.

    A malformed sidecar raises :class:`AnnotationFormatError` on :meth:`load` and is never overwritten:
    :meth:`save` raises until it is fixed on disk or moved away with :meth:`set_aside`. A sidecar another
    program changed since this store read or wrote it is kept as ``<name>.outside-<time>`` before a save
    replaces it (:attr:`last_outside_copy`).
    """

    def __init__(self, root: PathLike, *, project_dir: PathLike | None = None, read_only: bool = False) -> None:
        self.root = Path(os.path.abspath(root))
        #: Read annotations, write nothing (``save`` and the like raise :class:`OcrError`; the index stays in memory).
        self.read_only = read_only
        if project_dir is None and self.root.is_dir() and not os.access(self.root, os.W_OK):
            project_dir = default_project_dir(self.root)
            log.info("%s is read-only; annotations go to %s", self.root, project_dir)
        self.project_dir = Path(os.path.abspath(project_dir)) if project_dir is not None else None
        self._blocked: dict[Path, tuple[str, int | None]] = {}  # malformed sidecar -> (why, its mtime)
        self._verified: dict[Path, int | None] = {}  # sidecar -> mtime when this store last read or wrote it
        self._changed_outside: set[Path] = set()
        #: The copy :meth:`save` kept of a sidecar that another program had changed (``None``: it had not).
        self.last_outside_copy: Path | None = None
        self._index: dict[str, dict[str, Any]] | None = None
        self._index_dirty = False

    @classmethod
    def from_project(cls, project_dir: PathLike) -> AnnotationStore:
        """Reopen a project folder written by an earlier session (its ``project.json`` names the images)."""
        project_dir = Path(project_dir)
        manifest = project_dir / PROJECT_FILE
        try:
            data = json.loads(read_text(manifest))
            rel, absolute = data["images_root"], data.get("images_root_absolute")
        except (ValueError, KeyError, TypeError) as exc:
            raise AnnotationFormatError(f"{manifest}: not an OCR Studio project file ({exc})") from exc
        root = project_dir / rel
        if not root.is_dir() and absolute:
            root = Path(absolute)
        return cls(root, project_dir=project_dir)

    # ---- paths ---------------------------------------------------------------------------------------
    def _image(self, image_path: PathLike) -> Path:
        image = Path(image_path)
        return Path(os.path.abspath(image if image.is_absolute() else self.root / image))

    def _key(self, image: Path) -> str:
        return relative_posix(image, self.root)

    def annotation_path(self, image_path: PathLike) -> Path:
        """The sidecar of an image (absolute, or relative to the root folder)."""
        image = self._image(image_path)
        if self.project_dir is None:
            return image.with_name(image.name + SIDECAR_SUFFIX)
        key = self._key(image)
        if key.startswith("../"):
            raise ValueError(f"{image} is outside the project's image folder {self.root}")
        return self.project_dir / "annotations" / f"{key}{SIDECAR_SUFFIX}"

    def autosave_path(self, image_path: PathLike) -> Path:
        path = self.annotation_path(image_path)
        return path.with_name(path.name + ".autosave")

    def backup_path(self, image_path: PathLike) -> Path:
        path = self.annotation_path(image_path)
        return path.with_name(path.name + ".bak")

    @property
    def index_path(self) -> Path:
        return self.project_dir / "index.json" if self.project_dir else self.root / INDEX_NAME

    # ---- load / save ---------------------------------------------------------------------------------
    def load(self, image_path: PathLike) -> Page | None:
        """The saved annotation of an image, ``None`` if it has none.

        Raises :class:`AnnotationFormatError` if the file is malformed (and blocks saving over it).
        """
        image = self._image(image_path)
        path = self.annotation_path(image)
        if not path.exists():
            self._blocked.pop(path, None)
            self._verified[path] = None  # known to be absent: a file that appears later came from elsewhere
            return None
        try:
            page = parse_page_text(read_text(path), path)
        except AnnotationFormatError as exc:
            self._blocked[path] = (str(exc), _mtime_ns(path))
            raise
        self._blocked.pop(path, None)
        self._verified[path] = _mtime_ns(path)
        page.image_path = str(image)
        return page

    def changed_on_disk(self, image_path: PathLike) -> bool:
        """True when the image's annotation file was written, replaced or removed by something else since this store
        last read or wrote it (another program, a sync tool)."""
        path = self.annotation_path(image_path)
        return path in self._verified and _mtime_ns(path) != self._verified[path]

    def is_blocked(self, image_path: PathLike) -> bool:
        """True while the image's sidecar is known to be malformed (saving over it is refused)."""
        return self.annotation_path(image_path) in self._blocked

    def _guard(self, path: Path) -> None:
        """Refuse to replace a sidecar that is (or turns out to be) malformed; a file fixed on disk since
        (new modification time) is checked again."""
        mtime = _mtime_ns(path)
        if mtime is None:
            self._blocked.pop(path, None)
            return
        blocked = self._blocked.get(path)
        if (blocked[1] if blocked else self._verified.get(path, -1)) != mtime:
            try:
                parse_page_text(read_text(path), path)
                if blocked or path in self._verified:
                    # edited, repaired or created by something else since this store read or wrote it
                    self._changed_outside.add(path)
                self._verified[path] = mtime
                self._blocked.pop(path, None)
            except AnnotationFormatError as exc:
                self._blocked[path] = (str(exc), mtime)
        if path in self._blocked:
            raise AnnotationFormatError(f"{self._blocked[path][0]} -- this malformed annotation file was not "
                                        "overwritten; fix it, or set it aside before saving")

    def save(self, page: Page) -> Path:
        """Save ``page`` (its ``image_path`` names the image) atomically, keeping the previous version as
        ``.bak``; the autosave is removed. Returns the sidecar path."""
        self._writable()
        if not page.image_path:
            raise ValueError("page.image_path must name the image to save its annotation")
        image = self._image(page.image_path)
        path = self.annotation_path(image)
        self._guard(path)
        self._folder_present(path)
        text = dumps_page(page, path.parent)
        self.last_outside_copy = None
        if path.exists():
            atomic_write_bytes(path.with_name(path.name + ".bak"), path.read_bytes())
            if path in self._changed_outside:  # kept for good: the next save rotates the .bak away
                copy = _unused(path.with_name(f"{path.name}.outside-{time.strftime('%Y%m%d-%H%M%S')}"))
                atomic_write_bytes(copy, path.read_bytes())
                self.last_outside_copy = copy
        self._changed_outside.discard(path)
        atomic_write_text(path, text)
        self._verified[path] = _mtime_ns(path)
        self.discard_autosave(image)
        if self.project_dir is not None:
            self._write_manifest()
        self._remember(image, page, _mtime_ns(path))
        self.flush()
        return path

    def set_aside(self, image_path: PathLike) -> Path | None:
        """Rename a malformed sidecar to ``<name>.broken-<time>`` so work can be saved again."""
        self._writable()
        path = self.annotation_path(image_path)
        self._blocked.pop(path, None)
        if not path.exists():
            return None
        target = _unused(path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}"))
        os.replace(path, target)
        self._verified[path] = None  # gone by this store's own hand
        return target

    # ---- autosave / recovery -------------------------------------------------------------------------
    def autosave(self, page: Page) -> Path:
        """Write unsaved edits to ``<annotation>.autosave`` atomically (the saved file is untouched)."""
        self._writable()
        if not page.image_path:
            raise ValueError("page.image_path must name the image to autosave its annotation")
        path = self.autosave_path(page.image_path)
        self._folder_present(path)
        atomic_write_text(path, dumps_page(page, path.parent))
        return path

    def _folder_present(self, path: Path) -> None:
        """Sidecars go next to their images: when that folder is gone (moved or renamed while open), a write would
        make a new, empty folder of the old name, and the folder the images are now in would never get the work."""
        if self.project_dir is None and not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, f"the folder {path.parent} is not there any more (moved or "
                                    "renamed while open?); open the images from their new place", str(path.parent))

    def recover(self, image_path: PathLike, *, older_too: bool = False) -> Page | None:
        """The autosaved page if it is newer than (and differs from) the saved annotation, else ``None``.

        ``older_too``: also an autosave older than the saved file. A save removes the autosave, so one that is left
        holds edits that were never saved (a crash), and the saved file may have been touched since by something else
        (a sync tool, a backup) or rewritten by another program: the window offers such edits to the user, who can
        take them back; nothing that runs unattended (Recognize All, import, export) puts them over the saved file.
        Raises :class:`AnnotationFormatError` if the autosave itself is unreadable.
        """
        image = self._image(image_path)
        auto, path = self.autosave_path(image), self.annotation_path(image)
        auto_time, saved_time = _mtime_ns(auto), _mtime_ns(path)
        if auto_time is None or (not older_too and saved_time is not None and auto_time < saved_time):
            return None
        page = parse_page_text(read_text(auto), auto)
        page.image_path = str(image)
        if saved_time is not None:
            try:
                saved = parse_page_text(read_text(path), path)
            except AnnotationFormatError:
                return page
            saved.image_path = str(image)
            if saved.to_dict() == page.to_dict():
                return None
        return page

    def autosave_is_older(self, image_path: PathLike) -> bool:
        """True when the image's autosave is older than its saved annotation (which was changed after it)."""
        auto_time = _mtime_ns(self.autosave_path(image_path))
        saved_time = _mtime_ns(self.annotation_path(image_path))
        return auto_time is not None and saved_time is not None and auto_time < saved_time

    def _writable(self) -> None:
        if self.read_only:
            raise OcrError("this session is read-only: nothing is written")

    def discard_autosave(self, image_path: PathLike) -> None:
        if not self.read_only:
            self.autosave_path(image_path).unlink(missing_ok=True)

    # ---- checked marks -------------------------------------------------------------------------------
    def _load_index(self) -> dict[str, dict[str, Any]]:
        if self._index is None:
            self._index = {}
            try:
                data = json.loads(self.index_path.read_text(encoding="utf-8"))
                if data.get("format") == _INDEX_FORMAT and isinstance(data.get("images"), dict):
                    self._index = {k: v for k, v in data["images"].items() if isinstance(v, dict)}
            except (OSError, ValueError, AttributeError):
                pass  # the index is only a cache of the sidecars: rebuilt as needed
        return self._index

    def _remember(self, image: Path, page: Page, mtime: int | None) -> None:
        confidences = [w.confidence for w in page.words if w.confidence is not None and not w.ignore]
        entry: dict[str, Any] = {"checked": bool(page.checked), "mtime_ns": mtime, "words": len(page.words),
                                 "lowest": min(confidences) if confidences else None}
        self._load_index()[self._key(image)] = entry
        self._index_dirty = True

    def lowest_confidence(self, image_path: PathLike) -> float | None:
        """The lowest model confidence among the saved annotation's words (``None``: no annotation, or no word the
        model read that a person has not corrected), from the index while it is current. Raises
        :class:`AnnotationFormatError` for a malformed annotation."""
        entry = self._current_entry(image_path)
        return None if entry is None or entry.get("lowest") is None else float(entry["lowest"])

    def word_count(self, image_path: PathLike) -> int | None:
        """How many words the image's saved annotation holds (``None``: no annotation), from the index while it
        is current, else from the sidecar. Raises :class:`AnnotationFormatError` for a malformed one."""
        entry = self._current_entry(image_path)
        return None if entry is None else int(entry["words"])

    def _current_entry(self, image_path: PathLike) -> dict[str, Any] | None:
        """The image's index entry (``checked``, ``words``), read again from its sidecar when the index is older
        than the file; ``None`` without a sidecar. Raises :class:`AnnotationFormatError` for a malformed one."""
        image = self._image(image_path)
        path = self.annotation_path(image)
        mtime = _mtime_ns(path)
        if mtime is None:
            return None
        entry = self._load_index().get(self._key(image))
        if entry is not None and entry.get("mtime_ns") == mtime and isinstance(entry.get("words"), int) \
                and "lowest" in entry:
            return entry
        page = parse_page_text(read_text(path), path)
        self._remember(image, page, mtime)
        return self._load_index()[self._key(image)]

    def flush(self) -> None:
        """Write the index of checked marks if it changed (failures are logged, never raised)."""
        if not self._index_dirty or self._index is None or self.read_only:
            return
        if self.project_dir is None and not self.root.is_dir():  # moved or renamed: no empty one of the old name
            log.warning("not writing %s: its folder is not there any more", self.index_path)
            return
        data = {"format": _INDEX_FORMAT, "version": 1, "images": dict(sorted(self._index.items()))}
        try:
            atomic_write_text(self.index_path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            self._index_dirty = False
        except OSError as exc:
            log.warning("cannot write %s: %s", self.index_path, exc)

    def is_checked(self, image_path: PathLike) -> bool:
        """The image's done mark: from the index while it is current, else from the sidecar."""
        try:
            entry = self._current_entry(image_path)
        except AnnotationFormatError:
            return False
        return bool(entry and entry.get("checked"))

    def checked_images(self, image_paths: list[PathLike]) -> dict[Path, bool]:
        """Done marks of many images at once (the index is refreshed and written once)."""
        marks = {self._image(p): self.is_checked(p) for p in image_paths}
        self.flush()
        return marks

    def set_checked(self, image_path: PathLike, checked: bool = True) -> Path:
        """Mark an image done (or not): loads its annotation (an empty page if none) and saves it."""
        self._writable()
        image = self._image(image_path)
        page = self.load(image)
        if page is None:
            width, height = image_size(image) or (0, 0)
            page = Page(width=width, height=height, image_path=str(image))
        page.checked = checked
        return self.save(page)

    def _write_manifest(self) -> None:
        assert self.project_dir is not None
        manifest = self.project_dir / PROJECT_FILE
        if manifest.exists():
            return
        data = {"format": _PROJECT_FORMAT, "version": 1, "images_root": relative_posix(self.root, self.project_dir),
                "images_root_absolute": str(self.root)}
        atomic_write_text(manifest, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _unused(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``... when it exists: two copies kept within one second never replace each
    other."""
    candidate, n = path, 2
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}-{n}"), n + 1
    return candidate
