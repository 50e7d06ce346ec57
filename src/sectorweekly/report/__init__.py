"""The Report model (``model``) and its renderers (JSON, Markdown, HTML, PDF, Word) with their
registry and task runner.

``model`` may import narrative and below (its types); the renderers read the model only and may
import ``parts`` and below, never the store, a provider or the series.
"""
