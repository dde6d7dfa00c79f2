#!/bin/sh
# Sequentially download npm tarballs (polite: one at a time, short pause).
# Usage: sh tools/train/fetch_packages.sh [DATA_DIR] [LIST]
#   DATA_DIR  default /root/fanout-train
#   LIST      default tools/train/packages.txt; one `name` or `name@version` a line (# comments).
#             Pinned list of the versions last used: tools/train/pinned_list.py > LIST
# A package already extracted under DATA_DIR/pkgs/ (by name, any version) is skipped.
set -u
DATA=${1:-/root/fanout-train}
LIST=${2:-$(cd "$(dirname "$0")" && pwd)/packages.txt}
case "$LIST" in /*) ;; *) LIST=$(pwd)/$LIST ;; esac  # absolute: the script cd-s below
mkdir -p "$DATA/tarballs" "$DATA/pkgs"
cd "$DATA/tarballs"
grep -v '^#' "$LIST" | grep -v '^$' | while read -r P; do
  NAME=$(echo "$P" | sed -E 's#^(@?[^@]+)@[^@/]+$#\1#')   # strip a pinned @version
  SAFE=$(echo "$NAME" | sed 's#/#__#g; s#^@##')
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
