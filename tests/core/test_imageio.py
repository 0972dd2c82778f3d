"""Image reading/writing: every format made in code, every kind of source, every bad input."""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from ocr_core import imageio
from ocr_core.errors import ImageReadError, OcrError
from ocr_core.imageio import image_size, read_image, read_image_pages, write_image


def _rgb(h=12, w=20):
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : w // 2] = (200, 30, 40)
    img[:, w // 2 :] = (10, 220, 90)
    return img


def _png_bytes(img, **kw):
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", **kw)
    return buf.getvalue()


@pytest.mark.parametrize("suffix", [".png", ".bmp", ".tif", ".webp"])
def test_lossless_roundtrip(tmp_path, suffix):
    img = _rgb()
    path = tmp_path / f"a{suffix}"
    write_image(path, img)
    out = read_image(path)
    assert out.dtype == np.uint8 and out.shape == img.shape
    assert np.array_equal(out, img)  # WebP is written lossless
    assert image_size(path) == (20, 12)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left


def test_jpeg_roundtrip_and_upper_case_suffix(tmp_path):
    path = tmp_path / "photo.JPG"
    write_image(path, _rgb())
    out = read_image(str(path))
    assert out.shape == (12, 20, 3)
    assert np.abs(out[6, 2].astype(int) - (200, 30, 40)).max() < 20


def test_bilevel_tiff(tmp_path):
    img = Image.new("1", (16, 8), 0)
    img.paste(1, (0, 0, 8, 8))
    path = tmp_path / "fax.tif"
    img.save(path, compression="group4")
    out = read_image(path)
    assert out.shape == (8, 16, 3)
    assert (out[:, :8] == 255).all() and (out[:, 8:] == 0).all()


@pytest.mark.parametrize("fmt", ["TIFF", "PNG"])
def test_16_bit_gray(tmp_path, fmt):
    data = (np.arange(6 * 10, dtype=np.uint16).reshape(6, 10) * 1000).astype(np.uint16)
    path = tmp_path / f"deep.{fmt.lower()}"
    Image.fromarray(data).save(path, format=fmt)
    out = read_image(path)
    assert out.shape == (6, 10, 3)
    assert np.array_equal(out[..., 0], (data >> 8).astype(np.uint8))


def test_multipage_tiff_first_page_and_all_pages(tmp_path):
    pages = [Image.new("RGB", (10, 8), c) for c in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    path = tmp_path / "multi.tiff"
    pages[0].save(path, save_all=True, append_images=pages[1:])
    assert tuple(read_image(path)[0, 0]) == (255, 0, 0)
    colours = [tuple(p[0, 0]) for p in read_image_pages(path)]
    assert colours == [(255, 0, 0), (0, 255, 0), (0, 0, 255)]


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (8, 8), (0, 255, 255, 0)).save(path, quality=95)
    out = read_image(path)
    assert out.shape == (8, 8, 3)
    assert np.abs(out[4, 4].astype(int) - (255, 0, 0)).max() < 20


def test_palette_png_with_and_without_transparency(tmp_path):
    pal = Image.new("P", (4, 2))
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    pal.putpixel((1, 0), 1)
    out = read_image(_save(pal, tmp_path / "p.png"))
    assert tuple(out[0, 0]) == (255, 0, 0) and tuple(out[0, 1]) == (0, 0, 255)
    path = tmp_path / "pt.png"
    pal.save(path, transparency=0)
    out = read_image(path)
    assert tuple(out[0, 0]) == (255, 255, 255) and tuple(out[0, 1]) == (0, 0, 255)


def _save(img, path):
    img.save(path)
    return path


def test_rgba_and_la_are_composited_on_white(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (0, 0, 0, 255)
    rgba[0, 1] = (0, 0, 0, 0)
    rgba[1, 0] = (0, 0, 0, 128)
    out = read_image(_png_bytes(rgba))
    assert tuple(out[0, 0]) == (0, 0, 0) and tuple(out[0, 1]) == (255, 255, 255)
    assert 120 <= out[1, 0, 0] <= 135
    la = Image.fromarray(np.array([[[10, 255], [10, 0]]], np.uint8), mode="LA")
    out = read_image(_save(la, tmp_path / "la.png"))
    assert tuple(out[0, 0]) == (10, 10, 10) and tuple(out[0, 1]) == (255, 255, 255)


def test_exif_orientation_is_applied(tmp_path):
    img = Image.new("RGB", (20, 10), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 10, 10))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # display = stored rotated 90 degrees clockwise
    path = tmp_path / "phone.jpg"
    img.save(path, exif=exif, quality=95)
    out = read_image(path)
    assert out.shape == (20, 10, 3)
    assert out[2, 5, 0] > 200 and out[17, 5, 2] > 200  # red on top, blue at the bottom
    assert image_size(path) == (10, 20)


def test_bytes_streams_and_paths(tmp_path):
    data = _png_bytes(_rgb())
    assert np.array_equal(read_image(data), _rgb())
    assert np.array_equal(read_image(bytearray(data)), _rgb())
    assert np.array_equal(read_image(io.BytesIO(data)), _rgb())
    path = tmp_path / "x.png"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        assert np.array_equal(read_image(fh), _rgb())
    with open(path) as fh, pytest.raises(ImageReadError, match="text mode"):
        read_image(fh)


@pytest.mark.parametrize(
    "array, expected",
    [
        (np.full((3, 4), 7, np.uint8), 7),
        (np.full((3, 4, 1), 9, np.uint8), 9),
        (np.full((3, 4, 3), 0.5, np.float32), 128),
        (np.full((3, 4), 200.0), 200),
        (np.full((3, 4, 3), 0x4000, np.uint16), 0x40),
        (np.ones((3, 4), bool), 255),
        (np.dstack([np.zeros((3, 4, 3), np.uint8), np.zeros((3, 4), np.uint8)]), 255),  # transparent
    ],
)
def test_arrays(array, expected):
    out = read_image(array)
    assert out.shape == (3, 4, 3) and out.dtype == np.uint8
    assert (out == expected).all()


def test_rgb_uint8_array_is_returned_without_copy():
    img = _rgb()
    assert read_image(img) is img


def test_bad_arrays():
    with pytest.raises(ImageReadError, match="shape"):
        read_image(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ImageReadError, match="no pixels"):
        read_image(np.zeros((0, 4, 3), np.uint8))
    with pytest.raises(ImageReadError, match="NaN"):
        read_image(np.full((2, 2), np.nan))
    with pytest.raises(ImageReadError, match="unsupported source"):
        read_image(12345)


class _FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def test_url_is_fetched_with_a_timeout(monkeypatch):
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append((url, timeout))
        return _FakeResponse(_png_bytes(_rgb()))

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    out = read_image("https://example.com/sign.png")
    assert np.array_equal(out, _rgb())
    assert calls == [("https://example.com/sign.png", imageio.URL_TIMEOUT)]


def test_url_failure_names_the_url(monkeypatch):
    def failing(url, timeout=None):
        raise urllib.error.URLError("no route to host")

    monkeypatch.setattr(urllib.request, "urlopen", failing)
    with pytest.raises(ImageReadError, match=r"https://example.com/x.jpg.*no route"):
        read_image("https://example.com/x.jpg")


def test_missing_folder_empty_corrupt_truncated_files_name_the_file(tmp_path):
    with pytest.raises(ImageReadError, match=r"nope\.png.*not found"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(ImageReadError, match="folder"):
        read_image(tmp_path)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImageReadError, match=r"empty\.jpg.*empty"):
        read_image(empty)
    with pytest.raises(ImageReadError, match=r"empty\.jpg"):
        image_size(empty)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ImageReadError, match=r"corrupt\.png"):
        read_image(corrupt)
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    for suffix in (".png", ".jpg"):
        good = tmp_path / f"good{suffix}"
        write_image(good, noise)
        cut = tmp_path / f"cut{suffix}"
        cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
        with pytest.raises(ImageReadError, match=rf"cut\{suffix}.*truncated"):
            read_image(cut)
    with pytest.raises(ImageReadError, match="scan.tif"):
        read_image(b"garbage", name="scan.tif")


def test_decompression_bomb_limit(tmp_path, monkeypatch):
    path = tmp_path / "bomb.png"
    write_image(path, np.zeros((30, 40, 3), np.uint8))
    monkeypatch.setenv("OCR_STUDIO_MAX_PIXELS", "1000")
    with pytest.raises(ImageReadError, match=r"bomb\.png.*1,200 pixels.*1,000"):
        read_image(path)
    with pytest.raises(ImageReadError, match="over the limit"):
        list(read_image_pages(path))
    assert image_size(path) == (40, 30)  # the header is still readable
    monkeypatch.setenv("OCR_STUDIO_MAX_PIXELS", "lots")
    with pytest.raises(ImageReadError, match="OCR_STUDIO_MAX_PIXELS"):
        read_image(path)
    monkeypatch.delenv("OCR_STUDIO_MAX_PIXELS")
    monkeypatch.setattr(imageio, "MAX_PIXELS", 500)
    with pytest.raises(ImageReadError, match="decompression bomb"):
        read_image(path)


def test_write_gray_rgba_and_bad_suffix(tmp_path):
    gray = np.arange(20, dtype=np.uint8).reshape(4, 5)
    write_image(tmp_path / "g.png", gray)
    assert np.array_equal(read_image(tmp_path / "g.png")[..., 1], gray)
    rgba = np.zeros((4, 5, 4), np.uint8)
    write_image(tmp_path / "t.jpg", rgba)  # transparency dropped onto white
    assert read_image(tmp_path / "t.jpg").min() > 240
    write_image(tmp_path / "f.png", np.full((4, 5, 3), 1.0))
    assert (read_image(tmp_path / "f.png") == 255).all()
    with pytest.raises(OcrError, match=r"\.xyz"):
        write_image(tmp_path / "a.xyz", gray)
    assert ".png" in imageio.SUPPORTED_SUFFIXES and ".tiff" in imageio.SUPPORTED_SUFFIXES


def test_the_users_pixel_limit_holds_beyond_pillows_own(tmp_path, monkeypatch):
    """A 400-megapixel header (Pillow alone refuses anything over about 179 megapixels): refused with the app's
    message under the default limit, and let through when OCR_STUDIO_MAX_PIXELS allows it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    huge = tmp_path / "huge.png"  # only the header: nothing here decodes the pixels
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0))
                     + chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match=r"400,000,000 pixels is over the limit of 100,000,000.*OCR_STUDIO"):
        read_image(huge)
    from PIL import Image as PilImage

    assert PilImage.MAX_IMAGE_PIXELS is not None  # Pillow's check stays on for everybody else
    monkeypatch.setenv("OCR_STUDIO_MAX_PIXELS", "500000000")
    assert image_size(huge) == (20000, 20000)  # Pillow's own check used to refuse it here, naming no setting


def _two_page_pdf(path):
    """A PDF of two pages (Pillow writes it): a red square on white, then a gray page of another size."""
    first = Image.new("RGB", (150, 100), "white")
    first.paste((255, 0, 0), (50, 25, 100, 75))
    second = Image.new("RGB", (72, 144), (128, 128, 128))
    first.save(path, save_all=True, append_images=[second], resolution=72)
    return path


def test_scanned_pdf_pages_are_rendered_at_the_scan_s_resolution_and_counted(tmp_path):
    from ocr_core.imageio import page_count, read_image_page

    pdf = _two_page_pdf(tmp_path / "Scan.PDF")
    assert page_count(pdf) == 2
    first = read_image(pdf)  # the first page, as for a TIFF
    assert first.shape == (100, 150, 3)  # the page's picture, pixel for pixel (72 dpi): no pixels invented
    assert image_size(pdf) == (150, 100)
    # Pillow stores the pages as JPEG: colours within a few levels
    assert np.abs(first[50, 75].astype(int) - [255, 0, 0]).max() <= 4
    assert np.abs(first[5, 5].astype(int) - [255, 255, 255]).max() <= 4
    second = read_image_page(pdf, 1)
    assert second.shape == (144, 72, 3) and abs(int(second[72, 36, 0]) - 128) <= 2
    assert [page.shape for page in read_image_pages(pdf)] == [first.shape, second.shape]
    assert read_image(pdf.read_bytes()).shape == first.shape  # PDF bytes too
    with pytest.raises(ImageReadError, match="has 2 pages, not a page 3"):
        read_image_page(pdf, 2)


def test_pdf_pages_of_text_render_at_300_dpi_and_scans_at_their_own(tmp_path):
    import pypdf

    from ocr_core.imageio import read_image_page

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=150, height=100)  # a page with no picture: drawn text and lines
    with open(tmp_path / "text.pdf", "wb") as handle:
        writer.write(handle)
    assert read_image(tmp_path / "text.pdf").shape == (417, 625, 3)  # 150 x 100 points at 300 dpi (rounded up)
    scan = Image.new("RGB", (400, 200), "white")
    small = Image.new("RGB", (40, 20), "white")
    scan.save(tmp_path / "scan.pdf", save_all=True, append_images=[scan, small], resolution=200)
    # a 200 dpi scan: 400 x 200 pixels; the same picture claiming 1,000 dpi is capped at 600 dpi
    assert read_image(tmp_path / "scan.pdf").shape == (200, 400, 3)
    scan.save(tmp_path / "fine.pdf", resolution=1000)
    assert read_image(tmp_path / "fine.pdf").shape == (120, 240, 3)
    tiny = Image.new("RGB", (10, 10), "white")
    tiny.save(tmp_path / "tiny.pdf", resolution=5)  # 144 points wide: 2 pixels per inch, shown at 72 dpi
    assert read_image(tmp_path / "tiny.pdf").shape == (144, 144, 3)
    assert read_image_page(tmp_path / "scan.pdf", 2).shape == (20, 40, 3)


def test_a_pdf_too_large_for_the_pixel_limit_is_rendered_smaller(tmp_path, monkeypatch):
    pdf = _two_page_pdf(tmp_path / "scan.pdf")
    monkeypatch.setenv("OCR_STUDIO_MAX_PIXELS", "6000")
    page = read_image(pdf)
    assert page.shape[0] * page.shape[1] <= 6_000 and abs(page.shape[1] / page.shape[0] - 1.5) < 0.02


def test_broken_and_locked_pdfs_are_clear_errors(tmp_path):
    import pypdf

    from ocr_core.imageio import page_count

    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really")
    with pytest.raises(ImageReadError, match="broken.pdf: not a readable PDF"):
        read_image(broken)
    assert page_count(broken) == 1  # cannot tell: reading it says why
    writer = pypdf.PdfWriter(clone_from=_two_page_pdf(tmp_path / "open.pdf"))
    writer.encrypt("secret")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as handle:
        writer.write(handle)
    with pytest.raises(ImageReadError, match="locked.pdf: the PDF is password-protected"):
        read_image(locked)
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(tmp_path / "missing.pdf")


def test_a_broken_page_of_a_pdf_is_an_image_read_error_naming_the_page(tmp_path, monkeypatch):
    import pypdfium2 as pdfium

    from ocr_core.imageio import read_image_page

    pdf = _two_page_pdf(tmp_path / "scan.pdf")
    original = pdfium.PdfDocument.__getitem__

    def broken(self, index):
        if index == 1:
            raise pdfium.PdfiumError("Failed to load page.")
        return original(self, index)

    monkeypatch.setattr(pdfium.PdfDocument, "__getitem__", broken)
    assert read_image_page(pdf, 0).shape[2] == 3
    with pytest.raises(ImageReadError, match=r"scan.pdf \(page 2\): Failed to load page"):
        read_image_page(pdf, 1)


def test_a_pdf_page_read_again_comes_from_the_last_render_until_the_file_changes(tmp_path, monkeypatch):
    import os

    from ocr_core import pdf_input
    from ocr_core.imageio import read_image_page

    pdf = _two_page_pdf(tmp_path / "scan.pdf")
    renders = []
    original = pdf_input._render
    monkeypatch.setattr(pdf_input, "_render", lambda *a: renders.append(a[1]) or original(*a))
    first = read_image_page(pdf, 1)
    first[:] = 0  # the caller's own copy
    again = read_image_page(pdf, 1)
    assert renders == [1] and again.max() > 0
    Image.new("RGB", (72, 72), "white").save(pdf, resolution=72)  # the file is replaced
    os.utime(pdf, ns=(os.stat(pdf).st_atime_ns, os.stat(pdf).st_mtime_ns + 10**9))
    assert read_image_page(pdf, 0).shape == (72, 72, 3) and renders == [1, 0]


def _picture_page_pdf(path, text_mode: int):
    """A PDF page of 144 x 72 points: a picture over all of it, and "Hello" drawn over that in text render mode
    ``text_mode`` (0 visible, 3 invisible: a searchable scan's text). pdfium rebuilds the missing cross-reference."""
    content = f"q 144 0 0 72 0 0 cm /Im0 Do Q BT {text_mode} Tr /F1 12 Tf 10 30 Td (Hello) Tj ET".encode()
    picture = bytes([200]) * 48
    path.write_bytes(b"%PDF-1.4\n"
                     b"1 0 obj <</Type/Catalog/Pages 2 0 R>> endobj\n"
                     b"2 0 obj <</Type/Pages/Kids[3 0 R]/Count 1>> endobj\n"
                     b"3 0 obj <</Type/Page/Parent 2 0 R/MediaBox[0 0 144 72]/Resources<</XObject<</Im0 5 0 R>>"
                     b"/Font<</F1 6 0 R>>>>/Contents 4 0 R>> endobj\n"
                     + f"4 0 obj <</Length {len(content)}>> stream\n".encode() + content + b"\nendstream endobj\n"
                     + b"5 0 obj <</Type/XObject/Subtype/Image/Width 8/Height 6/ColorSpace/DeviceGray"
                     + f"/BitsPerComponent 8/Length {len(picture)}>> stream\n".encode() + picture
                     + b"\nendstream endobj\n"
                     b"6 0 obj <</Type/Font/Subtype/Type1/BaseFont/Helvetica>> endobj\n"
                     b"trailer <</Root 1 0 R>>\n%%EOF\n")
    return path


def test_text_drawn_over_a_page_picture_renders_at_300_dpi_and_a_searchable_scan_at_its_own(tmp_path):
    visible = read_image(_picture_page_pdf(tmp_path / "form.pdf", 0))
    assert visible.shape == (300, 600, 3)  # drawn text is sharp at any size: 300 dpi, not the picture's 4 dpi
    searchable = read_image(_picture_page_pdf(tmp_path / "scan.pdf", 3))
    assert searchable.shape == (72, 144, 3)  # only invisible text over the picture: the scan's own (72 at least)
