"""bfloat16 arithmetic in numpy, for the Newton-Schulz step torch's Muon runs in bfloat16.

bfloat16 keeps float32's exponent and 8 bits of its significand. A bfloat16 value is
held here as a float32 array whose lower 16 bits are zero; every operation is done in
float32 and rounded to bfloat16 (to nearest, ties to even), as torch's CPU kernels do:
a float64 tensor's ``.bfloat16()`` goes through float32 (two roundings), a product of
matrices sums in higher precision and rounds once, ``addmm(C, A, B, beta, alpha)`` rounds
``beta C``, ``alpha (A B)`` and their sum to float32 and the result to bfloat16.

For a ``1 x d`` matrix (a point of a surface) this gives torch's bits; for larger
matrices torch's kernels sum the products in an order of their own, which can move a
result by one bfloat16 unit.
"""

from __future__ import annotations

import numpy as np

F32 = np.float32


def round_f32(x: np.ndarray) -> np.ndarray:
    """float32 values rounded to bfloat16, to nearest with ties to even (still float32)."""
    x = np.asarray(x, dtype=F32)
    bits = x.view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = bits.astype(np.uint32).view(F32)
    return np.where(np.isnan(x), F32(np.nan), out)


def from_f64(x: np.ndarray) -> np.ndarray:
    """torch's float64 -> bfloat16: through float32, so two roundings."""
    return round_f32(np.asarray(x, dtype=np.float64).astype(F32))


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of bfloat16 values, summed in float64 and rounded once to float32 (the
    products of bfloat16 numbers are exact in either)."""
    return np.matmul(a.astype(np.float64), b.astype(np.float64)).astype(F32)


def newton_schulz(
    update: np.ndarray, coefficients: tuple[float, float, float], steps: int, eps: float
) -> np.ndarray:
    """torch's ``_zeropower_via_newtonschulz`` (``torch/optim/_muon.py``) in bfloat16, on
    matrices ``(..., A, B)``; returns float64 holding bfloat16 values.

    The quintic iteration ``X <- a X + (b G + c G²) X`` with ``G = X Xᵀ``, from ``X``
    scaled to unit Frobenius norm, pushes every singular value towards about 0.7-1.2:
    the update becomes nearly orthogonal, ``U Vᵀ`` of the momentum's SVD.
    """
    a, b, c = (F32(v) for v in coefficients)
    x = from_f64(update)
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = np.swapaxes(x, -1, -2)
    squares = np.sum(x.astype(np.float64) ** 2, axis=(-2, -1), keepdims=True).astype(F32)
    norm = round_f32(np.sqrt(squares))
    norm = np.maximum(norm, round_f32(F32(eps)))  # clamp(min=eps) on a bfloat16 tensor
    x = round_f32(x / norm)
    for _ in range(steps):
        gram = round_f32(matmul(x, np.swapaxes(x, -1, -2)))
        gram_update = round_f32(b * gram + c * matmul(gram, gram))
        x = round_f32(a * x + matmul(gram_update, x))
    if tall:
        x = np.swapaxes(x, -1, -2)
    return x.astype(np.float64)
