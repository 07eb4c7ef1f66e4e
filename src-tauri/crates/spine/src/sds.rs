//! SDS adapter (in progress).
