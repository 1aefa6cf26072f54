"""Networks, training targets, losses, training/export code, evaluation, and shipped weights."""
