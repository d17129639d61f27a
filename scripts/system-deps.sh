#!/usr/bin/env bash
# What the test command needs from Debian: Chromium for the browser tests (never a downloaded
# browser build), CJK fonts so Chinese renders in screenshots, gettext for compilemessages.
# `system-deps.sh demo` installs only what running the app needs (gettext).
set -euo pipefail
missing=()
command -v msgfmt >/dev/null || missing+=(gettext)
if [ "${1:-test}" != "demo" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
