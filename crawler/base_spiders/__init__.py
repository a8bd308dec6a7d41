"""Base spiders, each a numbered recipe in its docstring and each stating its config keys.

``base.BaseSpider`` (what every spider shares), ``opendatasoft`` (any Opendatasoft dataset),
``html_listing`` (a council's publication page), ``scdl`` (SCDL deliberations on data.gouv.fr),
``decp`` (DECP files and datasets, parsed by ``decp_json``); ``config_keys`` holds the key
descriptors, ``declare.declare`` builds a spider class from any config entry, and ``fields``
coerces raw record values.
"""
