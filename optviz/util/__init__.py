"""What every layer shares: errors, checks, the cost model, files, signals, shipped data.

Nothing here imports another room of optviz: the catalog, the engine and everything
above them build on it.
"""
