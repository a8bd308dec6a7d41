"""Scrapy settings for a ``veilleur run-nightly`` under test: the project's, with the sources
pointed at loopback by ``VEILLEUR_TEST_BASE_URLS`` (JSON). ``run-nightly`` gives its crawl
subprocesses ``SCRAPY_SETTINGS_MODULE``, so naming this module there reaches every crawl."""

import json
import os

from crawler.settings import *  # noqa: F403

PORTAL_BASE_URLS = json.loads(os.environ.get("VEILLEUR_TEST_BASE_URLS", "{}"))
AUTOTHROTTLE_ENABLED = False
DOWNLOAD_DELAY = 0
RETRY_TIMES = 1
