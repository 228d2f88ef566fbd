"""``python -m sim`` is the ``licsim`` command."""

from sim.cli import main

main()
