"""``python -m compounder`` runs the command line."""

from compounder.cli.app import main

main()
