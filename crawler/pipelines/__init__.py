"""Item pipelines, one job each, in this order (see ``ITEM_PIPELINES`` in crawler.settings):

Validate (100) → Documents (300, crawler.pipelines.documents) → Flag (500) → Store (900).
"""

from crawler.pipelines.core import FlagPipeline, StorePipeline, ValidatePipeline

__all__ = ["FlagPipeline", "StorePipeline", "ValidatePipeline"]
