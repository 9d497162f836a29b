//! TODO: owned by the provenance work stream.
