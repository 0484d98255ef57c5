"""Planes through weight space: where a d-dimensional training run is drawn in 2-D.

A :class:`Plane` is an origin ``o`` ``(d,)`` and two directions ``D`` ``(2, d)``; the
point ``(a, b)`` of the picture is the weight vector ``o + a D[0] + b D[1]``. A weight
vector ``theta`` off the plane is drawn at its least-squares projection, the ``(a, b)``
minimizing ``|o + (a, b) D - theta|``. The contours show the loss *on the plane*; a
path that leaves the plane can have a lower (or higher) loss than the contour under
its projection, which is why the loss panel shows both.

Three ways to choose the plane:

- ``pca``: the first two principal directions of every run's path together
  (the SVD of the path matrix centred at its mean), through the common start or the
  mean; they explain the share of the paths' variance stated in the legend. Through
  ``ends``, the plane holds every run's end point (up to three runs) and, in the
  directions the ends leave free, the paths' main directions: where each ball ends,
  the contours under it are its true loss;
- ``random``: two random Gaussian directions, *filter-normalized* (Li et al., 2018,
  "Visualizing the loss landscape of neural nets"): each neuron's slice of a direction
  (its incoming weights, a column of ``W``) is rescaled to the norm of the same slice
  of the weights at the origin, so the picture does not depend on how the weights of a
  layer are scaled; biases and batch-norm parameters get 0 unless ``bias=True``;
- ``final``: through the common start and two runs' end points (they sit at ``(1, 0)``
  and ``(0, 1)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..util import check
from ..util.errors import ParameterError, unknown
from .model import Network

PLANES = ("pca", "random", "final")
ORIGINS = ("start", "mean", "ends")


@dataclass(frozen=True, eq=False)
class Plane:
    """``origin`` ``(d,)``, ``directions`` ``(2, d)``, how they were chosen (``kind``),
    and for ``pca`` the share of the paths' variance each direction explains."""

    kind: str
    origin: np.ndarray
    directions: np.ndarray
    explained: np.ndarray | None = None
    origin_kind: str = "start"

    def project(self, theta: np.ndarray) -> np.ndarray:
        """Least-squares coordinates ``(..., 2)`` of weight vectors ``(..., d)``."""
        gram = self.directions @ self.directions.T  # the normal equations of the fit
        rhs = (np.asarray(theta, float) - self.origin) @ self.directions.T
        return np.linalg.solve(gram, rhs.reshape(-1, 2).T).T.reshape(rhs.shape)

    def point(self, xy: np.ndarray) -> np.ndarray:
        """Weight vectors ``(..., d)`` at plane coordinates ``(..., 2)``."""
        return self.origin + np.asarray(xy) @ self.directions

    @property
    def label(self) -> str:
        """A map's title, e.g. ``plane through the start`` and, on a second line,
        ``PC1, PC2: the paths' main directions (71%, 18% of their spread)``."""
        through = {"start": "the start", "mean": "the paths' mean",
                   "ends": "the paths' ends"}[self.origin_kind]  # fmt: skip
        if self.kind == "pca":
            a, b = 100 * self.explained
            return (
                f"plane through {through}\n"
                f"PC1, PC2: the paths' main directions ({a:.0f}%, {b:.0f}% of their spread)"
            )
        if self.kind == "random":
            return "random filter-normalized plane through the start"
        return "plane through the start and two end points"


def pca_plane(paths: list[np.ndarray], origin: str = "start") -> Plane:
    """The plane of the first two principal directions of ``paths`` (each ``(T, d)``)."""
    if origin not in ORIGINS:
        raise unknown("plane origin", origin, ORIGINS)
    stacked = np.concatenate(paths)
    mean = stacked.mean(axis=0)
    _, s, vt = np.linalg.svd(stacked - mean, full_matrices=False)
    total = float(np.sum(s**2))
    if len(s) < 2 or total == 0 or s[1] == 0:
        raise ParameterError(
            "the paths do not span a plane (the weights hardly moved): "
            "take more steps, a larger lr, or --plane random"
        )
    explained = s[:2] ** 2 / total
    if origin == "ends":
        return _through_ends(paths, vt, stacked - mean, total)
    centre = paths[0][0] if origin == "start" else mean
    return Plane("pca", centre.copy(), vt[:2].copy(), explained, origin)


def _through_ends(paths: list[np.ndarray], vt: np.ndarray, centred: np.ndarray, total: float):
    """The plane through the first path's end holding every other end, its remaining
    directions the paths' main ones: orthonormal, so the map is not stretched."""
    ends = [p[-1] for p in paths]
    if len(ends) > 3:
        raise ParameterError(
            f"a plane holds at most three end points, not {len(ends)}: use origin 'mean'"
        )
    basis: list[np.ndarray] = []
    for v in [e - ends[0] for e in ends[1:]] + list(vt):
        for b in basis:  # Gram-Schmidt, twice for round-off
            v = v - (v @ b) * b
        for b in basis:
            v = v - (v @ b) * b
        norm = float(np.linalg.norm(v))
        if norm > 1e-9 * max(1.0, float(np.abs(ends[0]).max())):
            basis.append(v / norm)
        if len(basis) == 2:
            break
    directions = np.stack(basis)
    explained = np.sum((centred @ directions.T) ** 2, axis=0) / total
    return Plane("pca", ends[0].copy(), directions, explained, "ends")


def filter_normalized(net: Network, theta: np.ndarray, rng, bias: bool = False) -> np.ndarray:
    """One random direction ``(d,)`` scaled neuron by neuron to the weights' norms.

    For a weight matrix ``W`` ``(fan_in, fan_out)``, neuron ``j``'s slice is column
    ``j``. With ``bias``, a bias or batch-norm vector is rescaled as a whole to the norm
    of the weights' vector; otherwise it is 0.
    """
    direction = rng.standard_normal(net.dim)
    for slot in net.slots:
        d, w = slot.of(direction), slot.of(theta)
        if slot.name == "W":
            norms = np.linalg.norm(d, axis=0)
            d *= np.linalg.norm(w, axis=0) / np.where(norms > 0, norms, 1.0)
        elif bias:
            d *= np.linalg.norm(w) / max(float(np.linalg.norm(d)), 1e-300)
        else:
            d[...] = 0.0
    return direction


def random_plane(net: Network, start: np.ndarray, seed: int = 0, bias: bool = False) -> Plane:
    """Two filter-normalized random directions through ``start`` (Li et al., 2018)."""
    rng = np.random.default_rng([check.seed(seed), 6])
    directions = np.stack([filter_normalized(net, start, rng, bias) for _ in range(2)])
    if np.linalg.matrix_rank(directions) < 2:
        raise ParameterError(
            "the random directions are zero: the start's weights are all 0 (zeros init); "
            "use --plane pca"
        )
    return Plane("random", start.copy(), directions)


def final_plane(start: np.ndarray, end_a: np.ndarray, end_b: np.ndarray) -> Plane:
    """The plane through ``start`` and two end points."""
    directions = np.stack([end_a - start, end_b - start])
    if np.linalg.matrix_rank(directions) < 2:
        raise ParameterError(
            "the two end points and the start are on one line; --plane final needs two "
            "runs that ended in different places (use --plane pca)"
        )
    return Plane("final", start.copy(), directions)


def extent(xy: list[np.ndarray], plane: Plane, pad: float = 0.25) -> np.ndarray:
    """The window ``((a0, a1), (b0, b1))`` over every path, padded by ``pad`` of its size.

    A random plane also shows at least [-1, 1]² (one weight norm each way), the window
    of Li et al.'s plots.
    """
    pts = np.concatenate([p[np.all(np.isfinite(p), axis=1)] for p in xy])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = np.maximum(hi - lo, 1e-3 * max(1.0, float(np.abs(pts).max())))
    lo, hi = lo - pad * size, hi + pad * size
    if plane.kind == "random":
        lo, hi = np.minimum(lo, -1.0), np.maximum(hi, 1.0)
    return np.stack([lo, hi], axis=1)
