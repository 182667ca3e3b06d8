#!/usr/bin/env bash
# Builds the base images of the compose test locally, from Debian's packages, for machines that
# reach Debian's mirror and the npm registry but no container registry. Each is a stand-in for the
# official image the compose file and infra/Dockerfile name, under a name of its own:
#   chat-ci/node     build stage, for node:20-bookworm-slim   Debian's nodejs 20 and npm (trixie)
#   chat-ci/bun      runtime, for oven/bun:1.4.5-slim          Bun from the repository's `bun` npm package
#   chat-ci/rabbitmq for rabbitmq:3.13-management              Debian's rabbitmq-server, management on
#   chat-ci/redis    for redis:7                               Debian's redis-server
#   chat-ci/nginx    for nginx:1.28-alpine                     Debian's nginx (sid: `resolve` needs >= 1.27.3)
# A base is rebuilt only when its recipe (the *.Dockerfile beside this script, and for chat-ci/bun
# the Bun binary) changed: the recipe's hash is a label of the image. The Debian roots
# (`debootstrap --variant=minbase`, imported as chat-ci/debian:<suite>) are made once per engine.
#
# Usage: DOCKER_HOST=unix:///... build-bases.sh   (needs root for debootstrap; run from anywhere)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
docker=${DOCKER:-docker}

# The Debian mirror apt already uses here (deb822 `URIs:` or a one-line `deb` entry).
debian_mirror() {
  local uri
  uri=$(grep -rhoE '^(URIs:|deb)[[:space:]]+(\[[^]]*\][[:space:]]+)?https?://[^[:space:]]+/debian/?([[:space:]]|$)' \
    /etc/apt/sources.list /etc/apt/sources.list.d 2>/dev/null | grep -oE 'https?://[^[:space:]]+' | head -1 || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

import_suite() {
  local suite=$1 tag="chat-ci/debian:$1" rootfs
  if "$docker" image inspect "$tag" >/dev/null 2>&1; then return; fi
  rootfs=$(mktemp -d)
  echo "debootstrap $suite from $(debian_mirror)"
  if ! debootstrap --variant=minbase "$suite" "$rootfs" "$(debian_mirror)" >"$rootfs.log" 2>&1; then
    tail -20 "$rootfs.log" >&2
    rm -rf "$rootfs" "$rootfs.log"
    return 1
  fi
  rm -rf "$rootfs.log" "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" --numeric-owner -c . | "$docker" import --change 'CMD ["/bin/bash"]' - "$tag" >/dev/null
  rm -rf "$rootfs"
}

# build_base NAME CONTEXT: builds chat-ci/NAME from NAME.Dockerfile unless its recipe is unchanged.
build_base() {
  local name=$1 context=$2 recipe current
  recipe=$( (cat "$here/$name.Dockerfile"; cd "$context" && find . -type f -exec sha256sum {} + | sort) | sha256sum | cut -c1-16)
  current=$("$docker" image inspect -f '{{index .Config.Labels "chat-ci.recipe"}}' "chat-ci/$name" 2>/dev/null || true)
  if [ "$current" = "$recipe" ]; then return; fi
  echo "building chat-ci/$name"
  # Host network: apt reaches the mirror the way the host does (the engine runs with --iptables=false).
  if ! "$docker" build --network host --label "chat-ci.recipe=$recipe" -t "chat-ci/$name" \
    -f "$here/$name.Dockerfile" "$context" >"$context.log" 2>&1; then
    tail -30 "$context.log" >&2
    rm -f "$context.log"
    return 1
  fi
  rm -f "$context.log"
}

import_suite bookworm
import_suite trixie
import_suite sid

empty=$(mktemp -d)
bun_context=$(mktemp -d)
trap 'rm -rf "$empty" "$bun_context"' EXIT
# The `bun` package's install step leaves its platform's binary here.
bun_binary="$root/node_modules/bun/bin/bun.exe"
[ -x "$bun_binary" ] || { echo "no Bun binary at $bun_binary (run npm install)" >&2; exit 1; }
cp "$bun_binary" "$bun_context/bun"

build_base node "$empty"
build_base bun "$bun_context"
build_base rabbitmq "$empty"
build_base redis "$empty"
build_base nginx "$empty"
# The images that a changed recipe replaced.
"$docker" image prune --force --filter label=chat-ci.recipe >/dev/null
