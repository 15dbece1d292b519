import sys

try:
    from rgdnn.cli import main
except KeyboardInterrupt:          # Ctrl-C while the libraries load: one line, like every command
    print("rgdnn: interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
