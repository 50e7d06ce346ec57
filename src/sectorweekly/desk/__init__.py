"""The desk: what the analyst keeps — desk.yaml parsed (``parse``), the week's notes
(``notes``; their names to watch with each theme's English, ``watch_notes``), the English
edition's words and glossary (``english``), and where a desk's store, caches and reports live
(``paths``, ``cache_writes``).

The bottom of the flow with ``markets``: may import only the core modules (``errors``,
``textfile``, ``clock``, ``atomic``, ``console``, ``wording``) and ``markets``; never the store,
a provider or anything that reads the market.
"""
