#!/usr/bin/env bash
# CASPaxos playground: one entry point for set-up, build, tests and benchmarks.
#
#   ./build.sh setup   install what is missing (idempotent): wasm target, wasm-bindgen CLI,
#                      wasm-pack, Debian chromium + chromedriver, npm dev tools
#   ./build.sh build   the two wasm modules into www/pkg (Cluster) and www/pkg/live
#                      (LiveCluster, loaded on demand), each cargo -> wasm-bindgen -> wasm-opt;
#                      `build workloads` with the benchmark workloads (never shipped)
#   ./build.sh dist    the hosted site in dist/: page, tutorial, element, both wasm modules
#                      (content-hashed names) and their JS, a 404.html; relative URLs only
#                      (GitHub Pages serves it from /<repo>/)
#   ./build.sh pack    the npm package for embedding: staged in target/npm, packed by `npm pack`
#                      into target/caspaxos-playground-<version>.tgz
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

# The two wasm modules (README, "Two modules"): the core `Cluster` (the default `cluster`
# feature) in www/pkg, and `LiveCluster` alone (the `live` feature), which the page imports only
# when a reader switches to Live, in www/pkg/live. Each has its own folder because wasm-bindgen
# names both crates' JS snippets alike (snippets/caspaxos-playground-<hash>/inline0.js).
CORE_MODULE=caspaxos_playground
LIVE_MODULE=caspaxos_live
module_dir() { if [ "$1" = "$LIVE_MODULE" ]; then echo www/pkg/live; else echo www/pkg; fi; }

# Release wasm into www/pkg: both modules, each cargo -> wasm-bindgen -> wasm-opt (npm
# binaryen's, never Debian's binaryen 108: its output breaks wasm-bindgen 0.2.130 tables at page
# load). `build workloads` adds the benchmark workloads (the `workloads` feature) to the core;
# the shipped wasm never has them.
build() {
  local features=${1:-}
  ensure_rust_target
  ensure_wasm_bindgen
  ensure_npm_tools
  build_module "$CORE_MODULE" ${features:+--features "$features"}
  build_module "$LIVE_MODULE" --no-default-features --features live
}

# ` --remap-path-prefix=<dir>/=` for each of cargo's registry source folders: the panic locations
# the wasm keeps then name `serde_json-1.0.154/src/ser.rs`, not the builder's cargo home (fewer
# bytes, and neither they nor the content-hashed file name depend on where cargo lives).
registry_remaps() {
  local dir
  for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
    [ -d "$dir" ] && printf ' --remap-path-prefix=%s=' "$dir"
  done
}

# build_module NAME CARGO_ARGS...: one module into its folder (see module_dir). The live module
# builds in its own target folder: a cdylib's file name has no hash of its features, so two
# feature sets in one folder overwrite each other's output and cargo rebuilds both every time.
build_module() {
  local name=$1 out target=target
  shift
  out=$(module_dir "$name")
  [ "$name" = "$CORE_MODULE" ] || target=target/$name
  log "building wasm module $name (cargo $*)"
  RUSTFLAGS="${RUSTFLAGS:-}$(registry_remaps)" \
    cargo build --profile wasm --lib --target wasm32-unknown-unknown --target-dir "$target" "$@"
  local wasm=$target/wasm32-unknown-unknown/wasm/caspaxos_playground.wasm
  # wasm-bindgen and wasm-opt take a minute: skip them when the folder already comes from this
  # cargo output, these features and this script.
  local stamp
  stamp="$(cat "$wasm" "$0" | sha256sum | cut -c1-32) $name $*"
  if [ "$(cat "$out/.stamp" 2>/dev/null || true)" = "$stamp" ]; then
    echo "$out is up to date"
    return
  fi
  mkdir -p "$out"
  # The core's folder holds the live module's: keep it.
  find "$out" -mindepth 1 -maxdepth 1 ! -name live -exec rm -rf {} +
  wasm-bindgen "$wasm" --target web --out-dir "$out" --out-name "$name"
  node www/npm/optional-params.mjs "$out/$name.d.ts"
  # Short names for the functions the wasm imports from the glue (core -1,141 B, live -1,454 B
  # gzipped; README, "wasm size").
  node www/npm/minify-imports.mjs "$out/${name}_bg.wasm" "$out/$name.js"
  local opt="$E2E/node_modules/binaryen/bin/wasm-opt"
  if [ -x "$opt" ]; then
    # -Os, not -Oz: a little more raw code that compresses better (0.5 KB gzipped smaller).
    # --converge: until nothing changes (0.7 KB gzipped). --low-memory-unused: fold constant
    # offsets into loads and stores (1.5 KB gzipped); it assumes no access below address 1024 is
    # reached by wrapping around 2^32, which holds for rustc's layout (the stack grows down from
    # 1 MiB to 0, data above it). The producers and target-features sections do nothing at run
    # time. --reorder-functions-by-name (last, on wasm-bindgen's name section, which the output
    # then drops): a module's functions side by side compress better (1.9 KB gzipped). The
    # README's "wasm size" table has each step's numbers. --one-caller-inline-max-function-size=20:
    # a function with one caller is inlined into it only if it is small (binaryen's -Os inlines
    # every such function, whatever its size, into the export shims): the same code as separate
    # functions, side by side by name, compresses far better (core 192.5 -> 178.7 KB gzipped,
    # 4.4% more raw bytes; 0 and 10..40 measured too, 20 is the smallest).
    "$opt" -Os --converge --one-caller-inline-max-function-size=20 --reorder-functions-by-name --low-memory-unused \
      --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
      "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
    # Then the functions in the order gzip likes best (www/npm/order-functions.mjs: alike
    # functions side by side, within deflate's 32 KiB window; core -4,614 B, live -3,513 B gzipped),
    # written as names for --reorder-functions-by-name. No pass but the reorder runs; the Stack IR
    # flags write the code as -Os wrote it (without them the rewrite alone is +0.5 KB gzipped).
    node www/npm/order-functions.mjs "$out/${name}_bg.wasm" "$out/${name}_bg.wasm"
    "$opt" --reorder-functions-by-name --generate-stack-ir --optimize-stack-ir --optimize-level=2 --shrink-level=1 \
      --low-memory-unused --strip-debug --strip-producers --strip-target-features \
      "$out/${name}_bg.wasm" -o "$out/${name}_bg.wasm"
  else
    echo "note: npm binaryen not installed; $out is not wasm-opt'ed" >&2
  fi
  echo "$stamp" >"$out/.stamp"
  local raw gz
  raw=$(stat -c %s "$out/${name}_bg.wasm")
  gz=$(gzip -9 -c "$out/${name}_bg.wasm" | wc -c)
  echo "$out/${name}_bg.wasm: $((raw / 1024)) KB raw, $((gz / 1024)) KB gzip"
}

# The wasm-bindgen glue and the wasm of both modules; `hashed` renames each wasm after its
# content and points its glue at the new name (long cache lifetimes, no stale module after a
# deploy). `types` adds the TypeScript declarations.
copy_pkg() {
  local to=$1 hashed=${2:-} types=${3:-}
  copy_module "$CORE_MODULE" "$to" "$hashed" "$types"
  copy_module "$LIVE_MODULE" "$to/live" "$hashed" "$types"
}

copy_module() {
  local name=$1 to=$2 hashed=$3 types=$4 from
  from=$(module_dir "$name")
  mkdir -p "$to"
  cp -r "$from/snippets" "$from/$name.js" "$to/"
  [ -z "$types" ] || cp "$from/$name.d.ts" "$to/"
  local wasm=${name}_bg.wasm
  if [ -n "$hashed" ]; then
    wasm="${name}_bg.$(sha256sum "$from/$wasm" | cut -c1-16).wasm"
    sed -i "s/'${name}_bg.wasm'/'$wasm'/" "$to/$name.js"
    grep -q "'$wasm'" "$to/$name.js" || {
      echo "dist: the glue no longer names ${name}_bg.wasm (wasm-bindgen changed?)" >&2
      return 1
    }
  fi
  cp "$from/${name}_bg.wasm" "$to/$wasm"
}

# The modules and styles the <caspaxos-playground> element needs: its static imports and
# `new URL("./x", import.meta.url)` references, followed from element.js (www/pkg aside).
element_files() {
  node -e '
    const fs = require("fs");
    const seen = new Set(), todo = ["element.js"];
    while (todo.length) {
      const f = todo.pop();
      if (seen.has(f)) continue;
      seen.add(f);
      if (!f.endsWith(".js")) continue;
      const src = fs.readFileSync("www/" + f, "utf8");
      for (const m of src.matchAll(/(?:from|import|new URL\()\s*\(?\s*"\.\/([^"]+)"/g)) {
        if (!m[1].startsWith("pkg/")) todo.push(m[1]);
      }
    }
    console.log([...seen].sort().join("\n"));'
}

# The hosted site: everything the page, the tutorial and the element load, nothing else.
dist() {
  build
  assemble_dist
}

assemble_dist() {
  log "assembling dist/"
  rm -rf dist
  mkdir -p dist
  (cd www && cp -- *.html *.js *.css ../dist/ && cp -r -- panels ../dist/)
  copy_pkg dist/pkg hashed
  cp www/npm/404.html dist/404.html
  echo "dist/: $(find dist -type f | wc -l) files, $(du -sk dist | cut -f1) KB"
}

# The npm package: the Cluster module (wasm-bindgen's glue, types and wasm) under pkg/, the
# element and the modules it imports, their types, package.json with the crate's version.
pack() {
  build
  assemble_pack
}

assemble_pack() {
  log "staging the npm package in target/npm"
  local stage=target/npm version
  version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
  rm -rf "$stage"
  mkdir -p "$stage"
  copy_pkg "$stage/pkg" "" types
  for f in $(element_files); do cp "www/$f" "$stage/$f"; done
  cp www/npm/element.d.ts www/npm/README.md www/npm/LICENSE "$stage/"
  sed "s/\"version\": \"0.0.0-cargo\"/\"version\": \"$version\"/" www/npm/package.json >"$stage/package.json"
  add_repository "$stage/package.json"
  rm -f target/caspaxos-playground-*.tgz
  (cd "$stage" && npm pack --silent --pack-destination ..)
  ls -l target/caspaxos-playground-*.tgz
}

# package.json's `repository` and `homepage` (the GitHub Pages site), from the GitHub repository
# this is built from: $GITHUB_REPOSITORY (set in Actions), else the `origin` remote's
# github.com/<owner>/<repo>. Unknown (a clone without a GitHub remote): left out, and said so.
add_repository() {
  local repo=${GITHUB_REPOSITORY:-}
  if [ -z "$repo" ]; then
    repo=$(git remote get-url origin 2>/dev/null || true)
    repo=$(printf '%s' "$repo" | sed -n 's#^.*github\.com[:/]\([^/]*/[^/]*\)$#\1#p' | sed 's/\.git$//')
  fi
  if [ -z "$repo" ]; then
    log "no GitHub repository known (GITHUB_REPOSITORY or an origin on github.com): package.json has no repository/homepage"
    return
  fi
  REPO="$repo" node -e '
    const fs = require("fs");
    const [file] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    const [owner, name] = process.env.REPO.split("/");
    pkg.repository = { type: "git", url: `git+https://github.com/${owner}/${name}.git` };
    pkg.homepage = `https://${owner.toLowerCase()}.github.io/${name}/`;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");' "$1"
}

serve() {
  build
  local port=${PORT:-8080}
  log "serving www/ at http://127.0.0.1:$port/ (Ctrl-C to stop)"
  cd www && exec python3 -m http.server "$port" --bind 127.0.0.1
}

# Extra Chromium flags for wasm-bindgen-test-runner, which reads them from ./webdriver.json (or
# the file WASM_BINDGEN_TEST_WEBDRIVER_JSON names): on a closed network, background services only
# produce refused connections. $1: the file; $2: more flags (JSON strings, each after a comma).
write_webdriver_json() {
  cat >"${1:-webdriver.json}" <<JSON
{ "goog:chromeOptions": { "args": ["--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"${2:-}] } }
JSON
}

# Starts tests/web_common/proxy.mjs (why: its comment; the runner's page load stalled without it)
# and points the runner's Chromium at it, loopback included: sets PAGE_PROXY (its pid).
start_page_proxy() {
  # A new, empty file for each proxy's port: with one file for all, the shell could read the
  # previous (killed) proxy's port before the new one's redirection emptied it, and every attempt
  # of the next test file then pointed Chromium at a dead port (seen: six "never loaded" in a row
  # on a quiet machine, the JSON written 76 ms before the port file).
  local ports port=""
  ports=$(mktemp "$ROOT/target/tmp/wasm-test-proxy.XXXXXX")
  node "$ROOT/tests/web_common/proxy.mjs" >"$ports" &
  PAGE_PROXY=$!
  for _ in $(seq 300); do # node starts in well under a second; 30 s on a loaded machine
    port=$(head -1 "$ports")
    [ -n "$port" ] && break
    sleep 0.1
  done
  rm -f "$ports"
  [ -n "$port" ] || { echo "tests/web_common/proxy.mjs did not start" >&2; return 1; }
  write_webdriver_json "$ROOT/target/tmp/webdriver-proxy.json" \
    ", \"--proxy-server=http://127.0.0.1:$port\", \"--proxy-bypass-list=<-loopback>\""
  export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/target/tmp/webdriver-proxy.json"
}

# One wasm test file (tests/$1.rs, cargo features $2, then wasm-pack flags such as --release) in
# headless Chromium through wasm-pack, the page's requests through start_page_proxy's proxy.
# Without it the runner's page load
# sometimes never finished: chromedriver logs the navigation as pending forever and no test ever
# starts (seen in about one run in two on a 2-core machine running five builds, 2026-11-27, and
# about one attempt in three on a quiet one, 2026-11-28; a page that loads shows its first test
# within seconds). Still, such an attempt is killed STALL_SECS after the runner started and run again, up
# to STALL_ATTEMPTS attempts, and the log says so. A test that hangs after it started is never
# retried: the attempt only counts as stalled while no "running N tests" line has appeared.
wasm_test_file() {
  local status
  start_page_proxy
  status=0
  wasm_test_attempts "$@" || status=$?
  kill "$PAGE_PROXY" 2>/dev/null || true
  wait "$PAGE_PROXY" 2>/dev/null || true
  return "$status"
}

wasm_test_attempts() {
  local file=$1 features=$2 attempt pid started status out
  shift 2
  for attempt in $(seq "${STALL_ATTEMPTS:-6}"); do
    out="$ROOT/target/tmp/wasm-test-$file.log"
    setsid wasm-pack test "$@" --headless --chrome --mode no-install -- --features "$features" --test "$file" >"$out" 2>&1 &
    pid=$!
    started=""
    while kill -0 "$pid" 2>/dev/null; do
      sleep 2
      if [ -z "$started" ] && grep -q "Running tests/$file.rs" "$out"; then started=$SECONDS; fi
      if [ -n "$started" ] && ! grep -qE "^running [0-9]+ tests?$" "$out" && ((SECONDS - started > ${STALL_SECS:-120})); then
        kill -- -"$pid" 2>/dev/null || true
        pkill -f -- "--user-data-dir=$ROOT/target/tmp/" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        log "tests/$file.rs: the runner's page never loaded in ${STALL_SECS:-120} s (attempt $attempt); running it again"
        continue 2
      fi
    done
    status=0
    wait "$pid" || status=$?
    cat "$out"
    return "$status"
  done
  echo "tests/$file.rs: the runner's page never loaded in ${STALL_ATTEMPTS:-6} attempts" >&2
  return 1
}

wasm_tests() {
  mkdir -p target/tmp
  write_webdriver_json
  log "wasm tests in headless Chromium (wasm-pack test --headless --chrome), both classes in one build"
  # wasm-bindgen-test-runner gives the whole suite WASM_BINDGEN_TEST_TIMEOUT seconds (20 by
  # default, which a loaded 2-core machine exceeds) and then kills the browser mid-run.
  export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}" TMPDIR="$ROOT/target/tmp"
  local t
  for t in tests/web*.rs; do
    t=$(basename "$t" .rs)
    case "$t" in web_memory*) continue ;; esac # below, optimized (a debug build skips them)
    log "wasm tests: tests/$t.rs"
    wasm_test_file "$t" workloads,live
  done
  log "the memory ceiling (tests/web_memory.rs: 2,000,000 increments under 128 MB), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory workloads --release
  log "the recorded calls' memory (tests/web_memory_tape.rs: 1,000,000 increments under 128 MB), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory_tape workloads --release
  log "JS calls past the session's limit (tests/web_memory_calls.rs: 2,000,000 increments under 128 MB), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory_calls workloads --release
  log "big values (tests/web_memory_values.rs: 4,000 puts of 60 KB under 1,250 MB, flat past 3,000), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory_values workloads --release
  log "many-field objects (tests/web_memory_objects.rs: 1,000 puts of 2,500-field objects under 1,100 MB), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory_objects workloads --release
  log "a session past its limit (tests/web_memory_session.rs: session() refuses it, one under it opens), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory_session workloads --release
  log "a long session's export (tests/web_memory_export.rs: 100,000 actions exported 5 times, memory flat), optimized"
  WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT_MEMORY:-900}" wasm_test_file web_memory_export workloads --release
}

page_tests() {
  if [ -d "$E2E" ] && ls "$E2E"/*.test.mjs >/dev/null 2>&1; then
    build
    assemble_dist
    assemble_pack
    log "page tests, the dist/ site and the packed element (playwright-core + Debian chromium, node --test)"
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
  cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features live -- -D warnings
  # The wasm test files (tests/web*.rs) only compile for wasm32: --all-targets above skips them.
  cargo clippy --tests --target wasm32-unknown-unknown --features workloads,live -- -D warnings
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
  cargo bench --bench optim
  cargo bench --bench import
  setup
  build workloads
  log "wasm benchmark in headless Chromium"
  mkdir -p target/tmp
  (cd "$E2E" &&
    NATIVE_INCREMENTS_PER_SEC=$(echo "$native" | median_of '^native no faults \(of record\)') \
    NATIVE_LOSS_INCREMENTS_PER_SEC=$(echo "$native" | median_of '^native 5% loss') \
    TMPDIR="$ROOT/target/tmp" node bench.mjs)
  log "wasm and native side by side (alternated runs of the workload of record)"
  (cd "$E2E" && TMPDIR="$ROOT/target/tmp" node bench-side.mjs)
  log "opening long session documents in Chromium (100k, 300k, 1M actions)"
  (cd "$E2E" && TMPDIR="$ROOT/target/tmp" node bench-import.mjs)
  log "exporting and importing long sessions in Chromium (10k, 100k actions: session(), sessionLink(), fromSession)"
  (cd "$E2E" && TMPDIR="$ROOT/target/tmp" node bench-export.mjs)
  log "the real page in a long session (workers runs to 100k and 400k+ events)"
  (cd "$E2E" && TMPDIR="$ROOT/target/tmp" node bench-page.mjs)
}

case "${1:-}" in
  setup) setup ;;
  build) build "${2:-}" ;;
  dist) dist ;;
  pack) pack ;;
  serve) serve ;;
  test) test_all ;;
  bench) bench ;;
  *)
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
