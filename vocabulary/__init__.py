"""The shared vocabulary: the words every other package speaks, and nothing else.

``items`` (the ``NoticeItem`` a spider yields and its ``DocumentRef``), ``decision`` (the rules'
``Decision`` and ``Hit``), ``documents`` (what reading a document yields and its statuses),
``terms`` (notice kinds, verdicts, categories) and ``errors`` (one root, ``VeilleurError``).
No Scrapy, no SQL: it sits at the bottom and imports nothing of the project.
"""
