"""Providers turn a query or a file into the store's standard rows, and nothing else."""
