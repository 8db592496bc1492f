"""Draw the integration's brand images (our own artwork, no car maker's logo or trademark).

Home Assistant serves a custom integration's `brand/` folder (icon.png, logo.png, their @2x and
dark_ variants) and HACS checks that `brand/icon.png` exists. The picture is a plain car side
view with signal waves above the roof and a charging bolt on the door, in two palettes: one for
light backgrounds and one for dark backgrounds.

Run: .venv/bin/python scripts/make_brand_images.py  (rewrites the PNGs, deterministic output)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
BRAND_DIR = ROOT / "custom_components" / "psa_connected_car" / "brand"
LOGO_TEXT = "Connected Car"
# Drawing happens on a large canvas, then is scaled down: this gives smooth edges.
CANVAS = 2048
TRANSPARENT = (0, 0, 0, 0)


@dataclass(frozen=True)
class Palette:
    """Colours for one background type."""

    body: tuple[int, int, int, int]
    signal: tuple[int, int, int, int]
    text: tuple[int, int, int, int]


LIGHT = Palette(body=(25, 118, 210, 255), signal=(46, 160, 67, 255), text=(38, 50, 56, 255))
DARK = Palette(body=(100, 181, 246, 255), signal=(129, 199, 132, 255), text=(236, 239, 241, 255))


def _scaled(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Map points drawn on a 1000x1000 grid onto the canvas."""
    factor = CANVAS / 1000
    return [(x * factor, y * factor) for x, y in points]


def _box(left: float, top: float, right: float, bottom: float) -> tuple[float, ...]:
    factor = CANVAS / 1000
    return (left * factor, top * factor, right * factor, bottom * factor)


def draw_car(palette: Palette) -> Image.Image:
    """The icon artwork on a transparent square canvas (not yet trimmed)."""
    shape = Image.new("L", (CANVAS, CANVAS), 0)  # 255 where the car body is
    pen = ImageDraw.Draw(shape)
    radius = CANVAS * 0.07
    # Lower body with rounded corners, then the cabin on top of it.
    pen.rounded_rectangle(_box(40, 520, 960, 760), radius=radius, fill=255)
    pen.polygon(_scaled([(230, 540), (340, 350), (640, 350), (790, 540)]), fill=255)
    pen.rounded_rectangle(_box(330, 340, 650, 420), radius=radius / 2, fill=255)
    # Windows and the wheel gaps are cut out of the body (transparent).
    pen.polygon(_scaled([(300, 525), (375, 400), (480, 400), (480, 525)]), fill=0)
    pen.polygon(_scaled([(520, 525), (520, 400), (625, 400), (715, 525)]), fill=0)
    for centre_x in (250, 750):
        pen.ellipse(_box(centre_x - 130, 640, centre_x + 130, 900), fill=0)
    # Charging bolt on the door.
    bolt = [(520, 555), (430, 665), (495, 665), (470, 745), (570, 625), (505, 625), (540, 555)]
    pen.polygon(_scaled(bolt), fill=0)

    wheels = Image.new("L", (CANVAS, CANVAS), 0)
    wheel_pen = ImageDraw.Draw(wheels)
    for centre_x in (250, 750):
        wheel_pen.ellipse(_box(centre_x - 100, 670, centre_x + 100, 870), fill=255)
        wheel_pen.ellipse(_box(centre_x - 40, 730, centre_x + 40, 810), fill=0)

    signal = Image.new("L", (CANVAS, CANVAS), 0)
    signal_pen = ImageDraw.Draw(signal)
    centre = (490, 330)
    for reach in (28, 95, 170, 245):  # the antenna dot, then three waves
        box = _box(centre[0] - reach, centre[1] - reach, centre[0] + reach, centre[1] + reach)
        if reach < 50:
            signal_pen.ellipse(box, fill=255)
        else:
            signal_pen.arc(box, start=215, end=325, fill=255, width=int(CANVAS * 0.032))

    image = Image.new("RGBA", (CANVAS, CANVAS), TRANSPARENT)
    image.paste(Image.new("RGBA", image.size, palette.body), mask=shape)
    image.paste(Image.new("RGBA", image.size, palette.body), mask=wheels)
    image.paste(Image.new("RGBA", image.size, palette.signal), mask=signal)
    return image


def trimmed(image: Image.Image) -> Image.Image:
    """Crop away the transparent border."""
    box = image.getbbox()
    assert box is not None
    return image.crop(box)


def square_icon(artwork: Image.Image, size: int) -> Image.Image:
    """Centre the trimmed artwork on a transparent square of `size` pixels."""
    art = trimmed(artwork)
    side = max(art.size)
    square = Image.new("RGBA", (side, side), TRANSPARENT)
    square.paste(art, ((side - art.width) // 2, (side - art.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def logo(artwork: Image.Image, palette: Palette, height: int) -> Image.Image:
    """The artwork followed by the name, trimmed, `height` pixels high (landscape)."""
    art = trimmed(artwork)
    font = ImageFont.load_default(size=int(art.height * 0.42))
    left, top, right, bottom = font.getbbox(LOGO_TEXT)
    gap = art.height // 5
    canvas = Image.new("RGBA", (art.width + gap + right - left, art.height), TRANSPARENT)
    canvas.paste(art, (0, 0))
    pen = ImageDraw.Draw(canvas)
    text_y = (art.height - (bottom - top)) // 2 - top
    pen.text((art.width + gap - left, text_y), LOGO_TEXT, font=font, fill=palette.text)
    canvas = trimmed(canvas)
    width = round(canvas.width * height / canvas.height)
    return canvas.resize((width, height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every image Home Assistant's brands view knows about."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        artwork = draw_car(palette)
        images = {
            "icon.png": square_icon(artwork, 256),
            "icon@2x.png": square_icon(artwork, 512),
            "logo.png": logo(artwork, palette, 128),
            "logo@2x.png": logo(artwork, palette, 256),
        }
        for name, image in images.items():
            image.save(BRAND_DIR / f"{prefix}{name}", optimize=True)
            print(f"wrote {prefix}{name} {image.width}x{image.height}")


if __name__ == "__main__":
    main()
