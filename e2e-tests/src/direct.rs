//! A thin, direct driver of the sandbox runtime: one
//! `pallet_contracts::bare_call` per call, reading the gas, the storage
//! deposit, the contract events (with their topics) and the return value
//! from that one execution.
//!
//! ink_e2e's `SandboxClient` dry-runs every submitted call first, and a dry
//! run copies the whole chain state to roll it back, so its cost grows with
//! the state: fine for a few calls, quadratic for the 10,000-record
//! scaling run. It also records no contract events. [`Chain`] does neither.
//! The encoding of a message is ink!'s own call builder, the same bytes
//! polkadot.js or ink_e2e send.

use crate::{cost_from, release_wasm, ClockedSandbox, Cost, E2EResult};
use ink::env::call::utils::{ReturnType, Set, Unset};
use ink::env::call::{CreateBuilder, ExecutionInput, LimitParamsV2};
use ink::env::DefaultEnvironment;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::CallBuilderFinal;
use ink_sandbox::api::prelude::{BalanceAPI, ContractAPI, SystemAPI};
use ink_sandbox::pallet_contracts::Determinism;
use ink_sandbox::{AccountId32, Sandbox, Weight};

pub type Runtime = <ClockedSandbox as Sandbox>::Runtime;

/// The gas limit of every call: the sandbox's default (the block's limit).
fn gas_limit() -> Weight {
    ClockedSandbox::default_gas_limit()
}

/// Balance minted into an account before it signs its first call.
const ENDOWMENT: u128 = 1_000_000_000_000_000;

/// One contract event: who emitted it, its topics (the first is the event's
/// signature topic) and its SCALE-encoded fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractEvent {
    pub contract: AccountId,
    pub topics: Vec<[u8; 32]>,
    pub data: Vec<u8>,
}

impl ContractEvent {
    /// Whether this is an `E` (its first topic is `E`'s signature topic).
    pub fn is<E: ink::env::Event>(&self) -> bool {
        E::SIGNATURE_TOPIC.is_some() && self.topics.first().copied() == E::SIGNATURE_TOPIC
    }

    /// The event as an `E`, if it is one.
    pub fn decode<E: ink::env::Event + Decode>(&self) -> Option<E> {
        if !self.is::<E>() {
            return None;
        }
        E::decode(&mut &self.data[..]).ok()
    }
}

/// The outcome of one call: the message's decoded return value (or why
/// there is none), its cost, whether it reverted, and its contract events.
pub struct Outcome<R> {
    pub value: Result<R, String>,
    pub cost: Cost,
    /// Whether the contract reverted (a message that returned `Err`, or a trap).
    pub reverted: bool,
    pub events: Vec<ContractEvent>,
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

fn from_runtime(a: &AccountId32) -> AccountId {
    AccountId::from(*AsRef::<[u8; 32]>::as_ref(a))
}

impl Chain {
    /// Mints a balance into `who` the first time it signs something.
    pub fn fund(&mut self, who: AccountId) -> E2EResult<()> {
        if self.funded.insert(who) {
            self.sandbox
                .mint_into(&to_runtime(&who), ENDOWMENT)
                .map_err(|e| format!("mint: {e:?}"))?;
            self.take_events();
        }
        Ok(())
    }

    /// Uploads and instantiates `wasm` with the encoded constructor `input`
    /// (see [`ctor_input`]); returns the address, the instantiation's cost
    /// and the constructor's events.
    pub fn deploy(
        &mut self,
        wasm: Vec<u8>,
        input: Vec<u8>,
        salt: Vec<u8>,
        deployer: AccountId,
    ) -> E2EResult<(AccountId, Cost, Vec<ContractEvent>)> {
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
        let events = self.take_events();
        let ok = r.result.map_err(|e| format!("instantiate: {e:?}"))?;
        if ok.result.did_revert() {
            return Err("instantiate: constructor reverted".into());
        }
        Ok((from_runtime(&ok.account_id), cost, events))
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
        let events = self.take_events();
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

    /// Runs a message from its encoded `input` (selector and arguments) as
    /// `caller` and returns the contract's return data: what a node's
    /// `ContractsApi_call` gives the gateway. Meant for read-only messages
    /// (a message that writes would write for real).
    pub fn call_raw(
        &mut self,
        caller: AccountId,
        callee: AccountId,
        input: Vec<u8>,
    ) -> E2EResult<Vec<u8>> {
        self.fund(caller)?;
        let r = self.sandbox.call_contract(
            to_runtime(&callee),
            0,
            input,
            to_runtime(&caller),
            gas_limit(),
            None,
            Determinism::Enforced,
        );
        self.take_events();
        let ok = r.result.map_err(|e| format!("call: {e:?}"))?;
        if ok.did_revert() {
            return Err("call: reverted".into());
        }
        Ok(ok.data)
    }

    /// Uploads the hot shells of the system's three contracts (release
    /// builds, `target/contracts/<name>-hot/`), which each one's constructor
    /// switches a new contract to (see `medrec_types::split`): deploy after
    /// this, or the contracts stay on their full code.
    pub fn upload_hot_shells(&mut self, uploader: AccountId) -> E2EResult<()> {
        for name in crate::CONTRACTS {
            self.upload(release_code(&format!("{name}-hot"))?, uploader)?;
        }
        Ok(())
    }

    /// Uploads `wasm` (as `uploader`) and returns its code hash. Uploading
    /// code that is already there is a no-op.
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
        self.take_events();
        let raw: [u8; 32] = r.code_hash.into();
        Ok(ink::primitives::Hash::from(raw))
    }

    /// The contract events of the runtime's event list, which is then
    /// cleared, so that the next call's outcome carries its own events
    /// only and nothing grows with the number of calls.
    ///
    /// pallet-contracts hands back every event of the current block, and
    /// this chain never ends a block: `reset_events` or a new block would
    /// clear them, but both sweep every event topic ever seen (cleared keys
    /// stay in the in-memory overlay), which made a 70,000-call run
    /// quadratic. So: read `System::Events`, then remove it,
    /// `EventCount`, and the `EventTopics` entries of exactly the topics
    /// these events carried.
    fn take_events(&mut self) -> Vec<ContractEvent> {
        let records = self.sandbox.events();
        let mut topics: Vec<[u8; 32]> = Vec::new();
        let mut out = Vec::new();
        for record in &records {
            topics.extend(record.topics.iter().map(|t| t.to_fixed_bytes()));
            let event: Result<ink_sandbox::pallet_contracts::Event<Runtime>, _> =
                record.event.clone().try_into();
            if let Ok(ink_sandbox::pallet_contracts::Event::ContractEmitted { contract, data }) =
                event
            {
                out.push(ContractEvent {
                    contract: from_runtime(&contract),
                    topics: record.topics.iter().map(|t| t.to_fixed_bytes()).collect(),
                    data,
                });
            }
        }
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
        out
    }

    /// The code hash a contract runs (pallet-contracts' `ContractInfo`).
    pub fn code_hash(&mut self, contract: AccountId) -> Option<ink::primitives::Hash> {
        let account = to_runtime(&contract);
        self.sandbox.execute_with(|| {
            ink_sandbox::pallet_contracts::Pallet::<Runtime>::code_hash(&account)
                .map(|h| ink::primitives::Hash::from(<[u8; 32]>::from(h)))
        })
    }

    /// One value of a contract's storage by its raw key, as a node's
    /// `ContractsApi_get_storage` reads it.
    pub fn contract_storage(&mut self, contract: AccountId, key: Vec<u8>) -> Option<Vec<u8>> {
        let account = to_runtime(&contract);
        self.sandbox.execute_with(|| {
            ink_sandbox::pallet_contracts::Pallet::<Runtime>::get_storage(account, key)
                .ok()
                .flatten()
        })
    }

    /// `remove_code` signed by `uploader` (only the uploader may, and only
    /// code nothing uses).
    pub fn remove_code(
        &mut self,
        uploader: AccountId,
        code_hash: ink::primitives::Hash,
    ) -> E2EResult<()> {
        let origin = ink_sandbox::frame_system::RawOrigin::Signed(to_runtime(&uploader));
        let hash = ink_sandbox::H256::from_slice(code_hash.as_ref());
        self.sandbox
            .execute_with(|| {
                ink_sandbox::pallet_contracts::Pallet::<Runtime>::remove_code(origin.into(), hash)
            })
            .map_err(|e| format!("remove_code: {e:?}"))?;
        self.take_events();
        Ok(())
    }

    /// How many calls this chain has made.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// Every (key, value) in the chain's storage: the runtime's trie and
    /// the child trie of every contract.
    pub fn all_storage(&mut self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.sandbox.execute_with(|| {
            let mut out = Vec::new();
            let mut key = Vec::new();
            while let Some(next) = sp_io::storage::next_key(&key) {
                if let Some(value) = sp_io::storage::get(&next) {
                    out.push((next.clone(), value.to_vec()));
                }
                key = next;
            }
            // Each contract's `ContractInfo` (pallet-contracts'
            // `ContractInfoOf` map, private to the pallet) begins with its
            // child trie's id, a SCALE `Vec<u8>`.
            let prefix = [
                sp_io::hashing::twox_128(b"Contracts"),
                sp_io::hashing::twox_128(b"ContractInfoOf"),
            ]
            .concat();
            let tries: Vec<Vec<u8>> = out
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .filter_map(|(_, v)| <Vec<u8> as Decode>::decode(&mut &v[..]).ok())
                .collect();
            for trie in tries {
                let mut key = Vec::new();
                while let Some(next) = sp_io::default_child_storage::next_key(&trie, &key) {
                    if let Some(value) = sp_io::default_child_storage::get(&trie, &next) {
                        let mut k = trie.clone();
                        k.extend_from_slice(&next);
                        out.push((k, value.to_vec()));
                    }
                    key = next;
                }
            }
            out
        })
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

/// The code hash pallet-contracts gives a release build (BLAKE2-256 of its
/// `.wasm`, see [`release_code`]).
pub fn release_code_hash(crate_name: &str) -> E2EResult<ink::primitives::Hash> {
    Ok(ink::primitives::Hash::from(sp_io::hashing::blake2_256(
        &release_code(crate_name)?,
    )))
}
