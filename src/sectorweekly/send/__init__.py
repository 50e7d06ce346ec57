"""Sending a released issue to its readers: e-mail and group robots, each a channel.

Owns the channels (one module each), the summary they render from the report model, the send
ledger and the release record beside the series archive. May import the series, the report
model and everything below; never the store (a send reads only the published files).
"""
