"""`python -m indexer ...` is the same command as `speechsearch ...`."""

from .cli import main

main(prog_name="python -m indexer")
