//! Does any message cost more when there is more history?
//!
//! Two fresh chains run the same measured suite. Before it, the first chain
//! is given 1 prior item of each kind, the second `n` (10,000 in the report):
//! providers (registered and verified), consents of the measured patient (one
//! per provider, each with its history entry), access requests for her, her
//! records (each with its audit entry), and emergency windows on her (each
//! opening and closing appends to her access log). Every message of the suite
//! then runs with the same arguments on both chains; the ratio of its gas on
//! the big chain to the small one is the growth. Goal: every ratio <= 1.02.
//!
//! Calls go through [`e2e_tests::direct::Chain`] (one `bare_call` each, no
//! dry run), so filling 10,000 of everything takes minutes, not hours. The
//! figures are those of that execution: the same runtime and weights as the
//! per-message table.

use e2e_tests::direct::{deploy_release as deploy, Chain, Deployed};
use e2e_tests::{advance_time, group, set_time, Cost, E2EResult, DAY, HOUR};
use ink::primitives::AccountId;
use ink_e2e::AccountKeyring;
use medrec_types::{
    AccessControlApi, AccessLevel, DataType, EmergencyReason, PatientConsentApi, Purpose,
    RecordType, Role,
};
use patient_consent::DelegateKind;
use record_management::Confidentiality;
use std::fmt::Write as _;
use std::time::Instant;

/// The goal: no message may cost more than this many times its cost with one
/// prior item, in ref_time or in proof_size.
pub const MAX_RATIO: f64 = 1.02;

const START_MS: u64 = 1_795_392_000_000;

/// What the suite's own queries read: (what, value).
type Facts = Vec<(String, u64)>;

/// A measured row: the message and its cost.
pub struct Measured {
    pub name: String,
    pub cost: Cost,
}

/// One measured message on both chains.
pub struct Compared {
    pub name: String,
    pub small: Cost,
    pub big: Cost,
}

impl Compared {
    pub fn ref_ratio(&self) -> f64 {
        self.big.ref_time as f64 / self.small.ref_time.max(1) as f64
    }
    pub fn proof_ratio(&self) -> f64 {
        self.big.proof_size as f64 / self.small.proof_size.max(1) as f64
    }
    pub fn worst(&self) -> f64 {
        self.ref_ratio().max(self.proof_ratio())
    }
}

/// The scaling comparison, and how long filling the big chain took.
pub struct Scaling {
    pub prior: u64,
    pub rows: Vec<Compared>,
    /// What the suite's own queries read on each chain: (what, small, big).
    pub facts: Vec<(String, u64, u64)>,
    pub seed_calls: u64,
    pub seed_secs: f64,
}

impl Scaling {
    pub fn over_goal(&self) -> Vec<&Compared> {
        self.rows.iter().filter(|r| r.worst() > MAX_RATIO).collect()
    }
}

pub(crate) fn key(k: AccountKeyring) -> AccountId {
    ink_e2e::account_id(k)
}

/// The `i`-th generated account of a family (`tag`): providers, patients.
pub(crate) fn generated(tag: u8, i: u64) -> AccountId {
    let mut raw = [tag; 32];
    raw[..8].copy_from_slice(&i.to_le_bytes());
    AccountId::from(raw)
}

/// A unique ciphertext hash and its locator, as the vault would give them.
pub(crate) fn record_ref(tag: u8, i: u64) -> ([u8; 32], Vec<u8>) {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update([tag]);
    h.update(i.to_le_bytes());
    let hash: [u8; 32] = h.finalize().into();
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    (hash, format!("vault://sha256/{hex}").into_bytes())
}

/// The cast: Alice owns the contracts, Charlie is the doctor who writes the
/// records (Admin on lab results), Eve the emergency physician, Ferdie the
/// patient whose history grows.
pub(crate) fn cast(chain: &mut Chain, d: &Deployed) -> E2EResult<()> {
    let (alice, charlie, eve, ferdie) = (
        key(AccountKeyring::Alice),
        key(AccountKeyring::Charlie),
        key(AccountKeyring::Eve),
        key(AccountKeyring::Ferdie),
    );
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    for (who, role) in [(charlie, Role::Doctor), (eve, Role::Emergency)] {
        chain.ok(
            "register",
            alice,
            &ac.register_provider(who, role, [0xC0; 32]),
        )?;
        chain.ok("verify", alice, &ac.verify_provider(who))?;
    }
    chain.ok("register_patient", ferdie, &pc.register_patient())?;
    // Short retention, so that the suite can delete the record it creates.
    chain.ok("retention", alice, &rm.set_retention_period(HOUR))?;
    chain.ok(
        "consent",
        ferdie,
        &pc.grant_consent(charlie, DataType::LabResults, 300 * DAY, Purpose::Treatment),
    )?;
    chain.ok(
        "permission",
        ferdie,
        &rm.grant_permission(
            ferdie,
            charlie,
            RecordType::LabResults,
            AccessLevel::Admin,
            None,
            None,
        ),
    )?;
    Ok(())
}

/// Gives Ferdie and the chain `n` of each kind of history.
fn seed(chain: &mut Chain, d: &Deployed, n: u64, progress: bool) -> E2EResult<()> {
    let (alice, charlie, eve, ferdie) = (
        key(AccountKeyring::Alice),
        key(AccountKeyring::Charlie),
        key(AccountKeyring::Eve),
        key(AccountKeyring::Ferdie),
    );
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let started = Instant::now();
    let say = |what: &str| {
        if progress {
            eprintln!(
                "[bench] scaling: {n} {what} ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    };
    let roles = [Role::Doctor, Role::Nurse, Role::Technician];
    for i in 0..n {
        let p = generated(0xA0, i);
        let role = roles[(i % 3) as usize];
        chain.ok(
            "seed register",
            alice,
            &ac.register_provider(p, role, [0xC1; 32]),
        )?;
        chain.ok("seed verify", alice, &ac.verify_provider(p))?;
    }
    say("providers registered and verified");
    for i in 0..n {
        let p = generated(0xA0, i);
        chain.ok(
            "seed consent",
            ferdie,
            &pc.grant_consent(p, DataType::LabResults, 300 * DAY, Purpose::Treatment),
        )?;
    }
    say("consents (and history entries)");
    for i in 0..n {
        let p = generated(0xA0, i);
        chain.ok(
            "seed request",
            p,
            &pc.request_access(ferdie, DataType::LabResults, Purpose::Treatment),
        )?;
    }
    say("access requests");
    for i in 0..n {
        let (hash, locator) = record_ref(0xB0, i);
        chain.ok(
            "seed record",
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
    }
    say("records (and audit entries)");
    for _ in 0..n {
        chain.ok(
            "seed emergency",
            eve,
            &ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEE; 32]),
        )?;
        chain.ok("seed end", eve, &ac.end_emergency_access(ferdie))?;
    }
    say("emergency windows (two access-log entries each)");
    Ok(())
}

/// The measured suite: the same calls, with the same arguments, on any chain
/// that `cast` and `seed` prepared.
fn suite(chain: &mut Chain, d: &Deployed) -> E2EResult<(Vec<Measured>, Facts)> {
    let (alice, charlie, dave, eve, ferdie, two) = (
        key(AccountKeyring::Alice),
        key(AccountKeyring::Charlie),
        key(AccountKeyring::Dave),
        key(AccountKeyring::Eve),
        key(AccountKeyring::Ferdie),
        key(AccountKeyring::Two),
    );
    let x = generated(0xFE, 0); // a provider new to both chains
    let george = generated(0xFD, 0); // a patient new to both chains
    let (mut ac, mut pc, mut rm) = (d.ac(), d.pc(), d.rm());
    let mut rows = Vec::new();

    // Records a message's cost; evaluates to its return value.
    macro_rules! m {
        ($name:expr, $caller:expr, $msg:expr) => {{
            let out = chain.call($caller, &$msg)?;
            rows.push(Measured {
                name: $name.to_string(),
                cost: out.cost,
            });
            out.value.map_err(|e| format!("{}: {e}", $name))?
        }};
    }
    // Same, for a message that must return `Ok`.
    macro_rules! mok {
        ($name:expr, $caller:expr, $msg:expr) => {{
            match m!($name, $caller, $msg) {
                Ok(v) => v,
                Err(e) => return Err(format!("{}: unexpected Err({e:?})", $name).into()),
            }
        }};
    }

    // access-control
    mok!(
        "ac.register_provider",
        alice,
        ac.register_provider(x, Role::Doctor, [0xC2; 32])
    );
    mok!("ac.verify_provider", alice, ac.verify_provider(x));
    m!("ac.get_provider", alice, ac.get_provider(x));
    let providers: u32 = m!("ac.provider_count", alice, ac.provider_count());
    m!("ac.is_verified_provider", alice, ac.is_verified_provider(x));
    m!(
        "ac.check_access_permission",
        alice,
        ac.check_access_permission(x, DataType::LabResults)
    );
    m!(
        "ac.assess_provider",
        alice,
        ac.assess_provider(x, ferdie, DataType::LabResults)
    );
    mok!(
        "ac.activate_emergency_access",
        eve,
        ac.activate_emergency_access(ferdie, EmergencyReason::PatientUnconscious, [0xEF; 32])
    );
    m!(
        "ac.check_emergency_access",
        alice,
        ac.check_emergency_access(eve, ferdie)
    );
    m!(
        "ac.get_emergency_window",
        alice,
        ac.get_emergency_window(eve, ferdie)
    );
    mok!(
        "ac.end_emergency_access",
        eve,
        ac.end_emergency_access(ferdie)
    );
    let log_len: u64 = m!("ac.access_log_len", alice, ac.access_log_len(ferdie));
    let last = log_len.saturating_sub(1);
    m!(
        "ac.access_log_entry (last)",
        alice,
        ac.access_log_entry(ferdie, last)
    );
    m!(
        "ac.access_log (last page of 2)",
        alice,
        ac.access_log(ferdie, log_len.saturating_sub(2), 2)
    );

    // patient-consent
    mok!("pc.register_patient", george, pc.register_patient());
    m!("pc.get_patient", alice, pc.get_patient(ferdie));
    mok!(
        "pc.grant_consent",
        ferdie,
        pc.grant_consent(x, DataType::Imaging, 30 * DAY, Purpose::Treatment)
    );
    m!(
        "pc.get_consent",
        alice,
        pc.get_consent(ferdie, x, DataType::Imaging)
    );
    m!(
        "pc.check_consent",
        alice,
        pc.check_consent(ferdie, x, DataType::Imaging)
    );
    mok!(
        "pc.update_consent_purpose",
        ferdie,
        pc.update_consent_purpose(x, DataType::Imaging, Purpose::Operations)
    );
    mok!(
        "pc.revoke_consent",
        ferdie,
        pc.revoke_consent(x, DataType::Imaging)
    );
    let req: u64 = mok!(
        "pc.request_access",
        x,
        pc.request_access(ferdie, DataType::Imaging, Purpose::Treatment)
    );
    m!("pc.get_access_request", alice, pc.get_access_request(req));
    let requests: u64 = m!("pc.request_count", alice, pc.request_count());
    mok!(
        "pc.approve_access_request",
        ferdie,
        pc.approve_access_request(req, DAY)
    );
    mok!(
        "pc.add_delegate",
        ferdie,
        pc.add_delegate(two, DelegateKind::Guardian, DAY)
    );
    m!("pc.acts_for", alice, pc.acts_for(ferdie, two));
    mok!("pc.remove_delegate", ferdie, pc.remove_delegate(two));
    let hist_len: u64 = m!("pc.history_len", alice, pc.history_len(ferdie));
    m!(
        "pc.history_entry (last)",
        alice,
        pc.history_entry(ferdie, hist_len.saturating_sub(1))
    );
    m!(
        "pc.history (last page of 2)",
        alice,
        pc.history(ferdie, hist_len.saturating_sub(2), 2)
    );

    // record-management
    let (hash, locator) = record_ref(0xB1, 0);
    let id: u64 = mok!(
        "rm.create_record",
        charlie,
        rm.create_record(
            ferdie,
            RecordType::LabResults,
            hash,
            locator,
            [0x4C; 32],
            4096,
            0,
            Confidentiality::Normal
        )
    );
    mok!(
        "rm.get_record (provider)",
        charlie,
        rm.get_record(ferdie, id, Purpose::Treatment)
    );
    mok!(
        "rm.get_record (patient)",
        ferdie,
        rm.get_record(ferdie, id, Purpose::PatientRequest)
    );
    let (hash2, locator2) = record_ref(0xB2, 0);
    mok!(
        "rm.update_record",
        charlie,
        rm.update_record(ferdie, id, hash2, locator2, [0x4D; 32], 4100)
    );
    m!("rm.record_version", alice, rm.record_version(id, 1));
    m!(
        "rm.record_versions (page of 2)",
        alice,
        rm.record_versions(id, 1, 2)
    );
    m!("rm.record_status", alice, rm.record_status(id));
    mok!(
        "rm.grant_permission",
        ferdie,
        rm.grant_permission(
            ferdie,
            dave,
            RecordType::LabResults,
            AccessLevel::Read,
            None,
            None
        )
    );
    m!(
        "rm.get_permission",
        alice,
        rm.get_permission(ferdie, dave, RecordType::LabResults)
    );
    mok!(
        "rm.revoke_permission",
        ferdie,
        rm.revoke_permission(ferdie, dave, RecordType::LabResults)
    );
    mok!(
        "rm.share_record",
        ferdie,
        rm.share_record(ferdie, id, x, DAY)
    );
    m!("rm.get_record_share", alice, rm.get_record_share(id, x));
    mok!(
        "rm.unshare_record",
        ferdie,
        rm.unshare_record(ferdie, id, x)
    );
    mok!(
        "rm.share_key",
        ferdie,
        rm.share_key(ferdie, id, charlie, vec![0xAB; 80])
    );
    m!("rm.get_wrapped_key", alice, rm.get_wrapped_key(id, charlie));
    mok!(
        "rm.revoke_key_share",
        ferdie,
        rm.revoke_key_share(ferdie, id, charlie)
    );
    mok!("rm.lock_record", charlie, rm.lock_record(ferdie, id));
    mok!("rm.unlock_record", charlie, rm.unlock_record(ferdie, id));
    mok!("rm.archive_record", charlie, rm.archive_record(ferdie, id));
    advance_time(2 * HOUR);
    mok!("rm.delete_record", charlie, rm.delete_record(ferdie, id));
    let head = m!("rm.audit_head", alice, rm.audit_head(ferdie));
    m!(
        "rm.audit_entry (last)",
        alice,
        rm.audit_entry(ferdie, head.len.saturating_sub(1))
    );
    m!(
        "rm.audit_trail (last page of 2)",
        alice,
        rm.audit_trail(ferdie, head.len.saturating_sub(2), 2)
    );
    let records: u64 = m!(
        "rm.patient_record_count",
        alice,
        rm.patient_record_count(ferdie)
    );
    m!("rm.provider_stats", alice, rm.provider_stats(charlie));
    let stats = m!("rm.stats", alice, rm.stats());
    let facts = vec![
        (
            "providers registered (access-control)".to_string(),
            u64::from(providers),
        ),
        ("access requests (patient-consent)".to_string(), requests),
        (
            "the patient's consent-history entries".to_string(),
            hist_len,
        ),
        ("the patient's access-log entries".to_string(), log_len),
        ("the patient's audit entries".to_string(), head.len),
        ("the patient's records".to_string(), records),
        ("records on the chain".to_string(), stats.total_records),
    ];
    Ok((rows, facts))
}

/// One chain's run: the measured rows, the state they ran in, and how many
/// seeding calls took how long.
struct Run {
    rows: Vec<Measured>,
    facts: Facts,
    seed_calls: u64,
    seed_secs: f64,
}

fn measure(prior: u64, progress: bool) -> E2EResult<Run> {
    set_time(START_MS);
    let mut chain = Chain::default();
    let d = deploy(&mut chain)?;
    cast(&mut chain, &d)?;
    let before = chain.calls();
    let started = Instant::now();
    seed(&mut chain, &d, prior, progress)?;
    let secs = started.elapsed().as_secs_f64();
    let seeded = chain.calls().saturating_sub(before);
    let (rows, facts) = suite(&mut chain, &d)?;
    Ok(Run {
        rows,
        facts,
        seed_calls: seeded,
        seed_secs: secs,
    })
}

/// Runs the suite after 1 and after `prior` items of history.
pub fn run(prior: u64) -> E2EResult<Scaling> {
    let Run {
        rows: small,
        facts: small_facts,
        ..
    } = measure(1, false)?;
    let Run {
        rows: big,
        facts: big_facts,
        seed_calls,
        seed_secs,
    } = measure(prior, true)?;
    if small.len() != big.len() {
        return Err("the two runs measured different suites".into());
    }
    let rows = small
        .into_iter()
        .zip(big)
        .map(|(s, b)| Compared {
            name: s.name,
            small: s.cost,
            big: b.cost,
        })
        .collect();
    let facts = small_facts
        .into_iter()
        .zip(big_facts)
        .map(|((what, a), (_, b))| (what, a, b))
        .collect();
    Ok(Scaling {
        prior,
        rows,
        facts,
        seed_calls,
        seed_secs,
    })
}

/// The report section.
pub fn markdown(s: &Scaling) -> Result<String, std::fmt::Error> {
    let mut md = String::new();
    writeln!(
        md,
        "## Scaling: 1 versus {} prior items",
        group(s.prior as i128)
    )?;
    writeln!(md)?;
    writeln!(
        md,
        "Two fresh chains run the same calls with the same arguments. Before them, the"
    )?;
    writeln!(
        md,
        "first got 1 and the second {} of each: providers (registered and verified),",
        group(s.prior as i128)
    )?;
    writeln!(
        md,
        "consents of the measured patient (each with its history entry), access"
    )?;
    writeln!(
        md,
        "requests for her, her records (each with its audit entry) and emergency"
    )?;
    writeln!(
        md,
        "windows on her (two access-log entries each): {} calls. Ratio = cost after",
        group(s.seed_calls as i128)
    )?;
    writeln!(
        md,
        "{} / cost after 1; the goal is <= {MAX_RATIO} in both ref_time and proof_size.",
        group(s.prior as i128)
    )?;
    writeln!(
        md,
        "These figures come from one real execution per call (no preceding dry run)."
    )?;
    writeln!(
        md,
        "pallet-contracts charges a storage access by the size of the value, not by the"
    )?;
    writeln!(
        md,
        "depth of the trie: a ratio above 1 here means a message reads or writes more"
    )?;
    writeln!(
        md,
        "(or bigger) values as history grows. On a real chain the proof a collator"
    )?;
    writeln!(
        md,
        "ships also grows with the trie's depth (logarithmically, for any contract);"
    )?;
    writeln!(md, "that is the chain's cost, not the contracts'.")?;
    writeln!(md)?;
    writeln!(
        md,
        "The state each chain was in, as the suite's own queries read it:"
    )?;
    writeln!(md)?;
    writeln!(md, "| | small chain | big chain |")?;
    writeln!(md, "|---|---:|---:|")?;
    for (what, a, b) in &s.facts {
        writeln!(
            md,
            "| {what} | {} | {} |",
            group(*a as i128),
            group(*b as i128)
        )?;
    }
    writeln!(md)?;
    writeln!(
        md,
        "| message | ref_time (1) | ref_time ({n}) | ratio | proof_size (1) | proof_size ({n}) | ratio | deposit (1) | deposit ({n}) |",
        n = group(s.prior as i128)
    )?;
    writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")?;
    for r in &s.rows {
        writeln!(
            md,
            "| `{}` | {} | {} | {:.4} | {} | {} | {:.4} | {} | {} |",
            r.name,
            group(r.small.ref_time as i128),
            group(r.big.ref_time as i128),
            r.ref_ratio(),
            group(r.small.proof_size as i128),
            group(r.big.proof_size as i128),
            r.proof_ratio(),
            group(r.small.storage_deposit),
            group(r.big.storage_deposit),
        )?;
    }
    let worst = s.rows.iter().max_by(|a, b| a.worst().total_cmp(&b.worst()));
    writeln!(md)?;
    if let Some(w) = worst {
        writeln!(
            md,
            "Largest ratio: {:.4} (`{}`). Messages over {MAX_RATIO}: {}.",
            w.worst(),
            w.name,
            match s.over_goal().len() {
                0 => "none".to_string(),
                k => format!("{k}"),
            }
        )?;
    }
    Ok(md)
}
