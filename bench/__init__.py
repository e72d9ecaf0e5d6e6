"""The benchmark behind `make bench`: run.py runs it, the other modules are its sections."""
