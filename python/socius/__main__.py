import sys

from .cli import main

# Guarded: mpi4py.futures workers import the main module (here socius.__main__) under another
# name to resolve pickled references, and must not run the command line again.
if __name__ == "__main__":
    sys.exit(main())
