# Sourced by .ci/run (and by developers): puts Node >= 22 and the pinned pnpm on PATH.
# The machine's Node may be older (Debian ships 20, past its end of life). The npm registry's
# `node` package brings a current Node as a binary, and pnpm comes from the registry too, so
# nothing is fetched from anywhere but the npm registry.
# Usage: source tools/ci/toolchain.sh
HODEI_NODE_MAJOR="${HODEI_NODE_MAJOR:-24}"
HODEI_PNPM_VERSION="12.4.2"
HODEI_TOOLCHAIN_DIR="${HODEI_TOOLCHAIN_DIR:-$HOME/.cache/hodei-lifecycle/toolchain}"

# Node >= 22.18 runs the examples' TypeScript directly (type stripping without a flag).
_hodei_node_ok() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' 2>/dev/null
}

if ! _hodei_node_ok || [ "$(pnpm --version 2>/dev/null)" != "$HODEI_PNPM_VERSION" ]; then
  bin="$HODEI_TOOLCHAIN_DIR/node_modules/.bin"
  if [ ! -x "$bin/node" ] || [ ! -x "$bin/pnpm" ] || [ "$("$bin/pnpm" --version 2>/dev/null)" != "$HODEI_PNPM_VERSION" ]; then
    echo "toolchain: installing node@$HODEI_NODE_MAJOR and pnpm@$HODEI_PNPM_VERSION into $HODEI_TOOLCHAIN_DIR"
    mkdir -p "$HODEI_TOOLCHAIN_DIR"
    (cd "$HODEI_TOOLCHAIN_DIR" && npm install --no-save --no-audit --no-fund --loglevel=error \
      "node@$HODEI_NODE_MAJOR" "pnpm@$HODEI_PNPM_VERSION")
  fi
  # .bin/node links to the registry package's real node binary.
  export PATH="$bin:$PATH"
fi
if ! _hodei_node_ok || [ "$(pnpm --version 2>/dev/null)" != "$HODEI_PNPM_VERSION" ]; then
  echo "toolchain: need Node >= 22.18 and pnpm $HODEI_PNPM_VERSION; found node $(node --version 2>&1), pnpm $(pnpm --version 2>&1)" >&2
  return 1 2>/dev/null || exit 1
fi
echo "toolchain: node $(node --version), pnpm $(pnpm --version)"
