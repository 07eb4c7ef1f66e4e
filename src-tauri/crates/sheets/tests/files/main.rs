//! vmcheck-sheets from the outside: every fixture is made by the tests themselves, in a
//! temporary directory.

mod common;
mod csv;
mod limits;
mod write;
mod xlsx;
