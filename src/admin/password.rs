//! Password hashing with argon2id (PHC strings). Hashing runs on the blocking pool: it is slow on purpose, and
//! each run takes 19 MiB, so at most a few run at once (by default one per CPU core, see [`configure`]); a caller
//! that finds no free slot within the wait gets [`PasswordError::Busy`] (the login answers 429), so a flood of
//! bogus logins costs bounded memory and CPU.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;
use std::time::Duration;
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

/// The slots for hashing and verification, shared by the whole process.
struct Slots {
    permits: Semaphore,
    wait: Duration,
}

static SLOTS: OnceLock<Slots> = OnceLock::new();

/// Sets how many hashes run at once (0: one per CPU core) and how long a caller waits for a slot. The first call
/// wins; without one, the defaults apply (cores, 2 s).
pub fn configure(at_once: usize, wait: Duration) {
    let _ = SLOTS.get_or_init(|| Slots { permits: Semaphore::new(slot_count(at_once)), wait });
}

fn slot_count(at_once: usize) -> usize {
    if at_once > 0 { at_once } else { std::thread::available_parallelism().map_or(2, |n| n.get()) }
}

fn slots() -> &'static Slots {
    SLOTS.get_or_init(|| Slots { permits: Semaphore::new(slot_count(0)), wait: Duration::from_secs(2) })
}

/// Runs `f` on the blocking pool once a slot is free.
async fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, PasswordError> {
    let s = slots();
    let _permit = match tokio::time::timeout(s.wait, s.permits.acquire()).await {
        Ok(Ok(p)) => p,
        _ => return Err(PasswordError::Busy),
    };
    tokio::task::spawn_blocking(f).await.map_err(|e| PasswordError::Hash(e.to_string()))
}

/// argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane).
fn argon2() -> Result<Argon2<'static>, PasswordError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks length bounds (characters, not bytes).
pub fn check_strength(password: &str) -> Result<(), PasswordError> {
    let n = password.chars().count();
    if (8..=128).contains(&n) { Ok(()) } else { Err(PasswordError::Weak) }
}

/// A PHC string (`$argon2id$v=19$…`) for `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    check_strength(password)?;
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(argon2()?.hash_password(password.as_bytes(), &salt).map_err(|e| PasswordError::Hash(e.to_string()))?.to_string())
}

/// Whether `password` matches the PHC string; a malformed hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// [`hash`] on the blocking pool, in a slot.
pub async fn hash_async(password: String) -> Result<String, PasswordError> {
    bounded(move || hash(&password)).await?
}

/// [`verify`] on the blocking pool, in a slot. With no stored hash a dummy hash is checked, so unknown user names
/// take as long as wrong passwords. `Err(Busy)`: no slot came free in time; nothing was verified.
pub async fn verify_async(password: String, phc: Option<String>) -> Result<bool, PasswordError> {
    bounded(move || match phc {
        Some(p) => verify(&password, &p),
        None => {
            let _ = verify(&password, DUMMY_HASH);
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
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert_ne!(a, b, "salts differ");
        assert!(verify("correct horse", &a));
        assert!(!verify("correct horsf", &a));
        assert!(!verify("correct horse", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(hash("short"), Err(PasswordError::Weak)));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
