"""The series of issues: the archive of what was published (``archive``), publishing and
backfilling issues and the reports folder's index (``publish``).

After the report in the flow: may import the report model and everything below it, and the
store only to read (a backfill gathers past weeks); a build never writes the store, and what the
series records lives beside the reports.
"""
