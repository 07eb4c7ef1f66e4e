//! FHIR DSTU2 (the V&M API) in both wire formats: a neutral element tree, the model the product
//! reads from it, and writers for the sandbox.

pub mod model;
pub mod tree;
pub mod write;

pub use model::{read_search_body, Coding, Issue, ModelError, OperationOutcome, SearchBody};
pub use tree::{Element, TreeError, WireFormat};

/// Why a V&M body could not be turned into the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Not readable as FHIR at all.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// FHIR, but not what the V&M API sends.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Reads a V&M search response body of the given format.
pub fn parse_search_body(format: WireFormat, body: &[u8]) -> Result<SearchBody, BodyError> {
    let tree = format.read(body)?;
    Ok(read_search_body(&tree)?)
}
