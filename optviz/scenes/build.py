"""Scene files: one TOML file declares a figure or an animation, and reproduces it.

A scene says which surface, which optimizers, how to run them and what to draw. The
CLI builds the very same :class:`Scene` from its flags, so whatever a command line can
say, a scene file can say too. The full format is in ``docs/scenes.md``; in short::

    title = "Adam vs SGD on Rosenbrock"          # optional; the figure's title

    [surface]                                    # or: surface = "rosenbrock"
    name = "rosenbrock"                          # a catalog name, or
    # expr = "x**2 - y**2"                       # an expression in x and y
    # domain = [-2, 2, -2, 2]                    # (with expr; optional for names)
    params = { b = 100 }

    optimizers = ["adam:lr=0.1", "momentum:lr=0.001,momentum=0.9"]
    # or one table each: [[optimizers]] name = "adam"  lr = 0.1  label = "Adam"

    [run]
    steps = 300
    starts = [[-1.5, 2.5]]                       # one [x, y] or several
    schedule = "cosine"                          # or { name = "step", step_size = 50 }
    noise = "grad=0.5"                           # or { grad = 0.5 }
    seed = 0
    # lr = "tuned"                               # tune each learning rate first

    [render]                                     # or [[render]] several times
    kind = "contour"                             # contour 3d panels show basins sweep
                                                 # tune curvature bands init batchnorm
                                                 # symmetry
    loss = true
    output = "rosenbrock.gif"                    # the extension picks the format

Every field is declared once, in :mod:`optviz.scenes.schema`, and checked when the file is
loaded; an error is one line that names the field::

    scene.toml: field 'run.steps': must be a whole number >= 0 and <= 1000000, not -3

A scene writes only inside its own folder: outputs that leave it (absolute paths,
``..``) or that name the scene file itself are refused.

>>> scene = scene_from_dict({"surface": "quadratic", "optimizers": ["gd:lr=0.1"],
...                          "run": {"steps": 3, "starts": [1, 0]}})
>>> scene.race()[0].xy[:, 0].tolist()
[1.0, 0.8, 0.64, 0.512]
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..util.errors import SceneError
from .kinds import MAX_OPTIMIZERS as MAX_OPTIMIZERS  # where a scene's limits were read
from .kinds import Progress
from .scene import Scene


def load_scene(path: str | Path, output_folder: str | Path | None = None) -> Scene:
    """Read and check a scene file, or a shipped example by name (``"saddle_escape"``).

    Outputs are relative to the file's folder and may not leave it. An example named
    without a path writes into the current folder. ``output_folder``: write every
    output there instead (by its file name), wherever the scene says.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "saddle.toml"
    >>> _ = f.write_text('surface = "saddle"\\noptimizers = ["gd"]\\n[run]\\nsteps = -3\\n')
    >>> load_scene(f)
    Traceback (most recent call last):
    optviz.util.errors.SceneError: saddle.toml: field 'run.steps': must be a whole number >= 0 ...
    """
    found = _find_scene(path)
    if found is None:
        raise SceneError(f"scene file '{path}' does not exist; {_known_examples()}")
    file, is_example = found
    try:
        text = file.read_text(encoding="utf-8-sig")  # a byte-order mark is not an error
    except (OSError, UnicodeDecodeError) as exc:
        raise SceneError(f"cannot read scene file '{path}': {exc}") from None
    data = parse_toml(text, file.name)
    if is_example and output_folder is None:
        output_folder = Path.cwd()
    return scene_from_dict(
        data,
        source=file.name,
        base=Path(str(file)).parent,
        stem=Path(file.name).stem,
        scene_file=None if is_example else Path(file),
        output_folder=output_folder,
    )


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text to a dict; malformed or absurdly nested text is one :class:`SceneError`."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SceneError(f"{source}: malformed TOML: {exc}") from None
    except RecursionError:
        raise SceneError(f"{source}: malformed TOML: arrays or tables nested too deeply") from None


def examples() -> dict[str, Any]:
    """The shipped example scenes, by name (their files, as importlib Traversables)."""
    from ..util.shipped import data_folder

    folder = data_folder("examples")
    found = [f for f in folder.iterdir() if f.name.endswith(".toml")] if folder.is_dir() else []
    return {f.name.removesuffix(".toml"): f for f in sorted(found, key=lambda f: f.name)}


def _find_scene(path: str | Path) -> tuple[Any, bool] | None:
    """The file a scene argument names and whether it is a shipped example.

    A name (``saddle_escape``, ``saddle_escape.toml``) is a shipped example; so is a path
    into a ``gallery`` folder that is not here (``gallery/saddle_escape.toml``, as the
    docs write it, run outside a checkout): the gallery is what ships.
    """
    given = Path(path)
    if given.is_file():
        return given, False
    by_name = isinstance(path, str) and given.name == path
    in_gallery = given.parent.name == "gallery" and not given.parent.is_dir()
    if (by_name or in_gallery) and given.suffix in ("", ".toml"):
        example = examples().get(given.stem)
        if example is not None:
            return example, True
    return None


def scene_file(path: str | Path) -> Any:
    """The scene file (a path or a shipped example's Traversable) that ``path`` names."""
    found = _find_scene(path)
    if found is None:
        raise SceneError(f"scene file '{path}' does not exist; {_known_examples()}")
    return found[0]


def _known_examples() -> str:
    names = list(examples())
    return "shipped examples: " + ", ".join(names) if names else "no examples are installed"


def scene_from_dict(
    data: Mapping[str, Any],
    source: str = "scene",
    base: str | Path = ".",
    stem: str | None = None,
    flags: Mapping[str, str] | None = None,
    confine: bool = True,
    scene_file: Path | None = None,
    output_folder: str | Path | None = None,
) -> Scene:
    """Check a parsed scene (the mapping a TOML file or a JSON body gives) and build it.

    ``base``: folder that relative output paths start from. ``stem``: default output
    name (a scene file's name). ``flags``: how to name fields in errors (the CLI maps
    ``run.steps`` to ``--steps``). ``confine``: refuse outputs outside ``base`` (the
    command line, where the user typed the path, turns this off). ``scene_file``: the
    file the scene came from, which no output may overwrite. ``output_folder``: write
    every output there, by its file name.

    >>> scene_from_dict({"run": {"steps": "many"}}, flags={"run.steps": "--steps"})
    Traceback (most recent call last):
    optviz.util.errors.SceneError: --steps: must be a whole number >= 0 and <= 1000000, not 'many'
    """
    from .checking import SceneBuilder

    builder = SceneBuilder(
        source,
        Path(base),
        stem,
        flags if flags is not None else {},
        confine,
        scene_file,
        None if output_folder is None else Path(output_folder),
    )
    try:
        return builder.build(data)
    except RecursionError:  # data nested thousands deep (JSON or a dict from code)
        raise SceneError(f"{source}: values nested too deeply") from None


def render_scene(scene: Scene | str | Path, progress: Progress | None = None) -> list[Path]:
    """Render a scene (a :class:`Scene`, a scene file or an example's name); return the outputs.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in render_scene(scene_from_dict({"surface": "quadratic",
    ...     "render": {"kind": "curvature", "output": "bowl.png", "n": 20, "size": "small"}},
    ...     base=folder))]
    ['bowl.png']
    """
    if not isinstance(scene, Scene):
        scene = load_scene(scene)
    return scene.render(progress)


# -- writing back -------------------------------------------------------------------------------
def scene_to_toml(scene: Scene | Mapping[str, Any]) -> str:
    """The text of a scene file that reproduces ``scene`` (a Scene or a scene dict).

    Outputs keep only their file names: a scene file writes beside itself.

    >>> print(scene_to_toml({"surface": "saddle", "optimizers": ["gd", "adam"],
    ...                      "run": {"steps": 50}}), end="")
    surface = "saddle"
    optimizers = ["gd", "adam"]
    <BLANKLINE>
    [run]
    steps = 50
    """
    if not isinstance(scene, Scene):
        scene = scene_from_dict(scene, stem="scene")
    data = dict(scene.data)
    renders = [_file_names(r) for r in data.pop("render", [])]
    if data.get("metrics"):
        data["metrics"] = Path(data["metrics"]).name
    if renders and renders != [{"kind": "contour"}]:  # that one is what a file defaults to
        data["render"] = renders
    from ..util.toml_write import dumps

    return dumps(data)


def _file_names(render: Mapping[str, Any]) -> dict[str, Any]:
    render = dict(render)
    if "output" in render:
        render["output"] = Path(render["output"]).name
    return render
