#!/usr/bin/env bash
# Installs Toxiproxy's server (v2.12.0) from source with the Go toolchain, as `toxiproxy-server`.
#
#   go install -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=2.12.0" \
#     github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0
#   cp "$(go env GOPATH)/bin/server" <bin dir>/toxiproxy-server
#
# (The -X flag stamps the version the way the release builds do; without it
# `toxiproxy-server -version` prints "git".)
#
# <bin dir> is /usr/local/bin as root, else $HOME/.local/bin (make sure it is on PATH);
# TOXIPROXY_BIN_DIR overrides it. Needs Go >= 1.21 (toxiproxy 2.12 wants go 1.23; a newer
# toolchain is fetched through the Go module proxy if needed).
# Idempotent: does nothing when a toxiproxy-server of that version is already installed there
# (or on PATH). Override the version with TOXIPROXY_VERSION=v2.x.y.
#
# Alternatives without Go: the release binaries (toxiproxy-server-linux-amd64 on
# github.com/Shopify/toxiproxy/releases) or Docker (ghcr.io/shopify/toxiproxy:2.12.0, see
# docker-compose.yml).
set -euo pipefail

version="${TOXIPROXY_VERSION:-v2.12.0}"
if [ -n "${TOXIPROXY_BIN_DIR:-}" ]; then
  bin_dir="$TOXIPROXY_BIN_DIR"
elif [ "$(id -u)" = "0" ]; then
  bin_dir=/usr/local/bin
else
  bin_dir="$HOME/.local/bin"
fi
target="$bin_dir/toxiproxy-server"

installed_version() {
  # `toxiproxy-server -version` prints e.g. "toxiproxy-server version 2.12.0".
  "$1" -version 2>&1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true
}

want="${version#v}"
for candidate in "$target" "$(command -v toxiproxy-server 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(installed_version "$candidate")" = "$want" ]; then
    echo "install-toxiproxy: $candidate is already version $want"
    exit 0
  fi
done

go_bin="$(command -v go 2>/dev/null || true)"
if [ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ]; then go_bin=/usr/local/go/bin/go; fi
if [ -z "$go_bin" ]; then
  echo "install-toxiproxy: Go not found (install Go, e.g. apt-get install golang-go, or use the release binaries / Docker image ghcr.io/shopify/toxiproxy:$want)" >&2
  exit 1
fi

echo "install-toxiproxy: go install github.com/Shopify/toxiproxy/v2/cmd/server@$version"
start=$(date +%s)
GOFLAGS="${GOFLAGS:-} -trimpath" "$go_bin" install \
  -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=$want" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@$version"
gobin="$("$go_bin" env GOBIN)"
if [ -z "$gobin" ]; then gobin="$("$go_bin" env GOPATH)/bin"; fi

mkdir -p "$bin_dir"
cp "$gobin/server" "$target.tmp.$$"
chmod 0755 "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "install-toxiproxy: installed $target ($(installed_version "$target")) in $(( $(date +%s) - start )) s"
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "install-toxiproxy: note: $bin_dir is not on PATH; add it or set LOCKSIM_TOXIPROXY_SERVER=$target" ;;
esac
