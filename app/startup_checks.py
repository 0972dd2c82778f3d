"""First-run checks before Qt starts: a display, Qt's system libraries, and plain-words help when Qt fails.

Qt aborts the whole process (no Python exception) when its platform plugin cannot load, so the window's
start-up calls :func:`preflight` *before* importing PySide6, and turns an ``ImportError`` from PySide6 into
advice with :func:`diagnose_qt_start_failure`. This module imports no Qt.

Example::

    problem = preflight()
    if problem:
        sys.exit(f"ocr-studio gui: error: {problem}")

``python -m app.startup_checks`` prints what it finds (exit code 1 when the window could not start).
"""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "QtLibrary",
    "QT_LIBRARIES",
    "HEADLESS_PLATFORMS",
    "qt_platform",
    "check_display",
    "missing_qt_libraries",
    "explain_missing_libraries",
    "diagnose_qt_start_failure",
    "preflight",
    "main",
]

INSTALL_SCRIPT = "bash packaging/install-system-deps.sh"
_DISPLAY_FIX = ("Run it from a desktop session (or `ssh -X`), or on a virtual screen: `xvfb-run -a ocr-studio "
                "gui ...`; to only save a screenshot, `QT_QPA_PLATFORM=offscreen ocr-studio gui IMAGE "
                "--screenshot out.png`.")
HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal", "minimalegl", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"})


@dataclass(frozen=True)
class QtLibrary:
    """A system library Qt's Linux wheels expect, the Debian package providing it, and who needs it."""

    soname: str
    package: str
    needed_by: str  # "qt": every platform (QtGui itself); "xcb": the X11 window plugin


#: From ``readelf -d`` of PySide6's libQt6Gui, libQt6DBus, libqxcb and libQt6XcbQpa (Qt 6.12).
QT_LIBRARIES: tuple[QtLibrary, ...] = (
    QtLibrary("libEGL.so.1", "libegl1", "qt"),
    QtLibrary("libGL.so.1", "libgl1", "qt"),
    QtLibrary("libxkbcommon.so.0", "libxkbcommon0", "qt"),
    QtLibrary("libfontconfig.so.1", "libfontconfig1", "qt"),
    QtLibrary("libfreetype.so.6", "libfreetype6", "qt"),
    QtLibrary("libdbus-1.so.3", "libdbus-1-3", "qt"),
    QtLibrary("libglib-2.0.so.0", "libglib2.0-0", "qt"),
    QtLibrary("libX11.so.6", "libx11-6", "qt"),
    QtLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "xcb"),
    QtLibrary("libxcb-cursor.so.0", "libxcb-cursor0", "xcb"),
    QtLibrary("libxcb-icccm.so.4", "libxcb-icccm4", "xcb"),
    QtLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb"),
    QtLibrary("libxcb-image.so.0", "libxcb-image0", "xcb"),
    QtLibrary("libxcb-render-util.so.0", "libxcb-render-util0", "xcb"),
    QtLibrary("libxcb-shape.so.0", "libxcb-shape0", "xcb"),
    QtLibrary("libxcb-randr.so.0", "libxcb-randr0", "xcb"),
    QtLibrary("libxcb-xkb.so.1", "libxcb-xkb1", "xcb"),
    QtLibrary("libX11-xcb.so.1", "libx11-xcb1", "xcb"),
)
_PACKAGES = {lib.soname: lib.package for lib in QT_LIBRARIES}


def _is_linux_like(system: str) -> bool:
    return system.startswith(("linux", "freebsd", "openbsd", "netbsd"))


def qt_platform(environ: Mapping[str, str] | None = None) -> str:
    """The platform plugin Qt will pick on Linux: ``$QT_QPA_PLATFORM``, else wayland or xcb, else ``""``."""
    env = os.environ if environ is None else environ
    forced = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip().lower()
    if forced:
        return forced
    if env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb" if env.get("DISPLAY") else ""


def check_display(environ: Mapping[str, str] | None = None, system: str | None = None) -> str | None:
    """A message when there is no screen to open the window on (Linux without X11/Wayland), else None.

    >>> check_display({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    True
    """
    env = os.environ if environ is None else environ
    if not _is_linux_like(system or sys.platform):
        return None
    if env.get("WAYLAND_DISPLAY") or qt_platform(env) in HEADLESS_PLATFORMS:
        return None
    display = env.get("DISPLAY")
    if display:
        if qt_platform(env) == "xcb" and _x_server_listening(display) is False:
            return (f"DISPLAY={display} names no running X server (nothing answers on its socket: the desktop "
                    f"session ended, or the variable is stale). {_DISPLAY_FIX}")
        return None
    return ("there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set: "
            f"a server, container or SSH session without X forwarding). {_DISPLAY_FIX}")


def _x_server_listening(display: str) -> bool | None:
    """Whether a local X display (``:N``, ``unix:N``) accepts connections; None for remote ones (not probed)."""
    match = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?", display.strip())
    if match is None:
        return None
    path = f"/tmp/.X11-unix/X{match.group(1)}"
    for address in (path, "\0" + path):  # the socket file, then Linux's abstract namespace
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(2.0)
                sock.connect(address)
                return True
        except OSError:
            continue
    return False


def _ldconfig_sonames() -> set[str] | None:
    """Every soname the dynamic linker's cache knows (``ldconfig -p``), or None if ldconfig cannot run."""
    for exe in ("/sbin/ldconfig", "/usr/sbin/ldconfig", shutil.which("ldconfig")):
        if not exe or not os.access(exe, os.X_OK):
            continue
        try:
            out = subprocess.run([exe, "-p"], capture_output=True, text=True, timeout=10,
                                 env={**os.environ, "LC_ALL": "C"}).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        names = {line.split()[0] for line in out.splitlines() if line[:1].isspace() and line.strip()}
        if names:
            return names
    return None


def _extra_library_dirs() -> list[Path]:
    """Folders searched before the cache: ``$LD_LIBRARY_PATH`` and, in a PyInstaller bundle, its own."""
    dirs = [Path(p) for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle))
    return dirs


def _find(soname: str, index: set[str] | None, dirs: Sequence[Path]) -> bool:
    if any((folder / soname).exists() for folder in dirs):
        return True
    if index is not None:
        return soname in index
    short = re.sub(r"^lib|\.so(\.\d+)*$", "", soname)
    return ctypes.util.find_library(short) is not None


def missing_qt_libraries(platform: str | None = None, system: str | None = None) -> list[str]:
    """Sonames of Qt's system libraries this Linux machine lacks (``[]`` elsewhere).

    ``platform`` limits the check to what that Qt platform plugin loads: ``"xcb"`` (X11) needs all of
    :data:`QT_LIBRARIES`, the others (``"offscreen"``, ``"wayland"``...) only QtGui's. None checks all.

    >>> missing_qt_libraries()  # doctest: +SKIP
    ['libxcb-cursor.so.0']
    """
    if not _is_linux_like(system or sys.platform):
        return []
    wanted = [lib for lib in QT_LIBRARIES if platform in (None, "", "xcb") or lib.needed_by == "qt"]
    index, dirs = _ldconfig_sonames(), _extra_library_dirs()
    return [lib.soname for lib in wanted if not _find(lib.soname, index, dirs)]


def explain_missing_libraries(missing: Sequence[str]) -> str:
    """Plain words for missing sonames: what is wrong and the ``apt-get`` line that fixes it."""
    if not missing:
        return ""
    packages = sorted({_PACKAGES.get(name, "") for name in missing} - {""})
    unknown = [name for name in missing if name not in _PACKAGES]
    fix = f"sudo apt-get install {' '.join(packages)}" if packages else ""
    if unknown:
        fix += ("; " if fix else "") + "find the package providing " + ", ".join(
            f"{name} with `apt-file search {name}`" for name in unknown)
    return (f"the window cannot start because system libraries Qt needs are missing: {', '.join(missing)}. "
            f"Fix (Debian/Ubuntu): {fix} (or, in a source checkout, `{INSTALL_SCRIPT}`).")


_NO_DISPLAY = re.compile(r"could not connect to display|cannot open display|cannot connect to x server"
                         r"|failed to create wl_display", re.IGNORECASE)
_MISSING_SO = re.compile(r"(lib[\w.+-]+?\.so(?:\.\d+)*)\s*:\s*cannot open shared object file", re.IGNORECASE)
_XCB_CURSOR = re.compile(r"xcb-cursor0 or libxcb-cursor0 is needed", re.IGNORECASE)
_PLUGIN = re.compile(r'could not load the qt platform plugin "?(\w+)"?|no qt platform plugin could be initialized',
                     re.IGNORECASE)
_GL = re.compile(r"glx|opengl|egl.*(fail|error|unable)|failed to create opengl context", re.IGNORECASE)


def diagnose_qt_start_failure(exc_or_stderr: str, *, missing: Sequence[str] | None = None,
                              environ: Mapping[str, str] | None = None) -> str:
    """Turn Qt's start-up error (an exception's text or Qt's stderr) into what went wrong and the fix.

    ``missing`` overrides the library check made when the plugin failed for no stated reason.

    >>> diagnose_qt_start_failure("libEGL.so.1: cannot open shared object file")[:60]
    'the window cannot start because system libraries Qt needs ar'
    """
    text = exc_or_stderr or ""
    if "No module named 'PySide6" in text or 'No module named "PySide6' in text:
        return ("PySide6 (Qt for Python) is not installed in this environment, so there is no window: "
                "`pip install PySide6-Essentials` (or `pip install ocr-studio` with its default dependencies).")
    libs = list(dict.fromkeys(_MISSING_SO.findall(text)))
    if libs:
        return explain_missing_libraries(libs)
    if _NO_DISPLAY.search(text):
        return check_display(environ) or ("Qt could not connect to the display (DISPLAY or WAYLAND_DISPLAY names no running X11/Wayland "
                f"server, or access to it is denied). {_DISPLAY_FIX}")
    plugin = _PLUGIN.search(text)
    if plugin or _XCB_CURSOR.search(text):
        name = ((plugin.group(1) if plugin else "") or qt_platform(environ) or "xcb").lower()
        # Qt names xcb-cursor whenever the xcb plugin fails to load, even when other libraries are missing.
        found = list(missing) if missing is not None else missing_qt_libraries(name)
        if not found and _XCB_CURSOR.search(text):
            found = ["libxcb-cursor.so.0"]
        if found:
            return explain_missing_libraries(found)
        if name in ("", "xcb", "wayland") and check_display(environ) is not None:
            return check_display(environ) or ""
        return (f'Qt could not load its "{name}" platform plugin. Run with QT_DEBUG_PLUGINS=1 to see which '
                f"library it fails on; on X11 try `{INSTALL_SCRIPT}`, on Wayland try QT_QPA_PLATFORM=xcb, "
                "and for screenshots without a screen use QT_QPA_PLATFORM=offscreen.")
    if _GL.search(text):
        return ("Qt could not set up OpenGL (graphics driver or remote display). Try "
                "`QT_XCB_GL_INTEGRATION=none ocr-studio gui` or `LIBGL_ALWAYS_SOFTWARE=1 ocr-studio gui`.")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "unknown error")
    return (f"the window could not start ({first}). Common fixes: install Qt's system libraries "
            f"(`{INSTALL_SCRIPT}` or `sudo apt-get install {' '.join(lib.package for lib in QT_LIBRARIES)}`); "
            "run with QT_DEBUG_PLUGINS=1 for details.")


def preflight(environ: Mapping[str, str] | None = None) -> str | None:
    """All checks to run before importing Qt: a message saying what is wrong and how to fix it, or None."""
    env = os.environ if environ is None else environ
    no_display = check_display(env)
    if no_display:
        return no_display
    platform = qt_platform(env)
    return explain_missing_libraries(missing_qt_libraries(platform)) or None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m app.startup_checks [STDERR_FILE]``: print the checks, or explain a saved Qt error."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        text = sys.stdin.read() if args[0] == "-" else Path(args[0]).read_text(errors="replace")
        print(diagnose_qt_start_failure(text))
        return 0
    problem = preflight()
    print(problem or f"ok: Qt platform {qt_platform() or 'default'}, all Qt system libraries found")
    return 1 if problem else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
