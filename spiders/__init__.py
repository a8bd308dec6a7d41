"""One source each: a short declaration over a base spider of ``crawler.base_spiders``, or an
entry in ``portals.toml``. ``parsers/`` turns one response body into notice items, purely, so
the same code serves the crawl, the tests and ``veilleur`` commands (docs/adding-a-portal.md).
"""
