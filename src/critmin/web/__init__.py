"""The HTTP layer: a thin FastAPI app over critmin's plain modules."""
