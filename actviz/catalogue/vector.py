"""Vector-valued activations: softmax family, sparsemax, glu, maxout."""
