"""Checking a scene: the schema's checked values turned into objects and placed outputs.

The schema (:mod:`optviz.scenes.schema`) checks types, ranges and field names;
:class:`SceneBuilder` turns the checked values into objects (surface, optimizers, schedule,
noise), whose own constructors check names and combinations, and places the outputs where
the scene may write. :func:`optviz.scenes.build.scene_from_dict` is its one caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..util.errors import OptvizError, SceneError
from .kinds import FLAT_KINDS, MAX_OPTIMIZERS, RACE_KINDS
from .scene import Render, Scene


@dataclass
class SceneBuilder:
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
                if spec.seed is not None:
                    own["seed"] = spec.seed
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
        from . import render_kinds, schema

        kind = raw.get("kind", "contour")
        if kind not in render_kinds.RENDERS:
            raise self.fail(f"{name}.kind", str(unknown("value", kind, render_kinds.RENDERS)))
        spec = render_kinds.RENDERS[kind]
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
    from . import render_kinds

    others = [k for k, v in render_kinds.RENDERS.items() if key in v.__struct_fields__]
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
