"""`python -m collabsim` and the `collabsim` command: load the command line, then run it.

Loading takes a second (numpy, numba, pandas, Mesa); Ctrl-C in that second exits quietly with
130, as it does later, instead of printing the traceback of an interrupted import.
"""

import sys


def main() -> None:
    """Import the command line and run it; an interrupt while importing exits with 130."""
    try:
        from collabsim.errors import deliver_interrupts_outside_finalizers

        deliver_interrupts_outside_finalizers()
        from collabsim.cli import main as run_cli
    except KeyboardInterrupt:
        sys.exit(130)
    run_cli()


if __name__ == "__main__":
    main()
