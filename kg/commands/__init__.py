"""One module per ``mkg`` subcommand; each exposes ``register(subparsers)``."""
