"""The engine: optimizers (torch semantics), schedules, noise, the batched runner and its
compiled kernels. Above the catalog, below analysis, networks and drawing.
"""
