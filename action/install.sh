#!/usr/bin/env bash
# The Action's first step: build layerlens in the action's own checkout (GITHUB_ACTION_PATH), as a
# clone is built: npm ci installs the locked dependencies and its prepare step compiles dist/.
# A second use of the action in the same job finds dist/ built and does nothing.
set -euo pipefail
cd "$GITHUB_ACTION_PATH"
if [ -f dist/cli/index.js ] && [ -d node_modules ]; then
  echo "layerlens $(node bin/layerlens.js --version) is installed"
  exit 0
fi
echo "::group::Install layerlens (npm ci in $GITHUB_ACTION_PATH)"
npm ci --no-audit --no-fund --loglevel=error
echo "::endgroup::"
echo "layerlens $(node bin/layerlens.js --version) is installed"
