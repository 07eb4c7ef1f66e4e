//! # vmcheck-central
//!
//! The trust's central audit store on PostgreSQL. Each desk keeps its local SQLite audit log as
//! the write-ahead spool (the audited path's fail-closed rule holds locally, whatever the
//! network does); the engine forwards the log's records from it, in order, to this store.
//!
//! - **Exactly once, order kept.** A record's key is its installation id and sequence number:
//!   a batch is inserted in one transaction, starting right after the installation's last
//!   forwarded record ([`CentralStore::head`]), and a record already there is skipped
//!   (`ON CONFLICT DO NOTHING`), so a batch sent twice — a connection lost after the commit, two
//!   programs forwarding the same desk — lands once, and no record is ever stored after a gap.
//! - **Verbatim.** Records are stored exactly as the desk holds them (the action as its stored
//!   text, the hashes as written), so the chain of every installation can be walked here with
//!   the audit crate's own [`vmcheck_audit::ChainWalk`] ([`CentralStore::verify`]): numbering
//!   and links for every installation, keyed hashes where the verifier holds the key.
//! - **Checkpoints** (the desk's signed heads) are forwarded too, so a desk log whose tail was
//!   removed is caught centrally: the central chain still reaches past the desk's head.
//! - **Versioned schema** ([`schema`]): migrations run in order under an advisory lock, so many
//!   desks starting at once migrate once.
//!
//! Connections use TLS with the trust's CA ([`Tls::Verified`]); plain TCP is accepted only to a
//! loopback address ([`Tls::LoopbackPlain`], for a database on the same machine). Nothing here
//! logs record contents; errors name the server and the failure, never a record.

mod connect;
pub mod schema;
mod store;
mod verify;

#[cfg(feature = "testing")]
pub mod testing;

pub use connect::{is_loopback, CentralSettings, Tls};
pub use store::{CentralError, CentralStore};
pub use verify::{CentralReport, InstallationReport};
