"""The ``licsim`` command line: a thin shell over scenario loading, runs and outputs.

Conventions every command keeps: bad input never produces a traceback (every scenario
problem is printed as ``file: path: value — expected …`` on standard error, with "did you
mean" for a near miss, and the command exits with status 2); Ctrl-C ends a command with one
line on standard error and status 130, leaving nothing half-written (:mod:`sim.atomic`,
:mod:`sim.outfolder`); ``--quiet`` prints one line; ``--json`` prints the result as JSON on
standard output and nothing else there; ``-V`` prints the version.

One module per command (:mod:`~sim.cli.validate`, :mod:`~sim.cli.run`,
:mod:`~sim.cli.whatif`, :mod:`~sim.cli.sweep`, :mod:`~sim.cli.plan`, :mod:`~sim.cli.check`,
:mod:`~sim.cli.import_`), each a click command that knows nothing of the group; the
conventions they share are :mod:`~sim.cli.conventions`. This module is the group.
"""

import click

from sim.cli import check, import_, plan, run, sweep, validate, whatif
from sim.cli.conventions import Commands


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(None, "-V", "--version", package_name="licsim", prog_name="licsim")
def main() -> None:
    """Simulate Qlik license deployments: seats, capacity, outages and grace periods."""


main.add_command(validate.validate)
main.add_command(run.run)
main.add_command(whatif.whatif)
main.add_command(sweep.sweep)
main.add_command(plan.plan_)
main.add_command(check.check)
main.add_command(import_.import_)
