"""Commands: being filled in."""
