//! End-to-end journeys on the compiled contracts, one file per journey, all
//! in one test binary so that ink_e2e builds each contract once per run.
//!
//! Backend: the in-process sandbox runtime (real pallet-contracts, no node),
//! with a settable block clock (`e2e_tests::ClockedSandbox`). The sandbox
//! records no contract events; the node-backed suite asserts those.

mod audit_chain;
mod consent_flow;
mod denial_matrix;
mod emergency_flow;
mod model_based;
mod no_phi;
mod pause_behaviour;
mod provider_lifecycle;
mod records_flow;
mod rogue_callee;
mod upgrade;
