"""The application shell: the ``veilleur`` command and everything that drives the other packages.

``cli`` (the command table), ``commands/`` (one module per group of subcommands), ``schedule``
and ``jobs`` (the nightly work, each crawl in its own subprocess), ``rescan``, and ``demo/``
(the offline demo and its loopback replay server). It imports every other package; nothing
imports it.
"""
