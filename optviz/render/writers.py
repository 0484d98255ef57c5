"""Writers: figures (PNG/SVG/PDF) and streamed frames (GIF, MP4, WebP, APNG, PNG folder, HTML).

Every write is atomic: the output goes to a temporary file (or folder) beside the
target and is renamed onto it only once complete, so a failed render leaves an existing
file intact and never a partial one.

GIFs are streamed by :mod:`.gif` (one palette, changed rectangles, constant memory).

How the hold on the last frame is stored: ``hold_frames`` extra frame durations. A GIF
stores it as the delay of its last frame (no extra frames); APNG and WebP as the
duration of their last frame; MP4 and PNG folders repeat the last frame, because video
and image sequences run at a fixed rate.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from ..util.errors import OutputError, ParameterError
from ..util.files import atomic_path, check_writable, remove_stale
from .gif import Palette, changed_patch, frame_delays, make_palette, write_gif
from .html_player import html_player

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")
FRAME_SUFFIXES = (".gif", ".mp4", ".webp", ".apng", ".html", ".png")
MP4_MISSING = "mp4 needs the optional imageio-ffmpeg: pip install 'optviz[mp4]'"

Progress = Callable[[int, int | None], None]


# ----------------------------------------------------------------------------- figures
def save_figure(fig, path: str | os.PathLike, dpi: float | None = None) -> Path:
    """Write a matplotlib figure as PNG, SVG or PDF (by extension), atomically.

    >>> import tempfile, pathlib
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1)); _ = fig.add_subplot().plot([0, 1])
    >>> out = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "line.png", dpi=50)
    >>> out.read_bytes()[:4]
    b'\\x89PNG'
    """
    from .safe_margin import keep_inside
    from .style import raise_type

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        allowed = ", ".join(FIGURE_SUFFIXES)
        raise OutputError(f"cannot write figure '{path}': unknown extension; allowed: {allowed}")
    if fig.canvas is None or type(fig.canvas).__name__ == "FigureCanvasBase":
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    raise_type(fig)  # a preset's type floor, on every text the figure's code sized itself
    keep_inside(fig)  # no text within a projector's overscan of the frame's edge
    import matplotlib as mpl

    # SVG ids are hashes salted at random and PDFs carry the time unless told otherwise:
    # a fixed salt and no dates make the same figure the same bytes.
    with mpl.rc_context({"svg.hashsalt": "optviz"}), atomic_path(path) as tmp:
        try:
            fig.savefig(
                tmp,
                format=suffix[1:],
                dpi=dpi,
                facecolor=fig.get_facecolor(),
                metadata=VECTOR_METADATA.get(suffix),
            )
        except ValueError:
            _check_texts(fig)  # a title with broken math text: say which one
            raise
    return path


VECTOR_METADATA = {".svg": {"Date": None}, ".pdf": {"CreationDate": None, "ModDate": None}}


def _check_texts(fig) -> None:
    """Raise a one-line error naming the first text of ``fig`` that is not valid math text."""
    from matplotlib.text import Text

    from ..util.check import text

    for artist in fig.findobj(Text):
        label = artist.get_text()
        if "$" in label:
            text(label[:300], "a title or label")


def check_fps(fps, top: float) -> float:
    """Refuse a frame rate a GIF cannot store: its delays are 1/100 s in 16 bits."""
    if isinstance(fps, bool) or not (isinstance(fps, int | float) and MIN_FPS <= fps <= top):
        raise ParameterError(
            f"fps={fps!r} must be a number in [{MIN_FPS:g}, {top:g}] (frames per second)"
        )
    return fps


MIN_FPS = 0.1  # 10 s per frame; a held last frame of up to an hour still fits a GIF delay


# ----------------------------------------------------------------------------- frames
def save_frames(
    path: str | os.PathLike,
    frames: Iterable[np.ndarray],
    fps: float,
    n_frames: int | None = None,
    hold_frames: int = 0,
    progress: Progress | None = None,
    *,
    palette: Palette | None = None,
) -> Path:
    """Stream ``frames`` (``(H, W, 3)`` uint8 RGB arrays) to ``path``, atomically.

    The format comes from the extension: ``.gif`` (streamed, constant memory), ``.mp4``
    (needs the optional ``imageio-ffmpeg``), ``.webp`` and ``.apng`` (Pillow; these keep
    every frame in memory), ``.html`` (a self-contained player page: :func:`html_player`),
    ``.png`` (the last frame as a still image), and a folder of PNG frames when the path
    ends in ``/`` or has no extension (``frame_00000.png``, ...; an existing folder is
    replaced only if it holds nothing but such frames).

    ``hold_frames``: how many frame durations the last frame stays on screen beyond its
    own (see the module docs for how each format stores it). ``n_frames`` is only used
    for ``progress(done, total)``. ``palette``: the animation's palette for GIF, WebP,
    APNG and HTML (default: from the first frame; an animation whose later frames bring
    new colors passes one built from every color it can show, e.g.
    ``make_palette(background, blends(colors, ...))``).

    >>> import tempfile, pathlib
    >>> frames = (np.full((8, 8, 3), 40 * k, np.uint8) for k in range(3))
    >>> out = save_frames(pathlib.Path(tempfile.mkdtemp()) / "a.gif", frames, fps=10)
    >>> from PIL import Image
    >>> Image.open(out).n_frames
    3
    """
    check_fps(fps, 240)
    if isinstance(hold_frames, bool) or not isinstance(hold_frames, int | np.integer):
        raise ParameterError(f"hold_frames={hold_frames!r} must be a whole number >= 0")
    if hold_frames < 0:
        raise ParameterError(f"hold_frames={hold_frames!r} must be a whole number >= 0")
    text = os.fspath(path)
    path = Path(path)
    suffix = path.suffix.lower()
    frames = _checked(frames, n_frames, progress)
    if text.endswith(("/", os.sep)) or not suffix:
        return _write_folder(path, frames, hold_frames)
    if suffix not in FRAME_SUFFIXES:
        allowed = ", ".join((*FRAME_SUFFIXES, "a folder (path ending in '/')"))
        raise OutputError(f"cannot write '{path}': unknown extension; allowed: {allowed}")
    if suffix == ".mp4":
        return _write_mp4(path, frames, fps, hold_frames)
    check_writable(path)
    if suffix == ".gif":
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            write_gif(fh, frames, fps, hold_frames, palette)
    elif suffix == ".html":
        page = html_player(frames, fps, hold_frames, palette, title=path.stem)
        with atomic_path(path) as tmp:
            tmp.write_text(page, encoding="utf-8")
    elif suffix == ".png":
        last = None
        for last in frames:  # noqa: B007 - keep the final frame
            pass
        if last is None:
            raise ParameterError("no frames to write")
        _save_png(path, last)
    else:
        _write_pillow_animation(path, suffix, frames, fps, hold_frames, palette)
    return path


def _checked(frames: Iterable[np.ndarray], total: int | None, progress) -> Iterator[np.ndarray]:
    """Frames validated as (H, W, 3) uint8 of one size, reporting progress."""
    shape = None
    for done, frame in enumerate(frames, 1):
        frame = np.asarray(frame)
        if frame.ndim == 3 and frame.shape[-1] == 4:
            frame = frame[..., :3]
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[-1] != 3:
            raise ParameterError(
                f"frames must be (H, W, 3) uint8 RGB arrays, not {frame.dtype} {frame.shape}"
            )
        if shape is None:
            shape = frame.shape
        elif frame.shape != shape:
            raise ParameterError(f"frame {done - 1} is {frame.shape}; the first was {shape}")
        yield frame
        if progress is not None:
            progress(done, total)
    if shape is None:
        raise ParameterError("no frames to write")


# ----------------------------------------------------------------------------- others
def _save_png(path: Path, frame: np.ndarray) -> Path:
    from PIL import Image

    with atomic_path(path) as tmp:
        Image.fromarray(frame).save(tmp, format="PNG")
    return path


def _write_mp4(path: Path, frames: Iterator[np.ndarray], fps: float, hold_frames: int) -> Path:
    try:
        import imageio_ffmpeg
    except ImportError:
        raise OutputError(MP4_MISSING) from None
    check_writable(path)
    with atomic_path(path) as tmp:
        encoder = None
        try:
            last = None
            for frame in frames:
                frame = _even(frame)
                if encoder is None:
                    encoder = _Ffmpeg(imageio_ffmpeg.get_ffmpeg_exe(), tmp, frame.shape, fps)
                encoder.write(frame)
                last = frame
            for _ in range(hold_frames if encoder is not None else 0):
                encoder.write(last)
            if encoder is not None:
                encoder.finish()
        finally:
            if encoder is not None:
                encoder.kill()  # stopped or failed part-way (a no-op once finished)
    return path


class _Ffmpeg:
    """ffmpeg turning raw RGB frames on its stdin into an H.264 MP4 (the command that
    imageio-ffmpeg builds for these settings, so files stay the same).

    Its messages go to a temporary file and are shown only if it fails: a render that
    is stopped kills it first, so it never reports the half frame it was sent. Its own
    session keeps a terminal's Ctrl-C from reaching it; we stop it.
    """

    def __init__(self, exe: str, path: Path, shape: tuple, fps: float):
        import subprocess
        from fractions import Fraction

        height, width = shape[:2]
        rate = str(Fraction(fps).limit_denominator())
        command = [exe, "-y", "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{width}x{height}",
                   "-pix_fmt", "rgb24", "-r", rate, "-i", "-", "-an", "-vcodec", "libx264",
                   "-pix_fmt", "yuv420p", "-crf", "10", "-v", "warning",
                   "-movflags", "+faststart", str(path)]  # fmt: skip
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by kill()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
            start_new_session=True,
        )

    def write(self, frame: np.ndarray) -> None:
        try:
            self.process.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).data)
        except (BrokenPipeError, ValueError):
            self.process.wait()
            raise self._failed() from None

    def finish(self) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.process.stdin.close()
        if self.process.wait() != 0:
            raise self._failed()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(BrokenPipeError, ValueError):
            self.process.stdin.close()
        self.log.close()

    def _failed(self) -> OutputError:
        self.log.seek(0)
        lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
        why = lines[-1] if lines else f"exit code {self.process.returncode}"
        return OutputError(f"ffmpeg could not write the MP4: {why}"[:300])


def _even(frame: np.ndarray) -> np.ndarray:
    """Pad to even width and height (yuv420p needs them) by repeating the edge."""
    h, w = frame.shape[:2]
    if h % 2 or w % 2:
        frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return frame


def _write_pillow_animation(path, suffix, frames, fps, hold_frames, palette=None) -> None:
    """WebP or APNG through Pillow, which keeps every frame in memory until it saves.

    Frames are kept as indices into the animation's palette, as the GIF stores them: a
    byte a pixel in memory, the GIF's exact colours, and an encoder that sees at most
    256 colours. Lossless WebP codes such frames with a colour table, several times
    faster and smaller than the antialiased full-colour frames.

    WebP key frames: libwebp's animation encoder, left to its defaults, stores a whole
    frame every 9 to 17 frames so that a player can seek; each is a full-size lossless
    encode, and they were most of the time (a WebP took 6x a GIF's time). An animation
    is played from its start, like a GIF: only the first frame is a key frame, every
    other one stores what changed. With both, a WebP is smaller than the GIF and takes
    under twice its time; what remains is libwebp's own work (it compares and codes
    every whole frame, ~35 ms at 1280x720 on the 2-core machine; see
    ``python -m bench render``).
    """
    from PIL import Image

    images, prev_rgb, idx = [], None, None
    for frame in frames:
        if palette is None:
            palette = make_palette(frame)
        if idx is None:
            idx = palette.index(frame)
        else:  # only what changed is mapped again, as for a GIF frame
            changed_patch(frame, prev_rgb, idx, palette)
        prev_rgb = frame
        image = Image.fromarray(idx.copy(), mode="P")
        image.putpalette(palette.colors.tobytes())
        images.append(image)
    n = len(images)
    durations = [10 * d for d in frame_delays(n, fps, hold_frames)]
    options = {"save_all": True, "append_images": images[1:], "duration": durations, "loop": 0}
    if suffix == ".webp":
        options.update(lossless=True, method=1, quality=50, kmin=NO_KEY - 1, kmax=NO_KEY)
        fmt = "WEBP"
    else:
        fmt = "PNG"
    with atomic_path(path) as tmp:
        images[0].save(tmp, format=fmt, **options)


NO_KEY = 1 << 30  # key-frame distance no animation reaches (at most MAX_FRAMES frames)


FRAME_NAME = "frame_{:05d}.png"


def _write_folder(path: Path, frames: Iterator[np.ndarray], hold_frames: int) -> Path:
    """PNG frames into a fresh temporary folder, then renamed onto ``path``."""
    from PIL import Image

    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write '{path}/': folder '{parent}' does not exist")
    if path.exists() and not path.is_dir():
        raise OutputError(f"cannot write frames to '{path}/': it is a file")
    if path.is_dir() and any(not _is_frame_file(p) for p in path.iterdir()):
        raise OutputError(
            f"cannot write frames to '{path}/': it holds other files; give an empty or new folder"
        )
    remove_stale(parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent))
    try:
        k = 0
        last = None
        for last in frames:
            Image.fromarray(last).save(tmp / FRAME_NAME.format(k), format="PNG")
            k += 1
        for _ in range(hold_frames):
            Image.fromarray(last).save(tmp / FRAME_NAME.format(k), format="PNG")
            k += 1
        os.chmod(tmp, 0o777 & ~_umask())
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=parent))
            os.replace(path, old / "frames")
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
        raise
    return path


def _is_frame_file(p: Path) -> bool:
    return p.is_file() and p.name.startswith("frame_") and p.suffix == ".png"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
