#!/bin/sh
# Debian packages the score fixture scripts need (tools/gen-score-fixtures.py). Tests never need them.
set -e
apt-get update
apt-get install -y python3-sklearn python3-h5py python3-netcdf4 python3-xarray
