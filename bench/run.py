"""Run one benchmark script, keep what it printed, and regenerate the README's figures from it.

    .venv/bin/python bench/run.py attribution --scales 10000,100000 --platform-orders 3000000
    .venv/bin/python bench/run.py --readme-only        # regenerate the README from the kept outputs

The script's output is shown as it runs and kept in bench/results/<script>.txt with the command,
the date and the machine's load. The README shows each kept output verbatim between the markers
`<!-- bench:<script> -->` and `<!-- /bench:<script> -->`, and the summary table between
`<!-- bench:summary -->` and `<!-- /bench:summary -->` lists every line of every kept output that
states a goal, so no figure in the README is typed by hand.
"""

import argparse
import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
# The README sections whose figures come from a kept output, in the summary's order.
SCRIPTS = ["performance_overview", "attribution", "partner_csv", "product_search", "link_open",
           "partner_overview", "export"]
# A line that states a goal and whether it was met.
GOAL = re.compile(r"\bgoal\b.*\b(met|missed)\b", re.IGNORECASE)


def run(script: str, args: list[str]) -> int:
    command = [sys.executable, str(ROOT / "bench" / f"{script}.py"), *args]
    load = os.getloadavg()
    header = (f"$ .venv/bin/python bench/{script}.py {shlex.join(args)}".rstrip() + "\n"
              f"# {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs,"
              f" load average {load[0]:.1f} at the start\n")
    lines = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            if "UserWarning" in line or "mw_instance = middleware" in line:
                continue  # Django's warning about a missing static folder, not a figure
            lines.append(line)
    if proc.returncode:
        print(f"bench/run.py: {script} failed ({proc.returncode}); nothing kept", file=sys.stderr)
        return proc.returncode
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{script}.txt").write_text(header + "".join(lines))
    return 0


def block(script: str) -> str | None:
    path = RESULTS / f"{script}.txt"
    if not path.exists():
        return None
    return "```text\n" + path.read_text().rstrip("\n") + "\n```"


def summary() -> str:
    rows = ["| benchmark | run | goal line, as printed |", "|---|---|---|"]
    for script in SCRIPTS:
        path = RESULTS / f"{script}.txt"
        if not path.exists():
            continue
        text = path.read_text().splitlines()
        when = text[1].lstrip("# ").split(",")[0] if len(text) > 1 else ""
        for line in text[2:]:
            if GOAL.search(line):
                rows.append(f"| `bench/{script}.py` | {when} | {line.strip().replace('|', '/')} |")
    return "\n".join(rows)


def readme() -> None:
    text = README.read_text()
    sections = {"summary": summary(), **{script: block(script) for script in SCRIPTS}}
    for name, content in sections.items():
        if content is None:
            continue
        pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(<!-- /bench:{name} -->)", re.DOTALL)
        if not pattern.search(text):
            print(f"bench/run.py: README.md has no <!-- bench:{name} --> markers; skipped", file=sys.stderr)
            continue
        text = pattern.sub(lambda m: m.group(1) + content + "\n" + m.group(2), text)
    README.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", choices=SCRIPTS)
    parser.add_argument("--readme-only", action="store_true")
    args, rest = parser.parse_known_args()
    if not args.readme_only:
        if not args.script:
            parser.error("name a script, or --readme-only")
        code = run(args.script, rest)
        if code:
            raise SystemExit(code)
    readme()


if __name__ == "__main__":
    main()
