//! The wasm `Cluster` facade (next commit).
