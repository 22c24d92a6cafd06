"""What the deployment checks share: collect every failed fact, then report them all at once."""
import sys

failures = []


def check(ok, what):
    """Records `what` as failed unless `ok`; returns `ok`."""
    if not ok:
        failures.append(what)
    return bool(ok)


def finish(passed):
    """Exits 1 listing every failure, else prints `passed` (exit 0)."""
    if failures:
        for f in failures:
            print("FAIL:", f)
        sys.exit(1)
    print("PASS:", passed)
