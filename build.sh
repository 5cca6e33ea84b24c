#!/usr/bin/env bash
# CASPaxos playground: one entry point for set-up, build, tests and benchmarks.
#
#   ./build.sh setup   install what is missing (idempotent): wasm target, wasm-bindgen CLI,
#                      wasm-pack, Debian chromium + chromedriver, npm dev tools
#   ./build.sh build   wasm release build into www/pkg (cargo -> wasm-bindgen -> wasm-opt)
#   ./build.sh serve   build, then serve www/ on 127.0.0.1 (PORT, default 8080)
#   ./build.sh test    everything CI runs: fmt, clippy, native tests, wasm tests in headless
#                      Chromium, page tests
#   ./build.sh bench   native and wasm-in-Chromium benchmarks
#
# Environment: CASPAXOS_SEEDS (fault sweep seeds, default 500), PORT.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD

WASM_BINDGEN_VERSION=0.2.130 # must equal the `wasm-bindgen = "=..."` pin in Cargo.toml
WASM_PACK_VERSION=0.15.1
E2E=tests/e2e
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\n== %s\n' "$*"; }

ensure_rust_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

ensure_wasm_bindgen() {
  if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
    # --locked fails with some registry mirrors (a locked transitive version is missing): fall back.
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --locked --force ||
      cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
  fi
}

ensure_wasm_pack() {
  if [ "$(wasm-pack --version 2>/dev/null || true)" != "wasm-pack $WASM_PACK_VERSION" ]; then
    log "installing wasm-pack $WASM_PACK_VERSION (about 3 minutes)"
    cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked --force ||
      cargo install wasm-pack --version "=$WASM_PACK_VERSION" --force
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing Debian chromium and chromium-driver"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver
  fi
}

ensure_npm_tools() {
  if [ -f "$E2E/package-lock.json" ] && ! (cd "$E2E" && npm ls --silent >/dev/null 2>&1); then
    log "installing page-test tools (npm ci in $E2E)"
    (cd "$E2E" && npm ci --no-audit --no-fund)
  fi
}

setup() {
  ensure_rust_target
  ensure_wasm_bindgen
  ensure_wasm_pack
  ensure_chromium
  ensure_npm_tools
}

# Release wasm into www/pkg: cargo, wasm-bindgen --target web, npm binaryen's wasm-opt (never
# Debian's binaryen 108: its output breaks wasm-bindgen 0.2.130 tables at page load).
build() {
  ensure_rust_target
  ensure_wasm_bindgen
  ensure_npm_tools
  log "building wasm"
  cargo build --profile wasm --lib --target wasm32-unknown-unknown
  local wasm=target/wasm32-unknown-unknown/wasm/caspaxos_playground.wasm
  rm -rf www/pkg
  wasm-bindgen "$wasm" --target web --out-dir www/pkg
  local opt="$E2E/node_modules/binaryen/bin/wasm-opt"
  if [ -x "$opt" ]; then
    "$opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      www/pkg/caspaxos_playground_bg.wasm -o www/pkg/caspaxos_playground_bg.wasm
  else
    echo "note: npm binaryen not installed; www/pkg is not wasm-opt'ed" >&2
  fi
  local raw gz
  raw=$(stat -c %s www/pkg/caspaxos_playground_bg.wasm)
  gz=$(gzip -9 -c www/pkg/caspaxos_playground_bg.wasm | wc -c)
  echo "www/pkg/caspaxos_playground_bg.wasm: $((raw / 1024)) KB raw, $((gz / 1024)) KB gzip"
}

serve() {
  build
  local port=${PORT:-8080}
  log "serving www/ at http://127.0.0.1:$port/ (Ctrl-C to stop)"
  cd www && exec python3 -m http.server "$port" --bind 127.0.0.1
}

# Extra Chromium flags for wasm-bindgen-test-runner, which reads them from ./webdriver.json: on a
# closed network, background services only produce refused connections.
write_webdriver_json() {
  cat >webdriver.json <<'JSON'
{ "goog:chromeOptions": { "args": ["--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"] } }
JSON
}

wasm_tests() {
  mkdir -p target/tmp
  write_webdriver_json
  log "wasm tests in headless Chromium (wasm-pack test --headless --chrome)"
  TMPDIR="$ROOT/target/tmp" wasm-pack test --headless --chrome --mode no-install
}

page_tests() {
  if [ -d "$E2E" ] && ls "$E2E"/*.test.mjs >/dev/null 2>&1; then
    build
    log "page tests (playwright-core + Debian chromium, node --test)"
    mkdir -p target/tmp
    (cd "$E2E" && TMPDIR="$ROOT/target/tmp" node --test --test-concurrency=1 ./*.test.mjs)
  fi
}

test_all() {
  setup
  log "rustfmt and clippy"
  cargo fmt --check
  cargo clippy --all-targets -- -D warnings
  cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings
  log "native tests (fault sweep: ${CASPAXOS_SEEDS:-500} seeds)"
  cargo test --release
  wasm_tests
  page_tests
}

# The median increments/s of the throughput line matching $1.
median_of() { awk -v re="$1" '$0 ~ re { for (i = 1; i < NF; i++) if ($i == "median") print $(i + 1) }'; }

bench() {
  log "native benchmark"
  local native
  native=$(cargo bench --bench throughput | tee /dev/stderr)
  cargo bench --bench memory
  cargo bench --bench checker
  setup
  build
  log "wasm benchmark in headless Chromium"
  mkdir -p target/tmp
  (cd "$E2E" &&
    NATIVE_INCREMENTS_PER_SEC=$(echo "$native" | median_of '^native no faults \(of record\)') \
    NATIVE_LOSS_INCREMENTS_PER_SEC=$(echo "$native" | median_of '^native 5% loss') \
    TMPDIR="$ROOT/target/tmp" node bench.mjs)
}

case "${1:-}" in
  setup) setup ;;
  build) build ;;
  serve) serve ;;
  test) test_all ;;
  bench) bench ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
