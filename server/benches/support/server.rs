//! The server over stdio for the benches that drive the real binary
//! (`hover`, `real`): framed JSON-RPC, a reader thread, requests from the
//! server answered with `null` so it never waits on us. A bench cannot import
//! `tests/e2e/support/lsp.rs`, so this is the benches' one copy.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub struct Server {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    incoming: Receiver<Value>,
    backlog: VecDeque<Value>,
    next_id: i64,
    log: PathBuf,
    /// How long a request may wait for its answer before the bench fails.
    timeout: Duration,
}

impl Server {
    /// Takes over `child`'s stdin and stdout; `log` is its stderr file,
    /// shown when an answer does not come within `timeout`.
    pub fn new(mut child: Child, log: PathBuf, timeout: Duration) -> Server {
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = mpsc::channel();
        let replies = stdin.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if message.get("id").is_some() && message.get("method").is_some() {
                    let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": null});
                    let _ = write_frame(&mut *replies.lock().unwrap(), &reply);
                    continue;
                }
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            incoming,
            backlog: VecDeque::new(),
            next_id: 1,
            log,
            timeout,
        }
    }

    #[allow(dead_code)] // each bench uses part of the client
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        let message = json!({"jsonrpc": "2.0", "method": method, "params": params});
        write_frame(&mut *self.stdin.lock().unwrap(), &message).expect("write to server");
    }

    /// Sends a request; its result and the time from sending to the answer.
    pub fn request(&mut self, method: &str, params: Value) -> (Value, Duration) {
        let id = self.next_id;
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        let sent = Instant::now();
        write_frame(&mut *self.stdin.lock().unwrap(), &message).expect("write to server");
        let answer = self.wait_answer(id);
        let elapsed = sent.elapsed();
        if let Some(error) = answer.get("error") {
            panic!("{method} failed: {error}");
        }
        (answer["result"].clone(), elapsed)
    }

    fn wait_answer(&mut self, id: i64) -> Value {
        let is_it = |m: &Value| m.get("id") == Some(&json!(id));
        if let Some(i) = self.backlog.iter().position(is_it) {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self.incoming.recv_timeout(left).unwrap_or_else(|_| {
                let status = self.child.try_wait();
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: String = log.lines().rev().take(30).collect::<Vec<_>>().join("\n");
                panic!("no answer to request {id}; server: {status:?}; log (newest first):\n{tail}")
            });
            if is_it(&message) {
                return message;
            }
            // Notifications (diagnostics, …) are not timed; keep few.
            if self.backlog.len() > 64 {
                self.backlog.pop_front();
            }
            self.backlog.push_back(message);
        }
    }

    /// Hovers at `line`, `character`; the markdown and the time it took.
    pub fn hover(&mut self, uri: &str, line: u32, character: u32) -> (String, Duration) {
        let (result, elapsed) = self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        let text = result["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (text, elapsed)
    }

    pub fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn write_frame(out: &mut impl Write, message: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(message).unwrap();
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)?;
    out.flush()
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}
