"""`python -m pipeline.bench`: see pipeline/bench/command.py."""

from pipeline.bench.command import main
from pipeline.errors import UserError, report

try:
    main()
except UserError as error:  # a bad argument: one line, exit 2, as every command
    report(error)
