"""The commands of `psos`, one module per area, each with a ``register`` function."""
