//! The LSP base protocol on stdio, owned here: framing, resynchronisation and
//! the checks that make every message tower-lsp-server is given decodable.
//! tower-lsp-server stops reading for good after one message it cannot decode
//! (an `id` of `1.5`, a duplicate key, a bad `Content-Length`), so it only
//! ever sees frames this module wrote, each holding one message it accepts;
//! it keeps dispatch. Whatever the client sends, the next well-formed frame
//! is read correctly, nothing is buffered past the documented limits
//! (docs/protocol.md, "Errors and limits"), and a broken message that has an
//! id gets an error response with that id. Output from the server and this
//! module's own errors go to stdout through one writer, a frame at a time.
//!
//! How a frame's end is found (a wrong `Content-Length` shows only in what
//! follows it):
//! - A body is read with a small JSON scanner. A well-formed frame's JSON
//!   ends exactly at its declared length, so it is never delayed.
//! - If the JSON ends before the declared length and what follows is not
//!   whitespace (or nothing arrives for [`STALL`]), the length was too large:
//!   the frame ends with the JSON, and what follows is read as the next frame.
//! - If the JSON is not finished at the declared length, the length was too
//!   small: reading goes on while the bytes still continue the JSON (at most
//!   [`MAX_BODY`], at most [`STALL`] between reads); otherwise the frame ends
//!   at the declared length.
//! - Bytes that cannot continue JSON end the body at the next `Content-Length`
//!   header (a raw line break cannot occur inside a JSON string and letters
//!   cannot occur outside one, so no valid body contains a header), or at the
//!   declared length, whichever comes first.
//! - Bytes where a header should start that are not one, a header block
//!   longer than [`MAX_HEADER`], a length over [`MAX_BODY`]: one error, then
//!   everything up to the next `Content-Length` is skipped without being kept.
//!   Text glued before a `Content-Length` on one line, or a second
//!   `Content-Length` in one block, is treated the same way.
//!
//! A message whose frame was wrong is never executed: it gets an error (with
//! its id when it has one) or, for a notification, a warning in the log.

use std::time::Duration;

use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// The longest header block (all header lines with their line breaks).
pub const MAX_HEADER: usize = 4096;
/// The largest body; a larger frame is refused without being read.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// How long a broken frame waits for more bytes that would finish it.
pub const STALL: Duration = Duration::from_millis(500);
/// Deeper JSON is not a message (serde_json refuses past 128 anyway).
const MAX_DEPTH: usize = 256;
const CHUNK: usize = 64 * 1024;
const NEEDLE: &[u8] = b"content-length";

/// What one read from the input produced.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A well-formed frame's body, not yet checked as a message.
    Body(Vec<u8>),
    /// A frame that was not well formed: why, and the complete JSON found in
    /// it when there was one (so its id can be answered).
    Broken { why: String, json: Option<Vec<u8>> },
}

enum Fill {
    Data,
    Eof,
    Stalled,
}

/// Reads frames from the client, resynchronising after anything malformed.
pub struct FrameReader<R> {
    input: R,
    /// Unread bytes are `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// After an error: skip to the next `Content-Length` before reading headers.
    resync: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub fn new(input: R) -> Self {
        Self {
            input,
            buf: Vec::with_capacity(CHUNK),
            pos: 0,
            eof: false,
            resync: false,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more input after the unread bytes; with `stall`, gives up after it.
    async fn fill(&mut self, stall: Option<Duration>) -> std::io::Result<Fill> {
        if self.eof {
            return Ok(Fill::Eof);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        if self.buf.capacity() > 4 * CHUNK && self.buf.len() < CHUNK {
            self.buf.shrink_to(2 * CHUNK);
        }
        self.buf.reserve(CHUNK);
        let read = self.input.read_buf(&mut self.buf);
        let n = match stall {
            Some(stall) => match tokio::time::timeout(stall, read).await {
                Ok(n) => n?,
                Err(_) => return Ok(Fill::Stalled),
            },
            None => read.await?,
        };
        if n == 0 {
            self.eof = true;
            return Ok(Fill::Eof);
        }
        Ok(Fill::Data)
    }

    /// Drops everything unread but the last bytes that could start a header.
    fn discard_keeping_tail(&mut self) {
        let keep = self.unread().len().min(NEEDLE.len() - 1);
        self.pos = self.buf.len() - keep;
    }

    /// Skips to the next `Content-Length`; false at the end of the input.
    async fn skip_to_header(&mut self) -> std::io::Result<bool> {
        loop {
            if let Some(at) = find_header(self.unread()) {
                self.pos += at;
                return Ok(true);
            }
            self.discard_keeping_tail();
            if let Fill::Eof = self.fill(None).await? {
                return Ok(false);
            }
        }
    }

    /// Reads the next frame; `None` at the end of the input.
    pub async fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            if self.resync && !self.skip_to_header().await? {
                return Ok(None);
            }
            // Line breaks and spaces between frames are allowed.
            loop {
                let ws = self
                    .unread()
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                self.pos += ws;
                if !self.unread().is_empty() {
                    break;
                }
                if let Fill::Eof = self.fill(None).await? {
                    return Ok(None);
                }
            }
            let header = loop {
                match parse_header(self.unread()) {
                    HeaderScan::Partial if self.unread().len() > MAX_HEADER => {
                        break Err(format!("a header longer than {MAX_HEADER} bytes"))
                    }
                    HeaderScan::Partial => {
                        if let Fill::Eof = self.fill(None).await? {
                            return Ok(None);
                        }
                    }
                    HeaderScan::Bad(why) => break Err(why),
                    HeaderScan::Done { len, .. } if len > MAX_HEADER => {
                        break Err(format!("a header longer than {MAX_HEADER} bytes"))
                    }
                    HeaderScan::Done { len, length } => break Ok((len, length)),
                }
            };
            let (len, length) = match header {
                Ok(found) => found,
                Err(why) => {
                    // Resynchronise from the next byte: a header glued after
                    // junk is found there.
                    self.pos += 1;
                    if self.resync {
                        continue;
                    }
                    self.resync = true;
                    return Ok(Some(Frame::Broken { why, json: None }));
                }
            };
            self.resync = false;
            self.pos += len;
            return match length {
                Length::Declared(n) => self.body(Ok(n)).await.map(Some),
                Length::TooLarge(text) => {
                    self.resync = true;
                    Ok(Some(Frame::Broken {
                        why: format!("Content-Length {text} is over the limit of {MAX_BODY} bytes"),
                        json: None,
                    }))
                }
                Length::Bad(why) => self.body(Err(why)).await.map(Some),
            };
        }
    }

    /// Reads a body whose header declared `declared` (or why it declared no
    /// usable length), ending it as the module documentation says.
    async fn body(&mut self, declared: Result<usize, String>) -> std::io::Result<Frame> {
        let mut scan = JsonScan::default();
        loop {
            scan.feed(self.unread());
            let have = self.unread().len();
            if let Some(end) = scan.done {
                return self.finished_json(end, &declared).await;
            }
            if let Some(bad) = scan.invalid {
                return self.junk_body(bad, scan.string_start, &declared).await;
            }
            if have > MAX_BODY {
                self.pos = self.buf.len();
                self.resync = true;
                return Ok(Frame::Broken {
                    why: format!("a message longer than {MAX_BODY} bytes"),
                    json: None,
                });
            }
            let past_declared = match &declared {
                Ok(n) => have >= *n,
                Err(_) => true,
            };
            match self.fill(past_declared.then_some(STALL)).await? {
                Fill::Data => {}
                Fill::Eof | Fill::Stalled => {
                    let why = match &declared {
                        Ok(n) if have >= *n => {
                            // A header that began inside the open string
                            // (and waits for its line break) is not cut.
                            let open = scan.string_start.map(|s| s.min(*n));
                            let header = open.and_then(|s| {
                                let rest = &self.unread()[s..];
                                find_header(rest)
                                    .or_else(|| {
                                        let tail = header_prefix_at_end(rest);
                                        (tail > 0).then(|| rest.len() - tail)
                                    })
                                    .map(|at| s + at)
                            });
                            self.pos += header.unwrap_or(*n).min(*n);
                            format!("the body of Content-Length {n} is not complete JSON")
                        }
                        Ok(n) => {
                            self.pos += have;
                            format!("the input ended {} bytes into a body of {n}", have)
                        }
                        Err(why) => {
                            self.pos += have;
                            why.clone()
                        }
                    };
                    return Ok(Frame::Broken { why, json: None });
                }
            }
        }
    }

    /// The body's JSON ends at `end`: right if that is the declared length
    /// (give or take trailing whitespace), else the frame is broken.
    async fn finished_json(
        &mut self,
        end: usize,
        declared: &Result<usize, String>,
    ) -> std::io::Result<Frame> {
        let why = match declared {
            Ok(n) if end <= *n => loop {
                let have = self.unread().len().min(*n);
                if !self.unread()[end..have].iter().all(u8::is_ascii_whitespace) {
                    break format!("Content-Length {n} is larger than the message ({end} bytes)");
                }
                if have == *n {
                    let body = self.unread()[..end].to_vec();
                    self.pos += n;
                    return Ok(Frame::Body(body));
                }
                match self.fill(Some(STALL)).await? {
                    Fill::Data => {}
                    Fill::Eof | Fill::Stalled => {
                        break format!(
                            "Content-Length {n} is larger than the message ({end} bytes)"
                        )
                    }
                }
            },
            Ok(n) => format!("Content-Length {n} is smaller than the message ({end} bytes)"),
            Err(why) => why.clone(),
        };
        let json = self.unread()[..end].to_vec();
        self.pos += end;
        Ok(Frame::Broken {
            why,
            json: Some(json),
        })
    }

    /// The body stopped being JSON at `bad`: it ends at the next header or at
    /// the declared length, whichever comes first. Its bytes are not kept,
    /// unless it is small and framed right (then the message check says what
    /// it is: a number, a string, text).
    async fn junk_body(
        &mut self,
        bad: usize,
        string_start: Option<usize>,
        declared: &Result<usize, String>,
    ) -> std::io::Result<Frame> {
        let why = match declared {
            Ok(n) => format!("the body of Content-Length {n} is not JSON"),
            Err(why) => why.clone(),
        };
        // A header may begin inside the string that a raw line break broke.
        let mut from = string_start.unwrap_or(bad).min(bad);
        let limit = declared.as_ref().ok().copied();
        if let Some(n) = limit {
            if from >= n {
                self.pos += n;
                return Ok(Frame::Broken { why, json: None });
            }
        }
        // Bytes of the body already dropped.
        let mut dropped = 0usize;
        loop {
            let have = self.unread().len();
            let header = find_header(&self.unread()[from..]).map(|at| from + at);
            let end = limit.map(|n| n - dropped);
            let at_length = match (header, end) {
                (Some(at), Some(end)) if at < end => Some(Err(at)),
                (Some(at), None) => Some(Err(at)),
                (Some(_), Some(end)) => Some(Ok(end)),
                // No header can start before `end` once this much is here.
                (None, Some(end)) if have >= end + NEEDLE.len() - 1 => Some(Ok(end)),
                _ => None,
            };
            match at_length {
                // Ends at a header.
                Some(Err(at)) => {
                    self.pos += at;
                    break;
                }
                // Ends at its declared length: framed right.
                Some(Ok(end)) => {
                    if dropped == 0 && end <= MAX_HEADER {
                        let body = self.unread()[..end].to_vec();
                        self.pos += end;
                        return Ok(Frame::Body(body));
                    }
                    self.pos += end;
                    break;
                }
                None => {}
            }
            if have > CHUNK {
                let before = self.pos;
                self.discard_keeping_tail();
                dropped += self.pos - before;
                from = 0;
            }
            match self.fill(Some(STALL)).await? {
                Fill::Data => {}
                Fill::Eof | Fill::Stalled => {
                    // Keep what may be the start of the next header.
                    let have = self.unread().len();
                    let tail = header_prefix_at_end(self.unread());
                    self.pos += end.unwrap_or(have).min(have - tail);
                    break;
                }
            }
        }
        Ok(Frame::Broken { why, json: None })
    }
}

#[derive(Debug, PartialEq)]
enum Length {
    Declared(usize),
    TooLarge(String),
    Bad(String),
}

#[derive(Debug, PartialEq)]
enum HeaderScan {
    /// More bytes are needed.
    Partial,
    /// Not a header block (or junk glued before one).
    Bad(String),
    /// A header block of `len` bytes.
    Done { len: usize, length: Length },
}

/// Reads a header block at the start of `bytes`: `Name: value` lines (CRLF
/// or LF) up to an empty line. Fails as soon as the bytes cannot be one.
fn parse_header(bytes: &[u8]) -> HeaderScan {
    let mut length = None;
    let mut line_start = 0;
    loop {
        let rest = &bytes[line_start..];
        let line_end = memchr::memchr(b'\n', rest);
        let line = &rest[..line_end.unwrap_or(rest.len())];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line_end.is_some() && line.is_empty() {
            if line_start == 0 {
                return HeaderScan::Bad("an empty line where a header should be".into());
            }
            let len = line_start + line_end.unwrap_or_default() + 1;
            let length = length.unwrap_or_else(|| Length::Bad("no Content-Length header".into()));
            return HeaderScan::Done { len, length };
        }
        if let Some(at) = line.get(1..).and_then(find_header).map(|at| at + 1) {
            return HeaderScan::Bad(format!(
                "{} bytes that are not a header before a Content-Length",
                line_start + at
            ));
        }
        let name_end = line.iter().position(|&b| !is_token(b));
        match name_end {
            Some(i) if line[i] == b':' && i > 0 => {}
            Some(_) => return HeaderScan::Bad(not_a_header(line)),
            None if line_end.is_some() => return HeaderScan::Bad(not_a_header(line)),
            None => return HeaderScan::Partial,
        }
        let colon = name_end.unwrap_or_default();
        let value = &line[colon + 1..];
        if value
            .iter()
            .any(|&b| !(b == b'\t' || (0x20..0x7f).contains(&b)))
        {
            return HeaderScan::Bad(not_a_header(line));
        }
        let Some(end) = line_end else {
            return HeaderScan::Partial;
        };
        if line[..colon].eq_ignore_ascii_case(NEEDLE) {
            if length.is_some() {
                return HeaderScan::Bad("a second Content-Length in one header".into());
            }
            length = Some(content_length(value));
        }
        line_start += end + 1;
    }
}

fn content_length(value: &[u8]) -> Length {
    let text = String::from_utf8_lossy(value).trim().to_string();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Length::Bad(format!("Content-Length {text:?} is not a number of bytes"));
    }
    match text.parse::<usize>() {
        Ok(n) if n <= MAX_BODY => Length::Declared(n),
        _ => Length::TooLarge(text),
    }
}

fn not_a_header(line: &[u8]) -> String {
    let shown: String = String::from_utf8_lossy(&line[..line.len().min(40)]).into();
    format!("not a header: {shown:?}")
}

fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// How many bytes at the end of `bytes` could begin a `Content-Length`.
fn header_prefix_at_end(bytes: &[u8]) -> usize {
    (1..NEEDLE.len().min(bytes.len() + 1))
        .rev()
        .find(|&k| bytes[bytes.len() - k..].eq_ignore_ascii_case(&NEEDLE[..k]))
        .unwrap_or(0)
}

/// Where the first `Content-Length` (any case) starts in `bytes`.
fn find_header(bytes: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'-', bytes).find_map(|dash| {
        let start = dash.checked_sub(7)?;
        let candidate = bytes.get(start..start + NEEDLE.len())?;
        candidate.eq_ignore_ascii_case(NEEDLE).then_some(start)
    })
}

/// Finds where a JSON object or array ends, a byte at a time and across
/// reads, without building it; stops at the first byte that cannot belong
/// to JSON. Only the frame's end is decided here: serde_json checks the rest.
#[derive(Default)]
struct JsonScan {
    /// Bytes fed so far.
    seen: usize,
    /// Open brackets.
    stack: Vec<u8>,
    in_string: bool,
    escaped: bool,
    /// Where the string being read starts.
    string_start: Option<usize>,
    /// Just past the closing bracket of the top-level value.
    done: Option<usize>,
    /// The first byte that cannot belong to JSON here.
    invalid: Option<usize>,
}

impl JsonScan {
    /// Scans the bytes of `all` not seen yet.
    fn feed(&mut self, all: &[u8]) {
        while self.done.is_none() && self.invalid.is_none() && self.seen < all.len() {
            let at = self.seen;
            let b = all[at];
            self.seen += 1;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                    self.string_start = None;
                } else if b < 0x20 {
                    self.invalid = Some(at);
                }
                continue;
            }
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b'{' | b'[' if self.stack.len() < MAX_DEPTH => self.stack.push(b),
                b'}' | b']' if !self.stack.is_empty() => {
                    let open = self.stack.pop().unwrap_or_default();
                    if (open, b) != (b'{', b'}') && (open, b) != (b'[', b']') {
                        self.invalid = Some(at);
                    } else if self.stack.is_empty() {
                        self.done = Some(at + 1);
                    }
                }
                _ if self.stack.is_empty() => self.invalid = Some(at),
                b'"' => {
                    self.in_string = true;
                    self.string_start = Some(at);
                }
                b',' | b':' | b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E' => {}
                b't' | b'r' | b'u' | b'f' | b'a' | b'l' | b's' | b'n' => {}
                _ => self.invalid = Some(at),
            }
        }
    }
}

/// What to do with a well-formed frame's message.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// Pass the body to the server as it is.
    Forward,
    /// Pass this body instead (a client response in the one shape the server
    /// decodes).
    Rewrite(Vec<u8>),
    /// Answer the client with this error response; the server never sees it.
    Answer(Value),
    /// Log and drop (a broken notification or response).
    Drop(String),
}

/// The top-level members of a JSON object, duplicates kept.
struct Members(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON-RPC message (an object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    members.push(entry);
                }
                Ok(Members(members))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Members, A::Error> {
                Err(serde::de::Error::custom(
                    "a batch (LSP does not use JSON-RPC batches)",
                ))
            }
        }
        deserializer.deserialize_any(MembersVisitor)
    }
}

/// An id tower-lsp-server can echo: a string or an integer that fits i64.
fn usable_id(id: &Value) -> bool {
    id.is_string() || id.as_i64().is_some()
}

/// Decides what happens to a well-formed frame's body.
pub fn check(body: &[u8]) -> Verdict {
    let members = match serde_json::from_slice::<Members>(body) {
        Ok(Members(members)) => members,
        Err(e) if e.is_data() => {
            return Verdict::Answer(error_response(
                Value::Null,
                -32600,
                &format!("Invalid request: {e}"),
            ))
        }
        Err(e) => {
            return Verdict::Answer(error_response(
                Value::Null,
                -32700,
                &format!("Parse error: {e}"),
            ))
        }
    };
    let mut fields: Map<String, Value> = Map::new();
    let mut duplicate = None;
    for (key, value) in members {
        if fields.contains_key(&key) {
            duplicate.get_or_insert(key);
        } else {
            fields.insert(key, value);
        }
    }
    let id = fields.get("id");
    let reply_id = match id {
        Some(id) if usable_id(id) && duplicate.as_deref() != Some("id") => id.clone(),
        _ => Value::Null,
    };
    let invalid = |why: &str| {
        Verdict::Answer(error_response(
            reply_id.clone(),
            -32600,
            &format!("Invalid request: {why}"),
        ))
    };
    if let Some(key) = &duplicate {
        return invalid(&format!("the key {key:?} appears twice"));
    }
    if fields.get("jsonrpc") != Some(&json!("2.0")) {
        return invalid("not a JSON-RPC 2.0 message (\"jsonrpc\": \"2.0\" is missing)");
    }
    if id.is_some_and(|id| !usable_id(id) && !id.is_null()) {
        return invalid("the id must be a string or an integer from -2^63 to 2^63-1");
    }
    let is_response = fields.contains_key("result") || fields.contains_key("error");
    match fields.get("method") {
        Some(Value::String(_)) if is_response => {
            invalid("a message cannot have both a method and a result or error")
        }
        Some(Value::String(method)) if method.starts_with("$/") && id.is_some() => {
            // tower-lsp-server drops these answers; LSP wants MethodNotFound.
            Verdict::Answer(error_response(
                reply_id,
                -32601,
                &format!("Method not found: {method}"),
            ))
        }
        Some(Value::String(_)) => Verdict::Forward,
        Some(_) => invalid("the method must be a string"),
        None if is_response => response(fields),
        None => invalid("a message needs a method, a result or an error"),
    }
}

/// A client response, in the one shape tower-lsp-server decodes (its error
/// type refuses unknown fields).
fn response(mut fields: Map<String, Value>) -> Verdict {
    let Some(id) = fields.remove("id") else {
        return Verdict::Drop("a response without an id".into());
    };
    let message = match fields.remove("error") {
        Some(error) => {
            let code = error.get("code").and_then(Value::as_i64);
            let text = error.get("message").and_then(Value::as_str);
            let mut clean = match (code, text) {
                (Some(code), Some(text)) => json!({"code": code, "message": text}),
                _ => json!({"code": -32603, "message": "the client sent a malformed error"}),
            };
            if let (Some(data), Some(_), Some(_)) = (error.get("data"), code, text) {
                clean["data"] = data.clone();
            }
            json!({"jsonrpc": "2.0", "id": id, "error": clean})
        }
        None => {
            let result = fields.remove("result").unwrap_or(Value::Null);
            json!({"jsonrpc": "2.0", "id": id, "result": result})
        }
    };
    Verdict::Rewrite(message.to_string().into_bytes())
}

/// The answer to a broken frame: an error with the message's id when its JSON
/// was found and it has one; `None` for a notification or response (logged).
pub fn broken_reply(why: &str, json: Option<&[u8]>) -> Option<Value> {
    let Some(json) = json else {
        return Some(error_response(
            Value::Null,
            -32700,
            &format!("Parse error: {why}"),
        ));
    };
    let message: Value = serde_json::from_slice(json).unwrap_or(Value::Null);
    let id = message.get("id").filter(|id| usable_id(id)).cloned();
    let is_request = message.get("method").is_some();
    match id {
        Some(id) if is_request => Some(error_response(
            id,
            -32600,
            &format!("Invalid request: {why}; the message was not run"),
        )),
        _ if message.is_object() => None,
        _ => Some(error_response(
            Value::Null,
            -32700,
            &format!("Parse error: {why}"),
        )),
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

pub fn encode(body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// Reads client frames from `input`; passes good messages to `server`,
/// answers bad ones through `out`. Ends at the end of the input.
pub async fn guard_input<R, W>(input: R, mut server: W, out: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = FrameReader::new(input);
    let answer = |error: Value| {
        let _ = out.send(encode(error.to_string().as_bytes()));
    };
    loop {
        let frame = match reader.next_frame().await {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(_) => return,
        };
        let pass = match frame {
            Frame::Body(body) => match check(&body) {
                Verdict::Forward => body,
                Verdict::Rewrite(body) => body,
                Verdict::Answer(error) => {
                    tracing::warn!("refused a message: {}", error["error"]["message"]);
                    answer(error);
                    continue;
                }
                Verdict::Drop(why) => {
                    tracing::warn!("dropped a message: {why}");
                    continue;
                }
            },
            Frame::Broken { why, json } => {
                tracing::warn!("skipped a malformed frame: {why}");
                if let Some(error) = broken_reply(&why, json.as_deref()) {
                    answer(error);
                }
                continue;
            }
        };
        if server.write_all(&encode(&pass)).await.is_err() {
            return;
        }
    }
}

/// Splits the server's own output (frames tower-lsp-server wrote) into frames
/// and queues them for the writer.
pub async fn forward_output<R: AsyncRead + Unpin>(output: R, out: mpsc::UnboundedSender<Vec<u8>>) {
    let mut reader = BufReader::new(output);
    while let Ok(Some(body)) = read_server_frame(&mut reader).await {
        if out.send(encode(&body)).is_err() {
            return;
        }
    }
}

/// One frame of the server's own, well-formed output.
async fn read_server_frame<R: AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut length = None;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end();
        if line.is_empty() {
            if length.is_some() {
                break;
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            }
        }
    }
    let mut body = vec![0; length.unwrap_or_default()];
    reader.read_exact(&mut body).await?;
    Ok(Some(body))
}

/// Writes queued frames to `stdout`, one whole frame at a time.
pub async fn write_output<W: AsyncWrite + Unpin>(
    mut rx: mpsc::UnboundedReceiver<Vec<u8>>,
    mut stdout: W,
) {
    while let Some(frame) = rx.recv().await {
        if stdout.write_all(&frame).await.is_err() || stdout.flush().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::jsonrpc::{Request, Response};

    const GOOD: &[u8] =
        b"Content-Length: 38\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ok\"}";

    /// A frame as a short string: `B:body`, `X` (broken) or `X:json`.
    fn show(frame: &Frame) -> String {
        match frame {
            Frame::Body(body) => format!("B:{}", String::from_utf8_lossy(body)),
            Frame::Broken { json: None, .. } => "X".into(),
            Frame::Broken { json: Some(j), .. } => format!("X:{}", String::from_utf8_lossy(j)),
        }
    }

    async fn frames(input: &[u8]) -> Vec<String> {
        frames_from(input).await
    }

    async fn frames_from(input: impl AsyncRead + Unpin) -> Vec<String> {
        let mut reader = FrameReader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = reader.next_frame().await.unwrap() {
            out.push(show(&frame));
        }
        out
    }

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[tokio::test]
    async fn every_kind_of_broken_frame_is_reported_and_the_next_frame_is_read() {
        let good = "B:{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ok\"}";
        let id1 = br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#;
        let id1_shown = format!("X:{}", String::from_utf8_lossy(id1));
        let long_line = cat(&[b"X-Junk: ", &[b'a'; 5000]]);
        let deep = [b'['; 1000];
        let table: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
            ("plain", GOOD.to_vec(), vec![good]),
            (
                "content type, lower case, LF only",
                cat(&[
                    b"content-length: 2\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\n{}",
                    GOOD,
                ]),
                vec!["B:{}", good],
            ),
            ("blank lines between frames", cat(&[b"\r\n\r\n", GOOD, b"\n", GOOD]), vec![good, good]),
            ("negative length", cat(&[b"Content-Length: -5\r\n\r\n", id1, GOOD]), vec![&id1_shown, good]),
            ("length too small", cat(&[b"Content-Length: 3\r\n\r\n", id1, GOOD]), vec![&id1_shown, good]),
            ("length 0", cat(&[b"Content-Length: 0\r\n\r\n", id1, GOOD]), vec![&id1_shown, good]),
            ("length 0, no body", cat(&[b"Content-Length: 0\r\n\r\n", GOOD]), vec!["X", good]),
            ("length larger by 1000", cat(&[b"Content-Length: 1037\r\n\r\n", id1, GOOD]), vec![&id1_shown, good]),
            ("2^64-1, no body", cat(&[b"Content-Length: 18446744073709551615\r\n\r\n", GOOD]), vec!["X", good]),
            ("2^70", cat(&[b"Content-Length: 1180591620717411303424\r\n\r\n", GOOD]), vec!["X", good]),
            ("300,000,000, no body", cat(&[b"Content-Length: 300000000\r\n\r\n", GOOD]), vec!["X", good]),
            ("larger, body not JSON", cat(&[b"Content-Length: 500\r\n\r\nhello", GOOD]), vec!["X", good]),
            ("exact, body not JSON", cat(&[b"Content-Length: 5\r\n\r\nhello", GOOD]), vec!["B:hello", good]),
            ("larger, cut inside a string", cat(&[b"Content-Length: 500\r\n\r\n{\"a\":\"xy", GOOD]), vec!["X", good]),
            ("exact, cut JSON", cat(&[b"Content-Length: 5\r\n\r\n{\"a\":", GOOD]), vec!["X", good]),
            ("cut inside an escape", cat(&[b"Content-Length: 500\r\n\r\n{\"a\":\"\\", GOOD]), vec!["X", good]),
            ("two messages in one frame", cat(&[b"Content-Length: 4\r\n\r\n{}{}", GOOD]), vec!["X:{}", "X", good]),
            ("nesting too deep, length larger", cat(&[b"Content-Length: 2000\r\n\r\n", &deep, GOOD]), vec!["X", good]),
            ("not a header", cat(&[b"{\"jsonrpc\":\"2.0\"}\r\n", GOOD]), vec!["X", good]),
            ("junk glued before a header", cat(&[b"X-Junk: aaa", GOOD]), vec!["X", good]),
            ("half a header glued before one", cat(&[b"Content-Le", GOOD]), vec!["X", good]),
            ("a second Content-Length", cat(&[b"Content-Length: 5\r\n", GOOD]), vec!["X", good]),
            ("no Content-Length", cat(&[b"Content-Type: x\r\n\r\n", GOOD]), vec!["X", good]),
            ("header line too long", cat(&[&long_line, GOOD]), vec!["X", good]),
            ("control byte in a header", cat(&[b"A: \x01\r\n\r\n", GOOD]), vec!["X", good]),
            (
                "a legit body that mentions Content-Length",
                cat(&[b"Content-Length: 34\r\n\r\n{\"t\":\"Content-Length: 9\\r\\n\\r\\nx\"}", GOOD]),
                vec!["B:{\"t\":\"Content-Length: 9\\r\\n\\r\\nx\"}", good],
            ),
            ("trailing whitespace inside the length", cat(&[b"Content-Length: 4\r\n\r\n{}\r\n", GOOD]), vec!["B:{}", good]),
            ("input ends inside a body", b"Content-Length: 50\r\n\r\n{\"a\"".to_vec(), vec!["X"]),
        ];
        for (name, input, want) in table {
            assert_eq!(frames(&input).await, want, "{name}");
        }
    }

    #[tokio::test]
    async fn a_frame_longer_than_its_length_says_is_answered_after_a_pause() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut reader = FrameReader::new(server);
        client
            .write_all(
                b"Content-Length: 1037\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}",
            )
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let frame = reader.next_frame().await.unwrap().unwrap();
        assert!(show(&frame).starts_with("X:{"), "{frame:?}");
        assert!(started.elapsed() >= STALL);
        client.write_all(GOOD).await.unwrap();
        let frame = reader.next_frame().await.unwrap().unwrap();
        assert!(matches!(frame, Frame::Body(_)), "{frame:?}");
    }

    #[tokio::test]
    async fn a_pause_inside_the_next_header_does_not_cut_it() {
        for cut in [5, 10, 17, 19] {
            let (mut client, server) = tokio::io::duplex(1 << 16);
            let mut reader = FrameReader::new(server);
            // A body cut inside a string, then the next frame in two writes.
            client
                .write_all(&[&b"Content-Length: 12\r\n\r\n{\"a\":\"x"[..], &GOOD[..cut]].concat())
                .await
                .unwrap();
            let frame = reader.next_frame().await.unwrap().unwrap();
            assert_eq!(show(&frame), "X", "cut at {cut}");
            client.write_all(&GOOD[cut..]).await.unwrap();
            let frame = reader.next_frame().await.unwrap().unwrap();
            assert!(matches!(frame, Frame::Body(_)), "cut at {cut}: {frame:?}");
        }
    }

    #[tokio::test]
    async fn a_body_split_across_slow_writes_is_read_whole() {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let mut reader = FrameReader::new(server);
        let writer = tokio::spawn(async move {
            for piece in GOOD.chunks(7) {
                client.write_all(piece).await.unwrap();
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            client
        });
        let frame = reader.next_frame().await.unwrap().unwrap();
        assert_eq!(
            show(&frame),
            "B:{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ok\"}"
        );
        drop(writer.await.unwrap());
        assert_eq!(reader.next_frame().await.unwrap(), None);
    }

    #[tokio::test]
    async fn junk_without_a_line_break_is_not_kept() {
        let mut input = vec![b'a'; 8 * 1024 * 1024];
        input.extend_from_slice(GOOD);
        let mut reader = FrameReader::new(&input[..]);
        assert!(matches!(
            reader.next_frame().await.unwrap(),
            Some(Frame::Broken { .. })
        ));
        assert!(matches!(
            reader.next_frame().await.unwrap(),
            Some(Frame::Body(_))
        ));
        assert!(
            reader.buf.capacity() < 1024 * 1024,
            "{}",
            reader.buf.capacity()
        );
    }

    /// Input that arrives in reads of 1 to 300 bytes, so that frames and
    /// headers are cut at every possible place.
    struct Trickle {
        data: Vec<u8>,
        at: usize,
        seed: u64,
    }

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            self.seed ^= self.seed << 13;
            self.seed ^= self.seed >> 7;
            self.seed ^= self.seed << 17;
            let n = (1 + self.seed % 300) as usize;
            let n = n.min(buf.remaining()).min(self.data.len() - self.at);
            let at = self.at;
            buf.put_slice(&self.data[at..at + n]);
            self.at += n;
            std::task::Poll::Ready(Ok(()))
        }
    }

    /// Random garbage before every valid frame: each valid frame still comes
    /// out whole, whatever came before it.
    #[tokio::test]
    async fn fuzz_garbage_never_costs_the_next_valid_frame() {
        let mut seed: u64 = std::env::var("PROVENANCE_FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0x2545_f491_4f6c_dd1d);
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let pieces: &[&[u8]] = &[
            b"Content-Length: ",
            b"content-length:",
            b"Content-Le",
            b"Content-Type: x",
            b"X-A: b",
            b"\r\n",
            b"\r\n\r\n",
            b"\n",
            b" ",
            b"-5",
            b"0",
            b"18446744073709551615",
            b"300000000",
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b":",
            b",",
            b"{\"a\":",
            b"{\"a\":\"x",
            b"1e3",
            b"true",
            br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#,
            b"\x00",
            b"\xe2\x82",
            b"\x7f",
        ];
        let mut input = Vec::new();
        let mut want = Vec::new();
        let count: usize = std::env::var("PROVENANCE_FUZZ_FRAMES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000);
        for i in 0..count {
            for _ in 0..next(6) {
                match next(4) {
                    0 => input.extend((0..next(12)).map(|_| next(256) as u8)),
                    1 => input.extend_from_slice(next(1000).to_string().as_bytes()),
                    _ => input.extend_from_slice(pieces[next(pieces.len())]),
                }
            }
            let body = format!(r#"{{"jsonrpc":"2.0","id":{},"method":"ok"}}"#, 1000 + i);
            input.extend_from_slice(&encode(body.as_bytes()));
            want.push(format!("B:{body}"));
        }
        let trickle = Trickle {
            data: input.clone(),
            at: 0,
            seed,
        };
        let got: std::collections::HashSet<String> = frames_from(trickle)
            .await
            .into_iter()
            .filter(|f| f.contains("\"method\":\"ok\""))
            .collect();
        let missing: Vec<_> = want.iter().filter(|w| !got.contains(*w)).collect();
        if let Some(first) = missing.first() {
            let body = &first.as_bytes()[2..];
            let at = input.windows(body.len()).position(|w| w == body).unwrap();
            let before = String::from_utf8_lossy(&input[at.saturating_sub(200)..at + body.len()]);
            panic!(
                "{} frames lost; the first with what came before it: {before:?}",
                missing.len()
            );
        }
    }

    /// tower-lsp-server's own message type: what it decodes, it serves.
    #[derive(Deserialize)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Message {
        Response(Response),
        Request(Request),
    }

    #[test]
    fn checks_what_tower_lsp_server_could_not_decode() {
        // (body, Some(error code and reply id) | None = passed on)
        let table: &[(&str, Option<(i64, Value)>)] = &[
            (r#"{"jsonrpc":"2.0","id":1,"method":"x"}"#, None),
            (
                r#"{"jsonrpc":"2.0","id":"a","method":"x","params":{"a":1,"a":2}}"#,
                None,
            ),
            (
                r#"{"jsonrpc":"2.0","id":-9223372036854775808,"method":"x"}"#,
                None,
            ),
            (r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#, None),
            (r#"{"jsonrpc":"2.0","method":"x"}"#, None),
            (
                r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#,
                None,
            ),
            (r#"{"jsonrpc":"2.0","id":1,"result":null}"#, None),
            (
                r#"{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","extra":2}}"#,
                None,
            ),
            (r#"{"jsonrpc":"2.0","id":1,"error":{"code":"x"}}"#, None),
            (
                r#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1e3,"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":true,"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":[1],"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":9223372036854775808,"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}"#,
                Some((-32600, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":3,"method":"x","method":"y"}"#,
                Some((-32600, json!(3))),
            ),
            (
                r#"{"jsonrpc":"2.0","jsonrpc":"2.0","id":4,"method":"x"}"#,
                Some((-32600, json!(4))),
            ),
            (
                r#"{"jsonrpc":"2.0","id":5,"method":"x","params":1,"params":2}"#,
                Some((-32600, json!(5))),
            ),
            (
                r#"{"jsonrpc":"2.0","id":6,"method":"x","result":1}"#,
                Some((-32600, json!(6))),
            ),
            (
                r#"{"jsonrpc":"2.0","id":7,"method":"$/nope"}"#,
                Some((-32601, json!(7))),
            ),
            (
                r#"{"jsonrpc":"1.0","id":8,"method":"x"}"#,
                Some((-32600, json!(8))),
            ),
            (r#"{"id":8,"method":"x"}"#, Some((-32600, json!(8)))),
            (
                r#"{"jsonrpc":"2.0","id":10,"method":5}"#,
                Some((-32600, json!(10))),
            ),
            (r#"{"jsonrpc":"2.0","id":11}"#, Some((-32600, json!(11)))),
            (
                r#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#,
                Some((-32600, Value::Null)),
            ),
            ("5", Some((-32600, Value::Null))),
            ("\"text\"", Some((-32600, Value::Null))),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"#,
                Some((-32700, Value::Null)),
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"x","params":"\ud800"}"#,
                Some((-32700, Value::Null)),
            ),
            ("{} {}", Some((-32700, Value::Null))),
            ("\u{ff}", Some((-32700, Value::Null))),
        ];
        for (body, want) in table {
            let verdict = check(body.as_bytes());
            let passed = match &verdict {
                Verdict::Forward => Some(body.as_bytes().to_vec()),
                Verdict::Rewrite(body) => Some(body.clone()),
                Verdict::Answer(_) | Verdict::Drop(_) => None,
            };
            if let Some(passed) = &passed {
                assert!(
                    serde_json::from_slice::<Message>(passed).is_ok(),
                    "{body}: passed on but tower-lsp-server cannot decode it"
                );
            }
            let got = match verdict {
                Verdict::Answer(e) => Some((e["error"]["code"].as_i64().unwrap(), e["id"].clone())),
                _ => None,
            };
            assert_eq!(&got, want, "{body}");
        }
        assert!(matches!(
            check(br#"{"jsonrpc":"2.0","error":{"code":1,"message":"m"}}"#),
            Verdict::Drop(_)
        ));
    }

    #[test]
    fn broken_frames_are_answered_with_their_id_when_they_have_one() {
        let reply = broken_reply("why", Some(br#"{"jsonrpc":"2.0","id":"q","method":"x"}"#));
        assert_eq!(reply.unwrap()["id"], "q");
        assert_eq!(
            broken_reply("why", Some(br#"{"jsonrpc":"2.0","method":"x"}"#)),
            None
        );
        assert_eq!(broken_reply("why", None).unwrap()["error"]["code"], -32700);
    }
}
