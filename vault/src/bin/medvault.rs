//! `medvault`: seal medical record files for the contracts, deposit them
//! with one key-release gateway or k of n (`--gateway`), read them back
//! through the gateways against a recorded read, open them after checking the
//! on-chain hash, and shred keys. Gateway requests are signed with the chain
//! account whose secret URI is in `$MEDVAULT_SIGNER` or the file named by
//! `--signer-file` (never on the command line). Every command prints JSON on stdout; an error is one line on
//! stderr, `medvault: <Kind>: <message>`, with a non-zero exit status. The
//! kinds of the format's errors (`SegmentAuth`, `Truncated`, `WrongKey`,
//! `HashMismatch`, ...) are those the Node client reports too.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use medvault::gateway::{self, Gateway, ReadProof, Signer};
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
    /// A key-release gateway (medrec-gateway); repeat for k of n.
    #[arg(
        long = "gateway",
        global = true,
        env = "MEDVAULT_GATEWAY",
        value_delimiter = ','
    )]
    gateways: Vec<String>,
    /// How many gateways must release to read (default: 1 of 1, or a
    /// majority of several). The key is split this-of-n on deposit.
    #[arg(long, global = true)]
    threshold: Option<usize>,
    /// A file holding the secret URI of the chain account that signs gateway
    /// requests (else $MEDVAULT_SIGNER).
    #[arg(long, global = true, env = "MEDVAULT_SIGNER_FILE")]
    signer_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    fn gateways(&self) -> Result<(Vec<Gateway>, usize), VaultError> {
        let gateways = self
            .gateways
            .iter()
            .map(|u| Gateway::new(u))
            .collect::<Result<Vec<_>, _>>()?;
        let n = gateways.len();
        let k = self.threshold.unwrap_or(if n <= 1 { 1 } else { n / 2 + 1 });
        Ok((gateways, k))
    }

    fn signer(&self) -> Result<Signer, VaultError> {
        match &self.signer_file {
            Some(path) => Signer::from_file(path),
            None => match std::env::var("MEDVAULT_SIGNER") {
                Ok(uri) => Signer::from_uri(&uri),
                Err(_) => Err(VaultError::BadSigner),
            },
        }
    }
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
    /// locator, key_id and size for create_record. With --gateway: upload the
    /// ciphertext and deposit the key (or one share per gateway).
    Seal {
        file: PathBuf,
        /// Plaintext bytes per authenticated segment.
        #[arg(long, default_value_t = DEFAULT_CHUNK)]
        chunk_size: u32,
    },
    /// Seal a stored data key to a recipient's public key (hex); prints the
    /// wrapped key (hex), e.g. to hand a key over outside any gateway.
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
        /// Your wrapped key (hex, from `wrap`).
        #[arg(long)]
        wrapped: String,
        /// Your secret key file (from `keygen`).
        #[arg(long)]
        secret: PathBuf,
        /// Where to write the plaintext (written atomically).
        #[arg(long)]
        out: PathBuf,
    },
    /// Once create_record is final: each gateway checks the on-chain key id
    /// and binds the deposited key (or share) to the record.
    Bind {
        /// The patient (hex public key or SS58 address).
        #[arg(long)]
        patient: String,
        #[arg(long)]
        record_id: u64,
    },
    /// Read a record through the gateways: with the audit index of your own
    /// get_record transaction, each gateway releases its key or share (k must
    /// answer); the ciphertext is fetched, checked against the on-chain hash
    /// before decrypting, and decrypted to --out.
    Read {
        /// The patient (hex public key or SS58 address).
        #[arg(long)]
        patient: String,
        #[arg(long)]
        record_id: u64,
        /// The audit index your get_record transaction returned.
        #[arg(long)]
        audit_index: u64,
        /// The record's data_hash as get_record returned it (64 hex digits).
        #[arg(long)]
        expect_hash: String,
        /// The record's key_id as get_record returned it (else the one the
        /// gateways report, if they agree).
        #[arg(long)]
        key_id: Option<String>,
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
    match &cli.command {
        Command::Keygen { out } => {
            let public = keygen(out)?;
            Ok(serde_json::json!({
                "public_key": hex::encode(public.as_bytes()),
                "secret_key_file": out.display().to_string(),
            }))
        }
        Command::Seal { file, chunk_size } => {
            let store = Store::open(&cli.store)?;
            let total = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
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
            let sealed = store.seal_file(file, *chunk_size, |done| {
                if let Some(bar) = &bar {
                    bar.set_position(done);
                }
            })?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let mut out = serde_json::json!({
                "data_hash": hex::encode(sealed.data_hash),
                "locator": sealed.locator,
                "key_id": sealed.key_id,
                "size": sealed.size,
            });
            if !cli.gateways.is_empty() {
                let (gateways, k) = cli.gateways()?;
                let deposited = store.deposit(&cli.signer()?, &sealed, &gateways, k)?;
                out["threshold"] = k.into();
                out["gateways"] = deposited
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "url": d.url, "uploaded_new": d.uploaded_new,
                            "stored": d.stored, "x": d.x,
                        })
                    })
                    .collect();
            }
            Ok(out)
        }
        Command::Wrap { key_id, recipient } => {
            let store = Store::open(&cli.store)?;
            let wrapped = store.wrap_key(key_id, &parse_public_key(recipient)?)?;
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
            let expected = parse_hash(expect_hash)?;
            let wrapped = hex::decode(wrapped.trim().trim_start_matches("0x"))
                .map_err(|_| VaultError::BadHex(wrapped.clone()))?;
            let secret = read_secret_key(secret)?;
            let size = store.open_to_file(locator, &expected, &wrapped, &secret, out)?;
            Ok(
                serde_json::json!({ "out": out.display().to_string(), "size": size, "verified_hash": expect_hash }),
            )
        }
        Command::Bind { patient, record_id } => {
            let (gateways, _) = cli.gateways()?;
            if gateways.is_empty() {
                return Err(VaultError::Threshold { k: 1, n: 0 });
            }
            let bound = gateway::bind(&gateways, &cli.signer()?, patient, *record_id)?;
            Ok(serde_json::json!({ "record_id": record_id, "bound": bound }))
        }
        Command::Read {
            patient,
            record_id,
            audit_index,
            expect_hash,
            key_id,
            out,
        } => {
            let store = Store::open(&cli.store)?;
            let (gateways, k) = cli.gateways()?;
            let proof = ReadProof {
                patient: patient.clone(),
                record_id: *record_id,
                audit_index: *audit_index,
            };
            let expected = parse_hash(expect_hash)?;
            let read = store.read(
                &cli.signer()?,
                &gateways,
                k,
                &proof,
                &expected,
                key_id.as_deref(),
                out,
            )?;
            Ok(serde_json::json!({
                "out": out.display().to_string(),
                "size": read.out_size,
                "verified_hash": expect_hash,
                "released_by": read.released_by,
                "refusals": read.refusals,
                "fetched_from": read.fetched_from,
            }))
        }
        Command::Shred { key_id } => {
            let store = Store::open(&cli.store)?;
            store.shred(key_id)?;
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
