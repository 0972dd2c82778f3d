"""Helpers for the synthetic-data tests: tiny fonts built in code with fontTools."""

from __future__ import annotations

from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,!? "


def build_font(path: Path, shapes: dict[str, str], family: str = "Test Font") -> Path:
    """A TrueType font whose glyphs are simple outlines: ``ring`` (a square with a hole), ``bar``
    (a vertical stroke), ``ell`` (an L), ``box`` (a solid square). Unmapped characters are absent."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    def draw(kind: str):
        pen = TTGlyphPen(None)

        def rect(x0, y0, x1, y1, clockwise=True):
            pts = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)] if clockwise else [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            pen.moveTo(pts[0])
            for p in pts[1:]:
                pen.lineTo(p)
            pen.closePath()

        if kind == "ring":
            rect(50, 0, 550, 500)
            rect(150, 100, 450, 400, clockwise=False)
        elif kind == "bar":
            rect(200, 0, 330, 700)
        elif kind == "ell":
            rect(50, 0, 450, 120)
            rect(50, 0, 170, 700)
        elif kind == "box":
            rect(50, 0, 550, 600)
        return pen.glyph()

    names = [".notdef", "space"] + [f"g{ord(c)}" for c in shapes]
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder(names)
    cmap = {32: "space"}
    cmap.update({ord(c): f"g{ord(c)}" for c in shapes})
    fb.setupCharacterMap(cmap)
    empty = TTGlyphPen(None).glyph()
    glyphs = {".notdef": draw("box"), "space": empty}
    glyphs.update({f"g{ord(c)}": draw(kind) for c, kind in shapes.items()})
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({n: (600, 0) for n in names})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    fb.save(str(path))
    return path


def build_small_caps(source: Path, path: Path, scale: tuple[float, float] = (0.95, 0.72)) -> Path:
    """A copy of ``source`` whose lower-case letters draw its capitals scaled by ``scale`` (x, y): small
    capitals, wider than a plain shrink as real ones are, so their shapes differ from the capitals'."""
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    cmap = font.getBestCmap()
    glyph_set = font.getGlyphSet()
    order = list(font.getGlyphOrder())
    glyf, hmtx = font["glyf"], font["hmtx"]
    for letter in "abcdefghijklmnopqrstuvwxyz":
        upper = cmap[ord(letter.upper())]
        pen = TTGlyphPen(None)
        glyph_set[upper].draw(TransformPen(pen, (scale[0], 0, 0, scale[1], 0, 0)))
        name = f"smcp.{letter}"
        glyf[name] = pen.glyph()
        width, lsb = hmtx[upper]
        hmtx[name] = (round(width * scale[0]), round(lsb * scale[0]))
        order.append(name)
        for table in font["cmap"].tables:
            if table.isUnicode() and ord(letter) in table.cmap:
                table.cmap[ord(letter)] = name
    font.setGlyphOrder(order)
    font["maxp"].numGlyphs = len(order)
    font.save(str(path))
    return path
