//! A guard between stdio and tower-lsp-server. The framed reader inside
//! tower-lsp-server stops reading for good after one undecodable message, so
//! a single malformed frame would leave the server deaf. This guard reads the
//! frames itself: only well-formed JSON-RPC messages reach the server; for
//! anything else it answers with the JSON-RPC error (parse error or invalid
//! request, id null) and goes on with the next frame. Output from the server
//! and the guard's own errors go to stdout through one writer, a frame at a
//! time, so they never interleave.

use serde_json::{json, Value};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::sync::mpsc;

/// Larger frames are skipped as invalid rather than buffered.
const MAX_FRAME: usize = 256 * 1024 * 1024;

/// What one read from the input produced.
#[derive(Debug, PartialEq)]
pub enum Frame {
    /// A complete body, not yet checked.
    Body(Vec<u8>),
    /// Headers without a usable Content-Length, or an oversized frame: skipped.
    Invalid(String),
}

/// Reads the next frame; `None` at the end of the input.
pub async fn read_frame<R: AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<Option<Frame>> {
    let mut length: Option<usize> = None;
    let mut problem = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => problem = Some(format!("bad Content-Length {:?}", value.trim())),
                }
            }
            Some(_) => {}
            None => problem = Some(format!("not a header: {text:?}")),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Frame::Invalid(
            problem.unwrap_or_else(|| "missing Content-Length".into()),
        )));
    };
    if length > MAX_FRAME {
        tokio::io::copy(
            &mut (&mut *reader).take(length as u64),
            &mut tokio::io::sink(),
        )
        .await?;
        return Ok(Some(Frame::Invalid(format!(
            "frame of {length} bytes is too large"
        ))));
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await?;
    Ok(Some(Frame::Body(body)))
}

/// Why a body must not reach the server, as a JSON-RPC error response.
pub fn rejection(body: &[u8]) -> Option<Value> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Some(error_response(
                Value::Null,
                -32700,
                &format!("Parse error: {e}"),
            ))
        }
    };
    let valid = value.is_object()
        && value.get("jsonrpc") == Some(&json!("2.0"))
        && (value.get("method").is_some_and(Value::is_string)
            || value.get("result").is_some()
            || value.get("error").is_some());
    if valid {
        return None;
    }
    let id = value
        .get("id")
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
        .unwrap_or(Value::Null);
    Some(error_response(
        id,
        -32600,
        "Invalid request: not a JSON-RPC 2.0 message",
    ))
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

pub fn encode(body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// Reads client frames from `input`; passes good ones to `server`, answers
/// bad ones through `out`. Ends at the end of the input.
pub async fn guard_input<R, W>(input: R, mut server: W, out: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(input);
    loop {
        match read_frame(&mut reader).await {
            Ok(Some(Frame::Body(body))) => match rejection(&body) {
                None => {
                    if server.write_all(&encode(&body)).await.is_err() {
                        return;
                    }
                }
                Some(error) => {
                    tracing::warn!(
                        "rejected a malformed message: {}",
                        error["error"]["message"]
                    );
                    let _ = out.send(encode(error.to_string().as_bytes()));
                }
            },
            Ok(Some(Frame::Invalid(why))) => {
                tracing::warn!("skipped a malformed frame: {why}");
                let error = error_response(Value::Null, -32700, &format!("Parse error: {why}"));
                let _ = out.send(encode(error.to_string().as_bytes()));
            }
            Ok(None) | Err(_) => return,
        }
    }
}

/// Splits the server's output into frames and queues them for the writer.
pub async fn forward_output<R: AsyncRead + Unpin>(output: R, out: mpsc::UnboundedSender<Vec<u8>>) {
    let mut reader = BufReader::new(output);
    while let Ok(Some(Frame::Body(body))) = read_frame(&mut reader).await {
        if out.send(encode(&body)).is_err() {
            return;
        }
    }
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

    async fn frames(input: &[u8]) -> Vec<Frame> {
        let mut reader = BufReader::new(input);
        let mut out = Vec::new();
        while let Some(frame) = read_frame(&mut reader).await.unwrap() {
            out.push(frame);
        }
        out
    }

    #[tokio::test]
    async fn reads_frames_and_skips_garbage_headers() {
        let input = b"Content-Length: 2\r\n\r\n{}garbage line\r\n\r\nContent-Length: 4\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\nnull";
        let got = frames(input).await;
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], Frame::Body(b"{}".to_vec()));
        assert!(matches!(got[1], Frame::Invalid(_)));
        assert_eq!(got[2], Frame::Body(b"null".to_vec()));
    }

    #[test]
    fn rejects_what_is_not_json_rpc() {
        let table: &[(&[u8], Option<i64>)] = &[
            (br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#, None),
            (br#"{"jsonrpc":"2.0","method":"x"}"#, None),
            (br#"{"jsonrpc":"2.0","id":1,"result":null}"#, None),
            (br#"{"jsonrpc":"2.0","id":1,"method":"#, Some(-32700)),
            (b"\xff\xfe", Some(-32700)),
            (br#"[1,2]"#, Some(-32600)),
            (br#"{"id":3,"method":"x"}"#, Some(-32600)),
            (br#"{"jsonrpc":"2.0","id":3,"method":5}"#, Some(-32600)),
        ];
        for (body, code) in table {
            let got = rejection(body).map(|e| e["error"]["code"].as_i64().unwrap());
            assert_eq!(got, *code, "{}", String::from_utf8_lossy(body));
        }
    }
}
