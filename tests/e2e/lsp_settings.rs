//! Settings and notifications as clients really send them: eglot and coc
//! send an empty `didChangeConfiguration` right after start, clients that
//! answer `workspace/configuration` are asked, and `provenance/*`
//! notifications go only to clients that opted in.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::git::Repo;
use crate::support::lsp::{file_uri, Client};

fn repository() -> Repo {
    let mut repo = Repo::new();
    repo.write("src/lib.rs", "fn parse() -> u32 {\n    1\n}\n");
    repo.commit("Add the parser");
    repo
}

fn start(repo: &Repo, options: Value, capabilities: Value) -> (Client, String) {
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.initialize_with(&repo.path(), options, capabilities);
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, &repo.read("src/lib.rs"));
    (client, uri)
}

fn lenses(client: &mut Client, uri: &str) -> Value {
    client.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    )
}

fn inlay_hints(client: &mut Client, uri: &str) -> Value {
    client.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}),
    )
}

/// Asks again until `pred` holds (settings pulled from the client land a
/// moment after the request that brought them), failing after 10 s.
fn until(client: &mut Client, what: &str, mut ask: impl FnMut(&mut Client) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ask(client) {
        assert!(Instant::now() < deadline, "{what}\n{}", client.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `workspace/didChangeConfiguration` and waits until it was applied
/// (the server republishes every open document after one).
fn change_configuration(client: &mut Client, settings: Value) {
    client.drain();
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": settings }),
    );
    client.wait_notification("textDocument/publishDiagnostics", |_| true);
}

fn has_one_hint(hints: &Value) -> bool {
    hints.as_array().is_some_and(|h| h.len() == 1)
}

#[test]
fn an_empty_did_change_configuration_keeps_the_initialization_options() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({"hints": {"style": "inlay"}}), json!({}));
    until(&mut client, "inlay hints from initializationOptions", |c| {
        has_one_hint(&inlay_hints(c, &uri))
    });
    assert!(lenses(&mut client, &uri).is_null());

    // What eglot and coc send right after start.
    change_configuration(&mut client, json!({}));
    assert!(has_one_hint(&inlay_hints(&mut client, &uri)));
    assert!(lenses(&mut client, &uri).is_null(), "{}", client.log());

    // A partial object changes only what it names.
    change_configuration(
        &mut client,
        json!({"provenance": {"diagnostics": {"severity": "warning"}}}),
    );
    assert!(has_one_hint(&inlay_hints(&mut client, &uri)));
    assert!(lenses(&mut client, &uri).is_null());

    change_configuration(
        &mut client,
        json!({"provenance": {"hints": {"style": "codeLens"}}}),
    );
    assert!(inlay_hints(&mut client, &uri).is_null());
    assert!(has_one_hint(&lenses(&mut client, &uri)));
}

#[test]
fn workspace_configuration_is_pulled_from_clients_that_answer_it() {
    let repo = repository();
    let mut client = Client::spawn(&repo.path(), &repo.home());
    client.answer_configuration(json!({"hints": {"style": "inlay"}}));
    client.initialize_with(
        &repo.path(),
        json!({}),
        json!({"workspace": {"configuration": true}}),
    );
    let asked = client
        .wait_for(|m| m["method"] == "workspace/configuration")
        .expect("the server asks for its settings after initialized");
    assert_eq!(asked["params"]["items"][0]["section"], "provenance");
    let uri = file_uri(&repo.file("src/lib.rs"));
    client.open(&uri, "rust", 1, &repo.read("src/lib.rs"));
    until(&mut client, "settings from workspace/configuration", |c| {
        lenses(c, &uri).is_null() && has_one_hint(&inlay_hints(c, &uri))
    });

    // `settings: null` is the "pull me" form of didChangeConfiguration.
    client.answer_configuration(json!({"hints": {"style": "codeLens"}}));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    until(&mut client, "settings pulled again after a change", |c| {
        inlay_hints(c, &uri).is_null() && has_one_hint(&lenses(c, &uri))
    });
}

/// A paste, then the diagnostics published after it: everything the server
/// sends about the paste has arrived by then.
fn paste_and_collect(client: &mut Client, uri: &str) -> Vec<Value> {
    client.edit_source(uri, 2, "pasted", None);
    client.change(
        uri,
        2,
        ((3, 0), (3, 0)),
        "fn b() {\n    2\n}\n\nfn c() {\n}\n",
    );
    client.wait_notification("textDocument/publishDiagnostics", |p| p["version"] == 2);
    client.received()
}

fn custom_notifications(messages: &[Value]) -> Vec<&Value> {
    messages
        .iter()
        .filter(|m| m.get("id").is_none())
        .filter(|m| {
            m["method"]
                .as_str()
                .is_some_and(|s| s.starts_with("provenance/"))
        })
        .collect()
}

#[test]
fn provenance_notifications_only_go_to_clients_that_opt_in() {
    let repo = repository();
    let (mut client, uri) = start(&repo, json!({}), json!({}));
    let sent = paste_and_collect(&mut client, &uri);
    assert_eq!(custom_notifications(&sent), Vec::<&Value>::new());
    // The regions are still there to ask for.
    let regions = client.regions(&uri);
    assert_eq!(regions["regions"][0]["source"], "pasted");

    let (mut client, uri) = start(
        &repo,
        json!({}),
        json!({"experimental": {"customNotifications": true}}),
    );
    let sent = paste_and_collect(&mut client, &uri);
    let notes = custom_notifications(&sent);
    assert!(
        notes
            .iter()
            .any(|m| m["method"] == "provenance/regionsChanged" && m["params"]["version"] == 2),
        "{sent:?}"
    );

    let (mut client, uri) = start(
        &repo,
        json!({"provenance": {"customNotifications": true}}),
        json!({}),
    );
    let sent = paste_and_collect(&mut client, &uri);
    assert!(!custom_notifications(&sent).is_empty(), "{sent:?}");
}

#[test]
fn the_blame_cache_lives_under_journal_path_when_it_is_set() {
    let repo = repository();
    let elsewhere = tempfile::tempdir().unwrap();
    let (mut client, uri) = start(
        &repo,
        json!({"journal": {"path": elsewhere.path()}}),
        json!({}),
    );
    until(&mut client, "history read", |c| {
        lenses(c, &uri).as_array().is_some_and(|l| !l.is_empty())
    });
    let caches: Vec<_> = std::fs::read_dir(elsewhere.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().join("cache").is_dir())
        .collect();
    assert_eq!(caches.len(), 1, "one repository's cache under journal.path");
    let in_git = repo.git_dir().join("provenance").join("cache");
    assert!(!in_git.exists(), "{} was written", in_git.display());
}
