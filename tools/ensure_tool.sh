#!/usr/bin/env bash
# Make sure a command that some checks need is there (make browser-setup, make qemu-setup).
#
# Usage: tools/ensure_tool.sh "WHAT NEEDS IT" "DEBIAN PACKAGES" COMMAND [OTHER NAME OF COMMAND ...]
#
# Found: prints its version. Missing under CI (CI=true, as root): installs the Debian packages
# with apt-get, and fails the run if that fails. Missing on a reader's computer: says that those
# checks will be skipped and how to install it, and succeeds (the checks then skip themselves).
set -uo pipefail
what=$1 packages=$2
shift 2
found() { for name in "$@"; do command -v "$name" >/dev/null 2>&1 && { echo "$name"; return 0; }; done; return 1; }

if command=$(found "$@"); then
  echo "==> For $what: $("$command" --version 2>/dev/null | head -n 1)"
elif [ "${CI:-}" = "true" ]; then
  echo "==> CI: installing Debian's $packages for $what (apt-get)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages >/dev/null; }; then
    echo "==> Could not install $packages: $what cannot run" >&2
    exit 1
  fi
  command=$(found "$@") || { echo "==> $packages installed, but no $1 on PATH: $what cannot run" >&2; exit 1; }
  echo "==> For $what: $("$command" --version 2>/dev/null | head -n 1)"
else
  echo "==> No $1 on this computer: $what will be SKIPPED (everything else still runs)."
  echo "    To run them, install it (Debian/Ubuntu: sudo apt-get install $packages)."
fi
