"""``python -m seedrunner`` runs the CLI."""

from seedrunner.cli.app import main

main()
