//! `$/progress` for a cold index: a work-done token created with
//! `window/workDoneProgress/create` when the client supports it, then
//! percentages (commits walked of the commits to walk, as the history walk
//! tells `Insights`) until the index lands. Must never make indexing wait on
//! the client: a client that does not answer the create request gets none.

use std::future::Future;
use std::time::Duration;

use tower_lsp_server::ls_types::{ProgressToken, WorkDoneProgressCreateParams};
use tower_lsp_server::{Bounded, NotCancellable, OngoingProgress};

use super::state::ServerState;

/// The walk reports often; the client hears of each whole percent at most
/// this often.
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Runs `indexing` (the index of document `doc`, shown as `name`),
/// reporting its progress to the client meanwhile.
pub async fn while_indexing<T>(
    state: &ServerState,
    doc: &str,
    name: &str,
    indexing: impl Future<Output = T>,
) -> T {
    let mut walked = state.insights.watch_progress(doc);
    let Some(progress) = begin(state, name).await else {
        return indexing.await;
    };
    tokio::pin!(indexing);
    let mut shown = 0;
    let found = loop {
        tokio::select! {
            found = &mut indexing => break found,
            changed = walked.changed() => {
                if changed.is_err() {
                    break indexing.await;
                }
                let (done, total) = *walked.borrow_and_update();
                let percent = percentage(done, total);
                if percent > shown {
                    shown = percent;
                    progress
                        .report_with_message(format!("{name}: {done} of {total} commits"), percent)
                        .await;
                    tokio::time::sleep(REPORT_EVERY).await;
                }
            }
        }
    };
    // A walk that ended between two reports: say where it ended.
    let (done, total) = *walked.borrow();
    let percent = percentage(done, total);
    if percent > shown {
        progress
            .report_with_message(format!("{name}: {done} of {total} commits"), percent)
            .await;
    }
    progress.finish().await;
    found
}

/// Whole percent of `done` out of `total`, 0 for an empty walk.
fn percentage(done: u64, total: u64) -> u32 {
    if total == 0 {
        return 0;
    }
    (done.min(total) * 100 / total) as u32
}

async fn begin(
    state: &ServerState,
    name: &str,
) -> Option<OngoingProgress<Bounded, NotCancellable>> {
    if !state.client_has_progress() {
        return None;
    }
    let token = ProgressToken::String(format!("provenance-index-{}", super::handlers::now_ms()));
    let created = tokio::time::timeout(
        Duration::from_secs(5),
        state
            .client
            .send_request::<tower_lsp_server::ls_types::request::WorkDoneProgressCreate>(
                WorkDoneProgressCreateParams {
                    token: token.clone(),
                },
            ),
    )
    .await;
    if !matches!(created, Ok(Ok(()))) {
        return None;
    }
    Some(
        state
            .client
            .progress(token, "Indexing history")
            .with_message(name.to_string())
            .with_percentage(0)
            .begin()
            .await,
    )
}

#[cfg(test)]
mod tests {
    use super::percentage;

    #[test]
    fn percent_of_commits_walked() {
        assert_eq!(percentage(0, 0), 0);
        assert_eq!(percentage(0, 200), 0);
        assert_eq!(percentage(1, 200), 0);
        assert_eq!(percentage(100, 200), 50);
        assert_eq!(percentage(200, 200), 100);
        assert_eq!(percentage(300, 200), 100);
    }
}
