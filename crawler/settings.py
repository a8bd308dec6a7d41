"""Scrapy settings. Environment variables override the values that differ between machines.

Every setting the crawler and the spiders read is declared here, and every value says why
(``tests/crawler/test_settings.py`` checks both).
"""

from __future__ import annotations

import os
import socket
import uuid

from scrapy.settings import default_settings as scrapy_defaults

from extract.result import Limits
from vocabulary.env import env_int

_document_limits = Limits()  # lower case: Scrapy takes only upper-case names as settings

# The project's name in Scrapy's logs and stats.
BOT_NAME = "veilleur"
# Hand-written spiders live in spiders/; PortalSpiderLoader adds the sources declared in
# spiders/portals.toml, so `scrapy crawl`, `veilleur crawl` and the registry see the same ones.
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
SPIDER_LOADER_CLASS = "spiders.configured.PortalSpiderLoader"
# Further declaration files (os.pathsep-separated in the environment; comma-separated with -s),
# e.g. the demo's or the tests' recorded portals: loaded only when asked for, so production
# never crawls a replay-only source.
VEILLEUR_EXTRA_PORTALS = [
    p for p in os.environ.get("VEILLEUR_EXTRA_PORTALS", "").split(os.pathsep) if p
]

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
DOWNLOAD_MAXSIZE = env_int("VEILLEUR_DOWNLOAD_MAXSIZE", 64 * 1024 * 1024)
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
# Nobody should be able to drive a crawler remotely: no telnet console, and none of Scrapy's
# remote control (on by default since 2.19: an HTTP server on localhost that runs the Python
# code it is sent, with its token left in a file of the user's home). Left out of EXTENSIONS
# too, so a crawl does not import aiohttp for it at every start.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Open data portals need no session; cookies would only make requests differ between runs.
COOKIES_ENABLED = False
# Scrapy's default request fingerprints dedupe identical URLs; API pages are unique anyway.
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# French text stays readable in exported feeds (the default escapes every accent).
FEED_EXPORT_ENCODING = "utf-8"
# Scrapy re-reads and re-parses a callback's source before calling it, to warn about a
# generator returning a value; its cache is keyed weakly on the bound method, which dies with
# each request, so the check ran again for every page: about a tenth of an unchanged re-crawl.
# tests/crawler/test_settings.py makes the same check once, over every spider's callbacks.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Per machine: an operator chasing a source wants DEBUG without editing code.
LOG_LEVEL = os.environ.get("VEILLEUR_LOG_LEVEL", "INFO")
# Spiders use `async def start()` and the documents pipeline awaits asyncio futures.
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
# Scrapy's RemoteControl is taken out of its base list rather than set to None in EXTENSIONS:
# Scrapy imports every module EXTENSIONS names, even one switched off, and that one imports
# aiohttp's client and server (about 0.09 s of every crawl's start).
EXTENSIONS_BASE = {
    path: order
    for path, order in scrapy_defaults.EXTENSIONS_BASE.items()
    if path != "scrapy.extensions.remote_control.RemoteControl"
}
# Progress lines are for a person watching; a scheduled crawl's log stays quiet.
VEILLEUR_PROGRESS = os.environ.get("VEILLEUR_PROGRESS", "") == "1"
# Seconds between progress lines: often enough to see a crawl move, rarely enough to read.
VEILLEUR_PROGRESS_INTERVAL = 5.0
ITEM_PIPELINES = {
    "crawler.pipelines.ValidatePipeline": 100,
    # downloads linked documents (content-addressed) and reads them in isolated workers
    "crawler.pipelines.documents.DocumentsPipeline": 300,
    # splits a prefecture's recueil (read above) into one notice per act
    "crawler.pipelines.acts.ActsPipeline": 400,
    "crawler.pipelines.FlagPipeline": 500,
    "crawler.pipelines.StorePipeline": 900,
}
# Store writes in batches: one transaction per batch instead of one per notice
# (one ORM commit per item caps a pipeline near 100 items/s).
STORE_BATCH_SIZE = env_int("VEILLEUR_STORE_BATCH_SIZE", 500)
# Batches are written by one background writer while the crawl reads on; this many may wait
# for it before the pipeline waits too (bounds the memory held by unwritten notices).
STORE_BATCHES_AHEAD = 2
# A crawl whose first batch fills up stores from a writer process (rules and database work on
# the second core); False keeps the writer a thread of the crawl's process.
STORE_IN_PROCESS = True
# PostgreSQL: each batch is written over this many connections at once, split by notice key
# (db.batch_writer.store_batch): the server's full-text work on one part overlaps the
# client's on the other. SQLite writes one transaction at a time and ignores it.
STORE_CONNECTIONS = env_int("VEILLEUR_STORE_CONNECTIONS", 2)
# A record whose notice was stored from this very record (same payload, same parsing code,
# same rules: crawler.base_spiders.unchanged) is counted unchanged without being parsed;
# False parses every record again.
SKIP_UNCHANGED_RECORDS = True

# Linked documents (crawler.pipelines.documents): fetched and read in isolated workers under
# extract.result.Limits, whose defaults suit a nightly crawl on a 2-core box; tests whose
# documents live off loopback turn DOCUMENTS_ENABLED off.
DOCUMENTS_ENABLED = True
DOCUMENTS_MAXSIZE = _document_limits.max_bytes
DOCUMENTS_TIME_BUDGET = _document_limits.time_budget_s
DOCUMENTS_MEMORY_MB = _document_limits.memory_mb
DOCUMENTS_PDF_ENGINE = _document_limits.pdf_engine
DOCUMENTS_OCR = _document_limits.ocr
DOCUMENTS_WORKERS = 0  # 0: one worker per CPU, since reading PDFs is CPU-bound

# Per-source base URL overrides, e.g. {"boamp": "http://127.0.0.1:8765"} for the replay server.
PORTAL_BASE_URLS: dict[str, str] = {}
# Links and redirects to loopback, private and link-local hosts are refused
# (crawler.middlewares.SafeSchemeMiddleware) except a source's own root and these "host:port"
# pairs, e.g. ["10.0.0.5:8080"] for a portal mirrored on the operator's own network.
PRIVATE_HOSTS_ALLOWED: list[str] = []

# Opendatasoft refuses offset + limit > 10 000 on /records (help.opendatasoft.com, Explore v2.1).
ODS_OFFSET_CAP = 10_000
ODS_PAGE_SIZE = 100  # the API's maximum for /records
ODS_MAX_PAGES_PER_WINDOW = 100  # a safety stop: a window over 10 000 records is split first
# TED's search iteration stops here even if the token never ends (100 notices a page: far
# more than a night publishes).
TED_MAX_PAGES = 1000
# a search answer with timedOut: true may be partial; it is asked again this many times before
# the partial page is used and a search_timed_out error recorded
TED_TIMEOUT_RETRIES = 2
# A [[decp_files]] source reads these files instead of its entry's for one run (e.g. a newly
# published consolidated file), like `-a files=URL,URL`.
DECP_FILES: list[str] = []
# Without a watermark or --since, the first crawl reads this many days back.
DEFAULT_LOOKBACK_DAYS = env_int("VEILLEUR_LOOKBACK_DAYS", 7)

# Scale-out: set VEILLEUR_REDIS_URL to share the request queue between crawler processes.
# Workers of one crawl share VEILLEUR_CRAWL_ID (e.g. "boamp-2024"): it names the queue and the
# duplicate filter in Redis, so a window's pages are queued once whichever worker asks first;
# another id is another crawl (a re-crawl is not filtered out by the last one).
VEILLEUR_CRAWL_ID = os.environ.get("VEILLEUR_CRAWL_ID", "")
# Scrapy's own in-memory scheduler unless the queue is shared (the spiders ask which is on).
SCHEDULER = "scrapy.core.scheduler.Scheduler"
# A worker whose shared queue runs dry waits this long for the others' next pages before it
# closes (crawler.extensions.SharedQueueGrace, on only with a shared queue).
VEILLEUR_SHARED_IDLE_SECONDS = 15.0
VEILLEUR_SHARED_QUEUE = False
if os.environ.get("VEILLEUR_REDIS_URL"):
    SCHEDULER = "crawler.acked.AtomicScheduler"  # scrapy-redis's, marking and queuing at once
    VEILLEUR_SHARED_QUEUE = True
    DUPEFILTER_CLASS = "scrapy_redis.dupefilter.RFPDupeFilter"
    SCHEDULER_PERSIST = True  # a restarted worker picks up where the others are
    REDIS_URL = os.environ["VEILLEUR_REDIS_URL"]
    _crawl_id = VEILLEUR_CRAWL_ID or "default"
    SCHEDULER_QUEUE_KEY = f"veilleur:%(spider)s:{_crawl_id}:requests"
    SCHEDULER_DUPEFILTER_KEY = f"veilleur:%(spider)s:{_crawl_id}:dupefilter"
    EXTENSIONS = {
        **EXTENSIONS,
        "crawler.extensions.SharedQueueGrace": 300,
        "crawler.acked.AckedRequests": 310,
    }
    # a taken request stays in this worker's in-flight hash until its notices are committed;
    # the others put it back if this worker's heartbeat stops (crawler/acked.py)
    SCHEDULER_QUEUE_CLASS = "crawler.acked.AckedPriorityQueue"
    SPIDER_MIDDLEWARES = {"crawler.acked.AckTracker": 10}
# A worker refreshes its heartbeat this often; the others take it for dead once it is older
# than the TTL (which must stay below VEILLEUR_SHARED_IDLE_SECONDS, so that a worker waiting
# on an empty queue sees a dead worker's requests come back before it closes).
VEILLEUR_HEARTBEAT_SECONDS = 3.0
VEILLEUR_HEARTBEAT_TTL = 10
# Names this worker's in-flight hash and heartbeat in Redis: unique per process.
VEILLEUR_WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
# a DECP window is read through /exports/json in one answer (so that the rows of one contract
# stay together) when it holds at most this many rows; larger windows are halved first
DECP_EXPORT_MAX_ROWS = 20_000
