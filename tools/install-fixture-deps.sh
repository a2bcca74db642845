#!/bin/sh
# Debian packages the fixture generators need (fixtures are committed; tests never need Python). Run the generators
# with /usr/bin/python3 (Debian's): tools/gen-convrnn-fixture.py (float64 PyTorch), tools/gen-score-fixtures.py
# (scikit-learn), tools/gen-assembly-fixture.py (xarray/netCDF4, h5py), tools/gen-corrupt-fixtures.py (numpy, scipy,
# Pillow, OpenCV, scikit-image: imagecorruptions' uint8 pipeline).
set -e
apt-get update
apt-get install -y python3-torch python3-sklearn python3-h5py python3-netcdf4 python3-xarray \
  python3-scipy python3-pil python3-opencv python3-skimage
