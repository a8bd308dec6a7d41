"""What each local group receives: digests by mail and Atom feeds of the notices that concern
its territory.

``build`` and ``render`` are pure (notices in, messages out); ``service`` and ``send`` do the
I/O in the order that makes delivery exactly-once (docs/digests.md). Reads through ``db``.
"""
