//! TODO: owned by the report work stream.
