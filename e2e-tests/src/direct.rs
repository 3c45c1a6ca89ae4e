//! A thin, direct driver of the sandbox runtime for work that makes tens of
//! thousands of calls: the scaling benchmark (`src/bin/bench.rs`) fills the
//! contracts with history through it.
//!
//! ink_e2e's `SandboxClient` dry-runs every submitted call first, and a dry
//! run copies the whole chain state to roll it back, so its cost grows with
//! the state: fine for the journeys, quadratic for 10,000 records. [`Chain`]
//! calls `pallet_contracts::bare_call` on the same runtime ([`ClockedSandbox`],
//! the stock `DefaultSandbox` with a settable clock) exactly once per call and
//! reads the gas, the storage deposit, the events and the return value from
//! that one execution. The encoding of a message is ink!'s own call builder,
//! the same bytes polkadot.js or ink_e2e send.

use crate::{
    cost_from, release_wasm, AccessControlRef, ClockedSandbox, Cost, E2EResult, PatientConsentRef,
    RecordManagementRef,
};
use ink::env::call::utils::{ReturnType, Set, Unset};
use ink::env::call::{CreateBuilder, ExecutionInput, LimitParamsV2};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::CallBuilderFinal;
use ink_sandbox::api::prelude::{BalanceAPI, ContractAPI};
use ink_sandbox::pallet_contracts::Determinism;
use ink_sandbox::{AccountId32, Sandbox, Weight};

type Runtime = <ClockedSandbox as Sandbox>::Runtime;

/// The gas limit of every call: the sandbox's default (the block's limit).
fn gas_limit() -> Weight {
    ClockedSandbox::default_gas_limit()
}

/// Balance minted into an account before it signs its first call.
const ENDOWMENT: u128 = 1_000_000_000_000_000;

/// The outcome of one call: the message's decoded return value (or why there
/// is none), its cost, and the events the runtime recorded for it.
pub struct Outcome<R> {
    pub value: Result<R, String>,
    pub cost: Cost,
    /// Whether the contract reverted (a message that returned `Err`, or a trap).
    pub reverted: bool,
    /// The runtime events of this call (contract events included).
    pub events: Vec<ink_sandbox::EventRecordOf<Runtime>>,
}

/// The sandbox chain, driven one `bare_call` per call.
#[derive(Default)]
pub struct Chain {
    pub sandbox: ClockedSandbox,
    funded: std::collections::HashSet<AccountId>,
    calls: u64,
}

fn to_runtime(a: &AccountId) -> AccountId32 {
    AccountId32::new(*AsRef::<[u8; 32]>::as_ref(a))
}

impl Chain {
    /// Mints a balance into `who` the first time it signs something.
    pub fn fund(&mut self, who: AccountId) -> E2EResult<()> {
        if self.funded.insert(who) {
            self.sandbox
                .mint_into(&to_runtime(&who), ENDOWMENT)
                .map_err(|e| format!("mint: {e:?}"))?;
            self.forget_events(&[]);
        }
        Ok(())
    }

    /// Uploads and instantiates `wasm` with the encoded constructor `input`
    /// (see [`ctor_input`]); returns the address and the instantiation's cost.
    pub fn deploy(
        &mut self,
        wasm: Vec<u8>,
        input: Vec<u8>,
        salt: Vec<u8>,
        deployer: AccountId,
    ) -> E2EResult<(AccountId, Cost)> {
        self.fund(deployer)?;
        let r = self.sandbox.deploy_contract(
            wasm,
            0,
            input,
            salt,
            to_runtime(&deployer),
            gas_limit(),
            None,
        );
        let cost = cost_from(r.gas_consumed, &r.storage_deposit);
        self.forget_events(&r.events.clone().unwrap_or_default());
        let ok = r.result.map_err(|e| format!("instantiate: {e:?}"))?;
        if ok.result.did_revert() {
            return Err("instantiate: constructor reverted".into());
        }
        let raw: [u8; 32] = *ok.account_id.as_ref();
        Ok((AccountId::from(raw), cost))
    }

    /// Calls `msg` as `caller`, once, for real: a message that returns `Err`
    /// is reverted by pallet-contracts, as on a chain.
    pub fn call<Args, R>(
        &mut self,
        caller: AccountId,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
    ) -> E2EResult<Outcome<R>>
    where
        Args: Encode + Clone,
        R: Decode,
        CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
    {
        self.fund(caller)?;
        let params = msg.clone().params();
        let callee = to_runtime(params.callee());
        let input = Encode::encode(params.exec_input());
        let r = self.sandbox.call_contract(
            callee,
            0,
            input,
            to_runtime(&caller),
            gas_limit(),
            None,
            Determinism::Enforced,
        );
        self.calls = self.calls.saturating_add(1);
        let cost = cost_from(r.gas_consumed, &r.storage_deposit);
        let events = r.events.unwrap_or_default();
        self.forget_events(&events);
        let (value, reverted) = match r.result {
            Err(e) => (Err(format!("call failed: {e:?}")), true),
            Ok(ret) => {
                let reverted = ret.did_revert();
                let value = <ink::MessageResult<R> as Decode>::decode(&mut &ret.data[..])
                    .map_err(|e| format!("undecodable return value: {e}"))
                    .and_then(|m| m.map_err(|e| format!("LangError {e:?}")));
                (value, reverted)
            }
        };
        Ok(Outcome {
            value,
            cost,
            reverted,
            events,
        })
    }

    /// Calls `msg` and returns its value, or fails with `what` and the reason.
    pub fn value<Args, R>(
        &mut self,
        what: &str,
        caller: AccountId,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, R>,
    ) -> E2EResult<R>
    where
        Args: Encode + Clone,
        R: Decode,
        CallBuilderFinal<DefaultEnvironment, Args, R>: Clone,
    {
        self.call(caller, msg)?
            .value
            .map_err(|e| format!("{what}: {e}").into())
    }

    /// Calls a message that returns `Result` and must return `Ok`; yields
    /// what is inside, or fails naming `what` and the error.
    pub fn ok<Args, T, E>(
        &mut self,
        what: &str,
        caller: AccountId,
        msg: &CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>,
    ) -> E2EResult<T>
    where
        Args: Encode + Clone,
        T: Decode,
        E: Decode + std::fmt::Debug,
        CallBuilderFinal<DefaultEnvironment, Args, Result<T, E>>: Clone,
    {
        self.value(what, caller, msg)?
            .map_err(|e| format!("{what}: unexpected Err({e:?})").into())
    }

    /// Uploads `wasm` (as `uploader`) and returns its code hash, for
    /// `set_code`. Uploading code that is already there is a no-op.
    pub fn upload(
        &mut self,
        wasm: Vec<u8>,
        uploader: AccountId,
    ) -> E2EResult<ink::primitives::Hash> {
        self.fund(uploader)?;
        let r = self
            .sandbox
            .upload_contract(wasm, to_runtime(&uploader), None, Determinism::Enforced)
            .map_err(|e| format!("upload: {e:?}"))?;
        self.forget_events(&[]);
        let raw: [u8; 32] = r.code_hash.into();
        Ok(ink::primitives::Hash::from(raw))
    }

    /// Clears the runtime's event list after an operation, so that the next
    /// call's outcome carries its own events only and nothing grows with the
    /// number of calls. pallet-contracts hands back every event of the
    /// current block, and this chain never ends a block: `reset_events` or
    /// a new block would do, but both sweep every event topic ever seen
    /// (cleared keys stay in the in-memory overlay), which made a 70,000-call
    /// run quadratic. So: remove `System::Events` and `EventCount`, and the
    /// `EventTopics` entries of exactly the topics these events carried.
    fn forget_events(&mut self, events: &[ink_sandbox::EventRecordOf<Runtime>]) {
        let topics: Vec<[u8; 32]> = events
            .iter()
            .flat_map(|e| e.topics.iter().map(|t| t.to_fixed_bytes()))
            .collect();
        self.sandbox.execute_with(|| {
            let pallet = sp_io::hashing::twox_128(b"System");
            for item in [&b"Events"[..], b"EventCount"] {
                sp_io::storage::clear(&[pallet, sp_io::hashing::twox_128(item)].concat());
            }
            let prefix = [pallet, sp_io::hashing::twox_128(b"EventTopics")].concat();
            for topic in topics {
                // Blake2_128Concat: blake2_128(key) ++ key
                let key = [&prefix[..], &sp_io::hashing::blake2_128(&topic), &topic].concat();
                sp_io::storage::clear(&key);
            }
        });
    }

    /// How many calls this chain has made.
    pub fn calls(&self) -> u64 {
        self.calls
    }
}

/// A contract ref's constructor call, as `Ref::new(..)` returns it.
pub type Constructor<Ref, Args, R> = CreateBuilder<
    DefaultEnvironment,
    Ref,
    Unset<ink::primitives::Hash>,
    Set<LimitParamsV2<DefaultEnvironment>>,
    Unset<u128>,
    Set<ExecutionInput<Args>>,
    Unset<ink::env::call::state::Salt>,
    Set<ReturnType<R>>,
>;

/// The encoded constructor call (selector and arguments), what `instantiate`
/// sends as `data`.
pub fn ctor_input<Ref, Args: Encode, R>(ctor: Constructor<Ref, Args, R>) -> Vec<u8> {
    ctor.endowment(0)
        .code_hash(ink::primitives::Hash::from([0u8; 32]))
        .salt_bytes(Vec::<u8>::new())
        .params()
        .exec_input()
        .encode()
}

/// The contract events among a call's runtime events: (emitting contract,
/// SCALE-encoded event data). Topics are left out.
pub fn contract_events(
    events: &[ink_sandbox::EventRecordOf<Runtime>],
) -> Vec<(AccountId, Vec<u8>)> {
    events
        .iter()
        .filter_map(|record| {
            let event: Result<ink_sandbox::pallet_contracts::Event<Runtime>, _> =
                record.event.clone().try_into();
            match event {
                Ok(ink_sandbox::pallet_contracts::Event::ContractEmitted { contract, data }) => {
                    let raw: [u8; 32] = *AsRef::<[u8; 32]>::as_ref(&contract);
                    Some((AccountId::from(raw), data))
                }
                _ => None,
            }
        })
        .collect()
}

/// The release `.wasm` of a contract crate, as `scripts/build.sh` leaves it
/// (`target/contracts/<name>/`); the error says to build first.
pub fn release_code(crate_name: &str) -> E2EResult<Vec<u8>> {
    let path = release_wasm(crate_name);
    std::fs::read(&path).map_err(|e| {
        format!(
            "{}: {e}. This needs the release builds: run scripts/build.sh first \
             (scripts/test.sh does)",
            path.display()
        )
        .into()
    })
}

/// The three contracts on a [`Chain`], from their release builds.
pub struct Deployed {
    pub ac: AccountId,
    pub pc: AccountId,
    pub rm: AccountId,
}

impl Deployed {
    pub fn ac(&self) -> <crate::AccessControl as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<crate::AccessControl>(self.ac)
    }
    pub fn pc(&self) -> <crate::PatientConsent as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<crate::PatientConsent>(self.pc)
    }
    pub fn rm(&self) -> <crate::RecordManagement as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<crate::RecordManagement>(self.rm)
    }
}

/// Deploys the release builds of the three contracts (Alice owns each) and
/// wires them, as `deploy_all` does for ink_e2e's client.
pub fn deploy_release(chain: &mut Chain) -> E2EResult<Deployed> {
    let alice = ink_e2e::account_id(ink_e2e::AccountKeyring::Alice);
    let (ac, _) = chain.deploy(
        release_code("access-control")?,
        ctor_input(AccessControlRef::new()),
        vec![1],
        alice,
    )?;
    let (pc, _) = chain.deploy(
        release_code("patient-consent")?,
        ctor_input(PatientConsentRef::new(ac)),
        vec![2],
        alice,
    )?;
    let (rm, _) = chain.deploy(
        release_code("record-management")?,
        ctor_input(RecordManagementRef::new(pc, ac)),
        vec![3],
        alice,
    )?;
    Ok(Deployed { ac, pc, rm })
}
