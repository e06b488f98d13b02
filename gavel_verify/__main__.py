import sys

from gavel_verify.cli import main

sys.exit(main())
