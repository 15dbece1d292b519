"""One module per ``rgdnn`` subcommand: HELP, add_arguments(parser), run(args) -> exit status."""

# One module per subcommand (rgdnn.cli.COMMANDS maps the command names to them).
__all__ = ["check", "derive", "fixed_point", "flow", "moments", "protocol", "results", "sweep", "train",
           "depth", "depth_study"]
