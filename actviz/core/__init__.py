"""Records, the store, binding and evaluation, spec parsing and sampling: the layer
everything else builds on."""
