#!/usr/bin/env bash
# Installs what take.mjs needs under $LICIT_VSCODE (default /tmp/licit-vscode), from the npm
# registry and Debian's packages only: code-server (VS Code's server and web workbench, the last
# release for Node 20) and playwright-core. A developer's script, not a CI step.
#
# `npm install code-server` alone fails where only the registries are reachable: its post-install
# fetches @vscode/proxy-agent from a git URL and prebuilt binaries (ripgrep, kerberos, argon2) from
# release pages. So: the package is unpacked with its scripts off, the git URL is pointed at the
# same release on the npm registry (the lock file's integrity hash is the registry tarball's), the
# native modules are built with node-gyp against this Node's own headers, and Debian's ripgrep
# stands in for the downloaded one.
set -euo pipefail

dir="${LICIT_VSCODE:-/tmp/licit-vscode}"
code_server_version=4.96.4
playwright_version=1.65.1

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" != 20 ]; then
  echo "setup.sh: code-server $code_server_version runs on Node 20; this is Node $(node --version)" >&2
  exit 1
fi
# node-gyp needs the headers of the Node that will load the modules; Debian's and NodeSource's
# packages ship them under <prefix>/include/node.
nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}"
if [ ! -f "$nodedir/include/node/node_api.h" ]; then
  echo "setup.sh: no Node headers under $nodedir/include/node; set npm_config_nodedir" >&2
  exit 1
fi

missing=()
for pkg in libkrb5-dev ripgrep chromium g++ make; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

mkdir -p "$dir"
cd "$dir"
rm -rf code-server package code-server-*.tgz
npm pack --silent "code-server@$code_server_version" >/dev/null
tar xzf "code-server-$code_server_version.tgz"
mv package code-server
rm "code-server-$code_server_version.tgz"

vscode="$dir/code-server/lib/vscode"
git_url='git+ssh://git@github.com/microsoft/vscode-proxy-agent.git#0803e0a7d1249bcb64ae9d256d0ee732b7246ea5'
registry_url='https://registry.npmjs.org/@vscode/proxy-agent/-/proxy-agent-0.27.0.tgz'
grep -q "$git_url" "$vscode/npm-shrinkwrap.json"
sed -i "s|\"resolved\": \"$git_url\"|\"resolved\": \"$registry_url\"|" "$vscode/npm-shrinkwrap.json"

install() { (cd "$1" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --silent); }
install "$dir/code-server"
install "$vscode"
install "$vscode/extensions"
(cd "$vscode/extensions" && node postinstall.mjs >/dev/null)

node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
build() {
  local module="$1"
  shift
  echo "setup.sh: building $module"
  (cd "$module" && JOBS=1 node "$node_gyp" rebuild --nodedir="$nodedir" "$@" >"$dir/build.log" 2>&1) || {
    tail -30 "$dir/build.log" >&2
    exit 1
  }
}
build "$dir/code-server/node_modules/argon2" \
  --module_name=argon2 --module_path="$dir/code-server/node_modules/argon2/lib/binding/napi-v3" \
  --napi_build_version=3
for module in native-watchdog @vscode/spdlog node-pty @vscode/deviceid kerberos; do
  build "$vscode/node_modules/$module"
done
(cd "$vscode/node_modules/node-pty" && node scripts/post-install.js >/dev/null)

# What code-server's own post-install does besides npm install.
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
ln -sfn "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"
ln -sfn node_modules "$vscode/node_modules.asar"
ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"

npm install --prefix "$dir" --no-audit --no-fund --silent "playwright-core@$playwright_version"
echo "setup.sh: code-server $code_server_version and playwright-core $playwright_version in $dir"
