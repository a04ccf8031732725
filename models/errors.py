"""The one exception type for errors a user can cause and fix."""


class WorkbenchError(Exception):
    """Bad input or an unusable situation.

    The message says what is wrong, where (file, ticker, row or date) and what to do.
    The GUI shows it in a dialog and the CLI prints it as one line, never a traceback.
    """
