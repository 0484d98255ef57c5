"""The streaming GIF encoder: one palette for a whole animation, frames stored as the
rectangles that changed.

GIFs are written by a small streaming encoder rather than by Pillow's
``save(append_images=...)`` (which keeps every frame in memory):

* one palette for the whole animation, chosen once (:func:`make_palette`: the scene's
  exact colors first, then a median-cut of a representative frame);
* every frame is mapped onto it with a 64-level-per-channel lookup table
  (:class:`Palette`, filled as new colors appear), not quantized on its own;
* each frame after the first stores only the rectangle that changed, with unchanged
  pixels inside it transparent, so LZW has little to do and the file stays small;
* a frame is written as soon as the next one arrives, so memory holds two frames
  whatever the frame count.

The same frames and palette give a byte-identical GIF.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

import numpy as np

from ..util.errors import ParameterError

TRANSPARENT = 255  # palette index reserved for "unchanged" pixels of a GIF frame
UNKNOWN = 255  # lookup-table entry not computed yet (never a real index)
BITS = 6  # lookup-table resolution per channel
MAX_DELAY = 65535  # a GIF frame's delay in 1/100 s is an unsigned 16-bit number


# ----------------------------------------------------------------------------- palette
class Palette:
    """Up to 255 RGB colors and a lookup table mapping any RGB pixel to the nearest one.

    Index 255 is kept free: GIF frames use it for "unchanged since the last frame".

    >>> p = Palette([[0, 0, 0], [255, 255, 255], [230, 159, 0]])
    >>> p.index(np.array([[[10, 10, 10], [250, 250, 250], [228, 160, 4]]], np.uint8)).tolist()
    [[0, 1, 2]]
    """

    def __init__(self, colors: Sequence[Sequence[int]] | np.ndarray):
        colors = np.asarray(colors, dtype=np.uint8).reshape(-1, 3)
        if not 1 <= len(colors) <= 255:
            raise ParameterError(f"a palette needs 1..255 colors, not {len(colors)}")
        self.colors = colors
        # bin -> palette index, filled lazily: a scene uses a few thousand of the 2^18 bins
        self._lut = np.full(1 << (3 * BITS), UNKNOWN, np.uint8)
        self._centres = colors.astype(np.int32)

    def index(self, rgb: np.ndarray) -> np.ndarray:
        """Palette index ``(H, W)`` uint8 of an ``(H, W, 3)`` uint8 image."""
        shift = 8 - BITS
        r = (rgb[..., 0] >> shift).astype(np.uint32)  # 32-bit: half the memory traffic
        g = (rgb[..., 1] >> shift).astype(np.uint32)
        b = rgb[..., 2] >> shift
        bins = (r << (2 * BITS)) | (g << BITS) | b
        idx = self._lut[bins]
        missing = idx == UNKNOWN
        if missing.any():
            self._learn(np.unique(bins[missing]))
            idx = self._lut[bins]
        return idx

    def _learn(self, bins: np.ndarray) -> None:
        """Fill the lookup table for ``bins``: the palette color nearest each bin's centre."""
        mask = (1 << BITS) - 1
        half = 1 << (7 - BITS)
        centre = np.stack([(bins >> (2 * BITS)) & mask, (bins >> BITS) & mask, bins & mask], -1)
        centre = (centre << (8 - BITS)) + half
        for lo in range(0, len(bins), 4096):
            part = centre[lo : lo + 4096, None, :] - self._centres[None]
            self._lut[bins[lo : lo + 4096]] = np.argmin((part * part).sum(-1), axis=1)

    def rgb(self, index: np.ndarray) -> np.ndarray:
        """The colors of palette indices (the inverse of :meth:`index`, up to rounding)."""
        return self.colors[index]

    def gif_table(self) -> bytes:
        """The 256-entry GIF color table (unused entries black)."""
        table = np.zeros((256, 3), np.uint8)
        table[: len(self.colors)] = self.colors
        return table.tobytes()


def make_palette(image: np.ndarray, colors: Iterable[Sequence[int]] = (), n: int = 255) -> Palette:
    """A palette for a whole animation: ``colors`` exactly, then ``image``'s main colors.

    ``image`` is a representative frame (the background, say); its colors fill the slots
    ``colors`` leave, chosen by Pillow's median cut.

    >>> img = np.zeros((4, 4, 3), np.uint8); img[:2] = 200
    >>> p = make_palette(img, colors=[(230, 159, 0)])
    >>> sorted(map(tuple, p.colors.tolist()))
    [(0, 0, 0), (200, 200, 200), (230, 159, 0)]
    """
    from PIL import Image

    fixed = _unique_rows(np.asarray(list(colors), dtype=np.uint8).reshape(-1, 3))[:n]
    room = n - len(fixed)
    found = np.zeros((0, 3), np.uint8)
    if room > 0:
        pil = Image.fromarray(np.ascontiguousarray(image[..., :3], dtype=np.uint8))
        quant = pil.quantize(colors=room, method=Image.Quantize.MEDIANCUT)
        used = np.unique(np.asarray(quant))
        table = np.asarray(quant.getpalette()[: 3 * 256], np.uint8).reshape(-1, 3)
        found = table[used]
    merged = _unique_rows(np.concatenate([fixed, found]))
    return Palette(merged[:n])


def blends(colors, ground, alphas=(1.0,), most: int = 192) -> np.ndarray:
    """RGB uint8 rows: each of ``colors`` drawn at each opacity in ``alphas`` over ``ground``.

    What an animation draws in translucent lines or fills, for :func:`make_palette`'s
    exact colors. More than ``most`` combinations keep evenly spaced colors (a long
    sequential ramp needs no more to be mapped closely).

    >>> blends(["#ff0000"], "white", (1.0, 0.5)).tolist()
    [[255, 0, 0], [255, 128, 128]]
    """
    from matplotlib.colors import to_rgb

    rgb = np.array([to_rgb(c) for c in colors], float).reshape(-1, 3)
    keep = max(1, most // max(len(alphas), 1))
    if len(rgb) > keep:
        rgb = rgb[np.round(np.linspace(0, len(rgb) - 1, keep)).astype(int)]
    under = np.array(to_rgb(ground))
    mixed = [a * rgb + (1 - a) * under for a in alphas]
    return np.round(255 * np.concatenate(mixed)).astype(np.uint8)


def _unique_rows(rows: np.ndarray) -> np.ndarray:
    """Rows without repeats, in first-seen order."""
    if not len(rows):
        return rows
    _, first = np.unique(rows, axis=0, return_index=True)
    return rows[np.sort(first)]


# ----------------------------------------------------------------------------- gif
def frame_delays(n: int, fps: float, hold_frames: int = 0) -> list[int]:
    """GIF delays in hundredths of a second for ``n`` frames, rounded without drift.

    >>> frame_delays(4, 30, hold_frames=3)  # 1/30 s does not fit centiseconds
    [3, 4, 3, 13]
    """
    ends = [round((k + 1) * 100 / fps) for k in range(n)]
    delays = [b - a for a, b in zip([0, *ends], ends, strict=False)]
    if delays:
        delays[-1] += round((n + hold_frames) * 100 / fps) - ends[-1]
    return [max(d, 1) for d in delays]  # 0 would mean "as fast as possible" to viewers


def _delay(k: int, fps: float) -> int:
    return max(round((k + 1) * 100 / fps) - round(k * 100 / fps), 1)


def write_gif(
    fh,
    frames: Iterable[np.ndarray],
    fps: float,
    hold_frames: int = 0,
    palette: Palette | None = None,
    loop: int = 0,
) -> int:
    """Encode ``frames`` as a looping GIF onto the binary file ``fh``; return the count.

    Memory holds the previous frame and one encoded frame, whatever the frame count.
    """
    from PIL import GifImagePlugin, Image

    prev_rgb = prev_idx = None
    pending: list[bytes] | None = None
    count = 0
    for frame in frames:
        if palette is None:
            palette = make_palette(frame)
        if prev_rgb is None:
            height, width = frame.shape[:2]
            fh.write(_gif_header(width, height, palette, loop))
            idx = palette.index(frame)
            box, patch = (0, 0, width, height), idx
            prev_idx = idx
        else:
            box, patch = changed_patch(frame, prev_rgb, prev_idx, palette)
        if pending is not None:
            _write_gif_frame(fh, pending, _delay(count - 1, fps))
        im = Image.fromarray(np.ascontiguousarray(patch), mode="P")
        pending = GifImagePlugin.getdata(im, offset=box[:2])
        prev_rgb = frame
        count += 1
    if pending is not None:
        last = round((count + hold_frames) * 100 / fps) - round((count - 1) * 100 / fps)
        # a delay is 16 bits (at most 655 s): a longer hold continues in empty frames
        last = max(last, 1)
        _write_gif_frame(fh, pending, min(last, MAX_DELAY))
        empty = GifImagePlugin.getdata(Image.new("P", (1, 1), TRANSPARENT), offset=(0, 0))
        for rest in range(last - MAX_DELAY, 0, -MAX_DELAY):
            _write_gif_frame(fh, empty, min(rest, MAX_DELAY))
    fh.write(b";")
    return count


def _gif_header(width: int, height: int, palette: Palette, loop: int) -> bytes:
    if not (0 < width < 65536 and 0 < height < 65536):
        raise ParameterError(f"a GIF frame must be under 65536 pixels a side, not {width}x{height}")
    screen = struct.pack("<HHBBB", width, height, 0xF7, 0, 0)  # 256-color global table
    netscape = b"!\xff\x0bNETSCAPE2.0\x03\x01" + struct.pack("<H", loop) + b"\x00"
    return b"GIF89a" + screen + palette.gif_table() + netscape


def _write_gif_frame(fh, data: list[bytes], delay_cs: int) -> None:
    # graphic control: disposal 1 (keep the frame under the next one), transparent index
    fh.write(b"!\xf9\x04" + struct.pack("<BHBB", 0b0000_0101, delay_cs, TRANSPARENT, 0))
    for chunk in data:
        fh.write(chunk)


def _changed_pixels(frame: np.ndarray, prev: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool: where two RGB frames differ.

    Frames that are RGB views into contiguous RGBA memory (what the animation engine
    hands over, with no copy) are compared one 32-bit word per pixel.
    """
    words = _rgba_words(frame), _rgba_words(prev)
    if words[0] is not None and words[1] is not None:
        return np.not_equal(*words)
    ne = np.not_equal(frame, prev)
    return ne[..., 0] | ne[..., 1] | ne[..., 2]  # ~10x faster than any() over 3 channels


def _rgba_words(rgb: np.ndarray) -> np.ndarray | None:
    """The ``(H, W)`` uint32 pixels under an RGB view of a contiguous RGBA image, if it is one."""
    base = rgb.base
    h, w = rgb.shape[:2]
    if (
        isinstance(base, np.ndarray)
        and base.dtype == np.uint8
        and base.shape == (h, w, 4)
        and base.flags.c_contiguous
        and rgb.strides == base.strides
        and rgb.__array_interface__["data"][0] == base.__array_interface__["data"][0]
    ):
        return base.view(np.uint32)[..., 0]
    return None


def changed_patch(frame, prev_rgb, prev_idx, palette):
    """The bounding box of what changed, as indices with unchanged pixels transparent.

    Only changed pixels are looked up in the palette (an unchanged pixel keeps its
    index): a turning camera changes a fifth of a box that spans most of the frame.
    ``prev_idx`` (the indices on screen, C-contiguous) is updated in place.
    """
    if not prev_idx.flags.c_contiguous:
        raise ValueError("prev_idx must be C-contiguous: it is updated in place")
    width = prev_idx.shape[1]
    where = np.flatnonzero(_changed_pixels(frame, prev_rgb))
    words = _rgba_words(frame)
    if words is None:
        rgb = frame.reshape(-1, 3)[where]
    else:
        rgb = words.reshape(-1)[where].view(np.uint8).reshape(-1, 4)[:, :3]
    new = palette.index(rgb[None])[0]
    shown = prev_idx.reshape(-1)  # a view: prev_idx is contiguous
    moved = new != shown[where]  # a new colour may map to the index on screen
    where, new = where[moved], new[moved]
    if not len(where):
        return (0, 0, 1, 1), np.full((1, 1), TRANSPARENT, np.uint8)
    shown[where] = new
    rows, cols = np.divmod(where, width)
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols.min(), cols.max() + 1
    patch = np.full((y1 - y0) * (x1 - x0), TRANSPARENT, np.uint8)
    patch[(rows - y0) * (x1 - x0) + (cols - x0)] = new
    return (int(x0), int(y0), int(x1), int(y1)), patch.reshape(y1 - y0, x1 - x0)
