"""Custom Scrapy signals."""

#: sent by ``BaseSpider.record_error``: kwargs url, error_kind, message, record_id, spider
error_recorded = object()
