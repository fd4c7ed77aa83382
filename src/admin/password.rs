//! Password hashing with argon2id (PHC strings). It is slow on purpose and each run needs 19 MiB, so it runs on a
//! fixed set of worker threads (by default one per CPU core, see [`configure`]), each reusing one memory buffer:
//! a flood of bogus logins costs at most that many buffers, and memory stays flat. A caller that finds no free
//! worker within the wait gets [`PasswordError::Busy`] (the login answers 429).

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be 8 to 128 characters")]
    Weak,
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("too many password checks at once")]
    Busy,
}

/// One hash or verification, given the worker's memory.
type Work = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The workers, shared by the whole process: a permit per worker, and the queue they take work from.
struct Slots {
    permits: Semaphore,
    wait: Duration,
    work: mpsc::Sender<Work>,
}

static SLOTS: OnceLock<Slots> = OnceLock::new();

/// Sets how many hashes run at once (0: one per CPU core) and how long a caller waits for a worker. The first
/// call wins; without one, the defaults apply (cores, 2 s).
pub fn configure(at_once: usize, wait: Duration) {
    let _ = SLOTS.get_or_init(|| start(at_once, wait));
}

fn slots() -> &'static Slots {
    SLOTS.get_or_init(|| start(0, Duration::from_secs(2)))
}

fn start(at_once: usize, wait: Duration) -> Slots {
    let n = if at_once > 0 { at_once } else { std::thread::available_parallelism().map_or(2, |n| n.get()) };
    let (work, queue) = mpsc::channel::<Work>();
    let queue = Arc::new(Mutex::new(queue));
    for i in 0..n {
        let queue = queue.clone();
        let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
            let mut memory = Vec::new();
            loop {
                let next = queue.lock().unwrap_or_else(|p| p.into_inner()).recv();
                match next {
                    Ok(job) => job(&mut memory),
                    Err(_) => return,
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start a password worker");
        }
    }
    Slots { permits: Semaphore::new(n), wait, work }
}

/// Runs `f` on a password worker once one is free, or `Err(Busy)` after the wait.
async fn bounded<T: Send + 'static>(f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static) -> Result<T, PasswordError> {
    let s = slots();
    let _permit = match tokio::time::timeout(s.wait, s.permits.acquire()).await {
        Ok(Ok(p)) => p,
        _ => return Err(PasswordError::Busy),
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    s.work
        .send(Box::new(move |memory| {
            let _ = tx.send(f(memory));
        }))
        .map_err(|_| PasswordError::Hash("password workers stopped".into()))?;
    rx.await.map_err(|_| PasswordError::Hash("password worker failed".into()))
}

/// argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane).
fn params() -> Result<Params, PasswordError> {
    Params::new(19 * 1024, 2, 1, None).map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Stored hashes asking for more memory than this (KiB) never match: verifying them would break the bound.
const MAX_MEMORY_KIB: usize = 64 * 1024;

/// Runs argon2 into `out` in `memory` (grown once to the size needed, wiped after use).
fn run(argon: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8], memory: &mut Vec<Block>) -> bool {
    let blocks = argon.params().block_count();
    if blocks > MAX_MEMORY_KIB {
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let ok = argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks]).is_ok();
    memory[..blocks].fill(Block::default());
    ok
}

/// Checks length bounds (characters, not bytes).
pub fn check_strength(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if (8..=128).contains(&n) { Ok(()) } else { Err(PasswordError::Weak) }
}

/// A PHC string (`$argon2id$v=19$…`) for `password` with a fresh random salt.
fn hash(password: &str, memory: &mut Vec<Block>) -> Result<String, PasswordError> {
    check_strength(password)?;
    let err = |e: argon2::password_hash::Error| PasswordError::Hash(e.to_string());
    let params = params()?;
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(err)?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(err)?;
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    if !run(&argon, password.as_bytes(), salt_bytes, &mut out, memory) {
        return Err(PasswordError::Hash("argon2 failed".into()));
    }
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(err)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(err)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string; a malformed hash never matches.
fn verify(password: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(parsed.algorithm), Params::try_from(&parsed)) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else { return false };
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    run(&argon, password.as_bytes(), salt_bytes, &mut out, memory) && bool::from(out.ct_eq(expected.as_bytes()))
}

/// [`hash`] on a password worker.
pub async fn hash_async(password: String) -> Result<String, PasswordError> {
    bounded(move |memory| hash(&password, memory)).await?
}

/// [`verify`] on a password worker. With no stored hash a dummy hash is checked, so unknown user names take as
/// long as wrong passwords. `Err(Busy)`: no worker came free in time; nothing was verified.
pub async fn verify_async(password: String, phc: Option<String>) -> Result<bool, PasswordError> {
    bounded(move |memory| match phc {
        Some(p) => verify(&password, &p, memory),
        None => {
            let _ = verify(&password, DUMMY_HASH, memory);
            false
        }
    })
    .await
}

/// The hash of a random password nobody knows, with the same parameters as real hashes.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$K4N0vXqk6m3Tn1Dd0bqzG2qXvNQ1m5a6Y1pT8s8m4Yw";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let mut m = Vec::new();
        let a = hash("correct horse", &mut m).unwrap();
        let b = hash("correct horse", &mut m).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b, "salts differ");
        assert!(verify("correct horse", &a, &mut m));
        assert!(!verify("correct horsf", &a, &mut m));
        assert!(!verify("correct horse", "not a hash", &mut m));
        assert_eq!(m.len(), 19 * 1024, "one buffer, reused");
        assert!(m.iter().all(|b| b.as_ref().iter().all(|w| *w == 0)), "wiped after use");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_checks_run_at_once_than_there_are_slots() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (now, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..24)
            .map(|_| {
                let (now, peak) = (now.clone(), peak.clone());
                tokio::spawn(bounded(move |_memory: &mut Vec<Block>| {
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(n, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(15));
                    now.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let peak = peak.load(Ordering::SeqCst);
        assert!(peak >= 1 && peak <= slots().permits.available_permits(), "{peak} at once");
    }

    #[test]
    fn hashes_agree_with_the_argon2_reference_api_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params().unwrap());
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let stored = reference.hash_password(b"stored before", &salt).unwrap().to_string();
        assert!(verify("stored before", &stored, &mut Vec::new()), "hashes made by earlier versions still verify");
        let ours = hash("made by us now", &mut Vec::new()).unwrap();
        assert!(reference.verify_password(b"made by us now", &PasswordHash::new(&ours).unwrap()).is_ok());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(hash("short", &mut Vec::new()), Err(PasswordError::Weak)));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
