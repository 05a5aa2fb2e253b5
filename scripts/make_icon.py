"""Draw the app icon: resources/icon.png (256 px) and resources/icon.ico (16-256 px).

A blue rounded square holding a white speech bubble (customer service) with three
rising bars (analysis). Drawn from code with Pillow, no third-party artwork:
``python scripts/make_icon.py`` rebuilds both files.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SIZE = 1024  # drawn large, scaled down with antialiasing
BLUE, WHITE, ORANGE = (28, 106, 196, 255), (255, 255, 255, 255), (245, 150, 40, 255)


def draw() -> Image.Image:
    img = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((32, 32, SIZE - 32, SIZE - 32), radius=200, fill=BLUE)
    # speech bubble with a tail at the lower left
    d.rounded_rectangle((170, 200, 854, 700), radius=120, fill=WHITE)
    d.polygon([(280, 660), (250, 860), (450, 690)], fill=WHITE)
    # three rising bars inside the bubble
    base = 610
    for i, height in enumerate((150, 250, 340)):
        x = 300 + i * 150
        d.rounded_rectangle((x, base - height, x + 100, base), radius=24, fill=ORANGE if i == 2 else BLUE)
    return img


def main() -> None:
    big = draw()
    png = big.resize((256, 256), Image.LANCZOS)
    png.save(ROOT / "resources" / "icon.png", optimize=True)
    png.save(
        ROOT / "resources" / "icon.ico",
        sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)],
    )
    print("wrote resources/icon.png and resources/icon.ico")


if __name__ == "__main__":
    main()
