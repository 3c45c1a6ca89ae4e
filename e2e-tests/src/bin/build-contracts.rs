//! Release-builds every contract of the workspace into `target/ink/<name>/`
//! (`.wasm`, `.json` metadata and the `.contract` bundle) with `contract-build`
//! 5.0.3, the library behind `cargo contract build` 5.0.3, so CI compiles
//! binaryen once (ink_e2e already links the same library) instead of twice.
//!
//! Usage: `cargo run -p e2e-tests --bin build-contracts [-- --debug] [NAME...]`

use contract_build::{BuildArtifacts, BuildMode, ExecuteArgs, ManifestPath, Verbosity};
use e2e_tests::{workspace_root, CONTRACTS};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut build_mode = BuildMode::Release;
    let mut wanted: Vec<String> = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" => build_mode = BuildMode::Debug,
            "-h" | "--help" => {
                println!("usage: build-contracts [--debug] [{}]", CONTRACTS.join("|"));
                return ExitCode::SUCCESS;
            }
            name if CONTRACTS.contains(&name) => wanted.push(name.to_string()),
            other => {
                eprintln!("unknown contract or flag: {other}");
                return ExitCode::FAILURE;
            }
        }
    }
    if wanted.is_empty() {
        wanted = CONTRACTS.iter().map(|s| s.to_string()).collect();
    }
    let root = workspace_root();
    for name in wanted {
        let manifest = root.join("contracts").join(&name).join("Cargo.toml");
        let manifest_path = match ManifestPath::new(&manifest) {
            Ok(m) => m,
            Err(err) => {
                eprintln!("{}: {err}", manifest.display());
                return ExitCode::FAILURE;
            }
        };
        let args = ExecuteArgs {
            manifest_path,
            verbosity: Verbosity::Quiet,
            build_mode,
            build_artifact: BuildArtifacts::All,
            ..ExecuteArgs::default()
        };
        eprintln!("building {name} ({build_mode:?})...");
        match contract_build::execute(args) {
            Ok(result) => {
                let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
                if let Some(wasm) = &result.dest_wasm {
                    println!(
                        "{:<20} wasm      {:>8} bytes  {}",
                        name,
                        size(wasm),
                        rel(&root, wasm)
                    );
                }
                if let Some(meta) = &result.metadata_result {
                    println!(
                        "{:<20} bundle    {:>8} bytes  {}",
                        name,
                        size(&meta.dest_bundle),
                        rel(&root, &meta.dest_bundle)
                    );
                    println!(
                        "{:<20} metadata  {:>8} bytes  {}",
                        name,
                        size(&meta.dest_metadata),
                        rel(&root, &meta.dest_metadata)
                    );
                }
            }
            Err(err) => {
                eprintln!("building {name} failed: {err:?}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn rel(root: &std::path::Path, p: &std::path::Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}
