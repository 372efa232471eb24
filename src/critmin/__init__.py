"""critmin: a knowledge graph and semantic query service for critical minerals."""

__version__ = "0.1.0"
