//! Release-builds every contract of the workspace (the system's three and the
//! benchmark's reference token) with `contract-build`
//! 5.0.3, the library behind `cargo contract build` 5.0.3, so CI compiles
//! binaryen once (ink_e2e already links the same library) instead of twice.
//! The `.wasm`, `.json` metadata and `.contract` bundle of a release build are
//! copied to `target/contracts/<name>/` (see `e2e_tests::bundle_dir`), where
//! ink_e2e's debug builds cannot overwrite them.
//!
//! A release build also builds each of the system's contracts a second time
//! with the feature `upgrade-v2` (the same code, reporting `code_version()`
//! 2) into `target/contracts/<name>_v2/`: the "new version" that the upgrade
//! test switches a deployed contract to.
//!
//! A release build first builds each of the system's contracts with the
//! feature `hot` (its hot shell, code only) into `target/contracts/<name>-hot/`,
//! then the contract itself with `MEDREC_HOT_CODE_HASH` set to the shell's
//! code hash, which the constructor switches a new contract to (see
//! `medrec_types::split`). The `-v2` variants are built without it.
//!
//! Usage: `cargo run -p medrec-tools --bin build-contracts [-- --debug] [NAME...]`

use contract_build::{BuildArtifacts, BuildMode, ExecuteArgs, Features, ManifestPath, Verbosity};
use e2e_tests::{bundle_dir, contract_dir, workspace_root, CONTRACTS, REFERENCE_CONTRACTS};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut build_mode = BuildMode::Release;
    let all: Vec<&str> = CONTRACTS
        .iter()
        .chain(REFERENCE_CONTRACTS)
        .copied()
        .collect();
    let mut wanted: Vec<String> = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--debug" => build_mode = BuildMode::Debug,
            "-h" | "--help" => {
                println!("usage: build-contracts [--debug] [{}]", all.join("|"));
                return ExitCode::SUCCESS;
            }
            name if all.contains(&name) => wanted.push(name.to_string()),
            other => {
                eprintln!("unknown contract or flag: {other}");
                return ExitCode::FAILURE;
            }
        }
    }
    if wanted.is_empty() {
        wanted = all.iter().map(|s| s.to_string()).collect();
    }
    let root = workspace_root();
    // (crate, feature, name of the output folder)
    let mut builds: Vec<(String, Option<&str>, String)> = Vec::new();
    if build_mode == BuildMode::Release {
        for name in wanted.iter().filter(|n| CONTRACTS.contains(&n.as_str())) {
            builds.push((name.clone(), Some("hot"), format!("{name}-hot")));
        }
    }
    // The hot shells' code hashes, by crate.
    let mut hot_hashes: std::collections::HashMap<String, String> = Default::default();
    for name in &wanted {
        builds.push((name.clone(), None, name.clone()));
    }
    if build_mode == BuildMode::Release {
        for name in wanted.iter().filter(|n| CONTRACTS.contains(&n.as_str())) {
            builds.push((name.clone(), Some("upgrade-v2"), format!("{name}-v2")));
        }
    }
    for (name, feature, out_name) in builds {
        let manifest = contract_dir(&name).join("Cargo.toml");
        let manifest_path = match ManifestPath::new(&manifest) {
            Ok(m) => m,
            Err(err) => {
                eprintln!("{}: {err}", manifest.display());
                return ExitCode::FAILURE;
            }
        };
        let mut features = Features::default();
        if let Some(feature) = feature {
            features.push(feature);
        }
        let hot = feature == Some("hot");
        // Only the default build of a contract learns its shell's hash.
        match hot_hashes.get(&name) {
            Some(hash) if feature.is_none() => std::env::set_var("MEDREC_HOT_CODE_HASH", hash),
            _ => std::env::remove_var("MEDREC_HOT_CODE_HASH"),
        }
        let args = ExecuteArgs {
            manifest_path,
            features,
            verbosity: Verbosity::Quiet,
            build_mode,
            build_artifact: if hot {
                BuildArtifacts::CodeOnly
            } else {
                BuildArtifacts::All
            },
            ..ExecuteArgs::default()
        };
        eprintln!(
            "building {name} ({build_mode:?}{})...",
            feature
                .map(|f| format!(", feature {f}"))
                .unwrap_or_default()
        );
        match contract_build::execute(args) {
            Ok(result) => {
                let mut files = Vec::new();
                if let Some(wasm) = &result.dest_wasm {
                    files.push(("wasm", wasm.clone()));
                    if hot {
                        let code = match std::fs::read(wasm) {
                            Ok(code) => code,
                            Err(err) => {
                                eprintln!("{}: {err}", wasm.display());
                                return ExitCode::FAILURE;
                            }
                        };
                        // pallet-contracts' code hash: BLAKE2-256 of the code.
                        let hash = hex::encode(sp_io::hashing::blake2_256(&code));
                        println!("{:<20} {:<9} 0x{hash}", out_name, "code hash");
                        hot_hashes.insert(name.clone(), hash);
                    }
                }
                if let Some(meta) = &result.metadata_result {
                    files.push(("bundle", meta.dest_bundle.clone()));
                    files.push(("metadata", meta.dest_metadata.clone()));
                }
                let dest_dir = bundle_dir(&out_name);
                if build_mode == BuildMode::Release {
                    if let Err(err) = std::fs::create_dir_all(&dest_dir) {
                        eprintln!("{}: {err}", dest_dir.display());
                        return ExitCode::FAILURE;
                    }
                }
                for (kind, file) in files {
                    let shown = if build_mode == BuildMode::Release {
                        let Some(ext) = file.extension() else {
                            continue;
                        };
                        let snake = out_name.replace('-', "_");
                        let dest = dest_dir.join(format!("{snake}.{}", ext.to_string_lossy()));
                        if let Err(err) = std::fs::copy(&file, &dest) {
                            eprintln!("copy {} -> {}: {err}", file.display(), dest.display());
                            return ExitCode::FAILURE;
                        }
                        dest
                    } else {
                        file
                    };
                    println!(
                        "{:<20} {:<9} {:>8} bytes  {}",
                        out_name,
                        kind,
                        std::fs::metadata(&shown).map(|m| m.len()).unwrap_or(0),
                        rel(&root, &shown)
                    );
                }
                if build_mode == BuildMode::Release && feature.is_none() {
                    if let Some(hash) = hot_hashes.get(&name) {
                        if let Err(err) = add_hot_shell(&out_name, hash) {
                            eprintln!("{out_name}: adding the hot shell to the bundle: {err}");
                            return ExitCode::FAILURE;
                        }
                    }
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

/// Adds the hot shell to the contract's release metadata and bundle, as
/// `"hot_shell": {"hash": "0x…"}` (and `"wasm": "0x…"` in the `.contract`),
/// so a deployer finds the code to upload before instantiating and a client
/// knows which shell a deployed contract may run (see `medrec_types::split`).
fn add_hot_shell(out_name: &str, hash: &str) -> Result<(), Box<dyn std::error::Error>> {
    let wasm = std::fs::read(e2e_tests::release_wasm(&format!("{out_name}-hot")))?;
    let dir = bundle_dir(out_name);
    let snake = out_name.replace('-', "_");
    for (ext, with_wasm) in [("json", false), ("contract", true)] {
        let path = dir.join(format!("{snake}.{ext}"));
        let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path)?)?;
        let mut shell = serde_json::json!({ "hash": format!("0x{hash}") });
        if with_wasm {
            shell["wasm"] = serde_json::Value::String(format!("0x{}", hex::encode(&wasm)));
        }
        json.as_object_mut()
            .ok_or("metadata is not a JSON object")?
            .insert("hot_shell".into(), shell);
        std::fs::write(&path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(())
}

fn rel(root: &std::path::Path, p: &std::path::Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}
