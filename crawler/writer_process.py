"""The crawl's writer process: where ``StorePipeline`` sends full batches (``db.batch_writer``).

Kept apart from the pipelines so that the process, started with multiprocessing's spawn,
imports the rules and the database layer only, not Scrapy.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["warm_up"]


def warm_up(crawl_pid: int) -> None:
    """The writer process's initializer: load the rules before the first batch arrives, and end
    this process when the crawl's process is gone (killed, out of memory) instead of waiting
    for batches forever; a transaction it had open is rolled back by the database."""
    from extract.rules import default_ruleset

    def watch() -> None:
        while os.getppid() == crawl_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="veilleur-store-watch", daemon=True).start()
    default_ruleset()
