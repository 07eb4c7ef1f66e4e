//! Sandbox (in progress).
pub mod directory;
pub mod ldap;
