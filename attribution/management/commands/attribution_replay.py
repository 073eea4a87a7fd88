"""``manage.py attribution_replay FILE.jsonl [--explain]`` (SPEC section 3).

Thin wrapper: all parsing and deciding lives in ``attribution.replay``, which
calls the same ``rules.decide`` as the worker. Stdout carries results only.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from attribution.replay import ReplayError, replay_file


class Command(BaseCommand):
    help = "Replay attribution events from a JSONL file and print one result per order."

    # No database is touched, so skip the system checks (they would need one
    # for some checks and only slow the acceptance runs down).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSONL file, one event per line")
        parser.add_argument(
            "--explain",
            action="store_true",
            help='add a "reason" key to each result',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        try:
            results = replay_file(path, explain=options["explain"])
        except ReplayError as exc:
            self._fail(str(exc))
        except OSError as exc:
            self._fail(f"cannot read {path}: {exc.strerror or exc}")
        # Results are printed only after the whole file validated, so a bad
        # line never leaves partial output behind.
        for result in results:
            self.stdout.write(json.dumps(result))

    def _fail(self, message: str) -> NoReturn:
        # SystemExit rather than CommandError: call_command() re-raises
        # CommandError instead of exiting, and the spec wants exit code 2
        # from both the shell and tests.
        self.stderr.write(message)
        sys.exit(2)
