"""The commands of ``hipdrive``, one module per group; ``edge.cli`` parses and dispatches."""
