"""``python -m compounder`` runs the command line."""

from compounder.cli.app import main

if __name__ == "__main__":
    main()
