"""First-run checks: no display, missing Qt system libraries, and Qt's start-up errors in plain words."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import startup_checks as sc

# What Qt 6 prints when libqxcb.so cannot load (here: libxcb-icccm4 was missing, yet Qt names xcb-cursor).
QT_XCB_FAILURE = """\
qt.qpa.plugin: From 6.5.0, xcb-cursor0 or libxcb-cursor0 is needed to load the Qt xcb platform plugin.
qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.
This application failed to start because no Qt platform plugin could be initialized. Reinstalling the \
application may fix this problem.

Available platform plugins are: minimal, linuxfb, offscreen, xcb, wayland, eglfs, vnc, minimalegl.
"""
ALL_SONAMES = {lib.soname for lib in sc.QT_LIBRARIES}


@pytest.fixture(autouse=True)
def x_server(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """Pretend every local X display answers unless a test says otherwise (no real X server needed)."""
    answers: dict[str, bool] = {}
    monkeypatch.setattr(sc, "_x_server_listening", lambda display: answers.get(display, True))
    return answers


@pytest.fixture
def ldconfig(monkeypatch: pytest.MonkeyPatch):
    """Pretend the linker cache holds every Qt library except those the test removes."""
    present = set(ALL_SONAMES) | {"libc.so.6"}
    monkeypatch.setattr(sc, "_ldconfig_sonames", lambda: present)
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)
    return present


@pytest.mark.parametrize("env", [{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"},
                                 {"QT_QPA_PLATFORM": "offscreen"}, {"QT_QPA_PLATFORM": "minimal"}])
def test_check_display_is_quiet_when_there_is_a_screen_or_a_headless_platform(env: dict[str, str]) -> None:
    assert sc.check_display(env, "linux") is None


def test_check_display_explains_how_to_run_without_a_screen() -> None:
    message = sc.check_display({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert message is not None
    assert "DISPLAY" in message and "xvfb-run -a ocr-studio gui" in message
    assert "QT_QPA_PLATFORM=offscreen" in message
    assert sc.check_display({}, "linux") == message


def test_check_display_notices_a_stale_display(x_server: dict[str, bool]) -> None:
    x_server[":77"] = False
    message = sc.check_display({"DISPLAY": ":77"}, "linux")
    assert message is not None and "DISPLAY=:77 names no running X server" in message
    assert "xvfb-run -a" in message
    # not probed when Qt will not use X11
    assert sc.check_display({"DISPLAY": ":77", "WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert sc.check_display({"DISPLAY": ":77", "QT_QPA_PLATFORM": "offscreen"}, "linux") is None


def test_x_server_probe_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real probe
    assert sc._x_server_listening("otherhost:0") is None  # remote displays are not probed
    assert sc._x_server_listening(":31987") is False


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs xvfb-run")
def test_x_server_probe_with_a_real_server() -> None:
    code = "import os, sys; from app import startup_checks as sc; sys.exit(0 if sc._x_server_listening(os.environ['DISPLAY']) else 3)"
    proc = subprocess.run(["xvfb-run", "-a", sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("system", ["darwin", "win32"])
def test_check_display_and_libraries_only_apply_to_linux(system: str) -> None:
    assert sc.check_display({}, system) is None
    assert sc.missing_qt_libraries(system=system) == []


@pytest.mark.parametrize(("env", "platform"), [
    ({"QT_QPA_PLATFORM": "offscreen:fontengine=freetype"}, "offscreen"),
    ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, "wayland"),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "wayland"),
    ({"DISPLAY": ":1"}, "xcb"),
    ({}, ""),
])
def test_qt_platform_reads_the_environment_like_qt(env: dict[str, str], platform: str) -> None:
    assert sc.qt_platform(env) == platform


def test_missing_libraries_follow_the_platform_plugin(ldconfig: set[str]) -> None:
    assert sc.missing_qt_libraries("xcb", system="linux") == []
    ldconfig -= {"libxcb-cursor.so.0", "libEGL.so.1"}
    assert sc.missing_qt_libraries("xcb", system="linux") == ["libEGL.so.1", "libxcb-cursor.so.0"]
    assert sc.missing_qt_libraries(system="linux") == ["libEGL.so.1", "libxcb-cursor.so.0"]
    # the offscreen plugin (screenshots) never loads the xcb libraries
    assert sc.missing_qt_libraries("offscreen", system="linux") == ["libEGL.so.1"]


def test_a_library_in_ld_library_path_counts_as_present(ldconfig: set[str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ldconfig.discard("libxcb-cursor.so.0")
    (tmp_path / "libxcb-cursor.so.0").write_bytes(b"")
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    assert sc.missing_qt_libraries("xcb", system="linux") == []


def test_without_ldconfig_it_asks_ctypes(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(sc, "_ldconfig_sonames", lambda: None)
    monkeypatch.delenv("LD_LIBRARY_PATH", raising=False)

    def find_library(name: str) -> str | None:
        asked.append(name)
        return None if name == "xkbcommon-x11" else f"lib{name}.so"

    monkeypatch.setattr(sc.ctypes.util, "find_library", find_library)
    assert sc.missing_qt_libraries("xcb", system="linux") == ["libxkbcommon-x11.so.0"]
    assert {"EGL", "GL", "xcb-cursor", "dbus-1", "X11-xcb"} <= set(asked)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux only")
def test_the_real_linker_cache_is_read() -> None:
    names = sc._ldconfig_sonames()
    if names is None:
        pytest.skip("no runnable ldconfig here")
    assert "libc.so.6" in names


def test_explanation_names_the_packages_and_the_command() -> None:
    text = sc.explain_missing_libraries(["libxcb-cursor.so.0", "libEGL.so.1"])
    assert "libxcb-cursor.so.0, libEGL.so.1" in text
    assert "sudo apt-get install libegl1 libxcb-cursor0" in text
    assert "bash packaging/install-system-deps.sh" in text
    assert "apt-file search libweird.so.2" in sc.explain_missing_libraries(["libweird.so.2"])
    assert sc.explain_missing_libraries([]) == ""


def test_diagnose_an_import_error_from_pyside() -> None:
    exc = ImportError("libEGL.so.1: cannot open shared object file: No such file or directory")
    text = sc.diagnose_qt_start_failure(str(exc), missing=[])
    assert "libEGL.so.1" in text and "sudo apt-get install libegl1" in text


def test_diagnose_a_failed_xcb_plugin_names_the_really_missing_libraries() -> None:
    text = sc.diagnose_qt_start_failure(QT_XCB_FAILURE, missing=["libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in text
    assert "libxcb-cursor0" not in text
    # nothing detectably missing: trust Qt's own hint
    assert "sudo apt-get install libxcb-cursor0" in sc.diagnose_qt_start_failure(QT_XCB_FAILURE, missing=[])


def test_diagnose_a_failed_plugin_with_nothing_missing_points_to_qt_debug_plugins() -> None:
    text = sc.diagnose_qt_start_failure('qt.qpa.plugin: Could not load the Qt platform plugin "wayland"',
                                        missing=[], environ={"WAYLAND_DISPLAY": "w"})
    assert "QT_DEBUG_PLUGINS=1" in text and "QT_QPA_PLATFORM=xcb" in text


@pytest.mark.parametrize("stderr", ["qt.qpa.xcb: could not connect to display :0",
                                    "Failed to create wl_display (No such file or directory)"])
def test_diagnose_no_display(stderr: str) -> None:
    text = sc.diagnose_qt_start_failure(stderr, missing=[], environ={"DISPLAY": ":0"})
    assert "could not connect to the display" in text and "xvfb-run -a" in text
    text = sc.diagnose_qt_start_failure(stderr, missing=[], environ={})
    assert "neither DISPLAY nor WAYLAND_DISPLAY is set" in text and "xvfb-run -a" in text


def test_diagnose_other_failures() -> None:
    assert "pip install PySide6-Essentials" in sc.diagnose_qt_start_failure("No module named 'PySide6'")
    assert "QT_XCB_GL_INTEGRATION=none" in sc.diagnose_qt_start_failure(
        "qt.glx: qglx_findConfig: Failed to finding matching FBConfig for QSurfaceFormat")
    text = sc.diagnose_qt_start_failure("\nSegmentation fault (core dumped)\n")
    assert "(Segmentation fault (core dumped))" in text and "QT_DEBUG_PLUGINS=1" in text


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the checks are Linux only")
def test_preflight(ldconfig: set[str]) -> None:
    assert sc.preflight({"DISPLAY": ":0"}) is None
    assert "xvfb-run" in (sc.preflight({}) or "")
    ldconfig.discard("libxkbcommon-x11.so.0")
    assert "sudo apt-get install libxkbcommon-x11-0" in (sc.preflight({"DISPLAY": ":0"}) or "")
    assert sc.preflight({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_command_line_explains_a_saved_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "stderr.txt"
    saved.write_text("libxkbcommon.so.0: cannot open shared object file: No such file or directory\n")
    assert sc.main([str(saved)]) == 0
    assert "sudo apt-get install libxkbcommon0" in capsys.readouterr().out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 start-up failure is Linux only")
def test_real_qt_output_without_a_display_is_recognised() -> None:
    """Start Qt's X11 plugin with no display for real and check its stderr is understood (not the fallback)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run([sys.executable, "-c", "from PySide6.QtGui import QGuiApplication; QGuiApplication([])"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    text = sc.diagnose_qt_start_failure(proc.stderr, environ=env)
    assert "xvfb-run -a" in text or "sudo apt-get install" in text, (proc.stderr, text)
