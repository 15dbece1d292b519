"""One module per ``rgdnn`` subcommand: HELP, add_arguments(parser), run(args) -> exit status."""
