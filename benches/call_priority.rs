//! A member's platform call while an order backfill keeps the union's QPS budget busy: the latency of the call
//! in the member lane (priority over waiting background calls) against the same call queued like the backfill
//! (how every call was queued before priorities). The budget is 100 calls/s so that a run takes seconds; at the
//! default 10 calls/s every figure is ten times larger.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use dealbot::affiliate::AffiliateError;
use dealbot::affiliate::guard::{CallGuard, Priority, with_priority};
use dealbot::platform::Platform;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const QPS: u32 = 100;
/// Backfill windows fetched at once (each caller always waits for its next call).
const BACKFILL_CALLERS: usize = 10;

async fn one_call(guard: &CallGuard) {
    guard.run(|| async { Ok::<(), AffiliateError>(()) }).await.unwrap();
}

fn member_call_during_backfill(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("member_call_during_backfill");
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    for (name, lane) in [("member_lane", Priority::Member), ("backfill_lane", Priority::OrderSync)] {
        let guard = Arc::new(CallGuard::new(Platform::Pdd, QPS, 1, Duration::from_millis(1)));
        let stop = Arc::new(AtomicBool::new(false));
        for _ in 0..BACKFILL_CALLERS {
            let (guard, stop) = (guard.clone(), stop.clone());
            rt.spawn(with_priority(Priority::OrderSync, async move {
                while !stop.load(Ordering::Relaxed) {
                    one_call(&guard).await;
                }
            }));
        }
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let start = Instant::now();
                        with_priority(lane, one_call(&guard)).await;
                        total += start.elapsed();
                    }
                    total
                })
            })
        });
        stop.store(true, Ordering::Relaxed);
    }
    group.finish();
}

criterion_group!(benches, member_call_during_backfill);
criterion_main!(benches);
