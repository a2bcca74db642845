#!/usr/bin/env bash
# Installs Fashion-MNIST from Debian's dataset-fashion-mnist package (Expat licence, ~30 MB):
# /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz, read by
# src/data/idx.ts fashionMnist(). Idempotent; does nothing when the files are already there.
set -euo pipefail
dir=/usr/share/datasets/fashion-mnist
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
have_all() { for f in "${files[@]}"; do [ -s "$dir/$f" ] || return 1; done; }
if have_all && [ "${FORCE:-0}" != 1 ]; then
  echo "install-fashion-mnist: already installed in $dir"; exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "install-fashion-mnist: needs root (apt-get)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q dataset-fashion-mnist
have_all || { echo "install-fashion-mnist: package installed but files missing from $dir" >&2; exit 1; }
echo "install-fashion-mnist: installed $(dpkg-query -W -f='${Version}' dataset-fashion-mnist) in $dir"
