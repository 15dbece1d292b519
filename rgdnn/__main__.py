import sys

from rgdnn.cli import main

sys.exit(main())
