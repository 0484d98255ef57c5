"""The HTML player: an animation as one self-contained page.

The first frame is embedded whole and every later one as the rectangle that changed
(:func:`optviz.render.gif.changed_patch`), as PNG data; a small script replays them (see
:func:`html_player`), so a page is about the size of the GIF.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable

import numpy as np

from ..util.errors import ParameterError
from .gif import TRANSPARENT, Palette, changed_patch, make_palette


def html_player(
    frames: Iterable[np.ndarray],
    fps: float,
    hold_frames: int = 0,
    palette: Palette | None = None,
    title: str = "optviz",
) -> str:
    """A self-contained HTML page that plays ``frames``: play/pause, a step slider,
    previous/next buttons and the keyboard (space, arrow keys).

    Frames are stored as a GIF stores them: the first whole, each later one as the
    rectangle that changed, its unchanged pixels transparent, a PNG of the animation's
    palette (exact colours); the page paints them in order on a canvas (a jump back
    repaints from the first, a few hundred small pictures). The page needs no network
    and no other file; the last frame is held ``hold_frames`` frame durations before the
    loop restarts. Frames are encoded as they arrive: memory holds the compressed page.

    >>> frames = (np.full((4, 6, 3), 60 * k, np.uint8) for k in range(3))
    >>> page = html_player(frames, fps=10)
    >>> page.count("data:image/png;base64,"), "<input type='range'" in page
    (3, True)
    """
    import html
    import json

    encoded: list = []
    prev_rgb = prev_idx = None
    for frame in frames:
        if palette is None:
            palette = make_palette(frame)
        if prev_rgb is None:
            height, width = frame.shape[:2]
            prev_idx = np.ascontiguousarray(palette.index(frame))
            box, patch = (0, 0, width, height), prev_idx
        else:
            box, patch = changed_patch(frame, prev_rgb, prev_idx, palette)
        encoded.append([box[0], box[1], _png_patch(patch, palette)])
        prev_rgb = frame
    if not encoded:
        raise ParameterError("no frames to write")
    return _PLAYER.format(
        title=html.escape(title),
        width=width,
        height=height,
        page=max(width, 640),  # room for the controls beside a small animation
        last=len(encoded) - 1,
        count=len(encoded),
        frames=json.dumps(encoded, separators=(",", ":")),
        options=json.dumps({"fps": fps, "hold": int(hold_frames)}),
    )


def _png_patch(patch: np.ndarray, palette: Palette) -> str:
    """A patch of palette indices as a PNG data URL: only the colours it uses in its
    palette (most patches use a few), the unchanged pixels transparent."""
    from PIL import Image

    used, local = np.unique(patch, return_inverse=True)
    image = Image.fromarray(local.reshape(patch.shape).astype(np.uint8), mode="P")
    image.putpalette(palette.colors[np.minimum(used, len(palette.colors) - 1)].tobytes())
    options: dict = {"compress_level": 9, "optimize": True}
    if used[-1] == TRANSPARENT:  # np.unique sorts: the transparent index comes last
        options["transparency"] = len(used) - 1
    buf = io.BytesIO()
    image.save(buf, format="PNG", **options)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


_PLAYER = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ margin: 0; background: #f4f4f4; font: 18px/1.4 system-ui, sans-serif; }}
  main {{ max-width: {page}px; margin: 0 auto; padding: 12px; }}
  #frame {{ max-width: 100%; height: auto; display: block; margin: 0 auto; background: #fff; }}
  .controls {{ display: flex; gap: 12px; align-items: center; margin-top: 10px; }}
  button {{ font: inherit; min-width: 3.2em; padding: 4px 12px; }}
  input[type=range] {{ flex: 1; }}
  output {{ min-width: 5em; text-align: right; font-variant-numeric: tabular-nums; }}
</style></head>
<body><main>
<canvas id="frame" width="{width}" height="{height}" role="img" aria-label="{title}"></canvas>
<div class="controls">
  <button id="prev" type="button" title="previous frame (left arrow)">&#9664;&#9664;</button>
  <button id="play" type="button" title="play / pause (space)">Pause</button>
  <button id="next" type="button" title="next frame (right arrow)">&#9654;&#9654;</button>
  <input type='range' id="step" min="0" max="{last}" value="0" aria-label="frame">
  <output id="label" for="step">1 / {count}</output>
</div>
</main>
<script>
"use strict";
// [x, y, PNG]: the first frame whole, then what changed (unchanged pixels transparent)
const FRAMES = {frames};
const OPTIONS = {options};
const canvas = document.getElementById("frame");
const ctx = canvas.getContext("2d");
const slider = document.getElementById("step");
const label = document.getElementById("label");
const play = document.getElementById("play");
const pictures = FRAMES.map(([x, y, src]) => {{
  const im = new Image(); im.src = src; return im;
}});
let index = 0, painted = -1, timer = null, ready = false;
function paint(i) {{  // each frame is drawn over the one before it, once all are decoded
  if (!ready) return;
  if (i < painted) painted = -1;
  for (let k = painted + 1; k <= i; k++) ctx.drawImage(pictures[k], FRAMES[k][0], FRAMES[k][1]);
  painted = i;
}}
function show(i) {{
  index = (i + FRAMES.length) % FRAMES.length;
  paint(index);
  slider.value = index;
  label.textContent = (index + 1) + " / " + FRAMES.length;
}}
function delay() {{  // the last frame stays on screen for its hold, then the loop restarts
  const hold = index === FRAMES.length - 1 ? OPTIONS.hold : 0;
  return 1000 * (1 + hold) / OPTIONS.fps;
}}
function tick() {{ show(index + 1); timer = setTimeout(tick, delay()); }}
function pause() {{ clearTimeout(timer); timer = null; play.textContent = "Play"; }}
function start() {{
  if (timer === null) {{ timer = setTimeout(tick, delay()); play.textContent = "Pause"; }}
}}
play.addEventListener("click", () => (timer === null ? start() : pause()));
slider.addEventListener("input", () => {{ pause(); show(Number(slider.value)); }});
document.getElementById("prev").addEventListener("click", () => {{ pause(); show(index - 1); }});
document.getElementById("next").addEventListener("click", () => {{ pause(); show(index + 1); }});
document.addEventListener("keydown", (e) => {{
  if (e.target === slider || e.target.tagName === "BUTTON") return;
  if (e.key === " ") {{ e.preventDefault(); timer === null ? start() : pause(); }}
  if (e.key === "ArrowLeft") {{ pause(); show(index - 1); }}
  if (e.key === "ArrowRight") {{ pause(); show(index + 1); }}
}});
Promise.all(pictures.map((im) => im.decode())).then(() => {{
  ready = true;
  canvas.dataset.ready = "true";
  show(index);
  start();
}});
</script>
</body></html>
"""
