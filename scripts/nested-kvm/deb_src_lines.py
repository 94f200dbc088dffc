#!/usr/bin/env python3
"""Print a one-line-style sources.list with a deb-src line for every deb
source apt is configured with (/etc/apt/sources.list, and the .list and
.sources files in /etc/apt/sources.list.d), so that `apt-get source` can
fetch from the same mirrors without changing the system's configuration.
Each line keeps its signed-by key.

    deb_src_lines.py [APT-DIRECTORY]      (default /etc/apt)"""
import glob
import os
import sys

def one_line_entries(path):
    """deb lines of a one-line-style file: (options, uri, suite, components)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if not words or words[0] != "deb":
                continue
            words = words[1:]
            options = ""
            if words and words[0].startswith("["):
                end = next((i for i, w in enumerate(words) if w.endswith("]")), None)
                if end is None:
                    continue
                options = " ".join(words[:end + 1])
                words = words[end + 1:]
            if len(words) >= 2:
                yield options, words[0], words[1], words[2:]


def deb822_entries(path):
    """deb entries of a deb822 .sources file, one per URI and suite."""
    with open(path, encoding="utf-8") as f:
        stanzas = f.read().split("\n\n")
    for stanza in stanzas:
        fields = {}
        key = None
        for line in stanza.splitlines():
            if line.startswith("#") or not line.strip():
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").lower() == "no":
            continue
        signed = fields.get("signed-by", "")
        options = f"[signed-by={signed}]" if signed and not signed.startswith("-") else ""
        for uri in fields.get("uris", "").split():
            for suite in fields.get("suites", "").split():
                yield options, uri, suite, fields.get("components", "").split()


def main():
    apt = sys.argv[1] if len(sys.argv) > 1 else "/etc/apt"
    files = [os.path.join(apt, "sources.list")]
    files += sorted(glob.glob(os.path.join(apt, "sources.list.d", "*.list")))
    files += sorted(glob.glob(os.path.join(apt, "sources.list.d", "*.sources")))
    lines = []
    for path in files:
        if not os.path.isfile(path):
            continue
        entries = deb822_entries(path) if path.endswith(".sources") else one_line_entries(path)
        for options, uri, suite, components in entries:
            line = " ".join(w for w in ("deb-src", options, uri, suite, *components) if w)
            if line not in lines:
                lines.append(line)
    if not lines:
        sys.exit(f"deb_src_lines.py: no deb sources found in {apt}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
