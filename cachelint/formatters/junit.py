"""`--format junit`: JUnit XML as linters emit it (ruff's shape): a test suite per file and a
failing test case per finding; a single passing case when there are none."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby
from pathlib import PurePosixPath

from cachelint.formatters import CollectingFormatter, Summary

PROGRAM = "cachelint"
PACKAGE = f"org.{PROGRAM}"

# Characters XML 1.0 cannot carry even escaped (C0 controls but tab/newline/CR, lone surrogates,
# U+FFFE/U+FFFF): shown as \xNN so a message quoting them stays readable and the file parses.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub(_escaped, text)


def _escaped(m: re.Match) -> str:
    o = ord(m.group())
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def _classname(path: str) -> str:
    """The path without its extension, as ruff names test classes."""
    return PurePosixPath(path).with_suffix("").as_posix()


class JunitFormatter(CollectingFormatter):
    name = "junit"

    def finish(self, summary: Summary) -> None:
        n = str(len(self.findings))
        root = ET.Element("testsuites", name=PROGRAM, tests=n, failures=n, errors="0")
        if not self.findings:
            suite = ET.SubElement(root, "testsuite", name=PROGRAM, tests="1", disabled="0")
            suite.attrib.update(errors="0", failures="0", package=PACKAGE)
            ET.SubElement(suite, "testcase", name="No errors found", classname=PROGRAM)
        by_path = sorted(self.findings, key=lambda f: f.path)  # stable: keeps output order
        for path, group in groupby(by_path, key=lambda f: f.path):
            found = list(group)
            k = str(len(found))
            suite = ET.SubElement(root, "testsuite", name=xml_text(path), tests=k, disabled="0")
            suite.attrib.update(errors="0", failures=k, package=PACKAGE)
            for f in found:
                case = ET.SubElement(
                    suite,
                    "testcase",
                    name=f"{PACKAGE}.{f.code}",
                    classname=xml_text(_classname(path)),
                    line=str(f.span.line),
                    column=str(f.span.column),
                )
                failure = ET.SubElement(
                    case, "failure", message=xml_text(f.message), type=f.severity.value
                )
                # parsers turn CR and CRLF into LF in element text: write what they will read
                body = f"line {f.span.line}, col {f.span.column}, {f.message}"
                failure.text = xml_text(body.replace("\r\n", "\n").replace("\r", "\n"))
        ET.indent(root)
        self.stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.stream.write(ET.tostring(root, encoding="unicode") + "\n")
