//! A send the gateway delivered but does not answer yet, until the test lets it ([`GeweSim::hold_answer`]): the
//! moment between the gateway accepting a message and the client hearing so, where a sender that dies leaves a
//! message out that it never recorded as sent.

use std::sync::Arc;
use tokio::sync::{Notify, watch};

/// The handle of one held send.
#[derive(Clone)]
pub struct HeldSend {
    /// The held message's index in [`super::GeweSim::sent`], once it was delivered.
    delivered: Arc<watch::Sender<Option<usize>>>,
    release: Arc<Notify>,
}

impl HeldSend {
    fn new() -> HeldSend {
        HeldSend { delivered: Arc::new(watch::channel(None).0), release: Arc::new(Notify::new()) }
    }

    /// Waits until the held send was delivered; returns its index in [`super::GeweSim::sent`].
    pub async fn delivered(&self) -> usize {
        let mut rx = self.delivered.subscribe();
        let index = rx.wait_for(Option::is_some).await.ok().and_then(|v| *v);
        index.unwrap_or_default()
    }

    /// Lets the gateway answer the held call (to whoever still listens).
    pub fn release(&self) {
        self.release.notify_one();
    }

    /// In the send call: the message at `index` is out; answers only once released.
    pub(super) async fn hold(&self, index: usize) {
        self.delivered.send_replace(Some(index));
        self.release.notified().await;
    }
}

/// The send to hold, counted in deliveries.
#[derive(Default)]
pub(super) struct Slot {
    pending: Option<(usize, HeldSend)>,
}

impl Slot {
    /// Holds the `nth` delivery from now on (1: the next one).
    pub(super) fn arm(&mut self, nth: usize) -> HeldSend {
        let held = HeldSend::new();
        self.pending = Some((nth.max(1), held.clone()));
        held
    }

    /// One more message was delivered: the held send's handle when it is this one.
    pub(super) fn on_delivered(&mut self) -> Option<HeldSend> {
        let (left, _) = self.pending.as_mut()?;
        *left -= 1;
        if *left > 0 {
            return None;
        }
        self.pending.take().map(|(_, held)| held)
    }
}
