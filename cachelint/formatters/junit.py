"""`--format junit`: JUnit XML as linters emit it (ruff's shape): a test suite per file and a
failing test case per finding; a single passing case when there are none."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import PurePosixPath

from cachelint.formatters import CollectingFormatter, Summary
from cachelint.formatters.neutral import shown_finding, shown_path

PROGRAM = "cachelint"
PACKAGE = f"org.{PROGRAM}"


def _classname(path: str) -> str:
    """The path without its extension, as ruff names test classes."""
    return shown_path(PurePosixPath(path).with_suffix("").as_posix())


class JunitFormatter(CollectingFormatter):
    name = "junit"

    def finish(self, summary: Summary) -> None:
        n = str(len(self.findings))
        tests = n if self.findings else "1"  # a clean run is one passing case, counted as one
        root = ET.Element("testsuites", name=PROGRAM, tests=tests, failures=n, errors="0")
        if not self.findings:
            suite = ET.SubElement(root, "testsuite", name=PROGRAM, tests="1", disabled="0")
            suite.attrib.update(errors="0", failures="0", package=PACKAGE)
            ET.SubElement(suite, "testcase", name="No errors found", classname=PROGRAM)
        # shown text holds no character XML 1.0 cannot (C0 controls, lone surrogates, U+FFFF)
        shown = [shown_finding(f) for f in self.findings]
        by_path = sorted(shown, key=lambda f: f.path)  # stable: keeps output order
        for path, group in groupby(by_path, key=lambda f: f.path):
            found = list(group)
            k = str(len(found))
            suite = ET.SubElement(root, "testsuite", name=path, tests=k, disabled="0")
            suite.attrib.update(errors="0", failures=k, package=PACKAGE)
            for f in found:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=f"{PACKAGE}.{f.code}",
                    classname=_classname(path),
                    line=str(f.span.line),
                    column=str(f.span.column),
                )
                failure = ET.SubElement(case, "failure", message=f.message, type=f.severity.value)
                failure.text = f"line {f.span.line}, col {f.span.column}, {f.message}"
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(ET.tostring(root, encoding="unicode") + "\n")
