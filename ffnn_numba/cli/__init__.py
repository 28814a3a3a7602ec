"""The ``ffnn-numba`` command: it parses arguments and prints, nothing else.

One module per command (``demo``, ``bench``, ``compile``, ``explain``, ``train``, ``predict``, ``draw``,
``explore``, ``exercise``), each with ``add(commands)``, its parser, and ``run(args)``, which
calls into the room that does the work; ``arguments`` holds the argument types. May import
every room; nothing imports this one.
"""
import argparse
import os
import sys

from . import bench, compile, demo, draw, exercise, explain, explore, predict, train

COMMANDS = (demo, explain, train, predict, bench, compile, draw, explore, exercise)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ffnn-numba",
        description="Feedforward neural networks as index-level Numba kernels and NumPy matrix forms.")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add(commands)
    args = parser.parse_args(argv)
    try:
        return _run(args, argv)
    except BrokenPipeError:   # the reader (| head) closed the pipe: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, OSError, MemoryError) as exc:
        message = " ".join(str(exc).split("\n")) or type(exc).__name__
        parser.exit(2, f"ffnn-numba {args.command}: error: {message}\n")


def _run(args, argv):
    args.argv = list(sys.argv[1:] if argv is None else argv)[1:]
    return args.run(args)

