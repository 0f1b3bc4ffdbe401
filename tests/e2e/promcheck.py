#!/usr/bin/env python3
"""promcheck.py FILE [--connection NAME] [--no-records]

Parse a metrics file the connector wrote (metrics_file) with the Prometheus
client's own text-format parser, print its families and samples, and exit 1
when it does not parse, when a family the connector always writes is missing,
or when it breaks what node_exporter's textfile collector needs and the lax
Python parser lets through: a family seen twice or untyped, a sample with a
timestamp, a value that is not finite, one series twice, a missing final
newline. With --connection NAME every sample must carry connection="NAME".
--no-records: connector_run_records may be absent (a run that could not
happen). Exit 2: usage, or the parser is not installed
(python3-prometheus-client).
"""
import math
import os
import re
import sys

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # Debian's python3-prometheus-client is installed for /usr/bin/python3;
    # a python3 earlier on PATH (pyenv, a venv) does not see it.
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        os.execv(system, [system] + sys.argv)
    print("promcheck: prometheus_client is not installed "
          "(apt-get install python3-prometheus-client)", file=sys.stderr)
    sys.exit(2)

REQUIRED = [
    "connector_run_records",
    "connector_run_duration_seconds",
    "connector_run_exit_code",
    "connector_run_timestamp_seconds",
    "connector_run_stopped",
    "connector_last_success_timestamp_seconds",
    "connector_failures",
    "connector_settlements_waiting",
]
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def escape(v):
    """A label value written back as the format escapes it."""
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def main(argv):
    path = None
    connection = None
    required = list(REQUIRED)
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--connection" and i + 1 < len(argv):
            connection = argv[i + 1]
            i += 1
        elif a == "--no-records":
            required.remove("connector_run_records")
        elif path is None and not a.startswith("-"):
            path = a
        else:
            print(__doc__, file=sys.stderr)
            return 2
        i += 1
    if path is None:
        print(__doc__, file=sys.stderr)
        return 2

    with open(path, encoding="utf-8") as f:
        text = f.read()
    problems = []
    if not text.endswith("\n"):
        problems.append("the file does not end with a newline")
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError, IndexError, ...
        print("promcheck: %s: does not parse: %s: %s" % (path, type(e).__name__, e))
        return 1

    seen = {}
    series = set()
    for fam in families:
        print("%s %s (%d samples) %s" % (fam.name, fam.type, len(fam.samples),
                                         escape(fam.documentation)))
        if fam.name in seen:
            problems.append("family %s appears twice" % fam.name)
        seen[fam.name] = fam
        if fam.type in ("untyped", "unknown"):
            problems.append("family %s has no # TYPE (or a sample strayed from its family)"
                            % fam.name)
        elif fam.type != "gauge":
            problems.append("family %s is a %s; the connector writes gauges only"
                            % (fam.name, fam.type))
        if not fam.documentation:
            problems.append("family %s has no # HELP" % fam.name)
        for s in fam.samples:
            labels = ",".join('%s="%s"' % (k, escape(v)) for k, v in sorted(s.labels.items()))
            print("  %s{%s} %r" % (s.name, labels, s.value))
            if s.timestamp is not None:
                problems.append("%s carries a timestamp" % s.name)
            if not math.isfinite(s.value):
                problems.append("%s{%s} is not finite" % (s.name, labels))
            for k in s.labels:
                if not LABEL_NAME.match(k):
                    problems.append("%s: bad label name %r" % (s.name, k))
            key = (s.name, tuple(sorted(s.labels.items())))
            if key in series:
                problems.append("%s{%s} appears twice" % (s.name, labels))
            series.add(key)
            if connection is not None and s.labels.get("connection") != connection:
                problems.append('%s{%s} lacks connection="%s"' % (s.name, labels, connection))
    for name in required:
        if name not in seen:
            problems.append("family %s is missing" % name)
        elif not seen[name].samples:
            problems.append("family %s has no samples" % name)
    for p in problems:
        print("promcheck: %s: %s" % (path, p))
    if problems:
        return 1
    print("promcheck: %s: ok, %d families, %d samples" % (path, len(families), len(series)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
