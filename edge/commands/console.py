"""The treadmill console: ``hipdrive dashboard`` and ``hipdrive drill strides``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from edge.commands import common
from edge.errors import UsageError

if TYPE_CHECKING:
    from edge.drill.plan import DrillPlan


def cmd_dashboard(args: argparse.Namespace, drill: DrillPlan | None = None) -> int:
    from edge.dashboard import DashboardApp, TargetBands
    from edge.drill.table import drill_table

    config = common.config_of(args)
    app = DashboardApp(
        args.connect or config.bus.publish,
        args.control or config.bus.control,
        keys_dir=config.keys_dir,
        bands=TargetBands().with_station_targets(config.targets),
        drill=drill,
        drill_table=drill_table,
    )
    off = common.console_terminal()
    if off is not None:
        # A user trial's drill started from a script drew its screen into a pipe and waited on
        # keys that never came, still running 15 minutes after its shell was gone.
        raise UsageError(
            f"the console needs a terminal, its keys drive it and it draws on it, and its {off} "
            "is not one: run it in one, nothing redirected (over ssh, with ssh -t); a station "
            "with no screen runs hipdrive run --headless"
        )
    with common.logging_to_file(config, make=False):
        app.run()
    return 0


def cmd_drill_strides(args: argparse.Namespace) -> int:
    from edge.drill.plan import DrillPlan

    return cmd_dashboard(args, DrillPlan.parse(args.reps, args.focus, args.length, args.rest))
