import sys

from bidgeo.cli import main

sys.exit(main())
