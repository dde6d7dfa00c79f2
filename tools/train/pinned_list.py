#!/usr/bin/python3
"""Print `name@version` for every package in manifest.json (input for fetch_packages.sh)."""
import json
import os
import sys

m = json.load(open(sys.argv[1] if len(sys.argv) > 1 else
                   os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifest.json")))
for p in m["packages"]:
    if p.get("version") and p["version"] != "?":
        print(f"{p['name']}@{p['version']}")
    else:
        print(p["name"])
