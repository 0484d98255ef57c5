"""How hyperparameters are written where people read them (legends, callouts): ``μ 0.9``,
not ``momentum 0.9``. Shared by the drawing layer and the claims, which must not import it.
"""

from __future__ import annotations

SYMBOLS = {
    "momentum": "μ",
    "beta1": "β₁",
    "beta2": "β₂",
    "alpha": "α",
    "rho": "ρ",
    "eps": "ε",
    "weight_decay": "wd",
    "grad_noise": "σ",
    "batch_size": "batch",
    "dampening": "dampening",
    "damping": "damping",
    "lr_decay": "lr decay",
    "history_size": "history",
    "line_search_fn": "line search",
    "beta3": "β₃",
}
