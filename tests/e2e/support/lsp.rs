//! A small LSP client over the real binary's stdio: framed JSON-RPC, a reader
//! thread, server→client requests answered with `null`, and helpers that
//! wait for a response or a notification.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const TIMEOUT: Duration = Duration::from_secs(20);

/// An LSP range as ((start line, start character), (end line, end character)).
pub type Span = ((u32, u32), (u32, u32));

pub struct Client {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    incoming: Receiver<Value>,
    /// Messages read but not yet asked for.
    backlog: VecDeque<Value>,
    next_id: i64,
    pub stderr: Arc<Mutex<String>>,
    /// What `workspace/configuration` is answered with, per item.
    configuration: Arc<Mutex<Value>>,
}

pub fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

impl Client {
    /// Starts the binary in `cwd` with HOME set to `home`.
    pub fn spawn(cwd: &Path, home: &Path) -> Client {
        Self::spawn_with(cwd, home, &[])
    }

    pub fn spawn_with(cwd: &Path, home: &Path, args: &[&str]) -> Client {
        let mut child = Command::new(super::binary())
            .args(args)
            .current_dir(cwd)
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PROVENANCE_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn provenance-ls");
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let stderr_pipe = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        {
            let stderr = stderr.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr_pipe).lines().map_while(Result::ok) {
                    let mut log = stderr.lock().unwrap();
                    log.push_str(&line);
                    log.push('\n');
                }
            });
        }
        let (tx, rx) = mpsc::channel();
        let configuration = Arc::new(Mutex::new(Value::Null));
        {
            let stdin = stdin.clone();
            let configuration = configuration.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stdout);
                while let Some(message) = read_frame(&mut reader) {
                    // Answer server→client requests so the server never waits.
                    if message.get("id").is_some() && message.get("method").is_some() {
                        let result = if message["method"] == "workspace/configuration" {
                            let items = message["params"]["items"].as_array().map_or(1, Vec::len);
                            let answer = configuration.lock().unwrap().clone();
                            Value::Array(vec![answer; items])
                        } else {
                            Value::Null
                        };
                        let reply =
                            json!({"jsonrpc": "2.0", "id": message["id"], "result": result});
                        let _ = write_frame(&mut *stdin.lock().unwrap(), &reply);
                    }
                    if tx.send(message).is_err() {
                        break;
                    }
                }
            });
        }
        Client {
            child,
            stdin,
            incoming: rx,
            backlog: VecDeque::new(),
            next_id: 1,
            stderr,
            configuration,
        }
    }

    /// From now on, answer `workspace/configuration` with `value` per item
    /// (`null`, the default, says "nothing configured").
    pub fn answer_configuration(&self, value: Value) {
        *self.configuration.lock().unwrap() = value;
    }

    /// `initialize` + `initialized` for one workspace folder.
    pub fn initialize(&mut self, root: &Path, options: Value) -> Value {
        self.initialize_with(root, options, json!({}))
    }

    pub fn initialize_with(&mut self, root: &Path, options: Value, capabilities: Value) -> Value {
        let uri = file_uri(root);
        let result = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "root"}],
                "capabilities": capabilities,
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response; panics on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params);
        if let Some(error) = response.get("error") {
            panic!("{method} failed: {error}\nserver log:\n{}", self.log());
        }
        response["result"].clone()
    }

    /// Sends a request and returns the whole response (result or error).
    pub fn request_raw(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
            .unwrap_or_else(|| panic!("no response to {method}\nserver log:\n{}", self.log()))
    }

    /// Waits for a message matching `pred`, keeping the others for later.
    pub fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if pred(&message) => return Some(message),
                Ok(message) => self.backlog.push_back(message),
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    return None
                }
            }
        }
    }

    /// Waits for a notification `method` whose params satisfy `pred`.
    pub fn wait_notification(&mut self, method: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let found =
            self.wait_for(|m| m["method"] == method && m.get("id").is_none() && pred(&m["params"]));
        match found {
            Some(message) => message["params"].clone(),
            None => panic!("no {method} notification\nserver log:\n{}", self.log()),
        }
    }

    /// Every message received so far and not yet asked for, without waiting.
    pub fn received(&mut self) -> Vec<Value> {
        while let Ok(message) = self.incoming.try_recv() {
            self.backlog.push_back(message);
        }
        self.backlog.iter().cloned().collect()
    }

    /// Drops every notification received so far.
    pub fn drain(&mut self) {
        self.backlog.clear();
        while self.incoming.try_recv().is_ok() {}
    }

    pub fn open(&mut self, uri: &str, language: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}}),
        );
    }

    /// Sends one incremental change: replace `range` ((line, char), (line, char)) by `text`.
    pub fn change(&mut self, uri: &str, version: i32, range: Span, text: &str) {
        self.changes(uri, version, vec![(range, text)]);
    }

    pub fn changes(&mut self, uri: &str, version: i32, edits: Vec<(Span, &str)>) {
        let changes: Vec<Value> = edits
            .into_iter()
            .map(|(((sl, sc), (el, ec)), text)| {
                json!({"range": {"start": {"line": sl, "character": sc}, "end": {"line": el, "character": ec}}, "text": text})
            })
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    pub fn edit_source(&mut self, uri: &str, version: i32, source: &str, agent: Option<&str>) {
        self.notify(
            "provenance/editSource",
            json!({"textDocument": {"uri": uri, "version": version}, "source": source, "agent": agent}),
        );
    }

    /// `provenance/regions` for `uri`.
    pub fn regions(&mut self, uri: &str) -> Value {
        self.request("provenance/regions", json!({"textDocument": {"uri": uri}}))
    }

    pub fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    /// Writes raw bytes to the server's stdin (for malformed-input tests).
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let mut stdin = self.stdin.lock().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: &Value) {
        write_frame(&mut *self.stdin.lock().unwrap(), message).expect("write to server");
    }

    /// `shutdown` + `exit`, then waits for the process.
    pub fn shutdown(mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    /// SIGKILL, like a crash.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not exit\nserver log:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The server's process id (to read its memory use from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    pub fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Client {
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
