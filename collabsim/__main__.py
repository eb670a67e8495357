"""`python -m collabsim` and the `collabsim` command: load the command line, then run it.

Loading takes a second (numpy, numba, pandas, Mesa); Ctrl-C in that second exits quietly with
130, as it does later, instead of printing the traceback of an interrupted import.
"""

import signal
import sys


def main() -> None:
    """Import the command line and run it; an interrupt while importing exits with 130."""
    try:
        from collabsim.errors import deliver_interrupts_outside_finalizers

        deliver_interrupts_outside_finalizers()
        from collabsim.cli import main as run_cli
    except KeyboardInterrupt:
        sys.exit(130)
    try:
        run_cli()
    finally:
        # The command is done and has said so (run_cli always ends in SystemExit): a Ctrl-C
        # from here on, while the interpreter shuts down, has nothing left to stop, so it is
        # ignored rather than turning a finished command into one killed by the signal. Here,
        # not in collabsim.cli.main, which tests call inside their own process.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    main()
