"""Rendering: static plots, the frame engine and the writers."""
