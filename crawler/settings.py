"""Scrapy settings. Environment variables override the values that differ between machines.

Every value that differs from Scrapy's default says why.
"""

from __future__ import annotations

import os

BOT_NAME = "veilleur"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Where notices go; db.session reads the same variable (SQLite file by default).
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///var/veilleur.sqlite")
DOCUMENTS_DIR = os.environ.get("VEILLEUR_DOCUMENTS_DIR", "var/documents")

# An honest User-Agent with a contact URL, so portal operators can reach us before blocking us.
USER_AGENT = os.environ.get(
    "VEILLEUR_USER_AGENT",
    "Veilleur/0.1 (+https://github.com/veilleur-technopolice/veilleur; public-procurement watch)",
)
ROBOTSTXT_OBEY = True

# Polite by default: one portal is one organisation's server; a night is long enough.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60  # a BOAMP page of 100 records answers in well under a second
# Retries on 5xx, network errors and 429; 429 waits for Retry-After (crawler.middlewares).
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A BOAMP page is ~2 MB at most; documents have their own cap in the documents pipeline.
DOWNLOAD_MAXSIZE = int(os.environ.get("VEILLEUR_DOWNLOAD_MAXSIZE", 64 * 1024 * 1024))
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
# Nobody should be able to drive a crawler remotely.
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
# Scrapy's default request fingerprints dedupe identical URLs; API pages are unique anyway.
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("VEILLEUR_LOG_LEVEL", "INFO")
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

DOWNLOADER_MIDDLEWARES = {
    # Refuse file:, data: and off-site URLs before anything is fetched.
    "crawler.middlewares.SafeSchemeMiddleware": 50,
    # Honour Retry-After on 429 and 503 before the retry middleware re-queues.
    "crawler.middlewares.RetryAfterMiddleware": 540,
}
# Off-site requests are dropped by Scrapy's OffsiteMiddleware (on by default) using the
# spider's allowed_domains, which BaseSpider derives from the portal URL; the documents
# pipeline opts out per request with meta["allow_offsite"], since documents live elsewhere.
EXTENSIONS = {
    # Stored notices join their purchase stories when the crawl closes; before RunRecorder
    # (lower number, connected first) so a linking failure is recorded against the open run.
    "crawler.extensions.StoryLinker": 90,
    # One crawl_runs row per crawl: counts, errors, final status, watermark.
    "crawler.extensions.RunRecorder": 100,
    # Periodic "N notices (x/s), y flagged" lines for long runs (on from the CLI).
    "crawler.extensions.ProgressReporter": 200,
}
VEILLEUR_PROGRESS = os.environ.get("VEILLEUR_PROGRESS", "") == "1"
# Seconds between progress lines: often enough to see a crawl move, rarely enough to read.
VEILLEUR_PROGRESS_INTERVAL = 5.0
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    # downloads linked documents (content-addressed) and reads them in isolated workers
    "crawler.pipelines.documents.DocumentsPipeline": 300,
    "crawler.pipelines.FlagPipeline": 500,
    "crawler.pipelines.StorePipeline": 900,
}
# Store writes in batches: one transaction per batch instead of one per notice
# (one ORM commit per item caps a pipeline near 100 items/s).
STORE_BATCH_SIZE = int(os.environ.get("VEILLEUR_STORE_BATCH_SIZE", 500))

# Per-source base URL overrides, e.g. {"boamp": "http://127.0.0.1:8765"} for the replay server.
PORTAL_BASE_URLS: dict[str, str] = {}

# Opendatasoft refuses offset + limit > 10 000 on /records (help.opendatasoft.com, Explore v2.1).
ODS_OFFSET_CAP = 10_000
ODS_PAGE_SIZE = 100  # the API's maximum for /records
ODS_MAX_PAGES_PER_WINDOW = 100
# Without a watermark or --since, the first crawl reads this many days back.
DEFAULT_LOOKBACK_DAYS = int(os.environ.get("VEILLEUR_LOOKBACK_DAYS", 7))

# Scale-out: set VEILLEUR_REDIS_URL to share the request queue between crawler processes.
if os.environ.get("VEILLEUR_REDIS_URL"):
    SCHEDULER = "scrapy_redis.scheduler.Scheduler"
    DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
    SCHEDULER_PERSIST = True  # a restarted worker picks up where the others are
    REDIS_URL = os.environ["VEILLEUR_REDIS_URL"]
