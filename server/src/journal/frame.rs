//! The journal's byte layout: frames and the scan that finds them again
//! after damage. Pure functions over byte slices; this file never touches
//! the file system, so every kind of damage can be tested in memory.
//!
//! A frame is
//!
//! ```text
//! offset  size  field
//! 0       4     magic   FF 50 56 4A   (0xFF, then "PVJ")
//! 4       4     len     payload length in bytes, u32 little-endian
//! 8       4     crc     CRC-32 (IEEE, crc32fast) of the 4 len bytes followed by the payload, u32 little-endian
//! 12      len   payload UTF-8 JSON
//! ```
//!
//! The magic starts with 0xFF, a byte that never occurs in UTF-8, so it can
//! never appear inside a payload; after damage the scan resumes at the next
//! offset where the magic starts a frame whose checksum holds.

/// Marks the start of every frame. 0xFF cannot occur in a UTF-8 payload.
pub const MAGIC: [u8; 4] = [0xFF, b'P', b'V', b'J'];
/// Bytes before the payload: magic, len, crc.
pub const HEADER_LEN: usize = 12;
/// No record is anywhere near this big; a larger length is damage, not data.
pub const MAX_PAYLOAD: usize = 64 << 20;

/// Encodes one frame around `payload`.
pub fn encode(payload: &[u8], out: &mut Vec<u8>) {
    let len = u32::try_from(payload.len()).expect("payload checked against MAX_PAYLOAD");
    let len_bytes = len.to_le_bytes();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&len_bytes);
    out.extend_from_slice(&checksum(&len_bytes, payload).to_le_bytes());
    out.extend_from_slice(payload);
}

fn checksum(len_bytes: &[u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(len_bytes);
    hasher.update(payload);
    hasher.finalize()
}

/// Why the bytes at an offset are not a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Damage {
    /// The bytes do not start with the magic.
    NoMagic,
    /// The file ends before the frame does: a write cut short.
    Incomplete,
    /// The length is impossibly large.
    BadLength,
    /// The checksum does not match the bytes.
    BadChecksum,
}

/// Decodes the frame starting at `buf[0]`; on success returns the payload
/// and the whole frame's length.
pub fn decode(buf: &[u8]) -> Result<(&[u8], usize), Damage> {
    if buf.len() < MAGIC.len() {
        return Err(if MAGIC.starts_with(buf) {
            Damage::Incomplete
        } else {
            Damage::NoMagic
        });
    }
    if buf[..4] != MAGIC {
        return Err(Damage::NoMagic);
    }
    if buf.len() < HEADER_LEN {
        return Err(Damage::Incomplete);
    }
    let len_bytes: [u8; 4] = buf[4..8].try_into().expect("4 bytes");
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len > MAX_PAYLOAD {
        return Err(Damage::BadLength);
    }
    let crc = u32::from_le_bytes(buf[8..12].try_into().expect("4 bytes"));
    let end = HEADER_LEN + len;
    if buf.len() < end {
        return Err(Damage::Incomplete);
    }
    let payload = &buf[HEADER_LEN..end];
    if checksum(&len_bytes, payload) != crc {
        return Err(Damage::BadChecksum);
    }
    Ok((payload, end))
}

/// One thing the scan found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Frame {
        offset: usize,
        payload: &'a [u8],
    },
    /// Bytes that are not a valid frame, up to the next valid frame or the
    /// end of the buffer. `damage` says what was wrong at `offset`.
    Damaged {
        offset: usize,
        len: usize,
        damage: Damage,
    },
}

/// Splits `buf` into valid frames and damaged stretches. Never fails: every
/// byte belongs to exactly one piece, and a valid frame is found wherever
/// one starts, whatever came before it.
pub fn scan(buf: &[u8]) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut pos = 0;
    while pos < buf.len() {
        match decode(&buf[pos..]) {
            Ok((payload, len)) => {
                pieces.push(Piece::Frame {
                    offset: pos,
                    payload,
                });
                pos += len;
            }
            Err(damage) => {
                let next = next_frame(buf, pos + 1).unwrap_or(buf.len());
                pieces.push(Piece::Damaged {
                    offset: pos,
                    len: next - pos,
                    damage,
                });
                pos = next;
            }
        }
    }
    pieces
}

/// The first offset at or after `from` where a valid frame starts.
fn next_frame(buf: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while at < buf.len() {
        let found = buf[at..].iter().position(|&b| b == MAGIC[0])?;
        at += found;
        if decode(&buf[at..]).is_ok() {
            return Some(at);
        }
        at += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(payloads: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode(p.as_bytes(), &mut out);
        }
        out
    }

    fn render(buf: &[u8]) -> String {
        scan(buf)
            .iter()
            .map(|piece| match piece {
                Piece::Frame { offset, payload } => {
                    format!("frame@{offset} {}", String::from_utf8_lossy(payload))
                }
                Piece::Damaged {
                    offset,
                    len,
                    damage,
                } => format!("damaged@{offset}+{len} {damage:?}"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn scan_table() {
        let two = frames(&["1", "22"]);
        let mut flipped = two.clone();
        flipped[HEADER_LEN] ^= 0x01; // first payload byte
        let mut bad_len = two.clone();
        bad_len[7] = 0x7F;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("empty", vec![], ""),
            ("two frames", two.clone(), "frame@0 1\nframe@13 22"),
            (
                "torn in header",
                two[..13 + 5].to_vec(),
                "frame@0 1\ndamaged@13+5 Incomplete",
            ),
            (
                "torn in payload",
                two[..two.len() - 1].to_vec(),
                "frame@0 1\ndamaged@13+13 Incomplete",
            ),
            (
                "torn in magic",
                two[..13 + 2].to_vec(),
                "frame@0 1\ndamaged@13+2 Incomplete",
            ),
            (
                "flipped payload byte",
                flipped,
                "damaged@0+13 BadChecksum\nframe@13 22",
            ),
            (
                "huge length",
                bad_len,
                "damaged@0+13 BadLength\nframe@13 22",
            ),
            (
                "garbage between",
                [&two[..13], b"junk".as_slice(), &two[13..]].concat(),
                "frame@0 1\ndamaged@13+4 NoMagic\nframe@17 22",
            ),
            (
                "garbage at end",
                [two.as_slice(), b"\xFFPVJxx"].concat(),
                "frame@0 1\nframe@13 22\ndamaged@27+6 Incomplete",
            ),
        ];
        for (name, buf, want) in cases {
            assert_eq!(render(&buf), want, "case {name}");
        }
    }
}
