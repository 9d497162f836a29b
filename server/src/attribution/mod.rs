//! TODO: owned by the attribution work stream.
