"""Shrinks: tanhshrink, softshrink, hardshrink."""
