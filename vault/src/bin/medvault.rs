//! `medvault`: seal medical record files for the contracts, wrap their keys
//! for recipients, open them again after checking the on-chain hash, and
//! shred keys. Every command prints JSON on stdout; an error is one line on
//! stderr, `medvault: <Kind>: <message>`, with a non-zero exit status. The
//! kinds of the format's errors (`SegmentAuth`, `Truncated`, `WrongKey`,
//! `HashMismatch`, ...) are those the Node client reports too.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use medvault::{
    keygen, parse_hash, parse_public_key, read_secret_key, Store, VaultError, DEFAULT_CHUNK,
};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "medvault",
    version,
    about = "Off-chain envelope encryption for the medical records contracts"
)]
struct Cli {
    /// The local content-addressed store (default: $MEDVAULT_STORE or ./vault-store).
    #[arg(
        long,
        global = true,
        env = "MEDVAULT_STORE",
        default_value = "vault-store"
    )]
    store: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an X25519 key pair for receiving wrapped keys; writes the secret
    /// key (mode 0600) and prints the public key.
    Keygen {
        /// Where to write the secret key (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Encrypt FILE under a fresh data key into the store; prints data_hash,
    /// locator, key_id and size for create_record.
    Seal {
        file: PathBuf,
        /// Plaintext bytes per authenticated segment.
        #[arg(long, default_value_t = DEFAULT_CHUNK)]
        chunk_size: u32,
    },
    /// Seal a stored data key to a recipient's public key (hex); prints the
    /// wrapped key (hex) for share_key.
    Wrap {
        #[arg(long)]
        key_id: String,
        /// The recipient's public key, 64 hex digits (from `keygen`).
        #[arg(long)]
        recipient: String,
    },
    /// Fetch LOCATOR, check its SHA-256 against the on-chain hash before
    /// decrypting, unwrap the key with your secret key, decrypt to --out.
    Open {
        locator: String,
        /// The record's data_hash as get_record returned it (64 hex digits).
        #[arg(long)]
        expect_hash: String,
        /// Your wrapped key as get_record returned it (hex).
        #[arg(long)]
        wrapped: String,
        /// Your secret key file (from `keygen`).
        #[arg(long)]
        secret: PathBuf,
        /// Where to write the plaintext (written atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// Destroy a stored data key (crypto-shredding): the ciphertext can no
    /// longer be decrypted from this store. A recipient who already
    /// decrypted the file keeps its copy; revocation cannot recall it.
    Shred { key_id: String },
}

fn run(cli: Cli) -> Result<serde_json::Value, VaultError> {
    match cli.command {
        Command::Keygen { out } => {
            let public = keygen(&out)?;
            Ok(serde_json::json!({
                "public_key": hex::encode(public.as_bytes()),
                "secret_key_file": out.display().to_string(),
            }))
        }
        Command::Seal { file, chunk_size } => {
            let store = Store::open(&cli.store)?;
            let total = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            let bar = if std::io::stderr().is_terminal() && total > 8 * 1024 * 1024 {
                let bar = ProgressBar::new(total);
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} sealing [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                ) {
                    bar.set_style(style);
                }
                Some(bar)
            } else {
                None
            };
            let sealed = store.seal_file(&file, chunk_size, |done| {
                if let Some(bar) = &bar {
                    bar.set_position(done);
                }
            })?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            Ok(serde_json::json!({
                "data_hash": hex::encode(sealed.data_hash),
                "locator": sealed.locator,
                "key_id": sealed.key_id,
                "size": sealed.size,
            }))
        }
        Command::Wrap { key_id, recipient } => {
            let store = Store::open(&cli.store)?;
            let wrapped = store.wrap_key(&key_id, &parse_public_key(&recipient)?)?;
            Ok(serde_json::json!({ "key_id": key_id, "wrapped": hex::encode(wrapped) }))
        }
        Command::Open {
            locator,
            expect_hash,
            wrapped,
            secret,
            out,
        } => {
            let store = Store::open(&cli.store)?;
            let expected = parse_hash(&expect_hash)?;
            let wrapped = hex::decode(wrapped.trim().trim_start_matches("0x"))
                .map_err(|_| VaultError::BadHex(wrapped.clone()))?;
            let secret = read_secret_key(&secret)?;
            let size = store.open_to_file(&locator, &expected, &wrapped, &secret, &out)?;
            Ok(
                serde_json::json!({ "out": out.display().to_string(), "size": size, "verified_hash": expect_hash }),
            )
        }
        Command::Shred { key_id } => {
            let store = Store::open(&cli.store)?;
            store.shred(&key_id)?;
            Ok(serde_json::json!({ "shredded": key_id }))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("medvault: {}: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}
