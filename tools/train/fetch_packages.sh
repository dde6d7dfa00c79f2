#!/bin/sh
# Sequentially download the npm tarballs listed in packages.txt (polite: one at a time, short pause).
# Usage: sh tools/train/fetch_packages.sh [DATA_DIR]   (default /root/fanout-train)
set -u
DATA=${1:-/root/fanout-train}
LIST=$(cd "$(dirname "$0")" && pwd)/packages.txt  # absolute: the script cd-s below
mkdir -p "$DATA/tarballs" "$DATA/pkgs"
cd "$DATA/tarballs"
grep -v '^#' "$LIST" | grep -v '^$' | while read -r P; do
  SAFE=$(echo "$P" | sed 's#/#__#g; s#^@##')
  if [ -d "$DATA/pkgs/$SAFE" ]; then continue; fi
  F=$(npm pack "$P" --silent 2>/dev/null | tail -1)
  if [ -n "$F" ] && [ -f "$F" ]; then
    mkdir -p "$DATA/pkgs/$SAFE"
    tar -xzf "$F" -C "$DATA/pkgs/$SAFE" --strip-components=1 2>/dev/null || echo "untar failed $P"
    echo "ok $P $F"
  else
    echo "FAILED $P"
  fi
  sleep 0.3
done
echo DONE
