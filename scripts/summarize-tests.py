#!/usr/bin/env python3
"""Adds up the TRX files of `dotnet test` and the TAP output of `node --test` into one closing line.
A name with `.postgres` (e.g. OpenIvs.Server.Tests.postgres.trx, js.postgres.tap) is a pass on PostgreSQL."""
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

results = pathlib.Path(sys.argv[1])
passed = failed = 0
for trx in sorted(results.glob("*.trx")):
    counters = ET.parse(trx).getroot().find(".//{*}ResultSummary/{*}Counters")
    p, f = int(counters.get("passed", 0)), int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0))
    print(f"{trx.stem}: {p} passed, {f} failed")
    passed, failed = passed + p, failed + f
    # Name each failure and the first line of its message: CI shows only the tail of the output.
    for result in ET.parse(trx).getroot().iter("{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}UnitTestResult"):
        if result.get("outcome") not in ("Passed", "NotExecuted"):
            message = result.find(".//{*}Message")
            first = (message.text or "").strip().splitlines()[0][:300] if message is not None and message.text else ""
            print(f"  FAILED {result.get('testName')}: {first}")
for tap in sorted(results.glob("*.tap")):
    text = tap.read_text()
    p = sum(int(n) for n in re.findall(r"^# pass (\d+)$", text, re.M))
    f = sum(int(n) for n in re.findall(r"^# fail (\d+)$", text, re.M))
    print(f"JavaScript{tap.stem[2:]}: {p} passed, {f} failed")
    for name in re.findall(r"^\s*not ok \d+ - (.*)$", text, re.M):
        print(f"  FAILED {name[:300]}")
    passed, failed = passed + p, failed + f
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
