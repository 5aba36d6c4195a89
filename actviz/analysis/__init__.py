"""Analyses built on the catalogue: saturation, Gaussian statistics, signal propagation, accuracy."""
