//! Group commit: concurrent callers hand their writes to one task that applies everything waiting in a single
//! statement or transaction. Under load this turns thousands of tiny writes per second into a few hundred
//! commits, which is what lets one SQLite writer keep up with the webhook.

use super::StoreError;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

type Reply<O> = oneshot::Sender<Result<O, StoreError>>;

/// A handle to a batching task. Cloning shares the task.
pub struct Batcher<I, O> {
    tx: mpsc::Sender<(I, Reply<O>)>,
}

impl<I, O> Clone for Batcher<I, O> {
    fn clone(&self) -> Self {
        Batcher { tx: self.tx.clone() }
    }
}

impl<I, O> std::fmt::Debug for Batcher<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Batcher")
    }
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the task. `apply` receives up to `max` items and must return one output per item, in order.
    pub fn spawn<F, Fut>(max: usize, apply: F) -> Batcher<I, O>
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<O>, StoreError>> + Send,
    {
        let (tx, mut rx) = mpsc::channel::<(I, Reply<O>)>(max.max(1) * 4);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut items = vec![first.0];
                let mut replies = vec![first.1];
                while items.len() < max {
                    match rx.try_recv() {
                        Ok((item, reply)) => {
                            items.push(item);
                            replies.push(reply);
                        }
                        Err(_) => break,
                    }
                }
                let n = items.len();
                match apply(items).await {
                    Ok(outs) if outs.len() == n => {
                        for (reply, out) in replies.into_iter().zip(outs) {
                            let _ = reply.send(Ok(out));
                        }
                    }
                    Ok(outs) => {
                        let msg = format!("batch returned {} results for {n} items", outs.len());
                        for reply in replies {
                            let _ = reply.send(Err(StoreError::Batch(msg.clone())));
                        }
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        for reply in replies {
                            let _ = reply.send(Err(StoreError::Batch(msg.clone())));
                        }
                    }
                }
            }
        });
        Batcher { tx }
    }

    /// Submits one item and waits for its result.
    pub async fn submit(&self, item: I) -> Result<O, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send((item, reply)).await.map_err(|_| StoreError::Batch("batch writer stopped".into()))?;
        rx.await.map_err(|_| StoreError::Batch("batch writer stopped".into()))?
    }
}
