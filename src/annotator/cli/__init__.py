"""Command line entry point (filled in below)."""


def main(argv=None) -> int:  # pragma: no cover - replaced shortly
    return 0
