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

import functools
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..util.errors import OptvizError, SceneError

RACE_KINDS = ("contour", "3d", "panels", "side")
FLAT_KINDS = ("3d", "basins", "curvature", "bands")
"""Renders of a surface in x and y that a curve f(x) does not have."""
MAX_OPTIMIZERS = 32  # in one scene: beyond, styles repeat and the legend cannot be laid out
ANIMATION_SUFFIXES = (".gif", ".mp4", ".webp", ".apng", ".html")
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called as a render advances (``total`` 0: unknown)."""


@dataclass(frozen=True)
class Render:
    """One output of a scene: its kind, its file and its (checked) options."""

    kind: str
    output: Path
    options: Mapping[str, Any]

    @property
    def animated(self) -> bool:
        """True when the output's extension asks for an animation."""
        return self.output.suffix.lower() in ANIMATION_SUFFIXES


def _reads_state(r: Render) -> bool:
    """Whether render ``r`` draws from the optimizers' recorded state."""
    from . import schema

    return bool(r.options.get("glyphs")) or "state" in schema.RENDERS[r.kind].needs


@dataclass(frozen=True, eq=False)
class Scene:
    """A checked scene: the surface, optimizers, run settings and the renders to make.

    Build one with :func:`load_scene` (a TOML file) or :func:`scene_from_dict`.
    ``render()`` writes every output and returns the paths; ``race()`` runs (once) the
    race the renders share.
    """

    source: str
    title: str | None = None
    description: str = ""
    surface: Any = None
    optimizers: tuple = ()
    labels: tuple = ()
    overrides: tuple = ()
    """Per optimizer, the ``schedule`` / ``noise`` it uses instead of the run's."""
    steps: int | None = None
    starts: Any = None
    schedule: Any = None
    noise: Any = None
    seed: int | None = None
    lr: str | float | None = None
    renders: tuple[Render, ...] = ()
    metrics: Path | None = None
    reports: dict = field(default_factory=dict)
    """Rows an analysis render reported (e.g. the best learning rates), by output path."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """The checked scene as plain data (what :func:`scene_to_toml` writes back)."""
    claims: tuple[str, ...] = ()
    """What the scene teaches, as claims (``[lesson] claims``), checked by :meth:`verdicts`."""
    callouts: bool = True
    """Draw each claim's key moment on the picture (``[lesson] callouts``)."""
    computed: dict = field(default_factory=dict, repr=False)
    """Results of renders other than the race, by (kind, output) (see ``results.py``)."""

    @functools.cached_property
    def _race(self) -> Any:
        from ..analysis.racing import race

        if self.surface is None or not self.optimizers:
            raise SceneError(f"{self.source}: a race needs a surface and at least one optimizer")
        kwargs = self.run_options(start=self.starts, schedule=self.schedule, noise=self.noise)
        # glyphs and quantities are drawn from the optimizer's state, recorded when asked for
        keep = {"keep_state": True} if any(map(_reads_state, self.renders)) else {}
        if any(r.options.get("sharpness") for r in self.renders):
            keep["sharpness"] = True
        opts, labels = list(self.optimizers), list(self.labels)
        if self.lr is not None:
            from ..analysis.tuning import race_optimizers

            opts, chosen = race_optimizers(self.surface, opts, self.lr, **kwargs)
            labels = [mine or theirs for mine, theirs in zip(labels, chosen or labels, strict=True)]
        if any(self.overrides):  # an optimizer with its own schedule or noise
            from ..engine.runner import Race, run

            runs = [
                run(self.surface, o, **{**kwargs, **own, **keep})
                for o, own in zip(opts, self.overrides, strict=True)
            ]
            result = Race(self.surface, runs)
        else:
            result = race(self.surface, opts, **kwargs, **keep)
        trajectories = [
            t if label is None else replace(t, label=label)
            for t, label in zip(result.trajectories, labels, strict=True)
        ]
        return replace(result, trajectories=trajectories)

    def run_options(self, **given: Any) -> dict[str, Any]:
        """``steps`` and ``seed`` (when the scene sets them) and the ``given`` options
        that are not None, as keyword arguments for the API."""
        options = {"steps": self.steps, "seed": self.seed, **given}
        return {k: v for k, v in options.items() if v is not None}

    def race(self) -> Any:
        """The scene's :class:`~optviz.engine.runner.Race` (run on first use, then kept).

        >>> s = scene_from_dict({"surface": "quadratic", "optimizers": ["gd", "adam"]})
        >>> s.race().names
        ['gd(lr=0.01)', 'adam(lr=0.01)']
        """
        return self._race

    @functools.cached_property
    def _verdicts(self) -> list:
        from ..analysis.claims import check_claims
        from .lessons import evidence

        return check_claims(evidence(self), self.claims) if self.claims else []

    def verdicts(self) -> list:
        """One :class:`~optviz.analysis.claims.Verdict` per claim, checked on what the
        scene's first render draws (computed once, shared with the render).

        >>> s = scene_from_dict({"surface": "quadratic", "optimizers": ["gd:lr=0.6"],
        ...     "run": {"steps": 20, "starts": [1, 1]}, "lesson": {"claims": ["zigzags(gd)"]}})
        >>> [(v.holds, v.callout) for v in s.verdicts()]
        [(True, 'GD zig-zags across the valley')]
        """
        return self._verdicts

    @property
    def has_race(self) -> bool:
        """True when a render draws the race (so there is a results table)."""
        return any(r.kind in RACE_KINDS for r in self.renders) or self.metrics is not None

    def table(self) -> list[dict[str, Any]]:
        """The race's results, one row per optimizer (see :meth:`optviz.Race.table`)."""
        return self.race().table()

    def render(self, progress: Progress | None = None) -> list[Path]:
        """Write every output of the scene (atomically) and return their paths.

        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> s = scene_from_dict({"surface": "quadratic", "render": {"kind": "show",
        ...                      "output": "bowl.png", "size": "small", "dpi": 40}},
        ...                     base=folder)
        >>> [p.name for p in s.render()]
        ['bowl.png']
        """
        from ..util.files import check_writable

        for r in self.renders:  # refuse an unwritable path before any work
            check_writable(r.output)
        if self.metrics is not None:
            check_writable(self.metrics)
        from .rendering import render_one

        written = [render_one(self, r, progress) for r in self.renders]
        if self.metrics is not None:
            from ..analysis import write_metrics

            write_metrics(self.table(), self.metrics)
            written.append(self.metrics)
        return written


# -- loading ---------------------------------------------------------------------------------
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
    builder = _Builder(
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


# -- checking -----------------------------------------------------------------------------------
@dataclass
class _Builder:
    """Builds a :class:`Scene` from data the schema has checked.

    The schema (``optviz/scenes/schema.py``) checks types, ranges and field names; this turns
    the checked values into objects (surface, optimizers, schedule, noise), whose own
    constructors check names and combinations, and places the outputs.
    """

    source: str
    base: Path
    stem: str | None
    flags: Mapping[str, str]
    confine: bool
    scene_file: Path | None
    output_folder: Path | None
    seen: set = field(default_factory=set)

    def fail(self, name: str, why: str) -> SceneError:
        flag = self.flags.get(name) or self.flags.get(name.split("[")[0])
        if flag:
            return SceneError(f"{flag}: {why}")
        if not name:
            return SceneError(f"{self.source}: {why}")
        return SceneError(f"{self.source}: field '{name}': {why}")

    def wrap(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; an OptvizError from it becomes an error naming ``name``."""
        try:
            return fn()
        except SceneError:
            raise
        except OptvizError as exc:
            raise self.fail(name, str(exc)) from None

    def build(self, data: Mapping[str, Any]) -> Scene:
        from . import schema

        if not isinstance(data, Mapping):
            raise self.fail("", f"a scene must be a table of fields, not {type(data).__name__}")
        spec = schema.check(dict(data), schema.SceneSpec, "", self.fail)
        raw = spec.render if spec.render is not None else ([{}] if self.stem else [])
        many = isinstance(raw, list) and len(raw) != 1
        raw = raw if isinstance(raw, list) else [raw]
        names = [f"render[{i}]" if many else "render" for i in range(len(raw))]
        renders = [self.render_spec(r, name) for r, name in zip(raw, names, strict=True)]
        needs = {need for r in renders for need in r.needs}
        if spec.metrics is not None:
            needs.add("optimizers")
        run = spec.run
        surface = None
        if spec.surface is not None:
            surface = self.surface(spec.surface)
        elif "surface" in needs:
            raise self.fail("surface", "missing; give a catalog name or an expression")
        optimizers, labels, overrides = self.optimizers(spec.optimizers, bool(needs - {"surface"}))
        if "optimizer" in needs and len(optimizers) != 1:
            kind = next(r.kind for r in renders if "optimizer" in r.needs)
            raise self.fail(
                "optimizers", f"kind '{kind}' takes one optimizer, not {len(optimizers)}"
            )
        scene = Scene(
            source=self.source,
            title=self.text(spec.title, "title"),
            description=spec.description.strip(),
            surface=surface,
            optimizers=optimizers,
            labels=labels,
            overrides=overrides,
            steps=run.steps,
            starts=self.starts(run.starts, 1 if surface is not None and surface.is_curve else 2),
            schedule=self.schedule(run.schedule, "run.schedule"),
            noise=self.noise(run.noise, "run.noise"),
            seed=run.seed,
            lr=run.lr,
            metrics=self.metrics(spec.metrics),
            claims=self.claims(spec.lesson.claims),
            callouts=spec.lesson.callouts,
        )
        self.check_views(renders, names, surface)
        built = tuple(
            self.render(r, name, i, len(renders), scene)
            for i, (r, name) in enumerate(zip(renders, names, strict=True))
        )
        scene = replace(scene, renders=built, data=_plain_data(spec, renders))
        from ..util import budget
        from .costs import scene_cost

        budget.check(self.wrap("", lambda: scene_cost(scene)))  # before any run or figure
        return scene

    def text(self, value: str | None, name: str) -> str | None:
        """A title or label drawn as given: checked once here (length, math text)."""
        from ..util.check import text

        if value is None or not value.strip():
            return None
        return self.wrap(name, lambda: text(value.strip(), "text"))

    def check_views(self, renders: list, names: list[str], surface: Any) -> None:
        """Refuse, before any work, a view the surface does not have: a curve has no 3-D
        view, basins, curvature map or bands; only a curve has a side view."""
        if surface is None:
            return
        for r, name in zip(renders, names, strict=True):
            if surface.is_curve and (r.kind in FLAT_KINDS or getattr(r, "field", None)):
                # named by what chose it: the view (race --3d), the field, or the surface
                where, what = "surface", f"'{r.kind}' picture"
                if r.kind == "3d":
                    where, what = f"{name}.kind", "3-D view"
                elif getattr(r, "field", None):
                    where, what = f"{name}.field", "gradient field"
                raise self.fail(
                    where,
                    f"'{surface.name}' is a curve f(x): it has no {what} (those need a "
                    "surface in x and y); a curve's race is drawn from the side",
                )
            if surface.is_curve and getattr(r, "profile", False):
                raise self.fail(
                    f"{name}.profile",
                    f"'{surface.name}' is a curve f(x): its race is drawn from the side, "
                    "which is its profile already",
                )
            if r.kind == "side" and not surface.is_curve:
                raise self.fail(
                    f"{name}.kind",
                    f"kind 'side' draws a curve f(x); '{surface.name}' is a surface in x and "
                    "y (use contour, 3d or panels)",
                )

    # -- fields ---------------------------------------------------------------------------
    def numbers(self, value: Any, name: str, count: int | None = None) -> list[float]:
        """Numbers ``[a, b, ...]`` or ``"a,b,..."``, all finite, ``count`` of them if given."""
        if isinstance(value, str):
            try:
                value = [float(v) for v in value.replace(" ", "").split(",") if v]
            except ValueError:
                why = f"must be numbers separated by commas, not {value!r}"
                raise self.fail(name, why) from None
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in value):
            raise self.fail(name, f"must be a list of finite numbers, not {value!r}")
        if count is not None and len(value) != count:
            noun = "number" if count == 1 else "numbers"
            raise self.fail(name, f"must be {count} {noun}, not {len(value)}")
        return [float(v) for v in value]

    def surface(self, spec: Any) -> Any:
        from ..catalog import Surface, parse_domain, surface
        from . import schema
        from .results import surface_params

        if isinstance(spec, str):
            spec = schema.SurfaceSpec(name=spec)
        if (spec.name is None) == (spec.expr is None):
            raise self.fail("surface", "give exactly one of 'name' (catalog) or 'expr'")
        params = self.numbers_table(spec.params, "surface.params")
        domain = None
        if spec.domain is not None:
            raw = spec.domain
            if isinstance(raw, list) and raw and all(isinstance(r, list) for r in raw):
                raw = [v for r in raw for v in r]
            elif isinstance(raw, list) and any(isinstance(r, list) for r in raw):
                raise self.fail("surface.domain", "must be 4 numbers or 2 pairs, not a mix")
            numbers = self.numbers(raw, "surface.domain")
            if len(numbers) not in (2, 4):
                why = "must be 4 numbers (xmin, xmax, ymin, ymax) or 2 (a curve's xmin, xmax)"
                raise self.fail("surface.domain", f"{why}, not {len(numbers)}")
            domain = self.wrap("surface.domain", lambda: parse_domain(numbers))
        title = self.text(spec.title, "surface.title")
        if spec.name is not None:
            if spec.minima is not None:
                raise self.fail("surface.minima", "only for an expression surface")
            name, _, options = spec.name.partition(":")  # "rosenbrock:b=10" as on the CLI
            if options:
                params = {**self.wrap("surface.name", lambda: surface_params(options)), **params}
            surf = self.wrap("surface.name", lambda: surface(name.strip()))
            surf = self.wrap("surface.params", lambda: surf.with_params(**params))
            if domain is not None:
                surf = replace(surf, domain=domain)
        else:
            minima = None
            dim = 1 if domain is not None and len(domain) == 1 else 2
            if spec.minima is not None:
                minima = [
                    self.numbers(m, f"surface.minima[{i}]", dim) for i, m in enumerate(spec.minima)
                ]
            surf = self.wrap(
                "surface.expr",
                lambda: Surface.from_expr(
                    spec.expr,
                    domain if domain is not None else ((-2.0, 2.0), (-2.0, 2.0)),
                    params=params,
                    name=title or spec.expr,
                    minima=minima,
                ),
            )
        if title:
            surf = replace(surf, title=title)
        return surf

    def numbers_table(self, table: Mapping[str, float], name: str) -> dict[str, float]:
        for key, value in table.items():
            if not math.isfinite(value):
                raise self.fail(f"{name}.{key}", f"must be a finite number, not {value!r}")
        return dict(table)

    def optimizers(self, value: Any, needed: bool) -> tuple[tuple, tuple, tuple]:
        from ..engine.optim import optimizer
        from . import schema

        if value is None or value == []:
            if needed:
                raise self.fail("optimizers", 'missing; give at least one, e.g. ["adam"]')
            return (), (), ()
        items = [value] if isinstance(value, str) else value
        if len(items) > MAX_OPTIMIZERS:
            raise self.fail(
                "optimizers",
                f"{len(items)} optimizers; a picture tells at most {MAX_OPTIMIZERS} apart "
                "(-O; a color, line style and marker each)",
            )
        opts, labels, overrides = [], [], []
        for i, item in enumerate(items):
            name = f"optimizers[{i}]"
            label, own = None, {}
            if isinstance(item, str):
                opts.append(self.wrap(name, lambda s=item: optimizer(s)))
            else:
                spec = schema.check(item, schema.OptimizerSpec, name, self.fail)
                hyper = {
                    k: v for k, v in item.items() if k not in schema.OptimizerSpec.__struct_fields__
                }
                for key, v in hyper.items():  # hyperparameters are single values
                    if not isinstance(v, int | float | str):
                        kind = type(v).__name__
                        why = f"a hyperparameter is a number, true/false or a name, not a {kind}"
                        raise self.fail(f"{name}.{key}", why)
                label = self.text(spec.label, f"{name}.label")
                if spec.schedule is not None:
                    own["schedule"] = self.schedule(spec.schedule, f"{name}.schedule")
                if spec.noise is not None:
                    own["noise"] = self.noise(spec.noise, f"{name}.noise")
                opts.append(self.wrap(name, lambda s=spec.name, h=hyper: optimizer(s, **h)))
            labels.append(label)
            overrides.append(own)
        return tuple(opts), tuple(labels), tuple(overrides)

    def starts(self, value: Any, dim: int = 2) -> Any:
        """One start ``[x, y]`` or several; on a curve (``dim`` 1) ``[x]`` or ``[[x1], [x2]]``."""
        if value is None:
            return None
        point = "[x, y]" if dim == 2 else "[x] (the surface is a curve f(x))"

        def one(v: Any, name: str) -> list[float]:
            numbers = self.numbers(v, name)
            if len(numbers) != dim:
                many = f"{len(numbers)} number" + ("s" if len(numbers) != 1 else "")
                raise self.fail(name, f"must be {point}, not {many}")
            return numbers

        if isinstance(value, list) and value and all(isinstance(v, list | str) for v in value):
            points = [one(v, f"run.starts[{i}]") for i, v in enumerate(value)]
            return points[0] if len(points) == 1 else points
        if isinstance(value, list) and any(isinstance(v, list | str) for v in value):
            raise self.fail("run.starts", f"must be one {point} or a list of them, not a mix")
        return one(value, "run.starts")

    def schedule(self, value: Any, where: str) -> Any:
        from ..engine.scheduling import schedule

        if value is None:
            return None
        if isinstance(value, Mapping):
            options = dict(value)
            name = options.pop("name", None)
            if not isinstance(name, str):
                raise self.fail(where, 'a table needs name = "..." (e.g. "cosine")')
            return self.wrap(where, lambda: schedule(name, **options))
        return self.wrap(where, lambda: schedule(value))

    def noise(self, value: Any, where: str) -> Any:
        import msgspec

        from ..engine.noise import Noise
        from ..engine.optim import parse_options
        from . import schema

        if value is None:
            return None
        if isinstance(value, str):  # "grad=0.5,batch=8": the table's fields, as text
            options = self.wrap(where, lambda: parse_options(value, "noise"))
            value = schema.check(options, schema.NoiseSpec, where, self.fail, strict=False)
        return self.wrap(where, lambda: Noise(**msgspec.structs.asdict(value)))

    def claims(self, texts: list[str]) -> tuple[str, ...]:
        """Each claim read and checked as far as it can be before the runs exist."""
        from ..analysis.claims import check_claim

        for i, text in enumerate(texts):
            self.wrap(f"lesson.claims[{i}]", lambda t=text: check_claim(t))
        return tuple(t.strip() for t in texts)

    def metrics(self, value: str | None) -> Path | None:
        if value is None:
            return None
        if Path(value).suffix.lower() not in (".csv", ".json"):
            raise self.fail("metrics", f"must be a .csv or .json file name, not {value!r}")
        return self.place(value, "metrics")

    # -- renders ----------------------------------------------------------------------------
    def render_spec(self, raw: Mapping[str, Any], name: str) -> Any:
        """The render's fields checked against its kind's declaration."""
        from ..util.errors import unknown
        from . import schema

        kind = raw.get("kind", "contour")
        if kind not in schema.RENDERS:
            raise self.fail(f"{name}.kind", str(unknown("value", kind, schema.RENDERS)))
        spec = schema.RENDERS[kind]
        allowed = ["kind", *spec.__struct_fields__]
        for key in raw:
            if key not in allowed:
                raise self.fail(f"{name}.{key}", _not_used(key, kind, allowed))
        return schema.check({k: v for k, v in raw.items() if k != "kind"}, spec, name, self.fail)

    def render(self, spec: Any, name: str, i: int, total: int, scene: Scene) -> Render:
        options = {f: getattr(spec, f) for f in spec.__struct_fields__ if f != "output"}
        if isinstance(options["size"], list):
            options["size"] = tuple(options["size"])
        self.check_pixels(options["size"], options["dpi"], name)
        options["title"] = self.text(options["title"], f"{name}.title")
        if options["title"] is None:
            options["title"] = scene.title  # every kind of render carries the scene's title
        for key in ("lrs",):
            if isinstance(options.get(key), str):
                options[key] = self.numbers(options[key], f"{name}.{key}")
                if len(options[key]) < 2 or min(options[key]) <= 0:
                    raise self.fail(f"{name}.{key}", "must be at least 2 learning rates > 0")
        if isinstance(options.get("schemes"), str):
            options["schemes"] = [s.strip() for s in options["schemes"].split(",") if s.strip()]
        if options.get("hidden") is not None:
            options["hidden"] = tuple(options["hidden"])
        self.check_names(options, name)
        output = self.output(spec.output, spec, name, total, i)
        return Render(spec.kind, output, options)

    def check_pixels(self, size: Any, dpi: int, name: str) -> None:
        from ..render.style import SIZES
        from . import schema

        width, height = SIZES[size] if isinstance(size, str) else size
        megapixels = width * height * dpi * dpi / 1e6
        if megapixels > schema.MEGAPIXELS:
            raise self.fail(
                f"{name}.size",
                f"{width:g}x{height:g} inches at dpi {dpi} is {megapixels:.0f} megapixels; "
                f"the most is {schema.MEGAPIXELS}: lower size or dpi",
            )

    def check_names(self, o: Mapping[str, Any], name: str) -> None:
        """Names checked by their owners (with their did-you-mean)."""
        from .. import nets
        from ..engine.scheduling import schedule
        from .results import scheme

        for s in o.get("schedules") or ():
            self.wrap(f"{name}.schedules", lambda s=s: schedule(s))
        for s in o.get("schemes") or ():  # "xavier_normal:gain=1.67" sets one scheme's gain
            self.wrap(f"{name}.schemes", lambda s=s: scheme(s))
        if "scheme" in o:
            self.wrap(f"{name}.scheme", lambda: nets.check_scheme(o["scheme"]))
        if o.get("activation") is not None:
            self.wrap(f"{name}.activation", lambda: nets.check_activation(o["activation"]))
        if "metric" in o and "x" in o:  # a phase map's axes
            from ..analysis.phase_maps import parse_axis

            for key in ("x", "y"):
                self.wrap(f"{name}.{key}", lambda k=key: parse_axis(o[k], k))

    def output(self, value: str | None, spec: Any, name: str, total: int, i: int) -> Path:
        where = f"{name}.output"
        if value is None:
            if self.stem is None:
                raise self.fail(where, "missing; give a file name like race.gif")
            suffix = ".gif" if spec.kind in RACE_KINDS else ".png"
            value = (
                f"{self.stem}{suffix}" if total == 1 else f"{self.stem}_{i + 1}_{spec.kind}{suffix}"
            )
        if not value.strip():
            raise self.fail(where, f"must be a file name, not {value!r}")
        suffix = Path(value).suffix.lower()
        if suffix not in spec.formats:
            raise self.fail(
                where,
                f"'{value}': kind '{spec.kind}' writes {', '.join(spec.formats)}; "
                f"not '{suffix or 'no extension'}'",
            )
        path = self.place(value, where)
        if path in self.seen:
            raise self.fail(where, f"'{value}' is written by another render too")
        self.seen.add(path)
        return path

    def place(self, value: str, where: str) -> Path:
        """Where an output goes: inside the scene's folder (or the output folder)."""
        if any(ord(c) < 32 for c in value):
            raise self.fail(where, f"{value!r}: a file name cannot hold control characters")
        if self.output_folder is not None:
            return self.output_folder / Path(value).name
        path = self.base / value
        if not self.confine:
            return path
        home = self.base.resolve()
        target = path.resolve()
        if Path(value).is_absolute() or not target.is_relative_to(home):
            raise self.fail(
                where,
                f"'{value}' is outside the scene's folder; a scene writes only beside itself "
                "(on the command line, -o/--output chooses another folder)",
            )
        if self.scene_file is not None and target == self.scene_file.resolve():
            raise self.fail(where, f"'{value}' would overwrite the scene file itself")
        return path


def _not_used(key: str, kind: str, allowed: list[str]) -> str:
    from ..util.errors import _closest
    from . import schema

    others = [k for k, v in schema.RENDERS.items() if key in v.__struct_fields__]
    if others:
        used = f"not used by kind '{kind}' (it is for {', '.join(others)})"
        return f"{used}; allowed: {', '.join(allowed)}"
    close = _closest(key.lower(), allowed)
    hint = f"; did you mean '{close}'?" if close else ";"
    return f"unknown field{hint} allowed: {', '.join(allowed)}"


def _plain_data(spec: Any, renders: list[Any]) -> dict[str, Any]:
    """The checked scene as plain data: given fields only, renders with their kind."""
    import msgspec

    data = msgspec.to_builtins(spec)
    data.pop("render", None)
    for table in ("run", "lesson"):  # an empty table is not written back
        if not data.get(table):
            data.pop(table, None)
    data["render"] = [{"kind": r.kind, **msgspec.to_builtins(r)} for r in renders]
    return data


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
