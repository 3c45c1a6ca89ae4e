//! Our two busiest messages against yardsticks:
//!
//! - gas, as multiples of one transfer of a standard PSP22 token (the `psp22`
//!   crate's ink! 5 version, `reference/psp22-token`) deployed beside our
//!   contracts on the same runtime, measured the same way (one real call);
//! - bytes on-chain per record: the storage deposit of `create_record`
//!   against the record of the original Clarity design, which kept metadata
//!   with a 100-character title and up to 2,048 characters of ciphertext
//!   on-chain. The original's bytes are the SCALE encoding of its three map
//!   values (metadata, version data, payload) filled to those sizes, priced
//!   with this runtime's own deposit constants, as pallet-contracts would
//!   price them if they were written here.

use crate::scaling::{cast, key, record_ref};
use e2e_tests::direct::{deploy_release as deploy, release_code as wasm, Chain, Deployed};
use e2e_tests::{group, set_time, Cost, E2EResult};
use ink::env::call::{build_call, ExecutionInput, Selector};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::Encode;
use ink_e2e::AccountKeyring;
use medrec_types::{AccessControlApi, PatientConsentApi, Purpose, RecordType};
use record_management::Confidentiality;
use std::fmt::Write as _;

/// Goals of the issue: a gated read at most 3 transfers, a create at most 5,
/// and a record at most one eighth of the original's bytes.
pub const READ_GOAL: f64 = 3.0;
pub const CREATE_GOAL: f64 = 5.0;
pub const BYTES_GOAL: f64 = 1.0 / 8.0;

const START_MS: u64 = 1_795_392_000_000;

pub struct Reference {
    pub transfer_new: Cost,
    pub transfer: Cost,
    pub balance_of: Cost,
    pub create_record: Cost,
    pub get_record_provider: Cost,
    pub get_record_patient: Cost,
    pub assess_provider: Cost,
    pub check_consent: Cost,
    pub stored: Stored,
    pub original: Original,
}

/// What one `create_record` leaves in storage (new items only; the counters
/// it bumps keep their size), read back from the chain and measured.
pub struct Stored {
    pub meta_bytes: u64,
    pub version_bytes: u64,
    pub index_bytes: u64,
    pub audit_bytes: u64,
    pub items: u64,
}

impl Stored {
    pub fn bytes(&self) -> u64 {
        self.meta_bytes + self.version_bytes + self.index_bytes + self.audit_bytes
    }
}

/// The original design's record, priced on this runtime.
pub struct Original {
    pub meta_bytes: u64,
    pub version_bytes: u64,
    pub payload_bytes: u64,
    pub items: u64,
    pub per_byte: u128,
    pub per_item: u128,
}

impl Original {
    pub fn bytes(&self) -> u64 {
        self.meta_bytes + self.version_bytes + self.payload_bytes
    }
    pub fn deposit(&self) -> u128 {
        self.per_byte * self.bytes() as u128 + self.per_item * self.items as u128
    }
}

/// The original's maps, field for field (`clarity-reference.md`,
/// record-management); Clarity's `uint` is 128 bits, a principal is written
/// here as this chain's 32-byte account, `(string-ascii N)` as a string.
#[ink::scale_derive(Encode)]
struct OriginalMeta {
    record_type: u128,
    created_by: AccountId,
    created_at: u128,
    updated_by: AccountId,
    updated_at: u128,
    status: u128,
    title: String,
    data_hash: String,
    encryption_key_id: Option<String>,
    signature: Option<String>,
    file_size: u128,
    mime_type: Option<String>,
    retention_until: u128,
    confidentiality_level: u128,
}

#[ink::scale_derive(Encode)]
struct OriginalVersion {
    checksum: String,
    version: u128,
    previous_version: u128,
}

fn original() -> Original {
    use ink_sandbox::frame_support::traits::Get;
    type Runtime = <e2e_tests::ClockedSandbox as ink_sandbox::Sandbox>::Runtime;
    let who = key(AccountKeyring::Charlie);
    let hex64 = "a".repeat(64);
    let meta = OriginalMeta {
        record_type: 4,
        created_by: who,
        created_at: 1,
        updated_by: who,
        updated_at: 1,
        status: 0,
        title: "t".repeat(100),
        data_hash: hex64.clone(),
        // Encryption is required by the original's settings; the optional
        // signature and MIME type are left out (the smaller original).
        encryption_key_id: Some(hex64.clone()),
        signature: None,
        file_size: 2048,
        mime_type: None,
        retention_until: 262_801,
        confidentiality_level: 1,
    };
    let version = OriginalVersion {
        checksum: hex64,
        version: 1,
        previous_version: 0,
    };
    let payload = "c".repeat(2048);
    Original {
        meta_bytes: meta.encoded_size() as u64,
        version_bytes: version.encoded_size() as u64,
        payload_bytes: payload.encoded_size() as u64,
        items: 3,
        per_byte: <Runtime as ink_sandbox::pallet_contracts::Config>::DepositPerByte::get(),
        per_item: <Runtime as ink_sandbox::pallet_contracts::Config>::DepositPerItem::get(),
    }
}

pub fn run() -> E2EResult<Reference> {
    set_time(START_MS);
    let mut chain = Chain::default();
    let d: Deployed = deploy(&mut chain)?;
    cast(&mut chain, &d)?;
    let (alice, bob, charlie, ferdie) = (
        key(AccountKeyring::Alice),
        key(AccountKeyring::Bob),
        key(AccountKeyring::Charlie),
        key(AccountKeyring::Ferdie),
    );
    // The token is called by selector (`reference/` is not a dependency of
    // this crate: see reference/Cargo.toml); the selectors are ink!'s.
    let supply =
        ExecutionInput::new(Selector::new(ink::selector_bytes!("new"))).push_arg(1_000_000_000u128);
    let (token, _) = chain.deploy(wasm("psp22-token")?, supply.encode(), vec![9], alice)?;
    let transfer = build_call::<DefaultEnvironment>()
        .call(token)
        .exec_input(
            ExecutionInput::new(Selector::new(ink::selector_bytes!("PSP22::transfer")))
                .push_arg(bob)
                .push_arg(1_000u128)
                .push_arg(Vec::<u8>::new()),
        )
        // Only `Ok(())` is expected; any `PSP22Error` fails the run.
        .returns::<Result<(), ()>>();
    let balance_of = build_call::<DefaultEnvironment>()
        .call(token)
        .exec_input(
            ExecutionInput::new(Selector::new(ink::selector_bytes!("PSP22::balance_of")))
                .push_arg(bob),
        )
        .returns::<u128>();
    let first = chain.call(alice, &transfer)?;
    if first.value != Ok(Ok(())) {
        return Err(format!("psp22 transfer: {:?}", first.value).into());
    }
    let second = chain.call(alice, &transfer)?;
    if second.value != Ok(Ok(())) {
        return Err(format!("psp22 transfer: {:?}", second.value).into());
    }
    let balance = chain.call(alice, &balance_of)?;
    if balance.value != Ok(2_000) {
        return Err("psp22: the transfers did not move the balance".into());
    }

    // Two records: the second is measured, as the second transfer is (the
    // patient's and the author's counters exist by then).
    let mut rm = d.rm();
    let mut create = None;
    for n in 0..2 {
        let (hash, locator) = record_ref(0xC0, n);
        let out = chain.call(
            charlie,
            &rm.create_record(
                ferdie,
                RecordType::LabResults,
                hash,
                locator,
                [0x4B; 32],
                4096,
                0,
                Confidentiality::Normal,
            ),
        )?;
        let id = out
            .value
            .map_err(|e| format!("create_record: {e}"))?
            .map_err(|e| format!("create_record: {e:?}"))?;
        create = Some((id, out.cost));
    }
    let (id, create_cost) = create.ok_or("no record created")?;
    // What the record left in storage, read back and measured.
    let meta_bytes = chain
        .value(
            "get_record",
            ferdie,
            &rm.get_record(ferdie, id, Purpose::PatientRequest),
        )?
        .map_err(|e| format!("get_record: {e:?}"))?
        .meta
        .encoded_size() as u64;
    let version_bytes = chain
        .value("record_version", alice, &rm.record_version(id, 1))?
        .ok_or("record_version: none")?
        .encoded_size() as u64;
    let head = chain.value("audit_head", alice, &rm.audit_head(ferdie))?;
    // The entry `create_record` appended is the one before the read's.
    let audit_bytes = chain
        .value(
            "audit_entry",
            alice,
            &rm.audit_entry(ferdie, head.len.saturating_sub(2)),
        )?
        .ok_or("audit_entry: none")?
        .encoded_size() as u64;
    let read = chain.call(charlie, &rm.get_record(ferdie, id, Purpose::Treatment))?;
    read.value
        .map_err(|e| format!("get_record: {e}"))?
        .map_err(|e| format!("get_record: {e:?}"))?;
    let own = chain.call(ferdie, &rm.get_record(ferdie, id, Purpose::PatientRequest))?;
    own.value
        .map_err(|e| format!("get_record: {e}"))?
        .map_err(|e| format!("get_record: {e:?}"))?;
    // The two checks of a provider's read, each as a top-level call.
    let ac = d.ac();
    let pc = d.pc();
    let assess = chain.call(
        alice,
        &ac.assess_provider(charlie, ferdie, medrec_types::DataType::LabResults),
    )?;
    let consent = chain.call(
        alice,
        &pc.check_consent(ferdie, charlie, medrec_types::DataType::LabResults),
    )?;
    let stored = Stored {
        meta_bytes,
        version_bytes,
        // The hash index maps the data hash to the record id (a u64).
        index_bytes: 0u64.encoded_size() as u64,
        audit_bytes,
        items: 4,
    };
    Ok(Reference {
        transfer_new: first.cost,
        transfer: second.cost,
        balance_of: balance.cost,
        create_record: create_cost,
        get_record_provider: read.cost,
        get_record_patient: own.cost,
        assess_provider: assess.cost,
        check_consent: consent.cost,
        stored,
        original: original(),
    })
}

fn times(a: u64, b: u64) -> f64 {
    a as f64 / b.max(1) as f64
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets"
    } else {
        "misses"
    }
}

/// Which goals are missed, by name.
pub fn missed(r: &Reference) -> Vec<String> {
    let mut out = Vec::new();
    let t = &r.transfer;
    for (name, c, goal) in [
        ("get_record (provider)", &r.get_record_provider, READ_GOAL),
        ("create_record", &r.create_record, CREATE_GOAL),
    ] {
        let worst = times(c.ref_time, t.ref_time).max(times(c.proof_size, t.proof_size));
        if worst > goal {
            out.push(format!("{name}: {worst:.2} transfers (goal {goal})"));
        }
    }
    let share = r.create_record.storage_deposit as f64 / r.original.deposit() as f64;
    if share > BYTES_GOAL {
        out.push(format!(
            "create_record deposit: {share:.3} of the original's (goal {BYTES_GOAL:.3})"
        ));
    }
    out
}

pub fn markdown(r: &Reference) -> Result<String, std::fmt::Error> {
    let mut md = String::new();
    let t = &r.transfer;
    writeln!(md, "## Against a PSP22 transfer")?;
    writeln!(md)?;
    writeln!(
        md,
        "`reference/psp22-token` (the `psp22` 2.0.0 crate's `PSP22Data` behind the"
    )?;
    writeln!(
        md,
        "standard `PSP22` trait) deployed on the same runtime; every figure from one"
    )?;
    writeln!(
        md,
        "real call. The unit is the second transfer between the same two accounts"
    )?;
    writeln!(
        md,
        "(the receiver already holds a balance). Goals: a gated read <= {READ_GOAL} transfers,"
    )?;
    writeln!(
        md,
        "a create <= {CREATE_GOAL}, in both ref_time and proof_size."
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "| call | ref_time | proof_size | deposit | x transfer (ref_time) | x transfer (proof_size) | goal |"
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|---|")?;
    let rows: [(&str, &Cost, Option<f64>); 6] = [
        ("psp22 `transfer` (unit)", &r.transfer, None),
        ("psp22 `transfer` (new receiver)", &r.transfer_new, None),
        ("psp22 `balance_of`", &r.balance_of, None),
        (
            "`get_record` (provider, gated)",
            &r.get_record_provider,
            Some(READ_GOAL),
        ),
        ("`get_record` (patient, own)", &r.get_record_patient, None),
        ("`create_record`", &r.create_record, Some(CREATE_GOAL)),
    ];
    for (name, c, goal) in rows {
        let (x_ref, x_proof) = (
            times(c.ref_time, t.ref_time),
            times(c.proof_size, t.proof_size),
        );
        let goal = match goal {
            Some(g) => format!("<= {g}: {}", verdict(x_ref.max(x_proof) <= g)),
            None => String::new(),
        };
        writeln!(
            md,
            "| {name} | {} | {} | {} | {x_ref:.2} | {x_proof:.2} | {goal} |",
            group(c.ref_time as i128),
            group(c.proof_size as i128),
            group(c.storage_deposit),
        )?;
    }
    writeln!(md)?;
    let checks = Cost {
        ref_time: r
            .get_record_provider
            .ref_time
            .saturating_sub(r.get_record_patient.ref_time),
        proof_size: r
            .get_record_provider
            .proof_size
            .saturating_sub(r.get_record_patient.proof_size),
        storage_deposit: 0,
    };
    writeln!(
        md,
        "What the gate costs: a provider's read minus the patient's own read (which"
    )?;
    writeln!(
        md,
        "makes no cross-contract call) is {} ref_time and {} proof_size, {:.2} and {:.2}",
        group(checks.ref_time as i128),
        group(checks.proof_size as i128),
        times(checks.ref_time, t.ref_time),
        times(checks.proof_size, t.proof_size)
    )?;
    writeln!(
        md,
        "transfers: one `assess_provider` call to access-control and one `check_consent`"
    )?;
    writeln!(
        md,
        "call to patient-consent. As top-level calls these cost {} / {} and {} / {}",
        group(r.assess_provider.ref_time as i128),
        group(r.assess_provider.proof_size as i128),
        group(r.check_consent.ref_time as i128),
        group(r.check_consent.proof_size as i128)
    )?;
    writeln!(
        md,
        "(ref_time / proof_size); most of each is loading the callee's code, whose"
    )?;
    writeln!(
        md,
        "size goes into the proof byte for byte (see the code sizes above)."
    )?;
    let o = &r.original;
    let share = r.create_record.storage_deposit as f64 / o.deposit() as f64;
    writeln!(md)?;
    writeln!(md, "## Bytes on-chain per record")?;
    writeln!(md)?;
    writeln!(
        md,
        "Storage deposit on this runtime: {} per byte and {} per item (read from the",
        o.per_byte, o.per_item
    )?;
    writeln!(
        md,
        "runtime's `pallet_contracts::Config`). Ours is what the second `create_record` was charged"
    )?;
    writeln!(
        md,
        "above; its parts are the stored values read back from the chain and SCALE-measured"
    )?;
    writeln!(
        md,
        "(the counters it bumps keep their size). The original is its three map values (SCALE"
    )?;
    writeln!(
        md,
        "encoding, `uint` as u128) with a 100-character title, the 64-hex data hash and"
    )?;
    writeln!(
        md,
        "key id, and 2,048 characters of ciphertext, priced with the same constants."
    )?;
    writeln!(md)?;
    writeln!(md, "| | bytes | items | deposit |")?;
    writeln!(md, "|---|---:|---:|---:|")?;
    writeln!(
        md,
        "| original: metadata | {} | 1 | |",
        group(o.meta_bytes as i128)
    )?;
    writeln!(
        md,
        "| original: version data | {} | 1 | |",
        group(o.version_bytes as i128)
    )?;
    writeln!(
        md,
        "| original: ciphertext | {} | 1 | |",
        group(o.payload_bytes as i128)
    )?;
    writeln!(
        md,
        "| original: record | {} | {} | {} |",
        group(o.bytes() as i128),
        o.items,
        group(o.deposit() as i128)
    )?;
    let st = &r.stored;
    for (what, bytes) in [
        ("ours: record metadata", st.meta_bytes),
        ("ours: version 1 entry", st.version_bytes),
        ("ours: hash index entry", st.index_bytes),
        ("ours: audit entry", st.audit_bytes),
    ] {
        writeln!(md, "| {what} | {} | 1 | |", group(bytes as i128))?;
    }
    writeln!(
        md,
        "| ours: `create_record` | {} | {} | {} |",
        group(st.bytes() as i128),
        st.items,
        group(r.create_record.storage_deposit)
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "Ours / original: {share:.3} (goal <= {BYTES_GOAL:.3}: {}).",
        verdict(share <= BYTES_GOAL)
    )?;
    Ok(md)
}
