"""The series of issues: the archive of what was published (``archive``), publishing and
backfilling issues and the reports folder's index (``publish``).

After the report in the flow: may import the report model and everything below it, and the
store only to read (a backfill gathers past weeks); a build never writes the store, and what the
series records lives beside the reports. ``archive`` itself imports only the report model and
the core (it is the record of past Report models that the parts read), so it sits with the
model in the flow.
"""
