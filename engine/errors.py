"""The one exception type for errors a user can cause and fix (defined in models/, the lowest layer, so that
every layer raises the same one)."""
from models.errors import WorkbenchError

__all__ = ["WorkbenchError"]
