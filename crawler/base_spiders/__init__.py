"""Base spiders, each a numbered recipe in its docstring: ``BaseSpider`` (arguments, watermark,
errors), ``OpendatasoftSpider`` (Explore API v2.1 paging), ``HtmlListingSpider`` (council pages
by selectors). ``fields`` holds the shared field cleaners."""
