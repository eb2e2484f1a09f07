"""Errors that carry where in the input they happened, so the CLI can print one line and exit 2."""

from __future__ import annotations


class DedupError(Exception):
    """Base class: a problem the user can fix (input, configuration, usage)."""

    exit_code = 2


class InputError(DedupError):
    """A record that cannot be read: `file:line: reason`."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, int, str]]:
        """Rebuilt from its fields, so an error raised in a pool worker reaches the driver as itself (exit 2)."""
        return type(self), (self.source, self.line, self.reason)


class ConfigError(DedupError):
    """Bad configuration: a rule file, an index with another fingerprint, an unreachable Redis."""


class RuleError(ConfigError):
    """A rule file line that cannot be used: `file:line: reason`."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        self.source = source
        self.line = line
        self.reason = reason
        super().__init__(f"{source}:{line}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, int, str]]:
        return type(self), (self.source, self.line, self.reason)


class OutputError(DedupError):
    """An output that cannot be written: `path: reason` (missing directory, disk full, not a writable target)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return type(self), (self.path, self.reason)
