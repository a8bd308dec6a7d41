"""Scrapy components only: settings, base spiders, downloader middlewares, item pipelines
(Validate → Documents → Flag → Store) and extensions (run records, story linking, progress).

Each component has one job. They read and write through ``db`` and read documents and apply
rules through ``extract``; spiders (``spiders/``) are declarations over the base spiders here.
The ``veilleur`` shell starts crawls; nothing here knows about the CLI, the desk or digests.
"""
