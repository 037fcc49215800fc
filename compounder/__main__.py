"""``python -m compounder`` runs the command line."""

from compounder.cli import main

main()
