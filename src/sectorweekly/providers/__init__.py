"""Providers turn a query or a file into the store's standard rows, and nothing else.

May import the store (kinds and readers, never the writer's transaction), ``markets``, ``desk``
and the core; never update, analysis or anything downstream.
"""
