"""Writers: streamed GIF (exact round trip, byte-identical, flat memory), atomic writes,
the other formats, and clear errors."""

from __future__ import annotations

import io
import sys
import tracemalloc
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from optviz.render import writers
from optviz.render.gif import Palette, frame_delays, make_palette, write_gif
from optviz.render.writers import save_frames
from optviz.util.errors import OutputError, ParameterError

ORANGE = (230, 159, 0)


def moving_square(n: int, h: int = 48, w: int = 64) -> list[np.ndarray]:
    """A grey/blue background with an orange square moving right, one step per frame."""
    base = np.full((h, w, 3), 200, np.uint8)
    base[: h // 2] = (20, 40, 90)
    frames = []
    for k in range(n):
        f = base.copy()
        x = 2 + (k * 3) % (w - 8)
        f[10:16, x : x + 6] = ORANGE
        frames.append(f)
    return frames


def decode(data: bytes) -> tuple[list[np.ndarray], list[int]]:
    im = Image.open(io.BytesIO(data))
    frames, durations = [], []
    for k in range(im.n_frames):
        im.seek(k)
        frames.append(np.asarray(im.convert("RGB")))
        durations.append(im.info["duration"])
    return frames, durations


def test_gif_decodes_to_the_palette_mapped_frames_exactly():
    frames = moving_square(12)
    palette = make_palette(frames[0], [ORANGE])
    buf = io.BytesIO()
    assert write_gif(buf, iter(frames), fps=10, hold_frames=0, palette=palette) == 12
    decoded, _ = decode(buf.getvalue())
    assert len(decoded) == 12
    for got, frame in zip(decoded, frames, strict=True):
        np.testing.assert_array_equal(got, palette.rgb(palette.index(frame)))
        np.testing.assert_array_equal(got, frame)  # every color here is in the palette


def test_gif_holds_the_last_frame_as_one_long_delay():
    buf = io.BytesIO()
    write_gif(buf, iter(moving_square(5)), fps=20, hold_frames=10)
    decoded, durations = decode(buf.getvalue())
    assert len(decoded) == 5
    assert durations == [50, 50, 50, 50, 50 + 10 * 50]


def test_frame_delays_add_up_without_drift():
    for fps in (7, 20, 24, 30, 60):
        for hold in (0, 3):
            d = frame_delays(97, fps, hold)
            assert sum(d) == round((97 + hold) * 100 / fps)
            assert min(d) >= 1


def test_same_inputs_give_byte_identical_gif(tmp_path):
    a = save_frames(tmp_path / "a.gif", iter(moving_square(20)), fps=15, hold_frames=4)
    b = save_frames(tmp_path / "b.gif", iter(moving_square(20)), fps=15, hold_frames=4)
    assert a.read_bytes() == b.read_bytes()


def test_failing_frames_leave_the_existing_file_intact(tmp_path):
    target = tmp_path / "out.gif"
    target.write_bytes(b"precious")

    def broken():
        yield from moving_square(3)
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError):
        save_frames(target, broken(), fps=10)
    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gif"]


def test_mp4_without_the_extra_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import now fails
    with pytest.raises(OutputError) as err:
        save_frames(tmp_path / "a.mp4", iter(moving_square(3)), fps=10)
    assert str(err.value) == "mp4 needs the optional imageio-ffmpeg: pip install 'optviz[mp4]'"
    assert not list(tmp_path.iterdir())


def test_mp4_through_the_optional_extra(tmp_path):
    import imageio_ffmpeg as ffmpeg  # in the test extras, so the mp4 path is always tested

    out = save_frames(tmp_path / "a.mp4", iter(moving_square(6, h=47)), fps=10, hold_frames=2)
    reader = ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert meta["size"] == (64, 48)  # odd height padded for yuv420p
    assert sum(1 for _ in reader) == 8  # the hold repeats the last frame


def test_unknown_extension_names_the_allowed_ones(tmp_path):
    with pytest.raises(OutputError, match=r"unknown extension; allowed: \.gif, \.mp4"):
        save_frames(tmp_path / "a.avi", iter(moving_square(2)), fps=10)


def test_bad_frames_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="uint8"):
        save_frames(tmp_path / "a.gif", [np.zeros((4, 4, 3))], fps=10)
    with pytest.raises(ParameterError, match="no frames"):
        save_frames(tmp_path / "a.gif", [], fps=10)
    with pytest.raises(ParameterError, match="fps"):
        save_frames(tmp_path / "a.gif", moving_square(2), fps=0)
    assert not list(tmp_path.iterdir())


def test_folder_of_png_frames_repeats_the_held_frame(tmp_path):
    frames = moving_square(4)
    out = save_frames(str(tmp_path / "frames") + "/", iter(frames), fps=10, hold_frames=2)
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"frame_{k:05d}.png" for k in range(6)]
    np.testing.assert_array_equal(np.asarray(Image.open(out / names[-1])), frames[-1])
    # writing again replaces the old frames; a folder with other files is refused
    save_frames(tmp_path / "frames", iter(frames[:2]), fps=10)
    assert len(list(out.iterdir())) == 2
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="holds other files"):
        save_frames(tmp_path / "frames", iter(frames), fps=10)
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("suffix", [".webp", ".apng"])
def test_pillow_animations_keep_count_and_hold(tmp_path, suffix):
    out = save_frames(tmp_path / f"a{suffix}", iter(moving_square(5)), fps=10, hold_frames=5)
    im = Image.open(out)
    assert im.n_frames == 5
    im.seek(4)
    im.load()  # WebP reports a frame's duration once it is decoded
    assert im.info["duration"] == 600


def test_html_player_embeds_every_frame_exactly(tmp_path):
    import json
    import re

    frames = moving_square(4)
    out = save_frames(tmp_path / "a.html", iter(frames), fps=10, hold_frames=3)
    page = out.read_text()
    stored = json.loads(re.search(r"const FRAMES = (\[.*\]);", page)[1])
    assert len(stored) == 4
    for frame, shown in zip(frames, html_frames(stored), strict=True):
        np.testing.assert_array_equal(shown, frame)
    assert '"fps": 10' in page and '"hold": 3' in page


def html_frames(stored: list) -> Iterator[np.ndarray]:
    """What the player's canvas shows, frame by frame: each stored picture drawn at its
    place over the one before, its transparent pixels leaving what is there."""
    import base64
    import io

    canvas = None
    for x, y, url in stored:
        data = base64.b64decode(url.split(",", 1)[1])
        patch = np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))
        if canvas is None:
            canvas = np.zeros((*patch.shape[:2], 3), np.uint8)
        h, w = patch.shape[:2]
        opaque = patch[..., 3] == 255
        assert ((patch[..., 3] == 0) | opaque).all()  # a pixel is kept or replaced
        canvas[y : y + h, x : x + w][opaque] = patch[..., :3][opaque]
        yield canvas.copy()


def test_png_is_the_last_frame(tmp_path):
    frames = moving_square(4)
    out = save_frames(tmp_path / "last.png", iter(frames), fps=10)
    np.testing.assert_array_equal(np.asarray(Image.open(out)), frames[-1])


def test_gif_memory_does_not_grow_with_frame_count(tmp_path):
    def peak(n: int) -> int:
        frames = (f for f in _endless(n))
        tracemalloc.start()
        save_frames(tmp_path / f"m{n}.gif", frames, fps=25)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    peak(5)  # warm up imports and caches
    small, large = peak(40), peak(320)
    assert large < 1.3 * small


def _endless(n: int):
    base = np.full((120, 160, 3), 180, np.uint8)
    for k in range(n):
        f = base.copy()
        x = (k * 2) % 150
        f[50:60, x : x + 10] = ORANGE
        yield f


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1, max_size=40, unique=True),
    st.lists(st.tuples(*[st.integers(0, 255)] * 3), min_size=1, max_size=30),
)
def test_palette_lookup_is_nearly_nearest(colors, pixels):
    """The lookup bins pixels by 6 bits per channel, so the chosen color is at most
    2 * |bin centre - pixel| <= 4 sqrt(3) farther than the true nearest color."""
    palette = Palette(colors)
    px = np.array(pixels, np.uint8).reshape(1, -1, 3)
    chosen = palette.rgb(palette.index(px))[0].astype(float)
    pal = np.array(colors, float)
    dist = np.linalg.norm(px[0, :, None].astype(float) - pal[None], axis=-1)
    got = np.linalg.norm(px[0].astype(float) - chosen, axis=-1)
    assert np.all(got <= dist.min(1) + 4 * np.sqrt(3) + 1e-9)


def test_palette_keeps_the_scene_colors_exactly():
    img = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    p = make_palette(img, [ORANGE, (86, 180, 233)])
    assert len(p.colors) <= 255
    assert p.colors[:2].tolist() == [list(ORANGE), [86, 180, 233]]


def test_save_figure_formats_and_errors(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1])
    magic = {".png": b"\x89PNG", ".svg": b"<?xml", ".pdf": b"%PDF"}
    for suffix, head in magic.items():
        out = writers.save_figure(fig, tmp_path / f"f{suffix}", dpi=40)
        assert out.read_bytes().startswith(head)
    with pytest.raises(OutputError, match=r"allowed: \.png, \.svg, \.pdf"):
        writers.save_figure(fig, tmp_path / "f.jpg")
    with pytest.raises(OutputError, match="does not exist"):
        writers.save_figure(fig, tmp_path / "nope" / "f.png")


def test_the_html_player_is_about_the_size_of_the_gif(tmp_path):
    # race.html embedded every frame whole: 11.4 MB for 2 optimizers x 200 steps, 45x
    # the GIF of the same race; its frames are now stored as the GIF stores them (the
    # rest is base64's third and each small PNG's headers)
    import optviz as ov

    race = ov.race("rosenbrock", ["adam:lr=0.1", "momentum:lr=0.001"], steps=100)
    frames = list(race.animate(dpi=40, fps=10, duration=3).frames())
    palette = make_palette(frames[-1])
    gif, page = (
        save_frames(tmp_path / f"race{suffix}", iter(frames), fps=10, palette=palette)
        for suffix in (".gif", ".html")
    )
    assert page.stat().st_size < 2 * gif.stat().st_size
