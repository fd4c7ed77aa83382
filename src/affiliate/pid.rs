//! 推广位 (PIDs): the one parser of their per-platform shapes (chat and dashboard both use it), and the question
//! whether a PID belongs to the operator's union account.
//!
//! Ownership per platform: Pinduoduo lists the account's PIDs (`pdd.ddk.goods.pid.query` with `pid_list`), JD its
//! placements (`jd.union.open.position.query`), and a Taobao PID `mm_<member>_<site>_<adzone>` belongs to the
//! account whose member id the operator's configured PID carries.

use super::{AffiliateError, Affiliates};
use crate::platform::Platform;

/// Longest run of digits in one PID segment.
const MAX_SEGMENT_DIGITS: usize = 20;

/// The PID in `raw` (surrounding blanks ignored) when it has the platform's shape: Pinduoduo `<duoId>_<number>`,
/// JD a numeric positionId, Taobao `mm_<member>_<site>_<adzone>`.
pub fn parse(platform: Platform, raw: &str) -> Option<String> {
    let pid = raw.trim();
    let digits = |s: &str| !s.is_empty() && s.len() <= MAX_SEGMENT_DIGITS && s.bytes().all(|b| b.is_ascii_digit());
    let ok = match platform {
        Platform::Pdd => pid.split_once('_').is_some_and(|(a, b)| digits(a) && digits(b)),
        Platform::Jd => digits(pid),
        Platform::Taobao => pid.strip_prefix("mm_").is_some_and(|r| {
            let parts: Vec<&str> = r.split('_').collect();
            parts.len() == 3 && parts.iter().all(|p| digits(p))
        }),
    };
    ok.then(|| pid.to_string())
}

/// The member id of a Taobao PID (`mm_<member>_…`).
fn taobao_member(pid: &str) -> Option<&str> {
    pid.strip_prefix("mm_")?.split('_').next()
}

impl Affiliates {
    /// Whether the union confirms that `pid` (already [`parse`]d) belongs to the operator's account.
    /// `NotConfigured` when the platform is off.
    pub async fn operator_owns_pid(&self, platform: Platform, pid: &str) -> Result<bool, AffiliateError> {
        match platform {
            Platform::Pdd => self.pdd.as_ref().ok_or(AffiliateError::NotConfigured(platform))?.owns_pid(pid).await,
            Platform::Jd => {
                let client = self.jd.as_ref().ok_or(AffiliateError::NotConfigured(platform))?;
                let Ok(id) = pid.parse::<u64>() else { return Ok(false) };
                client.owns_position(id).await
            }
            Platform::Taobao => {
                let client = self.taobao.as_ref().ok_or(AffiliateError::NotConfigured(platform))?;
                let operator = taobao_member(client.default_pid()).ok_or(AffiliateError::NotConfigured(platform))?;
                Ok(taobao_member(pid) == Some(operator))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_per_platform() {
        assert_eq!(parse(Platform::Pdd, " 9000001_100000002 ").as_deref(), Some("9000001_100000002"));
        assert_eq!(parse(Platform::Jd, "3100000009").as_deref(), Some("3100000009"));
        assert_eq!(parse(Platform::Taobao, "mm_1_2_3").as_deref(), Some("mm_1_2_3"));
        for (p, bad) in [
            (Platform::Pdd, "9000001"),
            (Platform::Pdd, "9000001_"),
            (Platform::Pdd, "a_1"),
            (Platform::Pdd, "1_2_3"),
            (Platform::Jd, "31x"),
            (Platform::Jd, ""),
            (Platform::Jd, "123456789012345678901"),
            (Platform::Taobao, "mm_1_2"),
            (Platform::Taobao, "1_2_3"),
            (Platform::Taobao, "mm_1_2_3<script>"),
        ] {
            assert_eq!(parse(p, bad), None, "{p:?} {bad}");
        }
    }

    #[test]
    fn taobao_member_is_the_first_number() {
        assert_eq!(taobao_member("mm_1000_2000_3000"), Some("1000"));
        assert_eq!(taobao_member("1000_2000_3000"), None);
    }
}
