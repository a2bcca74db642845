#!/bin/sh
# Debian packages the fixture generators need (fixtures are committed; tests never need Python).
# tools/gen-convrnn-fixture.py: float64 PyTorch. Run the generators with /usr/bin/python3 (Debian's).
set -e
apt-get update
apt-get install -y python3-torch
