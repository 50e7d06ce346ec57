"""The words of the report: sentences built from analysis results, deterministic, one module per
subject.

May import ``analysis`` (its result types) and below; never the parts, the report model's
renderers or the store.
"""
