"""Smooth gates: gelu, silu/swish, mish, hard_swish."""
