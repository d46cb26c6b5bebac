#!/usr/bin/env bash
# Installs Postfix's smtp-sink and smtp-source (without configuring or
# starting Postfix) when they are missing, then runs the benchmark with the
# arguments given, from the repository's top folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v smtp-sink >/dev/null || ! command -v smtp-source >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  # Keep the package from starting the Postfix daemon.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix >/dev/null
fi
export PATH=$PATH:/usr/sbin
exec go run ./cmd/mailrun-bench "$@"
