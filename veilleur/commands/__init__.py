"""The ``veilleur`` subcommands, loaded on first use through ``veilleur.cli.COMMANDS``."""
