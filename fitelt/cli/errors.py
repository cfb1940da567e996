"""The last line of defence of `fitelt`: an unexpected error is one line, never a secret.

`fitelt: error: <Type>: <message>` on stderr and exit 1 (`-v` adds the traceback); Ctrl-C exits
130 without a traceback. Passwords, tokens and keys are masked in both: the values of the
secret environment variables, and whatever follows `password=` or sits in a URL's user info.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from urllib.parse import unquote

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
MAX_MESSAGE = 600

_SECRET_VARIABLE = re.compile(r"(PASSWORD|SECRET|TOKEN|_KEY)$")
_URL_VARIABLE = re.compile(r"_URL$")  # may carry a password in its user info
_URL_PASSWORD = re.compile(r"://[^:/@\s]*:([^@\s]+)@")
_PATTERNS = (
    # libpq key=value: password='…' or password=…
    (re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE), r"\1***"),
    # scheme://user:password@host
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s]*(@)", re.IGNORECASE), r"\1***\2"),
)


def _secrets() -> list[str]:
    values = set()
    for name, value in os.environ.items():
        if _SECRET_VARIABLE.search(name):
            values.add(value)
        elif _URL_VARIABLE.search(name) and (match := _URL_PASSWORD.search(value)):
            values.add(unquote(match.group(1)))
            values.add(match.group(1))
    # Short values are placeholders (the embedded server's "x"): masking them garbles text.
    return sorted((v for v in values if len(v) >= 4), key=len, reverse=True)


def redact(text: str) -> str:
    """`text` with known secret values and password-looking fields replaced by ***."""
    for secret in _secrets():
        text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def one_line(exc: BaseException) -> str:
    message = " ".join(str(exc).split()) or "(no message)"
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 3] + "..."
    return redact(f"fitelt: error: {type(exc).__name__}: {message}")


def report_unexpected(exc: BaseException, *, verbose: bool) -> int:
    """Print the error (with its traceback under -v), masked; the exit status."""
    if verbose:
        sys.stderr.write(redact("".join(traceback.format_exception(exc))))
    sys.stderr.write(one_line(exc) + "\n")
    return EXIT_ERROR
