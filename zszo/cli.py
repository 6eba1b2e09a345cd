"""The ``zszo`` command: ``zszo hub …``, ``zszo node …`` and ``zszo demo …``.

Each part registers its own subcommands (``hub/cli.py``, ``node_agent/cli.py``,
``zszo/demo/cli.py``); this module only assembles them. Exit codes: 0 success, 1 the work
failed (message on stderr), 2 wrong usage or configuration.
"""

from __future__ import annotations

import click

from zszo import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="zszo")
def main() -> None:
    """ZSZO: the city's school nodes, the hub, and a demo city."""


def _register() -> None:
    from hub.cli import hub
    from hub.recruitment.cli import recruitment
    from node_agent.cli import node
    from zszo.demo.cli import demo

    main.add_command(hub)
    main.add_command(node)
    main.add_command(demo)
    main.add_command(recruitment)
    from hub.recruitment.retention_cli import purge

    recruitment.add_command(purge)  # works on a hub's database (the other recruitment commands on files)


_register()
