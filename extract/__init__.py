"""Pure, typed reading: documents → text (PDF, OCR, archives, office files, each under caps, in
isolated workers) and texts → rule decisions (``rules`` with the vocabulary in ``rules/*.toml``).

No Scrapy, no SQL: callers hand in bytes or texts and get ``vocabulary`` values back.
"""
