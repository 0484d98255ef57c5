"""Contact sheets: one PNG per animation showing its first, 1/3, 2/3 and last frames.

A reviewer sees a GIF at a glance, and can judge the set-up, the motion and the end
without playing it. The frames are read from the finished file (what the audience sees),
each labelled with its position and how long it stays on screen.

    python tools/contact_sheet.py gallery/*.gif            # writes gallery/sheets/*.png
    python tools/contact_sheet.py race.gif -o /tmp/sheets
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageSequence

PICKS = (("first", 0.0), ("1/3", 1 / 3), ("2/3", 2 / 3), ("last", 1.0))


def read_frames(path: Path) -> tuple[list[np.ndarray], list[int]]:
    """Every distinct picture of an animated image as RGB arrays, with how long it stays
    on screen in ms (a frame repeated to hold it counts once, for its whole time)."""
    frames, durations = [], []
    with Image.open(path) as im:
        for frame in ImageSequence.Iterator(im):
            rgb = np.asarray(frame.convert("RGB"))
            shown = int(frame.info.get("duration", 0))
            if frames and np.array_equal(rgb, frames[-1]):
                durations[-1] += shown
            else:
                frames.append(rgb)
                durations.append(shown)
    return frames, durations


def pick(n: int) -> list[int]:
    """Indices of the first, 1/3, 2/3 and last of ``n`` frames."""
    return [round(f * (n - 1)) for _, f in PICKS]


def sheet(path: Path, width: int = 1280) -> Image.Image:
    """A 2×2 sheet of the picked frames of ``path``, each captioned, ``width`` px wide."""
    frames, durations = read_frames(path)
    cell_w = width // 2
    h, w = frames[0].shape[:2]
    cell_h = round(h * cell_w / w)
    caption = 26
    out = Image.new("RGB", (2 * cell_w, 2 * (cell_h + caption)), "white")
    draw = ImageDraw.Draw(out)
    font = _font(18)
    for slot, ((name, _), i) in enumerate(zip(PICKS, pick(len(frames)), strict=True)):
        x, y = (slot % 2) * cell_w, (slot // 2) * (cell_h + caption)
        img = Image.fromarray(frames[i]).resize((cell_w, cell_h), Image.LANCZOS)
        out.paste(img, (x, y + caption))
        text = f"{name}: frame {i + 1}/{len(frames)}, shown {durations[i]} ms"
        draw.text((x + 6, y + 3), text, fill="black", font=font)
    return out


def _font(px: int):
    try:
        return ImageFont.truetype("DejaVuSans.ttf", px)
    except OSError:
        return ImageFont.load_default()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("animations", nargs="+", type=Path)
    parser.add_argument("-o", "--out", type=Path, help="folder (default: <folder>/sheets)")
    args = parser.parse_args(argv)
    for path in args.animations:
        if not path.is_file():
            print(f"contact_sheet: error: no such file '{path}'", file=sys.stderr)
            return 2
        folder = args.out or path.parent / "sheets"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{path.stem}.png"
        sheet(path).save(target)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
