#!/usr/bin/env bash
# Install the named Debian packages when they are missing and we can (root with apt-get);
# otherwise say exactly which packages are missing and carry on (the features that need
# them report it clearly at run time).
set -u
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
     || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }; then
    exit 0
  fi
  echo "WARNING: could not install: ${missing[*]}" >&2
else
  echo "NOTE: these Debian packages are missing and cannot be installed from here: ${missing[*]}" >&2
  echo "      Install them with: sudo apt-get install ${missing[*]}" >&2
fi
exit 0
