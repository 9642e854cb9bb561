#!/usr/bin/env bash
# `npm run demo`: from a fresh clone with Node >= 22, installs what is missing (pnpm, the
# dependencies), builds the packages the demo needs and runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=ci/toolchain.sh
source tools/ci/toolchain.sh >/dev/null
pnpm install --frozen-lockfile --reporter=silent
pnpm exec turbo run build --filter=@hodei/example-quickstart^... --output-logs=errors-only >/dev/null
pnpm --filter @hodei/example-quickstart --silent start
